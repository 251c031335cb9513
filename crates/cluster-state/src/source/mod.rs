//! Where cluster state comes from: the Kubernetes API or a file, behind one [`Source`] value.
//!
//! A binary decides once, at start, which source to use (usually with [`SourceArgs`](crate::SourceArgs));
//! everything after that, reading snapshots and writing back, is the same code for both. The two
//! implementations live in [`api`] and [`file`]; neither knows about the other.

pub(crate) mod api;
pub(crate) mod file;

use std::path::PathBuf;

/// Where a [`ClusterState`](crate::ClusterState) reads objects from and writes statuses and Events to.
#[derive(Clone)]
pub enum Source {
    /// The Kubernetes API, through this client (in a cluster, from a kubeconfig, or a test's mock).
    Api(kube::Client),
    /// A file of Kubernetes objects, as `kubectl get ... -o yaml` prints them; re-read when it changes.
    File(PathBuf),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Api(client) => write!(f, "Api(default namespace {:?})", client.default_namespace()),
            Source::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}
