//! What a Pod object says about its place in the mesh, read the way Linkerd reads it: whether it runs a
//! proxy, which Deployment it belongs to, where its proxy's metrics are, and whether viz counts it.
//! Discovery (the proxy's `dst_*` labels) and `stat` (which pods make a row, which to scrape) both ask
//! here, so they agree.

use std::net::{IpAddr, SocketAddr};

use cluster_state::k8s_openapi::api::core::v1::{Container, Pod};

/// Container names that mean "this pod runs a mesh proxy": what `linkerd inject` adds, and ours by name.
pub const PROXY_CONTAINERS: [&str; 2] = ["linkerd-proxy", "mini-proxy"];
/// The label `linkerd inject` sets on every meshed pod; Linkerd's viz counts a pod as meshed by it.
pub const CONTROL_PLANE_NS_LABEL: &str = "linkerd.io/control-plane-ns";
/// The label naming the Deployment of a meshed pod (viz relabels it `deployment`).
pub const PROXY_DEPLOYMENT_LABEL: &str = "linkerd.io/proxy-deployment";
/// The label the Deployment controller puts on its pods, also the suffix of their ReplicaSet's name.
const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";
/// The name of the proxy container's metrics port.
pub const ADMIN_PORT_NAME: &str = "linkerd-admin";
/// The proxy's admin port when the container does not name one.
pub const DEFAULT_ADMIN_PORT: u16 = 4191;

/// The proxy container, if the pod runs one (as a container, or as a native sidecar among the init
/// containers, which is how Linkerd 2.20 injects by default).
pub fn proxy_container(pod: &Pod) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| PROXY_CONTAINERS.contains(&c.name.as_str()))
}

/// Whether the pod runs a proxy.
pub fn runs_proxy(pod: &Pod) -> bool {
    proxy_container(pod).is_some()
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// Whether Linkerd's viz counts the pod as meshed: it carries the control plane's label.
pub fn counted_as_meshed(pod: &Pod) -> bool {
    label(pod, CONTROL_PLANE_NS_LABEL).is_some()
}

/// Whether viz counts the pod at all: it is Pending or Running (finished pods are left out).
pub fn is_live(pod: &Pod) -> bool {
    matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Pending" | "Running"))
}

/// The Deployment the pod belongs to: the proxy's label when injected, otherwise its ReplicaSet's name
/// without the pod template hash (a ReplicaSet of a Deployment is named `DEPLOYMENT-HASH`).
pub fn deployment_of(pod: &Pod) -> Option<String> {
    if let Some(name) = label(pod, PROXY_DEPLOYMENT_LABEL) {
        return Some(name.to_string());
    }
    let hash = label(pod, POD_TEMPLATE_HASH_LABEL)?;
    let owners = pod.metadata.owner_references.iter().flatten();
    let replica_set = owners.filter(|o| o.kind == "ReplicaSet").find(|o| o.controller == Some(true))?;
    replica_set.name.strip_suffix(hash)?.strip_suffix('-').filter(|name| !name.is_empty()).map(str::to_string)
}

/// The address of the pod's proxy metrics: its IP and the proxy container's `linkerd-admin` port
/// (4191 when the container names none). `None` for a pod without a proxy or an IP yet.
pub fn admin_address(pod: &Pod) -> Option<SocketAddr> {
    let container = proxy_container(pod)?;
    let ip: IpAddr = pod.status.as_ref()?.pod_ip.as_deref()?.parse().ok()?;
    let named = container.ports.iter().flatten().find(|p| p.name.as_deref() == Some(ADMIN_PORT_NAME));
    let port = match named {
        Some(port) => u16::try_from(port.container_port).ok()?,
        None => DEFAULT_ADMIN_PORT,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_saphyr::from_str(yaml).expect("a pod")
    }

    const INJECTED: &str = "
metadata:
  name: web-7d4b9c-x2x9z
  labels: {app: web, pod-template-hash: 7d4b9c, linkerd.io/control-plane-ns: linkerd, linkerd.io/proxy-deployment: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: u1, controller: true}]
spec:
  containers:
  - {name: app, image: go-web}
  - name: linkerd-proxy
    image: lab/mini-proxy
    ports: [{name: linkerd-proxy, containerPort: 4143}, {name: linkerd-admin, containerPort: 4191}]
status: {phase: Running, podIP: 10.244.1.4}
";

    #[test]
    fn an_injected_pod() {
        let pod = pod(INJECTED);
        assert!(runs_proxy(&pod) && counted_as_meshed(&pod) && is_live(&pod));
        assert_eq!(deployment_of(&pod).as_deref(), Some("web"));
        assert_eq!(admin_address(&pod), Some("10.244.1.4:4191".parse().expect("an address")));
    }

    /// An unmeshed pod of a Deployment is placed by its ReplicaSet; it has no proxy to scrape.
    #[test]
    fn a_plain_deployment_pod() {
        let pod = pod("
metadata:
  name: my-app-5f8d77-abcde
  labels: {pod-template-hash: 5f8d77}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: my-app-5f8d77, uid: u2, controller: true}]
spec: {containers: [{name: app, image: app}]}
status: {phase: Pending}
");
        assert_eq!(deployment_of(&pod).as_deref(), Some("my-app"));
        assert!(!runs_proxy(&pod) && !counted_as_meshed(&pod) && is_live(&pod));
        assert_eq!(admin_address(&pod), None);
    }

    /// A StatefulSet's pod, a bare pod and a finished pod belong to no Deployment or are not counted;
    /// a native-sidecar proxy without a named port is scraped on 4191.
    #[test]
    fn other_pods() {
        let stateful = pod("
metadata:
  name: postgres-0
  labels: {controller-revision-hash: postgres-6c9}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: postgres, uid: u3, controller: true}]
spec:
  initContainers: [{name: mini-proxy, image: lab/mini-proxy, restartPolicy: Always}]
  containers: [{name: postgres, image: postgres}]
status: {phase: Succeeded, podIP: 10.244.2.7}
");
        assert_eq!(deployment_of(&stateful), None);
        assert!(runs_proxy(&stateful) && !is_live(&stateful));
        assert_eq!(admin_address(&stateful), Some("10.244.2.7:4191".parse().expect("an address")));
        let mismatched = pod("
metadata:
  name: odd
  labels: {pod-template-hash: abc}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: other-xyz, uid: u4, controller: true}]
spec: {containers: [{name: app, image: app}]}
");
        assert_eq!(deployment_of(&mismatched), None, "a ReplicaSet not named after the hash is not a Deployment's");
    }
}
