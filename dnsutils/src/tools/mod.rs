//! The tools of the multi-call binary, each `main(args) -> exit code`: [`host`], [`dig`] and [`nslookup`]
//! (each with its options, its flow and its output), and the [`wget`] and [`sleep`] the lab's pod runs.
//!
//! The DNS tools share [`asker`] (one query end to end: servers, try budget, TCP fallback) and [`console`]
//! (where output goes). A tool's flow runs in a [`Session`]: the network behind an
//! [`crate::net::Exchange`] and a console, so tests run whole flows in-process against a scripted exchange.

pub mod asker;
pub mod console;
pub mod dig;
pub mod host;
pub mod locale;
pub mod nslookup;
#[cfg(test)]
pub mod scripted;
pub mod sleep;
pub mod wget;

use std::net::SocketAddr;

use crate::net::Exchange;
use crate::protocol::codes::Family;
use console::Console;

/// What one run of a DNS tool talks to: the network and the console.
pub struct Session<'a> {
    /// Where queries go.
    pub exchange: &'a mut dyn Exchange,
    /// Where output goes.
    pub console: Console,
}

/// Why an explicit server cannot be used with `-4`/`-6`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FamilyMismatch {
    /// `-4` with an IPv6 server: BIND's stderr line (after the program name).
    Unsupported(String),
    /// `-6` with an IPv4 server: BIND's stdout lines about the IPv4-mapped address it skips.
    Mapped(String),
}

/// Checks an explicit server address against `-4`/`-6` the way BIND reports a mismatch.
pub fn check_family(label: &str, address: SocketAddr, family: Option<Family>) -> Result<(), FamilyMismatch> {
    match (family, address) {
        (Some(Family::V4), SocketAddr::V6(_)) => Err(FamilyMismatch::Unsupported(format!(
            "couldn't get address for '{label}': address family not supported\n"
        ))),
        (Some(Family::V6), SocketAddr::V4(v4)) => Err(FamilyMismatch::Mapped(format!(
            ";; Skipping mapped address '{}'\n;; No acceptable nameservers\n",
            v4.ip().to_ipv6_mapped()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-4` with an IPv6 server and `-6` with an IPv4 server are reported as BIND does.
    #[test]
    fn family_mismatches() {
        let v6: SocketAddr = "[::1]:53".parse().expect("addr");
        let v4: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        assert_eq!(
            check_family("::1", v6, Some(Family::V4)),
            Err(FamilyMismatch::Unsupported("couldn't get address for '::1': address family not supported\n".into()))
        );
        assert_eq!(
            check_family("127.0.0.1", v4, Some(Family::V6)),
            Err(FamilyMismatch::Mapped(
                ";; Skipping mapped address '::ffff:127.0.0.1'\n;; No acceptable nameservers\n".into()
            ))
        );
        assert_eq!(check_family("127.0.0.1", v4, Some(Family::V4)), Ok(()));
    }
}
