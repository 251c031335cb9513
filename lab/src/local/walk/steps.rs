//! The walkthrough's commands, run from the dnsutils pod as `kubectl exec dnsutils -- ...` runs them,
//! each printed with what it ran here and what it answered, and checked against what the plan says
//! the answer must be (the addresses the control plane gave out; the answers themselves come from the
//! real servers). The first wrong answer stops the run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::LocalError;
use super::cluster::{self, GITHUB};
use super::kubelet::Machine;
use crate::local::plan::Plan;
use crate::local::plan::kube_proxy;
use crate::local::plan::pods::Pod;
use crate::local::plan::services::{self, Phase};

/// How many requests go to each Service address, to see the random choice among endpoints.
const REQUESTS: usize = 8;

/// How long a published change may take to show in an answer.
const SETTLE: Duration = Duration::from_secs(5);

/// Prints a step's heading.
pub fn heading(title: &str) {
    println!("\n== {title}");
}

/// `kubectl get pods -A -o wide`, for the pods in `phases`.
pub fn pods_table(plan: &Plan, phases: &BTreeMap<String, Phase>) -> String {
    pods_table_of(plan, plan.placement.pods.iter().filter(|p| phases.contains_key(&p.name)))
}

/// `kubectl get pods -A -o wide`, for `pods`.
pub fn pods_table_of<'a>(plan: &Plan, pods: impl Iterator<Item = &'a Pod>) -> String {
    let _ = plan;
    let mut text = format!(
        "$ kubectl get pods -A -o wide\n{:<15} {:<28} {:<7} {:<9} {:<12} {}\n",
        "NAMESPACE", "NAME", "READY", "STATUS", "IP", "NODE"
    );
    for pod in pods {
        let _ = writeln!(
            text,
            "{:<15} {:<28} {:<7} {:<9} {:<12} {}",
            pod.namespace,
            pod.name,
            format!("{0}/{0}", pod.containers().count()),
            "Running",
            pod.ip,
            pod.node
        );
    }
    text
}

/// The dnsutils pod.
pub(super) fn dnsutils(plan: &Plan) -> Result<&Pod, LocalError> {
    plan.pod("dnsutils").ok_or_else(|| LocalError::Plan("the manifests have no dnsutils pod".into()))
}

/// Runs `dnsutils TOOL ARGS` in the dnsutils pod, printing the walkthrough's command, ours, and the answer.
pub(super) fn exec(plan: &Plan, machine: &Machine, tool: &str, args: &[&str]) -> Result<(String, String), LocalError> {
    settled(plan, machine, tool, args, |_| true)
}

/// Like [`exec`], but asks again until `wanted` holds or [`SETTLE`] has passed: the components see a
/// published change within about a second (cluster-dns re-reads the state file when it changes), as
/// they would see the API's; the last answer is the one printed and checked.
pub(super) fn settled(
    plan: &Plan,
    machine: &Machine,
    tool: &str,
    args: &[&str],
    wanted: impl Fn(&str) -> bool,
) -> Result<(String, String), LocalError> {
    let pod = dnsutils(plan)?;
    let shown = format!("kubectl exec dnsutils -- {tool} {}", args.join(" "));
    println!("\n$ {shown}\n# here: ip netns exec {} dnsutils {tool} {}", pod.netns(), args.join(" "));
    let mut all = vec![tool];
    all.extend_from_slice(args);
    let deadline = Instant::now() + SETTLE;
    let answer = loop {
        let answer = machine.exec(pod, "dnsutils", &all).unwrap_or_else(|error| format!("(failed) {error}"));
        if wanted(&answer) || Instant::now() > deadline {
            break answer;
        }
        sleep(Duration::from_millis(100));
    };
    println!("{}", answer.trim_end());
    Ok((shown, answer))
}

pub(super) fn check(
    step: &str,
    shown: &str,
    got: &str,
    ok: bool,
    expected: impl Into<String>,
) -> Result<(), LocalError> {
    if ok {
        return Ok(());
    }
    Err(LocalError::Check {
        step: step.into(),
        command: shown.into(),
        got: got.trim_end().into(),
        expected: expected.into(),
    })
}

