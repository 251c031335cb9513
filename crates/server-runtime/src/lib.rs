//! `server-runtime`: how every long-running binary of the lab starts and stops, written once.
//!
//! go-web, cluster-dns, the mini-lb controller and speaker, mini-proxy and its identity service all need
//! the same things around their own work: flags with environment fallbacks and one-line config errors
//! (exit 64), logs as text or JSON, a separate admin listener with `/metrics`, `/livez` and `/readyz`, and
//! a drain on SIGTERM in the order Kubernetes needs. This crate holds them, so each binary's code is only
//! what makes it that binary.
//!
//! # Layout
//! - [`config`]: [`ConfigError`] and [`EXIT_CONFIG`], parsers for durations, addresses, ports, counts and
//!   switches, and [`RuntimeArgs`], the clap block of shared flags (`ADMIN_ADDR`, `LOG_FORMAT`, `RUST_LOG`,
//!   `SHUTDOWN_DELAY`, `SHUTDOWN_GRACE`).
//! - [`telemetry`]: the tracing subscriber.
//! - [`lifecycle`]: [`Readiness`] and its gates, the [`Lifecycle`] whose drain stops the app and admin
//!   [`WorkGroup`]s, and the signal handlers that start it.
//! - [`http`]: the accept loop small HTTP servers share ([`http::serve`]) and the [`http::Admin`] handler.
//! - [`listen`]: binding, and the `serving <name> addr=<ip:port>` line test harnesses read.
//! - [`watch`]: noticing that files in a directory changed (state files, credentials), debounced.
//! - [`memory`]: handing the heap's freed pages back to the kernel after a burst.
//! - [`run_binary`]: the `main` of every binary, tying the above together.
//!
//! Dependencies run one way: `process` uses `config`, `telemetry` and `lifecycle`; `http` uses
//! `lifecycle`; `config` uses the plain types of `lifecycle` and `telemetry`.
//!
//! # Example
//! A server with an admin listener that drains on SIGTERM, tested in-process without signals:
//! ```
//! use std::time::Duration;
//! use server_runtime::http::{self, Admin, Limits};
//! use server_runtime::{DrainTimes, Drained, Lifecycle};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let lifecycle = Lifecycle::new(DrainTimes { delay: Duration::ZERO, grace: Duration::from_secs(5) });
//! let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let admin = Admin::new(Default::default(), lifecycle.readiness().clone());
//! http::serve("admin", admin_listener, admin, Limits::ADMIN, lifecycle.admin());
//! lifecycle.request_shutdown(); // what SIGTERM does
//! assert_eq!(lifecycle.drain().await, Drained::Clean);
//! # Ok(())
//! # }
//! ```

pub mod config;
pub mod http;
pub mod lifecycle;
pub mod listen;
pub mod memory;
mod process;
pub mod telemetry;
pub mod watch;

pub use config::args::{RuntimeArgs, RuntimeSettings};
pub use config::error::ConfigError;
pub use config::values;
pub use lifecycle::{DrainTimes, Drained, Lifecycle, Readiness, ReadyGate, ReadyStatus, WorkGroup};
pub use listen::{BindError, bind_tcp, bind_udp};
pub use process::{EXIT_CONFIG, run_binary};
