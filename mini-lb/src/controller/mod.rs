//! `mini-lb controller`: reads Services and the MetalLB configuration, runs an allocation pass on every
//! change, and writes what changed: Service statuses (the status subresource, or the file) and Events.
//!
//! [`reconcile`] turns one snapshot into the writes and Events to make (pure but for the memory of what
//! was already reported); [`run`] is the loop around it, with readiness, metrics and the admin listener.

pub mod reconcile;

use cluster_state::k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service};
use cluster_state::{ClusterState, Event, Query, Scope, Snapshot, Source};
use prometheus_client::registry::Registry;
use server_runtime::http::{self, Admin, Limits};
use server_runtime::{Drained, Lifecycle};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use self::reconcile::{Reconciler, RefusedAt, Write};
use crate::crd::{IPAddressPool, L2Advertisement};
use crate::metrics::ControllerMetrics;
use crate::report::writer::{Reports, spawn_writer};
use crate::report::{StatusPage, configuration_state};
use crate::settings::ControllerSettings;

/// The name the controller writes statuses and Events as.
pub const COMPONENT: &str = "mini-lb-controller";

/// Why the controller stopped before draining.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// The cluster state could not be read at start.
    #[error("cannot read the cluster state: {0}")]
    ClusterState(#[from] cluster_state::Error),
}

/// The kinds the controller reads: every Service and Namespace, and the configuration in MetalLB's
/// namespace.
pub fn query(namespace: &str) -> Query {
    Query::new()
        .with::<Service>(Scope::all())
        .with::<Namespace>(Scope::all())
        .with::<ConfigMap>(Scope::namespace(namespace))
        .with::<IPAddressPool>(Scope::namespace(namespace))
        .with::<L2Advertisement>(Scope::namespace(namespace))
}

/// Runs the controller until `lifecycle` has drained.
pub async fn run(
    settings: ControllerSettings,
    source: Source,
    admin_listener: TcpListener,
    lifecycle: Lifecycle,
) -> Result<Drained, ControllerError> {
    let mut registry = Registry::default();
    let metrics = ControllerMetrics::new(&mut registry);
    let stop = CancellationToken::new();
    let location = settings.common.location.clone();
    let reports = match &source {
        Source::Api(client) => Some(spawn_writer(client.clone(), COMPONENT)),
        Source::File(_) => None,
    };
    let state = ClusterState::start(COMPONENT, source, query(&location.namespace), stop.clone()).await?;
    let page = StatusPage::default();
    page.publish(&[configuration_state(&location.namespace, None, false, None)]);
    // The gate exists before /readyz is served: a process without gates reads as ready.
    let synced = lifecycle.readiness().gate("cluster-state");
    let admin = Admin::new(registry, lifecycle.readiness().clone()).with_routes(page.clone());
    http::serve("admin", admin_listener, admin, Limits::ADMIN, lifecycle.admin());
    let reconciler = Reconciler::new(location, settings.common.lb_class.clone());
    let reporting = Reporting { page, api: reports };
    let app = lifecycle.app().clone();
    lifecycle.app().spawn(async move {
        let mut changes = state.changes();
        let first = tokio::select! {
            synced = state.wait_synced() => synced,
            () = app.stopping() => return,
        };
        if first.is_err() {
            return;
        }
        // The synced snapshot, marked seen, so the first change after it is what wakes the loop next.
        let mut snapshot = changes.latest();
        let mut reconciler = reconciler;
        // Ready once the first snapshot has been reconciled, not merely read.
        let mut synced = Some(synced);
        loop {
            tokio::select! {
                () = converge(&state, &snapshot, &mut reconciler, &metrics, &reporting) => {}
                () = app.stopping() => return,
            }
            if let Some(gate) = synced.take() {
                gate.open();
            }
            snapshot = tokio::select! {
                next = changes.next() => match next { Some(next) => next, None => return },
                () = app.stopping() => return,
            };
        }
    });
    let drained = lifecycle.drain().await;
    stop.cancel();
    Ok(drained)
}

/// Where the controller's reports go: its `/status` page, and the API when it reads one.
struct Reporting {
    page: StatusPage,
    api: Option<watch::Sender<Reports>>,
}

/// One pass: plan, write the statuses and Events that changed, update metrics and the report.
async fn converge(
    state: &ClusterState,
    snapshot: &Snapshot,
    reconciler: &mut Reconciler,
    metrics: &ControllerMetrics,
    reporting: &Reporting,
) {
    let outcome = reconciler.reconcile(snapshot);
    metrics.client.updates.inc();
    if let Some((at, invalid)) = &outcome.refused {
        warn!("configuration rejected, keeping the last good one: {invalid}");
        let event = Event::warning("InvalidConfig", "Validate").note(format!("configuration rejected: {invalid}"));
        let recorded = match at {
            RefusedAt::ConfigMap(configmap) => state.record_event(configmap, event).await,
            RefusedAt::Pool(pool) => state.record_event(pool, event).await,
            RefusedAt::Nothing => Ok(()),
        };
        if let Err(error) = recorded {
            warn!(%error, "cannot record the InvalidConfig Event");
        }
    }
    for Write { service, status, events } in outcome.writes {
        if let Some(status) = status {
            match state.patch_status(&service, status).await {
                Ok(()) => info!(service = %reconcile::key_of(&service), "status written"),
                Err(error) => {
                    metrics.client.update_errors.inc();
                    warn!(%error, "cannot write a Service status; retrying on the next change");
                }
            }
        }
        for event in events {
            if let Err(error) = state.record_event(&service, event).await {
                warn!(%error, "cannot record an Event");
            }
        }
    }
    for (pool, status) in outcome.pool_statuses {
        if let Err(error) = state.patch_status(&pool, status).await {
            warn!(%error, "cannot write an IPAddressPool status");
        }
    }
    metrics.client.config_loaded.set(i64::from(reconciler.keeper().config().is_some()));
    metrics.client.config_stale.set(i64::from(reconciler.keeper().stale()));
    if let Some(config) = reconciler.keeper().config() {
        metrics.set_pools(config, &outcome.in_use, &outcome.services_per_pool);
    }
    let keeper = reconciler.keeper();
    let report =
        configuration_state(&reconciler.location().namespace, None, keeper.config().is_some(), keeper.refused());
    reporting.page.publish(std::slice::from_ref(&report));
    if let Some(api) = &reporting.api {
        api.send_replace(Reports { configuration: Some(report), services: Vec::new() });
    }
}
