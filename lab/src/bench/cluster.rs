//! `lab bench` on a kind cluster made by `lab up`: ours against the upstream overlays running beside them
//! in the same cluster and run. Two comparisons fit one cluster (deploy/README.md says why the mesh does
//! not: Linkerd's install replaces our identity service, so the mesh is compared by `lab local bench`):
//!
//! - cluster DNS: dnsperf in a pod against kube-dns (cluster-dns) and against kind's CoreDNS behind
//!   `coredns-upstream`, the same queries for the same time;
//! - LoadBalancer failover: a poller container on the kind network requests the Service address every
//!   20 ms after the last while the node announcing it is frozen (`docker pause`), for mini-lb's `loadbalancer-service`
//!   and MetalLB's `loadbalancer-service-metallb`; the outage is the gap between the last answer before
//!   the cut and the first after it.
//!
//! Everything goes through [`Cluster`] (kubectl and docker) and a [`Clock`], so the procedure is tested
//! against scripted answers; the parsers of dnsperf's report and the poller's log are pure.

use std::path::Path;
use std::time::Duration;

use super::scripts::{self, BenchError};
use crate::check::{self, Cluster};
use crate::plan::Settings;

/// Seconds of dnsperf per server.
const DNS_SECONDS: u32 = 10;
/// Failover trials per LoadBalancer (each freezes a node for about 4 s, then waits 10 s).
const TRIALS: u32 = 5;

/// Measures both comparisons, keeps them as the `kind` part (docs/bench/kind.md and kind.tsv) and
/// rewrites the report.
pub fn run(
    cluster: &mut dyn Cluster,
    clock: &mut dyn Clock,
    settings: &Settings,
    workspace: &Path,
) -> Result<(), BenchError> {
    let failed = |why: String| BenchError::Parts(vec![format!("kind: {why}")]);
    eprintln!("[measure] DNS: cluster-dns against CoreDNS");
    let (dns_records, dns_table) = dns(cluster, settings, DNS_SECONDS).map_err(failed)?;
    eprintln!("[measure] LoadBalancer failover: mini-lb against MetalLB");
    let (lb_records, lb_table) = failover(cluster, clock, settings, TRIALS).map_err(failed)?;
    let when = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default();
    let section = format!(
        "## On kind: ours beside the upstream parts (`lab bench`)\n\n\
         Measured {when} on the kind cluster `{cluster}` made by `lab up` (one control plane, three workers), by\n\
         `lab bench`: the upstream overlays applied beside ours, the load generators in pods and containers of\n\
         `lab/bench-tools` (Debian's dnsperf and curl).\n\n\
         DNS: `{dnsperf}` from a pod, against each Service's cluster IP, {DNS_SECONDS} s each; the queries are\n\
         the lab's names (four Services and pods, an AAAA without data, a missing Service).\n\n{dns_table}\n\
         LoadBalancer failover: a container on the kind network opens a new connection to the Service's\n\
         address every 20 ms (a curl, then 20 ms of sleep: about 40 ms apart here); 2 s in, the node announcing it (its ServiceL2Status) is frozen with `docker\n\
         pause`; the outage runs from the last answer before to the first after; then the node is thawed.\n\
         {TRIALS} trials each, both with their defaults.\n\n{lb_table}",
        cluster = settings.cluster,
        dnsperf = "dnsperf -c 8 -T 1 -q 256",
    );
    scripts::keep(workspace, "kind", &section, &format!("{dns_records}{lb_records}"))?;
    scripts::write_report(workspace)
}

/// What `lab bench` measures after its plan, for `--dry-run`.
pub fn describe(settings: &Settings) -> Vec<String> {
    let image = tools_image(settings);
    let mut lines = Vec::new();
    for (name, namespace, service) in DNS_SERVERS {
        let script = dnsperf_script(&format!("<{namespace}/{service} cluster IP>"), DNS_SECONDS);
        let run = crate::command::Command::new("kubectl", tools_pod_args(settings, "lab-bench-dns", &script));
        lines.push(format!("dnsperf against {name}: {run}"));
    }
    for (name, namespace, service) in LOAD_BALANCERS {
        lines.push(format!(
            "{TRIALS} failovers of {name}: docker run --detach --network kind {image} (poll http://<{service} address>/host \
             every 20 ms), docker pause <node of {service}'s ServiceL2Status in {namespace}>, docker logs, docker unpause"
        ));
    }
    lines.push(
        "write docs/bench/kind.md and kind.tsv, then docs/benchmarks.md, its charts and the README's summary".into(),
    );
    lines
}

