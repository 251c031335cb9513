//! Per-request load balancing as Linkerd does it: "power of two choices" over a peak-EWMA latency
//! estimate. For each request two distinct endpoints are drawn at random and the one with the lower cost
//! gets it, where cost is the latency estimate times one more than the requests in flight there. Random
//! pairs keep every endpoint in play; comparing two keeps slow or busy ones from being picked often.
//!
//! The estimate ([`PeakEwma`]) jumps at once to any slower observation (a peak) and otherwise moves
//! toward new observations with a 10 s decay, starting from 30 ms (Linkerd's `DEFAULT_EWMA`); while an
//! endpoint gets no traffic its estimate decays toward zero, so an endpoint that was slow once is tried
//! again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngExt;

/// The estimate a new endpoint starts with.
pub const DEFAULT_RTT: Duration = Duration::from_millis(30);
/// How fast old observations fade.
pub const DECAY: Duration = Duration::from_secs(10);

/// One endpoint's latency estimate and its requests in flight.
#[derive(Clone, Copy, Debug)]
pub struct PeakEwma {
    rtt_ns: f64,
    stamp: Instant,
    pending: u32,
}

impl PeakEwma {
    /// A fresh estimate at `now`.
    pub fn new(now: Instant) -> PeakEwma {
        PeakEwma { rtt_ns: DEFAULT_RTT.as_nanos() as f64, stamp: now, pending: 0 }
    }

    fn decay_factor(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.stamp).as_nanos() as f64;
        (-elapsed / DECAY.as_nanos() as f64).exp()
    }

    /// Folds in one observed latency.
    pub fn observe(&mut self, rtt: Duration, now: Instant) {
        let rtt = rtt.as_nanos() as f64;
        self.rtt_ns = if rtt > self.rtt_ns {
            rtt
        } else {
            let factor = self.decay_factor(now);
            self.rtt_ns * factor + rtt * (1.0 - factor)
        };
        self.stamp = now;
    }

    /// The cost of sending one more request here at `now`.
    pub fn cost(&self, now: Instant) -> f64 {
        self.rtt_ns * self.decay_factor(now) * f64::from(self.pending + 1)
    }
}

/// The cheaper of endpoints `a` and `b` (ties go to `a`).
pub fn pick(costs: &[f64], a: usize, b: usize) -> usize {
    if costs[b] < costs[a] { b } else { a }
}

/// Every endpoint's estimate, shared by all connections of the proxy.
#[derive(Clone, Debug, Default)]
pub struct Loads {
    table: Arc<Mutex<HashMap<SocketAddr, PeakEwma>>>,
}

impl Loads {
    /// Chooses among `endpoints` (not empty) by P2C and counts a request in flight there; the returned
    /// guard records the latency when the request completes.
    pub fn choose(&self, endpoints: &[SocketAddr]) -> (usize, InFlight) {
        self.choose_at(endpoints, Instant::now())
    }

    fn choose_at(&self, endpoints: &[SocketAddr], now: Instant) -> (usize, InFlight) {
        let mut table = self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let chosen = if endpoints.len() <= 1 {
            0
        } else {
            let mut rng = rand::rng();
            let a = rng.random_range(0..endpoints.len());
            let b = (a + rng.random_range(1..endpoints.len())) % endpoints.len();
            let costs: Vec<f64> = endpoints.iter().map(|e| table.get(e).map_or(0.0, |l| l.cost(now))).collect();
            pick(&costs, a, b)
        };
        let addr = endpoints[chosen];
        table.entry(addr).or_insert_with(|| PeakEwma::new(now)).pending += 1;
        // Endpoints that left the cluster are forgotten once the table outgrows what is in use.
        if table.len() > 4 * endpoints.len() + 64 {
            table.retain(|addr, load| load.pending > 0 || endpoints.contains(addr));
        }
        (chosen, InFlight { loads: self.clone(), addr, started: now, done: false })
    }

    fn finish(&self, addr: SocketAddr, latency: Duration, now: Instant) {
        let mut table = self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(load) = table.get_mut(&addr) {
            load.pending = load.pending.saturating_sub(1);
            load.observe(latency, now);
        }
    }
}

/// A request in flight to one endpoint.
#[derive(Debug)]
pub struct InFlight {
    loads: Loads,
    addr: SocketAddr,
    started: Instant,
    done: bool,
}

impl InFlight {
    /// The response headers arrived: the latency is observed.
    pub fn responded(mut self) {
        self.done = true;
        self.loads.finish(self.addr, self.started.elapsed(), Instant::now());
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            // A failed request counts as slow: the peak rule takes it at once.
            self.loads.finish(self.addr, self.started.elapsed().max(DEFAULT_RTT), Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slower observation is taken at once; faster ones pull the estimate down gradually.
    #[test]
    fn peak_then_decay() {
        let start = Instant::now();
        let mut load = PeakEwma::new(start);
        load.observe(Duration::from_millis(100), start);
        assert_eq!(load.cost(start), 100e6);
        load.observe(Duration::from_millis(10), start + Duration::from_secs(10));
        let expected = 100e6 * (-1.0f64).exp() + 10e6 * (1.0 - (-1.0f64).exp());
        let now = start + Duration::from_secs(10);
        assert!((load.cost(now) - expected).abs() < 1.0, "{}", load.cost(now));
        // Idle, it fades.
        assert!(load.cost(now + Duration::from_secs(30)) < load.cost(now) / 10.0);
    }

    /// Requests in flight multiply the cost; the cheaper of the two drawn wins.
    #[test]
    fn pending_and_pick() {
        let now = Instant::now();
        let mut load = PeakEwma::new(now);
        load.pending = 3;
        assert_eq!(load.cost(now), 4.0 * DEFAULT_RTT.as_nanos() as f64);
        assert_eq!(pick(&[5.0, 1.0, 9.0], 0, 1), 1);
        assert_eq!(pick(&[5.0, 1.0, 9.0], 2, 0), 0);
        assert_eq!(pick(&[1.0, 1.0], 1, 0), 1);
    }

    /// With a request every millisecond, a slow endpoint gets almost none and the fast ones share the
    /// rest; once it has been idle long enough its estimate has faded and it is tried again.
    #[test]
    fn slow_endpoints_get_less_then_are_retried() {
        let loads = Loads::default();
        let endpoints: Vec<SocketAddr> = (1..=3).map(|i| SocketAddr::from(([10, 0, 0, i], 80))).collect();
        let start = Instant::now();
        let mut counts = [0u32; 3];
        let mut now = start;
        for i in 0..3000u64 {
            now = start + Duration::from_millis(i);
            let (chosen, mut in_flight) = loads.choose_at(&endpoints, now);
            counts[chosen] += 1;
            let latency = if chosen == 2 { Duration::from_millis(200) } else { Duration::from_millis(1) };
            in_flight.done = true;
            loads.finish(endpoints[chosen], latency, now);
        }
        assert!(counts[2] < 150, "{counts:?}");
        assert!(counts[0] > 750 && counts[1] > 750, "{counts:?}");
        // Two minutes without traffic for the slow one, while the fast ones keep their 1 ms.
        let later = now + Duration::from_secs(120);
        for (i, addr) in endpoints[..2].iter().enumerate() {
            let mut table = loads.table.lock().expect("lock");
            let load = table.get_mut(addr).expect("known");
            load.observe(Duration::from_millis(1), later - Duration::from_millis(i as u64));
        }
        let table = loads.table.lock().expect("lock");
        let costs: Vec<f64> = endpoints.iter().map(|e| table[e].cost(later)).collect();
        assert_eq!(pick(&costs, 0, 2), 2, "{costs:?}");
    }
}
