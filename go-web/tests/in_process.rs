//! go-web's [`go_web::run`] in-process on 127.0.0.1:0 under tokio's paused clock: the request-head
//! timeout, the /data deadline, SHUTDOWN_DELAY and SHUTDOWN_GRACE are checked in virtual time, exactly,
//! without waiting for them. (The clock only moves when every task waits, and then straight to the next
//! timer, so these tests take milliseconds.)

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use go_web::config::{Cli, Config};
use server_runtime::{Drained, Lifecycle};
use test_support::http_client::{Reply, parse};
use test_support::network::blackhole;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A go-web running in this test's runtime.
struct Server {
    app: SocketAddr,
    admin: SocketAddr,
    lifecycle: Lifecycle,
    run: JoinHandle<Drained>,
}

/// Starts `run` with `flags` on top of port-0 listeners; every setting comes from flags, so nothing in the
/// test process's environment matters.
async fn start(flags: &[&str]) -> Server {
    let mut args = vec!["go-web", "--listen", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--db-host", "127.0.0.1"];
    args.extend_from_slice(flags);
    let config = Config::from_cli(Cli::try_parse_from(args).expect("flags parse")).expect("valid flags");
    let app_listener = TcpListener::bind(config.listen).await.expect("bind app");
    let admin_listener = TcpListener::bind(config.runtime.admin_addr).await.expect("bind admin");
    let (app, admin) = (app_listener.local_addr().expect("app"), admin_listener.local_addr().expect("admin"));
    let lifecycle = Lifecycle::new(config.runtime.drain);
    let run = tokio::spawn(go_web::run(app_listener, admin_listener, config, lifecycle.clone()));
    Server { app, admin, lifecycle, run }
}

/// `GET path` over a fresh connection, read to its close.
async fn fetch(addr: SocketAddr, path: &str) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    if raw.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed without a response"));
    }
    Ok(parse(&raw))
}

/// Waits (in virtual time, 1 ms steps) until the admin port shows `series` at `value`.
async fn metric_reaches(admin: SocketAddr, series: &str, value: &str) {
    let line = format!("{series} {value}");
    for _ in 0..10_000 {
        let metrics = fetch(admin, "/metrics").await.expect("metrics").body;
        if metrics.lines().any(|l| l == line) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{line} never appeared on /metrics");
}

/// A client that never finishes its request head is disconnected after the default 10 s, not before.
#[tokio::test(start_paused = true)]
async fn request_head_timeout_is_ten_seconds_by_default() {
    let server = start(&[]).await;
    let mut stream = TcpStream::connect(server.app).await.expect("connect");
    stream.write_all(b"GET /host HTTP/1.1\r\nHost: t\r\n").await.expect("partial head");
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(10) && waited < Duration::from_millis(10_100), "closed after {waited:?}");
}

/// A database that accepts and never answers costs /data exactly DB_TIMEOUT, then a 500 saying so.
#[tokio::test(start_paused = true)]
async fn data_deadline_holds_against_a_silent_database() {
    let hole = blackhole().port().to_string();
    let server = start(&["--db-port", &hole, "--db-timeout", "2s"]).await;
    let started = Instant::now();
    let reply = fetch(server.app, "/data").await.expect("a response");
    let waited = started.elapsed();
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(reply.body.contains("within 2s"), "{}", reply.body);
    assert!(waited >= Duration::from_secs(2) && waited < Duration::from_millis(2100), "answered after {waited:?}");
}

/// After a shutdown request /readyz fails at once, /host keeps answering for SHUTDOWN_DELAY, and then the
/// listener is closed and the drain ends cleanly.
#[tokio::test(start_paused = true)]
async fn shutdown_delay_keeps_the_listener_open() {
    let server = start(&["--shutdown-delay", "30s", "--node-name", "n1"]).await;
    let started = Instant::now();
    server.lifecycle.request_shutdown();
    tokio::task::yield_now().await;
    assert_eq!(fetch(server.admin, "/readyz").await.expect("readyz").status, 503);
    tokio::time::sleep(Duration::from_secs(29)).await;
    let reply = fetch(server.app, "/host").await.expect("still accepting 29 s into the delay");
    assert_eq!((reply.status, reply.body.as_str()), (200, "NODE: n1, POD IP:"));

    assert_eq!(server.run.await.expect("run"), Drained::Clean);
    assert_eq!(started.elapsed().as_secs(), 30, "the drain should end when the delay does");
    assert!(fetch(server.app, "/host").await.is_err(), "still accepting after the delay");
}

/// A request still in flight when SHUTDOWN_GRACE runs out is cut off: its connection closes without an
/// answer and the drain reports it, exactly one grace period after the listener stopped.
#[tokio::test(start_paused = true)]
async fn grace_cuts_off_a_stuck_request() {
    let hole = blackhole().port().to_string();
    let server = start(&["--db-port", &hole, "--db-timeout", "1h", "--shutdown-grace", "5s"]).await;
    let stuck = tokio::spawn(fetch(server.app, "/data"));
    metric_reaches(server.admin, "http_requests_in_flight{route=\"/data\"}", "1").await;

    let started = Instant::now();
    server.lifecycle.request_shutdown();
    let drained = server.run.await.expect("run");
    assert!(matches!(drained, Drained::CutOff { abandoned } if abandoned >= 1), "{drained:?}");
    assert_eq!(started.elapsed().as_secs(), 5);
    assert!(stuck.await.expect("client task").is_err(), "a cut-off request must not get an answer");
}