/// The time, for cutting a node at a known moment.
pub trait Clock {
    /// Milliseconds since the Unix epoch (the poller container's `date +%s%3N` reads the same clock).
    fn now_ms(&mut self) -> u64;
    /// Waits.
    fn sleep(&mut self, duration: Duration);
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&mut self) -> u64 {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// The load generators' image: Debian's dnsperf and curl (docker/bench-tools.Dockerfile).
pub fn tools_image(settings: &Settings) -> String {
    format!("lab/bench-tools:{}", settings.tag)
}

/// The DNS servers compared: a name for the report and their Service.
pub const DNS_SERVERS: [(&str, &str, &str); 2] =
    [("cluster-dns", "kube-system", "kube-dns"), ("CoreDNS", "kube-system", "coredns-upstream")];

/// The LoadBalancers compared: a name for the report, the announcers' namespace and the Service.
pub const LOAD_BALANCERS: [(&str, &str, &str); 2] = [
    ("mini-lb", "metallb-system", "loadbalancer-service"),
    ("MetalLB", "metallb-upstream", "loadbalancer-service-metallb"),
];

/// The lab's names, as pods ask for them: hits (Services, a StatefulSet pod, the API) and a miss.
const QUERIES: [&str; 6] = [
    "clusterip-service.default.svc.cluster.local A",
    "headless-service.default.svc.cluster.local A",
    "postgres-0.postgres.default.svc.cluster.local A",
    "kubernetes.default.svc.cluster.local A",
    "clusterip-service.default.svc.cluster.local AAAA",
    "missing-service.default.svc.cluster.local A",
];

/// What dnsperf reported.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsRun {
    /// Queries answered per second.
    pub queries_per_second: f64,
    /// Mean latency in ms.
    pub average_latency_ms: f64,
    /// Queries without an answer.
    pub lost: u64,
}

/// Reads dnsperf's statistics block.
pub fn parse_dnsperf(report: &str) -> Result<DnsRun, String> {
    let field = |name: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(name).map(|rest| rest.trim().to_string()))
            .ok_or_else(|| format!("dnsperf printed no {name:?} line"))
    };
    let number = |text: String, name: &str| {
        let first = text.split_whitespace().next().unwrap_or_default().to_string();
        first.parse::<f64>().map_err(|_| format!("dnsperf's {name:?} is not a number: {text:?}"))
    };
    let qps = number(field("Queries per second:")?, "Queries per second")?;
    let latency = number(field("Average Latency (s):")?, "Average Latency")?;
    let lost = number(field("Queries lost:")?, "Queries lost")?;
    Ok(DnsRun { queries_per_second: qps, average_latency_ms: latency * 1000.0, lost: lost as u64 })
}

/// The shell line a dnsperf pod runs against `server` for `seconds`: the lab's queries, as
/// scripts/bench-cluster-dns loads them (8 clients, 256 outstanding).
pub fn dnsperf_script(server: &str, seconds: u32) -> String {
    let queries: Vec<String> = QUERIES.iter().map(|q| format!("'{q}'")).collect();
    format!(
        "printf '%s\\n' {} > /tmp/queries && dnsperf -s {server} -d /tmp/queries -l {seconds} -c 8 -T 1 -q 256",
        queries.join(" ")
    )
}

/// The shell loop the poller container runs for `millis`: one new connection to `url` every 20 ms,
/// each line `TIME_MS ok|fail`.
pub fn poller_script(url: &str, millis: u64) -> String {
    format!(
        "end=$(( $(date +%s%3N) + {millis} )); while [ $(date +%s%3N) -lt $end ]; do t=$(date +%s%3N); \
         if curl -s -m 0.2 -o /dev/null {url}; then echo \"$t ok\"; else echo \"$t fail\"; fi; sleep 0.02; done"
    )
}

/// The outage in a poller's log around a cut at `cut_ms`: from the last answer before it to the first
/// after it. `None` when nothing answered after the cut.
pub fn outage(log: &str, cut_ms: u64) -> Result<Option<u64>, String> {
    let mut last_before = None;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let (time, result) = line.trim().split_once(' ').ok_or_else(|| format!("poller line {line:?}"))?;
        let time: u64 = time.parse().map_err(|_| format!("poller line {line:?}: the time is not a number"))?;
        match (result, time < cut_ms) {
            ("ok", true) => last_before = Some(time),
            ("ok", false) => return Ok(Some(time - last_before.unwrap_or(cut_ms))),
            ("fail", _) => {}
            _ => return Err(format!("poller line {line:?}: expected ok or fail")),
        }
    }
    Ok(None)
}

