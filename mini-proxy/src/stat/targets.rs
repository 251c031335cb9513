//! Which rows `stat` prints and which proxies it scrapes for each, chosen from the cluster's objects the
//! way Linkerd's viz chooses them:
//! - a row per Deployment, per Pod or per Namespace (Namespace objects, and every namespace a pod is in);
//! - a row's pods are its live ones (Pending or Running); MESHED counts those carrying
//!   `linkerd.io/control-plane-ns`, over all of them;
//! - the proxies scraped for a row are its meshed pods' admin addresses (port `linkerd-admin`);
//! - a pod belongs to the Deployment [`crate::meshed::deployment_of`] names, the same rule that gives
//!   the proxies' `dst_deployment` label, so `--to` and `--from` select on the names rows carry.
//!
//! Pure: the snapshot comes in, the rows go out.

use std::collections::BTreeMap;

use cluster_state::Snapshot;
use cluster_state::k8s_openapi::api::apps::v1::Deployment;
use cluster_state::k8s_openapi::api::core::v1::{Namespace, Pod};

use crate::meshed;

/// The kinds `stat` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// Deployments (`deploy`, `deployment`, `deployments`).
    Deployment,
    /// Pods (`po`, `pod`, `pods`).
    Pod,
    /// Namespaces (`ns`, `namespace`, `namespaces`).
    Namespace,
}

impl ResourceKind {
    /// The kind a word names, as kubectl and linkerd accept it.
    pub fn parse(word: &str) -> Option<ResourceKind> {
        match word.to_ascii_lowercase().as_str() {
            "deploy" | "deployment" | "deployments" => Some(ResourceKind::Deployment),
            "po" | "pod" | "pods" => Some(ResourceKind::Pod),
            "ns" | "namespace" | "namespaces" => Some(ResourceKind::Namespace),
            _ => None,
        }
    }

    /// The kind's singular name, as Linkerd's JSON prints it.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Deployment => "deployment",
            ResourceKind::Pod => "pod",
            ResourceKind::Namespace => "namespace",
        }
    }

    /// The label of outbound series naming a destination of this kind.
    fn destination_label(self) -> &'static str {
        match self {
            ResourceKind::Deployment => "dst_deployment",
            ResourceKind::Pod => "dst_pod",
            ResourceKind::Namespace => "dst_namespace",
        }
    }
}

/// A resource as the command line names it: `deploy`, `deploy/web`, or `deploy web`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    /// Its kind.
    pub kind: ResourceKind,
    /// One resource of the kind, or all of them.
    pub name: Option<String>,
}

impl ResourceRef {
    /// Reads `KIND`, `KIND/NAME`, or `KIND` followed by `NAME` as a second word.
    pub fn parse(words: &[String]) -> Result<ResourceRef, String> {
        let bad = |what: &str| format!("{what:?}: use deploy, pod or ns, optionally with /NAME or a NAME after it");
        let (kind, name) = match words {
            [word] => match word.split_once('/') {
                Some((kind, name)) if !name.is_empty() => (kind, Some(name.to_string())),
                Some(_) => return Err(bad(word)),
                None => (word.as_str(), None),
            },
            [kind, name] if !kind.contains('/') && !name.is_empty() => (kind.as_str(), Some(name.clone())),
            _ => return Err(bad(&words.join(" "))),
        };
        let kind = ResourceKind::parse(kind).ok_or_else(|| bad(kind))?;
        Ok(ResourceRef { kind, name })
    }

    /// The labels outbound series carry when they go to this resource in `namespace` (`--to`, and the
    /// rows of `--from`).
    pub fn destination_labels(&self, namespace: &str) -> Vec<(String, String)> {
        let namespace_label = ("dst_namespace".to_string(), namespace.to_string());
        match (&self.name, self.kind) {
            (Some(name), ResourceKind::Namespace) => vec![("dst_namespace".to_string(), name.clone())],
            (Some(name), kind) => vec![namespace_label, (kind.destination_label().to_string(), name.clone())],
            (None, _) => vec![namespace_label],
        }
    }
}

