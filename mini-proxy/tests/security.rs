//! Mutual TLS and the inbound policy, for real: certificates minted per test (untrusted, expired, not
//! yet valid, another identity), TLS 1.2, foreign TLS, plaintext under each policy, the loop guard,
//! readiness before credentials, and rotation without a restart or a dropped connection.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use mini_proxy::identity::Identity;
use mini_proxy::identity::issue::{ANCHOR_LIFETIME, Authority};
use support::{Mesh, PodSpec, sample};
use test_support::wait::wait_until;

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };
const OUTSIDER: PodSpec = PodSpec { name: "outsider", meshed: false };
const HOUR: Duration = Duration::from_secs(3600);

fn url(mesh: &Mesh, port: u16, path: &str) -> String {
    format!("http://{}:{port}{path}", mesh.pod("server").ip)
}

/// Starts the server side (app and proxy with `flags`) and a meshed client.
fn pair(mesh: &mut Mesh, flags: &[&str]) {
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", flags);
    mesh.start_proxy("client", &[]);
}

/// Credentials for `pod`'s identity from another CA, trusting the mesh's anchor.
fn foreign_credentials(mesh: &Mesh, pod: &str) {
    let other = Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor");
    let now = SystemTime::now();
    let roots = mesh.authority.minted.cert_pem.clone();
    Mesh::write_credentials(
        &mesh.pod(pod).identity_dir,
        &other,
        &mesh.pod(pod).identity,
        now - HOUR,
        now + HOUR,
        &roots,
    );
}

/// Mesh credentials for `pod` valid only between the two instants.
fn credentials_between(mesh: &Mesh, pod: &str, not_before: SystemTime, not_after: SystemTime) {
    let roots = mesh.authority.minted.cert_pem.clone();
    Mesh::write_credentials(
        &mesh.pod(pod).identity_dir,
        &mesh.authority,
        &mesh.pod(pod).identity,
        not_before,
        not_after,
        &roots,
    );
}

/// No request reached the server's app: its proxy counted none.
fn app_untouched(mesh: &Mesh) {
    let metrics = mesh.metrics("server");
    assert_eq!(sample(&metrics, "request_total", &[("direction", "inbound")]), None, "{metrics}");
}

/// A client certificate from another CA fails the handshake; the client's proxy answers 502.
#[test]
fn untrusted_client_certificate_is_refused() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    mesh.issue("server");
    foreign_credentials(&mesh, "client");
    pair(&mut mesh, &[]);
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "502");
    app_untouched(&mesh);
}

/// A server certificate from another CA is refused by the client before any request is sent.
#[test]
fn untrusted_server_certificate_is_refused() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    mesh.issue("client");
    foreign_credentials(&mesh, "server");
    pair(&mut mesh, &[]);
    let reply = mesh.curl("client", &["-D", "-", "-o", "/dev/null", &url(&mesh, 8080, "/")]);
    let head = String::from_utf8_lossy(&reply.stdout).to_lowercase();
    assert!(head.starts_with("http/1.1 502"), "{head}");
    assert!(head.contains("l5d-proxy-error: tls to"), "{head}");
    app_untouched(&mesh);
}

/// A server holding another mesh identity than discovery names is not the server the client wants.
#[test]
fn wrong_server_identity_is_refused() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    mesh.issue("client");
    let impostor = Identity::parse("impostor.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
    let now = SystemTime::now();
    let roots = mesh.authority.minted.cert_pem.clone();
    Mesh::write_credentials(
        &mesh.pod("server").identity_dir,
        &mesh.authority,
        &impostor,
        now - HOUR,
        now + HOUR,
        &roots,
    );
    pair(&mut mesh, &[]);
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "502");
    app_untouched(&mesh);
}

/// An expired server certificate is refused by the client, and the server is not ready with it.
#[test]
fn expired_server_certificate_is_refused() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    let now = SystemTime::now();
    mesh.issue("client");
    credentials_between(&mesh, "server", now - 2 * HOUR, now - HOUR);
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy_no_wait("server", &[]);
    mesh.start_proxy("client", &[]);
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "502");
    assert_eq!(mesh.status("server", "http://127.0.0.1:4191/ready"), "503", "an expired identity is not ready");
    app_untouched(&mesh);
}

