//! `lab check`: the walkthrough's observable outcomes, replayed against the running lab, one line per
//! step in the walkthrough's words. Each check asks the cluster through the [`Cluster`] seam (kubectl,
//! docker, an HTTP GET to the machine's port 80), so the checks themselves are tested against scripted
//! answers; [`Live`] is the real thing.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{self, Stdio};
use std::time::Duration;

use crate::plan::Settings;

/// What the checks ask the lab.
pub trait Cluster {
    /// `kubectl --context kind-NAME ARGS...`: its stdout, or why it failed.
    fn kubectl(&mut self, args: &[&str]) -> Result<String, String>;
    /// `docker ARGS...`: its stdout, or why it failed.
    fn docker(&mut self, args: &[&str]) -> Result<String, String>;
    /// The body of `GET PATH` on this machine's port 80 (kind maps it to the ingress controller).
    fn http_get(&mut self, path: &str) -> Result<String, String>;
}

/// How one step went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// As the walkthrough says.
    Pass,
    /// Not as it says, and what was seen instead.
    Fail(String),
    /// Not checkable yet, and why.
    Skip(String),
}

/// One step of the walkthrough: its words and how to check it.
pub struct Check {
    /// The walkthrough's section and what it shows.
    pub words: &'static str,
    /// The check.
    pub run: fn(&mut dyn Cluster, &Settings) -> Outcome,
}

/// Every check, in the walkthrough's order.
pub fn walkthrough() -> Vec<Check> {
    vec![
        Check { words: "Kind cluster: the dnsutils pod is Running", run: dnsutils_running },
        Check {
            words: "StatefulSets: host postgres-0.postgres.default.svc.cluster.local. has postgres-0's address",
            run: |c, _| statefulset_pod(c, 0),
        },
        Check {
            words: "StatefulSets: host postgres-1.postgres.default.svc.cluster.local. has postgres-1's address",
            run: |c, _| statefulset_pod(c, 1),
        },
        Check { words: "StatefulSets: host postgres has the postgres Service's cluster IP", run: service_name },
        Check { words: "Services: host <app pod IP> names it under clusterip-service (PTR)", run: pod_reverse },
        Check { words: "NodePort: wget <node IP>:30040/host reaches an app pod", run: nodeport },
        Check {
            words: "Cluster IP: wget clusterip-service/host, by cluster IP, and <pod IP>:8080/host",
            run: clusterip,
        },
        Check { words: "Headless Service: host -t a headless-service returns every app pod's IP", run: headless },
        Check { words: "LoadBalancer: loadbalancer-service gets 172.18.255.200", run: loadbalancer_address },
        Check {
            words: "LoadBalancer: 172.18.255.200/host answers from a container on the kind network",
            run: loadbalancer_reach,
        },
        Check { words: "External Service: host -t cname external-service is an alias for github.com", run: external },
        Check { words: "Ingress: curl localhost/host reaches app, curl localhost/data reaches app2", run: ingress },
        Check {
            words: "Service Mesh: every app pod runs linkerd-proxy and is ready; stat shows app MESHED n/n with a success rate",
            run: mesh_stat,
        },
        Check {
            words: "Service Mesh: meshed requests to app are mutual TLS (tls=\"true\" with a client_id)",
            run: mesh_tls,
        },
    ]
}

/// Runs every check, printing `PASS`, `FAIL` or `SKIP` and the walkthrough's words; true when none failed.
pub fn run_all(cluster: &mut dyn Cluster, settings: &Settings, out: &mut dyn Write) -> std::io::Result<bool> {
    let mut passed = true;
    for check in walkthrough() {
        match (check.run)(cluster, settings) {
            Outcome::Pass => writeln!(out, "PASS {}", check.words)?,
            Outcome::Fail(detail) => {
                passed = false;
                writeln!(out, "FAIL {}: {detail}", check.words)?;
            }
            Outcome::Skip(reason) => writeln!(out, "SKIP {}: {reason}", check.words)?,
        }
    }
    Ok(passed)
}

/// Turns a chain of queries into an outcome: any error is the failure's detail.
fn outcome(result: Result<(), String>) -> Outcome {
    result.map_or_else(Outcome::Fail, |()| Outcome::Pass)
}

