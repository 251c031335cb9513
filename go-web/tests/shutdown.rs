//! SIGTERM against the real binary: readiness fails at once, the app keeps accepting for SHUTDOWN_DELAY,
//! in-flight requests finish, new connections are then refused, and the exit status says how it went.

mod support;

use std::time::{Duration, Instant};

use support::*;

fn upstream_of(url: &str) -> std::net::SocketAddr {
    let hostport = url.rsplit_once('@').expect("host").1.split('/').next().expect("hostport");
    hostport.parse().expect("socket addr")
}

/// Requests in flight when SIGTERM arrives complete with their normal answer; then the process exits 0.
#[test]
fn in_flight_requests_complete_after_sigterm() {
    let url = shared_database_url();
    // Every postgres round trip takes 150 ms more, so each /data request is in flight for about a second.
    let slow = delaying_proxy(upstream_of(&url), Duration::from_millis(150));
    let slow_url = url.replace(&upstream_of(&url).to_string(), &slow.to_string());
    let mut web = GoWeb::start(&[("DATABASE_URL", &slow_url), ("DB_TIMEOUT", "10s"), ("DB_POOL_SIZE", "4")]);
    let app = web.app;
    let requests: Vec<_> = (0..4).map(|_| std::thread::spawn(move || get(app, "/data"))).collect();
    wait_until(Duration::from_secs(5), "four /data requests in flight", || {
        web.metric("http_requests_in_flight{route=\"/data\"}") == Some(4.0)
    });
    web.sigterm();

    wait_until(Duration::from_secs(5), "/readyz to fail", || get(web.admin, "/readyz").status == 503);
    wait_until(Duration::from_secs(5), "new connections to be refused", || std::net::TcpStream::connect(app).is_err());
    assert_eq!(
        web.metric("http_requests_in_flight{route=\"/data\"}"),
        Some(4.0),
        "the requests must still be in flight while the listener is closed"
    );
    for request in requests {
        let reply = request.join().expect("request thread");
        assert_eq!((reply.status, reply.body.as_str()), (200, "Database Connected"));
    }
    let status = web.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", web.output());
}

/// With SHUTDOWN_DELAY=1s, /host keeps answering new connections for about a second after SIGTERM while
/// /readyz already fails; then connections are refused and the process exits 0.
#[test]
fn shutdown_delay_keeps_accepting_while_readiness_fails() {
    let mut web = GoWeb::start(&[("SHUTDOWN_DELAY", "1s"), ("MY_NODE_NAME", "n1")]);
    let sent = Instant::now();
    web.sigterm();
    wait_until(Duration::from_secs(5), "/readyz to fail", || get(web.admin, "/readyz").status == 503);
    assert!(sent.elapsed() < Duration::from_millis(500), "readiness took {:?} to fail", sent.elapsed());

    let mut answered = 0;
    let refused_after = wait_for(Duration::from_secs(5), "new connections to be refused", || {
        match try_request(web.app, "GET", "/host") {
            Ok(reply) => {
                assert_eq!((reply.status, reply.body.as_str()), (200, "NODE: n1, POD IP:"));
                answered += 1;
                None
            }
            Err(_) => Some(sent.elapsed()),
        }
    });
    assert!(answered >= 5, "only {answered} requests answered during the delay");
    assert!(
        refused_after >= Duration::from_millis(900) && refused_after < Duration::from_millis(2500),
        "stopped accepting {refused_after:?} after SIGTERM, expected about 1s"
    );
    let status = web.wait(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", web.output());
}

/// An idle keep-alive connection does not hold the process after SIGTERM.
#[test]
fn idle_keep_alive_connection_does_not_delay_exit() {
    use std::io::{Read, Write};
    let mut web = GoWeb::start(&[]);
    let mut idle = std::net::TcpStream::connect(web.app).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").expect("send");
    let mut buf = [0u8; 256];
    let n = idle.read(&mut buf).expect("response");
    assert!(String::from_utf8_lossy(&buf[..n]).ends_with("Healthy"));
    let started = Instant::now();
    web.sigterm();
    let status = web.wait(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", web.output());
    assert!(started.elapsed() < Duration::from_secs(2), "exit took {:?}", started.elapsed());
}

/// A request that outlives the grace period is cut off: the process exits after the grace, with status 1.
#[test]
fn grace_period_bounds_the_drain() {
    let hole = blackhole();
    let port = hole.port().to_string();
    let mut web = GoWeb::start(&[
        ("DB_HOST", "127.0.0.1"),
        ("DB_PORT", &port),
        ("DB_TIMEOUT", "30s"),
        ("SHUTDOWN_GRACE", "500ms"),
    ]);
    let app = web.app;
    let _stuck = std::thread::spawn(move || {
        let _ = std::panic::catch_unwind(|| get(app, "/data"));
    });
    wait_until(Duration::from_secs(5), "the /data request in flight", || {
        web.metric("http_requests_in_flight{route=\"/data\"}") == Some(1.0)
    });
    let started = Instant::now();
    web.sigterm();
    let status = web.wait(Duration::from_secs(5));
    assert!(started.elapsed() < Duration::from_secs(3), "exit took {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_millis(450), "exit took only {:?}", started.elapsed());
    assert_eq!(status.code(), Some(1), "work was cut off, so the exit must say so\n{}", web.output());
    assert!(web.output().contains("grace period over"), "{}", web.output());
}
