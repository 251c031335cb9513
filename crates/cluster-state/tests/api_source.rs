//! The API source against kube's mocked API server: every request's method and URI asserted, every
//! answer shaped like the API server's.
//!
//! The URIs are the ones kube 5 sends (seen by running it): a list `?&limit=500`, a watch
//! `?&watch=true&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion=N`, a status patch
//! `.../status?&fieldManager=COMPONENT`, an Event `POST /apis/events.k8s.io/v1/namespaces/NS/events?`.

mod log_capture;

use cluster_state::k8s_openapi::api::core::v1::{Node, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster_state::testing::{self, ApiServer, HeldRequest, REQUEST_WAIT, mock_client};
use cluster_state::{ClusterState, Error, Event, Kind, ObjectKey, Query, Scope, Snapshot, Source};
use http::{Method, StatusCode};
use log_capture::Logs;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const SERVICES: &str = "/api/v1/services?&limit=500";

fn services_watch(resource_version: &str) -> String {
    format!(
        "/api/v1/services?&watch=true&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion={resource_version}"
    )
}

fn service(name: &str, resource_version: &str, cluster_ip: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": name, "namespace": "default", "resourceVersion": resource_version },
        "spec": { "clusterIP": cluster_ip, "ports": [{ "port": 80, "protocol": "TCP" }] },
    })
}

async fn start(query: Query) -> (ClusterState, ApiServer, CancellationToken) {
    let (client, server) = mock_client();
    let shutdown = CancellationToken::new();
    let state = ClusterState::start("mini-lb-controller", Source::Api(client), query, shutdown.clone())
        .await
        .expect("the API source starts");
    (state, server, shutdown)
}

fn services() -> Query {
    Query::new().with::<Service>(Scope::all())
}

/// Answer the Services list with `items` at `resource_version`.
async fn answer_list(server: &mut ApiServer, resource_version: &str, items: Vec<Value>) {
    let request = server.next_request().await.expect(Method::GET, SERVICES);
    request.respond(testing::list("v1", "ServiceList", resource_version, items));
}

/// The first snapshot for which `done` holds, waiting at most [`REQUEST_WAIT`].
async fn until(state: &ClusterState, done: impl Fn(&Snapshot) -> bool) -> Snapshot {
    let mut changes = state.changes();
    let mut snapshot = state.snapshot();
    let reached = tokio::time::timeout(REQUEST_WAIT, async {
        while !done(&snapshot) {
            snapshot = changes.next().await.expect("the state runs");
        }
        snapshot
    });
    reached.await.expect("the expected state within the bound")
}

fn keys<K: Kind>(snapshot: &Snapshot) -> Vec<String> {
    snapshot.objects::<K>().iter().map(ObjectKey::of).map(|key| format!("{}/{}", key.namespace, key.name)).collect()
}

fn cluster_ip(snapshot: &Snapshot, name: &str) -> Option<String> {
    snapshot.objects::<Service>().get("default", name)?.spec.as_ref()?.cluster_ip.clone()
}

/// The initial list makes the snapshot synced with exactly the listed objects; then the watch starts there.
#[tokio::test]
async fn initial_list_syncs_the_snapshot() {
    let (state, mut server, shutdown) = start(services()).await;
    assert!(!state.snapshot().is_synced(), "not synced before the list");
    answer_list(&mut server, "100", vec![service("web", "90", "10.96.0.10"), service("db", "95", "None")]).await;
    let snapshot = tokio::time::timeout(REQUEST_WAIT, state.wait_synced()).await.expect("synced").expect("running");
    assert_eq!(keys::<Service>(&snapshot), ["default/db", "default/web"]);
    let _watch = server.next_request().await.expect(Method::GET, &services_watch("100")).hold();
    shutdown.cancel();
}

