//! Source 2: a file of Kubernetes objects (`--from-file PATH`), re-read when it changes.
//!
//! The file is what `kubectl get ... -o yaml` prints: a multi-document YAML stream or a `v1 List`. Reading
//! it runs one way through the submodules: [`stream`] cuts the text into documents, [`objects`] finds the
//! objects in them, [`route`] decodes those of the requested kinds; [`watch`] says when to read again and
//! [`write`] patches a status back into the text. [`FileSource`] ties them together and owns the rules:
//!
//! - at start, a missing or invalid file is an error (the binary exits 64 with it);
//! - later, a file that does not read or parse keeps the last good state and logs one warn line naming
//!   the file, the document and the reason; a deleted or emptied file keeps it too (`kubectl get > file`
//!   empties the file before kubectl has written anything), and is read again when it is back;
//! - re-reads and write-backs take turns, and a re-read that finds the text it saw last does nothing.

mod objects;
mod route;
mod stream;
mod watch;
mod write;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use self::route::effective_namespace;
pub(crate) use self::route::{DecodeFn, Route, decode};
use self::watch::FileWatch;
use self::write::{PatchFailure, Target};
use crate::error::{Error, FileProblem};
use crate::event::{Event, EventType};
use crate::kind::{Kind, KindSpec};
use crate::publish::Publisher;

/// The file source of one [`ClusterState`](crate::ClusterState).
#[derive(Debug)]
pub(crate) struct FileSource {
    path: PathBuf,
    routes: Vec<Route>,
    publisher: Publisher,
    /// What the file held when last looked at; the lock makes re-reads and write-backs take turns.
    seen: Mutex<Seen>,
}

/// What the file held when last looked at.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Text(String),
    Empty,
    Missing,
    Unreadable(String),
}

impl FileSource {
    /// Read the file, publish its objects and follow its changes until `shutdown`.
    pub async fn start(
        path: PathBuf,
        routes: Vec<Route>,
        publisher: Publisher,
        shutdown: CancellationToken,
    ) -> Result<Arc<Self>, Error> {
        // Watch before the first read, so a change made between the two is not missed.
        let watch = FileWatch::start(&path)?;
        let text = read(&path).await?;
        let source = Arc::new(Self { path, routes, publisher, seen: Mutex::new(Seen::Empty) });
        source.publish(&text).map_err(|problem| source.invalid(problem))?;
        *source.seen.lock().await = if text.is_empty() { Seen::Empty } else { Seen::Text(text) };
        tokio::spawn(Arc::clone(&source).follow(watch, shutdown));
        Ok(source)
    }

    /// Re-read the file after every change until shutdown.
    async fn follow(self: Arc<Self>, mut watch: FileWatch, shutdown: CancellationToken) {
        loop {
            let changed = tokio::select! {
                () = shutdown.cancelled() => return,
                changed = watch.changed() => changed,
            };
            if !changed {
                warn!(file = %self.path.display(), "the file watch stopped; changes to the file are no longer seen");
                return;
            }
            self.reread().await;
        }
    }

    /// Read the file again; publish it if it changed and is valid, otherwise log once and keep the state.
    async fn reread(&self) {
        let mut seen = self.seen.lock().await;
        let now = match tokio::fs::read_to_string(&self.path).await {
            Ok(text) if text.is_empty() => Seen::Empty,
            Ok(text) => Seen::Text(text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Seen::Missing,
            Err(error) => Seen::Unreadable(error.to_string()),
        };
        if now == *seen {
            return;
        }
        let file = self.path.display();
        match &now {
            Seen::Text(text) => match self.publish(text) {
                Ok(()) => info!(%file, generation = self.publisher.current().generation(), "cluster state file read"),
                Err(problem) => warn!(%file, "{}", self.invalid(problem)),
            },
            Seen::Empty => {
                warn!(%file, "cluster state file is empty; keeping the last good state until it has content")
            }
            Seen::Missing => {
                warn!(%file, "cluster state file was deleted; keeping the last good state until it is back")
            }
            Seen::Unreadable(reason) => {
                warn!(%file, "cannot read cluster state file: {reason}; keeping the last good state")
            }
        }
        *seen = now;
    }

    /// Decode the text, one document at a time, and publish it as the new state of every requested kind.
    fn publish(&self, text: &str) -> Result<(), FileProblem> {
        let mut router = route::Router::new(&self.routes);
        for document in stream::split(text) {
            for object in objects::objects_in_document(&document)? {
                router.add(object)?;
            }
        }
        self.publisher.replace_all(router.finish());
        Ok(())
    }

    fn invalid(&self, problem: FileProblem) -> Error {
        Error::InvalidFile { path: self.path.clone(), problem }
    }

    /// Merge `status` into the object's `.status` in the file, rewrite the file and publish the result.
    pub async fn patch_status<K: Kind>(&self, object: &K, status: Value) -> Result<(), Error> {
        let spec = KindSpec::of::<K>();
        let meta = object.meta();
        let name = meta.name.as_deref().ok_or(Error::Incomplete { kind: spec.label(), missing: "metadata.name" })?;
        let namespace = effective_namespace(&spec, meta.namespace.as_deref());
        let target = Target { spec: &spec, namespace, name };
        let mut seen = self.seen.lock().await;
        let text = read(&self.path).await?;
        let patched = write::patch_status(&text, target, &status).map_err(|failure| match failure {
            PatchFailure::Invalid(problem) => self.invalid(problem),
            PatchFailure::NotFound => {
                Error::NotInFile { object: spec.describe(namespace, name), path: self.path.clone() }
            }
            PatchFailure::Serialize(reason) => Error::Serialize { object: spec.describe(namespace, name), reason },
        })?;
        let (path, written) = (self.path.clone(), patched.clone());
        tokio::task::spawn_blocking(move || write::replace_file(&path, &written))
            .await
            .unwrap_or_else(|join| Err(io::Error::other(join)))
            .map_err(|source| Error::WriteFile { path: self.path.clone(), source })?;
        if let Err(problem) = self.publish(&patched) {
            warn!(file = %self.path.display(), "{}", self.invalid(problem));
        }
        *seen = Seen::Text(patched);
        Ok(())
    }

    /// Log an event about an object: a file has nowhere to keep it.
    pub fn record_event<K: Kind>(&self, object: &K, event: &Event) {
        let object = KindSpec::of::<K>().describe_object(object);
        let (reason, action, note) = (&event.reason, &event.action, event.note.as_deref().unwrap_or_default());
        match event.type_ {
            EventType::Normal => info!(%object, %reason, %action, %note, "event"),
            EventType::Warning => warn!(%object, %reason, %action, %note, "event"),
        }
    }
}

/// Read the whole file.
async fn read(path: &Path) -> Result<String, Error> {
    tokio::fs::read_to_string(path).await.map_err(|source| Error::ReadFile { path: path.to_path_buf(), source })
}
