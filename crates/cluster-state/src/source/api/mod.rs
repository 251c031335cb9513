//! Source 1: the Kubernetes API, through kube watchers.
//!
//! [`watch`] runs one watcher per requested kind and turns its events into snapshot changes (list,
//! watch, relist after `410 Gone`, backoff on errors); [`write`] sends status patches and Events. The two
//! share nothing but the [`kube::Client`], so reading and writing fail independently.

mod watch;
mod write;

pub(crate) use self::watch::{WatchFn, WatchTarget, watch_kind};
pub(crate) use self::write::ApiWriter;
