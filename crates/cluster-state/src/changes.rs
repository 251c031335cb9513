//! Waiting for cluster state to change.
//!
//! [`Changes`] wraps a `tokio::sync::watch` receiver of snapshots. It does not queue events: a component
//! that is busy reconciling while three objects change wakes once and gets the latest snapshot, which
//! holds all three. That is the level-triggered shape reconcile loops want, and it means a slow component
//! can never fall behind an unbounded queue. Once the shutdown token is cancelled, [`Changes::next`]
//! returns `None`, so a `while let` loop ends with the component.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::snapshot::Snapshot;

/// A subscription to snapshot changes, from [`ClusterState::changes`](crate::ClusterState::changes).
#[derive(Debug)]
pub struct Changes {
    receiver: watch::Receiver<Snapshot>,
    shutdown: CancellationToken,
}

impl Changes {
    /// A subscription that has seen the current snapshot.
    pub(crate) fn new(receiver: watch::Receiver<Snapshot>, shutdown: CancellationToken) -> Self {
        Self { receiver, shutdown }
    }

    /// Wait for a snapshot newer than the last one returned (or than the subscription's start).
    ///
    /// Returns `None` once the state has been shut down.
    pub async fn next(&mut self) -> Option<Snapshot> {
        tokio::select! {
            biased;
            () = self.shutdown.cancelled() => None,
            changed = self.receiver.changed() => {
                changed.ok()?;
                Some(self.receiver.borrow_and_update().clone())
            }
        }
    }

    /// The latest snapshot, marking it seen.
    pub fn latest(&mut self) -> Snapshot {
        self.receiver.borrow_and_update().clone()
    }
}

#[cfg(test)]
mod tests {
    use std::any::TypeId;

    use k8s_openapi::api::core::v1::Service;

    use super::*;
    use crate::fixtures::service;
    use crate::publish::{Change, Publisher};

    /// A burst of changes wakes a subscriber once, with the latest snapshot.
    #[tokio::test]
    async fn bursts_coalesce_into_the_latest_snapshot() {
        let publisher = Publisher::new([TypeId::of::<Service>()]);
        let mut changes = Changes::new(publisher.subscribe(), CancellationToken::new());
        for name in ["a", "b", "c"] {
            publisher.apply(Change::Apply(service("default", name)));
        }
        let snapshot = changes.next().await.expect("a change");
        assert_eq!(snapshot.objects::<Service>().len(), 3);
        assert_eq!(snapshot.generation(), 3);
        let pending = tokio::time::timeout(std::time::Duration::from_millis(50), changes.next()).await;
        assert!(pending.is_err(), "no second wake-up for the same burst");
    }

    /// Cancelling the token ends the subscription even with changes pending.
    #[tokio::test]
    async fn shutdown_wins_over_pending_changes() {
        let publisher = Publisher::new([TypeId::of::<Service>()]);
        let shutdown = CancellationToken::new();
        let mut changes = Changes::new(publisher.subscribe(), shutdown.clone());
        publisher.apply(Change::Apply(service("default", "a")));
        shutdown.cancel();
        assert!(changes.next().await.is_none());
    }
}
