//! One resource's row over a window, from two scrapes of each of its pods, as `linkerd viz stat` reads
//! Prometheus (research §2.3):
//! - SUCCESS: `increase(response_total)` with `classification="success"` over all classified responses;
//! - RPS: all classified responses over the window's seconds;
//! - LATENCY_P50/P95/P99: `histogram_quantile` over the increase of `response_latency_ms_bucket`,
//!   summed by `le` across series (Linkerd takes `irate`, the same over two scrapes: a quantile does not
//!   change when every bucket is divided by the same time);
//! - TCP_CONN: the `tcp_open_connections` gauge, summed, at the window's end;
//! - READ/WRITE_BYTES/SEC: the increase of `tcp_read_bytes_total`/`tcp_write_bytes_total` for the
//!   connections of the side being looked at (`peer="src"` inbound, `"dst"` outbound), per second.
//!
//! A counter that went down between the scrapes was reset (the proxy restarted): its increase is its new
//! value, as Prometheus counts it. A series that appears during the window increased from zero.

use std::collections::HashMap;

use super::exposition::Sample;
use super::quantile::histogram_quantile;

/// Which series of a scrape describe the traffic being looked at.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    /// `inbound` (traffic into the resource's pods) or `outbound` (traffic they send).
    pub direction: &'static str,
    /// Further labels every series must carry (`dst_deployment` and `dst_namespace` for `--to`).
    pub labels: Vec<(String, String)>,
}

impl Selector {
    /// Traffic into the pods: what `linkerd viz stat deploy/x` shows.
    pub fn inbound() -> Selector {
        Selector { direction: "inbound", labels: Vec::new() }
    }

    /// Traffic the pods send, only the series carrying `labels` (a destination's, for `--to`, `--from`
    /// and the dashboard's edges).
    pub fn outbound(labels: Vec<(String, String)>) -> Selector {
        Selector { direction: "outbound", labels }
    }

    /// The `peer` of the connections whose bytes count: accepted inbound, opened outbound.
    fn peer(&self) -> &'static str {
        if self.direction == "inbound" { "src" } else { "dst" }
    }

    fn matches(&self, sample: &Sample) -> bool {
        sample.label("direction") == Some(self.direction)
            && self.labels.iter().all(|(key, value)| sample.label(key) == Some(value.as_str()))
    }
}

/// Two scrapes of one pod's proxy, `seconds` apart.
#[derive(Clone, Debug)]
pub struct PodWindow {
    /// The scrape at the window's start.
    pub before: Vec<Sample>,
    /// The scrape at its end.
    pub after: Vec<Sample>,
}

/// One row's figures; `None` where Linkerd prints `-`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Successful responses over classified ones, 0 to 1.
    pub success: Option<f64>,
    /// Classified responses per second.
    pub rps: f64,
    /// Latency quantiles, milliseconds.
    pub latency_ms: [Option<f64>; 3],
    /// Open connections at the window's end.
    pub tcp_open_connections: u64,
    /// Bytes read per second.
    pub read_bytes_rate: f64,
    /// Bytes written per second.
    pub write_bytes_rate: f64,
}

/// The quantiles in [`Stats::latency_ms`]: p50, p95, p99.
pub const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// The row of a resource whose pods' scrapes are `pods`, over `seconds`; `None` when the pods carried no
/// traffic of `selector`'s kind (no response and no open connection), printed as dashes.
pub fn stats(pods: &[&PodWindow], selector: &Selector, seconds: f64) -> Option<Stats> {
    let mut success = 0.0;
    let mut failure = 0.0;
    let mut buckets: HashMap<String, (f64, f64)> = HashMap::new();
    let mut open = 0.0;
    let mut read = 0.0;
    let mut written = 0.0;
    let mut seen = false;
    for pod in pods {
        let before: HashMap<SeriesKey<'_>, f64> =
            pod.before.iter().map(|sample| (SeriesKey::of(sample), sample.value)).collect();
        for sample in pod.after.iter().filter(|sample| selector.matches(sample)) {
            let increase = || {
                let start = before.get(&SeriesKey::of(sample)).copied().unwrap_or(0.0);
                if sample.value >= start { sample.value - start } else { sample.value }
            };
            match sample.name.as_str() {
                "response_total" => {
                    seen = true;
                    match sample.label("classification") {
                        Some("success") => success += increase(),
                        Some("failure") => failure += increase(),
                        _ => {}
                    }
                }
                "response_latency_ms_bucket" => {
                    let Some(le) = sample.label("le") else { continue };
                    // Rust's float parser reads Prometheus' "+Inf" too.
                    let Ok(bound) = le.parse::<f64>() else { continue };
                    buckets.entry(le.to_string()).or_insert((bound, 0.0)).1 += increase();
                }
                "tcp_open_connections" => {
                    seen = true;
                    open += sample.value;
                }
                "tcp_read_bytes_total" if sample.label("peer") == Some(selector.peer()) => read += increase(),
                "tcp_write_bytes_total" if sample.label("peer") == Some(selector.peer()) => written += increase(),
                _ => {}
            }
        }
    }
    if !seen {
        return None;
    }
    let buckets: Vec<(f64, f64)> = buckets.into_values().collect();
    let responses = success + failure;
    Some(Stats {
        success: (responses > 0.0).then(|| success / responses),
        rps: responses / seconds,
        latency_ms: QUANTILES.map(|q| histogram_quantile(q, &buckets)),
        tcp_open_connections: open.max(0.0) as u64,
        read_bytes_rate: read / seconds,
        write_bytes_rate: written / seconds,
    })
}

