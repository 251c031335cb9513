//! Outbound HTTP requests: each is given to one endpoint of the destination, chosen per request by P2C
//! over peak-EWMA latency ([`crate::balance`]), and goes through the request stack built for that
//! endpoint, so its series name the endpoint and the identity it proved (`tls="true",server_id=…`).

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tower::ServiceExt;

use super::Outbound;
use crate::balance::Loads;
use crate::detect::http::HttpVersion;
use crate::discovery::Destination;
use crate::http::forward::Forward;
use crate::http::pool::Pool;
use crate::http::{BoxFuture, ProxyBody, StackSettings, stack};
use crate::metrics::ProxyMetrics;
use crate::metrics::labels::{ClientTls, ConnectionLabels, Direction, Tls};
use crate::metrics::series::RequestSeries;

/// One outbound connection's requests.
#[derive(Clone, Debug)]
pub struct Requests {
    endpoints: Arc<[Endpoint]>,
    addrs: Arc<[std::net::SocketAddr]>,
    loads: Loads,
}

/// An endpoint with its stack's ingredients, prepared once per connection.
#[derive(Debug)]
struct Endpoint {
    forward: Forward,
    settings: StackSettings,
}

impl Requests {
    /// The requests of a connection to `destination`, speaking `version`.
    pub fn new(outbound: &Outbound, destination: Destination, version: HttpVersion) -> Requests {
        let labels: Arc<[(&'static str, String)]> = destination.labels.clone().into();
        let endpoints: Vec<Endpoint> = destination
            .endpoints
            .iter()
            .map(|upstream| {
                let tls = match &upstream.identity {
                    Some(server_id) => ClientTls::Established { server_id: server_id.clone() },
                    None => ClientTls::NotMeshed,
                };
                let connection = ConnectionLabels {
                    direction: Direction::Outbound,
                    target: upstream.addr,
                    tls: Tls::Client(tls),
                    server: None,
                    destination: destination.labels.clone(),
                };
                endpoint(
                    upstream.clone(),
                    labels.clone(),
                    connection,
                    version,
                    &outbound.pool,
                    &outbound.metrics,
                    outbound.settings.response_timeout,
                )
            })
            .collect();
        let addrs = destination.endpoints.iter().map(|e| e.addr).collect();
        Requests { endpoints: endpoints.into(), addrs, loads: outbound.loads.clone() }
    }
}

fn endpoint(
    upstream: crate::transport::connect::Upstream,
    labels: Arc<[(&'static str, String)]>,
    connection: ConnectionLabels,
    version: HttpVersion,
    pool: &Pool,
    metrics: &ProxyMetrics,
    response_timeout: Duration,
) -> Endpoint {
    let forward = Forward { upstream, labels, version, pool: pool.clone() };
    let settings = StackSettings {
        series: RequestSeries::new(metrics.clone(), Arc::new(connection)),
        with_authority: true,
        response_timeout,
        client_id: None,
    };
    Endpoint { forward, settings }
}

impl tower::Service<Request<Incoming>> for Requests {
    type Response = Response<ProxyBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<ProxyBody>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let (index, in_flight) = match self.addrs.len() {
            0 | 1 => (0, None),
            _ => {
                let (index, in_flight) = self.loads.choose(&self.addrs);
                (index, Some(in_flight))
            }
        };
        let chosen = &self.endpoints[index];
        let service = stack(chosen.forward.clone(), chosen.settings.clone());
        // A combinator rather than an `async` block, which would hold the service and the request twice
        // (once as captured, once inside the awaited `Oneshot`).
        Box::pin(service.oneshot(request).map(move |response| {
            if let Some(in_flight) = in_flight {
                in_flight.responded();
            }
            response
        }))
    }
}
