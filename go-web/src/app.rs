//! The lab's HTTP handler: answers each route and records metrics and the optional access log.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use http::{Method, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tracing::{info, warn};

use server_runtime::http::Handler;

use crate::db::{Database, error_chain};
use crate::metrics::Metrics;
use crate::routes::{self, Resolution, Route};

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// Shared state of the app handler; cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    /// `/host` never changes while the pod lives, so it is formatted once.
    host_body: Bytes,
    db: Database,
    metrics: Arc<Metrics>,
    access_log: bool,
}

impl App {
    /// Builds the handler from the pod's identity, the pool and the metrics it records into.
    pub fn new(host_body: String, db: Database, metrics: Arc<Metrics>, access_log: bool) -> App {
        App { inner: Arc::new(Inner { host_body: Bytes::from(host_body), db, metrics, access_log }) }
    }

    async fn respond(&self, route: Route) -> Response<Full<Bytes>> {
        match route {
            Route::Root => text(StatusCode::OK, Bytes::from_static(b"Hello")),
            Route::Healthz => text(StatusCode::OK, Bytes::from_static(b"Healthy")),
            Route::Host => text(StatusCode::OK, self.inner.host_body.clone()),
            Route::Data => match self.inner.db.ping().await {
                Ok(()) => text(StatusCode::OK, Bytes::from_static(b"Database Connected")),
                Err(e) => {
                    let message = error_chain(&e);
                    warn!(error = %message, "/data: database unavailable");
                    text(StatusCode::INTERNAL_SERVER_ERROR, Bytes::from(message))
                }
            },
        }
    }
}

impl Handler for App {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let start = Instant::now();
        let (route, response) = match routes::resolve(request.uri().path()) {
            Resolution::Serve(route) => {
                let _in_flight = self.inner.metrics.start(route);
                (route, self.respond(route).await)
            }
            Resolution::Redirect(path) => (Route::Root, redirect(&request, path)),
        };
        let status = response.status().as_u16();
        self.inner.metrics.record(route, status, start.elapsed().as_secs_f64());
        if self.inner.access_log {
            info!(
                method = %request.method(),
                path = %request.uri().path(),
                status,
                micros = start.elapsed().as_micros() as u64,
                "request"
            );
        }
        response
    }
}

fn text(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, TEXT_PLAIN);
    response
}

/// ServeMux's 301 to the clean path, keeping the query; the small HTML body only for GET, as Go does.
fn redirect(request: &Request<Incoming>, mut location: String) -> Response<Full<Bytes>> {
    if let Some(query) = request.uri().query() {
        location.push('?');
        location.push_str(query);
    }
    let body = if request.method() == Method::GET { routes::redirect_body(&location) } else { String::new() };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if request.method() == Method::GET || request.method() == Method::HEAD {
        response.headers_mut().insert(CONTENT_TYPE, TEXT_HTML);
    }
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}
