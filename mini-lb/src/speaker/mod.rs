//! `mini-lb speaker`: on every change of cluster state or membership, elect per address, make the link
//! plane announce what this node won, and report it.
//!
//! [`desired`] is the pure part (snapshot, configuration and live members to announcements); [`plane`]
//! the link I/O. [`run`] wires them: one loop owns the plane and wakes on snapshots, membership changes,
//! the 10 s interface rescan and the gratuitous schedule. On SIGTERM it withdraws every announcement
//! first and then leaves the gossip, so peers take over at once instead of after a failure detection.

pub mod desired;
pub mod plane;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use cluster_state::k8s_openapi::api::core::v1::{ConfigMap, Node, Pod, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster_state::{ClusterState, Event, Query, Scope, Snapshot, Source};
use prometheus_client::registry::Registry;
use server_runtime::http::{self, Admin, Limits};
use server_runtime::{Drained, Lifecycle, ReadyGate};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use self::desired::{Announcement, Elector, announcements};
use self::plane::Plane;
use crate::allocate::ServiceKey;
use crate::config::build::config_from_snapshot;
use crate::config::{ConfigKeeper, ConfigUpdate};
use crate::crd::{IPAddressPool, L2Advertisement};
use crate::elect::Liveness;
use crate::members::{Gossip, LiveMembers};
use crate::metrics::{AnnouncedLabels, SpeakerMetrics};
use crate::report::writer::{Reports, spawn_writer};
use crate::report::{StatusPage, configuration_state, service_l2_status};
use crate::settings::SpeakerSettings;

/// The name Events are recorded as.
pub const COMPONENT: &str = "mini-lb-speaker";
/// How often interfaces are rescanned (MetalLB's period).
const RESCAN: Duration = Duration::from_secs(10);

/// Why the speaker stopped before draining.
#[derive(Debug, thiserror::Error)]
pub enum SpeakerError {
    /// The cluster state could not be read at start.
    #[error("cannot read the cluster state: {0}")]
    ClusterState(#[from] cluster_state::Error),
    /// The gossip socket failed.
    #[error("cannot start the gossip: {0}")]
    Gossip(#[from] std::io::Error),
}

/// The kinds a speaker reads; speaker Pods (to join) only when gossip is on.
pub fn query(settings: &SpeakerSettings) -> Query {
    let namespace = &settings.common.location.namespace;
    let query = Query::new()
        .with::<Service>(Scope::all())
        .with::<EndpointSlice>(Scope::all())
        .with::<Node>(Scope::all())
        .with::<ConfigMap>(Scope::namespace(namespace.clone()))
        .with::<IPAddressPool>(Scope::namespace(namespace.clone()))
        .with::<L2Advertisement>(Scope::namespace(namespace.clone()));
    match &settings.gossip {
        Some(gossip) => query.with::<Pod>(Scope::namespace(gossip.pods.1.clone()).labels(gossip.pods.0.clone())),
        None => query,
    }
}

/// Runs a speaker until `lifecycle` has drained.
pub async fn run(
    settings: SpeakerSettings,
    source: Source,
    admin_listener: TcpListener,
    gossip_socket: Option<UdpSocket>,
    lifecycle: Lifecycle,
) -> Result<Drained, SpeakerError> {
    let mut registry = Registry::default();
    let metrics = SpeakerMetrics::new(&mut registry);
    let stop = CancellationToken::new();
    let reports = match &source {
        Source::Api(client) => Some(spawn_writer(client.clone(), COMPONENT)),
        Source::File(_) => None,
    };
    let state = ClusterState::start(COMPONENT, source, query(&settings), stop.clone()).await?;
    let page = StatusPage::default();
    // The gate exists before /readyz is served: a process without gates reads as ready.
    let synced = lifecycle.readiness().gate("cluster-state");
    let admin = Admin::new(registry, lifecycle.readiness().clone()).with_routes(page.clone());
    http::serve("admin", admin_listener, admin, Limits::ADMIN, lifecycle.admin());
    let (joins_tx, joins) = watch::channel(settings.gossip.as_ref().map(|g| g.join.clone()).unwrap_or_default());
    let gossip = match (gossip_socket, &settings.gossip) {
        (Some(socket), Some(gossip)) => {
            Some(Gossip::start(socket, &settings.node_name, gossip.key.clone(), gossip.timers, joins)?)
        }
        _ => None,
    };
    let plane = Plane::new(settings.exclude.clone(), settings.garp_refresh, metrics.clone());
    let speaker = Speaker {
        settings,
        state,
        plane,
        metrics,
        page,
        keeper: ConfigKeeper::default(),
        joins: joins_tx,
        interfaces_missing: BTreeSet::new(),
        reports,
    };
    let live = gossip.as_ref().map(Gossip::live);
    let app = lifecycle.app().clone();
    let task = lifecycle.app().spawn(async move { speaker.follow(live, synced, gossip, app).await });
    let drained = lifecycle.drain().await;
    if let Err(error) = task.await {
        warn!(%error, "speaker loop failed");
    }
    stop.cancel();
    Ok(drained)
}

/// The speaker loop's state.
struct Speaker {
    settings: SpeakerSettings,
    state: ClusterState,
    plane: Plane,
    metrics: SpeakerMetrics,
    page: StatusPage,
    keeper: ConfigKeeper,
    joins: watch::Sender<Vec<SocketAddr>>,
    /// Services won but not announced for lack of their interfaces, reported once.
    interfaces_missing: BTreeSet<ServiceKey>,
    /// The API report writer, when reading the API.
    reports: Option<watch::Sender<Reports>>,
}

impl Speaker {
    /// Follows cluster state and membership until the app stops; then withdraws and leaves.
    async fn follow(
        mut self,
        mut live: Option<LiveMembers>,
        synced: ReadyGate,
        gossip: Option<Gossip>,
        app: server_runtime::WorkGroup,
    ) {
        let mut changes = self.state.changes();
        let first = tokio::select! {
            synced = self.state.wait_synced() => synced,
            () = app.stopping() => Err(cluster_state::Error::Stopped),
        };
        if first.is_err() {
            leave(gossip).await;
            return;
        }
        let mut snapshot = changes.latest();
        self.plane.rescan();
        let mut rescan = tokio::time::interval_at(Instant::now() + RESCAN, RESCAN);
        // Ready once the first snapshot has been applied (configuration loaded, announcements started),
        // not merely read: a probe that sees ready also sees the configuration's metrics.
        let mut synced = Some(synced);
        loop {
            self.converge(&snapshot, live.as_ref()).await;
            if let Some(gate) = synced.take() {
                gate.open();
            }
            let round = self.plane.next_round();
            tokio::select! {
                () = app.stopping() => break,
                next = changes.next() => match next {
                    Some(next) => snapshot = next,
                    None => break,
                },
                Some(Ok(())) = async { match live.as_mut() { Some(l) => Some(l.changed().await), None => None } } => {}
                _ = rescan.tick() => self.plane.rescan(),
                () = async { match round { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {
                    self.plane.send_due(Instant::now());
                    continue;
                }
            }
        }
        self.plane.withdraw();
        self.metrics.announced.clear();
        info!("announcements withdrawn");
        leave(gossip).await;
    }

    /// One pass: configuration, election, the plane, metrics, reports and joins.
    async fn converge(&mut self, snapshot: &Snapshot, live: Option<&LiveMembers>) {
        self.metrics.client.updates.inc();
        if let ConfigUpdate::Refused(invalid) =
            self.keeper.update(config_from_snapshot(snapshot, &self.settings.common.location))
        {
            warn!("configuration rejected, keeping the last good one: {invalid}");
        }
        self.metrics.client.config_loaded.set(i64::from(self.keeper.config().is_some()));
        self.metrics.client.config_stale.set(i64::from(self.keeper.stale()));
        self.update_joins(snapshot);
        let liveness = match live {
            Some(live) => Liveness::Members(live.borrow().clone()),
            None => Liveness::ReadyNodes,
        };
        let wanted = match self.keeper.config() {
            Some(config) => {
                let elector = Elector {
                    node: &self.settings.node_name,
                    lb_class: &self.settings.common.lb_class,
                    ignore_exclude_lb: self.settings.ignore_exclude_lb,
                };
                announcements(snapshot, config, &elector, &liveness)
            }
            None => Vec::new(),
        };
        let (wanted, missing) = desired::with_local_interfaces(wanted, &self.plane.interface_names());
        let started = self.plane.apply(&wanted, Instant::now());
        self.report(&wanted);
        for key in started {
            info!(service = %key, node = %self.settings.node_name, "announcing");
            self.record(
                snapshot,
                &key,
                Event::normal("nodeAssigned", "Announce")
                    .note(format!("announcing from node {:?} with protocol \"layer2\"", self.settings.node_name)),
            )
            .await;
        }
        for announcement in missing {
            if self.interfaces_missing.insert(announcement.key.clone()) {
                let note = format!(
                    "the interfaces specified by LB IP {:?} doesn't exist in assigned node {:?} with protocol \"layer2\"",
                    announcement.ips.first().map(ToString::to_string).unwrap_or_default(),
                    self.settings.node_name
                );
                warn!(service = %announcement.key, "{note}");
                self.record(snapshot, &announcement.key, Event::warning("announceFailed", "Announce").note(note)).await;
            }
        }
        self.interfaces_missing.retain(|key| !wanted.iter().any(|a| a.key == *key));
    }

    /// Metrics and the status page for what is announced.
    fn report(&self, wanted: &[Announcement]) {
        self.metrics.announced.clear();
        let node = &self.settings.node_name;
        let namespace = &self.settings.common.location.namespace;
        let interfaces = self.plane.interface_names();
        let mut statuses = Vec::new();
        for announcement in wanted {
            for ip in &announcement.ips {
                let labels = AnnouncedLabels {
                    service: announcement.key.to_string(),
                    protocol: "layer2".into(),
                    node: node.clone(),
                    ip: ip.to_string(),
                };
                self.metrics.announced.get_or_create(&labels).set(1);
            }
            statuses.push(service_l2_status(namespace, node, &announcement.key, &announcement.interfaces, &interfaces));
        }
        let config_state =
            configuration_state(namespace, Some(node), self.keeper.config().is_some(), self.keeper.refused());
        self.page.publish(&statuses);
        self.page.append(std::slice::from_ref(&config_state));
        if let Some(api) = &self.reports {
            api.send_replace(Reports { configuration: Some(config_state), services: statuses });
        }
    }

    /// Records an Event on a Service of the snapshot.
    async fn record(&self, snapshot: &Snapshot, key: &ServiceKey, event: Event) {
        let Some(service) = snapshot.objects::<Service>().get(&key.namespace, &key.name) else { return };
        if let Err(error) = self.state.record_event(service, event).await {
            warn!(%error, "cannot record an Event");
        }
    }

    /// Join targets: the --join addresses and the speaker Pods' IPs (API mode).
    fn update_joins(&self, snapshot: &Snapshot) {
        let Some(gossip) = &self.settings.gossip else { return };
        let mut targets: BTreeSet<SocketAddr> = gossip.join.iter().copied().collect();
        for pod in snapshot.objects::<Pod>().iter() {
            if let Some(ip) = pod.status.as_ref().and_then(|s| s.pod_ip.as_deref()).and_then(|ip| ip.parse().ok()) {
                targets.insert(SocketAddr::new(ip, gossip.bind.port()));
            }
        }
        targets.remove(&gossip.bind);
        let targets: Vec<SocketAddr> = targets.into_iter().collect();
        self.joins.send_if_modified(|current| {
            let changed = *current != targets;
            *current = targets;
            changed
        });
    }
}

async fn leave(gossip: Option<Gossip>) {
    if let Some(gossip) = gossip {
        gossip.leave().await;
    }
}