/// A series' identity within one scrape: its name and labels.
#[derive(Debug, PartialEq, Eq, Hash)]
struct SeriesKey<'a> {
    name: &'a str,
    labels: Vec<(&'a str, &'a str)>,
}

impl<'a> SeriesKey<'a> {
    fn of(sample: &'a Sample) -> SeriesKey<'a> {
        let mut labels: Vec<(&str, &str)> = sample.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        labels.sort_unstable();
        SeriesKey { name: &sample.name, labels }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::exposition::parse;

    fn scrape(text: &str) -> Vec<Sample> {
        parse(text).expect("a valid scrape")
    }

    const BEFORE: &str = r#"
response_total{direction="inbound",tls="true",status_code="200",classification="success",error=""} 100
response_total{direction="inbound",tls="true",status_code="500",classification="failure",error=""} 10
response_total{direction="outbound",tls="true",status_code="200",classification="success",error=""} 999
response_latency_ms_bucket{direction="inbound",le="1"} 0
response_latency_ms_bucket{direction="inbound",le="2"} 50
response_latency_ms_bucket{direction="inbound",le="5"} 100
response_latency_ms_bucket{direction="inbound",le="+Inf"} 110
tcp_read_bytes_total{direction="inbound",peer="src"} 1000
tcp_write_bytes_total{direction="inbound",peer="src"} 5000
tcp_read_bytes_total{direction="inbound",peer="dst"} 77777
tcp_open_connections{direction="inbound",peer="src"} 1
"#;

    const AFTER: &str = r#"
response_total{direction="inbound",tls="true",status_code="200",classification="success",error=""} 190
response_total{direction="inbound",tls="true",status_code="500",classification="failure",error=""} 20
response_total{direction="outbound",tls="true",status_code="200",classification="success",error=""} 5000
response_latency_ms_bucket{direction="inbound",le="1"} 0
response_latency_ms_bucket{direction="inbound",le="2"} 100
response_latency_ms_bucket{direction="inbound",le="5"} 190
response_latency_ms_bucket{direction="inbound",le="+Inf"} 210
tcp_read_bytes_total{direction="inbound",peer="src"} 3000
tcp_write_bytes_total{direction="inbound",peer="src"} 9000
tcp_read_bytes_total{direction="inbound",peer="dst"} 99999
tcp_open_connections{direction="inbound",peer="src"} 3
"#;

    /// Success rate, RPS, quantiles, connections and byte rates from the increases over the window.
    #[test]
    fn a_row_from_two_scrapes() {
        let pod = PodWindow { before: scrape(BEFORE), after: scrape(AFTER) };
        let stats = stats(&[&pod], &Selector::inbound(), 10.0).expect("traffic");
        assert_eq!(stats.success, Some(0.9));
        assert_eq!(stats.rps, 10.0);
        // 100 responses in the window: 50 in (1, 2], 40 in (2, 5], 10 past 5.
        assert_eq!(stats.latency_ms, [Some(2.0), Some(5.0), Some(5.0)]);
        assert_eq!(stats.tcp_open_connections, 3);
        assert_eq!((stats.read_bytes_rate, stats.write_bytes_rate), (200.0, 400.0));
    }

    /// Pods add up; a restarted proxy counts from zero; no traffic at all is a dashed row.
    #[test]
    fn pods_add_up_and_resets_count_from_zero() {
        let pod = PodWindow { before: scrape(BEFORE), after: scrape(AFTER) };
        let restarted = PodWindow {
            before: scrape(AFTER),
            after: scrape(
                "response_total{direction=\"inbound\",classification=\"success\"} 10\n\
                 response_latency_ms_bucket{direction=\"inbound\",le=\"+Inf\"} 10\n",
            ),
        };
        let stats = stats(&[&pod, &restarted], &Selector::inbound(), 10.0).expect("traffic");
        assert_eq!(stats.rps, 11.0);
        assert_eq!(stats.success, Some(100.0 / 110.0));
        let idle = PodWindow { before: Vec::new(), after: scrape("process_start_time_seconds 1\n") };
        assert_eq!(super::stats(&[&idle], &Selector::inbound(), 10.0), None);
    }

    /// `--to`-style selectors keep only the outbound series naming the destination.
    #[test]
    fn outbound_selector() {
        let text = "response_total{direction=\"outbound\",dst_deployment=\"web\",classification=\"success\"} 40\n\
            response_total{direction=\"outbound\",dst_deployment=\"db\",classification=\"success\"} 400\n";
        let pod = PodWindow { before: Vec::new(), after: scrape(text) };
        let to_web =
            Selector { direction: "outbound", labels: vec![("dst_deployment".to_string(), "web".to_string())] };
        assert_eq!(stats(&[&pod], &to_web, 4.0).expect("traffic").rps, 10.0);
    }
}
