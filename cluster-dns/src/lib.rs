//! `cluster-dns`: the lab's cluster DNS. It implements the Kubernetes DNS-Based Service Discovery
//! specification the way CoreDNS's `kubernetes` plugin does under kubeadm's default Corefile, so it can
//! stand behind the `kube-dns` Service in place of CoreDNS with no change to any pod.
//!
//! # Layout
//! - [`cluster`]: the cluster as DNS sees it, an index built from a cluster-state snapshot (pure).
//! - [`answer`]: answers as pure functions of a question and the index: the whole record table,
//!   NXDOMAIN versus NODATA, and what must go upstream.
//! - [`upstream`]: the host's resolvers, the forwarder, the answer cache, the loop check.
//! - [`wire`]: reading queries and encoding responses (hickory-server's request and response types).
//! - [`server`]: the only socket code, UDP and TCP, and the handler between bytes and answers.
//! - [`loadbalance`], [`metrics`], [`follow`] (keeping the index current), [`config`].
//!
//! [`run`] ties them together; `main` only parses configuration, binds and calls it.

pub mod answer;
pub mod cluster;
pub mod config;
pub mod follow;
pub mod loadbalance;
pub mod metrics;
pub mod server;
pub mod upstream;
pub mod wire;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use arc_swap::ArcSwap;
use cluster_state::{ClusterState, Source};
use prometheus_client::registry::Registry;
use server_runtime::http::{self, Admin, Limits};
use server_runtime::{BindError, Drained, Lifecycle, listen};
use tokio::net::{TcpListener, UdpSocket};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::answer::Settings;
use crate::cluster::ClusterIndex;
use crate::config::Config;
use crate::server::{Handler, TcpLimits};
use crate::upstream::Upstream;
use crate::upstream::cache::{Cache, CacheLimits};
use crate::upstream::forward::Forwarder;
use crate::upstream::loop_probe::LoopProbe;

/// The shortest time an upstream answer is cached, CoreDNS's `cache` default.
const CACHE_MIN_TTL: Duration = Duration::from_secs(5);

/// The sockets `run` serves, bound by `main` (or a test).
pub struct Listeners {
    /// DNS over UDP.
    pub udp: UdpSocket,
    /// DNS over TCP, on the same port.
    pub tcp: TcpListener,
    /// `/metrics`, `/health`, `/ready`.
    pub admin: TcpListener,
}

/// Why the server stopped before a drain.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The cluster state could not be read at start (a file that does not parse, an API that refused).
    #[error("cannot read the cluster state: {0}")]
    ClusterState(#[from] cluster_state::Error),
    /// Queries sent upstream came back: the upstream is this server.
    #[error(
        "loop detected: a query forwarded to {0} came back to this server; point --upstream (or the nameservers of --resolv-conf) at a resolver that is not this server"
    )]
    Loop(String),
}

/// Binds DNS's UDP socket and TCP listener on one port: `listen`'s, or, for port 0, the first port the
/// kernel gives that is free for both (tests run many servers at once). Announces both once bound.
pub async fn bind_dns(listen: SocketAddr) -> Result<(UdpSocket, TcpListener), BindError> {
    let failed = |addr, source| BindError { addr, setting: "LISTEN_ADDR", source };
    for _ in 0..20 {
        let udp = UdpSocket::bind(listen).await.map_err(|e| failed(listen, e))?;
        let bound = udp.local_addr().map_err(|e| failed(listen, e))?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => {
                listen::announce("dns-udp", bound);
                listen::announce("dns-tcp", bound);
                return Ok((udp, tcp));
            }
            // Someone else holds that TCP port; with port 0 another UDP port will do.
            Err(_) if listen.port() == 0 => continue,
            Err(e) => return Err(failed(bound, e)),
        }
    }
    Err(failed(listen, std::io::ErrorKind::AddrInUse.into()))
}

