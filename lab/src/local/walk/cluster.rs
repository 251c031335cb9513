//! The lab's machines and the control plane's publishing: the kind network (a bridge in `lab-kind`, the
//! machine running Docker, with the gateway address), "the internet" behind it (`lab-internet`, a
//! knotd answering for github.com), each node plugged in with its routes to the other nodes' pod
//! subnets (as kindnet routes them), and, whenever a pod's phase changes, the cluster-state file
//! rewritten and every node's nat table replaced (as the EndpointSlice controller and kube-proxy would).

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;

use super::LocalError;
use super::kubelet::Machine;
use crate::local::host::{HostError, network, process};
use crate::local::plan::Plan;
use crate::local::plan::kube_proxy;
use crate::local::plan::services::Phase;
use crate::local::plan::state;
use crate::local::plan::topology::{GATEWAY, KIND_NETWORK};

/// The namespace holding the kind network's bridge and gateway (named with the run's prefix).
pub const SWITCH: &str = "lab-kind";
/// The namespace standing for the internet (named with the run's prefix).
pub const INTERNET: &str = "lab-internet";
/// The internet's DNS server (TEST-NET-1, never routed on the real internet).
pub const UPSTREAM_DNS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 53);
/// What the internet says github.com is (the address the walkthrough's answer shows).
pub const GITHUB: Ipv4Addr = Ipv4Addr::new(140, 82, 112, 3);

/// Builds the kind network, the internet and the nodes; returns what it did, one line each.
pub fn build(plan: &Plan) -> Result<Vec<String>, LocalError> {
    let mut said = Vec::new();
    network::add_namespace(SWITCH)?;
    network::add_switch(SWITCH, "br0", &format!("{GATEWAY}/{}", KIND_NETWORK.prefix))?;
    said.push(format!("kind network: bridge br0 in {SWITCH}, {KIND_NETWORK}, gateway {GATEWAY}"));
    network::add_namespace(INTERNET)?;
    network::ip(SWITCH, &["link", "add", "inet0", "type", "veth", "peer", "name", "eth0", "netns", INTERNET])?;
    network::ip(SWITCH, &["addr", "add", "192.0.2.1/24", "dev", "inet0"])?;
    network::ip(SWITCH, &["link", "set", "inet0", "up"])?;
    network::ip(INTERNET, &["addr", "add", &format!("{UPSTREAM_DNS}/24"), "dev", "eth0"])?;
    network::ip(INTERNET, &["link", "set", "eth0", "up"])?;
    network::ip(INTERNET, &["route", "add", "default", "via", "192.0.2.1"])?;
    said.push(format!("the internet: {INTERNET} at {UPSTREAM_DNS}, behind the gateway"));
    for (index, node) in plan.topology.nodes.iter().enumerate() {
        let netns = node.netns();
        network::add_namespace(&netns)?;
        network::plug_into_switch(
            SWITCH,
            "br0",
            &format!("veth{index}"),
            &netns,
            &format!("{}/{}", node.ip, KIND_NETWORK.prefix),
        )?;
        network::forward(&netns)?;
        network::route(&netns, "default", GATEWAY)?;
        for other in plan.topology.nodes.iter().filter(|other| other.name != node.name) {
            network::route(&netns, &other.pod_cidr.to_string(), other.ip)?;
        }
        said.push(format!("node {}: {netns}, eth0 {} on the bridge, pods {}", node.name, node.ip, node.pod_cidr));
    }
    Ok(said)
}

/// Starts knotd in the internet namespace, serving github.com.
pub fn start_internet(machine: &Machine) -> Result<process::Started, LocalError> {
    let dir = machine.state_dir.join("internet");
    fs::create_dir_all(&dir).map_err(HostError::file(&dir))?;
    let zone = dir.join("github.com.zone");
    let zone_text = format!(
        "$ORIGIN github.com.\n$TTL 60\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A {UPSTREAM_DNS}\n@ A {GITHUB}\n"
    );
    fs::write(&zone, zone_text).map_err(HostError::file(&zone))?;
    let config = dir.join("knot.conf");
    let d = dir.display();
    let config_text = format!(
        "server:\n  listen: {UPSTREAM_DNS}@53\n  rundir: {d}\ndatabase:\n  storage: {d}\ntemplate:\n  - id: default\n    storage: {d}\nzone:\n  - domain: github.com\n    file: {}\n",
        zone.display()
    );
    fs::write(&config, config_text).map_err(HostError::file(&config))?;
    let log = machine.state_dir.join("internet.log");
    Ok(process::start(
        INTERNET,
        std::path::Path::new("knotd"),
        &["-c".into(), config.display().to_string()],
        &[],
        "/usr/sbin:/usr/bin:/sbin:/bin",
        &log,
    )?)
}

/// Publishes the cluster with pods in `phases` (absent: Pending): the state file, then every node's nat table.
pub fn publish(plan: &Plan, machine: &Machine, phases: &BTreeMap<String, Phase>) -> Result<(), LocalError> {
    let phase = |pod: &crate::local::plan::pods::Pod| phases.get(&pod.name).copied().unwrap_or(Phase::Pending);
    let objects = state::objects(plan, phase);
    let text = state::document(&objects)?;
    let file = machine.state_file();
    let staged = file.with_extension("yaml.new");
    fs::write(&staged, text).map_err(HostError::file(&staged))?;
    fs::rename(&staged, &file).map_err(HostError::file(&file))?;
    let services: Vec<_> = objects.iter().filter(|o| o["kind"] == "Service").cloned().collect();
    let slices: Vec<_> = objects.iter().filter(|o| o["kind"] == "EndpointSlice").cloned().collect();
    let table = kube_proxy::nat_table(&kube_proxy::service_ports(&services, &slices), plan.topology.pod_subnet);
    for node in &plan.topology.nodes {
        network::restore_rules(&node.netns(), &table)?;
    }
    Ok(())
}
