//! `dnsutils`: the DNS tools of the lab's `dnsutils` pod (`host`, `dig`, `nslookup`) plus the `wget` and
//! `sleep` it uses, rebuilt on hickory-proto so their output matches BIND 9.18 byte for byte.
//!
//! Layers, each a folder, each depending only on the ones listed before it:
//! - [`protocol`]: the protocol's numbers by name (`Rcode`, record types, `Family`...) and BIND's mnemonics;
//! - [`wire`]: bytes to structs and back, with no text and no I/O (names, rdata checks, replies, queries);
//! - [`net`]: the only socket code, behind the [`net::Exchange`] trait, reporting typed events and
//!   returning each reply parsed once;
//! - [`text`]: structs (and the network's events) to BIND's text, with no I/O;
//! - [`resolver`]: resolv.conf, the search walk and the servers to ask;
//! - [`tools`]: `host`, `dig` and `nslookup` (each its options, flow and output), `wget` and `sleep`, each
//!   exposing `main(args) -> exit code` for the multi-call binary.
//!
//! [`error`] is the one error type of the DNS tools.

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
