//! The proxy's metrics, Linkerd's legacy families with Linkerd's names, labels ([`labels`]) and
//! millisecond buckets:
//! - `request_total`, counted when a request's headers arrive; `response_total` and
//!   `response_latency_ms`, when its response stream ends (latency from request headers to the end of
//!   the response, Linkerd's code's definition);
//! - `tcp_open_total`, `tcp_open_connections`, `tcp_read_bytes_total`, `tcp_write_bytes_total` and
//!   `tcp_close_total`, per accepted (`peer="src"`) and opened (`peer="dst"`) connection;
//! - `inbound_tcp_authz_allow_total` and `inbound_tcp_authz_deny_total` per inbound connection the
//!   policy admits or refuses, and `inbound_http_authz_deny_total` per request refused with 403.
//!
//! [`series`] keeps each connection's request series at hand. prometheus-client writes OpenMetrics
//! text; Prometheus reads it as it reads Linkerd's.

pub mod labels;
pub mod series;

pub use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use labels::Labels;

/// Linkerd's latency bucket bounds in milliseconds (`linkerd/metrics/src/latency.rs`); `+Inf` is added.
pub const LATENCY_BUCKETS_MS: [f64; 25] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 1000.0, 2000.0, 3000.0,
    4000.0, 5000.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS_MS)
}

/// A family of labelled counters.
pub type Counters = Family<Labels, Counter>;

/// Every family the proxy exports. Clones share the series.
#[derive(Clone, Debug)]
pub struct ProxyMetrics {
    /// `request_total`.
    pub requests: Counters,
    /// `response_total`.
    pub responses: Counters,
    /// `response_latency_ms`.
    pub latency: Family<Labels, Histogram, fn() -> Histogram>,
    /// `tcp_open_total`.
    pub tcp_open: Counters,
    /// `tcp_open_connections`.
    pub tcp_open_connections: Family<Labels, Gauge>,
    /// `tcp_read_bytes_total`.
    pub tcp_read_bytes: Counters,
    /// `tcp_write_bytes_total`.
    pub tcp_write_bytes: Counters,
    /// `tcp_close_total`.
    pub tcp_close: Counters,
    /// `inbound_tcp_authz_allow_total`.
    pub tcp_authz_allow: Counters,
    /// `inbound_tcp_authz_deny_total`.
    pub tcp_authz_deny: Counters,
    /// `inbound_http_authz_deny_total`.
    pub http_authz_deny: Counters,
}

impl ProxyMetrics {
    /// Creates the families and registers them in `registry`.
    pub fn new(registry: &mut Registry) -> ProxyMetrics {
        let metrics = ProxyMetrics {
            requests: Counters::default(),
            responses: Counters::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            tcp_open: Counters::default(),
            tcp_open_connections: Family::default(),
            tcp_read_bytes: Counters::default(),
            tcp_write_bytes: Counters::default(),
            tcp_close: Counters::default(),
            tcp_authz_allow: Counters::default(),
            tcp_authz_deny: Counters::default(),
            http_authz_deny: Counters::default(),
        };
        // prometheus-client adds `_total` to counters, and `_bucket`, `_sum`, `_count` to histograms.
        registry.register("request", "Total count of HTTP requests.", metrics.requests.clone());
        registry.register("response", "Total count of HTTP responses.", metrics.responses.clone());
        registry.register(
            "response_latency_ms",
            "Elapsed times between a request's headers being received and its response stream completing",
            metrics.latency.clone(),
        );
        registry.register("tcp_open", "Total count of opened connections", metrics.tcp_open.clone());
        registry.register(
            "tcp_open_connections",
            "Number of currently-open connections",
            metrics.tcp_open_connections.clone(),
        );
        registry.register("tcp_read_bytes", "Total count of bytes read from peers", metrics.tcp_read_bytes.clone());
        registry.register("tcp_write_bytes", "Total count of bytes written to peers", metrics.tcp_write_bytes.clone());
        registry.register("tcp_close", "Total count of closed connections", metrics.tcp_close.clone());
        registry.register(
            "inbound_tcp_authz_allow",
            "The total number of inbound TCP connections that were authorized",
            metrics.tcp_authz_allow.clone(),
        );
        registry.register(
            "inbound_tcp_authz_deny",
            "The total number of inbound TCP connections that were denied",
            metrics.tcp_authz_deny.clone(),
        );
        registry.register(
            "inbound_http_authz_deny",
            "The total number of inbound HTTP requests that were denied",
            metrics.http_authz_deny.clone(),
        );
        metrics
    }

