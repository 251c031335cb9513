//! The accept loop both listeners share: a cap on concurrent connections, HTTP/1.1 keep-alive and h2c on
//! the same port, a timeout on reading the request head, and a graceful drain on shutdown.
//!
//! On shutdown the listener is closed first (new connections are refused), idle keep-alive connections
//! are closed, and in-flight requests get up to the grace period to finish.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tracing::{debug, info, warn};

/// How the accept loop treats connections.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once; the rest wait in the listen backlog.
    pub max_connections: usize,
    /// Time allowed to receive a request head.
    pub header_read_timeout: Duration,
    /// Time in-flight requests get after shutdown starts.
    pub shutdown_grace: Duration,
}

/// A request handler: any async function from request to response that cannot fail.
pub trait Handler: Clone + Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, request: Request<Incoming>) -> impl Future<Output = Response<Full<Bytes>>> + Send;
}

/// Serves `listener` with `handler` until `shutdown` turns true, then drains within the grace period.
///
/// `name` only labels log lines ("app", "admin").
pub async fn serve<H: Handler>(
    name: &'static str,
    listener: TcpListener,
    handler: H,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));

    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopping(&mut shutdown) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning or exiting.
                    warn!(server = name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopping(&mut shutdown) => break,
        };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        let service = hyper::service::service_fn(move |request| {
            let handler = handler.clone();
            async move { Ok::<_, Infallible>(handler.call(request).await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                debug!(server = name, %peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }

    drop(listener);
    info!(server = name, grace = ?limits.shutdown_grace, "stopped accepting; draining connections");
    match tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await {
        Ok(()) => info!(server = name, "all connections drained"),
        Err(_) => {
            warn!(server = name, grace = ?limits.shutdown_grace, "grace period over; closing remaining connections")
        }
    }
}

/// Completes once the shutdown flag is set (or its sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so callers' futures stay `Send`.
    let _ = shutdown.wait_for(|stop| *stop).await;
}
