//! The mesh, for real: pods in network namespaces with `init`'s iptables rules and a proxy each, apps
//! and clients that know nothing of it, and mutual TLS between the proxies.

mod support;

use std::time::Duration;

use support::{Mesh, PodSpec, sample, stdout_of};

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };

/// Two meshed pods, proxies running, an HTTP app on the server at :8080.
fn meshed_pair(server_flags: &[&str]) -> Option<Mesh> {
    let mut mesh = Mesh::new(&[CLIENT, SERVER], "")?;
    mesh.issue("client");
    mesh.issue("server");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", server_flags);
    mesh.start_proxy("client", &[]);
    Some(mesh)
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout_of(output)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// HTTP/1.1 between meshed pods goes over mutual TLS: the app sees the client's verified identity in
/// `l5d-client-id` (a spoofed one is replaced), hop-by-hop headers are gone, and both proxies count the
/// request with Linkerd's labels.
#[test]
fn meshed_http1_is_mutual_tls() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let server_ip = mesh.pod("server").ip.to_string();
    let url = format!("http://{server_ip}:8080/hello");
    let reply = json(&mesh.curl(
        "client",
        &["-H", "l5d-client-id: admin.kube-system.serviceaccount.identity.linkerd.cluster.local", "-H", "Connection: x-hop", "-H", "X-Hop: 1", "-H", "X-End: 2", &url],
    ));
    let client_id = mesh.pod("client").identity.to_string();
    let server_id = mesh.pod("server").identity.to_string();
    assert_eq!(reply["path"], "/hello");
    assert_eq!(reply["headers"]["l5d-client-id"], client_id.as_str());
    assert_eq!(reply["headers"]["x-end"], "2");
    assert!(reply["headers"].get("x-hop").is_none(), "{reply}");

    let inbound = mesh.metrics("server");
    let target = format!("{server_ip}:8080");
    let labels = [("direction", "inbound"), ("target_addr", target.as_str()), ("tls", "true"), ("client_id", client_id.as_str()), ("srv_name", "all-unauthenticated")];
    assert_eq!(sample(&inbound, "request_total", &labels), Some(1.0), "{inbound}");
    let ok = [("direction", "inbound"), ("status_code", "200"), ("classification", "success"), ("tls", "true")];
    assert_eq!(sample(&inbound, "response_total", &ok), Some(1.0), "{inbound}");
    assert!(!inbound.contains("authority="), "inbound omits the authority: {inbound}");

    let outbound = mesh.metrics("client");
    let authority = format!("{server_ip}:8080");
    let labels = [("direction", "outbound"), ("authority", authority.as_str()), ("tls", "true"), ("server_id", server_id.as_str()), ("dst_pod", "server")];
    assert_eq!(sample(&outbound, "response_total", &labels), Some(1.0), "{outbound}");
    assert_eq!(sample(&outbound, "response_latency_ms_count", &labels), Some(1.0), "{outbound}");
    let peer_dst = [("direction", "outbound"), ("peer", "dst"), ("tls", "true"), ("server_id", server_id.as_str())];
    assert_eq!(sample(&outbound, "tcp_open_total", &peer_dst), Some(1.0), "{outbound}");
}

/// Plaintext from an unmeshed pod reaches a meshed app under the default policy and is labelled as such.
#[test]
fn plaintext_is_admitted_by_default() {
    let Some(mut mesh) = Mesh::new(&[PodSpec { name: "outsider", meshed: false }, SERVER], "") else { return };
    mesh.issue("server");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", &[]);
    let url = format!("http://{}:8080/", mesh.pod("server").ip);
    let reply = json(&mesh.curl("outsider", &["-H", "l5d-client-id: someone.else", &url]));
    assert!(reply["headers"].get("l5d-client-id").is_none(), "a plaintext client gets no identity: {reply}");
    let metrics = mesh.metrics("server");
    let labels = [("direction", "inbound"), ("tls", "no_identity"), ("no_tls_reason", "no_tls_from_remote"), ("classification", "success")];
    assert_eq!(sample(&metrics, "response_total", &labels), Some(1.0), "{metrics}");
}
