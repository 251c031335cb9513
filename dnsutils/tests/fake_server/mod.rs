//! A tiny DNS server for the tool tests: one behaviour per instance, on 127.0.0.1 and a free port.
//!
//! It answers over UDP and TCP on the same port until dropped (each behaviour a script for test-support's
//! scripted DNS server). Replies are written byte by byte so
//! a test controls exactly what the tool receives (bad packets, foreign IDs, truncation).

// Each test binary includes this module and uses only some behaviours.
#![allow(dead_code)]

use std::net::SocketAddr;

use test_support::dns::{Response, ScriptedDns, Transport};

/// What the server does with each query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answer with one A record 10.0.0.1 (authoritative, no RA).
    Answer,
    /// Never answer.
    Silent,
    /// A header promising a question, followed by an unterminated name.
    Garbage,
    /// First a reply with a foreign ID, then the right one.
    WrongIdFirst,
    /// Over UDP a truncated empty reply; over TCP three A records.
    Truncate,
    /// NXDOMAIN with no records.
    NxDomain,
    /// Over TCP, a zone transfer in two messages: SOA + A, then A + SOA.
    Transfer,
    /// A queries answered as with `Answer`; any other type gets a reply cut inside its record.
    BadFollowUps,
    /// A queries answered with one record of the meta type AXFR (252) and rdata 10.0.0.1.
    MetaAnswer,
    /// A reply to another question (first letter of the name changed) whose CNAME rdata has a byte
    /// too many.
    OtherQuestionBrokenBody,
}

/// A running fake server; stops when dropped.
pub struct FakeServer {
    /// Where it listens (UDP and TCP).
    pub address: SocketAddr,
    _server: ScriptedDns,
}

impl FakeServer {
    /// Starts a server with `behaviour` on 127.0.0.1 and a free port.
    pub fn start(behaviour: Behaviour) -> Self {
        let server = ScriptedDns::start(move |query: &[u8], transport| match transport {
            Transport::Udp => Response::Messages(udp_replies(query, behaviour)),
            Transport::Tcp if behaviour == Behaviour::Silent => Response::Silence,
            Transport::Tcp => Response::Messages(tcp_replies(query, behaviour)),
        });
        Self { address: server.addr, _server: server }
    }

    /// The port as a string, for `-p`/`-port=`.
    pub fn port(&self) -> String {
        self.address.port().to_string()
    }
}

/// The datagrams `behaviour` sends for one query over UDP.
fn udp_replies(query: &[u8], behaviour: Behaviour) -> Vec<Vec<u8>> {
    match behaviour {
        Behaviour::Answer | Behaviour::Transfer => vec![reply(query, 0x8500, 0, 1)],
        Behaviour::Silent => Vec::new(),
        Behaviour::Garbage => vec![[&query[..2], b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x05hello"].concat()],
        Behaviour::WrongIdFirst => {
            let mut foreign = reply(query, 0x8500, 0, 1);
            foreign[0] ^= 0xff;
            vec![foreign, reply(query, 0x8500, 0, 1)]
        }
        Behaviour::Truncate => vec![reply(query, 0x8700, 0, 0)],
        Behaviour::NxDomain => vec![reply(query, 0x8500, 3, 0)],
        Behaviour::BadFollowUps if query_type(query) == 1 => vec![reply(query, 0x8500, 0, 1)],
        Behaviour::BadFollowUps => {
            let mut cut = reply(query, 0x8500, 0, 1);
            cut.truncate(cut.len() - 6);
            vec![cut]
        }
        Behaviour::MetaAnswer => {
            let mut meta = reply(query, 0x8500, 0, 1);
            let type_at = question_end(query) + 3;
            meta[type_at] = 252;
            vec![meta]
        }
        Behaviour::OtherQuestionBrokenBody => {
            let mut other = reply(query, 0x8500, 0, 0);
            other[13] ^= 0x20;
            other[7] = 1;
            other.extend_from_slice(&[0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 5, 0, 3, 0xc0, 0x0c, 0]);
            vec![other]
        }
    }
}

/// The messages `behaviour` sends for one query over TCP.
fn tcp_replies(query: &[u8], behaviour: Behaviour) -> Vec<Vec<u8>> {
    match behaviour {
        Behaviour::Transfer => transfer_messages(query),
        Behaviour::Truncate => vec![reply(query, 0x8500, 0, 3)],
        _ => vec![reply(query, 0x8500, 0, 1)],
    }
}

/// A reply to `query` with `flags` (RD copied from the query), `rcode` and `answers` A records.
fn reply(query: &[u8], flags: u16, rcode: u16, answers: u8) -> Vec<u8> {
    let question_end = question_end(query);
    let flags = flags | u16::from(query[2] & 1) << 8 | rcode;
    let mut out = query[..2].to_vec();
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, answers, 0, 0, 0, 0]);
    out.extend_from_slice(&query[12..question_end]);
    for n in 0..answers {
        out.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, n + 1]);
    }
    out
}

/// A two-message AXFR answer for the zone in `query`: SOA, A 10.0.0.1 / A 10.0.0.2, SOA.
fn transfer_messages(query: &[u8]) -> Vec<Vec<u8>> {
    // SOA: owner and both names point at the question name; serial 1, timers 2..5.
    let soa = [
        &[0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 30, 0, 24, 0xc0, 0x0c, 0xc0, 0x0c][..],
        &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5],
    ]
    .concat();
    let a = |n: u8| vec![0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, n];
    let message = |records: Vec<Vec<u8>>| {
        let mut out = reply(query, 0x8400, 0, 0);
        out[7] = u8::try_from(records.len()).expect("few records");
        records.iter().for_each(|record| out.extend_from_slice(record));
        out
    };
    vec![message(vec![soa.clone(), a(1)]), message(vec![a(2), soa])]
}

/// The type asked for in a query.
fn query_type(query: &[u8]) -> u16 {
    let at = question_end(query) - 4;
    u16::from_be_bytes([query[at], query[at + 1]])
}

/// The offset just past the (single, uncompressed) question of a query.
fn question_end(query: &[u8]) -> usize {
    let mut at = 12;
    while at < query.len() && query[at] != 0 {
        at += usize::from(query[at]) + 1;
    }
    at + 5
}

/// Runs our binary as `tool` (through argv[0]-style dispatch) and returns stdout and the exit code.
pub fn run_tool(tool: &str, args: &[&str]) -> (String, i32) {
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_dnsutils")).arg(tool).args(args).output().expect("run dnsutils");
    (String::from_utf8_lossy(&output.stdout).into_owned(), output.status.code().unwrap_or(-1))
}
