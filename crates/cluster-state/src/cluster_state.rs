//! The handle a component holds: current snapshot, changes, and write-back, whatever the source.
//!
//! [`ClusterState::start`] checks the query, starts the source's background work (one watcher per kind
//! on the API, or the file reader and its watch) and returns at once; the API source is unsynced until
//! every kind is listed, the file source is synced from the start because it has just read the file.
//! The handle is cheap to clone and every clone sees the same state. Background work stops when the
//! shutdown token is cancelled.

use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::changes::Changes;
use crate::error::Error;
use crate::event::Event;
use crate::kind::Kind;
use crate::publish::Publisher;
use crate::query::Query;
use crate::snapshot::Snapshot;
use crate::source::Source;
use crate::source::api::{ApiWriter, WatchTarget};
use crate::source::file::FileSource;

/// Cluster state for one component; see the [crate docs](crate) for a full example.
#[derive(Clone)]
pub struct ClusterState {
    publisher: Publisher,
    writer: Writer,
    shutdown: CancellationToken,
}

/// Where write-backs go: the source's write half.
#[derive(Clone)]
enum Writer {
    Api(Arc<ApiWriter>),
    File(Arc<FileSource>),
}

impl ClusterState {
    /// Start reading `query`'s kinds from `source`, on behalf of `component`.
    ///
    /// `component` names the writer: the field manager of status patches and the reporter of Events
    /// (`mini-lb-controller`, ...). Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// A bad selector or a namespace given to a cluster-scoped kind; for a file source, a file that is
    /// missing, unreadable or invalid, or a directory that cannot be watched.
    pub async fn start(
        component: &str,
        source: Source,
        query: Query,
        shutdown: CancellationToken,
    ) -> Result<Self, Error> {
        let kinds = query.resolve()?;
        let publisher = Publisher::new(kinds.iter().map(|kind| kind.spec.type_id));
        let writer = match source {
            Source::Api(client) => {
                for kind in &kinds {
                    let target = WatchTarget {
                        client: client.clone(),
                        selection: kind.selection.clone(),
                        publisher: publisher.clone(),
                        shutdown: shutdown.clone(),
                    };
                    tokio::spawn((kind.watch)(target));
                }
                info!(component, kinds = kinds.len(), "reading cluster state from the Kubernetes API");
                Writer::Api(Arc::new(ApiWriter::new(client, component)))
            }
            Source::File(path) => {
                let routes = kinds.iter().map(|kind| kind.route()).collect();
                let file = FileSource::start(path.clone(), routes, publisher.clone(), shutdown.clone()).await?;
                info!(component, file = %path.display(), "reading cluster state from a file");
                Writer::File(file)
            }
        };
        Ok(Self { publisher, writer, shutdown })
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.publisher.current()
    }

    /// A subscription that wakes on the next change after now.
    pub fn changes(&self) -> Changes {
        Changes::new(self.publisher.subscribe(), self.shutdown.clone())
    }

    /// Wait until every requested kind has been listed, and return that snapshot.
    ///
    /// # Errors
    /// [`Error::Stopped`] if the shutdown token is cancelled first.
    pub async fn wait_synced(&self) -> Result<Snapshot, Error> {
        let mut receiver = self.publisher.subscribe();
        tokio::select! {
            biased;
            () = self.shutdown.cancelled() => Err(Error::Stopped),
            synced = receiver.wait_for(Snapshot::is_synced) => {
                synced.map(|snapshot| snapshot.clone()).map_err(|_| Error::Stopped)
            }
        }
    }

    /// Merge `status` into the object's `.status` (a JSON merge patch, as `kubectl patch --type merge`).
    ///
    /// On the API this is a PATCH of the status subresource; in a file, an atomic rewrite that changes only
    /// the object's document. The new status reaches snapshots like any other change.
    ///
    /// # Errors
    /// The API refused the patch; or the object is not in the file, or the file cannot be written.
    pub async fn patch_status<K: Kind>(&self, object: &K, status: Value) -> Result<(), Error> {
        match &self.writer {
            Writer::Api(api) => api.patch_status(object, status).await,
            Writer::File(file) => file.patch_status(object, status).await,
        }
    }

    /// Record an Event about the object: an `events.k8s.io/v1` Event on the API, a log line in file mode.
    ///
    /// # Errors
    /// The API refused the Event (file mode never fails).
    pub async fn record_event<K: Kind>(&self, object: &K, event: Event) -> Result<(), Error> {
        match &self.writer {
            Writer::Api(api) => api.record_event(object, &event).await,
            Writer::File(file) => {
                file.record_event(object, &event);
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for ClusterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.writer {
            Writer::Api(_) => "api",
            Writer::File(_) => "file",
        };
        f.debug_struct("ClusterState").field("source", &source).field("snapshot", &self.snapshot()).finish()
    }
}
