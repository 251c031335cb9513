//! Resolution over a small cluster: a meshed and an unmeshed pod behind one Service.

use serde_json::json;

use super::*;

fn pod(name: &str, ip: &str, sa: &str, containers: &[&str], annotations: serde_json::Value) -> Pod {
    let containers: Vec<_> = containers.iter().map(|c| json!({"name": c, "image": "x"})).collect();
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        "spec": {"serviceAccountName": sa, "containers": containers},
        "status": {"podIP": ip, "podIPs": [{"ip": ip}]}
    }))
    .expect("pod")
}

fn cluster() -> Directory {
    let pods = [
        pod("web-1", "10.244.0.5", "web", &["app", "linkerd-proxy"], json!({})),
        pod("web-2", "10.244.0.6", "web", &["app"], json!({})),
        pod("db-0", "10.244.0.9", "", &["postgres", "mini-proxy"], json!({OPAQUE_PORTS_ANNOTATION: "5432, 7000-7002"})),
    ];
    let service: Service = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": "default", "annotations": {OPAQUE_PORTS_ANNOTATION: "9000"}},
        "spec": {"clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"], "ports": [
            {"name": "http", "port": 80, "targetPort": 8080},
            {"name": "raw", "port": 9000, "targetPort": 9000}
        ]}
    }))
    .expect("service");
    let slice: EndpointSlice = serde_json::from_value(json!({
        "metadata": {"name": "web-abc", "namespace": "default", "labels": {SERVICE_NAME_LABEL: "web"}},
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 8080}, {"name": "raw", "port": 9000}],
        "endpoints": [
            {"addresses": ["10.244.0.5"], "conditions": {"ready": true}},
            {"addresses": ["10.244.0.6"]},
            {"addresses": ["10.244.0.7"], "conditions": {"ready": false}}
        ]
    }))
    .expect("slice");
    Directory::build(&pods, [&service], [&slice], "cluster.local")
}

fn addr(text: &str) -> SocketAddr {
    text.parse().expect("address")
}

/// A ClusterIP resolves to the ready endpoints on the target port, meshed ones with their identity.
#[test]
fn service_endpoints() {
    let destination = cluster().resolve(addr("10.96.0.20:80"));
    let web = Identity::parse("web.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
    assert_eq!(
        destination.endpoints,
        vec![
            Upstream { addr: addr("10.244.0.5:8080"), identity: Some(web) },
            Upstream { addr: addr("10.244.0.6:8080"), identity: None },
        ]
    );
    assert_eq!(destination.labels, vec![("dst_namespace", "default".to_string()), ("dst_service", "web".to_string())]);
    assert!(!destination.opaque);
    assert!(cluster().resolve(addr("10.96.0.20:9000")).opaque);
}

/// A pod IP resolves to itself, with the default service account's identity when the pod names none.
#[test]
fn pods_and_unknown_addresses() {
    let db = cluster().resolve(addr("10.244.0.9:5432"));
    assert_eq!(
        db.endpoints[0].identity.as_ref().map(Identity::as_str),
        Some("default.default.serviceaccount.identity.linkerd.cluster.local")
    );
    assert!(db.opaque);
    assert!(cluster().resolve(addr("10.244.0.9:7001")).opaque);
    assert!(!cluster().resolve(addr("10.244.0.9:8080")).opaque);
    let unknown = cluster().resolve(addr("192.0.2.1:443"));
    assert_eq!(unknown.endpoints, vec![Upstream { addr: addr("192.0.2.1:443"), identity: None }]);
    assert!(unknown.labels.is_empty());
    // A port the Service does not expose passes through.
    assert_eq!(cluster().resolve(addr("10.96.0.20:81")).endpoints.len(), 1);
}

/// Destinations whose pods belong to one Deployment carry `dst_deployment`; a Service over pods of two
/// Deployments does not (no one name is right), and its pods still do one by one.
#[test]
fn deployments_label_destinations() {
    let labelled = |name: &str, ip: &str, deployment: &str| {
        let mut pod = pod(name, ip, "web", &["app", "linkerd-proxy"], json!({}));
        pod.metadata.labels = Some([("linkerd.io/proxy-deployment".to_string(), deployment.to_string())].into());
        pod
    };
    let pods = [labelled("web-a", "10.244.0.5", "web"), labelled("web-b", "10.244.0.6", "web")];
    let service: Service = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 80, "targetPort": 8080}]}
    }))
    .expect("service");
    let slice: EndpointSlice = serde_json::from_value(json!({
        "metadata": {"name": "web-abc", "namespace": "default", "labels": {SERVICE_NAME_LABEL: "web"}},
        "addressType": "IPv4",
        "ports": [{"port": 8080}],
        "endpoints": [{"addresses": ["10.244.0.5"]}, {"addresses": ["10.244.0.6"]}]
    }))
    .expect("slice");
    let labels = |d: &Destination| d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    let one = Directory::build(&pods, [&service], [&slice], "cluster.local");
    assert_eq!(labels(&one.resolve(addr("10.96.0.20:80"))), "dst_deployment=web,dst_namespace=default,dst_service=web");
    assert_eq!(labels(&one.resolve(addr("10.244.0.6:8080"))), "dst_deployment=web,dst_namespace=default,dst_pod=web-b");
    let mixed = [labelled("web-a", "10.244.0.5", "web"), labelled("canary-a", "10.244.0.6", "canary")];
    let two = Directory::build(&mixed, [&service], [&slice], "cluster.local");
    assert_eq!(labels(&two.resolve(addr("10.96.0.20:80"))), "dst_namespace=default,dst_service=web");
    assert_eq!(
        labels(&two.resolve(addr("10.244.0.6:8080"))),
        "dst_deployment=canary,dst_namespace=default,dst_pod=canary-a"
    );
}
