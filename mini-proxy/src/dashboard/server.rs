//! The dashboard's server: the page (HTML, CSS and script embedded in the binary; the page loads
//! nothing from anywhere else, and its Content-Security-Policy says so) and `/api/stat`, the board's
//! latest JSON, on the dashboard's listener; `/metrics`, `/livez` and `/readyz` on the admin listener
//! (ready once the first round of scrapes is in); rounds of scrapes in the background until the drain.

use std::time::Duration;

use bytes::Bytes;
use cluster_state::k8s_openapi::api::apps::v1::Deployment;
use cluster_state::k8s_openapi::api::core::v1::Pod;
use cluster_state::{ClusterState, Query, Scope};
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use http::{Method, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use prometheus_client::registry::Registry;
use server_runtime::http::{Admin, Handler, Limits, text_response};
use server_runtime::{Drained, Lifecycle};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::board::Board;
use super::config::DashboardConfig;
use super::follow::{Discovery, follow};

/// How long to wait for the cluster's objects at start before giving up.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/dashboard.js");
const STYLE: &str = include_str!("page/dashboard.css");

/// Everything the page may load comes from this server; no script or style is inline.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

/// The two listeners, bound by `main`.
#[derive(Debug)]
pub struct Listeners {
    /// The page and `/api/stat`.
    pub dashboard: TcpListener,
    /// `/metrics`, `/livez`, `/readyz`.
    pub admin: TcpListener,
}

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The cluster-state source could not start or failed.
    #[error("cluster state: {0}")]
    Cluster(#[from] cluster_state::Error),
    /// The source started but never delivered every object.
    #[error("the cluster's Deployments and Pods were not all read within {0:?}; check --from-file or the API")]
    NotSynced(Duration),
}

/// Serves the dashboard on `listeners` until `lifecycle` has drained.
pub async fn run(
    listeners: Listeners,
    config: DashboardConfig,
    lifecycle: Lifecycle,
) -> Result<Drained, DashboardError> {
    let stop = CancellationToken::new();
    let discovery = if config.targets.is_empty() {
        let scope = match &config.namespace {
            Some(namespace) => Scope::namespace(namespace.clone()),
            None => Scope::all(),
        };
        let query = Query::new().with::<Pod>(scope.clone()).with::<Deployment>(scope);
        let source = config.source.source().await?;
        let state = ClusterState::start("mini-proxy-dashboard", source, query, stop.clone()).await?;
        let failed = match tokio::time::timeout(SYNC_TIMEOUT, state.wait_synced()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(DashboardError::Cluster(e)),
            Err(_) => Some(DashboardError::NotSynced(SYNC_TIMEOUT)),
        };
        if let Some(e) = failed {
            stop.cancel();
            return Err(e);
        }
        Discovery::Cluster { state, namespace: config.namespace.clone() }
    } else {
        let namespace = config.namespace.clone().unwrap_or_else(|| "default".to_string());
        Discovery::Targets { namespace, rows: config.targets.clone() }
    };

    let board = Board::new(config.interval, config.window);
    let (published, latest) = watch::channel(Bytes::from(board.latest().to_string()));
    let ready = lifecycle.readiness().gate("first round of scrapes");
    let rounds = tokio::spawn(follow(discovery, board, config.interval, published, ready, stop.clone()));

    // A few browsers at a time, like an admin port.
    server_runtime::http::serve("dashboard", listeners.dashboard, Page { latest }, Limits::ADMIN, lifecycle.app());
    let admin = Admin::new(Registry::default(), lifecycle.readiness().clone());
    server_runtime::http::serve("admin", listeners.admin, admin, Limits::ADMIN, lifecycle.admin());

    let drained = lifecycle.drain().await;
    stop.cancel();
    let _ = rounds.await;
    Ok(drained)
}

/// The page's routes.
#[derive(Clone, Debug)]
struct Page {
    /// The JSON of the latest round.
    latest: watch::Receiver<Bytes>,
}

impl Handler for Page {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        // hyper sends no body in answer to HEAD.
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = text_response(StatusCode::METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "use GET\n");
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let mut response = match request.uri().path() {
            "/" | "/index.html" => text_response(StatusCode::OK, "text/html; charset=utf-8", INDEX),
            "/dashboard.js" => text_response(StatusCode::OK, "text/javascript; charset=utf-8", SCRIPT),
            "/dashboard.css" => text_response(StatusCode::OK, "text/css; charset=utf-8", STYLE),
            "/api/stat" => text_response(StatusCode::OK, "application/json", self.latest.borrow().clone()),
            _ => text_response(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found: try / or /api/stat\n"),
        };
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }
}
