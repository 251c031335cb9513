//! The controller and a speaker against kube's mocked API server: each list, watch, status patch and
//! Event asserted by method, URI and body, and answered as the API server would.

use std::time::Duration;

use clap::Parser;
use cluster_state::Source;
use cluster_state::testing::{self, ApiRequest, ApiServer, HeldRequest, mock_client};
use http::{Method, StatusCode};
use mini_lb::settings::{Cli, Settings};
use mini_lb::{controller, speaker};
use serde_json::{Value, json};
use server_runtime::{Drained, Lifecycle};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const SERVICES: &str = "/api/v1/services?&limit=500";
const NAMESPACES: &str = "/api/v1/namespaces?&limit=500";
const CONFIGMAPS: &str = "/api/v1/namespaces/metallb-system/configmaps?&limit=500";
const POOLS: &str = "/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools?&limit=500";
const ADVERTISEMENTS: &str = "/apis/metallb.io/v1beta1/namespaces/metallb-system/l2advertisements?&limit=500";
const SLICES: &str = "/apis/discovery.k8s.io/v1/endpointslices?&limit=500";
const NODES: &str = "/api/v1/nodes?&limit=500";

fn lab_service(status_ip: Option<&str>) -> Value {
    let mut service = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "loadbalancer-service", "namespace": "default", "resourceVersion": "7", "labels": {"app": "app"}},
        "spec": {"type": "LoadBalancer", "selector": {"app": "app"}, "clusterIP": "10.99.24.220", "clusterIPs": ["10.99.24.220"],
                 "ports": [{"name": "service-port", "protocol": "TCP", "port": 80, "targetPort": 8080}]},
        "status": {"loadBalancer": {}}
    });
    if let Some(ip) = status_ip {
        service["status"] = json!({"loadBalancer": {"ingress": [{"ip": ip}]}});
    }
    service
}

fn lab_configmap() -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "config", "namespace": "metallb-system", "resourceVersion": "3"},
        "data": {"config": "address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - 172.18.255.200-172.18.255.250"}
    })
}

/// Answers each initial list (in whatever order the watchers send them) from `lists`; a watch that a
/// watcher already listed starts meanwhile is held open and returned.
async fn answer_lists(api: &mut ApiServer, lists: &[(&str, Value)]) -> Background {
    let mut background = Background::default();
    let mut answered = 0;
    while answered < lists.len() {
        let request = api.next_request().await;
        let uri = request.uri().to_string();
        let Some(request) = background.set_aside(request) else { continue };
        let (_, body) = lists.iter().find(|(u, _)| *u == uri).unwrap_or_else(|| panic!("unexpected request {uri}"));
        request.respond(body.clone());
        answered += 1;
    }
    background
}

/// A write to one of the report kinds, as received.
#[derive(Debug)]
struct ReportWrite {
    method: Method,
    uri: String,
    content_type: Option<String>,
    body: Value,
}

/// The requests a test does not script: watches (held open) and report writes (answered with the
/// applied object, as the API server does, and kept for asserts).
#[derive(Default)]
struct Background {
    held: Vec<HeldRequest>,
    reports: Vec<ReportWrite>,
}

impl Background {
    /// Handles a watch or a report write; gives any other request back.
    fn set_aside(&mut self, request: ApiRequest) -> Option<ApiRequest> {
        let uri = request.uri().to_string();
        if uri.contains("watch=true") {
            self.held.push(request.hold());
            return None;
        }
        if !(uri.contains("/configurationstates/") || uri.contains("/servicel2statuses/")) {
            return Some(request);
        }
        let write = ReportWrite {
            method: request.method().clone(),
            uri,
            content_type: request.content_type().map(String::from),
            body: request.body().clone(),
        };
        request.respond(write.body.clone());
        self.reports.push(write);
        None
    }

    /// The next request that is neither a watch nor a report write.
    async fn next_write(&mut self, api: &mut ApiServer) -> ApiRequest {
        loop {
            if let Some(request) = self.set_aside(api.next_request().await) {
                return request;
            }
        }
    }

    /// Waits until `count` report writes have arrived.
    async fn reports(&mut self, api: &mut ApiServer, count: usize) -> &[ReportWrite] {
        while self.reports.len() < count {
            if let Some(request) = self.set_aside(api.next_request().await) {
                panic!("unexpected request {}", request.uri());
            }
        }
        &self.reports
    }
}

