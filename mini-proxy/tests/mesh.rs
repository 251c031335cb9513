//! HTTP through the mesh, for real: pods in network namespaces with `init`'s iptables rules and a proxy
//! each, apps and clients (curl, nginx, Python) that know nothing of it, and mutual TLS between the
//! proxies. Transparency, HTTP/2, upgrades, balancing, classification and the proxy's own errors.

mod support;

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
    serde_json::from_str(&stdout_of(output))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
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
        &[
            "-H",
            "l5d-client-id: admin.kube-system.serviceaccount.identity.linkerd.cluster.local",
            "-H",
            "Connection: x-hop",
            "-H",
            "X-Hop: 1",
            "-H",
            "X-End: 2",
            &url,
        ],
    ));
    let client_id = mesh.pod("client").identity.to_string();
    let server_id = mesh.pod("server").identity.to_string();
    assert_eq!(reply["path"], "/hello");
    assert_eq!(reply["headers"]["l5d-client-id"], client_id.as_str());
    assert_eq!(reply["headers"]["x-end"], "2");
    assert!(reply["headers"].get("x-hop").is_none(), "{reply}");

    let inbound = mesh.metrics("server");
    let target = format!("{server_ip}:8080");
    let labels = [
        ("direction", "inbound"),
        ("target_addr", target.as_str()),
        ("tls", "true"),
        ("client_id", client_id.as_str()),
        ("srv_name", "all-unauthenticated"),
    ];
    assert_eq!(sample(&inbound, "request_total", &labels), Some(1.0), "{inbound}");
    let ok = [("direction", "inbound"), ("status_code", "200"), ("classification", "success"), ("tls", "true")];
    assert_eq!(sample(&inbound, "response_total", &ok), Some(1.0), "{inbound}");
    assert!(!inbound.contains("authority="), "inbound omits the authority: {inbound}");

    let outbound = mesh.metrics("client");
    let authority = format!("{server_ip}:8080");
    let labels = [
        ("direction", "outbound"),
        ("authority", authority.as_str()),
        ("tls", "true"),
        ("server_id", server_id.as_str()),
        ("dst_pod", "server"),
    ];
    assert_eq!(sample(&outbound, "response_total", &labels), Some(1.0), "{outbound}");
    assert_eq!(sample(&outbound, "response_latency_ms_count", &labels), Some(1.0), "{outbound}");
    let peer_dst = [("direction", "outbound"), ("peer", "dst"), ("tls", "true"), ("server_id", server_id.as_str())];
    assert_eq!(sample(&outbound, "tcp_open_total", &peer_dst), Some(1.0), "{outbound}");
}

/// Requests one after another share one connection at each hop: the client's to its proxy, the mutual-TLS
/// one between the proxies, and the inbound proxy's to the app, which the pool hands out again.
#[test]
fn sequential_requests_reuse_connections() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let url = format!("http://{}:8080/again", mesh.pod("server").ip);
    let urls = vec![url.as_str(); 20];
    let output = mesh.curl("client", &urls);
    assert_eq!(stdout_of(&output).matches("\"/again\"").count(), 20, "{}", stdout_of(&output));
    let inbound = mesh.metrics("server");
    let to_app = [("direction", "inbound"), ("peer", "dst")];
    assert_eq!(sample(&inbound, "tcp_open_total", &to_app), Some(1.0), "{inbound}");
    let ok = [("direction", "inbound"), ("status_code", "200")];
    assert_eq!(sample(&inbound, "response_total", &ok), Some(20.0), "{inbound}");
    let outbound = mesh.metrics("client");
    let to_peer = [("direction", "outbound"), ("peer", "dst")];
    assert_eq!(sample(&outbound, "tcp_open_total", &to_peer), Some(1.0), "{outbound}");
    let from_client = [("direction", "outbound"), ("peer", "src")];
    assert_eq!(sample(&outbound, "tcp_open_total", &from_client), Some(1.0), "{outbound}");
}

