//! The admin handler and the accept loop in-process on 127.0.0.1:0: the runtime's routes, readiness gates,
//! a binary's own routes (a `POST /shutdown` like mini-proxy's), and the drain as a client sees it.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use server_runtime::http::{self, Admin, Handler, Limits, text_response};
use server_runtime::{DrainTimes, Drained, Lifecycle};
use test_support::http_client::{Reply, parse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A binary's own admin route: `POST /shutdown` starts the drain, as Linkerd's proxy allows.
#[derive(Clone, Debug)]
struct ShutdownRoute(Lifecycle);

impl Handler for ShutdownRoute {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() == Method::POST && request.uri().path() == "/shutdown" {
            self.0.request_shutdown();
            return text_response(StatusCode::OK, "text/plain", "shutdown\n");
        }
        text_response(StatusCode::NOT_FOUND, "text/plain", "not found\n")
    }
}

/// A handler that answers `/slow` after `delay`, everything else at once.
#[derive(Clone, Debug)]
struct Slow(Duration);

impl Handler for Slow {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.uri().path() == "/slow" {
            tokio::time::sleep(self.0).await;
        }
        text_response(StatusCode::OK, "text/plain", "done")
    }
}

async fn send(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr).await?;
    let head = format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    if raw.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed without a response"));
    }
    Ok(parse(&raw))
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

fn times(delay_ms: u64, grace_ms: u64) -> DrainTimes {
    DrainTimes { delay: Duration::from_millis(delay_ms), grace: Duration::from_millis(grace_ms) }
}

/// /metrics shows the binary's registry, /livez answers, /readyz waits for every gate, unknown paths go to
/// the binary's routes, and its `POST /shutdown` starts a drain that turns /readyz to "shutting down".
#[tokio::test]
async fn admin_routes_gates_and_a_binary_route() {
    let lifecycle = Lifecycle::new(times(0, 1000));
    let mut registry = Registry::default();
    let scrapes = Counter::<u64>::default();
    registry.register("example_things", "Things counted by the example", scrapes.clone());
    scrapes.inc_by(3);
    let synced = lifecycle.readiness().gate("cluster-state");
    let admin = Admin::new(registry, lifecycle.readiness().clone()).with_routes(ShutdownRoute(lifecycle.clone()));
    let (admin_listener, addr) = listener().await;
    http::serve("admin", admin_listener, admin, Limits::ADMIN, lifecycle.admin());

    let metrics = send(addr, "GET", "/metrics").await.expect("metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.header("content-type").is_some_and(|t| t.starts_with("application/openmetrics-text")));
    assert!(metrics.body.contains("example_things_total 3"), "{}", metrics.body);
    assert_eq!(send(addr, "GET", "/livez").await.expect("livez").status, 200);

    let waiting = send(addr, "GET", "/readyz").await.expect("readyz");
    assert_eq!((waiting.status, waiting.body.as_str()), (503, "waiting for: cluster-state\n"));
    synced.open();
    assert_eq!(send(addr, "GET", "/readyz").await.expect("readyz").status, 200);
    assert_eq!(send(addr, "GET", "/nowhere").await.expect("404").status, 404);

    let drain = tokio::spawn({
        let lifecycle = lifecycle.clone();
        async move { lifecycle.drain().await }
    });
    assert_eq!(send(addr, "POST", "/shutdown").await.expect("shutdown").status, 200);
    assert_eq!(drain.await.expect("drain"), Drained::Clean);
    assert!(send(addr, "GET", "/readyz").await.is_err(), "the admin listener should be closed after the drain");
}

/// Without routes of its own, the admin listener's 404 names the routes it has.
#[tokio::test]
async fn unknown_admin_paths_name_the_known_routes() {
    let lifecycle = Lifecycle::new(times(0, 1000));
    let (admin_listener, addr) = listener().await;
    http::serve(
        "admin",
        admin_listener,
        Admin::new(Registry::default(), lifecycle.readiness().clone()),
        Limits::ADMIN,
        lifecycle.admin(),
    );
    let reply = send(addr, "GET", "/debug").await.expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (404, "not found: try /metrics, /livez or /readyz\n"));
}

/// A request in flight when the listener stops still gets its answer, while new connections are refused.
#[tokio::test(start_paused = true)]
async fn in_flight_requests_finish_after_the_listener_stops() {
    let lifecycle = Lifecycle::new(times(0, 10_000));
    let (app_listener, addr) = listener().await;
    let limits = Limits { max_connections: 16, header_read_timeout: Duration::from_secs(10) };
    http::serve("app", app_listener, Slow(Duration::from_secs(3)), limits, lifecycle.app());
    let slow = tokio::spawn(send(addr, "GET", "/slow"));
    while lifecycle.app().in_flight() < 2 {
        // The accept loop, then the connection: both tasks of the app group.
        tokio::task::yield_now().await;
    }
    lifecycle.request_shutdown();
    let drain = tokio::spawn({
        let lifecycle = lifecycle.clone();
        async move { lifecycle.drain().await }
    });
    lifecycle.app().stopping().await;
    tokio::task::yield_now().await;
    assert!(send(addr, "GET", "/fast").await.is_err(), "new connections must be refused once stopped");
    let reply = slow.await.expect("client").expect("the in-flight request is answered");
    assert_eq!((reply.status, reply.body.as_str()), (200, "done"));
    assert_eq!(drain.await.expect("drain"), Drained::Clean);
}

/// With more clients than `max_connections`, the extra one waits in the backlog until a slot frees up.
#[tokio::test]
async fn the_connection_cap_holds_extra_clients_back() {
    let lifecycle = Lifecycle::new(times(0, 1000));
    let (app_listener, addr) = listener().await;
    let limits = Limits { max_connections: 1, header_read_timeout: Duration::from_secs(10) };
    http::serve("app", app_listener, Slow(Duration::from_millis(300)), limits, lifecycle.app());
    let first = tokio::spawn(send(addr, "GET", "/slow"));
    while lifecycle.app().in_flight() < 2 {
        tokio::task::yield_now().await;
    }
    let started = tokio::time::Instant::now();
    let second = send(addr, "GET", "/fast").await.expect("second client");
    assert_eq!(second.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200), "served over the cap after {:?}", started.elapsed());
    assert_eq!(first.await.expect("client").expect("first").status, 200);
}
