//! `dnsutils`: the DNS tools of the lab's `dnsutils` pod (`host`, `dig`, `nslookup`) plus the `wget` and
//! `sleep` it uses, rebuilt on hickory-proto so their output matches BIND 9.18 byte for byte.
//!
//! Layout of the DNS tools, from pure to I/O:
//! - words and text: `types` (type/class mnemonics), `presentation` (names, strings, record lines),
//!   `rdata_text` and `extra_rdata` (rdata), `message_text` (header and sections), `edns_text`;
//! - messages: `query` (what each tool sends), `reply` (decoding as BIND's parser does), with
//!   `wire_check` and `rdata_rules` (BIND's verdict on damaged names and rdata);
//! - resolver settings: `resolv_conf`, `search` (the search walk and reverse names);
//! - I/O: `transport` (UDP/TCP with BIND's retries and notices), `asking` (one query end to end),
//!   `console` (output that never panics);
//! - tools: `host`, `dig`, `nslookup` (each with its options module), each exposing
//!   `main(args) -> exit code` for the multi-call binary.

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
pub mod host_transfer;
pub mod locale;
pub mod message_text;
pub mod nslookup;
pub mod nslookup_options;
pub mod presentation;
pub mod query;
pub mod rdata_rules;
pub mod rdata_text;
pub mod reply;
pub mod resolv_conf;
pub mod search;
pub mod sleep;
pub mod svcb_text;
pub mod transport;
pub mod types;
pub mod wget;
pub mod wire_check;

/// What `host -V`, `dig -v` and dig's greeting print: the BIND release whose output these tools reproduce,
/// so scripts comparing versions see 9.18.49, then who we really are, so nobody mistakes us for BIND.
pub const BIND_VERSION: &str = concat!("9.18.49-dnsutils-", env!("CARGO_PKG_VERSION"));
