//! `mini-proxy`: the lab's service-mesh sidecar, a small drop-in for Linkerd's proxy.
//!
//! In a meshed pod, `mini-proxy init` installs iptables rules that send the app's outbound connections
//! to the proxy's outbound port and peers' inbound connections to its inbound port; `mini-proxy run`
//! then proxies both, transparently: between two meshed pods the hop is mutual TLS with identities named
//! like Linkerd's, HTTP requests are balanced per request over a Service's endpoints, and every request
//! and connection is counted in Linkerd's metric families so Linkerd's own queries read them.
//!
//! # Layout
//! Layers, lowest first; each uses only those above it in this list:
//! - [`identity`]: identity names, credentials and TLS configurations, minting, the credentials directory.
//!   [`meshed`]: what a Pod object says about its place in the mesh.
//! - [`metrics`]: Linkerd's families and labels. [`policy`], [`balance`]: pure decisions.
//! - [`detect`]: TLS and HTTP detection over byte prefixes. [`discovery`]: the cluster as destinations.
//! - [`transport`]: original destinations, replayed and metered streams, connecting out (plain or mTLS).
//! - [`opaque`]: TCP forwarding. [`http`]: the request stack, one middleware per file, and its server.
//! - [`inbound`], [`outbound`]: the two proxies. [`accept`]: their accept loop. [`admin`]: `/shutdown`.
//! - [`config`] and [`run`]: `mini-proxy run`'s settings and wiring. [`init`]: the iptables rules.
//!   [`commands`]: the one-shot subcommands. [`inject`]: manifests in, meshed manifests out.
//!   [`stat`]: reading the proxies' metrics, and `linkerd viz stat` over them. [`dashboard`]: the same
//!   figures live on a web page, with the edges between deployments.

pub mod accept;
pub mod admin;
pub mod balance;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod detect;
pub mod discovery;
pub mod http;
pub mod identity;
pub mod inbound;
pub mod init;
pub mod inject;
pub mod meshed;
pub mod metrics;
pub mod opaque;
pub mod outbound;
pub mod policy;
pub mod stat;
pub mod transport;

use std::sync::Arc;

use arc_swap::ArcSwap;
use cluster_state::{ClusterState, Source};
use prometheus_client::registry::Registry;
use server_runtime::http::{Admin, Limits};
use server_runtime::{Drained, Lifecycle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::balance::Loads;
use crate::config::RunConfig;
use crate::discovery::Directory;
use crate::identity::CurrentCredentials;
use crate::inbound::{Inbound, InboundSettings};
use crate::metrics::ProxyMetrics;
use crate::metrics::labels::Direction;
use crate::outbound::{Outbound, OutboundSettings};
use crate::transport::connect::Connector;

/// The three listeners, bound by `main`.
#[derive(Debug)]
pub struct Listeners {
    /// Redirected inbound connections.
    pub inbound: TcpListener,
    /// Redirected outbound connections.
    pub outbound: TcpListener,
    /// `/metrics`, `/live`, `/ready`, `POST /shutdown`.
    pub admin: TcpListener,
}

/// Why the proxy could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The cluster-state source could not start.
    #[error("discovery: {0}")]
    Discovery(#[from] cluster_state::Error),
    /// The identity client could not make its key, CSR or TLS configuration.
    #[error("identity: {0}")]
    Identity(#[from] identity::client::CertifyError),
}

/// Proxies on `listeners` until `lifecycle` has drained. Inbound stops accepting when the drain starts
/// and finishes its requests within the grace period; outbound keeps serving until inbound is done, so
/// the app can complete what it is doing.
pub async fn run(
    listeners: Listeners,
    config: RunConfig,
    source: Source,
    lifecycle: Lifecycle,
) -> Result<Drained, RunError> {
    let mut registry = Registry::default();
    let metrics = ProxyMetrics::new(&mut registry);
    let stop = CancellationToken::new();

    let credentials = CurrentCredentials::default();
    let identity_ready = lifecycle.readiness().gate("identity");
    let identity = match config.certify.clone() {
        // Certificates from the identity service; the key stays in memory.
        Some(service) => {
            let client = Arc::new(identity::client::IdentityClient::new(service)?);
            let certify = move || {
                let client = client.clone();
                async move { client.certify().await }
            };
            tokio::spawn(identity::client::maintain(certify, credentials.clone(), identity_ready, stop.clone()))
        }
        None => tokio::spawn(identity::files::follow(
            config.identity.clone(),
            credentials.clone(),
            identity_ready,
            stop.clone(),
        )),
    };

    let state = ClusterState::start("mini-proxy", source, discovery::follow::query(), stop.clone()).await?;
    let directory = Arc::new(ArcSwap::from_pointee(Directory::default()));
    let destinations = tokio::spawn(discovery::follow::follow(state, directory.clone(), config.trust_domain.clone()));

    let connector = |direction, timeout| Connector {
        direction,
        timeout,
        credentials: credentials.clone(),
        metrics: metrics.clone(),
    };
    let inbound = Arc::new(Inbound {
        settings: InboundSettings {
            proxy_port: listeners.inbound.local_addr().map(|a| a.port()).unwrap_or(config.inbound_addr.port()),
            policy: config.policy.clone(),
            opaque_ports: config.inbound_opaque_ports.clone(),
            detect_timeout: config.detect_timeout,
            response_timeout: config.response_timeout,
        },
        credentials: credentials.clone(),
        metrics: metrics.clone(),
        pool: http::pool::Pool::new(connector(Direction::Inbound, config.inbound_connect_timeout)),
        loads: Loads::default(),
    });
    let outbound = Arc::new(Outbound {
        settings: OutboundSettings {
            opaque_ports: config.outbound_opaque_ports.clone(),
            detect_timeout: config.detect_timeout,
            response_timeout: config.response_timeout,
        },
        directory,
        metrics: metrics.clone(),
        pool: http::pool::Pool::new(connector(Direction::Outbound, config.outbound_connect_timeout)),
        loads: Loads::default(),
    });

    let app = lifecycle.app().clone();
    accept::serve("inbound", listeners.inbound, lifecycle.app(), move |stream, peer| {
        inbound.clone().handle(stream, peer, app.clone())
    });
    let last = lifecycle.admin().clone();
    accept::serve("outbound", listeners.outbound, lifecycle.admin(), move |stream, peer| {
        outbound.clone().handle(stream, peer, last.clone())
    });
    let admin = Admin::new(registry, lifecycle.readiness().clone())
        .with_routes(admin::AdminRoutes { lifecycle: lifecycle.clone() });
    server_runtime::http::serve("admin", listeners.admin, admin, Limits::ADMIN, lifecycle.admin());

    let drained = lifecycle.drain().await;
    stop.cancel();
    let _ = tokio::join!(identity, destinations);
    Ok(drained)
}