/// One row's resource: its pods, counted, and its proxies to scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Its namespace (for a namespace row, the namespace itself).
    pub namespace: String,
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
    /// Live pods carrying the mesh's label.
    pub meshed: usize,
    /// All live pods.
    pub total: usize,
    /// The admin addresses (`HOST:PORT`) of its meshed pods' proxies.
    pub proxies: Vec<String>,
}

impl Resource {
    /// This resource as a reference, for its destination labels.
    pub fn as_ref(&self) -> ResourceRef {
        ResourceRef { kind: self.kind, name: Some(self.name.clone()) }
    }
}

/// The resources of `wanted` in `namespace` (every namespace when `None`), sorted by namespace and name.
pub fn resources(snapshot: &Snapshot, wanted: &ResourceRef, namespace: Option<&str>) -> Vec<Resource> {
    let in_scope = |ns: &str| namespace.is_none_or(|n| n == ns);
    let mut rows: BTreeMap<(String, String), Resource> = BTreeMap::new();
    let add_row = |rows: &mut BTreeMap<_, _>, ns: &str, name: &str| {
        let key = (ns.to_string(), name.to_string());
        let resource = Resource {
            namespace: ns.to_string(),
            kind: wanted.kind,
            name: name.to_string(),
            meshed: 0,
            total: 0,
            proxies: Vec::new(),
        };
        rows.entry(key).or_insert(resource);
    };
    match wanted.kind {
        ResourceKind::Deployment => {
            for deployment in snapshot.objects::<Deployment>().iter() {
                let (ns, name) = namespace_and_name(&deployment.metadata);
                if in_scope(ns) {
                    add_row(&mut rows, ns, name);
                }
            }
        }
        ResourceKind::Namespace => {
            for object in snapshot.objects::<Namespace>().iter() {
                let (_, name) = namespace_and_name(&object.metadata);
                if in_scope(name) {
                    add_row(&mut rows, name, name);
                }
            }
        }
        ResourceKind::Pod => {}
    }
    for pod in snapshot.objects::<Pod>().iter().filter(|pod| meshed::is_live(pod)) {
        let (ns, pod_name) = namespace_and_name(&pod.metadata);
        let row = match wanted.kind {
            ResourceKind::Deployment => meshed::deployment_of(pod).map(|d| (ns.to_string(), d)),
            ResourceKind::Pod => Some((ns.to_string(), pod_name.to_string())),
            ResourceKind::Namespace => Some((ns.to_string(), ns.to_string())),
        };
        let Some(key) = row.filter(|(ns, _)| in_scope(ns)) else { continue };
        if wanted.kind != ResourceKind::Deployment {
            add_row(&mut rows, &key.0, &key.1);
        }
        // A pod of a Deployment that is not (or no longer) listed counts for no row.
        let Some(resource) = rows.get_mut(&key) else { continue };
        resource.total += 1;
        if meshed::counted_as_meshed(pod) {
            resource.meshed += 1;
            resource.proxies.extend(meshed::admin_address(pod).map(|addr| addr.to_string()));
        }
    }
    rows.into_values().filter(|r| wanted.name.as_ref().is_none_or(|name| *name == r.name)).collect()
}

/// The rows `--target NAME=HOST:PORT` flags name, by name, each with its proxies' admin addresses in the
/// order given: targets sharing a NAME are the pods of one row (`stat` and the dashboard both take them).
pub fn named(flags: &[String]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for flag in flags {
        match flag.split_once('=') {
            Some((name, addr)) if !name.is_empty() && !addr.is_empty() => {
                rows.entry(name.to_string()).or_default().push(addr.to_string())
            }
            _ => return Err(format!("--target {flag:?}: use NAME=HOST:PORT, the proxy's admin address")),
        }
    }
    Ok(rows.into_iter().collect())
}

