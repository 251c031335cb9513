//! The election rules of research §1.5, one test each, with three nodes and one address whose hash
//! order is known: for 10.99.0.100 it is node-b, node-c, node-a.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::core::Selector;

use super::*;

const IP: &str = "10.99.0.100";

fn ad(name: &str) -> Advertisement {
    Advertisement {
        name: name.into(),
        node_selectors: Vec::new(),
        interfaces: Vec::new(),
        service_selectors: Vec::new(),
    }
}

fn selector(key: &str, value: &str) -> Selector {
    let selector =
        LabelSelector { match_labels: Some(BTreeMap::from([(key.into(), value.into())])), ..Default::default() };
    Selector::try_from(selector).expect("a valid selector")
}

fn nodes() -> BTreeMap<String, NodeInfo> {
    ["node-a", "node-b", "node-c"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                NodeInfo {
                    labels: BTreeMap::from([("name".into(), n.to_string())]),
                    ready: true,
                    ..Default::default()
                },
            )
        })
        .collect()
}

fn everyone() -> Liveness {
    Liveness::Members(["node-a", "node-b", "node-c"].iter().map(ToString::to_string).collect())
}

fn serving_on(nodes: &[&str]) -> Vec<Endpoint> {
    nodes.iter().map(|n| Endpoint { node: Some(n.to_string()), can_serve: true }).collect()
}

struct Case {
    ips: Vec<IpAddr>,
    labels: Labels,
    shares_ip: bool,
    local: bool,
    ads: Vec<Advertisement>,
    endpoints: Vec<Endpoint>,
    nodes: BTreeMap<String, NodeInfo>,
    liveness: Liveness,
    ignore_exclude_lb: bool,
}

impl Case {
    fn new() -> Case {
        Case {
            ips: vec![IP.parse().expect("ip")],
            labels: Labels::new(),
            shares_ip: false,
            local: false,
            ads: vec![ad("all")],
            endpoints: serving_on(&["node-a"]),
            nodes: nodes(),
            liveness: everyone(),
            ignore_exclude_lb: false,
        }
    }

    fn verdict(&self, me: &str) -> Verdict {
        should_announce(&Ballot {
            my_node: me,
            ips: &self.ips,
            service_labels: &self.labels,
            shares_ip: self.shares_ip,
            local_traffic: self.local,
            advertisements: &self.ads,
            endpoints: &self.endpoints,
            nodes: &self.nodes,
            liveness: &self.liveness,
            ignore_exclude_lb: self.ignore_exclude_lb,
        })
    }

    /// The one node that announces, checking every node agrees nobody else does.
    fn announcer(&self) -> Option<&'static str> {
        let winners: Vec<&'static str> = ["node-a", "node-b", "node-c"]
            .into_iter()
            .filter(|n| matches!(self.verdict(n), Verdict::Announce(_)))
            .collect();
        assert!(winners.len() <= 1, "more than one announcer: {winners:?}");
        winners.first().copied()
    }
}

/// Every node agrees on one winner, the first in hash order.
#[test]
fn the_first_node_in_hash_order_wins() {
    let case = Case::new();
    assert_eq!(case.announcer(), Some("node-b"));
    assert_eq!(case.verdict("node-a"), Verdict::NotOwner);
    assert_eq!(case.verdict("node-b"), Verdict::Announce(Interfaces::All));
}

/// Removing a non-winner does not move the address; removing the winner moves it to the next in order.
#[test]
fn removing_nodes() {
    let mut case = Case::new();
    case.liveness = Liveness::Members(["node-b", "node-c"].iter().map(ToString::to_string).collect());
    assert_eq!(case.announcer(), Some("node-b"));
    case.liveness = Liveness::Members(["node-a", "node-c"].iter().map(ToString::to_string).collect());
    assert_eq!(case.announcer(), Some("node-c"));
}

/// Without any serving endpoint nobody announces, even under externalTrafficPolicy Cluster.
#[test]
fn no_serving_endpoint_no_announcer() {
    let mut case = Case::new();
    case.endpoints = vec![Endpoint { node: Some("node-b".into()), can_serve: false }];
    assert_eq!(case.announcer(), None);
}