/// Serves DNS on `listeners` from `source` until `lifecycle` has drained.
pub async fn run(
    listeners: Listeners,
    config: Config,
    source: Source,
    lifecycle: Lifecycle,
) -> Result<Drained, RunError> {
    let port = listeners.udp.local_addr().map(|a| a.port()).unwrap_or(config.listen.port());
    let mut registry = Registry::default();
    let metrics = metrics::DnsMetrics::new(&mut registry, port);
    let limits = CacheLimits {
        capacity: config.cache_size,
        max_ttl: config.cache_ttl,
        min_ttl: CACHE_MIN_TTL.min(config.cache_ttl),
    };
    let cache = Arc::new(Cache::new(limits, limits));
    metrics.register_cache(&mut registry, cache.clone());
    let forwarder = Forwarder::new(config.upstreams.clone(), config.max_concurrent);
    let upstream = Arc::new(Upstream::new(cache, forwarder, metrics.clone()));

    let state_stop = CancellationToken::new();
    let state = ClusterState::start("cluster-dns", source, follow::query(config.pods), state_stop.clone()).await?;
    let index = Arc::new(ArcSwap::from_pointee(ClusterIndex::default()));
    let synced = lifecycle.readiness().gate("cluster-state");
    let follower = tokio::spawn(follow::follow(state, index.clone(), synced));

    let probe = Arc::new(LoopProbe::new());
    let handler = Arc::new(Handler {
        index,
        settings: Settings {
            zone: config.zone.clone(),
            ttl: config.ttl,
            pods: config.pods,
            own_ips: config.own_ips.clone(),
        },
        upstream: upstream.clone(),
        metrics,
        udp_size: config.edns_udp_size,
        loadbalance: config.loadbalance,
        probe: probe.clone(),
        responses: AtomicU64::new(u64::from(port).wrapping_mul(0x2545_f491_4f6c_dd1d)),
    });
    let own_address = reachable(listeners.udp.local_addr().unwrap_or(config.listen));
    server::udp::serve(listeners.udp, handler.clone(), config.udp_workers, lifecycle.app());
    let tcp_limits = TcpLimits { max_connections: config.max_tcp_connections, idle_timeout: config.tcp_idle_timeout };
    server::tcp::serve(listeners.tcp, handler, tcp_limits, lifecycle.app());
    let admin = Admin::new(registry, lifecycle.readiness().clone());
    let admin_task = http::serve("admin", listeners.admin, admin, Limits::ADMIN, lifecycle.admin());

    let outcome = tokio::select! {
        drained = lifecycle.drain() => Ok(drained),
        looped = loop_check(config.loop_check, &probe, own_address, &upstream) => Err(looped),
    };
    state_stop.cancel();
    if outcome.is_err() {
        lifecycle.request_shutdown();
        lifecycle.hurry();
        lifecycle.drain().await;
    }
    for (name, task) in [("cluster index", follower), ("admin", admin_task)] {
        if let Err(e) = task.await {
            error!(task = name, error = %e, "task failed");
        }
    }
    outcome
}

/// Sends the loop probe to this server (it forwards it like any foreign name) a few times; resolves
/// only if the probe comes back as a loop, naming the upstreams to blame.
async fn loop_check(enabled: bool, probe: &LoopProbe, server: SocketAddr, upstream: &Upstream) -> RunError {
    let upstreams = upstream.forwarder().upstreams();
    if !enabled || upstreams.is_empty() {
        return std::future::pending().await;
    }
    let (name, qtype) = probe.query();
    let probing = async {
        for attempt in 0..3u32 {
            if send_probe(server, name, qtype).await {
                info!(probe = %name, "loop check: the upstream answered the probe; no loop");
                return std::future::pending().await;
            }
            tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
        }
        warn!(probe = %name, "loop check: the probe got no answer; cannot tell whether the upstream loops");
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = probe.looped() => {}
        _ = probing => {}
    }
    RunError::Loop(upstreams.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
}

/// One probe query to `server` over UDP; whether any answer came back within the forwarder's deadline.
async fn send_probe(server: SocketAddr, name: &hickory_proto::rr::Name, qtype: hickory_proto::rr::RecordType) -> bool {
    use hickory_proto::op::{Message, Query};
    use hickory_proto::serialize::binary::BinEncodable;
    let mut query = Message::query();
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(name.clone(), qtype));
    let (Ok(bytes), Ok(socket)) =
        (query.to_bytes(), UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }).await)
    else {
        return false;
    };
    if socket.send_to(&bytes, server).await.is_err() {
        return false;
    }
    let mut buffer = [0u8; 512];
    matches!(tokio::time::timeout(upstream::forward::EXCHANGE_TIMEOUT, socket.recv(&mut buffer)).await, Ok(Ok(_)))
}

/// The address to reach a socket bound to `bound`: a wildcard becomes the loopback of its family.
fn reachable(bound: SocketAddr) -> SocketAddr {
    match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], bound.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, bound.port())),
        _ => bound,
    }
}
