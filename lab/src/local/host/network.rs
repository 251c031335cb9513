//! Namespaces and the links between them, with `ip` and `iptables-restore`: a switch (a bridge in a
//! namespace of its own, so nothing lands in the machine's own network), hosts plugged into it, pods
//! plugged into their host point-to-point (the pod's `eth0` with a /24 routed through the host's end,
//! the host's end a /32 with a host route to the pod, as kind's CNI sets them up), routes, forwarding,
//! and nat tables.

use std::net::Ipv4Addr;

use super::HostError;
use super::shell::{cmd, in_netns, run, run_with_input};

/// Creates network namespace `name` with `lo` up.
pub fn add_namespace(name: &str) -> Result<(), HostError> {
    run(&cmd("ip", ["netns", "add", name]))?;
    ip(name, &["link", "set", "lo", "up"])
}

/// Runs `ip -n NETNS args...`.
pub fn ip(netns: &str, args: &[&str]) -> Result<(), HostError> {
    let mut all = vec!["-n", netns];
    all.extend_from_slice(args);
    run(&cmd("ip", all)).map(drop)
}

/// A bridge `bridge` in `netns`, up, with `address` (`172.18.0.1/16`) on it: the switch and its gateway.
pub fn add_switch(netns: &str, bridge: &str, address: &str) -> Result<(), HostError> {
    ip(netns, &["link", "add", bridge, "type", "bridge"])?;
    ip(netns, &["addr", "add", address, "dev", bridge])?;
    ip(netns, &["link", "set", bridge, "up"])?;
    forward(netns)
}

/// Plugs `host` into the switch as `eth0` with `address` (`172.18.0.3/16`), through port `port`.
pub fn plug_into_switch(switch: &str, bridge: &str, port: &str, host: &str, address: &str) -> Result<(), HostError> {
    ip(switch, &["link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host])?;
    ip(switch, &["link", "set", port, "master", bridge, "up"])?;
    ip(host, &["addr", "add", address, "dev", "eth0"])?;
    ip(host, &["link", "set", "eth0", "up"])
}

/// Plugs `pod` into `node`: `eth0` in the pod with `pod_ip/prefix`, `veth` in the node with
/// `gateway/32`; the pod routes its subnet and everything else through the gateway, the node routes
/// the pod's address to the veth.
pub fn plug_pod(
    node: &str,
    veth: &str,
    pod: &str,
    pod_ip: Ipv4Addr,
    prefix: u8,
    gateway: Ipv4Addr,
) -> Result<(), HostError> {
    let (pod_ip, gateway) = (pod_ip.to_string(), gateway.to_string());
    ip(node, &["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod])?;
    ip(node, &["addr", "add", &format!("{gateway}/32"), "dev", veth])?;
    ip(node, &["link", "set", veth, "up"])?;
    ip(node, &["route", "add", &format!("{pod_ip}/32"), "dev", veth, "scope", "host"])?;
    ip(pod, &["addr", "add", &format!("{pod_ip}/{prefix}"), "dev", "eth0", "noprefixroute"])?;
    ip(pod, &["link", "set", "eth0", "up"])?;
    ip(pod, &["route", "add", &gateway, "dev", "eth0", "scope", "link", "src", &pod_ip])?;
    let subnet = format!("{}/{prefix}", network_of(pod_ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED), prefix));
    ip(pod, &["route", "add", &subnet, "via", &gateway, "dev", "eth0", "src", &pod_ip])?;
    ip(pod, &["route", "add", "default", "via", &gateway, "dev", "eth0"])
}

fn network_of(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
    Ipv4Addr::from(u32::from(ip) & mask)
}

/// Adds a route `destination via gateway` in `netns`.
pub fn route(netns: &str, destination: &str, gateway: Ipv4Addr) -> Result<(), HostError> {
    ip(netns, &["route", "add", destination, "via", &gateway.to_string()])
}

/// Turns IPv4 forwarding on in `netns`: a node routes between its pods and the network.
pub fn forward(netns: &str) -> Result<(), HostError> {
    run(&in_netns(netns, "sysctl", ["-qw", "net.ipv4.ip_forward=1"])).map(drop)
}

/// Replaces the tables `rules` (iptables-restore input) names in `netns`, atomically.
pub fn restore_rules(netns: &str, rules: &str) -> Result<(), HostError> {
    run_with_input(&in_netns(netns, "iptables-restore", [] as [&str; 0]), Some(rules)).map(drop)
}