/// Asserts that `write` server-side applies `path` (object or status) as mini-lb's `manager`.
fn assert_applied(write: &ReportWrite, path: &str, manager: &str) {
    assert_eq!(write.method, Method::PATCH);
    assert_eq!(write.uri, format!("{path}?&force=true&fieldManager={manager}"));
    assert_eq!(write.content_type.as_deref(), Some("application/apply-patch+yaml"));
}

async fn admin() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.expect("bind admin")
}

/// A controller on the mocked API server, its initial lists answered with the lab Service and `configmap`.
async fn controller_with(
    configmap: Value,
) -> (JoinHandle<Result<Drained, controller::ControllerError>>, ApiServer, Lifecycle, Background) {
    let cli = Cli::try_parse_from(["mini-lb", "controller", "--admin-addr", "127.0.0.1:0"]).expect("flags");
    let Settings::Controller(settings) = Settings::from_cli(cli).expect("settings") else { panic!("controller") };
    let lifecycle = Lifecycle::new(settings.common.runtime.drain);
    let (client, mut api) = mock_client();
    let running = tokio::spawn(controller::run(*settings, Source::Api(client), admin().await, lifecycle.clone()));
    let held = answer_lists(
        &mut api,
        &[
            (SERVICES, testing::list("v1", "ServiceList", "10", vec![lab_service(None)])),
            (NAMESPACES, testing::list("v1", "NamespaceList", "10", vec![])),
            (CONFIGMAPS, testing::list("v1", "ConfigMapList", "10", vec![configmap])),
            (POOLS, testing::list("metallb.io/v1beta1", "IPAddressPoolList", "10", vec![])),
            (ADVERTISEMENTS, testing::list("metallb.io/v1beta1", "L2AdvertisementList", "10", vec![])),
        ],
    )
    .await;
    (running, api, lifecycle, held)
}

/// Stops a program and checks it drained cleanly.
async fn stop<E: std::fmt::Debug>(running: JoinHandle<Result<Drained, E>>, lifecycle: &Lifecycle) {
    lifecycle.request_shutdown();
    let drained =
        tokio::time::timeout(Duration::from_secs(10), running).await.expect("the program stops").expect("task");
    assert_eq!(drained.expect("no run error"), Drained::Clean);
}

