//! The HTTP accept loop every small server shares (go-web's app port, every admin port): a cap on
//! concurrent connections, HTTP/1.1 keep-alive and h2c on the same port, a timeout on reading the request
//! head, and the drain.
//!
//! The loop and every connection run as tasks of a [`WorkGroup`]. When the group stops, the listener is
//! closed (new connections are refused) and each connection finishes its in-flight request and closes;
//! idle keep-alive connections close at once. When the group is cut off, what is left is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::lifecycle::WorkGroup;

/// How long to wait after a failed `accept` (usually out of file descriptors) instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How the accept loop treats connections.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once; the rest wait in the listen backlog.
    pub max_connections: usize,
    /// Time allowed to receive a request head; idle keep-alive connections close after it too.
    pub header_read_timeout: Duration,
}

impl Limits {
    /// What an admin listener needs: a few scrapers and probes at a time.
    pub const ADMIN: Limits = Limits { max_connections: 64, header_read_timeout: Duration::from_secs(10) };
}

/// The client's address, in every request's extensions, for handlers that answer differently to loopback
/// (mini-proxy's `POST /shutdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// A request handler: an async function from request to response that cannot fail. Per-request problems
/// become responses (a 500 with a reason), never errors that end the connection.
pub trait Handler: Clone + Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, request: Request<Incoming>) -> impl Future<Output = Response<Full<Bytes>>> + Send;
}

/// A response with a fixed body and content type.
pub fn text_response(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Serves `listener` with `handler` as work of `group` until the group stops. `name` labels log lines.
///
/// Returns the accept loop's task, so the caller can report it if it ever fails.
pub fn serve<H: Handler>(
    name: &'static str,
    listener: TcpListener,
    handler: H,
    limits: Limits,
    group: &WorkGroup,
) -> JoinHandle<()> {
    let group_for_loop = group.clone();
    group.spawn(accept_loop(name, listener, handler, limits, group_for_loop))
}

async fn accept_loop<H: Handler>(
    name: &'static str,
    listener: TcpListener,
    handler: H,
    limits: Limits,
    group: WorkGroup,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    // Taking a permit before accepting keeps extra clients in the kernel's backlog instead of in memory.
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = group.stopping() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    warn!(server = name, error = %e, "accept failed; retrying shortly");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = group.stopping() => break,
        };
        let connection = serve_connection(stream, peer, handler.clone(), builder.clone(), permit, group.clone());
        group.spawn(async move {
            if let Err(e) = connection.await {
                debug!(server = name, %peer, error = %e, "connection ended with an error");
            }
        });
    }
    // Dropping the listener now refuses new connections while the accepted ones finish.
    drop(listener);
}

/// One connection, from its first byte to its close; `permit` is its slot under the connection cap.
async fn serve_connection<H: Handler>(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    handler: H,
    builder: Arc<auto::Builder<TokioExecutor>>,
    permit: OwnedSemaphorePermit,
    group: WorkGroup,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _permit = permit;
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(PeerAddr(peer));
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler.call(request).await) }
    });
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    tokio::select! {
        done = connection.as_mut() => return done,
        _ = group.stopping() => connection.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        done = connection.as_mut() => done,
        _ = group.cut_off() => Ok(()),
    }
}