/// Step 2: the StatefulSet's names, the ClusterIP, the ExternalName alias answered by the internet.
pub fn dns(plan: &Plan, machine: &Machine) -> Result<(), LocalError> {
    for pod in plan.pods_of("StatefulSet", "postgres") {
        let name = format!("{}.postgres.default.svc.cluster.local.", pod.name);
        let want = format!("{} has address {}", name.trim_end_matches('.'), pod.ip);
        let (shown, got) = settled(plan, machine, "host", &[&name], |got| got.trim_end() == want)?;
        check("2", &shown, &got, got.trim_end() == want, want)?;
    }
    for service in ["postgres", "clusterip-service"] {
        let ip = plan
            .cluster_ip("default", service)
            .ok_or_else(|| LocalError::Plan(format!("Service {service} has no ClusterIP")))?;
        let (shown, got) = exec(plan, machine, "host", &[service])?;
        let want = format!("{service}.default.svc.cluster.local has address {ip}");
        check("2", &shown, &got, got.trim_end() == want, want)?;
    }
    let (shown, got) = exec(plan, machine, "host", &["-t", "cname", "external-service"])?;
    let want = "external-service.default.svc.cluster.local is an alias for github.com.";
    check("2", &shown, &got, got.trim_end() == want, want)?;
    let (shown, got) = exec(plan, machine, "host", &["external-service"])?;
    let want = format!("{want}\ngithub.com has address {GITHUB}");
    check(
        "2",
        &shown,
        &got,
        got.lines().take(2).collect::<Vec<_>>().join("\n") == want,
        format!("{want} (from {})", cluster::UPSTREAM_DNS),
    )
}

