//! The outbound proxy (`127.0.0.1:4140`): connections from this pod's app, redirected here by `init`'s
//! OUTPUT rules, on their way out.
//!
//! For each connection:
//! 1. the original destination is read (a connection that was not redirected has none and is closed);
//! 2. discovery resolves it ([`crate::discovery`]): a Service's endpoints, a pod, or the address itself;
//! 3. on an opaque port (the configured list, or the destination's `opaque-ports` annotation) the
//!    connection is forwarded as TCP at once, so server-speaks-first protocols never wait for detection;
//!    otherwise HTTP is detected;
//! 4. HTTP requests are balanced per request over the endpoints ([`requests`]); anything else is
//!    forwarded as TCP to one endpoint. Meshed endpoints are reached over mutual TLS.

pub mod requests;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use bytes::BytesMut;
use server_runtime::WorkGroup;
use tokio::net::TcpStream;
use tracing::debug;

use crate::balance::Loads;
use crate::detect;
use crate::detect::http::Detected;
use crate::discovery::Directory;
use crate::http::pool::Pool;
use crate::http::server;
use crate::metrics::ProxyMetrics;
use crate::metrics::labels::{ConnectionLabels, Direction, NoServerTls, ServerTls, Tls};
use crate::opaque;
use crate::transport::connect::ConnectError;
use crate::transport::metered::Metered;
use crate::transport::orig_dst::original_destination;
use crate::transport::prefixed::PrefixedIo;

/// How the outbound side behaves.
#[derive(Clone, Debug)]
pub struct OutboundSettings {
    /// Ports forwarded without HTTP detection.
    pub opaque_ports: HashSet<u16>,
    /// How long HTTP detection waits for the app's first bytes.
    pub detect_timeout: Duration,
    /// How long an upstream may take to send response headers (zero: no limit).
    pub response_timeout: Duration,
}

/// Everything outbound connections share.
#[derive(Clone, Debug)]
pub struct Outbound {
    /// Settings.
    pub settings: OutboundSettings,
    /// What discovery knows, swapped whole on every change.
    pub directory: Arc<ArcSwap<Directory>>,
    /// Metrics.
    pub metrics: ProxyMetrics,
    /// Connections to upstreams.
    pub pool: Pool,
    /// Endpoint latency estimates.
    pub loads: Loads,
}

/// Why an outbound connection was closed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The connection came to the outbound port directly, or conntrack has no record of it.
    #[error("no original destination (was the connection redirected by `mini-proxy init`?)")]
    NoOriginalDestination,
    /// Reading failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The upstream could not be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// HTTP serving failed.
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
}

impl Outbound {
    /// Handles one accepted connection; failures are logged, never propagated.
    pub async fn handle(self: Arc<Outbound>, stream: TcpStream, peer: SocketAddr, group: WorkGroup) {
        if let Err(error) = self.proxy(stream, &group).await {
            debug!(%peer, %error, "outbound connection closed");
        }
    }

    async fn proxy(&self, stream: TcpStream, group: &WorkGroup) -> Result<(), OutboundError> {
        let target = original_destination(&stream).map_err(|_| OutboundError::NoOriginalDestination)?;
        if Some(target) == stream.local_addr().ok() {
            return Err(OutboundError::NoOriginalDestination);
        }
        let destination = self.directory.load().resolve(target);
        let accepted = ConnectionLabels {
            direction: Direction::Outbound,
            target,
            tls: Tls::Server(ServerTls::NoIdentity(NoServerTls::Loopback)),
            server: None,
            destination: destination.labels.clone(),
        };
        let mut io = Metered::new(stream, self.metrics.open_connection(accepted.transport(None)));
        let connector = self.pool.connector();
        if destination.opaque || self.settings.opaque_ports.contains(&target.port()) {
            opaque::forward(io, &destination.endpoints, &destination.labels, connector, &self.loads).await?;
            return Ok(());
        }
        let (detected, bytes) = detect::http::detect(&mut io, BytesMut::new(), self.settings.detect_timeout).await?;
        let io = PrefixedIo::new(bytes, io);
        match detected {
            Detected::Http(version) => {
                let service = requests::Requests::new(self, destination, version);
                Ok(server::serve(io, version, service, group).await?)
            }
            Detected::NotHttp | Detected::ReadTimeout => {
                opaque::forward(io, &destination.endpoints, &destination.labels, connector, &self.loads).await?;
                Ok(())
            }
        }
    }
}
