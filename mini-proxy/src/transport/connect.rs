//! Opening connections: TCP with a timeout, counted as `peer="dst"`, then mutual TLS when the
//! destination is a meshed peer. The client sends the peer's identity as SNI and rustls checks the
//! server's certificate chain against the trust anchors and its name against that identity, so a server
//! holding any other identity, or a certificate from another CA, or an expired one, is refused before a
//! byte of the request is sent.

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::BoxedIo;
use super::metered::Metered;
use crate::identity::{CurrentCredentials, Identity};
use crate::metrics::ProxyMetrics;
use crate::metrics::labels::{ClientTls, ConnectionLabels, Direction, Tls};

/// How long a TLS handshake may take once TCP is connected. Kept apart from the connect timeout (a
/// peer that does not answer at all), since a busy peer finishing many handshakes at once is slow, not
/// gone.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to connect, and who must answer there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// The address.
    pub addr: SocketAddr,
    /// The identity the server must prove; `None` for plaintext.
    pub identity: Option<Identity>,
}

/// Hashes the address alone. The connection pool looks an upstream up for every request, and hashing
/// the identity's sixty-odd bytes too was half of what the outbound proxy spent hashing per request
/// (about 400 of 800 instructions under callgrind); an address seldom comes with two identities, and
/// equality still tells them apart.
impl Hash for Upstream {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr.hash(state);
    }
}

/// Why a connection could not be made; each names the address.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The peer did not answer within the connect timeout.
    #[error("connect to {addr} timed out after {timeout:?}")]
    Timeout {
        /// The address.
        addr: SocketAddr,
        /// The timeout.
        timeout: Duration,
    },
    /// The connection failed (refused, unreachable).
    #[error("connect to {addr} failed: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The peer is meshed, but this proxy has no credentials yet.
    #[error("no identity yet to connect to meshed peer {addr} ({identity})")]
    NoCredentials {
        /// The address.
        addr: SocketAddr,
        /// The peer's identity.
        identity: Identity,
    },
    /// The TLS handshake failed: the peer's certificate is untrusted, expired, or names someone else.
    #[error("TLS to {addr} as {identity} failed: {source}")]
    Tls {
        /// The address.
        addr: SocketAddr,
        /// The identity expected.
        identity: Identity,
        /// What rustls said.
        source: std::io::Error,
    },
}

/// Opens connections for one direction of the proxy.
#[derive(Clone, Debug)]
pub struct Connector {
    /// Inbound (to this pod's app) or outbound (to peers).
    pub direction: Direction,
    /// How long the TCP connect may take.
    pub timeout: Duration,
    /// This proxy's credentials, for mutual TLS.
    pub credentials: CurrentCredentials,
    /// Where `peer="dst"` series go.
    pub metrics: ProxyMetrics,
}

impl Connector {
    /// Connects to `upstream`; `destination` are discovery's labels for it (`dst_namespace`, …).
    pub async fn connect(
        &self,
        upstream: &Upstream,
        destination: &[(&'static str, String)],
    ) -> Result<BoxedIo, ConnectError> {
        let addr = upstream.addr;
        let timeout = self.timeout;
        let credentials = match &upstream.identity {
            Some(identity) => match self.credentials.load_full() {
                Some(creds) => Some((identity.clone(), creds)),
                None => return Err(ConnectError::NoCredentials { addr, identity: identity.clone() }),
            },
            None => None,
        };
        let tls = match (&credentials, self.direction) {
            (Some((identity, _)), _) => ClientTls::Established { server_id: identity.clone() },
            (None, Direction::Inbound) => ClientTls::Loopback,
            (None, Direction::Outbound) => ClientTls::NotMeshed,
        };
        let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ConnectError::Timeout { addr, timeout })?
            .map_err(|source| ConnectError::Io { addr, source })?;
        let _ = tcp.set_nodelay(true);
        let labels = ConnectionLabels {
            direction: self.direction,
            target: addr,
            tls: Tls::Client(tls),
            server: None,
            destination: destination.to_vec(),
        };
        let metered = Metered::new(tcp, self.metrics.open_connection(labels.transport(None)));
        let Some((identity, creds)) = credentials else { return Ok(Box::new(metered)) };
        let tls_error = |source| ConnectError::Tls { addr, identity: identity.clone(), source };
        let name =
            ServerName::try_from(identity.as_str().to_string()).map_err(|e| tls_error(std::io::Error::other(e)))?;
        let handshake = TlsConnector::from(creds.client_config()).connect(name, metered);
        let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
            .await
            .map_err(|_| tls_error(std::io::Error::new(std::io::ErrorKind::TimedOut, "the handshake timed out")))?
            .map_err(tls_error)?;
        Ok(Box::new(stream))
    }
}
