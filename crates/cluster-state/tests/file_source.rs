//! The file source read end to end: a real file in a temporary directory, real file-system events.
//!
//! Each test starts a `ClusterState` on a copy of a fixture (the lab's objects as `kubectl get -o yaml`
//! prints them), changes the file the ways people and tools do, and waits, bounded, for the snapshot or
//! the log line that change must produce.

mod file_lab;
mod log_capture;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cluster_state::k8s_openapi::api::core::v1::{ConfigMap, Node, Pod, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster_state::{Changes, ClusterState, Error, Kind, ObjectKey, Query, Scope, Snapshot, Source};
use file_lab::{Lab, fixture, state_file};
use log_capture::Logs;
use tokio_util::sync::CancellationToken;

/// The bound on every wait for a change.
const WAIT: Duration = Duration::from_secs(5);

fn lab_query() -> Query {
    Query::new()
        .with::<Service>(Scope::all())
        .with::<EndpointSlice>(Scope::all())
        .with::<Pod>(Scope::all())
        .with::<Node>(Scope::all())
        .with::<ConfigMap>(Scope::all())
}

/// Replace the file the way editors save: a new file renamed over the old one.
fn save_by_rename(path: &Path, text: &str) {
    let temporary = path.with_extension("swp");
    fs::write(&temporary, text).expect("write the new file");
    fs::rename(&temporary, path).expect("rename it over the old one");
}

async fn next_change(changes: &mut Changes) -> Snapshot {
    tokio::time::timeout(WAIT, changes.next()).await.expect("a change within the bound").expect("the state runs")
}

fn keys<K: Kind>(snapshot: &Snapshot) -> Vec<String> {
    snapshot.objects::<K>().iter().map(ObjectKey::of).map(|key| format!("{}/{}", key.namespace, key.name)).collect()
}

/// A `v1 List` of Services, an EndpointSlice and a Pod loads into a synced snapshot of typed objects.
#[tokio::test]
async fn loads_a_v1_list() {
    let lab = Lab::start(&fixture("lab-list.yaml"), lab_query()).await;
    let snapshot = lab.state.snapshot();
    assert!(snapshot.is_synced());
    assert_eq!(
        keys::<Service>(&snapshot),
        ["default/clusterip-service", "default/headless-service", "default/postgres"]
    );
    let services = snapshot.objects::<Service>();
    let headless = services.get("default", "headless-service").and_then(|s| s.spec.as_ref());
    assert_eq!(headless.and_then(|spec| spec.cluster_ip.as_deref()), Some("None"));
    let slice =
        snapshot.objects::<EndpointSlice>().get("default", "clusterip-service-8qkzx").cloned().expect("the slice");
    assert_eq!(slice.endpoints[0].addresses, ["10.244.1.4"]);
    let pod = snapshot.objects::<Pod>().get("default", "app-5586fc9d77-7frts").cloned().expect("the pod");
    assert_eq!(pod.status.and_then(|s| s.pod_ip).as_deref(), Some("10.244.1.4"));
    assert!(snapshot.objects::<Node>().is_empty(), "no Node in the list, yet Nodes are listed");
}

/// A multi-document stream loads every document's object, cluster-scoped ones included.
#[tokio::test]
async fn loads_a_multi_document_stream() {
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let snapshot = lab.state.snapshot();
    assert!(snapshot.is_synced());
    assert_eq!(keys::<Service>(&snapshot).len(), 3);
    assert_eq!(keys::<ConfigMap>(&snapshot), ["default/postgres-config"]);
    assert_eq!(keys::<Node>(&snapshot), ["/kind-worker"]);
    let lb = snapshot.objects::<Service>().get("default", "loadbalancer-service").cloned().expect("the LB service");
    let port = &lb.spec.expect("a spec").ports.expect("ports")[0];
    assert_eq!((port.name.as_deref(), port.node_port), (Some("service-port"), Some(31813)));
}

/// An editor-style save (rename over the file) is seen, and the next snapshot has the change.
#[tokio::test]
async fn change_by_rename_is_seen() {
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    let before = lab.state.snapshot().generation();
    save_by_rename(&lab.path, &fixture("lab-stream.yaml").replace("nodePort: 31813", "nodePort: 30080"));
    let snapshot = next_change(&mut changes).await;
    assert!(snapshot.generation() > before);
    let lb = snapshot.objects::<Service>().get("default", "loadbalancer-service").cloned().expect("the LB service");
    assert_eq!(lb.spec.and_then(|s| s.ports).expect("ports")[0].node_port, Some(30080));
}

/// An in-place rewrite (`kubectl get ... > file`) is seen too, here adding an object.
#[tokio::test]
async fn rewrite_in_place_is_seen() {
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    let added = "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: kind-worker2\n";
    fs::write(&lab.path, format!("{}{added}", fixture("lab-stream.yaml"))).expect("rewrite the file");
    let snapshot = next_change(&mut changes).await;
    assert_eq!(keys::<Node>(&snapshot), ["/kind-worker", "/kind-worker2"]);
}

/// An object removed from the file disappears from the next snapshot; the others stay.
#[tokio::test]
async fn removed_object_disappears() {
    let lab = Lab::start(&fixture("lab-list.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    let text = fixture("lab-list.yaml");
    let (head, tail) = text
        .split_once("- apiVersion: v1\n  kind: Service\n  metadata:\n    creationTimestamp: \"2026-11-30T09:20:03Z\"")
        .expect("the headless service");
    let tail = &tail[tail.find("- apiVersion").expect("the next item")..];
    save_by_rename(&lab.path, &format!("{head}{tail}"));
    let snapshot = next_change(&mut changes).await;
    assert_eq!(keys::<Service>(&snapshot), ["default/clusterip-service", "default/postgres"]);
    assert_eq!(snapshot.objects::<Pod>().len(), 1);
}

/// Broken YAML keeps the last good state and logs one warn line naming the file, the document and why.
#[tokio::test]
async fn bad_yaml_keeps_the_last_good_state() {
    let (logs, _guard) = Logs::capture();
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    let good = lab.state.snapshot();
    let broken = fixture("lab-stream.yaml").replace("name: headless-service", "name: [headless-service");
    save_by_rename(&lab.path, &broken);
    let line = logs.wait_for("is not valid").await;
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains(&lab.path.display().to_string()), "{line}");
    assert!(line.contains("document 2 (line 24)"), "{line}");
    assert!(line.contains("illegal placement of ':' indicator at line 29"), "{line}");
    assert_eq!(lab.state.snapshot().generation(), good.generation());
    assert_eq!(keys::<Service>(&lab.state.snapshot()), keys::<Service>(&good));

    // The watch still works after a bad file, and the bad file was reported once.
    save_by_rename(&lab.path, &fixture("lab-stream.yaml").replace("nodePort: 31813", "nodePort: 30080"));
    let snapshot = next_change(&mut changes).await;
    assert_eq!(snapshot.generation(), good.generation() + 1);
    assert_eq!(logs.matching("is not valid").len(), 1, "{:?}", logs.lines());
}

/// A document whose fields do not fit its kind keeps the last good state; the line names the object.
#[tokio::test]
async fn undecodable_document_keeps_the_last_good_state() {
    let (logs, _guard) = Logs::capture();
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let good = lab.state.snapshot();
    save_by_rename(&lab.path, &fixture("lab-stream.yaml").replace("nodePort: 31813", "nodePort: high"));
    let line = logs.wait_for("is not valid").await;
    assert!(line.contains("document 3 (line 42) (v1 Service default/loadbalancer-service)"), "{line}");
    assert!(line.contains("invalid type"), "{line}");
    assert_eq!(lab.state.snapshot().generation(), good.generation());
}

/// A deleted file keeps the last good state, and the file is read again when it comes back.
#[tokio::test]
async fn deleted_file_keeps_state_until_it_is_back() {
    let (logs, _guard) = Logs::capture();
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    let good = lab.state.snapshot();
    fs::remove_file(&lab.path).expect("delete the file");
    logs.wait_for("was deleted").await;
    assert_eq!(lab.state.snapshot().generation(), good.generation());
    assert_eq!(keys::<Service>(&lab.state.snapshot()).len(), 3);

    fs::write(&lab.path, fixture("lab-list.yaml")).expect("recreate the file");
    let snapshot = next_change(&mut changes).await;
    assert_eq!(
        keys::<Service>(&snapshot),
        ["default/clusterip-service", "default/headless-service", "default/postgres"]
    );
    assert_eq!(logs.matching("was deleted").len(), 1);
}

/// Namespace and label scopes filter the file's objects as the API would.
#[tokio::test]
async fn scopes_filter_the_file() {
    let query = Query::new()
        .with::<Service>(Scope::namespace("default").labels("app=app"))
        .with::<ConfigMap>(Scope::namespace("metallb-system"))
        .with::<Node>(Scope::all().labels("kubernetes.io/hostname notin (kind-worker)"));
    let lab = Lab::start(&fixture("lab-stream.yaml"), query).await;
    let snapshot = lab.state.snapshot();
    assert_eq!(keys::<Service>(&snapshot), ["default/clusterip-service", "default/loadbalancer-service"]);
    assert!(snapshot.objects::<ConfigMap>().is_empty());
    assert!(snapshot.objects::<Node>().is_empty());
}

/// At start, a missing file or an invalid one is an error that names the file (and the document).
#[tokio::test]
async fn start_fails_on_a_missing_or_invalid_file() {
    let start = |path: PathBuf| ClusterState::start("test", Source::File(path), lab_query(), CancellationToken::new());
    let (_directory, path) = state_file("");
    fs::remove_file(&path).expect("remove the file");
    let missing = start(path.clone()).await.expect_err("no file");
    assert!(matches!(missing, Error::ReadFile { .. }), "{missing}");
    assert!(missing.to_string().contains(&path.display().to_string()), "{missing}");

    fs::write(&path, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: 80\n").expect("write");
    let invalid = start(path.clone()).await.expect_err("ports is not a list");
    let message = invalid.to_string();
    assert!(message.contains("document 1 (line 1) (v1 Service default/web)"), "{message}");
}

/// A bad selector fails at start with the selector and the reason.
#[tokio::test]
async fn bad_selector_fails_at_start() {
    let query = Query::new().with::<Service>(Scope::all().labels("app in web"));
    let (_directory, path) = state_file(&fixture("lab-stream.yaml"));
    let error = ClusterState::start("test", Source::File(path), query, CancellationToken::new())
        .await
        .expect_err("bad selector");
    assert!(error.to_string().contains("label selector \"app in web\" for v1 Service is invalid"), "{error}");
}

/// Cancelling the shutdown token ends subscriptions and `wait_synced`.
#[tokio::test]
async fn shutdown_ends_subscriptions() {
    let lab = Lab::start(&fixture("lab-stream.yaml"), lab_query()).await;
    let mut changes = lab.state.changes();
    lab.shutdown.cancel();
    let next = tokio::time::timeout(WAIT, changes.next()).await.expect("next returns at shutdown");
    assert!(next.is_none());
    assert!(matches!(lab.state.wait_synced().await, Err(Error::Stopped)));
}
