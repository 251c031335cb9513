//! `go-web`: a drop-in replacement for the lab's Go web server (`strongjz/go-web`).
//!
//! Same port, routes, bodies and environment variables as the original (`/` → `Hello`, `/healthz` →
//! `Healthy`, `/host` → `NODE: <node>, POD IP:<ip>`, `/data` → `Database Connected`), without its flaws:
//! one bounded postgres pool with deadlines instead of a new pool per request, no password in any log,
//! metrics and probes on a separate admin port, and a graceful drain on SIGTERM.
//!
//! Layout: [`config`] parses and checks settings; [`routes`] matches paths like Go's ServeMux; [`app`]
//! answers them; [`db`] owns the pool; [`metrics`] and [`admin`] serve `/metrics` and the probes;
//! [`server`] is the accept loop both listeners share. [`run`] ties them together; `main` only parses
//! configuration, sets up logging, binds and calls it.

pub mod admin;
pub mod app;
pub mod config;
pub mod db;
pub mod metrics;
pub mod routes;
pub mod server;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::info;

use crate::config::Config;

/// Serves the app and admin listeners until `shutdown` completes, then drains both and returns.
pub async fn run(
    app_listener: TcpListener,
    admin_listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) {
    let db = db::Database::new(config.db.clone(), config.db_pool_size, config.db_timeout);
    let metrics = metrics::Metrics::new();
    let ready = Arc::new(AtomicBool::new(true));
    let app = app::App::new(
        routes::host_body(&config.pod.node_name, &config.pod.pod_ip),
        db.clone(),
        metrics.clone(),
        config.access_log,
    );
    let admin = admin::Admin::new(metrics, db, ready.clone());
    let limits = server::Limits {
        max_connections: config.max_connections,
        header_read_timeout: config.header_read_timeout,
        shutdown_grace: config.shutdown_grace,
    };
    let admin_limits = server::Limits { max_connections: 64, ..limits };

    // Two phases: the app listener drains first while the admin listener keeps answering (/readyz now
    // 503, /metrics still scrapeable); then the admin listener stops.
    let (stop_app, app_rx) = watch::channel(false);
    let (stop_admin, admin_rx) = watch::channel(false);
    let app_task = tokio::spawn(server::serve("app", app_listener, app, limits, app_rx));
    let admin_task = tokio::spawn(server::serve("admin", admin_listener, admin, admin_limits, admin_rx));

    shutdown.await;
    info!("shutdown requested");
    ready.store(false, Ordering::Relaxed);
    let _ = stop_app.send(true);
    let _ = app_task.await;
    let _ = stop_admin.send(true);
    let _ = admin_task.await;
}