/// ADDED, MODIFIED and DELETED watch events change the snapshot; the next watch resumes after them.
#[tokio::test]
async fn watch_events_are_reflected() {
    let (state, mut server, shutdown) = start(services()).await;
    answer_list(&mut server, "100", vec![service("web", "90", "10.96.0.10"), service("db", "95", "10.96.0.11")]).await;
    server.next_request().await.expect(Method::GET, &services_watch("100")).respond_watch([
        testing::added(service("cache", "101", "10.96.0.12")),
        testing::modified(service("web", "102", "10.96.0.20")),
        testing::deleted(service("db", "103", "10.96.0.11")),
    ]);
    let snapshot = until(&state, |s| keys::<Service>(s) == ["default/cache", "default/web"]).await;
    assert_eq!(cluster_ip(&snapshot, "web").as_deref(), Some("10.96.0.20"));
    let _watch = server.next_request().await.expect(Method::GET, &services_watch("103")).hold();
    shutdown.cancel();
}

/// A `410 Gone` on the watch relists, and objects missing from the new list are gone.
#[tokio::test]
async fn gone_relists() {
    let (logs, _guard) = Logs::capture();
    let (state, mut server, shutdown) = start(services()).await;
    answer_list(&mut server, "100", vec![service("web", "90", "10.96.0.10"), service("db", "95", "10.96.0.11")]).await;
    until(&state, Snapshot::is_synced).await;
    server.next_request().await.expect(Method::GET, &services_watch("100")).respond_watch([testing::gone()]);
    answer_list(&mut server, "200", vec![service("web", "150", "10.96.0.30")]).await;
    let snapshot = until(&state, |s| keys::<Service>(s) == ["default/web"]).await;
    assert_eq!(cluster_ip(&snapshot, "web").as_deref(), Some("10.96.0.30"));
    assert!(snapshot.is_synced());
    let _watch = server.next_request().await.expect(Method::GET, &services_watch("200")).hold();
    let line = logs.wait_for("watching failed").await;
    assert!(line.contains("WARN") && line.contains("too old resource version"), "{line}");
    shutdown.cancel();
}

