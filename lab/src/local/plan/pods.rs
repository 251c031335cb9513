//! The scheduler and the workload controllers, as pure functions: every Deployment, StatefulSet,
//! DaemonSet and bare Pod of the manifests becomes pods with the names Kubernetes would give them
//! (`app-<template hash>-<5 chars>`, `postgres-0`, the bare pod's own), each placed on a node whose taints
//! it tolerates and whose labels its nodeSelector asks for (the least busy such node, so replicas
//! spread), and given the next free address of that node's pod subnet (from `.2`; `.1` is the node's
//! end of every veth). Workloads whose images `lab local` cannot run yet are set aside with the image.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde_json::Value;

use super::PlanError;
use super::names;
use super::objects::{self, Manifests};
use super::topology::{Node, Role, Topology};

/// The taint kubeadm puts on control-plane nodes.
const CONTROL_PLANE_TAINT: &str = "node-role.kubernetes.io/control-plane";

/// One pod, scheduled and addressed.
#[derive(Clone, Debug, PartialEq)]
pub struct Pod {
    /// Its name.
    pub name: String,
    /// Its Kubernetes namespace.
    pub namespace: String,
    /// The workload that made it: (kind, name); a bare Pod names itself.
    pub owner: (String, String),
    /// Its labels (the template's, plus what the controller adds).
    pub labels: BTreeMap<String, String>,
    /// Its spec: the template's, with `nodeName` (and a StatefulSet pod's `hostname` and `subdomain`).
    pub spec: Value,
    /// The node it runs on.
    pub node: String,
    /// Its address (its node's, with `hostNetwork`).
    pub ip: Ipv4Addr,
}

impl Pod {
    /// Its network namespace on this machine: its own, or its node's with `hostNetwork`.
    pub fn netns(&self) -> String {
        let name = if self.host_network() { &self.node } else { &self.name };
        format!("{}{name}", super::topology::PREFIX)
    }

    /// Whether it shares its node's network (`hostNetwork: true`), as the speakers do.
    pub fn host_network(&self) -> bool {
        self.spec["hostNetwork"] == true
    }

    /// Its init containers, run to completion in order before its containers start.
    pub fn init_containers(&self) -> impl Iterator<Item = &Value> {
        self.spec["initContainers"].as_array().into_iter().flatten()
    }

    /// Its containers.
    pub fn containers(&self) -> impl Iterator<Item = &Value> {
        self.spec["containers"].as_array().into_iter().flatten()
    }
}

/// A workload `lab local` does not run yet, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// `Kind namespace/name`.
    pub workload: String,
    /// The image it cannot run, with the container's args.
    pub image: String,
}

/// What the scheduler decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// The pods, in the manifests' order.
    pub pods: Vec<Pod>,
    /// The workloads left out.
    pub set_aside: Vec<SetAside>,
}

/// A replica count that overrides a Deployment's, as `kubectl scale deployment NAME --replicas N` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    /// The Deployment's namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The replicas.
    pub replicas: u64,
}

/// Expands and schedules every workload of `manifests` whose containers (init containers included) all
/// satisfy `runnable`.
pub fn schedule(
    manifests: &Manifests,
    topology: &Topology,
    runnable: impl Fn(&Value) -> bool,
    scales: &[Scale],
) -> Result<Placement, PlanError> {
    let mut placement = Placement::default();
    for object in &manifests.objects {
        let kind = object["kind"].as_str().unwrap_or_default();
        let (template, replicas) = match kind {
            "Pod" => (object.clone(), Replicas::One),
            "Deployment" => {
                let scaled = scales
                    .iter()
                    .find(|s| s.name == objects::name(object) && s.namespace == objects::namespace(object));
                let count = scaled.map_or_else(|| object["spec"]["replicas"].as_u64().unwrap_or(1), |s| s.replicas);
                (object["spec"]["template"].clone(), Replicas::Deployment(count))
            }
            "StatefulSet" => (
                object["spec"]["template"].clone(),
                Replicas::Ordinals(object["spec"]["replicas"].as_u64().unwrap_or(1)),
            ),
            "DaemonSet" => (object["spec"]["template"].clone(), Replicas::PerNode),
            _ => continue,
        };
        let workload = format!("{kind} {}/{}", objects::namespace(object), objects::name(object));
        if let Some(container) = containers(&template).find(|container| !runnable(container)) {
            let mut image = container["image"].as_str().unwrap_or_default().to_string();
            for arg in container["args"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                image = format!("{image} {arg}");
            }
            placement.set_aside.push(SetAside { workload, image });
            continue;
        }
        let owner = (kind.to_string(), objects::name(object).to_string());
        for (name, mut labels, spec, fixed_node) in instances(object, &template, replicas, topology) {
            labels.extend(objects::string_map(&template["metadata"]["labels"]));
            let pod = Pod {
                name,
                namespace: objects::namespace(object).to_string(),
                owner: owner.clone(),
                labels,
                spec,
                node: String::new(),
                ip: Ipv4Addr::UNSPECIFIED,
            };
            let pod = place(pod, fixed_node, topology, &placement.pods)?;
            placement.pods.push(pod);
        }
    }
    Ok(placement)
}

