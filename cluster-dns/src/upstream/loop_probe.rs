//! Loop protection, CoreDNS's `loop` plugin: refuse to run when the upstream resolver is this server.
//!
//! The classic case is a node whose `/etc/resolv.conf` names 127.0.0.53 or the cluster DNS itself: every
//! forwarded query comes back, is forwarded again, and the server spins until it falls over. At start
//! the server sends itself one query for a random name (`HINFO <n>.<n>.`), which it does not hold and so
//! forwards. If the upstream is elsewhere, the answer is an NXDOMAIN and nothing more happens; if the
//! query arrives a third time, it has gone round: the probe says so, the server stops forwarding it, and
//! start-up fails with a message naming the upstreams.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hickory_proto::rr::{Name, RecordType};
use tokio::sync::watch;

/// How many times the probe may be seen before it counts as a loop (once from us, once more is allowed
/// for a retry, the third is the loop), as CoreDNS counts.
const MOST_SIGHTINGS: u32 = 2;

/// The probe name and what has been seen of it.
pub struct LoopProbe {
    name: Name,
    seen: AtomicU32,
    detected: watch::Sender<bool>,
}

/// What the handler does with a query for the probe name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sighting {
    /// Not the probe.
    Other,
    /// The probe, not (yet) a loop: handle it like any other name.
    Probe,
    /// The probe came back too often: a loop. Answer without forwarding.
    Loop,
}

impl LoopProbe {
    /// A probe with a fresh random name.
    pub fn new() -> LoopProbe {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let a = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32);
        let b = a.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let name = Name::from_ascii(format!("{a}.{b}.")).unwrap_or_else(|_| Name::root());
        LoopProbe { name, seen: AtomicU32::new(0), detected: watch::channel(false).0 }
    }

    /// The name to query, type HINFO.
    pub fn query(&self) -> (&Name, RecordType) {
        (&self.name, RecordType::HINFO)
    }

    /// Counts a query for `name` of type `qtype`, telling whether it is the probe and whether it looped.
    pub fn sight(&self, name: &Name, qtype: RecordType) -> Sighting {
        if qtype != RecordType::HINFO || *name != self.name {
            return Sighting::Other;
        }
        if self.seen.fetch_add(1, Ordering::Relaxed) < MOST_SIGHTINGS {
            return Sighting::Probe;
        }
        self.detected.send_replace(true);
        Sighting::Loop
    }

    /// Resolves once a loop has been seen.
    pub async fn looped(&self) {
        let mut detected = self.detected.subscribe();
        let _ = detected.wait_for(|seen| *seen).await;
    }
}

impl Default for LoopProbe {
    fn default() -> Self {
        LoopProbe::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Other names and types pass; the probe is a loop on its third sighting, in any case.
    #[test]
    fn third_sighting_is_a_loop() {
        let probe = LoopProbe::new();
        let (name, qtype) = probe.query();
        let name = name.clone();
        assert_eq!(probe.sight(&Name::from_ascii("github.com.").expect("name"), RecordType::HINFO), Sighting::Other);
        assert_eq!(probe.sight(&name, RecordType::A), Sighting::Other);
        assert_eq!(probe.sight(&name, qtype), Sighting::Probe);
        assert_eq!(probe.sight(&name.to_lowercase(), qtype), Sighting::Probe);
        assert_eq!(probe.sight(&name, qtype), Sighting::Loop);
    }
}
