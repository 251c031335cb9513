//! `dnsutils`: the DNS tools of the lab's `dnsutils` pod (`host`, `dig`, `nslookup`) plus the `wget` and
//! `sleep` it uses, rebuilt on hickory-proto so their output matches BIND 9.18 byte for byte.
//!
//! Layout: pure building blocks first (`types`, `presentation`, `reply`, `query`, `resolv_conf`,
//! `search`), then the one I/O module (`transport`), then one module per tool, each exposing
//! `main(args) -> exit code` for the multi-call binary.

pub mod asking;
pub mod console;
pub mod dig;
pub mod dig_options;
pub mod dig_plus;
pub mod dig_stats;
pub mod edns_text;
pub mod error;
pub mod extra_rdata;
pub mod host;
pub mod host_options;
pub mod locale;
pub mod message_text;
pub mod nslookup;
pub mod nslookup_options;
pub mod presentation;
pub mod query;
pub mod rdata_text;
pub mod reply;
pub mod resolv_conf;
pub mod search;
pub mod sleep;
pub mod transport;
pub mod types;
pub mod wget;

/// The BIND release whose output these tools reproduce; printed by `-V` and in dig's greeting.
pub const BIND_VERSION: &str = "9.18.49-1~deb12u3-Debian";