/// Every container of a pod template, init containers first.
fn containers(template: &Value) -> impl Iterator<Item = &Value> {
    let spec = &template["spec"];
    let all = spec["initContainers"].as_array().into_iter().flatten();
    all.chain(spec["containers"].as_array().into_iter().flatten())
}

/// Schedules `pod` (on `fixed` when its controller fixed the node, as a DaemonSet does) and gives it an
/// address: its node's with `hostNetwork`, else the lowest free one of the node's pod subnet from `.2`.
fn place(mut pod: Pod, fixed: Option<&Node>, topology: &Topology, placed: &[Pod]) -> Result<Pod, PlanError> {
    let node = match fixed {
        Some(node) => node,
        None => least_busy(&pod.spec, &pod.owner, topology, placed)
            .ok_or_else(|| PlanError::Unschedulable { pod: pod.name.clone() })?,
    };
    pod.spec["nodeName"] = Value::from(node.name.clone());
    pod.node = node.name.clone();
    pod.ip = if pod.host_network() {
        node.ip
    } else {
        let taken: BTreeSet<Ipv4Addr> = placed.iter().map(|p| p.ip).collect();
        let size = u32::try_from(node.pod_cidr.size()).unwrap_or(u32::MAX);
        (2..size.saturating_sub(1)).map(|n| node.pod_cidr.host(n)).find(|ip| !taken.contains(ip)).ok_or_else(|| {
            PlanError::Invalid { what: format!("pod subnet {} of {}", node.pod_cidr, node.name), why: "is full".into() }
        })?
    };
    Ok(pod)
}

/// The pod a Deployment's ReplicaSet makes when one of its pods leaves it (deleted, or relabelled out
/// of its selector): the template's, under the next generated name, scheduled and addressed.
pub fn replacement(
    manifests: &Manifests,
    topology: &Topology,
    placement: &Placement,
    namespace: &str,
    name: &str,
) -> Result<Pod, PlanError> {
    let object = manifests.find("Deployment", namespace, name).ok_or_else(|| PlanError::Missing {
        what: format!("Deployment {namespace}/{name}"),
        wanted_by: "its ReplicaSet's replacement pod".into(),
    })?;
    let template = &object["spec"]["template"];
    let hash = names::template_hash(&template.to_string());
    let prefix = format!("{name}-{hash}-");
    let made = placement.pods.iter().filter(|p| p.namespace == namespace && p.name.starts_with(&prefix)).count();
    let mut labels = BTreeMap::from([("pod-template-hash".to_string(), hash)]);
    labels.extend(objects::string_map(&template["metadata"]["labels"]));
    let pod = Pod {
        name: format!("{prefix}{}", names::suffix(&format!("{name}/{made}"))),
        namespace: namespace.to_string(),
        owner: ("Deployment".into(), name.to_string()),
        labels,
        spec: template["spec"].clone(),
        node: String::new(),
        ip: Ipv4Addr::UNSPECIFIED,
    };
    place(pod, None, topology, &placement.pods)
}

