//! TCP: one query and its reply on a fresh connection, and zone transfers (one query, then messages until
//! the transfer is complete). Messages are length-prefixed; every wait has a deadline.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use crate::net::event::{Event, Failure, Outcome, Protocol, Received, Request, TransferAttempt};
use crate::net::screen::{Asked, check_header, parse_reply};
use crate::protocol::codes::rtype;
use crate::wire::header::{HEADER_LEN, Header};
use crate::wire::transfer::TransferEnd;

/// Sends `request` over a new TCP connection and reads its reply, recording what happens on the way in
/// `events`.
pub fn exchange(request: &Request, events: &mut Vec<Event>) -> Outcome {
    let server = request.server;
    let started = Instant::now();
    let deadline = started + request.timeout;
    let mut stream = match TcpStream::connect_timeout(&server, request.timeout) {
        Ok(stream) => stream,
        Err(error) if error.kind() == ErrorKind::TimedOut => {
            events.push(Event::CommunicationsError { server, failure: Failure::TimedOut });
            return Outcome::NoReply;
        }
        Err(error) => {
            events.push(Event::ConnectFailed { server, failure: Failure::from(error.kind()) });
            return Outcome::NoReply;
        }
    };
    if let Err(error) = send_framed(&mut stream, request.query, request.timeout) {
        events.push(Event::CommunicationsError { server, failure: Failure::from(error.kind()) });
        return Outcome::NoReply;
    }
    let asked = Asked::of(request.query);
    // BIND gives a TCP lookup up at once after a short message or a foreign ID, but keeps
    // reading after other unusable messages (a wrong opcode) until its timer runs out.
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let bytes = match read_framed(&mut stream, remaining) {
            Ok(bytes) => bytes,
            Err(error) => {
                events.push(Event::CommunicationsError { server, failure: Failure::from(error.kind()) });
                return Outcome::NoReply;
            }
        };
        if bytes.len() < HEADER_LEN {
            events.push(Event::ShortMessage { protocol: Protocol::Tcp });
            return Outcome::Abandoned;
        }
        if check_header(&bytes, asked.id, Protocol::Tcp, events).is_some() {
            let (elapsed, at) = (started.elapsed(), SystemTime::now());
            return match parse_reply(&bytes, request.best_effort, events) {
                Ok(reply) => Outcome::Reply(Box::new(Received { reply, server, protocol: Protocol::Tcp, elapsed, at })),
                Err(bad) => Outcome::BadPacket(bad),
            };
        }
        if Header::read(&bytes).is_some_and(|header| header.id != asked.id) {
            return Outcome::Abandoned;
        }
    }
}

/// A zone transfer (AXFR/IXFR) from one server: the query, then messages until the transfer is complete,
/// a message is unusable, or the stream fails.
pub fn transfer(request: &Request) -> TransferAttempt {
    let server = request.server;
    let mut out = TransferAttempt::default();
    let started = Instant::now();
    let mut stream = match TcpStream::connect_timeout(&server, request.timeout) {
        Ok(stream) => stream,
        Err(error) => {
            out.events.push(Event::ConnectFailed { server, failure: Failure::from(error.kind()) });
            return out;
        }
    };
    if let Err(error) = send_framed(&mut stream, request.query, request.timeout) {
        out.events.push(Event::CommunicationsError { server, failure: Failure::from(error.kind()) });
        return out;
    }
    out.sent = true;
    let asked = Asked::of(request.query);
    let ixfr = asked.question.as_ref().is_some_and(|question| u16::from(question.query_type) == rtype::IXFR);
    let mut end = TransferEnd::default();
    loop {
        let bytes = match read_framed(&mut stream, request.timeout) {
            Ok(bytes) => bytes,
            Err(error) => {
                out.events.push(Event::CommunicationsError { server, failure: Failure::from(error.kind()) });
                return out;
            }
        };
        if check_header(&bytes, asked.id, Protocol::Tcp, &mut out.events).is_none() {
            return out;
        }
        let reply = match parse_reply(&bytes, request.best_effort, &mut out.events) {
            Ok(reply) => reply,
            Err(bad) => {
                out.bad_packet = Some(bad);
                return out;
            }
        };
        let last = end.is_last(&reply, ixfr);
        let (elapsed, at) = (started.elapsed(), SystemTime::now());
        out.messages.push(Received { reply, server, protocol: Protocol::Tcp, elapsed, at });
        if last {
            return out;
        }
    }
}

/// Writes one length-prefixed message.
fn send_framed(stream: &mut TcpStream, message: &[u8], timeout: Duration) -> std::io::Result<()> {
    let length = u16::try_from(message.len()).map_err(|_| ErrorKind::InvalidInput)?;
    let mut framed = length.to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&framed)
}

/// Reads one length-prefixed message within `timeout`.
fn read_framed(stream: &mut TcpStream, timeout: Duration) -> std::io::Result<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut prefix = [0u8; 2];
    read_until(stream, &mut prefix, deadline)?;
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    read_until(stream, &mut message, deadline)?;
    Ok(message)
}

/// `read_exact` that gives up at `deadline`.
fn read_until(stream: &mut TcpStream, buffer: &mut [u8], deadline: Instant) -> std::io::Result<()> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(remaining))?;
    stream.read_exact(buffer)
}
