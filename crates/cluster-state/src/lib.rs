//! `cluster-state`: the one seam through which the lab's components read Kubernetes objects and write back.
//!
//! cluster-dns, mini-lb and mini-proxy all react to cluster state (Services, EndpointSlices, Pods, Nodes,
//! Namespaces, ConfigMaps, MetalLB's pools). They read it here, from one of two sources: the Kubernetes
//! API through kube watchers, or a file of ordinary Kubernetes objects (`--from-file PATH`, exactly what
//! `kubectl get ... -o yaml` prints), re-read when it changes. The same reconcile code then runs in a
//! cluster, on a laptop and in tests. A component gets:
//!
//! - a [`Snapshot`]: typed, immutable, cheap to clone, objects sorted by namespace and name, and
//!   [`is_synced`](Snapshot::is_synced) only once every requested kind has been fully listed;
//! - [`Changes`], to wait for the next snapshot (bursts coalesce into one wake-up);
//! - write-back: [`ClusterState::patch_status`] (a merge patch of `.status`: the status subresource on
//!   the API, an atomic rewrite of the one document in a file) and [`ClusterState::record_event`]
//!   (`events.k8s.io/v1` Events on the API, log lines in file mode).
//!
//! # Layout
//! - Foundations: `kind` (the [`Kind`] bound, [`ObjectKey`]), `selector` (kubectl's label selector
//!   syntax), `scope` ([`Scope`]: namespace and labels), `merge_patch` (RFC 7386), `event` ([`Event`]),
//!   `error` ([`Error`]).
//! - State: `snapshot` ([`Snapshot`], [`Objects`]), `publish` (applying changes, waking subscribers),
//!   `changes` ([`Changes`]).
//! - Sources: `source` ([`Source`]) with `source::api` (watchers, status patches, Events) and
//!   `source::file` (stream, objects, route, watch, write).
//! - The seam: `query` ([`Query`]), `cluster_state` ([`ClusterState`]), `args` ([`SourceArgs`]).
//! - `testing` (feature `testing`): a mocked API server for other crates' tests; enable it with
//!   `cluster-state = { workspace = true, features = ["testing"] }` under `[dev-dependencies]`.
//!
//! Each group uses only the groups above it, and the two sources never see each other.
//!
//! # Example
//! A component reading Services from a file, reacting to a change and writing a status back:
//! ```
//! use cluster_state::k8s_openapi::api::core::v1::Service;
//! use cluster_state::{ClusterState, Event, Query, Scope, Source};
//! use serde_json::json;
//! use tokio_util::sync::CancellationToken;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let directory = tempfile::tempdir()?;
//! # let path = directory.path().join("lab.yaml");
//! # std::fs::write(&path, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n")?;
//! // `path` holds the output of `kubectl get svc -A -o yaml`.
//! let shutdown = CancellationToken::new();
//! let query = Query::new().with::<Service>(Scope::all());
//! let state = ClusterState::start("mini-lb-controller", Source::File(path), query, shutdown.clone()).await?;
//!
//! let mut changes = state.changes();
//! let snapshot = state.wait_synced().await?;
//! let web = snapshot.objects::<Service>().get("default", "web").cloned().expect("web is in the file");
//!
//! state.patch_status(&web, json!({ "loadBalancer": { "ingress": [{ "ip": "172.18.255.200" }] } })).await?;
//! state.record_event(&web, Event::normal("IPAllocated", "Allocate").note("assigned 172.18.255.200")).await?;
//!
//! // A reconcile loop: `while let Some(snapshot) = changes.next().await { ... }`.
//! let patched = changes.next().await.expect("the patch is a change");
//! let web = patched.objects::<Service>().get("default", "web").expect("web is still there");
//! let ingress = web.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|lb| lb.ingress.as_ref());
//! assert_eq!(ingress.map(|i| i[0].ip.clone()), Some(Some("172.18.255.200".to_string())));
//! shutdown.cancel();
//! # Ok(())
//! # }
//! ```

mod args;
mod changes;
mod cluster_state;
mod error;
mod event;
#[cfg(test)]
mod fixtures;
mod kind;
mod merge_patch;
mod publish;
mod query;
mod scope;
mod selector;
mod snapshot;
mod source;
#[cfg(feature = "testing")]
pub mod testing;

pub use self::args::{FROM_FILE_ENV, SourceArgs};
pub use self::changes::Changes;
pub use self::cluster_state::ClusterState;
pub use self::error::{Error, FileProblem};
pub use self::event::{Event, EventType};
pub use self::kind::{Kind, KindScope, ObjectKey};
pub use self::query::Query;
pub use self::scope::Scope;
pub use self::snapshot::{Objects, Snapshot};
pub use self::source::Source;
/// The Kubernetes API types this crate is built on, re-exported so components use the matching version.
pub use k8s_openapi;
/// The Kubernetes client this crate is built on, re-exported so components use the matching version.
pub use kube;
