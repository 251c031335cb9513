//! The write side of the snapshot: sources apply changes here, components see them as new snapshots.
//!
//! A [`Publisher`] owns a `tokio::sync::watch` channel whose value is the current [`Snapshot`]. Every change
//! edits that value in place (copy-on-write, so snapshots already handed out stay as they were) and wakes
//! the subscribers; a burst of changes may reach a slow subscriber as one wake-up with the latest state,
//! which is what a reconcile loop wants. A change that changes nothing (deleting an object that is not
//! there) wakes nobody.

use std::any::TypeId;
use std::sync::Arc;

use tokio::sync::watch;

use crate::kind::{Kind, ObjectKey};
use crate::snapshot::{KindMap, KindSlot, Snapshot};

/// One change to one kind's objects, as a source decided it.
#[derive(Debug)]
pub(crate) enum Change<K> {
    /// A fresh full list replaces everything known of the kind (first list, or relist after `410 Gone`).
    Replace(KindMap<K>),
    /// An object was added or modified.
    Apply(K),
    /// An object was deleted.
    Delete(ObjectKey),
}

/// Shared handle to the current snapshot and its subscribers.
#[derive(Clone, Debug)]
pub(crate) struct Publisher {
    sender: Arc<watch::Sender<Snapshot>>,
}

impl Publisher {
    /// A publisher whose first snapshot has the requested kinds, none of them listed yet.
    pub fn new(kinds: impl IntoIterator<Item = TypeId>) -> Self {
        let (sender, _) = watch::channel(Snapshot::unsynced(kinds));
        Self { sender: Arc::new(sender) }
    }

    /// The current snapshot.
    pub fn current(&self) -> Snapshot {
        self.sender.borrow().clone()
    }

    /// A receiver that has seen the current snapshot and wakes on the next change.
    pub fn subscribe(&self) -> watch::Receiver<Snapshot> {
        self.sender.subscribe()
    }

    /// Apply one change to kind `K`.
    pub fn apply<K: Kind>(&self, change: Change<K>) {
        self.sender.send_if_modified(|snapshot| match change {
            Change::Replace(objects) => snapshot.replace_kind(objects),
            Change::Apply(object) => snapshot.upsert(object),
            Change::Delete(key) => snapshot.remove::<K>(&key),
        });
    }

    /// Replace every kind at once, as after reading a file.
    pub fn replace_all(&self, slots: Vec<(TypeId, KindSlot)>) {
        self.sender.send_if_modified(|snapshot| snapshot.replace_all(slots));
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Service;

    use super::*;
    use crate::fixtures::service;

    /// Subscribers wake on a change and not on a change that changes nothing.
    #[test]
    fn subscribers_wake_only_on_real_changes() {
        let publisher = Publisher::new([TypeId::of::<Service>()]);
        let mut receiver = publisher.subscribe();
        publisher.apply::<Service>(Change::Delete(ObjectKey { namespace: "default".into(), name: "web".into() }));
        assert!(!receiver.has_changed().expect("the publisher is alive"));
        let web = service("default", "web");
        publisher.apply(Change::Apply(web));
        assert!(receiver.has_changed().expect("the publisher is alive"));
        assert_eq!(receiver.borrow_and_update().objects::<Service>().len(), 1);
    }
}
