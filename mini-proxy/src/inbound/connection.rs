//! One inbound connection, from accept to close (the steps are in the module above).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use server_runtime::WorkGroup;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tracing::debug;

use super::forbidden::Forbidden;
use super::{Inbound, TlsRoute, route_tls};
use crate::detect;
use crate::detect::http::Detected;
use crate::http::forward::Forward;
use crate::http::record::Record;
use crate::http::{StackSettings, server, stack};
use crate::identity::creds::peer_identity;
use crate::metrics::labels::{ConnectionLabels, Direction, ServerLabel, ServerTls, Tls};
use crate::metrics::series::RequestSeries;
use crate::opaque;
use crate::transport::BoxedIo;
use crate::transport::connect::Upstream;
use crate::transport::metered::Metered;
use crate::transport::orig_dst::original_destination;
use crate::transport::prefixed::PrefixedIo;

/// Why an inbound connection was closed without reaching the app.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The connection was not redirected by iptables (or conntrack has no record of it).
    #[error("no original destination (was the connection redirected by `mini-proxy init`?): {0}")]
    NoOriginalDestination(std::io::Error),
    /// The loop guard.
    #[error("inbound connection must not target port {0}")]
    Loop(u16),
    /// Reading or TLS failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Mesh TLS arrived before this proxy had credentials.
    #[error("mesh TLS refused: this proxy has no identity yet")]
    NotReady,
    /// The policy refused a connection that does not speak HTTP.
    #[error("connection denied by the {0} policy")]
    Denied(&'static str),
    /// The app could not be reached.
    #[error(transparent)]
    Connect(#[from] crate::transport::connect::ConnectError),
    /// HTTP serving failed.
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
}

impl Inbound {
    /// Handles one accepted connection; failures are logged, never propagated.
    pub async fn handle(self: Arc<Inbound>, stream: TcpStream, peer: SocketAddr, group: WorkGroup) {
        if let Err(error) = self.proxy(stream, peer, &group).await {
            debug!(%peer, %error, "inbound connection closed");
        }
    }

    async fn proxy(&self, stream: TcpStream, peer: SocketAddr, group: &WorkGroup) -> Result<(), InboundError> {
        let target = original_destination(&stream).map_err(InboundError::NoOriginalDestination)?;
        if target.port() == self.settings.proxy_port {
            return Err(InboundError::Loop(target.port()));
        }
        let mut io = Metered::unlabelled(stream);
        let (peek, prefix) = detect::tls::detect(&mut io, self.settings.detect_timeout).await?;
        let credentials = self.credentials.load_full();
        match route_tls(&peek, credentials.as_ref().map(|c| &c.identity), peer.ip().is_loopback()) {
            TlsRoute::Terminate => {
                let Some(credentials) = credentials else { return Err(InboundError::NotReady) };
                let acceptor = TlsAcceptor::from(credentials.server_config());
                let handshake = acceptor.accept(PrefixedIo::new(prefix, io));
                let mut tls = tokio::time::timeout(self.settings.detect_timeout, handshake)
                    .await
                    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timed out"))??;
                let client_id = peer_identity(tls.get_ref().1.peer_certificates());
                let labels = self.labels(target, ServerTls::Established { client_id: client_id.clone() });
                tls.get_mut().0.get_mut().attach(self.metrics.open_connection(labels.transport(None)));
                self.admitted(Box::new(tls), labels, Some(client_id), false, group).await
            }
            TlsRoute::Passthrough { sni } => {
                let labels = self.labels(target, ServerTls::Opaque { sni });
                io.attach(self.metrics.open_connection(labels.transport(None)));
                self.admitted(Box::new(PrefixedIo::new(prefix, io)), labels, None, true, group).await
            }
            TlsRoute::Plaintext(reason) => {
                let labels = self.labels(target, ServerTls::NoIdentity(reason));
                io.attach(self.metrics.open_connection(labels.transport(None)));
                self.admitted(Box::new(PrefixedIo::new(prefix, io)), labels, Some(None), false, group).await
            }
            TlsRoute::NotReady => Err(InboundError::NotReady),
        }
    }

    fn labels(&self, target: SocketAddr, tls: ServerTls) -> ConnectionLabels {
        let policy = self.settings.policy.for_port(target.port());
        ConnectionLabels {
            direction: Direction::Inbound,
            target,
            tls: Tls::Server(tls),
            server: Some(ServerLabel { name: policy.name(), port: target.port() }),
            destination: Vec::new(),
        }
    }

    /// Applies the policy, then forwards as TCP or serves HTTP. `client_id` is `Some` when the stack
    /// should set `l5d-client-id` (from the identity inside, if any).
    async fn admitted(
        &self,
        mut io: BoxedIo,
        labels: ConnectionLabels,
        client_id: Option<Option<crate::identity::Identity>>,
        passthrough: bool,
        group: &WorkGroup,
    ) -> Result<(), InboundError> {
        let Tls::Server(tls) = &labels.tls else { return Ok(()) };
        let policy = self.settings.policy.for_port(labels.target.port());
        let allowed = policy.allows(tls);
        let authz = labels.http(None);
        if allowed { &self.metrics.tcp_authz_allow } else { &self.metrics.tcp_authz_deny }.get_or_create(&authz).inc();
        let app = [Upstream { addr: labels.target, identity: None }];
        if passthrough || self.settings.opaque_ports.contains(&labels.target.port()) {
            if !allowed {
                return Err(InboundError::Denied(policy.name()));
            }
            opaque::forward(io, &app, &[], self.pool.connector(), &self.loads).await?;
            return Ok(());
        }
        let (detected, bytes) = detect::http::detect(&mut io, BytesMut::new(), self.settings.detect_timeout).await?;
        let io = PrefixedIo::new(bytes, io);
        let Detected::Http(version) = detected else {
            if !allowed {
                return Err(InboundError::Denied(policy.name()));
            }
            opaque::forward(io, &app, &[], self.pool.connector(), &self.loads).await?;
            return Ok(());
        };
        let series = RequestSeries::new(self.metrics.clone(), Arc::new(labels));
        if !allowed {
            let denied = self.metrics.http_authz_deny.get_or_create(&authz).clone();
            let service = Record { inner: Forbidden { policy, denied }, series, with_authority: false };
            return Ok(server::serve(io, version, service, group).await?);
        }
        let forward = Forward { upstream: app[0].clone(), labels: Arc::new([]), version, pool: self.pool.clone() };
        let settings = StackSettings {
            series,
            with_authority: false,
            response_timeout: self.settings.response_timeout,
            client_id,
        };
        Ok(server::serve(io, version, stack(forward, settings), group).await?)
    }
}
