//! Small misbehaving DNS servers for the failure rows: each answers every query the same broken way, over
//! UDP (and TCP unless the behaviour says otherwise), on its own 127.0.0.1 port.
//!
//! Replies are built by hand from the request bytes so that a server can be as wrong as the test needs
//! (garbage, a wrong ID) without a DNS library refusing to encode it.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Fixed nonsense a garbage server sends: long enough to pass the 12-byte header check, never a valid message.
pub const GARBAGE: &[u8] = b"\x00\x01this is not DNS at all";

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

/// A running fake server; stops its threads when dropped.
pub struct FakeServer {
    /// Where it listens (UDP, and TCP for every behaviour but [`Behaviour::TruncatedWithoutTcp`]).
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeServer {
    /// Binds 127.0.0.1 on a free port below the ephemeral range and starts answering with `behaviour`.
    pub fn start(behaviour: Behaviour) -> FakeServer {
        let ip = Ipv4Addr::LOCALHOST;
        FakeServer::start_at(SocketAddr::from((ip, super::loopback::free_fixed_port(ip))), behaviour)
    }

    /// Binds port 53 of a loopback address of its own, so a resolv.conf `nameserver` line can name it.
    pub fn start_on_port53(behaviour: Behaviour) -> FakeServer {
        FakeServer::start_at(SocketAddr::from((super::loopback::claim_port53_address(), 53)), behaviour)
    }

    fn start_at(addr: SocketAddr, behaviour: Behaviour) -> FakeServer {
        let stop = Arc::new(AtomicBool::new(false));
        let udp = UdpSocket::bind(addr).expect("bind the fake server's UDP port");
        udp.set_read_timeout(Some(Duration::from_millis(50))).expect("set a UDP read timeout");
        let mut threads = Vec::new();
        let flag = stop.clone();
        threads.push(std::thread::spawn(move || serve_udp(&udp, behaviour, &flag)));
        if behaviour != Behaviour::TruncatedWithoutTcp {
            let tcp = TcpListener::bind(addr).expect("bind the fake server's TCP port");
            tcp.set_nonblocking(true).expect("make the TCP listener non-blocking");
            let flag = stop.clone();
            threads.push(std::thread::spawn(move || serve_tcp(&tcp, behaviour, &flag)));
        }
        FakeServer { addr, stop, threads }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn serve_udp(socket: &UdpSocket, behaviour: Behaviour, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        let Ok((len, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if let Some(reply) = answer(&buf[..len], behaviour) {
            let _ = socket.send_to(&reply, peer);
        }
    }
}

fn serve_tcp(listener: &TcpListener, behaviour: Behaviour, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => serve_tcp_connection(stream, behaviour, stop),
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return,
        }
    }
}

/// Answers length-prefixed queries on one connection until the client closes it or the server stops.
fn serve_tcp_connection(mut stream: TcpStream, behaviour: Behaviour, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        while pending.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([pending[0], pending[1]]));
            if pending.len() < 2 + len {
                break;
            }
            let query: Vec<u8> = pending.drain(..2 + len).skip(2).collect();
            if let Some(reply) = answer(&query, behaviour) {
                let mut framed = u16::try_from(reply.len()).unwrap_or(0).to_be_bytes().to_vec();
                framed.extend_from_slice(&reply);
                let _ = stream.write_all(&framed);
            }
        }
    }
}

/// The reply `behaviour` gives to `query`, or `None` for silence or an unparsable query.
pub fn answer(query: &[u8], behaviour: Behaviour) -> Option<Vec<u8>> {
    match behaviour {
        Behaviour::Silence => None,
        Behaviour::Garbage => Some(GARBAGE.to_vec()),
        Behaviour::ServFail => reply(query, 2, false),
        Behaviour::NxDomain => reply(query, 3, false),
        Behaviour::Refused => reply(query, 5, false),
        Behaviour::TruncatedWithoutTcp => reply(query, 0, true),
        Behaviour::Malformed => {
            let mut r = reply(query, 0, false)?;
            r[6..8].copy_from_slice(&2u16.to_be_bytes());
            Some(r)
        }
        Behaviour::WrongId => {
            let mut r = reply(query, 0, false)?;
            let id = u16::from_be_bytes([r[0], r[1]]).wrapping_add(1);
            r[..2].copy_from_slice(&id.to_be_bytes());
            Some(r)
        }
    }
}

/// Header and question of `query` turned into a response with `rcode`, no records, RD copied, RA clear.
fn reply(query: &[u8], rcode: u8, truncated: bool) -> Option<Vec<u8>> {
    let end = question_end(query)?;
    let mut r = query[..end].to_vec();
    r[2] = 0x80 | (query[2] & 0x79) | if truncated { 0x02 } else { 0 };
    r[3] = rcode & 0x0f;
    r[4..6].copy_from_slice(&1u16.to_be_bytes());
    r[6..12].fill(0);
    Some(r)
}

/// Offset just past the first question (uncompressed name, type, class), if the packet has one.
fn question_end(packet: &[u8]) -> Option<usize> {
    if packet.len() < 12 || u16::from_be_bytes([packet[4], packet[5]]) == 0 {
        return None;
    }
    let mut at = 12;
    loop {
        let len = usize::from(*packet.get(at)?);
        if len & 0xc0 != 0 {
            return None;
        }
        at += 1 + len;
        if len == 0 {
            break;
        }
    }
    (at + 4 <= packet.len()).then_some(at + 4)
}

/// A plain recursion-desired query for `name` (dotted, without the final dot) and type `qtype`.
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        q.push(u8::try_from(label.len()).expect("label under 64 bytes"));
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}
