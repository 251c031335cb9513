//! The rounds: every interval, find the deployments and their proxies (the `--target`s, or the cluster's
//! objects as they are at that moment), scrape every proxy at once, and publish the board's new JSON for
//! the page. A proxy that cannot be scraped is named in the JSON's `errors` and the others still count;
//! a scrape never takes longer than [`crate::stat::scrape::SCRAPE_TIMEOUT`], and a slow round delays the
//! next instead of piling rounds up.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cluster_state::ClusterState;
use server_runtime::ReadyGate;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::board::{Board, Source};
use super::edges::Workload;
use crate::stat::scrape;
use crate::stat::targets::{self, ResourceKind, ResourceRef};

/// Where the deployments and their proxies come from.
pub enum Discovery {
    /// `--target NAME=HOST:PORT`: fixed deployments in `namespace`, every proxy counted as a meshed pod.
    Targets {
        /// The namespace they are shown in.
        namespace: String,
        /// Each deployment's name and proxies.
        rows: Vec<(String, Vec<String>)>,
    },
    /// The cluster's Deployments and Pods, followed as they change.
    Cluster {
        /// The cluster's objects.
        state: ClusterState,
        /// The namespace shown, or every one.
        namespace: Option<String>,
    },
}

impl Discovery {
    /// The deployments now, with their proxies' admin addresses.
    pub fn sources(&self) -> Vec<Source> {
        let resources = match self {
            Discovery::Targets { namespace, rows } => {
                targets::named_resources(rows, ResourceKind::Deployment, namespace)
            }
            Discovery::Cluster { state, namespace } => {
                let deployments = ResourceRef { kind: ResourceKind::Deployment, name: None };
                targets::resources(&state.snapshot(), &deployments, namespace.as_deref())
            }
        };
        resources
            .into_iter()
            .map(|resource| Source {
                meshed: (resource.meshed, resource.total),
                proxies: resource.proxies,
                workload: Workload { namespace: resource.namespace, name: resource.name },
            })
            .collect()
    }
}

/// Runs a round every `interval` until `stop`, publishing each round's JSON on `published`; opens
/// `ready` after the first.
pub async fn follow(
    discovery: Discovery,
    mut board: Board,
    interval: Duration,
    published: watch::Sender<Bytes>,
    ready: ReadyGate,
    stop: CancellationToken,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.cancelled() => return,
        }
        let sources = discovery.sources();
        let mut addrs: Vec<String> = sources.iter().flat_map(|source| source.proxies.iter().cloned()).collect();
        addrs.sort();
        addrs.dedup();
        let at = Instant::now();
        let outcomes = tokio::select! {
            outcomes = scrape::each(&addrs) => outcomes,
            _ = stop.cancelled() => return,
        };
        let mut pages = HashMap::new();
        let mut errors = Vec::new();
        for (addr, outcome) in addrs.into_iter().zip(outcomes) {
            match outcome {
                Ok(samples) => {
                    pages.insert(addr, samples);
                }
                Err(e) => {
                    debug!(error = %e, "scrape failed");
                    errors.push(e.to_string());
                }
            }
        }
        let json = board.record(at, unix_ms(), &sources, pages, &errors);
        published.send_replace(Bytes::from(json.to_string()));
        ready.open();
    }
}

/// The wall clock in milliseconds, for the chart's time axis (0 if the clock is before 1970).
fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}
