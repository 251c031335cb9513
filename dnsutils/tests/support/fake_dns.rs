//! Small misbehaving DNS servers for the failure rows: each answers every query the same broken way, over
//! UDP (and TCP unless the behaviour says otherwise), on its own loopback port. Each behaviour is a script
//! for test-support's [`ScriptedDns`].
//!
//! Replies are built by hand from the request bytes so that a server can be as wrong as the test needs
//! (garbage, a wrong ID) without a DNS library refusing to encode it.

use std::net::SocketAddr;
use std::sync::Arc;

use test_support::dns::wire::empty_reply;
use test_support::dns::{Response, Script, ScriptedDns};
use test_support::network::claim_port53_address;

/// Fixed nonsense a garbage server sends: long enough to pass the 12-byte header check, never a valid message.
pub const GARBAGE: &[u8] = b"\x00\x01this is not DNS at all";

/// TC, in the flag bytes [`empty_reply`] takes.
const TC: u16 = 0x0200;

/// How a fake server answers every query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Echoes the question with rcode SERVFAIL.
    ServFail,
    /// Echoes the question with rcode REFUSED.
    Refused,
    /// Echoes the question with rcode NXDOMAIN and no SOA.
    NxDomain,
    /// Sends [`GARBAGE`], which does not even carry the query's ID.
    Garbage,
    /// Echoes the ID and question but claims two answers that are not there (a parse error, not a mismatch).
    Malformed,
    /// Sends a correct-looking NOERROR reply whose ID is the query's ID plus one.
    WrongId,
    /// Reads queries and never answers.
    Silence,
    /// Answers UDP with TC=1 and nothing else, and has no TCP listener (connection refused).
    TruncatedWithoutTcp,
}

/// A running fake server; stops when dropped.
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    _server: ScriptedDns,
}

impl FakeServer {
    /// Binds 127.0.0.1 on a free port below the ephemeral range and starts answering with `behaviour`.
    pub fn start(behaviour: Behaviour) -> FakeServer {
        FakeServer::from(ScriptedDns::start_with(has_tcp(behaviour), script(behaviour)))
    }

    /// Binds port 53 of a loopback address of its own, so a resolv.conf `nameserver` line can name it.
    pub fn start_on_port53(behaviour: Behaviour) -> FakeServer {
        let addr = SocketAddr::from((claim_port53_address(), 53));
        FakeServer::from(ScriptedDns::start_at(addr, has_tcp(behaviour), script(behaviour)))
    }
}

impl From<ScriptedDns> for FakeServer {
    fn from(server: ScriptedDns) -> FakeServer {
        FakeServer { addr: server.addr, _server: server }
    }
}

fn has_tcp(behaviour: Behaviour) -> bool {
    behaviour != Behaviour::TruncatedWithoutTcp
}

fn script(behaviour: Behaviour) -> Arc<Script> {
    Arc::new(move |query: &[u8], _| match answer(query, behaviour) {
        Some(reply) => Response::message(reply),
        None => Response::Silence,
    })
}

/// The reply `behaviour` gives to `query`, or `None` for silence or an unparsable query.
pub fn answer(query: &[u8], behaviour: Behaviour) -> Option<Vec<u8>> {
    match behaviour {
        Behaviour::Silence => None,
        Behaviour::Garbage => Some(GARBAGE.to_vec()),
        Behaviour::ServFail => empty_reply(query, 0, 2),
        Behaviour::NxDomain => empty_reply(query, 0, 3),
        Behaviour::Refused => empty_reply(query, 0, 5),
        Behaviour::TruncatedWithoutTcp => empty_reply(query, TC, 0),
        Behaviour::Malformed => {
            let mut r = empty_reply(query, 0, 0)?;
            r[6..8].copy_from_slice(&2u16.to_be_bytes());
            Some(r)
        }
        Behaviour::WrongId => {
            let mut r = empty_reply(query, 0, 0)?;
            let id = u16::from_be_bytes([r[0], r[1]]).wrapping_add(1);
            r[..2].copy_from_slice(&id.to_be_bytes());
            Some(r)
        }
    }
}
