//! Step 6, the walkthrough's Ingress: nginx from Debian on the ingress-ready node (kind's config labels
//! the control plane `ingress-ready=true`, and ingress-nginx runs there with ports 80 and 443 on the
//! node), configured from the rendered Ingress objects as ingress-nginx would ([`plan::ingress`]), and
//! `curl` from the client on the kind network to the node's address: `/host` and `/data` reach their
//! two Services, anything else is the default backend's 404.
//!
//! [`plan::ingress`]: crate::local::plan::ingress

use std::fs;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::kubelet::Machine;
use super::load_balancer::CLIENT;
use super::steps::check;
use super::{LocalError, Running};
use crate::local::host::shell::in_netns;
use crate::local::host::{HostError, process, shell};
use crate::local::plan::services::Phase;
use crate::local::plan::topology::Role;
use crate::local::plan::{Plan, ingress, kube_proxy, state};

/// Starts nginx on the ingress-ready node and checks the rules from the client.
pub fn play(plan: &Plan, machine: &Machine, running: &mut Running) -> Result<(), LocalError> {
    let node = plan
        .topology
        .nodes
        .iter()
        .find(|n| n.labels.iter().any(|(k, v)| k == "ingress-ready" && v == "true"))
        .or_else(|| plan.topology.nodes.iter().find(|n| n.role == Role::ControlPlane))
        .ok_or_else(|| LocalError::Plan("no node to run the ingress controller on".into()))?;
    let dir = machine.state_dir.join("ingress-nginx");
    fs::create_dir_all(&dir).map_err(HostError::file(&dir))?;
    let objects = state::objects(plan, |pod| running.phases.get(&pod.name).copied().unwrap_or(Phase::Pending));
    let of = |kind: &str| objects.iter().filter(|o| o["kind"] == kind).cloned().collect::<Vec<Value>>();
    let ports = kube_proxy::service_ports(&of("Service"), &of("EndpointSlice"));
    let ingresses: Vec<Value> = plan.manifests.of_kind("Ingress").cloned().collect();
    let conf = ingress::nginx_conf(&ingresses, &ports, &dir.display().to_string())?;
    let file = dir.join("nginx.conf");
    fs::write(&file, &conf).map_err(HostError::file(&file))?;
    println!("$ kubectl get ingress\nNAME                 CLASS   HOSTS   ADDRESS      PORTS");
    for object in &ingresses {
        println!(
            "{:<20} {:<7} {:<7} {:<12} 80",
            crate::local::plan::objects::name(object),
            ingress::CLASS,
            "*",
            node.ip
        );
    }
    println!(
        "# ingress-nginx's stand-in: nginx on {} ({}), its configuration {} from the Ingress objects:",
        node.name,
        node.netns(),
        file.display()
    );
    for line in conf.lines().filter(|l| l.contains("location") || l.contains("server 10.")) {
        println!("#{line}");
    }
    let args = [
        "-p",
        &dir.display().to_string(),
        "-c",
        &file.display().to_string(),
        "-e",
        &dir.join("error.log").display().to_string(),
    ]
    .map(str::to_string);
    running.adopt(process::start(
        &node.netns(),
        Path::new("nginx"),
        &args,
        &[],
        "/usr/sbin:/usr/bin:/sbin:/bin",
        &dir.join("nginx.log"),
    )?);
    let wget = machine.bin_dir.join("dnsutils").display().to_string();
    let get = |url: &str| shell::run(&in_netns(CLIENT, &wget, ["wget", "-q", "-O-", "-T", "10", "-t", "1", url]));
    // Ready once nginx answers at all (wget's exit status 8 is an HTTP error answer, 4 no connection).
    let deadline = Instant::now() + Duration::from_secs(5);
    let base = format!("http://{}/", node.ip);
    while matches!(get(&base), Err(HostError::Failed { ref status, .. }) if status.code() == Some(4)) {
        if Instant::now() > deadline {
            return Err(LocalError::NotReady {
                pod: "ingress-nginx (nginx)".into(),
                seconds: 5,
                log: process::tail(&dir.join("error.log"), 10),
            });
        }
        sleep(Duration::from_millis(50));
    }
    let curl = |path: &str| {
        let url = format!("http://{}{path}", node.ip);
        println!("\n$ curl {}{path}\n# here: ip netns exec {CLIENT} dnsutils wget -q -O- {url}", node.ip);
        let answer = get(&url).unwrap_or_else(|e| format!("(failed) {e}"));
        println!("{answer}");
        (format!("curl {}{path}", node.ip), answer)
    };
    let apps = plan.pods_of("Deployment", "app");
    let (shown, got) = curl("/host");
    let ok = apps.iter().any(|p| got == format!("NODE: {}, POD IP:{}", p.node, p.ip));
    check("6", &shown, &got, ok, "an app pod's /host answer, through clusterip-service's rule")?;
    let (shown, got) = curl("/data");
    check("6", &shown, &got, got == "Database Connected", "Database Connected, through clusterip-service-2's rule")?;
    let (shown, got) = curl("/healthz");
    check("6", &shown, &got, got.contains("exit status: 8"), "the default backend's 404 (no rule for /healthz)")
}
