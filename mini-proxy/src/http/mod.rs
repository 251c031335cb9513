//! HTTP proxying as a tower stack, one concern per file, outermost first:
//! - [`record`]: `request_total` when the headers arrive, `response_total` and `response_latency_ms`
//!   when the response stream ends;
//! - [`errors`]: failures to reach the upstream become `502`/`503`/`504` responses whose
//!   `l5d-proxy-error` header and body say what happened;
//! - [`hop_by_hop`]: connection-scoped headers (RFC 9110 §7.6.1) are dropped in both directions;
//! - [`timeout`]: how long the response headers may take;
//! - [`client_id`] (inbound only): the `l5d-client-id` header is removed from every request and set
//!   again only from the identity the client proved over mutual TLS, so it cannot be spoofed;
//! - [`forward`]: a pooled connection to the endpoint is taken ([`pool`]) and the request sent,
//!   upgrades (WebSocket, `CONNECT`) included; HTTP/1 between meshed proxies travels as HTTP/2
//!   ([`orig_proto`]).
//!
//! The endpoint is chosen before the stack, so that each request's series carry the endpoint it went
//! to: inbound, the app; outbound, the balancer's pick (`crate::outbound::requests`).
//!
//! [`server`] runs the stack on an accepted connection, HTTP/1 or HTTP/2, with the drain.

pub mod client_id;
pub mod errors;
pub mod forward;
pub mod hop_by_hop;
pub mod orig_proto;
pub mod pool;
pub mod record;
pub mod server;
pub mod timeout;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;

use crate::transport::connect::ConnectError;

/// HTTP/2 flow-control windows, Linkerd's: 1 MiB per connection, 64 KiB per stream. Fixed rather than
/// adaptive, which would add BDP pings to every connection and vary latency while it probes.
pub const H2_CONNECTION_WINDOW: u32 = 1024 * 1024;
/// See [`H2_CONNECTION_WINDOW`].
pub const H2_STREAM_WINDOW: u32 = 65_535;

/// The body of every response the proxy returns: the upstream's, streamed, or one the proxy wrote.
pub type ProxyBody = UnsyncBoxBody<Bytes, hyper::Error>;

/// A boxed future, what each layer's `call` returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A request the proxy could not complete; [`errors`] turns each into a response.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// No connection to the chosen endpoint.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The connection failed while the request was sent or before its response arrived.
    #[error("the upstream connection failed: {0}")]
    Upstream(hyper::Error),
    /// The response headers did not come in time.
    #[error("response timed out after {0:?}")]
    ResponseTimeout(Duration),
}

/// The stack in front of one endpoint.
pub type Stack = record::Record<
    errors::ErrorResponses<hop_by_hop::HopByHop<timeout::ResponseTimeout<client_id::ClientId<forward::Forward>>>>,
>;

/// What a stack needs besides the endpoint.
#[derive(Clone, Debug)]
pub struct StackSettings {
    /// The series of the connection (inbound) or of the endpoint on this connection (outbound).
    pub series: std::sync::Arc<crate::metrics::series::RequestSeries>,
    /// Outbound series carry the request's authority.
    pub with_authority: bool,
    /// The response timeout (zero: none).
    pub response_timeout: Duration,
    /// Inbound: `Some` with the client's verified identity (or `None` for plaintext); outbound: `None`,
    /// which leaves `l5d-client-id` alone.
    pub client_id: Option<Option<crate::identity::Identity>>,
}

/// Builds the stack in front of `forward`.
pub fn stack(forward: forward::Forward, settings: StackSettings) -> Stack {
    let client_id = match &settings.client_id {
        Some(client) => client_id::ClientId::new(forward, client.as_ref()),
        None => client_id::ClientId::off(forward),
    };
    record::Record {
        inner: errors::ErrorResponses(hop_by_hop::HopByHop(timeout::ResponseTimeout {
            inner: client_id,
            timeout: settings.response_timeout,
        })),
        series: settings.series,
        with_authority: settings.with_authority,
    }
}

/// An empty or fixed body as a [`ProxyBody`].
pub fn fixed_body(bytes: impl Into<Bytes>) -> ProxyBody {
    use http_body_util::BodyExt;
    http_body_util::Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}
