//! Keeping the [`Directory`] current: each change of the cluster state becomes a new directory, swapped
//! in whole, so a connection resolves against one consistent view.

use std::sync::Arc;

use arc_swap::ArcSwap;
use cluster_state::k8s_openapi::api::core::v1::{Pod, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster_state::{ClusterState, Query, Scope, Snapshot};
use tracing::info;

use super::Directory;

/// The kinds discovery watches.
pub fn query() -> Query {
    Query::new().with::<Pod>(Scope::all()).with::<Service>(Scope::all()).with::<EndpointSlice>(Scope::all())
}

/// The directory of one snapshot.
pub fn directory_of(snapshot: &Snapshot, trust_domain: &str) -> Directory {
    Directory::build(
        snapshot.objects::<Pod>().iter(),
        snapshot.objects::<Service>().iter(),
        snapshot.objects::<EndpointSlice>().iter(),
        trust_domain,
    )
}

/// Rebuilds `directory` on every change of `state` until the state stops.
pub async fn follow(state: ClusterState, directory: Arc<ArcSwap<Directory>>, trust_domain: String) {
    let mut changes = state.changes();
    let mut snapshot = Some(state.snapshot());
    while let Some(current) = snapshot {
        let built = directory_of(&current, &trust_domain);
        let (services, pods) = built.size();
        info!(services, pods, generation = current.generation(), "destinations rebuilt");
        directory.store(Arc::new(built));
        snapshot = changes.next().await;
    }
}
