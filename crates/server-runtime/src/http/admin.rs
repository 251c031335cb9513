//! The admin listener's handler, kept off every app port: `/metrics` from the binary's prometheus-client
//! registry, `/livez` (the process answers), `/readyz` (its [`Readiness`]), and whatever routes the binary
//! adds (mini-proxy's `POST /shutdown`), with a 404 naming the known routes for anything else.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use prometheus_client::registry::Registry;

use super::serve::{Handler, text_response};
use crate::lifecycle::{Readiness, ReadyStatus};

/// The content type of the OpenMetrics text prometheus-client writes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Answers 404 for every request: the admin handler's extra routes when a binary adds none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NotFound;

impl Handler for NotFound {
    async fn call(&self, _request: Request<Incoming>) -> Response<Full<Bytes>> {
        text_response(StatusCode::NOT_FOUND, TEXT, "not found: try /metrics, /livez or /readyz\n")
    }
}

/// The admin handler: the runtime's routes first, then the binary's own `routes`.
#[derive(Clone, Debug)]
pub struct Admin<R = NotFound> {
    /// Everything `/metrics` shows. Registered once at start; values read at scrape time come from
    /// prometheus-client collectors, so no lock is needed here.
    registry: Arc<Registry>,
    readiness: Readiness,
    routes: R,
}

impl Admin {
    /// Serves `registry` and `readiness`, with no routes of the binary's own.
    pub fn new(registry: Registry, readiness: Readiness) -> Admin {
        Admin { registry: Arc::new(registry), readiness, routes: NotFound }
    }
}

impl<R> Admin<R> {
    /// Sends every path the runtime does not know to `routes`.
    pub fn with_routes<S: Handler>(self, routes: S) -> Admin<S> {
        Admin { registry: self.registry, readiness: self.readiness, routes }
    }

    fn metrics(&self) -> Response<Full<Bytes>> {
        let mut text = String::new();
        match prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            Ok(()) => text_response(StatusCode::OK, OPENMETRICS, text),
            // Only a collector's own formatting can fail; say so rather than serve half a page.
            Err(_) => text_response(StatusCode::INTERNAL_SERVER_ERROR, TEXT, "metrics could not be encoded\n"),
        }
    }

    fn ready(&self) -> Response<Full<Bytes>> {
        match self.readiness.status() {
            ReadyStatus::Ready => text_response(StatusCode::OK, TEXT, "ready\n"),
            ReadyStatus::Draining => text_response(StatusCode::SERVICE_UNAVAILABLE, TEXT, "shutting down\n"),
            ReadyStatus::Waiting(gates) => {
                text_response(StatusCode::SERVICE_UNAVAILABLE, TEXT, format!("waiting for: {}\n", gates.join(", ")))
            }
        }
    }
}

impl<R: Handler + std::fmt::Debug> Handler for Admin<R> {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match request.uri().path() {
            "/metrics" => self.metrics(),
            // Other spellings people and manifests use: `/healthz`, CoreDNS's `/health`, Linkerd's `/live`.
            "/livez" | "/healthz" | "/health" | "/live" => text_response(StatusCode::OK, TEXT, "live\n"),
            "/readyz" | "/ready" => self.ready(),
            _ => self.routes.call(request).await,
        }
    }
}