/// An app that closes its keep-alive connection after each answer, without saying so, loses no request:
/// the inbound proxy does not hand out the closed connection again, or sends the request again on a new
/// one when hyper finds it closed before writing.
#[test]
fn connections_the_app_closes_are_not_reused() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let url = format!("http://{}:8080/close", mesh.pod("server").ip);
    let urls = vec![url.as_str(); 10];
    let output = mesh.curl("client", &urls);
    assert_eq!(stdout_of(&output).matches("\"/close\"").count(), 10, "{}", stdout_of(&output));
    let inbound = mesh.metrics("server");
    let to_app = [("direction", "inbound"), ("peer", "dst")];
    assert_eq!(sample(&inbound, "tcp_open_total", &to_app), Some(10.0), "{inbound}");
    let ok = [("direction", "inbound"), ("status_code", "200")];
    assert_eq!(sample(&inbound, "response_total", &ok), Some(10.0), "{inbound}");
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
    let labels = [
        ("direction", "inbound"),
        ("tls", "no_identity"),
        ("no_tls_reason", "no_tls_from_remote"),
        ("classification", "success"),
    ];
    assert_eq!(sample(&metrics, "response_total", &labels), Some(1.0), "{metrics}");
}

/// Bodies and framing pass unchanged: a chunked upload, a chunked response, HEAD, 204, 304 and an empty
/// Content-Length.
#[test]
fn http1_framing_is_preserved() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let base = format!("http://{}:8080", mesh.pod("server").ip);
    let upload = json(&mesh.curl(
        "client",
        &["-H", "Transfer-Encoding: chunked", "--data-binary", "a chunked body", &format!("{base}/upload")],
    ));
    assert_eq!(upload["body"], "a chunked body");
    assert_eq!(upload["method"], "POST");
    let chunked = mesh.curl("client", &["-D", "-", &format!("{base}/chunked")]);
    let text = String::from_utf8_lossy(&chunked.stdout).to_lowercase();
    assert!(text.contains("transfer-encoding: chunked"), "{text}");
    assert!(text.ends_with("first,second,third"), "{text}");
    let head = mesh.curl("client", &["-I", &format!("{base}/head")]);
    let head = String::from_utf8_lossy(&head.stdout).to_lowercase();
    assert!(head.starts_with("http/1.1 200") && head.contains("content-length: "), "{head}");
    for (path, status) in [("/status/204", "204"), ("/status/304", "304"), ("/status/200", "200")] {
        let output = mesh.curl("client", &["-D", "-", "-o", "/dev/null", &format!("{base}{path}")]);
        let text = String::from_utf8_lossy(&output.stdout).to_lowercase();
        assert!(text.starts_with(&format!("http/1.1 {status}")), "{path}: {text}");
        if status == "200" {
            assert!(text.contains("content-length: 0"), "{text}");
        }
    }
}

