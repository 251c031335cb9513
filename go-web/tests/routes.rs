//! The lab's routes, byte for byte, against the real binary.

mod support;

use support::*;

fn server() -> GoWeb {
    GoWeb::start(&[
        ("MY_NODE_NAME", "kind-worker2"),
        ("MY_POD_IP", "10.244.1.4"),
        ("DB_HOST", "127.0.0.1"),
        ("DB_PORT", "1"),
    ])
}

/// `/`, `/healthz` and `/host` answer the original's exact bodies with status 200.
#[test]
fn fixed_routes_answer_exact_bodies() {
    let web = server();
    for (path, body) in [("/", "Hello"), ("/healthz", "Healthy"), ("/host", "NODE: kind-worker2, POD IP:10.244.1.4")] {
        let reply = get(web.app, path);
        assert_eq!((reply.status, reply.body.as_str()), (200, body), "{path}");
        assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"), "{path}");
        assert_eq!(reply.header("content-length"), Some(body.len().to_string().as_str()), "{path}");
    }
}

/// Unset downward-API variables print as empty, like Go's os.Getenv.
#[test]
fn host_with_unset_variables_prints_empty_values() {
    let web = GoWeb::start(&[]);
    assert_eq!(get(web.app, "/host").body, "NODE: , POD IP:");
}

/// Any path that is not registered answers `Hello`, like ServeMux's `/` pattern.
#[test]
fn unknown_paths_fall_through_to_hello() {
    let web = server();
    for path in ["/nope", "/host/", "/healthz/x", "/HOST", "/data/extra", "/?q=1"] {
        let reply = get(web.app, path);
        assert_eq!((reply.status, reply.body.as_str()), (200, "Hello"), "{path}");
    }
}

/// Every method is accepted; HEAD gets the headers and no body.
#[test]
fn every_method_is_accepted() {
    let web = server();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = request(web.app, method, "/host");
        assert_eq!((reply.status, reply.body.as_str()), (200, "NODE: kind-worker2, POD IP:10.244.1.4"), "{method}");
    }
    let head = request(web.app, "HEAD", "/healthz");
    assert_eq!((head.status, head.body.as_str(), head.header("content-length")), (200, "", Some("7")));
}

/// Unclean paths get ServeMux's 301 to the clean path, query kept.
#[test]
fn unclean_paths_redirect_like_servemux() {
    let web = server();
    let reply = get(web.app, "//host?x=1");
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some("/host?x=1"));
    assert_eq!(reply.body, "<a href=\"/host?x=1\">Moved Permanently</a>.\n\n");
}

/// Keep-alive: several requests share one HTTP/1.1 connection.
#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    use std::io::{BufRead, BufReader, Read, Write};
    let web = server();
    let mut stream = std::net::TcpStream::connect(web.app).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    for _ in 0..3 {
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").expect("send");
        let mut line = String::new();
        reader.read_line(&mut line).expect("status");
        assert_eq!(line, "HTTP/1.1 200 OK\r\n");
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        assert_eq!(body, b"Healthy");
    }
}

/// HTTP/2 without TLS (h2c, prior knowledge) is served on the same port.
#[tokio::test]
async fn h2c_is_served_on_the_app_port() {
    use http_body_util::{BodyExt, Empty};
    let web = server();
    let stream = tokio::net::TcpStream::connect(web.app).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .expect("h2 handshake");
    tokio::spawn(conn);
    let request =
        http::Request::get(format!("http://{}/host", web.app)).body(Empty::<bytes::Bytes>::new()).expect("request");
    let response = sender.send_request(request).await.expect("response");
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(&body[..], b"NODE: kind-worker2, POD IP:10.244.1.4");
}

/// A client that never finishes its request head is disconnected after HEADER_READ_TIMEOUT.
#[test]
fn slow_request_head_is_cut_off() {
    use std::io::{Read, Write};
    let web = GoWeb::start(&[("HEADER_READ_TIMEOUT", "300ms")]);
    let mut stream = std::net::TcpStream::connect(web.app).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    stream.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n").expect("partial head");
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "connection stayed open {:?}", started.elapsed());
}

