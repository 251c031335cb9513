//! The cluster-state file: what the API server would hold for the lab, as one YAML stream of ordinary
//! objects (Namespaces, Nodes, Services, EndpointSlices, Pods) shaped as `kubectl get -o yaml` prints
//! them, which cluster-dns (and later mini-lb and mini-proxy) read with `--from-file` and re-read when
//! it changes. Written anew whenever a pod's phase changes, as the controllers would update the API.

use serde_json::{Value, json};

use super::pods::{self, Pod};
use super::services::{self, Phase};
use super::{Plan, PlanError};

/// The namespaces kubeadm creates, before the manifests' own.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Every object of the cluster as the control plane publishes it, with each pod in `phase(pod)`.
pub fn objects(plan: &Plan, phase: impl Fn(&Pod) -> Phase) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut namespaces: Vec<String> = SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    namespaces.extend(plan.manifests.of_kind("Namespace").map(|n| super::objects::name(n).to_string()));
    namespaces.sort();
    namespaces.dedup();
    for name in namespaces {
        objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}, "status": {"phase": "Active"}}));
    }
    for node in &plan.topology.nodes {
        let mut spec = json!({"podCIDR": node.pod_cidr.to_string(), "podCIDRs": [node.pod_cidr.to_string()], "providerID": format!("kind://docker/{}/{}", plan.topology.cluster, node.name)});
        if node.role == super::topology::Role::ControlPlane {
            spec["taints"] = json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        }
        objects.push(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node.name, "labels": pods::node_labels(node)},
            "spec": spec,
            "status": {
                "addresses": [{"type": "InternalIP", "address": node.ip.to_string()}, {"type": "Hostname", "address": node.name}],
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            },
        }));
    }
    for service in &plan.services {
        let mut service = service.clone();
        service["apiVersion"] = json!("v1");
        let key = format!("{}/{}", super::objects::namespace(&service), super::objects::name(&service));
        service["metadata"]["namespace"] = json!(super::objects::namespace(&service));
        service["status"] = plan.service_status.get(&key).cloned().unwrap_or_else(|| json!({"loadBalancer": {}}));
        objects.push(service);
    }
    // MetalLB's configuration, read by the controller and the speakers.
    objects.extend(
        plan.manifests
            .objects
            .iter()
            .filter(|o| o["apiVersion"].as_str().is_some_and(|v| v.starts_with("metallb.io/")))
            .cloned(),
    );
    for deployment in plan.manifests.of_kind("Deployment") {
        let pods = plan.pods_of("Deployment", super::objects::name(deployment));
        if pods.is_empty() {
            continue;
        }
        let ready = pods.iter().filter(|pod| phase(pod) == Phase::Ready).count();
        let mut deployment = deployment.clone();
        deployment["metadata"]["namespace"] = json!(super::objects::namespace(&deployment));
        deployment["spec"]["replicas"] = json!(pods.len());
        deployment["status"] = json!({"replicas": pods.len(), "readyReplicas": ready, "availableReplicas": ready});
        objects.push(deployment);
    }
    objects.extend(services::endpoint_slices(&plan.services, &plan.placement.pods, &phase));
    for pod in &plan.placement.pods {
        objects.push(pod_object(plan, pod, phase(pod)));
    }
    objects
}

fn pod_object(plan: &Plan, pod: &Pod, phase: Phase) -> Value {
    let host_ip = plan.node(&pod.node).map(|n| n.ip.to_string()).unwrap_or_default();
    let ready = if phase == Phase::Ready { "True" } else { "False" };
    let status = match phase {
        Phase::Pending => {
            json!({"phase": "Pending", "hostIP": host_ip, "conditions": [{"type": "PodScheduled", "status": "True"}]})
        }
        _ => json!({
            "phase": "Running",
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": pod.ip.to_string(),
            "podIPs": [{"ip": pod.ip.to_string()}],
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Initialized", "status": "True"},
                {"type": "ContainersReady", "status": ready},
                {"type": "Ready", "status": ready},
            ],
        }),
    };
    let (kind, owner) = &pod.owner;
    let mut metadata = json!({"name": pod.name, "namespace": pod.namespace, "labels": pod.labels});
    if kind != "Pod" {
        // A Deployment's pods belong to its ReplicaSet, named after the template hash.
        let (owner_kind, owner_name) = match pod.labels.get("pod-template-hash") {
            Some(hash) => ("ReplicaSet", format!("{owner}-{hash}")),
            None => (kind.as_str(), owner.clone()),
        };
        let uid = uid(&format!("{owner_kind}/{}/{owner_name}", pod.namespace));
        metadata["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner_name, "uid": uid, "controller": true, "blockOwnerDeletion": true}]);
    }
    let mut spec = pod.spec.clone();
    // The ServiceAccount admission plugin names the default account when the pod names none.
    if spec["serviceAccountName"].is_null() {
        spec["serviceAccountName"] = json!("default");
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status})
}

/// A stable object UID for `key` (owner references must carry one).
pub fn uid(key: &str) -> String {
    let hash = super::names::fnv32a(key.as_bytes());
    format!("00000000-0000-4000-8000-0000{hash:08x}")
}

/// The objects as one YAML stream, documents separated by `---`.
pub fn document(objects: &[Value]) -> Result<String, PlanError> {
    let mut text = String::new();
    for object in objects {
        if !text.is_empty() {
            text.push_str("---\n");
        }
        text.push_str(&serde_saphyr::to_string(object).map_err(|e| PlanError::Invalid {
            what: "the cluster state".into(),
            why: format!("does not serialize: {e}"),
        })?);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::plan::objects::Manifests;
    use crate::local::plan::topology::from_kind_config;

    /// The document parses back into the same objects, in kubectl's shape: namespaces, nodes with their
    /// addresses, services, slices and pods with their phase, address and node.
    #[test]
    fn document_round_trips() {
        let manifests = Manifests::parse(
            "kind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n---\n\
             kind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{image: lab/go-web:dev}]}\n---\n\
             kind: Pod\nmetadata: {name: later, labels: {app: web}}\nspec: {containers: [{image: lab/go-web:dev}]}\n",
        )
        .expect("valid");
        let topology = from_kind_config("nodes: [{role: control-plane}, {role: worker}]").expect("valid");
        let plan = Plan::new(manifests, topology, |_| true, &[]).expect("plans");
        let objects = objects(&plan, |pod| if pod.name == "web" { Phase::Ready } else { Phase::Pending });
        let text = document(&objects).expect("serializes");
        let parsed: Vec<Value> = serde_saphyr::from_multiple(&text).expect("parses back");
        assert_eq!(parsed, objects);
        let kinds: Vec<&str> = parsed.iter().filter_map(|o| o["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "Namespace",
                "Namespace",
                "Namespace",
                "Node",
                "Node",
                "Service",
                "EndpointSlice",
                "Pod",
                "Pod"
            ]
        );
        let web = &parsed[8];
        assert_eq!(
            (web["status"]["phase"].as_str(), web["status"]["podIP"].as_str()),
            (Some("Running"), Some("10.244.1.2"))
        );
        assert_eq!(web["spec"]["nodeName"], "kind-worker");
        assert_eq!(parsed[9]["status"]["phase"], "Pending");
        assert!(parsed[9]["status"]["podIP"].is_null());
        assert_eq!(parsed[5]["status"]["addresses"][0]["address"], "172.18.0.3");
        assert_eq!(parsed[7]["endpoints"].as_array().map(Vec::len), Some(1));
    }
}