fn expect(what: &str, seen: &str, ok: bool) -> Result<(), String> {
    if ok { Ok(()) } else { Err(format!("{what}, got {:?}", seen.trim())) }
}

fn exec(cluster: &mut dyn Cluster, command: &[&str]) -> Result<String, String> {
    let mut args = vec!["exec", "--namespace", "default", "dnsutils", "--"];
    args.extend_from_slice(command);
    cluster.kubectl(&args)
}

fn jsonpath(cluster: &mut dyn Cluster, object: &[&str], path: &str) -> Result<String, String> {
    jsonpath_in(cluster, "default", object, path)
}

/// `kubectl get --namespace NAMESPACE OBJECT... -o jsonpath=PATH`, trimmed; an empty value is an error
/// naming the object and the path.
pub fn jsonpath_in(cluster: &mut dyn Cluster, namespace: &str, object: &[&str], path: &str) -> Result<String, String> {
    let template = format!("jsonpath={path}");
    let mut args = vec!["get", "--namespace", namespace];
    args.extend_from_slice(object);
    args.extend_from_slice(&["-o", &template]);
    let value = cluster.kubectl(&args)?;
    let value = value.trim().to_string();
    if value.is_empty() { Err(format!("{} has no {path}", object.join(" "))) } else { Ok(value) }
}

fn dnsutils_running(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome(
        jsonpath(cluster, &["pod", "dnsutils"], "{.status.phase}")
            .and_then(|phase| expect("expected Running", &phase, phase == "Running")),
    )
}

fn statefulset_pod(cluster: &mut dyn Cluster, ordinal: u8) -> Outcome {
    outcome((|| {
        let ip = jsonpath(cluster, &["pod", &format!("postgres-{ordinal}")], "{.status.podIP}")?;
        let name = format!("postgres-{ordinal}.postgres.default.svc.cluster.local");
        let answer = exec(cluster, &["host", &format!("{name}.")])?;
        let wanted = format!("{name} has address {ip}");
        expect(&format!("expected {wanted:?}"), &answer, answer.trim() == wanted)
    })())
}

fn service_name(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let ip = jsonpath(cluster, &["service", "postgres"], "{.spec.clusterIP}")?;
        let answer = exec(cluster, &["host", "postgres"])?;
        let wanted = format!("postgres.default.svc.cluster.local has address {ip}");
        expect(&format!("expected {wanted:?}"), &answer, answer.trim() == wanted)
    })())
}

fn app_pod_ips(cluster: &mut dyn Cluster) -> Result<Vec<String>, String> {
    let ips = jsonpath(
        cluster,
        &["pods", "--selector=app=app", "--field-selector=status.phase=Running"],
        "{.items[*].status.podIP}",
    )?;
    Ok(ips.split_whitespace().map(str::to_string).collect())
}

fn pod_reverse(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let ip = app_pod_ips(cluster)?.into_iter().next().ok_or("no running app pod")?;
        let answer = exec(cluster, &["host", &ip])?;
        let dashed = ip.replace('.', "-");
        let ok = answer.contains("domain name pointer")
            && answer.contains(&format!("{dashed}."))
            && answer.trim_end().ends_with(".default.svc.cluster.local.");
        expect(&format!("expected a pointer to {dashed}.<service>.default.svc.cluster.local."), &answer, ok)
    })())
}

fn served_by_app(what: &str, body: &str) -> Result<(), String> {
    expect(
        &format!("{what}: expected \"NODE: ..., POD IP:...\""),
        body,
        body.starts_with("NODE: ") && body.contains(", POD IP:"),
    )
}

fn nodeport(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let node = cluster.kubectl(&[
            "get",
            "nodes",
            "-o",
            "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}",
        ])?;
        let url = format!("{}:30040/host", node.trim());
        let body = exec(cluster, &["wget", "-q", "-T", "5", "-O-", &url])?;
        served_by_app(&url, &body)
    })())
}

fn clusterip(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let ip = jsonpath(cluster, &["service", "clusterip-service"], "{.spec.clusterIP}")?;
        let pod = app_pod_ips(cluster)?.into_iter().next().ok_or("no running app pod")?;
        for url in ["clusterip-service/host".to_string(), format!("{ip}/host"), format!("{pod}:8080/host")] {
            let body = exec(cluster, &["wget", "-q", "-T", "5", "-O-", &url])?;
            served_by_app(&url, &body)?;
        }
        Ok(())
    })())
}

