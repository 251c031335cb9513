//! One query of a lookup, end to end: encode it, exchange it, report what happened while waiting,
//! and decode the reply. host, dig and nslookup differ in what they print around this, not in it.

use std::net::SocketAddr;

use crate::error::DnsError;
use crate::text::record::hex_dump;
use crate::tools::console::{self, out};
use crate::wire::query::{QuerySpec, encode};
use crate::wire::reply::{Reply, parse};
use hickory_proto::rr::RData;

use crate::net::sockets::{Notice, Received, Settings, exchange, transfer};

/// A server to ask and how the user named it (`;; SERVER: ip#port(label)`, `Name: label`).
pub type Server = (SocketAddr, String);

/// One lookup of host or nslookup: the names of its search walk and what it reports them as.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The name failures report: the user's text, or for a follow-up the name the CNAME chain
    /// ended at (`Host X not found`, `*** Can't find X: No answer`).
    pub textname: String,
    /// Absolute names to try in order (only NXDOMAIN moves on to the next).
    pub names: Vec<String>,
    /// Query type.
    pub rtype: u16,
}

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
    /// The lookup was given up after a message that already says why (`;; ERROR: ...`).
    Abandoned,
    /// A reply came but could not be decoded; [`bad_packet_text`] prints it.
    BadPacket {
        /// BIND's words for the problem.
        reason: &'static str,
        /// The reply as received.
        bytes: Vec<u8>,
    },
}

/// How a zone transfer ended.
#[derive(Debug)]
pub enum Transfer {
    /// The messages that arrived, decoded, in order (the last may be an error reply).
    Messages(Vec<(Reply, Received)>),
    /// No server answered; `announced` as in [`Answer::NoReply`].
    NoReply {
        /// The failure line is already out.
        announced: bool,
    },
    /// A message could not be decoded.
    BadPacket {
        /// BIND's words for the problem.
        reason: &'static str,
        /// The message as received.
        bytes: Vec<u8>,
    },
}

/// Tells when a transfer is complete: an error reply, an answer that does not start with the
/// zone's SOA, or that SOA (same serial) coming round again; an IXFR reply of the SOA alone means
/// "up to date".
#[derive(Default)]
struct TransferEnd {
    serial: Option<u32>,
    messages: usize,
}

impl TransferEnd {
    fn is_last(&mut self, bytes: &[u8], ixfr: bool) -> bool {
        self.messages += 1;
        let Ok(reply) = parse(bytes.to_vec(), true) else { return true };
        if reply.rcode() != 0 {
            return true;
        }
        for (index, record) in reply.answers().iter().enumerate() {
            let serial = match &record.data {
                RData::SOA(soa) => Some(soa.serial),
                _ => None,
            };
            match (self.serial, serial) {
                (None, Some(serial)) => self.serial = Some(serial),
                (None, None) => return true,
                (Some(first), Some(serial)) if serial == first => return true,
                _ => {}
            }
            if ixfr && self.messages == 1 && index == 0 && reply.answers().len() == 1 {
                return true;
            }
        }
        reply.answers().is_empty()
    }
}

/// Asks the queries of one lookup, carrying BIND's try budget from one search name to the next.
pub struct Asker<'a> {
    servers: &'a [Server],
    settings: Settings,
}

impl<'a> Asker<'a> {
    /// An asker for `servers`; [`Settings::best_effort`] decodes damaged replies as far as dig does.
    pub fn new(servers: &'a [Server], settings: Settings) -> Self {
        Self { servers, settings }
    }

    /// Whether queries now go over TCP (asked for, or switched to after a truncated answer).
    pub fn uses_tcp(&self) -> bool {
        self.settings.tcp
    }

    /// The index of the server after `server`, which answered a query asked from index `first`,
    /// when there is one (BIND's "trying next server"). Always above `first`, so retry loops end
    /// even when resolv.conf lists a server twice.
    pub fn next_after(&self, first: usize, server: SocketAddr) -> Option<usize> {
        let offset = self.servers.iter().skip(first).position(|(address, _)| *address == server)?;
        let next = first + offset + 1;
        (next < self.servers.len()).then_some(next)
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
        self.ask_from(0, spec, textname, on_truncated)
    }