    /// Counts a connection opened with `labels` and returns the handle its bytes and close are counted
    /// through.
    pub fn open_connection(&self, labels: Labels) -> ConnectionMeter {
        self.tcp_open.get_or_create(&labels).inc();
        let open = self.tcp_open_connections.get_or_create(&labels).clone();
        open.inc();
        ConnectionMeter {
            read: self.tcp_read_bytes.get_or_create(&labels).clone(),
            write: self.tcp_write_bytes.get_or_create(&labels).clone(),
            open,
            close: self.tcp_close.clone(),
            labels,
            errno: None,
        }
    }
}

/// One open connection's counters; dropping it counts the close.
#[derive(Debug)]
pub struct ConnectionMeter {
    /// Bytes read from the peer.
    pub read: Counter,
    /// Bytes written to the peer.
    pub write: Counter,
    open: Gauge,
    close: Counters,
    labels: Labels,
    errno: Option<i32>,
}

impl ConnectionMeter {
    /// Remembers the OS error the connection failed with, for `tcp_close_total`'s `errno` label.
    pub fn failed_with(&mut self, error: &std::io::Error) {
        if self.errno.is_none() {
            self.errno = error.raw_os_error();
        }
    }
}

impl Drop for ConnectionMeter {
    fn drop(&mut self) {
        self.open.dec();
        let mut labels = std::mem::take(&mut self.labels);
        labels.push(("errno", errno_name(self.errno)));
        self.close.get_or_create(&labels).inc();
    }
}

/// Linkerd writes the errno's symbolic name (`ECONNRESET`), empty for a clean close.
fn errno_name(errno: Option<i32>) -> String {
    const NAMES: [(i32, &str); 8] = [
        (32, "EPIPE"),
        (104, "ECONNRESET"),
        (110, "ETIMEDOUT"),
        (111, "ECONNREFUSED"),
        (113, "EHOSTUNREACH"),
        (101, "ENETUNREACH"),
        (103, "ECONNABORTED"),
        (107, "ENOTCONN"),
    ];
    match errno {
        None => String::new(),
        Some(code) => {
            NAMES.iter().find(|(n, _)| *n == code).map(|(_, name)| name.to_string()).unwrap_or_else(|| code.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition uses Linkerd's names, and the latency buckets are Linkerd's, cumulative, with +Inf.
    #[test]
    fn names_and_buckets() {
        let mut registry = Registry::default();
        let metrics = ProxyMetrics::new(&mut registry);
        let labels: Labels = vec![("direction", "inbound".into())];
        metrics.requests.get_or_create(&labels).inc();
        metrics.latency.get_or_create(&labels).observe(7.0);
        drop(metrics.open_connection(labels.clone()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
        for line in [
            "request_total{direction=\"inbound\"} 1",
            "tcp_open_total{direction=\"inbound\"} 1",
            "tcp_open_connections{direction=\"inbound\"} 0",
            "tcp_close_total{direction=\"inbound\",errno=\"\"} 1",
            "response_latency_ms_bucket{le=\"5.0\",direction=\"inbound\"} 0",
            "response_latency_ms_bucket{le=\"10.0\",direction=\"inbound\"} 1",
            "response_latency_ms_bucket{le=\"50000.0\",direction=\"inbound\"} 1",
            "response_latency_ms_bucket{le=\"+Inf\",direction=\"inbound\"} 1",
            "response_latency_ms_count{direction=\"inbound\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        let bounds: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("response_latency_ms_bucket"))
            .filter_map(|l| l.split("le=\"").nth(1)?.split('"').next())
            .collect();
        assert_eq!(bounds.len(), 26);
        assert_eq!(bounds[..6], ["1.0", "2.0", "3.0", "4.0", "5.0", "10.0"]);
    }

    /// A failed connection's close names the errno.
    #[test]
    fn close_errno() {
        assert_eq!(errno_name(Some(104)), "ECONNRESET");
        assert_eq!(errno_name(Some(9999)), "9999");
        assert_eq!(errno_name(None), "");
    }
}
