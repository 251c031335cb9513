//! Prometheus metrics: requests by route and status, requests in flight and a latency histogram per
//! route, and the pool gauges.
//!
//! The four routes are fixed, so each gets its counter, gauge and histogram resolved once at start: the hot
//! path then costs a few atomic adds and no label lookup. Pool gauges are read from the pool at scrape
//! time by a prometheus-client collector, so they are never stale.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::Database;
use crate::routes::Route;

/// Labels of `http_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

/// Labels of the per-route metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// Per-route handles resolved once so recording a request needs no map lookup.
struct RouteMetrics {
    ok: Counter,
    in_flight: Gauge,
    latency: Histogram,
}

/// What the app records per request.
pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
    routes: [RouteMetrics; Route::ALL.len()],
}

/// Counts a request in flight until dropped, so a request cut off mid-way (client gone, drain over) is
/// still taken off the gauge.
pub struct InFlight<'a> {
    gauge: &'a Gauge,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

impl Metrics {
    /// Registers every metric under its final name.
    pub fn new(registry: &mut Registry) -> Arc<Metrics> {
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests served, by route and status code", requests.clone());
        let in_flight = Family::<RouteLabels, Gauge>::default();
        registry.register("http_requests_in_flight", "Requests received and not yet answered", in_flight.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 50 µs .. ~1.6 s: loopback /host sits at the bottom, /data deadlines at the top.
            Histogram::new(exponential_buckets(0.00005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from request head to response head, by route",
            latency.clone(),
        );
        let routes = Route::ALL.map(|route| {
            let labels = RouteLabels { route: route.label() };
            RouteMetrics {
                ok: requests.get_or_create(&RequestLabels { route: route.label(), status: 200 }).clone(),
                in_flight: in_flight.get_or_create(&labels).clone(),
                latency: latency.get_or_create(&labels).clone(),
            }
        });
        Arc::new(Metrics { requests, routes })
    }

    /// Counts a request to `route` as in flight until the returned guard is dropped.
    pub fn start(&self, route: Route) -> InFlight<'_> {
        let gauge = &self.routes[route as usize].in_flight;
        gauge.inc();
        InFlight { gauge }
    }

    /// Counts one answered request and observes its latency.
    pub fn record(&self, route: Route, status: u16, seconds: f64) {
        let handles = &self.routes[route as usize];
        if status == 200 {
            handles.ok.inc();
        } else {
            self.requests.get_or_create(&RequestLabels { route: route.label(), status }).inc();
        }
        handles.latency.observe(seconds);
    }
}

/// The pool gauges, read from the pool at every scrape.
pub struct PoolCollector {
    db: Database,
}

impl PoolCollector {
    /// Registers the pool gauges of `db`.
    pub fn register(registry: &mut Registry, db: Database) {
        registry.register_collector(Box::new(PoolCollector { db }));
    }
}

impl std::fmt::Debug for PoolCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolCollector").finish_non_exhaustive()
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = self.db.status();
        let gauges = [
            ("db_pool_max_connections", "Configured ceiling on postgres connections", status.max_size),
            ("db_pool_connections", "Postgres connections currently open", status.size),
            ("db_pool_connections_in_use", "Postgres connections checked out by a request", status.in_use),
            ("db_pool_waiting", "Requests waiting for a postgres connection", status.waiting),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn encode(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).expect("encode");
        text
    }

    /// A recorded request shows up under its route and status, with its latency observed.
    #[test]
    fn encodes_requests() {
        let mut registry = Registry::default();
        let metrics = Metrics::new(&mut registry);
        metrics.record(Route::Host, 200, 0.001);
        metrics.record(Route::Data, 500, 2.0);
        let text = encode(&registry);
        assert!(text.contains("http_requests_total{route=\"/host\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("http_requests_total{route=\"/data\",status=\"500\"} 1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_count{route=\"/data\"} 1"), "{text}");
    }

    /// A request is in flight exactly as long as its guard lives.
    #[test]
    fn in_flight_follows_the_guard() {
        let mut registry = Registry::default();
        let metrics = Metrics::new(&mut registry);
        let first = metrics.start(Route::Data);
        let _second = metrics.start(Route::Data);
        assert!(encode(&registry).contains("http_requests_in_flight{route=\"/data\"} 2"));
        drop(first);
        assert!(encode(&registry).contains("http_requests_in_flight{route=\"/data\"} 1"));
    }

    /// The pool gauges show the pool as it is at scrape time.
    #[tokio::test]
    async fn pool_gauges_are_read_at_scrape_time() {
        let mut registry = Registry::default();
        let db = Database::new(tokio_postgres::Config::new(), 7, Duration::from_secs(1));
        PoolCollector::register(&mut registry, db);
        let text = encode(&registry);
        assert!(text.contains("db_pool_max_connections 7"), "{text}");
        assert!(text.contains("db_pool_connections_in_use 0"), "{text}");
        assert!(text.contains("db_pool_waiting 0"), "{text}");
    }
}
