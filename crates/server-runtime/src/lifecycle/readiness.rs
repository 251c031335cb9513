//! Readiness: whether this process should be sent new work, as `/readyz` reports it.
//!
//! A process is ready when every gate it opened is open and it is not draining. Gates are for things a
//! server must have before it can answer correctly: cluster-dns opens one until its cluster state has
//! synced, mini-proxy one until it holds a certificate. Draining starts at SIGTERM and never ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Shared readiness state; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    draining: AtomicBool,
    /// Every gate ever opened, by name. Gates are few and checked only by /readyz, so a list will do.
    gates: Mutex<Vec<(&'static str, Arc<AtomicBool>)>>,
}

/// What `/readyz` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadyStatus {
    /// Every gate is open and the process is not draining.
    Ready,
    /// These gates are still closed.
    Waiting(Vec<&'static str>),
    /// Shutdown has started.
    Draining,
}

/// One condition readiness waits for; closed until [`ReadyGate::open`].
#[derive(Clone, Debug)]
pub struct ReadyGate {
    open: Arc<AtomicBool>,
}

impl ReadyGate {
    /// Marks the condition met.
    pub fn open(&self) {
        self.open.store(true, Ordering::Release);
    }

    /// Marks it unmet again (a lost certificate, a cluster-state source that failed for good).
    pub fn close(&self) {
        self.open.store(false, Ordering::Release);
    }
}

impl Readiness {
    /// Adds a condition named `name` (shown by /readyz while closed); it starts closed. Add gates before
    /// the admin listener serves: until the first is added, the process reads as ready.
    pub fn gate(&self, name: &'static str) -> ReadyGate {
        let open = Arc::new(AtomicBool::new(false));
        self.inner.gates.lock().unwrap_or_else(PoisonError::into_inner).push((name, open.clone()));
        ReadyGate { open }
    }

    /// From now on readiness fails: load balancers and endpoints should stop sending work here.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Release);
    }

    /// The current answer.
    pub fn status(&self) -> ReadyStatus {
        if self.inner.draining.load(Ordering::Acquire) {
            return ReadyStatus::Draining;
        }
        let gates = self.inner.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let closed: Vec<&'static str> =
            gates.iter().filter(|(_, open)| !open.load(Ordering::Acquire)).map(|(name, _)| *name).collect();
        if closed.is_empty() { ReadyStatus::Ready } else { ReadyStatus::Waiting(closed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With no gates a process is ready at once; draining wins over everything.
    #[test]
    fn ready_until_draining() {
        let readiness = Readiness::default();
        assert_eq!(readiness.status(), ReadyStatus::Ready);
        readiness.start_draining();
        assert_eq!(readiness.status(), ReadyStatus::Draining);
    }

    /// Closed gates are listed by name until opened.
    #[test]
    fn gates_hold_readiness_back() {
        let readiness = Readiness::default();
        let synced = readiness.gate("cluster-state");
        let cert = readiness.gate("certificate");
        assert_eq!(readiness.status(), ReadyStatus::Waiting(vec!["cluster-state", "certificate"]));
        synced.open();
        assert_eq!(readiness.status(), ReadyStatus::Waiting(vec!["certificate"]));
        cert.open();
        assert_eq!(readiness.status(), ReadyStatus::Ready);
        cert.close();
        assert_eq!(readiness.status(), ReadyStatus::Waiting(vec!["certificate"]));
    }
}
