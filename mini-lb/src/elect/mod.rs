//! The layer-2 election: which node announces a Service's address, exactly as MetalLB's
//! `layer2Controller.ShouldAnnounce` chooses it, so a cluster can swap MetalLB for mini-lb and keep the
//! same node per address.
//!
//! Every speaker runs [`should_announce`] on the same inputs and reaches the same answer without talking
//! to the others. The steps (research §1.5): at least one endpoint must be able to serve; the
//! advertisements that select the Service are taken (with `allow-shared-ip` they may not use
//! serviceSelectors, MetalLB's newer rule); my own node must be selected by one of them; the candidates
//! are the live nodes, minus NetworkUnavailable ones and those labelled
//! `node.kubernetes.io/exclude-from-external-load-balancers`, kept if some advertisement selects them,
//! and narrowed to nodes with a serving endpoint under externalTrafficPolicy Local; they are sorted by
//! `sha256(node + "#" + first address)` and the first one wins. [`endpoints`] reads EndpointSlices into
//! the form this needs; [`order`] is the ordering alone.

pub mod endpoints;
pub mod order;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

pub use endpoints::{Endpoint, endpoints_of};
pub use order::{hash_order, winner};

use crate::config::pool::{Advertisement, Labels};

/// The label that keeps a node out of load-balancer duty (unless `--ignore-exclude-lb`).
pub const EXCLUDE_FROM_LB_LABEL: &str = "node.kubernetes.io/exclude-from-external-load-balancers";

/// A node as the election sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeInfo {
    /// Its labels (advertisement nodeSelectors match them).
    pub labels: Labels,
    /// Its `NetworkUnavailable` condition is True.
    pub network_unavailable: bool,
    /// Its `Ready` condition is True (used only when gossip is off).
    pub ready: bool,
}

impl NodeInfo {
    fn excluded(&self) -> bool {
        self.labels.contains_key(EXCLUDE_FROM_LB_LABEL)
    }
}

/// Which nodes count as alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// The members gossip says are up (suspects included, as memberlist's `Members()` does).
    Members(BTreeSet<String>),
    /// Gossip is off: nodes whose Ready condition is True (MetalLB takes every node here, so a dead
    /// node keeps its addresses until its endpoints go; issue #3116).
    ReadyNodes,
}

/// Everything one election reads.
#[derive(Clone, Debug)]
pub struct Ballot<'a> {
    /// The node this speaker runs on.
    pub my_node: &'a str,
    /// The Service's addresses; the first is hashed.
    pub ips: &'a [IpAddr],
    /// The Service's labels.
    pub service_labels: &'a Labels,
    /// The Service has an `allow-shared-ip` annotation.
    pub shares_ip: bool,
    /// externalTrafficPolicy is Local.
    pub local_traffic: bool,
    /// The advertisements of the Service's pool.
    pub advertisements: &'a [Advertisement],
    /// The Service's endpoints.
    pub endpoints: &'a [Endpoint],
    /// Every known node, by name.
    pub nodes: &'a BTreeMap<String, NodeInfo>,
    /// Who is alive.
    pub liveness: &'a Liveness,
    /// `--ignore-exclude-lb`.
    pub ignore_exclude_lb: bool,
}

/// Where an elected node announces an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interfaces {
    /// Every eligible interface (some advertisement names none).
    All,
    /// The union of the advertisements' interfaces.
    Named(BTreeSet<String>),
}

/// The outcome for this speaker, with MetalLB's reason names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This node announces, on these interfaces.
    Announce(Interfaces),
    /// Another node announces, or nobody can (`notOwner`).
    NotOwner,
    /// No advertisement for the Service selects this node (`noMatchingAdvertisement`).
    NoMatchingAdvertisement,
    /// `allow-shared-ip` with serviceSelectors on the advertisements (`sharedIPWithServiceSelector`).
    SharedIpWithServiceSelector,
}

/// Decides whether this node announces the Service.
pub fn should_announce(ballot: &Ballot<'_>) -> Verdict {
    if !ballot.endpoints.iter().any(|e| e.can_serve) || ballot.ips.is_empty() {
        return Verdict::NotOwner;
    }
    let ads: Vec<&Advertisement> =
        ballot.advertisements.iter().filter(|ad| ad.selects_service(ballot.service_labels)).collect();
    if ballot.shares_ip && ads.iter().any(|ad| !ad.service_selectors.is_empty()) {
        return Verdict::SharedIpWithServiceSelector;
    }
    let my_labels = ballot.nodes.get(ballot.my_node).map(|n| &n.labels);
    let my_ads: Vec<&Advertisement> =
        ads.iter().copied().filter(|ad| my_labels.is_some_and(|labels| ad.selects_node(labels))).collect();
    if my_ads.is_empty() {
        return Verdict::NoMatchingAdvertisement;
    }
    let candidates = candidates(ballot, &ads);
    match winner(&candidates, ballot.ips[0]) {
        Some(first) if first == ballot.my_node => Verdict::Announce(interfaces(&my_ads)),
        _ => Verdict::NotOwner,
    }
}

/// The nodes that may win: alive, network available, not excluded, selected by an advertisement, and
/// hosting a serving endpoint under externalTrafficPolicy Local.
pub fn candidates<'a>(ballot: &Ballot<'a>, ads: &[&Advertisement]) -> Vec<&'a str> {
    let with_endpoint: BTreeSet<&str> =
        ballot.endpoints.iter().filter(|e| e.can_serve).filter_map(|e| e.node.as_deref()).collect();
    ballot
        .nodes
        .iter()
        .filter(|(name, node)| match ballot.liveness {
            Liveness::Members(members) => members.contains(*name),
            Liveness::ReadyNodes => node.ready,
        })
        .filter(|(_, node)| !node.network_unavailable)
        .filter(|(_, node)| ballot.ignore_exclude_lb || !node.excluded())
        .filter(|(_, node)| ads.iter().any(|ad| ad.selects_node(&node.labels)))
        .filter(|(name, _)| !ballot.local_traffic || with_endpoint.contains(name.as_str()))
        .map(|(name, _)| name.as_str())
        .collect()
}

/// The union of the advertisements' interfaces, or all of them if any advertisement names none.
fn interfaces(ads: &[&Advertisement]) -> Interfaces {
    if ads.iter().any(|ad| ad.interfaces.is_empty()) {
        return Interfaces::All;
    }
    Interfaces::Named(ads.iter().flat_map(|ad| ad.interfaces.iter().cloned()).collect())
}

#[cfg(test)]
mod tests;
