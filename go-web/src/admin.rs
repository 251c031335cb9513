//! The admin listener, kept off the lab's port: `/metrics`, `/livez` and `/readyz`.
//!
//! Readiness turns false as soon as shutdown starts, so a load balancer stops sending new work while the
//! app listener drains.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::db::Database;
use crate::metrics::Metrics;
use crate::server::Handler;

/// Handler of the admin listener.
#[derive(Clone)]
pub struct Admin {
    metrics: Arc<Metrics>,
    db: Database,
    ready: Arc<AtomicBool>,
}

impl Admin {
    /// `ready` is shared with the code that starts shutdown.
    pub fn new(metrics: Arc<Metrics>, db: Database, ready: Arc<AtomicBool>) -> Admin {
        Admin { metrics, db, ready }
    }
}

impl Handler for Admin {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (status, content_type, body) = match request.uri().path() {
            "/metrics" => (
                StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                self.metrics.encode(self.db.status()),
            ),
            "/livez" | "/healthz" => (StatusCode::OK, "text/plain", "live\n".to_string()),
            "/readyz" if self.ready.load(Ordering::Relaxed) => (StatusCode::OK, "text/plain", "ready\n".to_string()),
            "/readyz" => (StatusCode::SERVICE_UNAVAILABLE, "text/plain", "shutting down\n".to_string()),
            _ => (StatusCode::NOT_FOUND, "text/plain", "not found: try /metrics, /livez or /readyz\n".to_string()),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}