/// A client certificate that is not valid yet is refused by the server (and leaves the client unready).
#[test]
fn future_client_certificate_is_refused() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    let now = SystemTime::now();
    mesh.issue("server");
    credentials_between(&mesh, "client", now + HOUR, now + 2 * HOUR);
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", &[]);
    mesh.start_proxy_no_wait("client", &[]);
    assert_eq!(mesh.status("client", "http://127.0.0.1:4191/ready"), "503");
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "502");
    app_untouched(&mesh);
}

/// A TLS 1.2-only client asking for the proxy's identity gets a handshake failure.
#[test]
fn tls12_is_refused() {
    let Some(mut mesh) = Mesh::new(&[OUTSIDER, SERVER], "") else { return };
    mesh.issue("server");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", &[]);
    let addr = format!("{}:8080", mesh.pod("server").ip);
    let sni = mesh.pod("server").identity.to_string();
    let script = format!("openssl s_client -connect {addr} -servername {sni} -tls1_2 </dev/null 2>&1");
    let output = mesh.exec("outsider", "bash", &["-c", &script]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("alert protocol version"), "{text}");
    let script13 = format!("openssl s_client -connect {addr} -servername {sni} -tls1_3 </dev/null 2>&1");
    let text13 = String::from_utf8_lossy(&mesh.exec("outsider", "bash", &["-c", &script13]).stdout).into_owned();
    assert!(text13.contains("TLSv1.3"), "TLS 1.3 to the same port works: {text13}");
}

/// TLS for another name passes through to the app untouched, labelled opaque with its SNI.
#[test]
fn foreign_tls_passes_through() {
    let Some(mut mesh) = Mesh::new(&[OUTSIDER, SERVER], "") else { return };
    mesh.issue("server");
    let site = Identity::parse("example.com").expect("name");
    let leaf = mesh.authority.issue(&site, HOUR).expect("leaf");
    let (cert, key) = (mesh.path("site.crt"), mesh.path("site.key"));
    std::fs::write(&cert, &leaf.cert_pem).expect("write");
    std::fs::write(&key, &leaf.key_pem).expect("write");
    let mut server = mesh
        .pod("server")
        .ns
        .command("openssl")
        .args(["s_server", "-quiet", "-www", "-accept", "8443", "-cert"])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s_server");
    mesh.start_proxy("server", &[]);
    let resolve = format!("example.com:8443:{}", mesh.pod("server").ip);
    let ca = mesh.path("ca.crt");
    std::fs::write(&ca, &mesh.authority.minted.cert_pem).expect("write");
    let mut body = String::new();
    wait_until(Duration::from_secs(10), "openssl s_server to answer", || {
        let output = mesh
            .curl("outsider", &["--cacert", &ca.to_string_lossy(), "--resolve", &resolve, "https://example.com:8443/"]);
        body = String::from_utf8_lossy(&output.stdout).into_owned();
        body.contains("s_server")
    });
    let metrics = mesh.metrics("server");
    let labels = [("direction", "inbound"), ("peer", "src"), ("tls", "opaque"), ("sni", "example.com")];
    assert!(sample(&metrics, "tcp_open_total", &labels).is_some_and(|n| n >= 1.0), "{metrics}");
    let _ = server.kill();
    let _ = server.wait();
}