/// Under externalTrafficPolicy Local only nodes with a serving endpoint are candidates.
#[test]
fn local_traffic_needs_a_local_endpoint() {
    let mut case = Case::new();
    case.local = true;
    case.endpoints = serving_on(&["node-a", "node-c"]);
    assert_eq!(case.announcer(), Some("node-c"));
    case.endpoints.push(Endpoint { node: Some("node-b".into()), can_serve: false });
    assert_eq!(case.announcer(), Some("node-c"));
}

/// NetworkUnavailable and the exclude label remove a node; --ignore-exclude-lb keeps the labelled one.
#[test]
fn unavailable_and_excluded_nodes() {
    let mut case = Case::new();
    case.nodes.get_mut("node-b").expect("node-b").network_unavailable = true;
    assert_eq!(case.announcer(), Some("node-c"));
    let mut case = Case::new();
    case.nodes.get_mut("node-b").expect("node-b").labels.insert(EXCLUDE_FROM_LB_LABEL.into(), String::new());
    assert_eq!(case.announcer(), Some("node-c"));
    case.ignore_exclude_lb = true;
    assert_eq!(case.announcer(), Some("node-b"));
}

/// nodeSelectors limit the candidates; a node no advertisement selects reports noMatchingAdvertisement.
#[test]
fn node_selectors() {
    let mut case = Case::new();
    case.ads = vec![Advertisement {
        node_selectors: vec![selector("name", "node-a"), selector("name", "node-c")],
        ..ad("some")
    }];
    assert_eq!(case.announcer(), Some("node-c"));
    assert_eq!(case.verdict("node-b"), Verdict::NoMatchingAdvertisement);
}

/// serviceSelectors pick the advertisements; with none left, nobody announces.
#[test]
fn service_selectors() {
    let mut case = Case::new();
    case.ads = vec![Advertisement { service_selectors: vec![selector("tier", "web")], ..ad("web-only") }];
    assert_eq!(case.announcer(), None);
    case.labels.insert("tier".into(), "web".into());
    assert_eq!(case.announcer(), Some("node-b"));
    case.shares_ip = true;
    assert_eq!(case.verdict("node-b"), Verdict::SharedIpWithServiceSelector);
}

/// The interfaces are the union over the node's advertisements, or all when one names none.
#[test]
fn interface_union() {
    let mut case = Case::new();
    let named = |name: &str, ifs: &[&str]| Advertisement {
        interfaces: ifs.iter().map(ToString::to_string).collect(),
        ..ad(name)
    };
    case.ads = vec![named("one", &["eth0"]), named("two", &["eth1", "eth0"])];
    let both: BTreeSet<String> = ["eth0", "eth1"].iter().map(ToString::to_string).collect();
    assert_eq!(case.verdict("node-b"), Verdict::Announce(Interfaces::Named(both)));
    case.ads.push(ad("all"));
    assert_eq!(case.verdict("node-b"), Verdict::Announce(Interfaces::All));
}

/// Services sharing an address elect the same node, since only the first address is hashed.
#[test]
fn shared_addresses_elect_one_node() {
    let mut case = Case::new();
    let first = case.announcer();
    case.ips = vec![IP.parse().expect("ip"), "fd99::64".parse().expect("ip")];
    assert_eq!(case.announcer(), first);
}

/// Gossip off: nodes whose Ready condition is not True are not candidates; a member unknown as a Node
/// is never one.
#[test]
fn ready_fallback_and_unknown_members() {
    let mut case = Case::new();
    case.liveness = Liveness::ReadyNodes;
    assert_eq!(case.announcer(), Some("node-b"));
    case.nodes.get_mut("node-b").expect("node-b").ready = false;
    assert_eq!(case.announcer(), Some("node-c"));
    let mut case = Case::new();
    case.liveness = Liveness::Members(["node-x", "node-a"].iter().map(ToString::to_string).collect());
    assert_eq!(case.announcer(), Some("node-a"));
}
