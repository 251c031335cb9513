//! `test-support`: what every crate's tests share, in one copy, so plain `cargo test --workspace` works on
//! a machine with the Debian packages installed and nothing started beforehand.
//!
//! - [`process`]: one of our binaries as a real process, its ephemeral ports read from its
//!   `serving <name> addr=<ip:port>` log lines, always killed at the end.
//! - [`postgres`]: a throwaway PostgreSQL from `scripts/throwaway-postgres` (the script `scripts/test` uses
//!   too), shared per test binary or owned by one test.
//! - [`dns`]: one scripted DNS server over UDP and TCP, and hand-built messages for its scripts.
//! - [`network`]: free loopback ports and addresses, a peer that never answers, a slow proxy.
//! - [`netns`]: network namespaces joined by a bridge, for iptables and link-layer tests (root only).
//! - [`http_client`]: a byte-exact HTTP/1.1 client.
//! - [`wait`]: bounded waits on an observable state.
//!
//! Test code: it panics with a message instead of returning errors, and uses only the standard library,
//! so depending on it costs a crate's tests nothing to build.

pub mod dns;
pub mod http_client;
pub mod netns;
pub mod network;
pub mod postgres;
pub mod process;
pub mod wait;
