//! The end of the stack: send the request to one endpoint (chosen already: inbound, the app; outbound,
//! the balancer's pick) and hand back the response as it streams.
//!
//! An HTTP/1 upgrade (`Connection: upgrade`, WebSocket) or `CONNECT` gets a connection of its own: once the
//! upstream agrees (`101`, or `2xx` to `CONNECT`), both connections are handed over and bytes are copied
//! between them until either side closes.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::TryFutureExt;
use http::{Method, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tracing::debug;

use super::hop_by_hop::is_upgrade;
use super::orig_proto;
use super::pool::{Pool, handshake_http1};
use super::{BoxFuture, ProxyBody, ProxyError};
use crate::detect::http::HttpVersion;
use crate::metrics::labels::Direction;
use crate::transport::connect::Upstream;

/// Sends requests to one endpoint.
#[derive(Clone, Debug)]
pub struct Forward {
    /// The endpoint.
    pub upstream: Upstream,
    /// Discovery's labels for the destination, for the transport metrics of new connections.
    pub labels: Arc<[(&'static str, String)]>,
    /// The protocol requests arrive in, and are sent in.
    pub version: HttpVersion,
    /// Upstream connections.
    pub pool: Pool,
}

impl Forward {
    /// The protocol `request` travels in to the upstream, rewriting it when that differs: HTTP/1 to a
    /// meshed peer goes as HTTP/2, and a peer's upgraded request goes to the app as HTTP/1
    /// ([`orig_proto`]).
    fn wire_version(&self, request: &mut Request<Incoming>) -> HttpVersion {
        let inbound = self.pool.connector().direction == Direction::Inbound;
        if inbound && orig_proto::downgrade(request) {
            return HttpVersion::Http1;
        }
        if !inbound && self.version == HttpVersion::Http1 && self.upstream.identity.is_some() {
            orig_proto::upgrade(request, self.upstream.addr);
            return HttpVersion::H2;
        }
        self.version
    }
}

impl tower::Service<Request<Incoming>> for Forward {
    type Response = Response<ProxyBody>;
    type Error = ProxyError;
    type Future = BoxFuture<Result<Response<ProxyBody>, ProxyError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ProxyError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<Incoming>) -> Self::Future {
        if self.version == HttpVersion::Http1 && is_upgrade(&request) {
            let this = self.clone();
            return Box::pin(async move {
                let response = upgrade(&this.pool, &this.upstream, &this.labels, request).await?;
                Ok(response.map(|body| body.boxed_unsync()))
            });
        }
        // The request is handed on before the future is made, so the future does not carry it (see
        // `Pool::send`).
        let wire = self.wire_version(&mut request);
        let sending = self.pool.send(&self.upstream, wire, &self.labels, request);
        let version = self.version;
        // A combinator rather than an `async` block, which would hold the sending future twice.
        Box::pin(sending.map_ok(move |mut response| {
            if wire != version {
                *response.version_mut() = match version {
                    HttpVersion::Http1 => Version::HTTP_11,
                    HttpVersion::H2 => Version::HTTP_2,
                };
            }
            response.map(|body| body.boxed_unsync())
        }))
    }
}

/// Sends an upgrade request on a connection of its own and, if the upstream switches, joins the two
/// upgraded connections.
async fn upgrade(
    pool: &Pool,
    upstream: &Upstream,
    labels: &[(&'static str, String)],
    mut request: Request<Incoming>,
) -> Result<Response<Incoming>, ProxyError> {
    let tunnel = request.method() == Method::CONNECT;
    let downstream = hyper::upgrade::on(&mut request);
    let io = pool.connector().connect(upstream, labels).await?;
    let mut sender = handshake_http1(io, true).await?;
    let mut response = sender.send_request(request).await.map_err(ProxyError::Upstream)?;
    let switched = response.status() == StatusCode::SWITCHING_PROTOCOLS || (tunnel && response.status().is_success());
    if switched {
        let upstream_side = hyper::upgrade::on(&mut response);
        tokio::spawn(async move {
            match tokio::try_join!(downstream, upstream_side) {
                Ok((client, server)) => {
                    let copied =
                        tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(server)).await;
                    debug!(?copied, "upgraded connection closed");
                }
                Err(e) => debug!(error = %e, "upgrade did not complete"),
            }
        });
    }
    Ok(response)
}
