//! One kube watcher per requested kind, turned into snapshot changes.
//!
//! kube's [`watcher`] does the protocol: the first list, the watch from its resourceVersion, resuming a
//! closed watch, and a fresh list when the server says `410 Gone`. Its stream, slowed by kube's default
//! backoff after errors, is read here. [`Relist`] is the pure part: it buffers the objects of a (re)list
//! between `Init` and `InitDone` and then swaps them in at once, so objects that vanished while the watch
//! was broken disappear, and a half-finished relist is never visible. Errors are logged and never end the
//! task; only the shutdown token does.

use futures::StreamExt;
use futures::future::BoxFuture;
use kube::Client;
use kube::runtime::{WatchStreamExt, watcher};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::kind::{Kind, KindScope, KindSpec, ObjectKey};
use crate::publish::{Change, Publisher};
use crate::scope::Selection;
use crate::snapshot::KindMap;

/// Everything one kind's watch task needs.
pub(crate) struct WatchTarget {
    /// The API client (a real one, or the mocked API server in tests).
    pub client: Client,
    /// Where to look and which labels to select.
    pub selection: Selection,
    /// Where changes go.
    pub publisher: Publisher,
    /// Stops the task.
    pub shutdown: CancellationToken,
}

/// Starts the watch task of one kind; a plain function pointer, so a type-erased query can hold it.
pub(crate) type WatchFn = fn(WatchTarget) -> BoxFuture<'static, ()>;

/// Watch kind `K` until shutdown, publishing every change.
pub(crate) fn watch_kind<K: Kind>(target: WatchTarget) -> BoxFuture<'static, ()> {
    Box::pin(run::<K>(target))
}

async fn run<K: Kind>(target: WatchTarget) {
    let WatchTarget { client, selection, publisher, shutdown } = target;
    let kind = KindSpec::of::<K>().label();
    let api = <K::Scope as KindScope>::api::<K>(client, selection.namespace.as_deref());
    let mut config = watcher::Config::default();
    if let Some(labels) = selection.label_selector() {
        config = config.labels(&labels);
    }
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut relist = Relist::default();
    loop {
        let next = tokio::select! {
            () = shutdown.cancelled() => break,
            next = events.next() => next,
        };
        match next {
            Some(Ok(event)) => {
                if let Some(change) = relist.step(event) {
                    debug!(kind, change = change.name(), "watch event");
                    publisher.apply(change);
                }
            }
            Some(Err(error)) => warn!(kind, %error, "watching failed; retrying after a backoff"),
            None => break,
        }
    }
    debug!(kind, "watch stopped");
}

/// The state of one kind's watch between events: the objects of a (re)list being collected.
#[derive(Debug)]
pub(crate) struct Relist<K> {
    listing: Option<KindMap<K>>,
}

impl<K> Default for Relist<K> {
    fn default() -> Self {
        Self { listing: None }
    }
}

impl<K: Kind> Relist<K> {
    /// The snapshot change one watcher event makes, if any.
    pub fn step(&mut self, event: watcher::Event<K>) -> Option<Change<K>> {
        match event {
            watcher::Event::Init => {
                self.listing = Some(KindMap::new());
                None
            }
            watcher::Event::InitApply(object) => {
                let listing = self.listing.get_or_insert_with(KindMap::new);
                listing.insert(ObjectKey::of(&object), object.into());
                None
            }
            watcher::Event::InitDone => Some(Change::Replace(self.listing.take().unwrap_or_default())),
            watcher::Event::Apply(object) => Some(Change::Apply(object)),
            watcher::Event::Delete(object) => Some(Change::Delete(ObjectKey::of(&object))),
        }
    }
}

impl<K> Change<K> {
    /// A short name for logs.
    fn name(&self) -> &'static str {
        match self {
            Change::Replace(_) => "list",
            Change::Apply(_) => "apply",
            Change::Delete(_) => "delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Service;

    use super::*;
    use crate::fixtures::service;

    /// A relist publishes nothing until InitDone, then exactly the listed objects at once.
    #[test]
    fn relist_swaps_in_the_full_list_at_the_end() {
        let mut relist = Relist::default();
        assert!(relist.step(watcher::Event::Init).is_none());
        assert!(relist.step(watcher::Event::InitApply(service("default", "web"))).is_none());
        assert!(relist.step(watcher::Event::InitApply(service("default", "db"))).is_none());
        let Some(Change::Replace(objects)) = relist.step(watcher::Event::InitDone) else {
            panic!("InitDone replaces the kind");
        };
        let names: Vec<_> = objects.keys().map(|key| key.name.as_str()).collect();
        assert_eq!(names, ["db", "web"]);
    }

    /// An empty relist replaces the kind with nothing, so everything seen before is gone.
    #[test]
    fn empty_relist_clears_the_kind() {
        let mut relist = Relist::<Service>::default();
        relist.step(watcher::Event::Init);
        assert!(matches!(relist.step(watcher::Event::InitDone), Some(Change::Replace(objects)) if objects.is_empty()));
    }

    /// Watch events after the list become single-object changes.
    #[test]
    fn watch_events_change_one_object() {
        let mut relist = Relist::default();
        assert!(matches!(relist.step(watcher::Event::Apply(service("default", "web"))), Some(Change::Apply(_))));
        assert!(matches!(
            relist.step(watcher::Event::Delete(service("default", "web"))),
            Some(Change::Delete(key)) if key.name == "web"
        ));
    }
}