/// The admin port serves Prometheus metrics counting the app's requests, and the probes.
#[test]
fn admin_port_serves_metrics_and_probes() {
    let web = server();
    get(web.app, "/host");
    get(web.app, "/nope");
    let metrics = get(web.admin, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("http_requests_total{route=\"/host\",status=\"200\"} 1"), "{}", metrics.body);
    assert!(metrics.body.contains("http_requests_total{route=\"/\",status=\"200\"} 1"), "{}", metrics.body);
    assert!(metrics.body.contains("http_request_duration_seconds_bucket"), "{}", metrics.body);
    assert!(metrics.body.contains("db_pool_max_connections 10"), "{}", metrics.body);
    assert_eq!(get(web.admin, "/livez").status, 200);
    assert_eq!(get(web.admin, "/readyz").status, 200);
    assert_eq!(get(web.app, "/metrics").body, "Hello", "metrics must stay off the lab's port");
}

/// ACCESS_LOG=true logs one line per request with method, path and status.
#[test]
fn access_log_records_each_request() {
    let web = GoWeb::start(&[("ACCESS_LOG", "true")]);
    get(web.app, "/host");
    wait_until(std::time::Duration::from_secs(5), "the access log line", || web.output().contains("path=/host"));
    let output = web.output();
    let line =
        output.lines().find(|l| l.contains("path=/host")).unwrap_or_else(|| panic!("no access log line:\n{output}"));
    assert!(line.contains("method=GET") && line.contains("status=200"), "{line}");
}

/// With MAX_CONNECTIONS reached, a further connection is not served until one of the others closes.
#[test]
fn connection_cap_holds_extra_connections_back() {
    use std::io::{Read, Write};
    use std::time::Duration;
    let web = GoWeb::start(&[("MAX_CONNECTIONS", "2")]);
    let open = |path: &str| {
        let mut s = std::net::TcpStream::connect(web.app).expect("connect");
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes()).expect("send");
        s
    };
    let read_some = |s: &mut std::net::TcpStream, wait: Duration| -> String {
        s.set_read_timeout(Some(wait)).expect("timeout");
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
            Err(_) => String::new(),
        }
    };
    let mut first = open("/healthz");
    let mut second = open("/healthz");
    assert!(read_some(&mut first, Duration::from_secs(5)).ends_with("Healthy"));
    assert!(read_some(&mut second, Duration::from_secs(5)).ends_with("Healthy"));
    let mut third = open("/host");
    assert_eq!(read_some(&mut third, Duration::from_millis(300)), "", "third connection served over the cap");
    drop(first);
    assert!(read_some(&mut third, Duration::from_secs(5)).ends_with("POD IP:"), "third connection never served");
}

/// LOG_FORMAT=json writes every log line as one JSON object.
#[test]
fn json_logs_are_one_object_per_line() {
    let web = GoWeb::start(&[("LOG_FORMAT", "json"), ("ACCESS_LOG", "true")]);
    get(web.app, "/healthz");
    wait_until(std::time::Duration::from_secs(5), "the access log line", || web.output().contains("/healthz"));
    let output = web.output();
    assert!(output.contains("\"path\":\"/healthz\""), "{output}");
    for line in output.lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "not a JSON object: {line}");
        assert!(line.contains("\"level\":"), "no level: {line}");
    }
}

/// An idle keep-alive connection is closed once HEADER_READ_TIMEOUT passes without a new request.
#[test]
fn idle_keep_alive_is_closed_after_header_timeout() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let web = GoWeb::start(&[("HEADER_READ_TIMEOUT", "300ms")]);
    let mut stream = std::net::TcpStream::connect(web.app).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").expect("send");
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).expect("response");
    assert!(String::from_utf8_lossy(&buf[..n]).ends_with("Healthy"));
    let idle_since = Instant::now();
    assert_eq!(stream.read(&mut buf).expect("close"), 0, "server should close the idle connection");
    assert!(idle_since.elapsed() < Duration::from_secs(2), "closed after {:?}", idle_since.elapsed());
}