/// Runs dnsperf against each DNS server for `seconds`: records and a markdown table.
pub fn dns(cluster: &mut dyn Cluster, settings: &Settings, seconds: u32) -> Result<(String, String), String> {
    let mut records = String::new();
    let mut rows = String::new();
    for (name, namespace, service) in DNS_SERVERS {
        let ip = check::jsonpath_in(cluster, namespace, &["service", service], "{.spec.clusterIP}")?;
        eprintln!("      dnsperf against {name} ({service}, {ip}) for {seconds} s");
        let report = run_tools_pod(cluster, settings, "lab-bench-dns", &dnsperf_script(&ip, seconds))?;
        let run = parse_dnsperf(&report).map_err(|e| format!("{name}: {e}"))?;
        for (measure, value, unit) in [
            ("queries/s", run.queries_per_second, "queries/s"),
            ("avg latency", run.average_latency_ms, "ms"),
            ("lost", run.lost as f64, "count"),
        ] {
            records.push_str(&format!("kind\t{name}\t{measure}\t{value}\t{unit}\n"));
        }
        rows.push_str(&format!(
            "| {name} (`{service}`, {ip}) | {:.0} | {:.3} ms | {} |\n",
            run.queries_per_second, run.average_latency_ms, run.lost
        ));
    }
    let table = format!("| server | queries/s | avg latency | lost |\n|---|---:|---:|---:|\n{rows}");
    Ok((records, table))
}

/// Freezes the node announcing each LoadBalancer address `trials` times and measures the outage.
pub fn failover(
    cluster: &mut dyn Cluster,
    clock: &mut dyn Clock,
    settings: &Settings,
    trials: u32,
) -> Result<(String, String), String> {
    let mut records = String::new();
    let mut rows = String::new();
    for (name, namespace, service) in LOAD_BALANCERS {
        let path = "{.status.loadBalancer.ingress[0].ip}";
        let ip = check::jsonpath_in(cluster, "default", &["service", service], path)
            .map_err(|e| format!("{e}: {service} has no LoadBalancer address; is {name} running?"))?;
        let mut outages = Vec::new();
        for trial in 1..=trials {
            let owner = announcing_node(cluster, namespace, service)?;
            eprintln!("      {name} trial {trial}/{trials}: {ip} announced by {owner}; freezing it");
            match one_failover(cluster, clock, settings, &ip, &owner)? {
                Some(ms) => {
                    records.push_str(&format!("kind\t{name}\tfailover@{trial}\t{ms}\tms\n"));
                    outages.push(ms);
                }
                None => eprintln!("      {name} trial {trial}: no answer within the poll window"),
            }
        }
        outages.sort_unstable();
        let median = outages.get(outages.len() / 2).copied();
        let max = outages.last().copied();
        if let (Some(median), Some(max)) = (median, max) {
            records.push_str(&format!(
                "kind\t{name}\tfailover median\t{median}\tms\nkind\t{name}\tfailover max\t{max}\tms\n"
            ));
        }
        let shown = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v} ms"));
        rows.push_str(&format!(
            "| {name} (`{service}`, {ip}) | {} | {} | {}/{trials} |\n",
            shown(median),
            shown(max),
            outages.len()
        ));
    }
    let table = format!("| LoadBalancer | median | max | trials answered |\n|---|---:|---:|---:|\n{rows}");
    Ok((records, table))
}

/// The node whose speaker announces `service`, from the ServiceL2Status objects in `namespace` (MetalLB
/// and mini-lb both keep one per announced Service).
fn announcing_node(cluster: &mut dyn Cluster, namespace: &str, service: &str) -> Result<String, String> {
    let listing = cluster.kubectl(&[
        "get",
        "servicel2statuses",
        "--namespace",
        namespace,
        "-o",
        "jsonpath={range .items[*]}{.status.serviceName} {.status.node}{\"\\n\"}{end}",
    ])?;
    listing
        .lines()
        .find_map(|line| {
            line.split_once(' ').filter(|(name, _)| *name == service).map(|(_, node)| node.trim().to_string())
        })
        .filter(|node| !node.is_empty())
        .ok_or_else(|| format!("no ServiceL2Status in {namespace} names the node announcing {service}"))
}

