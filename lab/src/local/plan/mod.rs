//! What `lab local` decides, as pure functions over the rendered manifests and kind's config: the
//! topology ([`topology`], on [`net`] subnets), the pods the controllers and the scheduler would make
//! ([`pods`]), ClusterIPs, NodePorts and EndpointSlices ([`services`]), what kubelet gives each
//! container ([`kubelet`]), the cluster-state file ([`state`]) and kube-proxy's rules ([`kube_proxy`]).
//! Nothing here reads a file, runs a program or touches the network, so all of it is unit-tested.

pub mod ingress;
pub mod kube_proxy;
pub mod kubelet;
pub mod mesh;
pub mod names;
pub mod net;
pub mod objects;
pub mod pods;
pub mod services;
pub mod state;
pub mod topology;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde_json::Value;
use thiserror::Error;

use objects::Manifests;
use pods::{Placement, Pod, Scale};
use topology::{Node, Topology};

/// Why the lab cannot be planned.
#[derive(Debug, Error)]
pub enum PlanError {
    /// The rendered manifests are not YAML objects.
    #[error("the rendered manifests do not parse: {0}; check `kubectl kustomize deploy`")]
    Manifests(String),
    /// kind's config is not usable.
    #[error("deploy/kind/cluster.yaml: {0}")]
    KindConfig(String),
    /// An object refers to one that is not there.
    #[error("{what} is not in the rendered manifests, but {wanted_by} needs it")]
    Missing {
        /// What is missing.
        what: String,
        /// Who needs it.
        wanted_by: String,
    },
    /// A value cannot be used.
    #[error("{what} {why}")]
    Invalid {
        /// The value, and where it is.
        what: String,
        /// What is wrong with it.
        why: String,
    },
    /// No node may run a pod.
    #[error("pod {pod} fits on no node (its tolerations and nodeSelector rule them all out)")]
    Unschedulable {
        /// The pod.
        pod: String,
    },
}

/// The whole lab as the control plane decided it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The rendered manifests.
    pub manifests: Manifests,
    /// The nodes.
    pub topology: Topology,
    /// The pods and the workloads set aside.
    pub placement: Placement,
    /// The Services, addresses allocated.
    pub services: Vec<Value>,
    /// Service statuses their controllers wrote (mini-lb's LoadBalancer ingress), by `namespace/name`.
    pub service_status: BTreeMap<String, Value>,
}

impl Plan {
    /// Plans the lab: pods of the workloads whose containers satisfy `runnable`, scaled by `scales`.
    pub fn new(
        manifests: Manifests,
        topology: Topology,
        runnable: impl Fn(&Value) -> bool,
        scales: &[Scale],
    ) -> Result<Plan, PlanError> {
        let placement = pods::schedule(&manifests, &topology, runnable, scales)?;
        let services = services::allocate(&manifests, topology.service_subnet)?;
        Ok(Plan { manifests, topology, placement, services, service_status: BTreeMap::new() })
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.topology.nodes.iter().find(|node| node.name == name)
    }

    /// The pod named `name`.
    pub fn pod(&self, name: &str) -> Option<&Pod> {
        self.placement.pods.iter().find(|pod| pod.name == name)
    }

    /// The pods a workload made, by its kind and name.
    pub fn pods_of(&self, kind: &str, name: &str) -> Vec<&Pod> {
        self.placement.pods.iter().filter(|pod| pod.owner.0 == kind && pod.owner.1 == name).collect()
    }

    /// The Service `namespace/name`.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&Value> {
        self.services.iter().find(|s| objects::name(s) == name && objects::namespace(s) == namespace)
    }

    /// The ClusterIP of `namespace/name`, when it has one.
    pub fn cluster_ip(&self, namespace: &str, name: &str) -> Option<Ipv4Addr> {
        self.service(namespace, name)?["spec"]["clusterIP"].as_str()?.parse().ok()
    }
}