/// Under all-authenticated, plaintext HTTP gets 403 naming the policy and meshed clients get through;
/// a per-port deny refuses everyone.
#[test]
fn policies_decide_who_reaches_the_app() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER, OUTSIDER], "") else { return };
    mesh.issue("client");
    mesh.issue("server");
    mesh.app("server", &["http", "8081", "server"]);
    pair(&mut mesh, &["--default-policy", "all-authenticated", "--port-policies", "8081=deny"]);
    let head =
        String::from_utf8_lossy(&mesh.curl("outsider", &["-D", "-", "-o", "/dev/null", &url(&mesh, 8080, "/")]).stdout)
            .to_lowercase();
    assert!(head.starts_with("http/1.1 403"), "{head}");
    assert!(head.contains("l5d-proxy-error: unauthorized connection on server all-authenticated"), "{head}");
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "200");
    assert_eq!(mesh.status("client", &url(&mesh, 8081, "/")), "403");
    let metrics = mesh.metrics("server");
    let denied = [("tls", "no_identity"), ("srv_name", "all-authenticated")];
    assert_eq!(sample(&metrics, "inbound_http_authz_deny_total", &denied), Some(1.0), "{metrics}");
    assert_eq!(sample(&metrics, "inbound_tcp_authz_deny_total", &denied), Some(1.0), "{metrics}");
    let allowed = [("tls", "true"), ("srv_name", "all-authenticated")];
    assert_eq!(sample(&metrics, "inbound_tcp_authz_allow_total", &allowed), Some(1.0), "{metrics}");
    let ok = [("direction", "inbound"), ("status_code", "200")];
    assert_eq!(
        sample(&metrics, "response_total", &ok),
        Some(1.0),
        "only the meshed request reached the app: {metrics}"
    );
}

/// A connection aimed at the inbound port itself is closed (the loop guard), never proxied.
#[test]
fn loop_guard() {
    let Some(mut mesh) = Mesh::new(&[OUTSIDER, SERVER], "") else { return };
    mesh.issue("server");
    mesh.start_proxy("server", &[]);
    let output = mesh.curl("outsider", &[&url(&mesh, 4143, "/")]);
    assert!(!output.status.success(), "no response through the loop");
    assert!(
        mesh.proxy("server").output().contains("inbound connection must not target port 4143"),
        "{}",
        mesh.proxy("server").output()
    );
}

/// Before credentials, /ready is 503 and mesh TLS is refused; once they appear, both recover without a
/// restart.
#[test]
fn readiness_waits_for_credentials() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER], "") else { return };
    mesh.issue("client");
    std::fs::create_dir_all(&mesh.pod("server").identity_dir).expect("dir");
    std::os::unix::fs::chown(&mesh.pod("server").identity_dir, Some(support::PROXY_UID), None).expect("chown");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy_no_wait("server", &[]);
    mesh.start_proxy("client", &[]);
    let ready = mesh.curl("server", &["http://127.0.0.1:4191/ready"]);
    assert_eq!(String::from_utf8_lossy(&ready.stdout), "waiting for: identity\n");
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "502");
    mesh.issue("server");
    mesh.wait_ready("server");
    assert_eq!(mesh.status("client", &url(&mesh, 8080, "/")), "200");
}

/// New credentials are used for new handshakes without a restart, and a connection opened before the
/// rotation keeps working after it.
#[test]
fn rotation_keeps_connections() {
    let Some(mut mesh) = Mesh::new(&[CLIENT, SERVER, OUTSIDER], "") else { return };
    mesh.issue("client");
    mesh.issue("server");
    mesh.app("server", &["echo", "9000"]);
    mesh.start_proxy("server", &[]);
    mesh.start_proxy("client", &[]);
    let addr = format!("{}:9000", mesh.pod("server").ip);
    let sni = mesh.pod("server").identity.to_string();
    let before = mesh.served_serial("outsider", &addr, &sni);

    let program = format!(
        "import socket,sys\ns=socket.create_connection(('{}',9000))\nfor line in sys.stdin:\n s.sendall(line.encode())\n print(s.recv(100).decode().strip(),flush=True)\n",
        mesh.pod("server").ip
    );
    let mut held = mesh
        .pod("client")
        .ns
        .command("python3")
        .args(["-c", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("client");
    let mut input = held.stdin.take().expect("stdin");
    let mut output = BufReader::new(held.stdout.take().expect("stdout")).lines();
    writeln!(input, "before").expect("write");
    assert_eq!(output.next().and_then(Result::ok).as_deref(), Some("before"));

    mesh.issue("server");
    wait_until(Duration::from_secs(10), "the server to present its new certificate", || {
        mesh.served_serial("outsider", &addr, &sni) != before
    });
    writeln!(input, "after").expect("write");
    assert_eq!(output.next().and_then(Result::ok).as_deref(), Some("after"), "the connection survived the rotation");
    let _ = held.kill();
    let _ = held.wait();
}