/// The rows [`named`] gives, as resources of `kind` in `namespace`: every proxy named is a meshed pod.
pub fn named_resources(rows: &[(String, Vec<String>)], kind: ResourceKind, namespace: &str) -> Vec<Resource> {
    rows.iter()
        .map(|(name, proxies)| Resource {
            namespace: namespace.to_string(),
            kind,
            name: name.clone(),
            meshed: proxies.len(),
            total: proxies.len(),
            proxies: proxies.clone(),
        })
        .collect()
}

fn namespace_and_name(
    meta: &cluster_state::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> (&str, &str) {
    (meta.namespace.as_deref().unwrap_or("default"), meta.name.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use cluster_state::{ClusterState, Query, Scope, Source};
    use tokio_util::sync::CancellationToken;

    use super::*;

    /// The lab meshed: `app` with two injected pods and one not yet injected, `app2` unmeshed, a
    /// finished pod of `app`, postgres as a StatefulSet, and an empty `monitoring` namespace.
    const CLUSTER: &str = "
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: default}}
- {apiVersion: v1, kind: Namespace, metadata: {name: monitoring}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: app, namespace: default}, spec: {selector: {matchLabels: {app: web}}, template: {}}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: app2, namespace: default}, spec: {selector: {matchLabels: {app: web2}}, template: {}}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: app-6d8f9-aaaaa
    namespace: default
    labels: {app: web, pod-template-hash: 6d8f9, linkerd.io/control-plane-ns: linkerd, linkerd.io/proxy-deployment: app}
  spec:
    containers: [{name: app, image: go-web}, {name: linkerd-proxy, image: lab/mini-proxy, ports: [{name: linkerd-admin, containerPort: 4191}]}]
  status: {phase: Running, podIP: 10.244.1.4}
- apiVersion: v1
  kind: Pod
  metadata:
    name: app-6d8f9-bbbbb
    namespace: default
    labels: {app: web, pod-template-hash: 6d8f9, linkerd.io/control-plane-ns: linkerd, linkerd.io/proxy-deployment: app}
  spec:
    containers: [{name: app, image: go-web}, {name: linkerd-proxy, image: lab/mini-proxy, ports: [{name: linkerd-admin, containerPort: 4191}]}]
  status: {phase: Pending}
- apiVersion: v1
  kind: Pod
  metadata:
    name: app-5c7e1-ccccc
    namespace: default
    labels: {app: web, pod-template-hash: 5c7e1}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: app-5c7e1, uid: u1, controller: true}]
  spec: {containers: [{name: app, image: go-web}]}
  status: {phase: Running, podIP: 10.244.2.9}
- apiVersion: v1
  kind: Pod
  metadata:
    name: app-5c7e1-ddddd
    namespace: default
    labels: {app: web, pod-template-hash: 5c7e1}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: app-5c7e1, uid: u2, controller: true}]
  spec: {containers: [{name: app, image: go-web}]}
  status: {phase: Failed}
- apiVersion: v1
  kind: Pod
  metadata:
    name: app2-77aa1-eeeee
    namespace: default
    labels: {app: web2, pod-template-hash: 77aa1}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: app2-77aa1, uid: u3, controller: true}]
  spec: {containers: [{name: app, image: go-web}]}
  status: {phase: Running, podIP: 10.244.3.2}
- apiVersion: v1
  kind: Pod
  metadata: {name: postgres-0, namespace: default, labels: {app: postgres}}
  spec: {containers: [{name: postgres, image: postgres}]}
  status: {phase: Running, podIP: 10.244.1.8}
