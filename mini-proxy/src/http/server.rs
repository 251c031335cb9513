//! Serving one accepted connection with a request stack, in the HTTP version detection found. HTTP/1
//! keeps header case as the client wrote it and allows upgrades; HTTP/2 multiplexes. When the proxy
//! drains, the connection finishes the requests in flight and closes (HTTP/2 sends GOAWAY); when the
//! grace period ends it is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};

use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use server_runtime::WorkGroup;
use tower::ServiceExt;

use super::ProxyBody;
use crate::detect::http::HttpVersion;
use crate::transport::Io;

/// Requests one HTTP/2 connection may carry at once: every HTTP/1 request from one meshed peer shares
/// one connection, so hyper's default of 200 would queue a busy client's requests behind each other.
const MAX_CONCURRENT_STREAMS: u32 = 10_000;

/// Serves `io` with `service` until the client closes, or the drain of `group` ends it.
pub async fn serve<I, S>(io: I, version: HttpVersion, service: S, group: &WorkGroup) -> Result<(), hyper::Error>
where
    I: Io,
    S: tower::Service<Request<Incoming>, Response = Response<ProxyBody>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let service = hyper::service::service_fn(move |request| service.clone().oneshot(request));
    match version {
        HttpVersion::Http1 => {
            // Header names go out in lowercase, as from Linkerd's proxy (HTTP/1 names are
            // case-insensitive, and HTTP/2 between proxies lowercases them anyway); remembering each
            // message's spelling cost a second header map per message.
            let connection = http1::Builder::new().serve_connection(TokioIo::new(io), service).with_upgrades();
            drive(pin!(connection), |c| c.graceful_shutdown(), group).await
        }
        HttpVersion::H2 => {
            let connection = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .initial_connection_window_size(super::H2_CONNECTION_WINDOW)
                .initial_stream_window_size(super::H2_STREAM_WINDOW)
                .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
                .serve_connection(TokioIo::new(io), service);
            drive(pin!(connection), |c| c.graceful_shutdown(), group).await
        }
    }
}

/// Runs `connection`, asking it to finish gracefully when `group` stops and dropping it when the group
/// is cut off.
async fn drive<C>(
    mut connection: Pin<&mut C>,
    graceful: impl FnOnce(Pin<&mut C>),
    group: &WorkGroup,
) -> Result<(), hyper::Error>
where
    C: Future<Output = Result<(), hyper::Error>>,
{
    tokio::select! {
        done = connection.as_mut() => return done,
        _ = group.stopping() => graceful(connection.as_mut()),
    }
    tokio::select! {
        done = connection.as_mut() => done,
        _ = group.cut_off() => Ok(()),
    }
}