    /// [`Asker::ask`] starting at the server with index `first` (after one said SERVFAIL).
    pub fn ask_from(
        &mut self,
        first: usize,
        spec: &QuerySpec,
        textname: &str,
        on_truncated: impl FnMut(),
    ) -> Result<Answer, DnsError> {
        let query = encode(spec)?;
        let addresses: Vec<SocketAddr> = self.servers.iter().skip(first).map(|(address, _)| *address).collect();
        let result = exchange(&query, spec.id, &addresses, &self.settings);
        self.settings.tries = result.tries_left;
        // After a TCP fallback BIND stays on TCP for the rest of the lookup and its follow-ups.
        if result.notices.contains(&Notice::Truncated) {
            self.settings.tcp = true;
        }
        console::notices(&result.notices, |server| self.label(server), textname, on_truncated);
        let Some(received) = result.reply else {
            if result.notices.contains(&Notice::Abandoned) {
                return Ok(Answer::Abandoned);
            }
            return Ok(Answer::NoReply { announced: console::ended_on_connect_failure(&result.notices) });
        };
        Ok(match parse(received.bytes.clone(), self.settings.best_effort) {
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

impl Asker<'_> {
    /// Runs a zone transfer for `spec` (AXFR or IXFR) and decodes every message.
    pub fn transfer(&mut self, spec: &QuerySpec, textname: &str) -> Result<Transfer, DnsError> {
        let query = encode(spec)?;
        let addresses: Vec<SocketAddr> = self.servers.iter().map(|(address, _)| *address).collect();
        let ixfr = spec.rtype == crate::protocol::mnemonics::code::IXFR;
        let mut end = TransferEnd::default();
        let (notices, messages) =
            transfer(&query, spec.id, &addresses, self.settings.timeout, |bytes| end.is_last(bytes, ixfr));
        console::notices(&notices, |server| self.label(server), textname, || {});
        if messages.is_empty() {
            return Ok(Transfer::NoReply { announced: console::ended_on_connect_failure(&notices) });
        }
        let mut decoded = Vec::new();
        for received in messages {
            match parse(received.bytes.clone(), self.settings.best_effort) {
                Ok(mut reply) => {
                    // A transfer lists the zone in order; BIND does not regroup it.
                    reply.keep_order = true;
                    decoded.push((reply, received));
                }
                Err(bad) => return Ok(Transfer::BadPacket { reason: bad.reason, bytes: received.bytes }),
            }
        }
        Ok(Transfer::Messages(decoded))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A message with `records` (each a type code) in its answer, the SOAs with serial 1.
    fn message(types: &[u16]) -> Vec<u8> {
        let mut bytes = vec![0, 1, 0x84, 0, 0, 1, 0, types.len() as u8, 0, 0, 0, 0, 1, b'z', 0, 0, 252, 0, 1];
        for &rtype in types {
            bytes.extend_from_slice(&[0xc0, 12, 0, rtype as u8, 0, 1, 0, 0, 0, 5]);
            if rtype == 6 {
                bytes.extend_from_slice(&[0, 22, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
            } else {
                bytes.extend_from_slice(&[0, 4, 10, 0, 0, 1]);
            }
        }
        bytes
    }

    /// A transfer ends when the opening SOA comes round again, possibly messages later.
    #[test]
    fn transfer_ends_at_second_soa() {
        let mut end = TransferEnd::default();
        assert!(!end.is_last(&message(&[6, 1]), false));
        assert!(end.is_last(&message(&[1, 6]), false));
    }

    /// An answer that does not open with an SOA ends the transfer; so does an IXFR "up to date".
    #[test]
    fn transfer_ends_early() {
        assert!(TransferEnd::default().is_last(&message(&[1]), false));
        assert!(TransferEnd::default().is_last(&message(&[6]), true));
        assert!(!TransferEnd::default().is_last(&message(&[6]), false));
    }

    /// The next server is counted from where the query started, so a duplicated server ends the walk.
    #[test]
    fn next_server_moves_forward() {
        let server: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        let servers = vec![(server, "a".to_string()), (server, "b".to_string())];
        let settings = Settings {
            timeout: std::time::Duration::from_secs(1),
            tries: 1,
            tcp: false,
            ignore_truncation: false,
            best_effort: false,
        };
        let asker = Asker::new(&servers, settings);
        assert_eq!(asker.next_after(0, server), Some(1));
        assert_eq!(asker.next_after(1, server), None);
    }

    /// `-4` with an IPv6 server and `-6` with an IPv4 server are reported as BIND does.
    #[test]
    fn family_mismatches() {
        let v6: SocketAddr = "[::1]:53".parse().expect("addr");
        let v4: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        assert_eq!(
            check_family("::1", v6, Some(4)),
            Err(FamilyMismatch::Unsupported("couldn't get address for '::1': address family not supported\n".into()))
        );
        assert_eq!(
            check_family("127.0.0.1", v4, Some(6)),
            Err(FamilyMismatch::Mapped(
                ";; Skipping mapped address '::ffff:127.0.0.1'\n;; No acceptable nameservers\n".into()
            ))
        );
        assert_eq!(check_family("127.0.0.1", v4, Some(4)), Ok(()));
    }
}
