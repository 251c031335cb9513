//! One connection's request series, looked up once and then reused. Finding a series in a family hashes
//! every label of its set (a dozen strings here), too much to repeat for every request of a keep-alive or
//! multiplexed connection; a connection's requests almost always share one authority and a handful of
//! outcomes, so a short list per connection holds them. Sets beyond the list's bounds (a client cycling
//! through many Host headers) are counted straight in the families.

use std::sync::{Arc, Mutex};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;

use super::ProxyMetrics;
use super::labels::{ConnectionLabels, Labels, Outcome};

/// Authorities remembered per connection.
const MOST_ROUTES: usize = 8;
/// Outcomes (status, gRPC status, error) remembered per authority.
const MOST_OUTCOMES: usize = 16;

/// The series of one connection's requests.
#[derive(Debug)]
pub struct RequestSeries {
    metrics: ProxyMetrics,
    connection: Arc<ConnectionLabels>,
    routes: Mutex<Vec<Route>>,
}

#[derive(Debug)]
struct Route {
    authority: Option<String>,
    labels: Labels,
    requests: Counter,
    outcomes: Vec<(Outcome, Counter, Histogram)>,
}

/// Where a request was counted, to count its response in the same place.
#[derive(Clone, Debug)]
pub enum RouteRef {
    /// An entry of the connection's list.
    Cached(usize),
    /// Labels for the families directly.
    Uncached(Labels),
}

impl RequestSeries {
    /// The series of a connection labelled `connection`.
    pub fn new(metrics: ProxyMetrics, connection: Arc<ConnectionLabels>) -> Arc<RequestSeries> {
        Arc::new(RequestSeries { metrics, connection, routes: Mutex::new(Vec::new()) })
    }

    /// Counts a request to `authority` in `request_total`.
    pub fn request(&self, authority: Option<&str>) -> RouteRef {
        let mut routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(index) = routes.iter().position(|r| r.authority.as_deref() == authority) {
            routes[index].requests.inc();
            return RouteRef::Cached(index);
        }
        let labels = self.connection.http(authority);
        let requests = self.metrics.requests.get_or_create(&labels).clone();
        requests.inc();
        if routes.len() >= MOST_ROUTES {
            return RouteRef::Uncached(labels);
        }
        routes.push(Route { authority: authority.map(str::to_string), labels, requests, outcomes: Vec::new() });
        RouteRef::Cached(routes.len() - 1)
    }

    /// Counts the response to a request counted at `route` in `response_total`, and its latency.
    pub fn response(&self, route: &RouteRef, outcome: Outcome, elapsed_ms: f64) {
        let index = match route {
            RouteRef::Cached(index) => *index,
            RouteRef::Uncached(labels) => return self.count_directly(labels.clone(), outcome, elapsed_ms),
        };
        let mut routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(route) = routes.get_mut(index) else { return };
        if let Some((_, responses, latency)) = route.outcomes.iter().find(|(o, _, _)| *o == outcome) {
            responses.inc();
            latency.observe(elapsed_ms);
            return;
        }
        let labels = outcome.labels(route.labels.clone());
        let responses = self.metrics.responses.get_or_create(&labels).clone();
        let latency = self.metrics.latency.get_or_create(&labels).clone();
        responses.inc();
        latency.observe(elapsed_ms);
        if route.outcomes.len() < MOST_OUTCOMES {
            route.outcomes.push((outcome, responses, latency));
        }
    }

    fn count_directly(&self, labels: Labels, outcome: Outcome, elapsed_ms: f64) {
        let labels = outcome.labels(labels);
        self.metrics.responses.get_or_create(&labels).inc();
        self.metrics.latency.get_or_create(&labels).observe(elapsed_ms);
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::registry::Registry;

    use super::*;
    use crate::metrics::labels::{ClientTls, Direction, Tls};

    /// Cached or not, every request and response lands in the family series its labels name.
    #[test]
    fn counts_land_in_the_families() {
        let metrics = ProxyMetrics::new(&mut Registry::default());
        let connection = Arc::new(ConnectionLabels {
            direction: Direction::Outbound,
            target: "10.0.0.1:80".parse().expect("addr"),
            tls: Tls::Client(ClientTls::NotMeshed),
            server: None,
            destination: Vec::new(),
        });
        let series = RequestSeries::new(metrics.clone(), connection.clone());
        let ok = Outcome { status: 200, grpc_status: None, error: None };
        for i in 0..20 {
            let authority = format!("host-{}", i % 10);
            let route = series.request(Some(&authority));
            series.response(&route, ok.clone(), 1.5);
        }
        for i in 0..10 {
            let labels = connection.http(Some(&format!("host-{i}")));
            assert_eq!(metrics.requests.get_or_create(&labels).get(), 2, "host-{i}");
            assert_eq!(metrics.responses.get_or_create(&ok.labels(labels)).get(), 2, "host-{i}");
        }
    }
}
