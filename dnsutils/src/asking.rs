//! One query of a lookup, end to end: encode it, exchange it, report what happened while waiting,
//! and decode the reply. host, dig and nslookup differ in what they print around this, not in it.

use std::net::SocketAddr;

use crate::console::{self, out};
use crate::error::DnsError;
use crate::presentation::hex_dump;
use crate::query::{QuerySpec, encode};
use crate::reply::{Reply, parse};
use crate::transport::{Notice, Received, Settings, exchange};

/// A server to ask and how the user named it (`;; SERVER: ip#port(label)`, `Name: label`).
pub type Server = (SocketAddr, String);

/// How one query ended.
#[derive(Debug)]
pub enum Answer {
    /// A reply that decoded (completely, or best-effort for dig).
    Reply {
        /// The decoded reply (boxed: it is much larger than the other outcomes).
        reply: Box<Reply>,
        /// Who sent it, how, and how fast.
        received: Received,
    },
    /// No server answered. `announced` is set when a failed TCP connection already printed
    /// `;; no servers could be reached`.
    NoReply {
        /// The failure line is already out.
        announced: bool,
    },
    /// A reply came but could not be decoded; [`bad_packet_text`] prints it.
    BadPacket {
        /// BIND's words for the problem.
        reason: &'static str,
        /// The reply as received.
        bytes: Vec<u8>,
    },
}

/// Asks the queries of one lookup, carrying BIND's try budget from one search name to the next.
pub struct Asker<'a> {
    servers: &'a [Server],
    settings: Settings,
    best_effort: bool,
}

impl<'a> Asker<'a> {
    /// An asker for `servers`; `best_effort` decodes damaged replies as far as dig does.
    pub fn new(servers: &'a [Server], settings: Settings, best_effort: bool) -> Self {
        Self { servers, settings, best_effort }
    }

    /// Whether queries now go over TCP (asked for, or switched to after a truncated answer).
    pub fn uses_tcp(&self) -> bool {
        self.settings.tcp
    }

    /// How the user named `server` (the operand as typed, or the address from resolv.conf).
    pub fn label(&self, server: SocketAddr) -> String {
        self.servers
            .iter()
            .find(|(address, _)| *address == server)
            .map_or_else(|| server.ip().to_string(), |(_, label)| label.clone())
    }

    /// Sends `spec`, prints the notices on the way (`textname` names the lookup in TCP connection
    /// failures; `on_truncated` prints what this tool prints on a TCP fallback) and decodes the reply.
    pub fn ask(&mut self, spec: &QuerySpec, textname: &str, on_truncated: impl FnMut()) -> Result<Answer, DnsError> {
        let query = encode(spec)?;
        let addresses: Vec<SocketAddr> = self.servers.iter().map(|(address, _)| *address).collect();
        let result = exchange(&query, spec.id, &addresses, &self.settings);
        self.settings.tries = result.tries_left;
        // After a TCP fallback BIND stays on TCP for the rest of the lookup and its follow-ups.
        if result.notices.contains(&Notice::Truncated) {
            self.settings.tcp = true;
        }
        console::notices(&result.notices, |server| self.label(server), textname, on_truncated);
        let Some(received) = result.reply else {
            return Ok(Answer::NoReply { announced: console::ended_on_connect_failure(&result.notices) });
        };
        Ok(match parse(received.bytes.clone(), self.best_effort) {
            Ok(reply) => Answer::Reply { reply: Box::new(reply), received },
            Err(bad) => Answer::BadPacket { reason: bad.reason, bytes: received.bytes },
        })
    }
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
pub fn check_family(label: &str, address: SocketAddr, family: Option<u8>) -> Result<(), FamilyMismatch> {
    match (family, address) {
        (Some(4), SocketAddr::V6(_)) => Err(FamilyMismatch::Unsupported(format!(
            "couldn't get address for '{label}': address family not supported\n"
        ))),
        (Some(6), SocketAddr::V4(v4)) => Err(FamilyMismatch::Mapped(format!(
            ";; Skipping mapped address '{}'\n;; No acceptable nameservers\n",
            v4.ip().to_ipv6_mapped()
        ))),
        _ => Ok(()),
    }
}

/// Prints `;; no servers could be reached` unless a TCP connection failure already did.
pub fn report_no_reply(announced: bool) {
    if !announced {
        out(";; no servers could be reached\n");
    }
}

/// `;; Got bad packet: reason` and the hex dump.
pub fn bad_packet_text(reason: &str, bytes: &[u8]) -> String {
    format!(";; Got bad packet: {reason}\n{}", hex_dump(bytes))
}