/// A bare Pod (what `kubectl run` creates), scheduled and addressed.
pub fn bare_pod(object: &Value, topology: &Topology, placement: &Placement) -> Result<Pod, PlanError> {
    let pod = Pod {
        name: objects::name(object).to_string(),
        namespace: objects::namespace(object).to_string(),
        owner: ("Pod".into(), objects::name(object).to_string()),
        labels: objects::string_map(&object["metadata"]["labels"]),
        spec: object["spec"].clone(),
        node: String::new(),
        ip: Ipv4Addr::UNSPECIFIED,
    };
    place(pod, None, topology, &placement.pods)
}

/// `kubectl label pod NAME KEY=VALUE --overwrite`: the label set; a Deployment's pod whose labels no
/// longer match its selector is released by the ReplicaSet (it keeps running, owned by nobody).
pub fn relabel(manifests: &Manifests, pod: &mut Pod, key: &str, value: &str) {
    pod.labels.insert(key.to_string(), value.to_string());
    let (kind, owner) = &pod.owner;
    if kind != "Deployment" {
        return;
    }
    // A selector left out selects the template's labels, as the old API groups defaulted it.
    let selector = manifests
        .find(kind, &pod.namespace, owner)
        .map(|object| {
            let declared = objects::string_map(&object["spec"]["selector"]["matchLabels"]);
            if declared.is_empty() {
                objects::string_map(&object["spec"]["template"]["metadata"]["labels"])
            } else {
                declared
            }
        })
        .unwrap_or_default();
    if !selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v)) {
        pod.owner = ("Pod".into(), pod.name.clone());
    }
}

enum Replicas {
    One,
    Deployment(u64),
    Ordinals(u64),
    PerNode,
}

type Instance<'a> = (String, BTreeMap<String, String>, Value, Option<&'a Node>);

/// The pods a workload's controller makes: names, controller labels, spec, and a node when it is fixed.
fn instances<'a>(object: &Value, template: &Value, replicas: Replicas, topology: &'a Topology) -> Vec<Instance<'a>> {
    let name = objects::name(object);
    let spec = template["spec"].clone();
    match replicas {
        Replicas::One => vec![(name.to_string(), BTreeMap::new(), spec, None)],
        Replicas::Deployment(count) => {
            let hash = names::template_hash(&template.to_string());
            let labels = BTreeMap::from([("pod-template-hash".to_string(), hash.clone())]);
            (0..count)
                .map(|i| {
                    (
                        format!("{name}-{hash}-{}", names::suffix(&format!("{name}/{i}"))),
                        labels.clone(),
                        spec.clone(),
                        None,
                    )
                })
                .collect()
        }
        Replicas::Ordinals(count) => (0..count)
            .map(|i| {
                let pod = format!("{name}-{i}");
                let labels = BTreeMap::from([
                    ("statefulset.kubernetes.io/pod-name".to_string(), pod.clone()),
                    ("apps.kubernetes.io/pod-index".to_string(), i.to_string()),
                ]);
                let mut spec = spec.clone();
                spec["hostname"] = Value::from(pod.clone());
                if let Some(service) = object["spec"]["serviceName"].as_str() {
                    spec["subdomain"] = Value::from(service);
                }
                (pod, labels, spec, None)
            })
            .collect(),
        Replicas::PerNode => topology
            .nodes
            .iter()
            .filter(|node| fits(&spec, node))
            .map(|node| {
                (
                    format!("{name}-{}", names::suffix(&format!("{name}/{}", node.name))),
                    BTreeMap::new(),
                    spec.clone(),
                    Some(node),
                )
            })
            .collect(),
    }
}

/// Among the nodes `spec` fits on, the one with the fewest pods of the same workload (the scheduler's
/// default spreading of replicas over hostnames), then the fewest pods; the first such node on a tie.
fn least_busy<'a>(spec: &Value, owner: &(String, String), topology: &'a Topology, placed: &[Pod]) -> Option<&'a Node> {
    topology.nodes.iter().filter(|node| fits(spec, node)).min_by_key(|node| {
        let here = placed.iter().filter(|pod| pod.node == node.name);
        (here.clone().filter(|pod| &pod.owner == owner).count(), here.count())
    })
}