/// Step 3: each app pod by its IP, `/data`, the headless answer, a pod IP's PTR names, the ClusterIP
/// by name and address, the NodePort on every node, and the rules that do it.
pub fn services(plan: &Plan, machine: &Machine) -> Result<(), LocalError> {
    let apps = plan.pods_of("Deployment", "app");
    let host_answer = |pod: &Pod| format!("NODE: {}, POD IP:{}", pod.node, pod.ip);
    for pod in &apps {
        let target = format!("{}:8080/host", pod.ip);
        let (shown, got) = exec(plan, machine, "wget", &["-q", "-O-", &target])?;
        check("3", &shown, &got, got == host_answer(pod), host_answer(pod))?;
    }
    let data = format!("{}:8080/data", apps.first().map(|p| p.ip.to_string()).unwrap_or_default());
    let (shown, got) = exec(plan, machine, "wget", &["-q", "-O-", &data])?;
    check("3", &shown, &got, got == "Database Connected", "Database Connected")?;

    let want: BTreeSet<String> = apps.iter().map(|p| p.ip.to_string()).collect();
    let (shown, got) =
        settled(plan, machine, "host", &["-v", "-t", "a", "headless-service"], |got| a_records(got) == want)?;
    let answered = a_records(&got);
    check("3", &shown, &got, answered == want, format!("A records for every app pod: {want:?}"))?;

    let pod = apps.first().ok_or_else(|| LocalError::Plan("the app Deployment has no pods".into()))?;
    let reverse = pod.ip.octets().iter().rev().map(u8::to_string).collect::<Vec<_>>().join(".");
    let dashed = pod.ip.to_string().replace('.', "-");
    let phases = |_: &Pod| Phase::Ready;
    let selecting: BTreeSet<String> = services::endpoint_slices(&plan.services, &plan.placement.pods, phases)
        .iter()
        .filter(|s| s["endpoints"].as_array().into_iter().flatten().any(|e| e["addresses"][0] == pod.ip.to_string()))
        .map(|s| {
            format!(
                "{reverse}.in-addr.arpa domain name pointer {dashed}.{}.default.svc.cluster.local.",
                s["metadata"]["labels"]["kubernetes.io/service-name"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let (shown, got) = settled(plan, machine, "host", &[&pod.ip.to_string()], |got| {
        got.lines().map(str::to_string).collect::<BTreeSet<_>>() == selecting
    })?;
    let lines: BTreeSet<String> = got.lines().map(str::to_string).collect();
    check("3", &shown, &got, lines == selecting, format!("{selecting:?}"))?;

    let ip = plan
        .cluster_ip("default", "clusterip-service")
        .ok_or_else(|| LocalError::Plan("clusterip-service has no ClusterIP".into()))?;
    for target in ["clusterip-service/host".to_string(), format!("{ip}/host")] {
        let mut seen = BTreeSet::new();
        for _ in 0..REQUESTS {
            let (shown, got) = exec(plan, machine, "wget", &["-q", "-O-", &target])?;
            check(
                "3",
                &shown,
                &got,
                apps.iter().any(|p| got == host_answer(p)),
                "NODE: <an app pod's node>, POD IP:<its IP>",
            )?;
            seen.insert(got);
        }
        println!("# {REQUESTS} requests to {target} reached {} of the {} app pods", seen.len(), apps.len());
    }
    let node_port = plan
        .service("default", "nodeport-service")
        .and_then(|s| s["spec"]["ports"][0]["nodePort"].as_u64())
        .ok_or_else(|| LocalError::Plan("nodeport-service has no nodePort".into()))?;
    for node in &plan.topology.nodes {
        let target = format!("{}:{node_port}/host", node.ip);
        let (shown, got) = exec(plan, machine, "wget", &["-q", "-O-", &target])?;
        check(
            "3",
            &shown,
            &got,
            apps.iter().any(|p| got == host_answer(p)),
            format!("an app pod's answer through {}", node.name),
        )?;
    }
    rules(plan)
}

/// The addresses of the A records in `host -v` output's answer section.
pub(super) fn a_records(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter(|line| line.split_whitespace().rev().nth(1) == Some("A") && !line.starts_with(';'))
        .filter_map(|line| line.split_whitespace().last().map(str::to_string))
        .collect()
}

/// The walkthrough's look at the nat table: the ClusterIP's rule, its Service chain and an endpoint chain.
fn rules(plan: &Plan) -> Result<(), LocalError> {
    let node = dnsutils(plan)?.node.clone();
    let netns = plan.node(&node).map(|n| n.netns()).unwrap_or_default();
    let objects = crate::local::plan::state::objects(plan, |_| Phase::Ready);
    let of = |kind: &str| objects.iter().filter(|o| o["kind"] == kind).cloned().collect::<Vec<_>>();
    let ports = kube_proxy::service_ports(&of("Service"), &of("EndpointSlice"));
    let port = ports
        .iter()
        .find(|p| p.name == "default/clusterip-service:")
        .ok_or_else(|| LocalError::Plan("clusterip-service has no port".into()))?;
    let chain = kube_proxy::service_chain(port);
    let listing = |args: &[&str]| -> Result<String, LocalError> {
        let shown = format!("ip netns exec {netns} iptables -t nat -L {}", args.join(" "));
        println!("\n$ docker exec -it {node} iptables -t nat -L {}\n# here: {shown}", args.join(" "));
        let mut all = vec!["-t", "nat", "-L"];
        all.extend_from_slice(args);
        let out = crate::local::host::shell::run(&crate::local::host::shell::in_netns(&netns, "iptables", all))?;
        print!("{out}");
        Ok(out)
    };
    let listed = listing(&[&chain])?;
    let seps = listed.lines().filter(|l| l.starts_with("KUBE-SEP-")).count();
    check(
        "3",
        &format!("iptables -t nat -L {chain}"),
        &listed,
        seps == port.endpoints.len(),
        format!("{} KUBE-SEP chains", port.endpoints.len()),
    )?;
    if let Some(endpoint) = port.endpoints.first() {
        let sep = kube_proxy::endpoint_chain(port, *endpoint);
        let listed = listing(&[&sep])?;
        check(
            "3",
            &format!("iptables -t nat -L {sep}"),
            &listed,
            listed.contains(&format!("to:{endpoint}")),
            format!("DNAT to:{endpoint}"),
        )?;
    }
    Ok(())
}

/// What `--keep` prints: how to look around.
pub fn explore(plan: &Plan, machine: &Machine) -> String {
    let mut text = String::from("\n# --keep: the lab is up. Look around:\n");
    let dnsutils = plan.pod("dnsutils").map(Pod::netns).unwrap_or_default();
    let worker = plan
        .topology
        .nodes
        .iter()
        .find(|n| n.role == crate::local::plan::topology::Role::Worker)
        .map(|n| n.netns())
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "ip netns list | grep lab-                                   # nodes, pods, {} and {}",
        cluster::SWITCH,
        cluster::INTERNET
    );
    let _ =
        writeln!(text, "ip netns exec {dnsutils} {}/dnsutils host -v -t a headless-service", machine.bin_dir.display());
    let _ = writeln!(
        text,
        "ip netns exec {dnsutils} {}/dnsutils wget -q -O- clusterip-service/host",
        machine.bin_dir.display()
    );
    let _ = writeln!(text, "ip netns exec {worker} iptables -t nat -L KUBE-SERVICES -n");
    let _ = writeln!(text, "ip -n {worker} addr; ip -n {worker} route");
    let _ = writeln!(
        text,
        "cat {}                                  # the cluster state our components read",
        machine.state_file().display()
    );
    let _ = writeln!(
        text,
        "ls {}/*.log                                      # each pod's output",
        machine.state_dir.display()
    );
    let _ = writeln!(text, "lab local --clean                                           # removes it all");
    text
}