fn headless(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let mut pods = app_pod_ips(cluster)?;
        let answer = exec(cluster, &["host", "-t", "a", "headless-service"])?;
        let mut answered: Vec<String> = answer
            .lines()
            .filter_map(|line| line.strip_prefix("headless-service.default.svc.cluster.local has address "))
            .map(|ip| ip.trim().to_string())
            .collect();
        pods.sort();
        answered.sort();
        expect(&format!("expected the app pods' addresses {pods:?}"), &answer, !pods.is_empty() && answered == pods)
    })())
}

/// The first address of the lab's pool (deploy/components/mini-lb/pool.yaml), which the walkthrough's
/// only LoadBalancer Service gets.
pub const LOADBALANCER_IP: &str = "172.18.255.200";

fn loadbalancer_address(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome(
        jsonpath(cluster, &["service", "loadbalancer-service"], "{.status.loadBalancer.ingress[0].ip}")
            .and_then(|ip| expect(&format!("expected {LOADBALANCER_IP}"), &ip, ip == LOADBALANCER_IP)),
    )
}

fn loadbalancer_reach(cluster: &mut dyn Cluster, settings: &Settings) -> Outcome {
    // The walkthrough's netshoot container, replaced by our dnsutils image (already built, has wget).
    let image = crate::images::image("dnsutils", &settings.tag);
    let url = format!("http://{LOADBALANCER_IP}/host");
    outcome(
        cluster
            .docker(&["run", "--rm", "--network", "kind", &image, "wget", "-q", "-T", "5", "-O-", &url])
            .and_then(|body| served_by_app(&url, &body)),
    )
}

fn external(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome(exec(cluster, &["host", "-t", "cname", "external-service"]).and_then(|answer| {
        let wanted = "external-service.default.svc.cluster.local is an alias for github.com.";
        expect(&format!("expected {wanted:?}"), &answer, answer.trim() == wanted)
    }))
}

fn ingress(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let host = cluster.http_get("/host")?;
        served_by_app("localhost/host", &host)?;
        let data = cluster.http_get("/data")?;
        expect("localhost/data: expected \"Database Connected\"", &data, data == "Database Connected")
    })())
}

/// The mini-proxy image's binary (the Dockerfile's ENTRYPOINT), run in a proxy container for `stat`.
pub const PROXY_BINARY: &str = "/bin/mini-proxy";
/// The proxy's admin port, where viz (and `stat`) scrape it.
const PROXY_ADMIN_PORT: u16 = 4191;

/// One app pod as the mesh check sees it.
struct MeshedPod {
    name: String,
    ip: String,
}

/// The app pods, each required to run a ready linkerd-proxy (ready only once the identity service has
/// certified it) and to be Ready itself.
fn meshed_app_pods(cluster: &mut dyn Cluster) -> Result<Vec<MeshedPod>, String> {
    let template = "{range .items[*]}{.metadata.name} {.status.podIP} \
                    proxy={.status.containerStatuses[?(@.name==\"linkerd-proxy\")].ready} \
                    pod={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}";
    let listing = jsonpath(cluster, &["pods", "--selector=app=app"], template)?;
    let mut pods = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, ip, proxy, pod] = fields[..] else { return Err(format!("unexpected pod line {line:?}")) };
        match (proxy, pod) {
            ("proxy=true", "pod=True") => pods.push(MeshedPod { name: name.into(), ip: ip.into() }),
            ("proxy=", _) => return Err(format!("pod {name} has no linkerd-proxy container: the app is not meshed")),
            ("proxy=false", _) => return Err(format!("pod {name}: linkerd-proxy is not ready (not certified yet?)")),
            _ => return Err(format!("pod {name} is not Ready ({pod})")),
        }
    }
    if pods.is_empty() { Err("no app pod".into()) } else { Ok(pods) }
}

