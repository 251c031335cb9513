//! SIGTERM: in-flight requests finish, new connections are refused, the exit is bounded.

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
    let admin = web.admin;
    let requests: Vec<_> = (0..4).map(|_| std::thread::spawn(move || get(app, "/data"))).collect();
    std::thread::sleep(Duration::from_millis(300));
    web.sigterm();
    std::thread::sleep(Duration::from_millis(200));

    assert!(std::net::TcpStream::connect(app).is_err(), "new connections must be refused after SIGTERM");
    assert_eq!(get(admin, "/readyz").status, 503, "readiness must fail while draining");
    for request in requests {
        let reply = request.join().expect("request thread");
        assert_eq!((reply.status, reply.body.as_str()), (200, "Database Connected"));
    }
    let status = web.wait(Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}\n{}", web.output());
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
    assert!(status.success(), "exit status {status:?}\n{}", web.output());
    assert!(started.elapsed() < Duration::from_secs(2), "exit took {:?}", started.elapsed());
}

/// A request that outlives the grace period does not keep the process alive past it.
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
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    web.sigterm();
    web.wait(Duration::from_secs(5));
    assert!(started.elapsed() < Duration::from_secs(3), "exit took {:?}", started.elapsed());
}
