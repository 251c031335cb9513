//! `mini-proxy stat`'s arithmetic: what `linkerd viz stat` computes from Prometheus, computed here from
//! two scrapes of each proxy's `/metrics` taken a window apart. Pure: the scraping and the command live
//! above it.
//! - [`exposition`]: Prometheus' text format into samples;
//! - [`quantile`]: `histogram_quantile`, as Prometheus interpolates it;
//! - [`window`]: one resource's row from its pods' scrapes (success rate, RPS, latency quantiles,
//!   connections, byte rates), Linkerd's queries turned into sums over samples;
//! - [`table`]: the row as Linkerd prints it, a table or JSON.

pub mod exposition;
pub mod quantile;
pub mod table;
pub mod window;
