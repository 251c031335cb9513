//! `go-web`: a drop-in replacement for the lab's Go web server (`strongjz/go-web`).
//!
//! Same port, routes, bodies and environment variables as the original (`/` → `Hello`, `/healthz` →
//! `Healthy`, `/host` → `NODE: <node>, POD IP:<ip>`, `/data` → `Database Connected`), without its flaws:
//! one bounded postgres pool with deadlines instead of a new pool per request, no password in any log,
//! metrics and probes on a separate admin port, and a graceful drain on SIGTERM.
//!
//! Layout: [`config`] parses and checks settings; [`routes`] matches paths like Go's ServeMux; [`app`]
//! answers them; [`db`] owns the pool; [`metrics`] records what `/metrics` shows. What every server shares
//! (the accept loop, the admin listener, the drain, config errors, logging) comes from `server-runtime`.
//! [`run`] ties them together; `main` only parses configuration, binds and calls it.

pub mod app;
pub mod config;
pub mod db;
pub mod metrics;
pub mod routes;

use prometheus_client::registry::Registry;
use server_runtime::http::{self, Admin, Limits};
use server_runtime::{Drained, Lifecycle};
use tokio::net::TcpListener;
use tracing::error;

use crate::config::Config;

/// Serves the lab's routes on `app_listener` and the admin routes on `admin_listener` until `lifecycle`
/// has drained (after SIGTERM, or [`Lifecycle::request_shutdown`] in tests), and says how the drain ended.
pub async fn run(
    app_listener: TcpListener,
    admin_listener: TcpListener,
    config: Config,
    lifecycle: Lifecycle,
) -> Drained {
    let db = db::Database::new(config.db.clone(), config.db_pool_size, config.db_timeout);
    let mut registry = Registry::default();
    let metrics = metrics::Metrics::new(&mut registry);
    metrics::PoolCollector::register(&mut registry, db.clone());
    let app =
        app::App::new(routes::host_body(&config.pod.node_name, &config.pod.pod_ip), db, metrics, config.access_log);
    let limits = Limits { max_connections: config.max_connections, header_read_timeout: config.header_read_timeout };
    let admin = Admin::new(registry, lifecycle.readiness().clone());

    let listeners = [
        ("app", http::serve("app", app_listener, app, limits, lifecycle.app())),
        ("admin", http::serve("admin", admin_listener, admin, Limits::ADMIN, lifecycle.admin())),
    ];
    let drained = lifecycle.drain().await;
    for (name, listener) in listeners {
        if let Err(e) = listener.await {
            error!(listener = name, error = %e, "listener task failed");
        }
    }
    drained
}
