//! The allocation rules, one test each, on plain Services and pools.

use std::collections::BTreeMap;

use cluster_state::k8s_openapi::api::core::v1::{
    LoadBalancerIngress, LoadBalancerStatus, Service, ServicePort, ServiceSpec, ServiceStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::ObjectMeta;
use kube::core::Selector;

use super::*;
use crate::config::pool::{Labels, Pinning, Pool};

fn pool(name: &str, cidrs: &[&str]) -> Pool {
    Pool {
        name: name.into(),
        cidrs: cidrs.iter().map(|c| c.parse().expect("a CIDR")).collect(),
        auto_assign: true,
        avoid_buggy_ips: false,
        pinning: None,
        advertisements: Vec::new(),
    }
}

fn config(pools: Vec<Pool>) -> Config {
    let mut pools = pools;
    pools.sort_by(|a, b| a.name.cmp(&b.name));
    Config { pools }
}

/// A LoadBalancer Service `name` with annotations, ports (TCP) and the status's current addresses.
fn service(name: &str, annotations: &[(&str, &str)], ports: &[i32], current: &[&str]) -> Service {
    let metadata = ObjectMeta {
        name: Some(name.into()),
        namespace: Some("default".into()),
        annotations: Some(annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        ..Default::default()
    };
    let spec = ServiceSpec {
        type_: Some("LoadBalancer".into()),
        ports: Some(ports.iter().map(|&port| ServicePort { port, ..Default::default() }).collect()),
        selector: Some(BTreeMap::from([("app".to_string(), name.to_string())])),
        ..Default::default()
    };
    let ingress = current.iter().map(|ip| LoadBalancerIngress { ip: Some(ip.to_string()), ..Default::default() });
    let status = ServiceStatus {
        load_balancer: Some(LoadBalancerStatus { ingress: Some(ingress.collect()) }),
        ..Default::default()
    };
    Service { metadata, spec: Some(spec), status: Some(status) }
}

fn run(config: &Config, services: &[Service]) -> Vec<Decision> {
    let mut requests: Vec<Request> = services.iter().map(|s| Request::of(s, &Labels::new())).collect();
    Request::sort(&mut requests);
    plan(config, &requests)
}

fn ips(decisions: &[Decision], name: &str) -> Vec<String> {
    let decision = decisions.iter().find(|d| d.key.name == name).expect("a decision");
    decision.ips.iter().map(ToString::to_string).collect()
}

fn reasons(decisions: &[Decision], name: &str) -> Vec<&'static str> {
    decisions.iter().find(|d| d.key.name == name).expect("a decision").events.iter().map(|e| e.reason).collect()
}

/// The lowest free address goes first, in name order, whatever order the Services come in.
#[test]
fn lowest_free_address_in_a_stable_order() {
    let lab = config(vec![pool("default", &["172.18.255.200/29"])]);
    let services = [service("b", &[], &[80], &[]), service("a", &[], &[80], &[])];
    let decisions = run(&lab, &services);
    assert_eq!(ips(&decisions, "a"), ["172.18.255.200"]);
    assert_eq!(ips(&decisions, "b"), ["172.18.255.201"]);
    assert_eq!(reasons(&decisions, "a"), ["IPAllocated"]);
    assert_eq!(decisions[0].events[0].message, "Assigned IP [\"172.18.255.200\"]");
    let reversed = [service("a", &[], &[80], &[]), service("b", &[], &[80], &[])];
    assert_eq!(run(&lab, &reversed), decisions);
}

/// Pools are tried by name; .0 and .255 are skipped only when the pool avoids buggy addresses.
#[test]
fn pool_order_and_buggy_addresses() {
    let mut avoiding = pool("a-avoiding", &["10.0.0.0/24"]);
    avoiding.avoid_buggy_ips = true;
    let decisions = run(&config(vec![pool("b-plain", &["10.1.0.0/24"]), avoiding]), &[service("s", &[], &[], &[])]);
    assert_eq!(ips(&decisions, "s"), ["10.0.0.1"]);
    let decisions = run(&config(vec![pool("plain", &["10.1.0.0/24"])]), &[service("s", &[], &[], &[])]);
    assert_eq!(ips(&decisions, "s"), ["10.1.0.0"]);
}

/// A requested address is honoured; outside every pool it fails; both ways of asking is an error.
#[test]
fn requested_addresses() {
    let lab = config(vec![pool("default", &["10.0.0.0/24"])]);
    let spec_ip = |name: &str, ip: &str| {
        let mut s = service(name, &[], &[], &[]);
        s.spec.as_mut().expect("spec").load_balancer_ip = Some(ip.into());
        s
    };
    let decisions = run(
        &lab,
        &[
            spec_ip("by-spec", "10.0.0.9"),
            service("by-annotation", &[("metallb.io/loadBalancerIPs", "10.0.0.7")], &[], &[]),
        ],
    );
    assert_eq!(ips(&decisions, "by-spec"), ["10.0.0.9"]);
    assert_eq!(ips(&decisions, "by-annotation"), ["10.0.0.7"]);
    let outside = run(&lab, &[spec_ip("outside", "192.0.2.1")]);
    assert!(ips(&outside, "outside").is_empty());
    assert_eq!(reasons(&outside, "outside"), ["AllocationFailed"]);
    assert!(outside[0].events[0].message.contains("\"192.0.2.1\" is not allowed in config"), "{:?}", outside[0].events);
    let mut both = service("both", &[("metallb.io/loadBalancerIPs", "10.0.0.7")], &[], &[]);
    both.spec.as_mut().expect("spec").load_balancer_ip = Some("10.0.0.8".into());
    assert_eq!(reasons(&run(&lab, &[both]), "both"), ["LoadBalancerFailed"]);
}

/// A requested address outside the requested pool is an error; an unknown pool fails.
#[test]
fn requested_address_must_be_in_the_requested_pool() {
    let two = config(vec![pool("a", &["10.0.0.0/24"]), pool("b", &["10.1.0.0/24"])]);
    let mismatch =
        service("s", &[("metallb.io/loadBalancerIPs", "10.0.0.5"), ("metallb.io/address-pool", "b")], &[], &[]);
    let decisions = run(&two, &[mismatch]);
    assert!(ips(&decisions, "s").is_empty());
    assert!(decisions[0].events[0].message.contains("not compatible with requested address pool b"));
    let unknown = run(&two, &[service("s", &[("metallb.io/address-pool", "nope")], &[], &[])]);
    assert!(unknown[0].events[0].message.contains("unknown pool \"nope\""), "{:?}", unknown[0].events);
}

/// The pool annotation picks the pool; an autoAssign:false pool is used only when asked for.
#[test]
fn pool_annotation_and_auto_assign() {
    let mut manual = pool("a-manual", &["10.9.0.0/24"]);
    manual.auto_assign = false;
    let both = config(vec![manual, pool("b-auto", &["10.1.0.0/24"])]);
    let decisions = run(
        &both,
        &[service("asks", &[("metallb.io/address-pool", "a-manual")], &[], &[]), service("plain", &[], &[], &[])],
    );
    assert_eq!(ips(&decisions, "asks"), ["10.9.0.0"]);
    assert_eq!(ips(&decisions, "plain"), ["10.1.0.0"]);
}

/// Same sharing key and disjoint ports share an address; a port clash, another key, or another
/// backend key under externalTrafficPolicy Local do not.
#[test]
fn sharing_rules() {
    let lab = config(vec![pool("default", &["10.0.0.0/30"])]);
    let shared = |name: &str, key: &str, port: i32| {
        service(name, &[("metallb.io/allow-shared-ip", key), ("metallb.io/loadBalancerIPs", "10.0.0.1")], &[port], &[])
    };
    let decisions = run(&lab, &[shared("a", "k", 80), shared("b", "k", 443)]);
    assert_eq!(
        (ips(&decisions, "a"), ips(&decisions, "b")),
        (vec!["10.0.0.1".to_string()], vec!["10.0.0.1".to_string()])
    );
    let clash = run(&lab, &[shared("a", "k", 80), shared("b", "k", 80)]);
    assert!(ips(&clash, "b").is_empty());
    assert!(
        clash[1].events[0].message.contains("port TCP/80 is already in use on \"10.0.0.1\""),
        "{:?}",
        clash[1].events
    );
    let other_key = run(&lab, &[shared("a", "k", 80), shared("b", "other", 443)]);
    assert!(
        other_key[1].events[0].message.contains("does not match existing sharing key"),
        "{:?}",
        other_key[1].events
    );
    let local = |name: &str| {
        let mut s = shared(name, "k", if name == "a" { 80 } else { 443 });
        s.spec.as_mut().expect("spec").external_traffic_policy = Some("Local".into());
        s
    };
    let backend = run(&lab, &[local("a"), local("b")]);
    assert!(backend[1].events[0].message.contains("backend key"), "{:?}", backend[1].events);
    let auto = run(
        &lab,
        &[
            service("a", &[("metallb.io/allow-shared-ip", "k")], &[80], &[]),
            service("b", &[("metallb.io/allow-shared-ip", "k")], &[443], &[]),
        ],
    );
    assert_eq!(ips(&auto, "b"), ["10.0.0.0"], "automatic allocation shares too");
}

/// A Service that is the only user of its address may change its sharing key in place.
#[test]
fn sharing_key_changes_in_place_for_a_sole_user() {
    let lab = config(vec![pool("default", &["10.0.0.0/30"])]);
    let changed = service("a", &[("metallb.io/allow-shared-ip", "new")], &[80], &["10.0.0.2"]);
    let decisions = run(&lab, &[changed]);
    assert_eq!(ips(&decisions, "a"), ["10.0.0.2"]);
    assert!(decisions[0].events.is_empty());
}

/// After a restart the statuses are the store: kept addresses do not move and new Services never get a
/// duplicate; of two statuses claiming one address, the first Service keeps it.
#[test]
fn restart_rebuilds_from_statuses() {
    let lab = config(vec![pool("default", &["10.0.0.0/29"])]);
    let services = [
        service("a-new", &[], &[], &[]),
        service("z-old", &[], &[], &["10.0.0.0"]),
        service("m", &[], &[], &["10.0.0.3"]),
    ];
    let decisions = run(&lab, &services);
    assert_eq!(ips(&decisions, "z-old"), ["10.0.0.0"]);
    assert_eq!(ips(&decisions, "m"), ["10.0.0.3"]);
    assert_eq!(ips(&decisions, "a-new"), ["10.0.0.1"]);
    assert!(reasons(&decisions, "z-old").is_empty());
    let twins = run(&lab, &[service("a", &[], &[], &["10.0.0.4"]), service("b", &[], &[], &["10.0.0.4"])]);
    assert_eq!(ips(&twins, "a"), ["10.0.0.4"]);
    assert_eq!(ips(&twins, "b"), ["10.0.0.0"]);
    assert_eq!(reasons(&twins, "b"), ["ClearAssignment", "IPAllocated"]);
}

/// A Service no longer of type LoadBalancer loses its address, which the next Service then gets.
#[test]
fn release_on_type_change() {
    let lab = config(vec![pool("default", &["10.0.0.0/30"])]);
    let mut now_cluster_ip = service("a", &[], &[], &["10.0.0.0"]);
    now_cluster_ip.spec.as_mut().expect("spec").type_ = Some("ClusterIP".into());
    let decisions = run(&lab, &[now_cluster_ip, service("b", &[], &[], &[])]);
    assert!(ips(&decisions, "a").is_empty());
    assert_eq!(ips(&decisions, "b"), ["10.0.0.0"]);
}

/// An address the configuration no longer allows is cleared and a new one allocated; a changed pool
/// annotation or requested address moves the Service.
#[test]
fn config_changes_move_services() {
    let lab = config(vec![pool("a", &["10.0.0.0/30"]), pool("b", &["10.1.0.0/30"])]);
    let gone = run(&lab, &[service("s", &[], &[], &["192.0.2.9"])]);
    assert_eq!(ips(&gone, "s"), ["10.0.0.0"]);
    assert_eq!(reasons(&gone, "s"), ["ClearAssignment", "IPAllocated"]);
    let moved = run(&lab, &[service("s", &[("metallb.io/address-pool", "b")], &[], &["10.0.0.0"])]);
    assert_eq!(ips(&moved, "s"), ["10.1.0.0"]);
    let requested = run(&lab, &[service("s", &[("metallb.io/loadBalancerIPs", "10.0.0.2")], &[], &["10.0.0.0"])]);
    assert_eq!(ips(&requested, "s"), ["10.0.0.2"]);
}

/// Pinned pools come first, lowest priority value first and unset last; then the general pools.
#[test]
fn pinned_pools_by_priority() {
    let pin = |priority: i32, namespaces: &[&str]| Pinning {
        priority,
        namespaces: namespaces.iter().map(ToString::to_string).collect(),
        namespace_selectors: Vec::new(),
        service_selectors: Vec::new(),
    };
    let mut high = pool("high", &["10.2.0.0/30"]);
    high.pinning = Some(pin(1, &["default"]));
    let mut unset = pool("unset", &["10.3.0.0/30"]);
    unset.pinning = Some(pin(0, &["default"]));
    let mut elsewhere = pool("elsewhere", &["10.4.0.0/30"]);
    elsewhere.pinning = Some(pin(1, &["other"]));
    let lab = config(vec![pool("general", &["10.1.0.0/30"]), unset, elsewhere, high]);
    assert_eq!(ips(&run(&lab, &[service("s", &[], &[], &[])]), "s"), ["10.2.0.0"]);
    let mut by_label = pool("by-label", &["10.5.0.0/30"]);
    let selector =
        LabelSelector { match_labels: Some(BTreeMap::from([("tier".into(), "db".into())])), ..Default::default() };
    by_label.pinning =
        Some(Pinning { service_selectors: vec![Selector::try_from(selector).expect("valid")], ..pin(0, &[]) });
    let lab = config(vec![pool("general", &["10.1.0.0/30"]), by_label]);
    let mut db = service("db", &[], &[], &[]);
    db.metadata.labels = Some(BTreeMap::from([("tier".into(), "db".into())]));
    let decisions = run(&lab, &[db, service("web", &[], &[], &[])]);
    assert_eq!(
        (ips(&decisions, "db"), ips(&decisions, "web")),
        (vec!["10.5.0.0".to_string()], vec!["10.1.0.0".to_string()])
    );
}

/// RequireDualStack gets one address of each family from one pool; PreferDualStack adds the missing
/// family to a single address later; IPv6 Services get IPv6 addresses.
#[test]
fn dual_stack() {
    let lab = config(vec![pool("dual", &["10.0.0.0/30", "fc00::/126"])]);
    let dual = |name: &str, policy: &str, current: &[&str]| {
        let mut s = service(name, &[], &[], current);
        let spec = s.spec.as_mut().expect("spec");
        spec.ip_families = Some(vec!["IPv4".into(), "IPv6".into()]);
        spec.ip_family_policy = Some(policy.into());
        s
    };
    assert_eq!(ips(&run(&lab, &[dual("s", "RequireDualStack", &[])]), "s"), ["10.0.0.0", "fc00::"]);
    let preferred = run(&lab, &[dual("s", "PreferDualStack", &["10.0.0.1"])]);
    assert_eq!(ips(&preferred, "s"), ["10.0.0.1", "fc00::"]);
    assert_eq!(preferred[0].events[0].message, "Assigned additional IP \"fc00::\"");
    let v4_only = config(vec![pool("v4", &["10.0.0.0/30"])]);
    assert!(ips(&run(&v4_only, &[dual("s", "RequireDualStack", &[])]), "s").is_empty());
    assert_eq!(ips(&run(&v4_only, &[dual("s", "PreferDualStack", &[])]), "s"), ["10.0.0.0"]);
    let mut v6 = service("v6", &[], &[], &[]);
    v6.spec.as_mut().expect("spec").ip_families = Some(vec!["IPv6".into()]);
    assert_eq!(ips(&run(&lab, &[v6]), "v6"), ["fc00::"]);
}

/// An exhausted pool fails with MetalLB's message, and a deleted Service's address is reused.
#[test]
fn exhaustion_and_reuse() {
    let tiny = config(vec![pool("tiny", &["10.0.0.0/32"])]);
    let decisions = run(&tiny, &[service("a", &[], &[], &["10.0.0.0"]), service("b", &[], &[], &[])]);
    assert_eq!(decisions[1].events[0].message, "Failed to allocate IP for \"default/b\": no available IPs");
    assert_eq!(ips(&run(&tiny, &[service("b", &[], &[], &[])]), "b"), ["10.0.0.0"]);
}
