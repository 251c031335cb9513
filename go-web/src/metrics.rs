//! Prometheus metrics: requests by route and status, a latency histogram per route, and the pool gauges.
//!
//! The four routes are fixed, so each gets its counters and histogram resolved once at start: the hot path
//! then costs two atomic adds and no label lookup. Pool gauges are read from the pool at scrape time.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::PoolStatus;
use crate::routes::Route;

/// Labels of `http_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

/// Labels of `http_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// Per-route handles resolved once so recording a request needs no map lookup.
struct RouteMetrics {
    ok: Counter,
    latency: Histogram,
}

/// Everything `/metrics` shows, plus the registry that encodes it.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    routes: [RouteMetrics; Route::ALL.len()],
    pool_max: Gauge,
    pool_open: Gauge,
    pool_in_use: Gauge,
    pool_waiting: Gauge,
}

impl Metrics {
    /// Registers every metric under its final name.
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests served, by route and status code", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 50 µs .. ~1.6 s: loopback /host sits at the bottom, /data deadlines at the top.
            Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.00005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from request head to response head, by route",
            latency.clone(),
        );
        let routes = Route::ALL.map(|route| RouteMetrics {
            ok: requests.get_or_create(&RequestLabels { route: route.label(), status: 200 }).clone(),
            latency: latency.get_or_create(&RouteLabels { route: route.label() }).clone(),
        });
        let pool_max = Gauge::default();
        let pool_open = Gauge::default();
        let pool_in_use = Gauge::default();
        let pool_waiting = Gauge::default();
        registry.register("db_pool_max_connections", "Configured ceiling on postgres connections", pool_max.clone());
        registry.register("db_pool_connections", "Postgres connections currently open", pool_open.clone());
        registry.register(
            "db_pool_connections_in_use",
            "Postgres connections checked out by a request",
            pool_in_use.clone(),
        );
        registry.register("db_pool_waiting", "Requests waiting for a postgres connection", pool_waiting.clone());
        Arc::new(Metrics { registry, requests, routes, pool_max, pool_open, pool_in_use, pool_waiting })
    }

    /// Counts one request and observes its latency.
    pub fn record(&self, route: Route, status: u16, seconds: f64) {
        let handles = &self.routes[route as usize];
        if status == 200 {
            handles.ok.inc();
        } else {
            self.requests.get_or_create(&RequestLabels { route: route.label(), status }).inc();
        }
        handles.latency.observe(seconds);
    }

    /// Encodes the text exposition format, after refreshing the pool gauges from `pool`.
    pub fn encode(&self, pool: PoolStatus) -> String {
        self.pool_max.set(pool.max_size as i64);
        self.pool_open.set(pool.size as i64);
        self.pool_in_use.set(pool.in_use as i64);
        self.pool_waiting.set(pool.waiting as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorded request shows up under its route and status, and pool gauges carry the given status.
    #[test]
    fn encodes_requests_and_pool() {
        let metrics = Metrics::new();
        metrics.record(Route::Host, 200, 0.001);
        metrics.record(Route::Data, 500, 2.0);
        let text = metrics.encode(PoolStatus { max_size: 10, size: 3, in_use: 2, waiting: 1 });
        assert!(text.contains("http_requests_total{route=\"/host\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("http_requests_total{route=\"/data\",status=\"500\"} 1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_count{route=\"/data\"} 1"), "{text}");
        assert!(text.contains("db_pool_connections_in_use 2"), "{text}");
        assert!(text.contains("db_pool_max_connections 10"), "{text}");
        assert!(text.contains("db_pool_waiting 1"), "{text}");
    }
}
