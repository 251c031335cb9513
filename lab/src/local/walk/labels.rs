//! Step 4, the walkthrough's "Endpoints": `kubectl label pod ... app=nope --overwrite` takes a pod out of
//! the app's selector. The control plane republishes at once (the EndpointSlices without it, kube-proxy's
//! rules without it), cluster-dns re-reads the state file, and the Deployment's ReplicaSet makes a
//! replacement that is scheduled, started, probed and published. How long each view takes to drop the
//! pod is measured from the relabel and printed; more than [`BOUND`] fails the step.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::kubelet::Machine;
use super::steps::{self, check};
use super::{LocalError, Running, cluster};
use crate::local::host::shell::{in_netns, run};
use crate::local::plan::Plan;
use crate::local::plan::pods;

/// How long the relabelled pod may take to leave every view.
const BOUND: Duration = Duration::from_secs(1);

/// Relabels the first app pod, measures it leaving, and starts the replacement; returns the relabelled pod's name.
pub fn relabel(plan: &mut Plan, machine: &Machine, running: &mut Running) -> Result<String, LocalError> {
    print!("{}", app_pods(plan));
    let index = plan
        .placement
        .pods
        .iter()
        .position(|p| p.owner == ("Deployment".to_string(), "app".to_string()))
        .ok_or_else(|| LocalError::Plan("the app Deployment has no pods to relabel".into()))?;
    let (name, ip) = (plan.placement.pods[index].name.clone(), plan.placement.pods[index].ip);
    println!("\n$ kubectl label pod {name} app=nope --overwrite\npod/{name} labeled");
    let started = Instant::now();
    pods::relabel(&plan.manifests, &mut plan.placement.pods[index], "app", "nope");
    cluster::publish(plan, machine, &running.phases)?;
    let published = started.elapsed();
    let node = steps::dnsutils(plan)?.node.clone();
    let netns = plan.node(&node).map(|n| n.netns()).unwrap_or_default();
    let target = format!("--to-destination {ip}:");
    let rules = run(&in_netns(&netns, "iptables-save", ["-t", "nat"]))?;
    let in_rules = started.elapsed();
    check(
        "4",
        &format!("ip netns exec {netns} iptables-save -t nat"),
        "",
        !rules.contains(&target),
        format!("no DNAT to {ip}"),
    )?;
    let ip_text = ip.to_string();
    let (shown, got) = steps::settled(plan, machine, "host", &["-v", "-t", "a", "headless-service"], |got| {
        !steps::a_records(got).contains(&ip_text)
    })?;
    let in_dns = started.elapsed();
    check("4", &shown, &got, !steps::a_records(&got).contains(&ip_text), format!("no A record {ip}"))?;
    println!(
        "# {name} ({ip}) left the EndpointSlices in {} ms (the state file rewritten), kube-proxy's nat rules in {} ms, \
         cluster-dns's headless answer in {} ms",
        published.as_millis(),
        in_rules.as_millis(),
        in_dns.as_millis()
    );
    let slowest = published.max(in_rules).max(in_dns);
    check(
        "4",
        "the relabel",
        &format!("{} ms", slowest.as_millis()),
        slowest <= BOUND,
        format!("within {} ms", BOUND.as_millis()),
    )?;

    let replacement = pods::replacement(&plan.manifests, &plan.topology, &plan.placement, "default", "app")?;
    println!("# the ReplicaSet makes {} on {} ({})", replacement.name, replacement.node, replacement.ip);
    plan.placement.pods.push(replacement.clone());
    running.start(plan, machine, std::iter::once(&replacement))?;
    print!("{}", app_pods(plan));
    let want: BTreeSet<String> = plan.pods_of("Deployment", "app").iter().map(|p| p.ip.to_string()).collect();
    let (shown, got) = steps::settled(plan, machine, "host", &["-v", "-t", "a", "headless-service"], |got| {
        steps::a_records(got) == want
    })?;
    check("4", &shown, &got, steps::a_records(&got) == want, format!("A records for the app's pods now: {want:?}"))?;
    println!("# {name} still runs, labelled app=nope and owned by nobody, as in the walkthrough");
    Ok(name)
}

/// `kubectl get pods -l app=app -o wide`.
fn app_pods(plan: &Plan) -> String {
    let mut text = format!(
        "\n$ kubectl get pods -l app=app -o wide\n{:<24} {:<7} {:<9} {:<12} {}\n",
        "NAME", "READY", "STATUS", "IP", "NODE"
    );
    for pod in plan.placement.pods.iter().filter(|p| p.labels.get("app").map(String::as_str) == Some("app")) {
        let ready = format!("{0}/{0}", pod.containers().count());
        text.push_str(&format!("{:<24} {:<7} {:<9} {:<12} {}\n", pod.name, ready, "Running", pod.ip, pod.node));
    }
    text
}