/// HTTP/2 with prior knowledge is proxied as HTTP/2 end to end (nginx as an h2c app).
#[test]
fn http2_is_proxied() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let dir = mesh.path("nginx");
    std::fs::create_dir_all(&dir).expect("dir");
    let config = format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log stderr;\nevents {{}}\nhttp {{ access_log off; client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n server {{ listen 8082 http2; location / {{ return 200 \"h2 $server_protocol\\n\"; }} }} }}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), config).expect("config");
    let mut nginx = mesh
        .pod("server")
        .ns
        .command("nginx")
        .args(["-e", "stderr", "-c"])
        .arg(dir.join("nginx.conf"))
        .spawn()
        .expect("nginx");
    let url = format!("http://{}:8082/", mesh.pod("server").ip);
    let mut body = String::new();
    test_support::wait::wait_until(std::time::Duration::from_secs(10), "nginx to answer over h2", || {
        let output = mesh.curl("client", &["--http2-prior-knowledge", "-w", "%{http_version}", &url]);
        body = String::from_utf8_lossy(&output.stdout).into_owned();
        body.starts_with("h2")
    });
    assert_eq!(body, "h2 HTTP/2.0\n2");
    let _ = nginx.kill();
    let _ = nginx.wait();
}

/// An HTTP/1.1 upgrade switches protocols through both proxies; the raw bytes after it are echoed.
#[test]
fn upgrades_pass_through() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let program = format!(
        "import socket\ns=socket.create_connection(('{}',8080))\ns.sendall(b'GET /upgrade HTTP/1.1\\r\\nHost: x\\r\\nConnection: Upgrade\\r\\nUpgrade: echo\\r\\n\\r\\n')\nhead=b''\nwhile b'\\r\\n\\r\\n' not in head: head+=s.recv(1)\nprint(head.split(b'\\r\\n')[0].decode())\ns.sendall(b'raw bytes')\ngot=b''\nwhile len(got)<9: got+=s.recv(9)\nprint(got.decode())\n",
        mesh.pod("server").ip
    );
    let output = stdout_of(&mesh.exec("client", "python3", &["-c", &program]));
    assert_eq!(output, "HTTP/1.1 101 Switching Protocols\nraw bytes\n");
}

/// 5xx and a failing gRPC status are failures; 4xx is a success (Linkerd's classification).
#[test]
fn responses_are_classified() {
    let Some(mesh) = meshed_pair(&[]) else { return };
    let base = format!("http://{}:8080", mesh.pod("server").ip);
    for path in ["/status/500", "/status/404", "/grpc/2", "/grpc/0"] {
        mesh.curl("client", &["-o", "/dev/null", &format!("{base}{path}")]);
    }
    let metrics = mesh.metrics("server");
    let count = |status: &str, class: &str, grpc: &str| {
        sample(
            &metrics,
            "response_total",
            &[("direction", "inbound"), ("status_code", status), ("classification", class), ("grpc_status", grpc)],
        )
    };
    assert_eq!(count("500", "failure", ""), Some(1.0), "{metrics}");
    assert_eq!(count("404", "success", ""), Some(1.0), "{metrics}");
    assert_eq!(count("200", "failure", "2"), Some(1.0), "{metrics}");
    assert_eq!(count("200", "success", "0"), Some(1.0), "{metrics}");
}

/// Requests to a Service's ClusterIP are balanced per request over its endpoints, all over mTLS.
#[test]
fn service_requests_are_balanced() {
    let services = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, clusterIPs: [10.96.0.10], ports: [{name: http, port: 80, targetPort: 8080}]}\n\
---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [10.77.0.3]}, {addresses: [10.77.0.4]}]\n";
    let Some(mut mesh) = Mesh::new(
        &[CLIENT, PodSpec { name: "web-a", meshed: true }, PodSpec { name: "web-b", meshed: true }],
        services,
    ) else {
        return;
    };
    for pod in ["client", "web-a", "web-b"] {
        mesh.issue(pod);
    }
    mesh.app("web-a", &["http", "8080", "web-a"]);
    mesh.app("web-b", &["http", "8080", "web-b"]);
    mesh.start_proxy("web-a", &[]);
    mesh.start_proxy("web-b", &[]);
    mesh.start_proxy("client", &[]);
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..20 {
        let reply = json(&mesh.curl("client", &["http://10.96.0.10/"]));
        *seen.entry(reply["server"].as_str().unwrap_or_default().to_string()).or_insert(0) += 1;
        assert!(
            reply["headers"]["l5d-client-id"].as_str().is_some_and(|id| id.starts_with("client.default")),
            "{reply}"
        );
    }
    assert_eq!(seen.len(), 2, "both endpoints served: {seen:?}");
    let metrics = mesh.metrics("client");
    assert!(
        sample(
            &metrics,
            "response_total",
            &[("dst_service", "web"), ("authority", "10.96.0.10"), ("target_addr", "10.77.0.4:8080")]
        )
        .is_some(),
        "{metrics}"
    );
}

/// An upstream that does not answer in time is a 504, one that refuses is a 502, and a slow response
/// past the response timeout is a 504; each says why in `l5d-proxy-error`.
#[test]
fn upstream_failures_become_responses() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, PodSpec { name: "server", meshed: false }], "") else { return };
    mesh.issue("client");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("client", &["--outbound-connect-timeout", "300ms", "--response-timeout", "1s"]);
    let error = |url: &str| {
        let output = mesh.curl("client", &["-D", "-", "-o", "/dev/null", url]);
        String::from_utf8_lossy(&output.stdout).to_lowercase()
    };
    let silent = error("http://10.77.0.250:8080/");
    assert!(
        silent.starts_with("http/1.1 504")
            && silent.contains("l5d-proxy-error: connect to 10.77.0.250:8080 timed out after 300ms"),
        "{silent}"
    );
    let refused = error(&format!("http://{}:8081/", mesh.pod("server").ip));
    assert!(refused.starts_with("http/1.1 502") && refused.contains("connection refused"), "{refused}");
    let slow = error(&format!("http://{}:8080/slow/2000", mesh.pod("server").ip));
    assert!(
        slow.starts_with("http/1.1 504") && slow.contains("l5d-proxy-error: response timed out after 1s"),
        "{slow}"
    );
    let metrics = mesh.metrics("client");
    assert_eq!(
        sample(&metrics, "response_total", &[("status_code", "504"), ("classification", "failure")]),
        Some(2.0),
        "{metrics}"
    );
}