/// `mini-proxy stat` from inside a proxy container, over every app pod's admin port. The traffic in its
/// window is what reaches app anyway: kubelet's probes of the admin port, which the proxy carries.
fn mesh_stat(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    outcome((|| {
        let pods = meshed_app_pods(cluster)?;
        let targets: Vec<String> = pods.iter().map(|p| format!("--target=app={}:{PROXY_ADMIN_PORT}", p.ip)).collect();
        let mut args = vec!["exec", "--namespace", "default", &pods[0].name, "-c", "linkerd-proxy", "--", PROXY_BINARY];
        args.extend(["stat", "deploy", "-n", "default", "-t", "10s"]);
        args.extend(targets.iter().map(String::as_str));
        let table = cluster.kubectl(&args)?;
        let header: Vec<&str> = table.lines().next().unwrap_or_default().split_whitespace().collect();
        let column = |name: &str| header.iter().position(|h| *h == name);
        let (Some(meshed), Some(success)) = (column("MESHED"), column("SUCCESS")) else {
            return Err(format!("stat printed no MESHED and SUCCESS columns: {table:?}"));
        };
        let row = table.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).find(|r| r.first() == Some(&"app"));
        let row = row.ok_or_else(|| format!("stat printed no app row: {table:?}"))?;
        let wanted = format!("{0}/{0}", pods.len());
        let seen = (row.get(meshed).copied().unwrap_or_default(), row.get(success).copied().unwrap_or_default());
        expect(
            &format!("expected app MESHED {wanted} and a success rate"),
            &table,
            seen.0 == wanted && seen.1.ends_with('%'),
        )
    })())
}

/// mTLS on the wire: an app proxy's inbound series with `tls="true"` name the client's identity. The
/// walkthrough's own clients (its shell, dnsutils) are not meshed, so without a meshed client there is
/// nothing to show: that is a skip, not a pass.
fn mesh_tls(cluster: &mut dyn Cluster, _: &Settings) -> Outcome {
    let pods = match meshed_app_pods(cluster) {
        Ok(pods) => pods,
        Err(detail) => return Outcome::Fail(detail),
    };
    let mut plaintext = 0;
    for pod in &pods {
        let path = format!("/api/v1/namespaces/default/pods/{}:{PROXY_ADMIN_PORT}/proxy/metrics", pod.name);
        let metrics = match cluster.kubectl(&["get", "--raw", &path]) {
            Ok(metrics) => metrics,
            Err(detail) => return Outcome::Fail(detail),
        };
        let inbound =
            metrics.lines().filter(|l| l.starts_with("request_total{") && l.contains("direction=\"inbound\""));
        for line in inbound {
            if line.contains("tls=\"true\"") {
                return if line.contains("client_id=\"") {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!("{}: mutual TLS without the client's identity: {line}", pod.name))
                };
            }
            plaintext += 1;
        }
    }
    Outcome::Skip(format!(
        "{plaintext} inbound series, none over TLS: no meshed client has called app (the walkthrough's are not meshed)"
    ))
}

/// The lab itself: kubectl on the cluster's context, docker, and this machine's port 80.
pub struct Live<'a> {
    /// Where the context name comes from.
    pub settings: &'a Settings,
}

fn output(mut command: process::Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let out = command.stdin(Stdio::null()).output().map_err(|error| format!("cannot start {shown}: {error}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{} ({})", String::from_utf8_lossy(&out.stderr).trim(), out.status))
    }
}