/// The controller lists its kinds, patches the lab Service's status subresource with the first address
/// of the lab's legacy pool, and records MetalLB's IPAllocated Event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_allocates_through_the_status_subresource() {
    let (running, mut api, lifecycle, mut background) = controller_with(lab_configmap()).await;
    let patch = background.next_write(&mut api).await.expect(
        Method::PATCH,
        "/api/v1/namespaces/default/services/loadbalancer-service/status?&fieldManager=mini-lb-controller",
    );
    assert_eq!(patch.content_type(), Some("application/merge-patch+json"));
    assert_eq!(patch.body(), &json!({"status": {"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}}}));
    patch.respond(lab_service(Some("172.18.255.200")));
    let event =
        background.next_write(&mut api).await.expect(Method::POST, "/apis/events.k8s.io/v1/namespaces/default/events?");
    let body = event.body().clone();
    assert_eq!((&body["reason"], &body["type"]), (&json!("IPAllocated"), &json!("Normal")));
    assert_eq!(body["note"], json!("Assigned IP [\"172.18.255.200\"]"));
    assert_eq!(body["regarding"]["name"], json!("loadbalancer-service"));
    event.respond_with(StatusCode::CREATED, &body);
    let path = "/apis/metallb.io/v1beta1/namespaces/metallb-system/configurationstates/controller";
    let reports = background.reports(&mut api, 2).await;
    assert_applied(&reports[0], path, "mini-lb-controller");
    assert_eq!(reports[0].body["metadata"]["labels"]["metallb.io/component-type"], json!("controller"));
    assert_applied(&reports[1], &format!("{path}/status"), "mini-lb-controller");
    assert_eq!(reports[1].body["status"]["result"], json!("Valid"));
    stop(running, &lifecycle).await;
    drop(background);
}

/// A refused configuration (overlapping pools) writes no status and records one InvalidConfig Event on
/// the ConfigMap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_reports_an_invalid_configuration() {
    let mut overlapping = lab_configmap();
    overlapping["data"]["config"] = json!(
        "address-pools:\n- name: a\n  protocol: layer2\n  addresses: [10.0.0.0/24]\n- name: b\n  protocol: layer2\n  addresses: [10.0.0.128/25]\n"
    );
    let (running, mut api, lifecycle, mut background) = controller_with(overlapping).await;
    let event = background
        .next_write(&mut api)
        .await
        .expect(Method::POST, "/apis/events.k8s.io/v1/namespaces/metallb-system/events?");
    let body = event.body().clone();
    assert_eq!((&body["reason"], &body["type"]), (&json!("InvalidConfig"), &json!("Warning")));
    assert!(body["note"].as_str().unwrap_or_default().contains("overlaps with already defined CIDR"), "{body}");
    assert_eq!(body["regarding"]["kind"], json!("ConfigMap"));
    event.respond_with(StatusCode::CREATED, &body);
    stop(running, &lifecycle).await;
    drop(background);
}

/// A speaker without gossip lists Services, EndpointSlices, Nodes and the configuration, wins the
/// election as the only Ready node, and records MetalLB's nodeAssigned Event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speaker_announces_and_records_node_assigned() {
    let cli = Cli::try_parse_from([
        "mini-lb",
        "speaker",
        "--node-name",
        "kind-worker",
        "--admin-addr",
        "127.0.0.1:0",
        "--exclude-interfaces",
        ".*",
    ])
    .expect("flags");
    let Settings::Speaker(settings) = Settings::from_cli(cli).expect("settings") else { panic!("speaker") };
    let lifecycle = Lifecycle::new(settings.common.runtime.drain);
    let (client, mut api) = mock_client();
    let running = tokio::spawn(speaker::run(*settings, Source::Api(client), admin().await, None, lifecycle.clone()));
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "kind-worker", "resourceVersion": "2"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let slice = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
        "metadata": {"name": "lb-x", "namespace": "default", "resourceVersion": "4", "labels": {"kubernetes.io/service-name": "loadbalancer-service"}},
        "endpoints": [{"addresses": ["10.244.1.6"], "conditions": {"ready": true}, "nodeName": "kind-worker"}]});
    let mut background = answer_lists(
        &mut api,
        &[
            (SERVICES, testing::list("v1", "ServiceList", "10", vec![lab_service(Some("172.18.255.200"))])),
            (SLICES, testing::list("discovery.k8s.io/v1", "EndpointSliceList", "10", vec![slice])),
            (NODES, testing::list("v1", "NodeList", "10", vec![node])),
            (CONFIGMAPS, testing::list("v1", "ConfigMapList", "10", vec![lab_configmap()])),
            (POOLS, testing::list("metallb.io/v1beta1", "IPAddressPoolList", "10", vec![])),
            (ADVERTISEMENTS, testing::list("metallb.io/v1beta1", "L2AdvertisementList", "10", vec![])),
        ],
    )
    .await;
    let event =
        background.next_write(&mut api).await.expect(Method::POST, "/apis/events.k8s.io/v1/namespaces/default/events?");
    let body = event.body().clone();
    assert_eq!(body["reason"], json!("nodeAssigned"));
    assert_eq!(body["note"], json!("announcing from node \"kind-worker\" with protocol \"layer2\""));
    assert_eq!(body["reportingController"], json!("mini-lb-speaker"));
    event.respond_with(StatusCode::CREATED, &body);
    let reports = background.reports(&mut api, 4).await;
    let state = "/apis/metallb.io/v1beta1/namespaces/metallb-system/configurationstates/speaker-kind-worker";
    assert_applied(&reports[0], state, "mini-lb-speaker");
    assert_applied(&reports[1], &format!("{state}/status"), "mini-lb-speaker");
    let l2 = "/apis/metallb.io/v1beta1/namespaces/metallb-system/servicel2statuses/l2-default-loadbalancer-service-kind-worker";
    assert_applied(&reports[2], l2, "mini-lb-speaker");
    assert_applied(&reports[3], &format!("{l2}/status"), "mini-lb-speaker");
    let status = &reports[3].body["status"];
    assert_eq!((&status["node"], &status["serviceName"]), (&json!("kind-worker"), &json!("loadbalancer-service")));
    assert_eq!(reports[2].body["metadata"]["labels"]["metallb.io/node"], json!("kind-worker"));
    stop(running, &lifecycle).await;
    drop(background);
}
