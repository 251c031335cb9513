//! The one error type of the crate, and the description of a bad spot in a cluster state file.
//!
//! Every message says what failed, with which file, object or value, and what to do about it, because
//! these errors end up as the single line a binary prints before it exits with code 64, or as the warn
//! line a running component logs when someone saves a broken file.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while starting, reading or writing cluster state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cluster state file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read cluster state file {}: {source}; check the path given with --from-file", path.display())]
    ReadFile {
        /// The file as given.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The cluster state file was read but one of its documents is not a usable Kubernetes object.
    #[error("cluster state file {} is not valid: {problem}; fix that document (the last good state is kept meanwhile)", path.display())]
    InvalidFile {
        /// The file as given.
        path: PathBuf,
        /// Which document, which object and what is wrong with it.
        problem: FileProblem,
    },

    /// The directory of the cluster state file could not be watched for changes.
    #[error("cannot watch {} for changes to the cluster state file: {source}; check that the directory exists and inotify watches are available", dir.display())]
    WatchFile {
        /// The directory the file lives in.
        dir: PathBuf,
        /// What the file watcher said.
        source: notify::Error,
    },

    /// Writing the cluster state file back failed; the file is unchanged.
    #[error("cannot write cluster state file {}: {source}; check that its directory is writable", path.display())]
    WriteFile {
        /// The file as given.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A status patch named an object the cluster state file does not hold.
    #[error("{object} is not in cluster state file {}; add it to the file or patch an object that is there", path.display())]
    NotInFile {
        /// The object that was to be patched.
        object: String,
        /// The file as given.
        path: PathBuf,
    },

    /// A patched object could not be turned back into YAML.
    #[error("cannot write {object} back as YAML: {reason}; the file is unchanged")]
    Serialize {
        /// The object that was patched.
        object: String,
        /// What the serialiser said.
        reason: String,
    },

    /// A label selector in a [`Scope`](crate::Scope) does not parse.
    #[error(
        "label selector {selector:?} for {kind} is invalid: {reason}; use kubectl's syntax, e.g. \"app=web,tier in (a,b),!legacy\""
    )]
    BadSelector {
        /// The kind the selector was given for.
        kind: String,
        /// The selector as given.
        selector: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A cluster-scoped kind (Node, Namespace, ...) was asked for in one namespace.
    #[error("{kind} is cluster-scoped but was asked for in namespace {namespace:?}; ask for it with Scope::all()")]
    ClusterScoped {
        /// The kind asked for.
        kind: String,
        /// The namespace it was asked for in.
        namespace: String,
    },

    /// An object handed to a write-back has no name, or a namespaced object has no namespace.
    #[error("{kind} object has no {missing}; write back only objects taken from a snapshot")]
    Incomplete {
        /// The object's kind.
        kind: String,
        /// The missing field, e.g. `metadata.name`.
        missing: &'static str,
    },

    /// Neither a file nor a Kubernetes API was available to read cluster state from.
    #[error(
        "no --from-file given and no Kubernetes API reachable: {source}; pass --from-file PATH (or CLUSTER_STATE_FILE), or run with a kubeconfig or inside a cluster"
    )]
    NoSource {
        /// Why kube could not configure a client.
        source: kube::Error,
    },

    /// The API server refused or failed a status patch.
    #[error("patching the status of {object} failed: {source}; check the component's RBAC for the status subresource")]
    PatchStatus {
        /// The object that was to be patched.
        object: String,
        /// What the API said.
        source: kube::Error,
    },

    /// The API server refused or failed an Event.
    #[error(
        "publishing event {reason:?} for {object} failed: {source}; check the component's RBAC for events.k8s.io events"
    )]
    PublishEvent {
        /// The object the event is about.
        object: String,
        /// The event's reason.
        reason: String,
        /// What the API said.
        source: kube::Error,
    },

    /// The shutdown token was cancelled before the awaited state arrived.
    #[error("cluster state stopped (shutdown requested) before every kind had been listed")]
    Stopped,
}

/// Where in a cluster state file something is wrong, and what.
///
/// Displayed as `document 2 (line 14), item 3 (v1 Service default/web): reason`, so the one log line
/// about a bad file leads straight to the spot to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The document's number in the stream, counting from 1.
    pub document: usize,
    /// The line the document starts on, counting from 1.
    pub line: usize,
    /// The item's number when the document is a `List`, counting from 1.
    pub item: Option<usize>,
    /// The object, as `apiVersion Kind namespace/name`, when that much could be read.
    pub object: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {} (line {})", self.document, self.line)?;
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
        if let Some(object) = &self.object {
            write!(f, " ({object})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A problem inside a List names the document, its line, the item and the object.
    #[test]
    fn file_problem_names_document_item_and_object() {
        let problem = FileProblem {
            document: 2,
            line: 14,
            item: Some(3),
            object: Some("v1 Service default/web".into()),
            reason: "missing field `name`".into(),
        };
        assert_eq!(problem.to_string(), "document 2 (line 14), item 3 (v1 Service default/web): missing field `name`");
    }
}
