//! One UDP try: send the query from a fresh socket, then read datagrams until the reply or the deadline,
//! skipping (and reporting) short messages, foreign IDs, other opcodes and answers to other questions as
//! dig does. Blocking std sockets with a deadline on every wait: a one-shot tool needs no runtime.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Instant, SystemTime};

use crate::net::event::{Event, Failure, Outcome, Protocol, Received, Request};
use crate::net::screen::{Asked, check_header, parse_reply, question_mismatch};

/// Largest UDP reply we accept (bigger than any EDNS buffer size we advertise).
const MAX_UDP: usize = 65535;

/// An unbound local address of the server's family.
fn local_for(server: SocketAddr) -> SocketAddr {
    match server.ip() {
        IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
    }
}

/// Sends `request` over UDP and waits for its reply, recording what happens on the way in `events`.
pub fn exchange(request: &Request, events: &mut Vec<Event>) -> Outcome {
    let server = request.server;
    let fail = |events: &mut Vec<Event>, kind: ErrorKind| {
        events.push(Event::CommunicationsError { server, failure: Failure::from(kind) });
        Outcome::NoReply
    };
    let started = Instant::now();
    let deadline = started + request.timeout;
    let socket = match UdpSocket::bind(local_for(server)).and_then(|s| s.connect(server).map(|()| s)) {
        Ok(socket) => socket,
        Err(error) => return fail(events, error.kind()),
    };
    if let Err(error) = socket.send(request.query) {
        return fail(events, error.kind());
    }
    let asked = Asked::of(request.query);
    let mut buffer = vec![0u8; MAX_UDP];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return fail(events, ErrorKind::TimedOut);
        }
        let length = match socket.set_read_timeout(Some(remaining)).and_then(|()| socket.recv(&mut buffer)) {
            Ok(length) => length,
            Err(error) => return fail(events, error.kind()),
        };
        let bytes = &buffer[..length];
        if check_header(bytes, asked.id, Protocol::Udp, events).is_none() {
            continue;
        }
        let (elapsed, at) = (started.elapsed(), SystemTime::now());
        // BIND parses the whole message before it looks at the question or the TC bit: one that does
        // not parse is a bad packet, whatever its question says.
        let reply = match parse_reply(bytes, request.best_effort, events) {
            Ok(reply) => reply,
            Err(bad) => return Outcome::BadPacket(bad),
        };
        if let Some(mismatch) = question_mismatch(&asked, &reply) {
            events.push(mismatch);
            continue;
        }
        return Outcome::Reply(Box::new(Received { reply, server, protocol: Protocol::Udp, elapsed, at }));
    }
}