/// A failed list is logged and retried after a backoff, not fatal.
#[tokio::test]
async fn failed_list_is_retried() {
    let (logs, _guard) = Logs::capture();
    let (state, mut server, shutdown) = start(services()).await;
    let failure = json!({ "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "etcd is away", "reason": "InternalError", "code": 500 });
    server.next_request().await.expect(Method::GET, SERVICES).respond_with(StatusCode::INTERNAL_SERVER_ERROR, &failure);
    answer_list(&mut server, "100", vec![service("web", "90", "10.96.0.10")]).await;
    let snapshot = until(&state, Snapshot::is_synced).await;
    assert_eq!(keys::<Service>(&snapshot), ["default/web"]);
    assert!(logs.wait_for("watching failed").await.contains("etcd is away"));
    let _watch = server.next_request().await.hold();
    shutdown.cancel();
}

/// A namespaced scope and a label selector reach the list and watch URIs.
#[tokio::test]
async fn namespace_and_selector_reach_the_uri() {
    let query = Query::new().with::<Service>(Scope::namespace("web").labels("app=web,tier in (a,b),!legacy"));
    let (_state, mut server, shutdown) = start(query).await;
    let selector = "labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29%2C%21legacy";
    let list = server
        .next_request()
        .await
        .expect(Method::GET, &format!("/api/v1/namespaces/web/services?&{selector}&limit=500"));
    list.respond(testing::list("v1", "ServiceList", "7", vec![]));
    let watch = format!(
        "/api/v1/namespaces/web/services?&watch=true&timeoutSeconds=290&{selector}&allowWatchBookmarks=true&resourceVersion=7"
    );
    let _watch = server.next_request().await.expect(Method::GET, &watch).hold();
    shutdown.cancel();
}

/// With several kinds the snapshot is synced only once every kind is listed; cluster-scoped kinds use cluster URLs.
#[tokio::test]
async fn synced_waits_for_every_kind() {
    let query = services().with::<EndpointSlice>(Scope::all()).with::<Node>(Scope::all());
    let (state, mut server, shutdown) = start(query).await;
    let mut held: Vec<HeldRequest> = Vec::new();
    let mut slices = None;
    for _ in 0..3 {
        let request = server.next_request().await;
        match request.uri() {
            "/api/v1/services?&limit=500" => request.respond(testing::list("v1", "ServiceList", "1", vec![])),
            "/api/v1/nodes?&limit=500" => request.respond(testing::list("v1", "NodeList", "1", vec![])),
            "/apis/discovery.k8s.io/v1/endpointslices?&limit=500" => slices = Some(request),
            other => panic!("unexpected request {other}"),
        }
    }
    for _ in 0..2 {
        held.push(server.next_request().await.hold());
    }
    assert!(!state.snapshot().is_synced(), "EndpointSlices are not listed yet");
    slices.expect("the EndpointSlice list").respond(testing::list(
        "discovery.k8s.io/v1",
        "EndpointSliceList",
        "1",
        vec![],
    ));
    until(&state, Snapshot::is_synced).await;
    held.push(server.next_request().await.hold());
    shutdown.cancel();
}

/// A status patch is a merge patch of `{"status": ...}` to the status subresource, signed by the component.
#[tokio::test]
async fn status_patch_goes_to_the_status_subresource() {
    let (state, mut server, shutdown) = start(services()).await;
    answer_list(&mut server, "100", vec![service("web", "90", "10.96.0.10")]).await;
    let _watch = server.next_request().await.hold();
    let web =
        until(&state, Snapshot::is_synced).await.objects::<Service>().get("default", "web").cloned().expect("web");
    let status = json!({ "loadBalancer": { "ingress": [{ "ip": "172.18.255.200" }] } });
    let patch = tokio::spawn({
        let (state, status) = (state.clone(), status.clone());
        async move { state.patch_status(&web, status).await }
    });
    let request = server
        .next_request()
        .await
        .expect(Method::PATCH, "/api/v1/namespaces/default/services/web/status?&fieldManager=mini-lb-controller");
    assert_eq!(request.content_type(), Some("application/merge-patch+json"));
    assert_eq!(request.body(), &json!({ "status": status }));
    let mut patched = service("web", "91", "10.96.0.10");
    patched["status"] = status;
    request.respond(patched);
    patch.await.expect("the patch task ran").expect("the patch succeeded");
    shutdown.cancel();
}

/// A refused status patch is an error naming the object.
#[tokio::test]
async fn refused_status_patch_names_the_object() {
    let (state, mut server, _shutdown) = start(Query::new()).await;
    let web: Service = serde_json::from_value(service("web", "90", "10.96.0.10")).expect("a Service");
    let patch = tokio::spawn(async move { state.patch_status(&web, json!({})).await });
    let forbidden = json!({ "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "services \"web\" is forbidden", "reason": "Forbidden", "code": 403 });
    server.next_request().await.respond_with(StatusCode::FORBIDDEN, &forbidden);
    let error = patch.await.expect("the patch task ran").expect_err("forbidden");
    assert!(matches!(error, Error::PatchStatus { .. }), "{error}");
    assert!(error.to_string().starts_with("patching the status of v1 Service default/web failed"), "{error}");
}

/// An Event is created in the object's namespace through events.k8s.io/v1, about the object, by the component.
#[tokio::test]
async fn event_is_created_through_the_events_api() {
    let (state, mut server, _shutdown) = start(Query::new()).await;
    let web: Service = serde_json::from_value(service("web", "90", "10.96.0.10")).expect("a Service");
    let event = Event::normal("IPAllocated", "Allocate").note("Assigned IP [\"172.18.255.200\"]");
    let record = tokio::spawn(async move { state.record_event(&web, event).await });
    let request = server.next_request().await.expect(Method::POST, "/apis/events.k8s.io/v1/namespaces/default/events?");
    let body = request.body().clone();
    assert_eq!(
        (&body["reason"], &body["action"], &body["type"], &body["note"]),
        (&json!("IPAllocated"), &json!("Allocate"), &json!("Normal"), &json!("Assigned IP [\"172.18.255.200\"]"))
    );
    assert_eq!(
        body["regarding"],
        json!({ "apiVersion": "v1", "kind": "Service", "name": "web", "namespace": "default" })
    );
    assert_eq!(body["reportingController"], "mini-lb-controller");
    request.respond_with(StatusCode::CREATED, &body);
    record.await.expect("the event task ran").expect("the event was created");
}
