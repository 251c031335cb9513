//! `mini-proxy dashboard`: a live page of the mesh, like Linkerd viz's dashboard, served by the binary
//! itself (the page is plain HTML, CSS and script embedded at build time; no Node toolchain, nothing
//! fetched from the internet). Every interval it scrapes the proxies `stat` would scrape and computes the
//! same figures with the same code ([`crate::stat`]) over a rolling window: per deployment the success
//! rate, RPS, p50/p95/p99 and MESHED; the edges between deployments with their rates and whether they
//! are mutual TLS; a short latency history for the chart.
//!
//! Layers, lowest first; each uses only those above it:
//! - [`config`]: the flags, checked;
//! - [`history`], [`rounds`], [`edges`]: pure parts: the chart's bounded memory, the rolling pair of
//!   scrapes, who calls whom from outbound series;
//! - [`board`]: what the page shows after each round, as JSON (pure);
//! - [`follow`]: the rounds themselves: discovery and scrapes every interval;
//! - [`server`]: the page and `/api/stat`, the admin listener, and [`server::run`].

pub mod board;
pub mod config;
pub mod edges;
pub mod follow;
pub mod history;
pub mod rounds;
pub mod server;

pub use config::{DashboardArgs, DashboardConfig};
pub use server::{DashboardError, Listeners, run};