";

    /// The snapshot a file source reads from [`CLUSTER`].
    fn snapshot() -> Snapshot {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let mut file = tempfile::NamedTempFile::new().expect("temp file");
            file.write_all(CLUSTER.as_bytes()).expect("write");
            let query =
                Query::new().with::<Pod>(Scope::all()).with::<Deployment>(Scope::all()).with::<Namespace>(Scope::all());
            let shutdown = CancellationToken::new();
            let state = ClusterState::start("stat", Source::File(file.path().into()), query, shutdown.clone())
                .await
                .expect("start");
            let snapshot = state.wait_synced().await.expect("synced");
            shutdown.cancel();
            snapshot
        })
    }

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn reference(text: &str) -> ResourceRef {
        ResourceRef::parse(&words(text)).expect("a valid reference")
    }

    fn summary(resources: &[Resource]) -> Vec<String> {
        resources
            .iter()
            .map(|r| {
                let proxies: Vec<String> = r.proxies.iter().map(ToString::to_string).collect();
                format!("{}/{} {}/{} [{}]", r.namespace, r.name, r.meshed, r.total, proxies.join(","))
            })
            .collect()
    }

    /// Deployments: the listed ones only, each with its live pods; the unmeshed pod counts in the total,
    /// the Pending meshed one counts as meshed but has no address to scrape, the Failed one not at all.
    #[test]
    fn deployments() {
        let deployments = resources(&snapshot(), &reference("deployments"), Some("default"));
        assert_eq!(summary(&deployments), ["default/app 2/3 [10.244.1.4:4191]", "default/app2 0/1 []"]);
        let one = resources(&snapshot(), &reference("deploy/app2"), Some("default"));
        assert_eq!(summary(&one), ["default/app2 0/1 []"]);
        assert!(resources(&snapshot(), &reference("deploy"), Some("other")).is_empty());
    }

    /// Pods and namespaces: every live pod is a row; every namespace listed or holding pods is one.
    #[test]
    fn pods_and_namespaces() {
        let pods = resources(&snapshot(), &reference("po"), None);
        assert_eq!(
            summary(&pods),
            [
                "default/app-5c7e1-ccccc 0/1 []",
                "default/app-6d8f9-aaaaa 1/1 [10.244.1.4:4191]",
                "default/app-6d8f9-bbbbb 1/1 []",
                "default/app2-77aa1-eeeee 0/1 []",
                "default/postgres-0 0/1 []",
            ]
        );
        let namespaces = resources(&snapshot(), &reference("ns"), None);
        assert_eq!(summary(&namespaces), ["default/default 2/5 [10.244.1.4:4191]", "monitoring/monitoring 0/0 []"]);
    }

    /// `--target` flags: grouped by name, sorted, addresses in the order given; a flag without both
    /// halves is named.
    #[test]
    fn named_targets() {
        let flags = words("web=10.0.0.2:4191 db=10.0.0.9:4191 web=10.0.0.3:4191");
        let rows = named(&flags).expect("valid");
        assert_eq!(
            rows,
            [
                ("db".to_string(), vec!["10.0.0.9:4191".to_string()]),
                ("web".to_string(), vec!["10.0.0.2:4191".to_string(), "10.0.0.3:4191".to_string()]),
            ]
        );
        let resources = named_resources(&rows, ResourceKind::Deployment, "lab");
        assert_eq!(summary(&resources), ["lab/db 1/1 [10.0.0.9:4191]", "lab/web 2/2 [10.0.0.2:4191,10.0.0.3:4191]"]);
        for bad in ["web", "=10.0.0.2:4191", "web="] {
            let error = named(&words(bad)).expect_err(bad);
            assert_eq!(error, format!("--target {bad:?}: use NAME=HOST:PORT, the proxy's admin address"));
        }
    }

    /// What the command line may say, and the labels `--to` selects on.
    #[test]
    fn references() {
        let app = reference("deploy app");
        assert_eq!(app, ResourceRef { kind: ResourceKind::Deployment, name: Some("app".into()) });
        assert_eq!(reference("deployment/app"), app);
        let labels = |r: &ResourceRef| r.destination_labels("default");
        assert_eq!(labels(&app), [("dst_namespace".into(), "default".into()), ("dst_deployment".into(), "app".into())]);
        let pod = reference("po/postgres-0");
        assert_eq!(labels(&pod)[1], ("dst_pod".into(), "postgres-0".into()));
        let ns = reference("ns/lab");
        assert_eq!(labels(&ns), [("dst_namespace".into(), "lab".into())]);
        for bad in ["services", "deploy/", "deploy/a b", "a b c", ""] {
            let error = ResourceRef::parse(&words(bad)).expect_err(bad);
            assert!(error.contains("use deploy, pod or ns"), "{bad}: {error}");
        }
    }
}