/// One trial: poll for 6 s, freeze `owner` 2 s in, read the log, thaw it and wait until the address
/// answers again.
fn one_failover(
    cluster: &mut dyn Cluster,
    clock: &mut dyn Clock,
    settings: &Settings,
    ip: &str,
    owner: &str,
) -> Result<Option<u64>, String> {
    const POLLER: &str = "lab-bench-poller";
    let _ = cluster.docker(&["rm", "--force", POLLER]);
    let script = poller_script(&format!("http://{ip}/host"), 6000);
    let image = tools_image(settings);
    cluster.docker(&["run", "--detach", "--name", POLLER, "--network", "kind", &image, "sh", "-c", &script])?;
    clock.sleep(Duration::from_secs(2));
    let cut = clock.now_ms();
    let paused = cluster.docker(&["pause", owner]);
    let waited = paused.and_then(|_| cluster.docker(&["wait", POLLER]));
    let log = waited.and_then(|_| cluster.docker(&["logs", POLLER]));
    // Thaw and clean up whatever happened above.
    let thawed = cluster.docker(&["unpause", owner]);
    let _ = cluster.docker(&["rm", "--force", POLLER]);
    let log = log?;
    thawed?;
    clock.sleep(Duration::from_secs(10));
    outage(&log, cut)
}

