//! What this speaker should announce, as a pure function of a snapshot, the configuration in force and
//! who is alive: for every LoadBalancer Service of our class with addresses in its status, the pool
//! those addresses belong to (all of them in one pool, as MetalLB's `poolFor` requires), its endpoints,
//! and the election.

use std::collections::BTreeMap;
use std::net::IpAddr;

use cluster_state::Snapshot;
use cluster_state::k8s_openapi::api::core::v1::{Node, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::ResourceExt;

use crate::allocate::request::{ANNOTATION_ALLOW_SHARED_IP, annotation, status_ips};
use crate::allocate::{LbClass, ServiceKey};
use crate::config::Config;
use crate::elect::{Ballot, Interfaces, Liveness, NodeInfo, Verdict, endpoints_of, should_announce};

const LOAD_BALANCER: &str = "LoadBalancer";
const LOCAL: &str = "Local";
const CONDITION_TRUE: &str = "True";

/// One Service this speaker announces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// The Service.
    pub key: ServiceKey,
    /// Its addresses.
    pub ips: Vec<IpAddr>,
    /// Where.
    pub interfaces: Interfaces,
}

/// Who this speaker is and how it elects.
#[derive(Clone, Debug)]
pub struct Elector<'a> {
    /// This node.
    pub node: &'a str,
    /// Which Services are ours.
    pub lb_class: &'a LbClass,
    /// `--ignore-exclude-lb`.
    pub ignore_exclude_lb: bool,
}

/// Every Service this node announces now.
pub fn announcements(
    snapshot: &Snapshot,
    config: &Config,
    elector: &Elector<'_>,
    liveness: &Liveness,
) -> Vec<Announcement> {
    let nodes = nodes(snapshot);
    let slices: Vec<&EndpointSlice> = snapshot.objects::<EndpointSlice>().iter().collect();
    let mut found = Vec::new();
    for service in snapshot.objects::<Service>().iter().filter(|s| elector.lb_class.handles(s)) {
        let spec = service.spec.as_ref();
        if spec.and_then(|s| s.type_.as_deref()) != Some(LOAD_BALANCER) {
            continue;
        }
        let ips = status_ips(service);
        let Some(pool) = ips.first().and_then(|ip| config.pool_of(*ip)) else { continue };
        if !ips.iter().all(|ip| pool.contains(*ip)) {
            continue;
        }
        let key = ServiceKey { namespace: service.namespace().unwrap_or_default(), name: service.name_any() };
        let endpoints = endpoints_of(slices.iter().copied(), &key.namespace, &key.name);
        let ballot = Ballot {
            my_node: elector.node,
            ips: &ips,
            service_labels: service.labels(),
            shares_ip: annotation(service, ANNOTATION_ALLOW_SHARED_IP).is_some(),
            local_traffic: spec.and_then(|s| s.external_traffic_policy.as_deref()) == Some(LOCAL),
            advertisements: &pool.advertisements,
            endpoints: &endpoints,
            nodes: &nodes,
            liveness,
            ignore_exclude_lb: elector.ignore_exclude_lb,
        };
        if let Verdict::Announce(interfaces) = should_announce(&ballot) {
            found.push(Announcement { key, ips, interfaces });
        }
    }
    found
}

/// Splits won Services into those with at least one of their named interfaces here (or all interfaces)
/// and those without any, which MetalLB does not announce and reports with an `announceFailed` Event.
pub fn with_local_interfaces(won: Vec<Announcement>, local: &[String]) -> (Vec<Announcement>, Vec<Announcement>) {
    won.into_iter().partition(|announcement| match &announcement.interfaces {
        Interfaces::All => true,
        Interfaces::Named(names) => local.iter().any(|name| names.contains(name)),
    })
}

/// Every Node as the election sees it.
pub fn nodes(snapshot: &Snapshot) -> BTreeMap<String, NodeInfo> {
    snapshot
        .objects::<Node>()
        .iter()
        .map(|node| {
            let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref());
            let is_true =
                |kind: &str| conditions.into_iter().flatten().any(|c| c.type_ == kind && c.status == CONDITION_TRUE);
            let info = NodeInfo {
                labels: node.labels().clone(),
                network_unavailable: is_true("NetworkUnavailable"),
                ready: is_true("Ready"),
            };
            (node.name_any(), info)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(name: &str, interfaces: Interfaces) -> Announcement {
        let key = ServiceKey { namespace: "default".into(), name: name.into() };
        Announcement { key, ips: vec!["10.0.0.1".parse().expect("ip")], interfaces }
    }

    /// A Service whose named interfaces are all missing here is set apart; "all interfaces" never is.
    #[test]
    fn missing_interfaces_are_set_apart() {
        let won = vec![
            announcement("all", Interfaces::All),
            announcement("here", Interfaces::Named(["eth0".to_string(), "eth9".to_string()].into())),
            announcement("elsewhere", Interfaces::Named(["eth9".to_string()].into())),
        ];
        let (announced, missing) = with_local_interfaces(won, &["eth0".to_string()]);
        let names = |list: &[Announcement]| list.iter().map(|a| a.key.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&announced), ["all", "here"]);
        assert_eq!(names(&missing), ["elsewhere"]);
    }
}
