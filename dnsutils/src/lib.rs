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

pub mod error;
pub mod net;
pub mod protocol;
pub mod resolver;
pub mod text;
pub mod tools;
pub mod wire;

/// What `host -V`, `dig -v` and dig's greeting print: the BIND release whose output these tools reproduce,
/// so scripts comparing versions see 9.18.49, then who we really are, so nobody mistakes us for BIND.
pub const BIND_VERSION: &str = concat!("9.18.49-dnsutils-", env!("CARGO_PKG_VERSION"));