/// Whether a pod with `spec` may run on `node`: the node's taint tolerated, its nodeSelector satisfied.
fn fits(spec: &Value, node: &Node) -> bool {
    let tolerated = node.role == Role::Worker
        || spec["tolerations"].as_array().into_iter().flatten().any(|toleration| {
            let key = toleration["key"].as_str();
            let effect = toleration["effect"].as_str().unwrap_or("NoSchedule");
            (key == Some(CONTROL_PLANE_TAINT) || (key.is_none() && toleration["operator"] == "Exists"))
                && effect == "NoSchedule"
        });
    let labels = node_labels(node);
    tolerated && objects::string_map(&spec["nodeSelector"]).iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The labels a kind node carries: kubelet's well-known ones, the role's, and the config's.
pub fn node_labels(node: &Node) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("kubernetes.io/hostname".to_string(), node.name.clone()),
        ("kubernetes.io/os".to_string(), "linux".to_string()),
        (
            "kubernetes.io/arch".to_string(),
            std::env::consts::ARCH.replace("x86_64", "amd64").replace("aarch64", "arm64"),
        ),
    ]);
    if node.role == Role::ControlPlane {
        labels.insert(CONTROL_PLANE_TAINT.to_string(), String::new());
    }
    labels.extend(node.labels.iter().cloned());
    labels
}

