//! The machines of the lab as kind makes them from deploy/kind/cluster.yaml: node names
//! (`kind-control-plane`, `kind-worker`, `kind-worker2`...), one address each on the kind network
//! (172.18.0.0/16, gateway .1, nodes from .2 in the file's order), and one /24 of the pod subnet each
//! (the control plane first, as the node IPAM controller hands them out), with the control plane's taint.
//! Also the names every network namespace of a run carries, so a later run can find a dead one's leftovers.

use std::net::Ipv4Addr;

use serde_json::Value;

use super::PlanError;
use super::net::Cidr;

/// Every network namespace, /etc/netns directory and bridge port of a run starts with this.
pub const PREFIX: &str = "lab-";

/// The kind network Docker makes: the node addresses and the LoadBalancer pool come from it.
pub const KIND_NETWORK: Cidr = Cidr { base: Ipv4Addr::new(172, 18, 0, 0), prefix: 16 };

/// The kind network's gateway: the machine running Docker, our "host" namespace.
pub const GATEWAY: Ipv4Addr = Ipv4Addr::new(172, 18, 0, 1);

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Runs the control plane; tainted NoSchedule, as kubeadm taints it.
    ControlPlane,
    /// Runs the workloads.
    Worker,
}

/// One node of the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its name, kind's: `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`...
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its address on the kind network (INTERNAL-IP).
    pub ip: Ipv4Addr,
    /// Its pod subnet, a /24 of the cluster's.
    pub pod_cidr: Cidr,
    /// The labels kind's config gives it.
    pub labels: Vec<(String, String)>,
}

impl Node {
    /// The address of the node's end of each pod's veth: the pods' gateway (`.1` of its pod subnet).
    pub fn pod_gateway(&self) -> Ipv4Addr {
        self.pod_cidr.host(1)
    }

    /// Its network namespace.
    pub fn netns(&self) -> String {
        format!("{PREFIX}{}", self.name)
    }
}

/// The cluster kind's config declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// The cluster's name (kind's `name`, default `kind`).
    pub cluster: String,
    /// The nodes, control planes first.
    pub nodes: Vec<Node>,
    /// The pod subnet (`networking.podSubnet`).
    pub pod_subnet: Cidr,
    /// The Service subnet (`networking.serviceSubnet`).
    pub service_subnet: Cidr,
}

/// The topology of a kind config (deploy/kind/cluster.yaml).
pub fn from_kind_config(text: &str) -> Result<Topology, PlanError> {
    let config: Value = serde_saphyr::from_str(text).map_err(|e| PlanError::KindConfig(e.to_string()))?;
    let cluster = config["name"].as_str().unwrap_or("kind").to_string();
    let subnet = |key: &str, default: &str| -> Result<Cidr, PlanError> {
        let text = config["networking"][key].as_str().unwrap_or(default);
        text.parse().map_err(|why| PlanError::KindConfig(format!("networking.{key} {text:?}: {why}")))
    };
    let pod_subnet = subnet("podSubnet", "10.244.0.0/16")?;
    let service_subnet = subnet("serviceSubnet", "10.96.0.0/16")?;
    let declared: Vec<&Value> = config["nodes"].as_array().map(|nodes| nodes.iter().collect()).unwrap_or_default();
    let mut roles: Vec<(Role, &Value)> = Vec::new();
    for node in &declared {
        let role = match node["role"].as_str().unwrap_or("control-plane") {
            "control-plane" => Role::ControlPlane,
            "worker" => Role::Worker,
            other => {
                return Err(PlanError::KindConfig(format!("node role {other:?}: expected control-plane or worker")));
            }
        };
        roles.push((role, node));
    }
    if roles.is_empty() {
        roles.push((Role::ControlPlane, &Value::Null));
    }
    roles.sort_by_key(|(role, _)| *role == Role::Worker);
    let mut nodes = Vec::new();
    for (index, (role, declared)) in roles.iter().enumerate() {
        let same_role_before = roles[..index].iter().filter(|(r, _)| r == role).count();
        let base = match role {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        };
        let suffix = if same_role_before == 0 { String::new() } else { (same_role_before + 1).to_string() };
        let labels = declared["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect();
        let index = u32::try_from(index).map_err(|_| PlanError::KindConfig("too many nodes".into()))?;
        nodes.push(Node {
            name: format!("{cluster}-{base}{suffix}"),
            role: *role,
            ip: KIND_NETWORK.host(2 + index),
            pod_cidr: pod_subnet.subnet(24, index).ok_or_else(|| {
                PlanError::KindConfig(format!("pod subnet {pod_subnet} has no /24 for node {}", index + 1))
            })?,
            labels,
        });
    }
    Ok(Topology { cluster, nodes, pod_subnet, service_subnet })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lab's config gives kind's names, addresses from .2 and a /24 each, the control plane first.
    #[test]
    fn lab_cluster() {
        let text = "kind: Cluster\nname: kind\nnetworking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/16}\n\
                    nodes:\n- role: worker\n- role: control-plane\n  labels: {ingress-ready: \"true\"}\n- role: worker\n- role: worker\n";
        let topology = from_kind_config(text).expect("valid");
        let names: Vec<(&str, String, String)> =
            topology.nodes.iter().map(|n| (n.name.as_str(), n.ip.to_string(), n.pod_cidr.to_string())).collect();
        assert_eq!(
            names,
            [
                ("kind-control-plane", "172.18.0.2".to_string(), "10.244.0.0/24".to_string()),
                ("kind-worker", "172.18.0.3".to_string(), "10.244.1.0/24".to_string()),
                ("kind-worker2", "172.18.0.4".to_string(), "10.244.2.0/24".to_string()),
                ("kind-worker3", "172.18.0.5".to_string(), "10.244.3.0/24".to_string()),
            ]
        );
        assert_eq!(topology.nodes[0].labels, [("ingress-ready".to_string(), "true".to_string())]);
        assert_eq!(topology.nodes[1].pod_gateway().to_string(), "10.244.1.1");
        assert_eq!(topology.nodes[3].netns(), "lab-kind-worker3");
    }

    /// A role kind does not know, or a subnet that is not one, is refused with the value.
    #[test]
    fn bad_config() {
        let error = from_kind_config("nodes: [{role: master}]").expect_err("refused");
        assert!(error.to_string().contains("\"master\""), "{error}");
        let error = from_kind_config("networking: {podSubnet: 10.244.0.0/33}").expect_err("refused");
        assert!(error.to_string().contains("10.244.0.0/33"), "{error}");
    }
}
