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
