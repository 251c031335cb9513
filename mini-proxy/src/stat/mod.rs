//! `mini-proxy stat`: what `linkerd viz stat` computes from Prometheus, computed here from two scrapes of
//! each proxy's `/metrics` taken a window apart. Everything but [`scrape`] and [`command`] is pure:
//! - [`exposition`]: Prometheus' text format into samples;
//! - [`quantile`]: `histogram_quantile`, as Prometheus interpolates it;
//! - [`window`]: one resource's row from its pods' scrapes (success rate, RPS, latency quantiles,
//!   connections, byte rates), Linkerd's queries turned into sums over samples;
//! - [`table`]: the row as Linkerd prints it, a table or JSON;
//! - [`targets`]: which rows the cluster's objects make, and which proxies hold each row's traffic;
//! - [`scrape`]: reading a proxy's `/metrics` (the dashboard reads them with it too);
//! - [`command`]: the subcommand: finds the rows, scrapes them, prints.

pub mod command;
pub mod exposition;
pub mod quantile;
pub mod scrape;
pub mod table;
pub mod targets;
pub mod window;
