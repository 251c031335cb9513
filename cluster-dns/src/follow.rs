//! Keeping the index current: every change of the cluster state becomes a new [`ClusterIndex`], swapped
//! in whole, so a query sees either the old cluster or the new one, never half of each. The readiness
//! gate opens at the first full sync.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use cluster_state::k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster_state::{ClusterState, Query, Scope, Snapshot};
use server_runtime::ReadyGate;
use tracing::info;

use crate::answer::lookup::PodMode;
use crate::cluster::ClusterIndex;

/// The kinds cluster DNS watches: Services, EndpointSlices and Namespaces everywhere, and Pods only
/// when the `verified` pod mode needs them (they are the costliest kind to hold).
pub fn query(pods: PodMode) -> Query {
    let query =
        Query::new().with::<Service>(Scope::all()).with::<EndpointSlice>(Scope::all()).with::<Namespace>(Scope::all());
    if pods == PodMode::Verified { query.with::<Pod>(Scope::all()) } else { query }
}

/// Builds the index of `snapshot`, stamped with the current time as its SOA serial.
pub fn index_of(snapshot: &Snapshot) -> ClusterIndex {
    let serial = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    ClusterIndex::build(snapshot, u32::try_from(serial).unwrap_or(u32::MAX))
}

/// Rebuilds `index` on every change of `state` until the state stops; opens `ready` once synced.
pub async fn follow(state: ClusterState, index: Arc<ArcSwap<ClusterIndex>>, ready: ReadyGate) {
    let mut changes = state.changes();
    let mut snapshot = Some(state.snapshot());
    while let Some(current) = snapshot {
        let built = index_of(&current);
        let synced = built.synced;
        info!(services = built.service_count(), synced, generation = current.generation(), "cluster index rebuilt");
        // Swapped in before readiness opens: a query that follows a 200 from /ready sees the synced index.
        index.store(Arc::new(built));
        if synced {
            ready.open();
        }
        snapshot = changes.next().await;
    }
}