/// `kubectl run` a throwaway pod of the tools image running `script`; its output.
fn run_tools_pod(cluster: &mut dyn Cluster, settings: &Settings, name: &str, script: &str) -> Result<String, String> {
    let args = tools_pod_args(settings, name, script);
    cluster.kubectl(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The arguments of `kubectl run` for a throwaway pod of the tools image running `script`, attached
/// until it ends, then deleted.
fn tools_pod_args(settings: &Settings, name: &str, script: &str) -> Vec<String> {
    let fixed = ["--namespace", "default", "--rm", "--stdin", "--quiet", "--restart=Never"];
    let mut args: Vec<String> = ["run", name].into_iter().chain(fixed).map(String::from).collect();
    args.push(format!("--image={}", tools_image(settings)));
    args.extend(["--image-pull-policy=Never", "--command", "--", "sh", "-c", script].map(String::from));
    args
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    const DNSPERF: &str = "Statistics:\n\n  Queries sent:         600000\n  Queries completed:    599990 (100.00%)\n  \
        Queries lost:         10 (0.00%)\n\n  Response codes:       NOERROR 499990 (83.33%), NXDOMAIN 100000 (16.67%)\n  \
        Queries per second:   59998.123456\n\n  Average Latency (s):  0.001234 (min 0.000050, max 0.030000)\n";

    /// dnsperf's statistics become queries per second, mean latency in ms and the lost count; a report
    /// without them is an error naming the missing line.
    #[test]
    fn dnsperf_report() {
        let run = parse_dnsperf(DNSPERF).expect("parsed");
        assert_eq!(run.lost, 10);
        assert!((run.queries_per_second - 59998.123456).abs() < 1e-6 && (run.average_latency_ms - 1.234).abs() < 1e-9);
        let error = parse_dnsperf("Queries per second: 5\n").expect_err("incomplete");
        assert!(error.contains("Average Latency"), "{error}");
    }

    /// The outage runs from the last answer before the cut to the first after it; failures in between
    /// and before do not count as answers.
    #[test]
    fn outage_from_the_poller_log() {
        let log = "1000 ok\n1020 ok\n1040 fail\n1300 fail\n1460 ok\n1480 ok\n";
        assert_eq!(outage(log, 1030), Ok(Some(440)));
        assert_eq!(outage("1000 ok\n1040 fail\n", 1030), Ok(None), "never answered again");
        assert!(outage("1000 maybe\n", 0).is_err());
    }

    /// The scripts the pods run carry the server and the URL, and only the lab's names.
    #[test]
    fn scripts() {
        let dns = dnsperf_script("10.96.0.11", 10);
        assert!(dns.contains("dnsperf -s 10.96.0.11 -d /tmp/queries -l 10"), "{dns}");
        assert!(dns.contains("'missing-service.default.svc.cluster.local A'"), "{dns}");
        let poll = poller_script("http://172.18.255.200/host", 6000);
        assert!(poll.contains("curl -s -m 0.2 -o /dev/null http://172.18.255.200/host") && poll.contains("+ 6000"));
    }

    /// A cluster that answers from a script: each call must be the next expected one.
    struct Scripted(VecDeque<(String, Result<String, String>)>);

    impl Scripted {
        fn answer(&mut self, call: String) -> Result<String, String> {
            let (expected, answer) = self.0.pop_front().unwrap_or_else(|| panic!("unexpected call {call}"));
            assert!(call.starts_with(&expected), "expected {expected:?}, got {call:?}");
            answer
        }
    }

    impl Cluster for Scripted {
        fn kubectl(&mut self, args: &[&str]) -> Result<String, String> {
            self.answer(format!("kubectl {}", args.join(" ")))
        }
        fn docker(&mut self, args: &[&str]) -> Result<String, String> {
            self.answer(format!("docker {}", args.join(" ")))
        }
        fn http_get(&mut self, path: &str) -> Result<String, String> {
            self.answer(format!("GET {path}"))
        }
    }

    /// A clock stopped at 2 s past the epoch: every cut happens then.
    struct FakeClock(u64);

    impl Clock for FakeClock {
        fn now_ms(&mut self) -> u64 {
            self.0
        }
        fn sleep(&mut self, _: Duration) {}
    }

    fn settings() -> Settings {
        Settings { cluster: "kind".into(), tag: "dev".into(), targets: vec![] }
    }

    /// A failover trial freezes the announcing node, reads the poller, and thaws the node even when
    /// reading failed.
    #[test]
    fn failover_trial_thaws_the_node() {
        let ok = |s: &str| Ok(s.to_string());
        let calls = vec![
            ("kubectl get --namespace default service loadbalancer-service", ok("172.18.255.200")),
            ("kubectl get servicel2statuses --namespace metallb-system", ok("loadbalancer-service kind-worker2\n")),
            ("docker rm --force lab-bench-poller", ok("")),
            ("docker run --detach --name lab-bench-poller --network kind lab/bench-tools:dev sh -c", ok("id")),
            ("docker pause kind-worker2", ok("")),
            ("docker wait lab-bench-poller", ok("0")),
            ("docker logs lab-bench-poller", ok("1900 ok\n1990 ok\n2100 fail\n2420 ok\n")),
            ("docker unpause kind-worker2", ok("")),
            ("docker rm --force lab-bench-poller", ok("")),
            ("kubectl get --namespace default service loadbalancer-service-metallb", ok("172.18.255.150")),
            (
                "kubectl get servicel2statuses --namespace metallb-upstream",
                ok("loadbalancer-service-metallb kind-worker\n"),
            ),
            ("docker rm --force lab-bench-poller", ok("")),
            ("docker run --detach", ok("id")),
            ("docker pause kind-worker", ok("")),
            ("docker wait lab-bench-poller", Err("docker wait: no such container".to_string())),
            ("docker unpause kind-worker", ok("")),
            ("docker rm --force lab-bench-poller", ok("")),
        ];
        let mut cluster = Scripted(calls.into_iter().map(|(call, answer)| (call.to_string(), answer)).collect());
        let mut clock = FakeClock(2000);
        let error = failover(&mut cluster, &mut clock, &settings(), 1).expect_err("the second poller failed");
        assert!(error.contains("no such container"), "{error}");
        assert!(cluster.0.is_empty(), "left: {:?}", cluster.0);
    }

    /// A full run records each trial and the median and max, and a table row per LoadBalancer.
    #[test]
    fn failover_records() {
        let ok = |s: &str| Ok(s.to_string());
        let mut calls = Vec::new();
        for (service, namespace_listing, ip, node) in [
            ("loadbalancer-service", "loadbalancer-service kind-worker2\n", "172.18.255.200", "kind-worker2"),
            (
                "loadbalancer-service-metallb",
                "loadbalancer-service-metallb kind-worker\n",
                "172.18.255.150",
                "kind-worker",
            ),
        ] {
            calls.push((format!("kubectl get --namespace default service {service}"), ok(ip)));
            calls.push(("kubectl get servicel2statuses".to_string(), ok(namespace_listing)));
            calls.push(("docker rm".to_string(), ok("")));
            calls.push(("docker run".to_string(), ok("id")));
            calls.push((format!("docker pause {node}"), ok("")));
            calls.push(("docker wait".to_string(), ok("0")));
            calls.push(("docker logs".to_string(), ok("1990 ok\n2300 ok\n")));
            calls.push((format!("docker unpause {node}"), ok("")));
            calls.push(("docker rm".to_string(), ok("")));
        }
        let mut cluster = Scripted(calls.into_iter().collect());
        let (records, table) = failover(&mut cluster, &mut FakeClock(2000), &settings(), 1).expect("measured");
        let records = crate::bench::records::Records::parse(&records).expect("valid");
        assert_eq!(records.get("kind", "mini-lb", "failover median"), Some(310.0));
        assert_eq!(records.get("kind", "MetalLB", "failover@1"), Some(310.0));
        assert!(
            table.contains("| mini-lb (`loadbalancer-service`, 172.18.255.200) | 310 ms | 310 ms | 1/1 |"),
            "{table}"
        );
    }
}
