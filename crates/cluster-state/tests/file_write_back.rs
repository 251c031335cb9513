//! Writing back to the file source: status patches that touch one object only, and Events as log lines.
//!
//! The checks compare the file's bytes before and after, so "every other document is left intact" is
//! tested byte for byte, and the patched object is compared field by field with the original plus the
//! status.

mod file_lab;
mod log_capture;

use std::fs;
use std::time::Duration;

use cluster_state::k8s_openapi::api::core::v1::Service;
use cluster_state::{Error, Event, Query, Scope, Snapshot};
use file_lab::{Lab, fixture};
use log_capture::Logs;
use serde_json::{Value, json};

async fn start(fixture_name: &str) -> Lab {
    Lab::start(&fixture(fixture_name), Query::new().with::<Service>(Scope::all())).await
}

fn service(snapshot: &Snapshot, name: &str) -> Service {
    snapshot.objects::<Service>().get("default", name).cloned().unwrap_or_else(|| panic!("service {name}"))
}

fn ingress() -> Value {
    json!({ "loadBalancer": { "ingress": [{ "ip": "172.18.255.200", "ipMode": "VIP" }] } })
}

/// The text of each document: the file cut at its `---` lines.
fn documents(text: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            documents.push(String::new());
        }
        documents.last_mut().expect("at least one document").push_str(line);
    }
    documents
}

fn parse(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("valid YAML")
}

/// A status patch rewrites only its object's document: every other document keeps its bytes, and the
/// patched object keeps every field it had, plus the status.
#[tokio::test]
async fn status_patch_leaves_the_rest_of_a_stream_intact() {
    let lab = start("lab-stream.yaml").await;
    let before = fs::read_to_string(&lab.path).expect("read the file");
    let lb = service(&lab.state.snapshot(), "loadbalancer-service");
    lab.state.patch_status(&lb, ingress()).await.expect("the patch is written");

    let after = fs::read_to_string(&lab.path).expect("read the file");
    let (old, new) = (documents(&before), documents(&after));
    assert_eq!(old.len(), new.len());
    for at in [0, 1, 2, 4, 5] {
        assert_eq!(old[at], new[at], "document {at} changed");
    }
    let mut expected = parse(old[3].trim_start_matches("---\n"));
    expected["status"] = ingress();
    assert_eq!(parse(new[3].trim_start_matches("---\n")), expected);

    let patched = service(&lab.state.snapshot(), "loadbalancer-service");
    let ip = patched.status.and_then(|s| s.load_balancer).and_then(|lb| lb.ingress).map(|i| i[0].ip.clone());
    assert_eq!(ip, Some(Some("172.18.255.200".to_string())), "the snapshot has the status at once");
}

/// A status patch of a `v1 List` item keeps every other item and field of the List.
#[tokio::test]
async fn status_patch_leaves_the_rest_of_a_list_intact() {
    let lab = start("lab-list.yaml").await;
    let before = parse(&fs::read_to_string(&lab.path).expect("read the file"));
    let postgres = service(&lab.state.snapshot(), "postgres");
    lab.state.patch_status(&postgres, ingress()).await.expect("the patch is written");

    let after = parse(&fs::read_to_string(&lab.path).expect("read the file"));
    let mut expected = before;
    expected["items"][2]["status"] = ingress();
    assert_eq!(after, expected);
}

/// A merge patch merges: `null` removes a field, other status fields stay.
#[tokio::test]
async fn status_patch_merges() {
    let lab = start("lab-stream.yaml").await;
    let lb = service(&lab.state.snapshot(), "loadbalancer-service");
    lab.state.patch_status(&lb, ingress()).await.expect("first patch");
    lab.state.patch_status(&lb, json!({ "conditions": [{ "type": "Ready", "status": "True", "reason": "Assigned", "message": "", "lastTransitionTime": "2026-12-01T00:00:00Z" }] })).await.expect("second patch");
    lab.state.patch_status(&lb, json!({ "loadBalancer": null })).await.expect("third patch");
    let status = service(&lab.state.snapshot(), "loadbalancer-service").status.expect("a status");
    assert!(status.load_balancer.is_none());
    assert_eq!(status.conditions.expect("conditions")[0].reason, "Assigned");
}

/// The file source sees its own write as no change: one patch, one new snapshot.
#[tokio::test]
async fn own_write_is_not_read_twice() {
    let lab = start("lab-stream.yaml").await;
    let mut changes = lab.state.changes();
    let lb = service(&lab.state.snapshot(), "loadbalancer-service");
    lab.state.patch_status(&lb, ingress()).await.expect("the patch is written");
    let first = changes.next().await.expect("the patch is a change");
    let again = tokio::time::timeout(Duration::from_millis(500), changes.next()).await;
    assert!(again.is_err(), "a second change after the write: {again:?}");
    assert_eq!(lab.state.snapshot().generation(), first.generation());
}

/// Patching an object the file does not hold fails, naming the object and the file; the file is unchanged.
#[tokio::test]
async fn patch_of_an_absent_object_names_it() {
    let lab = start("lab-stream.yaml").await;
    let before = fs::read_to_string(&lab.path).expect("read the file");
    let mut ghost = service(&lab.state.snapshot(), "loadbalancer-service");
    ghost.metadata.namespace = Some("elsewhere".into());
    let error = lab.state.patch_status(&ghost, ingress()).await.expect_err("not in the file");
    assert!(matches!(error, Error::NotInFile { .. }), "{error}");
    let message = error.to_string();
    assert!(message.starts_with("v1 Service elsewhere/loadbalancer-service is not in cluster state file"), "{message}");
    assert!(message.contains(&lab.path.display().to_string()), "{message}");
    assert_eq!(fs::read_to_string(&lab.path).expect("read the file"), before);
}

/// In file mode an Event is one log line with the object, reason and note; warnings log at WARN.
#[tokio::test]
async fn events_are_logged() {
    let (logs, _guard) = Logs::capture();
    let lab = start("lab-stream.yaml").await;
    let lb = service(&lab.state.snapshot(), "loadbalancer-service");
    let event = Event::warning("AllocationFailed", "Allocate").note("no available IPs");
    lab.state.record_event(&lb, event).await.expect("logging never fails");
    let line = logs.wait_for("AllocationFailed").await;
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("object=v1 Service default/loadbalancer-service"), "{line}");
    assert!(line.contains("note=no available IPs"), "{line}");
}