/// A probe's or Service's port as a number: itself, or the port of that name in `container`.
pub fn resolve_port(container: &Value, port: &Value) -> Option<u64> {
    port.as_u64().or_else(|| {
        let wanted = port.as_str()?;
        container["ports"].as_array()?.iter().find(|p| p["name"] == wanted)?["containerPort"].as_u64()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::plan::topology::from_kind_config;

    const KIND: &str = "nodes: [{role: control-plane}, {role: worker}, {role: worker}, {role: worker}]";
    const LAB: &str = "\
kind: Deployment\nmetadata: {name: app}\nspec: {replicas: 1, template: {metadata: {labels: {app: app}}, spec: {containers: [{name: w, image: lab/go-web:dev}]}}}\n---\n\
kind: StatefulSet\nmetadata: {name: postgres}\nspec: {replicas: 2, serviceName: postgres, template: {metadata: {labels: {app: postgres}}, spec: {containers: [{image: postgres:17.6}]}}}\n---\n\
kind: Deployment\nmetadata: {name: dns, namespace: kube-system}\nspec: {replicas: 1, template: {spec: {tolerations: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}], containers: [{image: lab/cluster-dns:dev}]}}}\n---\n\
kind: DaemonSet\nmetadata: {name: speaker}\nspec: {template: {spec: {containers: [{image: lab/mini-lb:dev}]}}}\n---\n\
kind: Pod\nmetadata: {name: dnsutils}\nspec: {nodeSelector: {kubernetes.io/hostname: kind-worker3}, containers: [{image: lab/dnsutils:dev}]}\n";

    fn placement(scales: &[Scale]) -> Placement {
        let topology = from_kind_config(KIND).expect("valid");
        let manifests = Manifests::parse(LAB).expect("valid");
        schedule(&manifests, &topology, |c| !c["image"].as_str().is_some_and(|i| i.starts_with("lab/mini-lb")), scales)
            .expect("schedules")
    }

    /// Controllers name pods as Kubernetes does; a scale overrides replicas; a StatefulSet pod gets its
    /// hostname and subdomain; untolerated taints and nodeSelectors are respected; addresses start at .2.
    #[test]
    fn pods_named_placed_and_addressed() {
        let placement = placement(&[Scale { namespace: "default".into(), name: "app".into(), replicas: 4 }]);
        let pods: Vec<(&str, &str, String)> =
            placement.pods.iter().map(|p| (p.name.as_str(), p.node.as_str(), p.ip.to_string())).collect();
        assert_eq!(pods.len(), 8, "{pods:?}");
        let apps: Vec<&str> = pods.iter().filter(|p| p.0.starts_with("app-")).map(|p| p.1).collect();
        assert_eq!(apps, ["kind-worker", "kind-worker2", "kind-worker3", "kind-worker"], "spread over workers");
        let app = &placement.pods[0];
        let hash = &app.labels["pod-template-hash"];
        assert!(app.name.starts_with(&format!("app-{hash}-")) && app.name.len() == "app-".len() + hash.len() + 6);
        assert_eq!(app.ip.to_string(), "10.244.1.2");
        let postgres1 = placement.pods.iter().find(|p| p.name == "postgres-1").expect("postgres-1");
        assert_eq!(
            (postgres1.spec["hostname"].as_str(), postgres1.spec["subdomain"].as_str()),
            (Some("postgres-1"), Some("postgres"))
        );
        assert_eq!(postgres1.labels["app"], "postgres");
        let dns = placement.pods.iter().find(|p| p.namespace == "kube-system").expect("dns pod");
        assert_eq!(dns.node, "kind-control-plane", "tolerates the taint, and the control plane is idle");
        let dnsutils = placement.pods.iter().find(|p| p.name == "dnsutils").expect("dnsutils");
        assert_eq!(dnsutils.node, "kind-worker3");
        assert_eq!(dnsutils.spec["nodeName"], "kind-worker3");
        assert_eq!(
            placement.set_aside,
            [SetAside { workload: "DaemonSet default/speaker".into(), image: "lab/mini-lb:dev".into() }]
        );
    }

    /// Names are stable from run to run and distinct between replicas.
    #[test]
    fn stable_names() {
        let names = |p: Placement| p.pods.into_iter().map(|p| p.name).collect::<Vec<_>>();
        let first = names(placement(&[]));
        assert_eq!(first, names(placement(&[])));
        let scaled = names(placement(&[Scale { namespace: "default".into(), name: "app".into(), replicas: 4 }]));
        let unique: std::collections::BTreeSet<&String> = scaled.iter().collect();
        assert_eq!(unique.len(), scaled.len());
    }

    /// A pod that fits no node is an error naming the pod.
    #[test]
    fn unschedulable() {
        let topology = from_kind_config("nodes: [{role: control-plane}]").expect("valid");
        let manifests =
            Manifests::parse("kind: Pod\nmetadata: {name: lonely}\nspec: {containers: [{image: x}]}").expect("valid");
        let error = schedule(&manifests, &topology, |_| true, &[]).expect_err("no worker");
        assert!(error.to_string().contains("lonely"), "{error}");
    }

    /// A pod relabelled out of its Deployment's selector is released; the replacement takes the next
    /// generated name and the lowest free address of the least busy node; host-network pods take their
    /// node's address and namespace.
    #[test]
    fn relabel_replace_and_host_network() {
        let topology = from_kind_config(KIND).expect("valid");
        let manifests = Manifests::parse(LAB).expect("valid");
        let mut placement = schedule(&manifests, &topology, |_| true, &[]).expect("schedules");
        let first = placement.pods.iter().position(|p| p.owner.1 == "app").expect("an app pod");
        relabel(&manifests, &mut placement.pods[first], "tier", "web");
        assert_eq!(placement.pods[first].owner.0, "Deployment", "still selected");
        relabel(&manifests, &mut placement.pods[first], "app", "nope");
        assert_eq!(placement.pods[first].owner, ("Pod".to_string(), placement.pods[first].name.clone()));
        let new = replacement(&manifests, &topology, &placement, "default", "app").expect("replaces");
        let hash = &placement.pods[first].labels["pod-template-hash"];
        assert!(new.name.starts_with(&format!("app-{hash}-")) && new.name != placement.pods[first].name);
        assert_eq!((new.labels["app"].as_str(), new.owner.1.as_str()), ("app", "app"));
        assert!(placement.pods.iter().all(|p| p.ip != new.ip), "{} is taken", new.ip);
        let speaker = placement.pods.iter().find(|p| p.owner.1 == "speaker").expect("a speaker");
        assert!(!speaker.host_network());
        let mut host = speaker.clone();
        host.spec["hostNetwork"] = Value::from(true);
        let placed = place(host, topology.nodes.get(2), &topology, &placement.pods).expect("placed");
        assert_eq!((placed.ip.to_string(), placed.netns()), ("172.18.0.4".to_string(), "lab-kind-worker2".to_string()));
        let missing =
            replacement(&manifests, &topology, &placement, "default", "nope").expect_err("no such Deployment");
        assert!(missing.to_string().contains("Deployment default/nope"), "{missing}");
    }
}