impl Cluster for Live<'_> {
    fn kubectl(&mut self, args: &[&str]) -> Result<String, String> {
        let mut command = process::Command::new("kubectl");
        command.args(["--context", &self.settings.context()]).args(args);
        output(command)
    }

    fn docker(&mut self, args: &[&str]) -> Result<String, String> {
        let mut command = process::Command::new("docker");
        command.args(args);
        output(command)
    }

    fn http_get(&mut self, path: &str) -> Result<String, String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 80));
        let timeout = Duration::from_secs(5);
        let mut stream =
            TcpStream::connect_timeout(&address, timeout).map_err(|e| format!("connect to {address}: {e}"))?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .map_err(|e| e.to_string())?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .map_err(|e| format!("send to {address}: {e}"))?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply).map_err(|e| format!("read from {address}: {e}"))?;
        let (head, body) = reply.split_once("\r\n\r\n").ok_or("no HTTP response head")?;
        let status = head.lines().next().unwrap_or_default();
        if status.split_whitespace().nth(1) == Some("200") {
            Ok(body.to_string())
        } else {
            Err(format!("{path}: {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A lab that answers from a script: each command line maps to its stdout.
    #[derive(Default)]
    struct Scripted {
        answers: HashMap<String, Result<String, String>>,
    }

    impl Scripted {
        fn answer(mut self, command: &str, stdout: &str) -> Self {
            self.answers.insert(command.to_string(), Ok(stdout.to_string()));
            self
        }

        fn reply(&self, command: String) -> Result<String, String> {
            self.answers.get(&command).cloned().unwrap_or_else(|| Err(format!("unscripted: {command}")))
        }
    }

    impl Cluster for Scripted {
        fn kubectl(&mut self, args: &[&str]) -> Result<String, String> {
            self.reply(format!("kubectl {}", args.join(" ")))
        }
        fn docker(&mut self, args: &[&str]) -> Result<String, String> {
            self.reply(format!("docker {}", args.join(" ")))
        }
        fn http_get(&mut self, path: &str) -> Result<String, String> {
            self.reply(format!("GET {path}"))
        }
    }

    fn settings() -> Settings {
        Settings { cluster: "kind".into(), tag: "dev".into(), targets: vec![] }
    }

    const PODS: &str = "kubectl get --namespace default pods --selector=app=app --field-selector=status.phase=Running -o jsonpath={.items[*].status.podIP}";

    /// The StatefulSet check passes on the walkthrough's own output and fails on another address.
    #[test]
    fn statefulset_names() {
        let pod = "kubectl get --namespace default pod postgres-0 -o jsonpath={.status.podIP}";
        let host = "kubectl exec --namespace default dnsutils -- host postgres-0.postgres.default.svc.cluster.local.";
        let mut lab = Scripted::default()
            .answer(pod, "10.244.1.3")
            .answer(host, "postgres-0.postgres.default.svc.cluster.local has address 10.244.1.3\n");
        assert_eq!(statefulset_pod(&mut lab, 0), Outcome::Pass);
        let mut wrong = Scripted::default()
            .answer(pod, "10.244.1.9")
            .answer(host, "postgres-0.postgres.default.svc.cluster.local has address 10.244.1.3\n");
        assert!(matches!(statefulset_pod(&mut wrong, 0), Outcome::Fail(detail) if detail.contains("10.244.1.9")));
    }

    /// Headless passes only when DNS returns exactly the running app pods' addresses.
    #[test]
    fn headless_addresses() {
        let host = "kubectl exec --namespace default dnsutils -- host -t a headless-service";
        let answer = "headless-service.default.svc.cluster.local has address 10.244.2.4\nheadless-service.default.svc.cluster.local has address 10.244.1.4\n";
        let mut lab = Scripted::default().answer(PODS, "10.244.1.4 10.244.2.4").answer(host, answer);
        assert_eq!(headless(&mut lab, &settings()), Outcome::Pass);
        let mut missing = Scripted::default().answer(PODS, "10.244.1.4 10.244.2.4 10.244.3.4").answer(host, answer);
        assert!(matches!(headless(&mut missing, &settings()), Outcome::Fail(_)));
    }

    /// The LoadBalancer is reached from a container on the kind network with our dnsutils image.
    #[test]
    fn loadbalancer_from_the_kind_network() {
        let run = "docker run --rm --network kind lab/dnsutils:dev wget -q -T 5 -O- http://172.18.255.200/host";
        let mut lab = Scripted::default().answer(run, "NODE: kind-worker, POD IP:10.244.2.7");
        assert_eq!(loadbalancer_reach(&mut lab, &settings()), Outcome::Pass);
        let mut down = Scripted::default();
        assert!(
            matches!(loadbalancer_reach(&mut down, &settings()), Outcome::Fail(detail) if detail.contains("unscripted"))
        );
    }

    /// Ingress needs both routes: /host from app, /data answering "Database Connected".
    #[test]
    fn ingress_routes() {
        let mut lab = Scripted::default()
            .answer("GET /host", "NODE: kind-worker2, POD IP:10.244.1.6")
            .answer("GET /data", "Database Connected");
        assert_eq!(ingress(&mut lab, &settings()), Outcome::Pass);
        let mut broken =
            Scripted::default().answer("GET /host", "NODE: kind-worker2, POD IP:10.244.1.6").answer("GET /data", "");
        assert!(matches!(ingress(&mut broken, &settings()), Outcome::Fail(_)));
    }

    /// Every step prints one line; with nothing answering, every step fails.
    #[test]
    fn one_line_per_step() {
        let mut out = Vec::new();
        let passed = run_all(&mut Scripted::default(), &settings(), &mut out).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!passed);
        assert_eq!(text.lines().count(), walkthrough().len());
        assert!(text.lines().all(|line| line.starts_with("FAIL ")), "{text}");
    }

    const MESH_PODS: &str = "kubectl get --namespace default pods --selector=app=app -o jsonpath={range .items[*]}{.metadata.name} {.status.podIP} proxy={.status.containerStatuses[?(@.name==\"linkerd-proxy\")].ready} pod={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}";
    const STAT: &str = "kubectl exec --namespace default app-1 -c linkerd-proxy -- /bin/mini-proxy stat deploy -n default -t 10s --target=app=10.244.1.5:4191 --target=app=10.244.2.6:4191";
    const TWO_PODS: &str = "app-1 10.244.1.5 proxy=true pod=True\napp-2 10.244.2.6 proxy=true pod=True\n";
    const TABLE: &str = "NAME   MESHED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   TCP_CONN\n\
                         app       2/2   100.00%   0.7rps           1ms           1ms           1ms          3\n";

    /// The mesh step passes on stat's table for every app pod, meshed and ready, and fails naming an
    /// unmeshed or unready pod, or a row that is not n/n with a success rate.
    #[test]
    fn mesh_stat_from_a_proxy_container() {
        let mut lab = Scripted::default().answer(MESH_PODS, TWO_PODS).answer(STAT, TABLE);
        assert_eq!(mesh_stat(&mut lab, &settings()), Outcome::Pass);
        let partly = TABLE.replace("2/2", "1/2");
        let mut lab = Scripted::default().answer(MESH_PODS, TWO_PODS).answer(STAT, &partly);
        assert!(matches!(mesh_stat(&mut lab, &settings()), Outcome::Fail(d) if d.contains("MESHED 2/2")));
        let idle = TABLE.replace("100.00%", "-");
        let mut lab = Scripted::default().answer(MESH_PODS, TWO_PODS).answer(STAT, &idle);
        assert!(matches!(mesh_stat(&mut lab, &settings()), Outcome::Fail(_)));
        let unmeshed = "app-1 10.244.1.5 proxy= pod=True\n";
        let mut lab = Scripted::default().answer(MESH_PODS, unmeshed);
        assert!(matches!(mesh_stat(&mut lab, &settings()), Outcome::Fail(d) if d.contains("no linkerd-proxy")));
        let uncertified = "app-1 10.244.1.5 proxy=false pod=False\n";
        let mut lab = Scripted::default().answer(MESH_PODS, uncertified);
        assert!(matches!(mesh_stat(&mut lab, &settings()), Outcome::Fail(d) if d.contains("not ready")));
    }

    /// mTLS passes on an inbound series over TLS naming the client, fails on TLS without one, and is
    /// skipped when every inbound series is plaintext (no meshed client).
    #[test]
    fn mesh_tls_from_the_proxies_metrics() {
        let metrics = |pod: &str| format!("kubectl get --raw /api/v1/namespaces/default/pods/{pod}:4191/proxy/metrics");
        let plain = "request_total{direction=\"inbound\",target_addr=\"10.244.1.5:9090\",tls=\"no_identity\",no_tls_reason=\"no_tls_from_remote\"} 12\n";
        let mutual = "request_total{direction=\"inbound\",target_addr=\"10.244.2.6:8080\",tls=\"true\",client_id=\"default.default.serviceaccount.identity.linkerd.cluster.local\"} 20\n";
        let anonymous = "request_total{direction=\"inbound\",target_addr=\"10.244.2.6:8080\",tls=\"true\"} 20\n";
        let lab = |second: &str| {
            Scripted::default()
                .answer(MESH_PODS, TWO_PODS)
                .answer(&metrics("app-1"), plain)
                .answer(&metrics("app-2"), second)
        };
        assert_eq!(mesh_tls(&mut lab(mutual), &settings()), Outcome::Pass);
        assert!(matches!(mesh_tls(&mut lab(anonymous), &settings()), Outcome::Fail(d) if d.contains("app-2")));
        assert!(
            matches!(mesh_tls(&mut lab(plain), &settings()), Outcome::Skip(r) if r.starts_with("2 inbound series"))
        );
    }
}
