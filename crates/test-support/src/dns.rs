//! One scripted DNS server for every crate's tests: each answer comes from a script, a function from the
//! query's bytes and transport to exactly what goes on the wire. It can play a correct upstream, or a
//! server as broken as a test needs: garbage, foreign IDs, two datagrams for one query, a TCP stream whose
//! length prefix lies, a connection held open and never answered, no TCP at all.
//!
//! Replies are bytes, not a DNS library's structs, so no library refuses to encode what a test wants to
//! send. [`wire`] has the few builders the scripts share.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::network::free_fixed_port;

/// How a query reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// One datagram.
    Udp,
    /// A length-prefixed message on a TCP connection.
    Tcp,
}

/// What the server sends for one query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Nothing: no datagram, or a TCP connection held open without a byte.
    Silence,
    /// These messages in order: datagrams over UDP, each behind its correct length prefix over TCP.
    Messages(Vec<Vec<u8>>),
    /// Exactly these bytes, with no prefix added (over UDP one datagram); then over TCP the connection is
    /// closed, or with `hold` kept open until the client gives up.
    Stream {
        /// The bytes written as they are.
        bytes: Vec<u8>,
        /// Whether to keep the connection open afterwards.
        hold: bool,
    },
}

impl Response {
    /// One message.
    pub fn message(bytes: Vec<u8>) -> Response {
        Response::Messages(vec![bytes])
    }
}

/// The script: the response to a query's bytes arriving over a transport.
pub type Script = dyn Fn(&[u8], Transport) -> Response + Send + Sync;

/// The longest a held TCP connection stays open; any client should have given up long before.
const HOLD_LIMIT: Duration = Duration::from_secs(10);
/// How often the server's threads look at the stop flag.
const TICK: Duration = Duration::from_millis(20);

/// A running scripted server (UDP, and TCP on the same port unless started with `tcp: false`); stops
/// when dropped.
pub struct ScriptedDns {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl ScriptedDns {
    /// Serves `script` on 127.0.0.1 and a free port below the ephemeral range, over UDP and TCP.
    pub fn start(script: impl Fn(&[u8], Transport) -> Response + Send + Sync + 'static) -> ScriptedDns {
        ScriptedDns::start_with(true, Arc::new(script))
    }

    /// Like [`ScriptedDns::start`], with or without a TCP listener (without one, TCP connections to the
    /// port are refused: a server that sets TC and has no TCP).
    pub fn start_with(tcp: bool, script: Arc<Script>) -> ScriptedDns {
        let (udp, listener) = bind_free_pair();
        ScriptedDns::serve(udp, tcp.then_some(listener), script)
    }

    /// Serves `script` at `addr` (for example port 53 of a claimed loopback address), with or without a
    /// TCP listener (without one, TCP connections are refused).
    pub fn start_at(addr: SocketAddr, tcp: bool, script: Arc<Script>) -> ScriptedDns {
        let udp = UdpSocket::bind(addr).unwrap_or_else(|e| panic!("bind the scripted DNS server's UDP {addr}: {e}"));
        let tcp = tcp.then(|| {
            TcpListener::bind(addr).unwrap_or_else(|e| panic!("bind the scripted DNS server's TCP {addr}: {e}"))
        });
        ScriptedDns::serve(udp, tcp, script)
    }

    fn serve(udp: UdpSocket, tcp: Option<TcpListener>, script: Arc<Script>) -> ScriptedDns {
        let addr = udp.local_addr().expect("the UDP socket's address");
        let stop = Arc::new(AtomicBool::new(false));
        udp.set_read_timeout(Some(TICK)).expect("set a UDP read timeout");
        let mut threads = Vec::new();
        let (flag, udp_script) = (stop.clone(), script.clone());
        threads.push(std::thread::spawn(move || serve_udp(&udp, &*udp_script, &flag)));
        if let Some(listener) = tcp {
            listener.set_nonblocking(true).expect("make the TCP listener non-blocking");
            let flag = stop.clone();
            threads.push(std::thread::spawn(move || serve_tcp(&listener, &script, &flag)));
        }
        ScriptedDns { addr, stop, threads }
    }

    /// The port as a string, for `-p` / `-port=` / `@server`.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }
}

impl Drop for ScriptedDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A UDP socket and a TCP listener on the same free 127.0.0.1 port below the ephemeral range. Another
/// process can take a port between the check and the bind, so a pair that fails to bind is retried on the
/// next candidate rather than failing the test.
fn bind_free_pair() -> (UdpSocket, TcpListener) {
    let ip = Ipv4Addr::LOCALHOST;
    for _ in 0..50 {
        let port = free_fixed_port(ip);
        if let Ok(udp) = UdpSocket::bind((ip, port))
            && let Ok(tcp) = TcpListener::bind((ip, port))
        {
            return (udp, tcp);
        }
    }
    panic!("no port on 127.0.0.1 free for both UDP and TCP after 50 tries");
}

fn serve_udp(socket: &UdpSocket, script: &Script, stop: &AtomicBool) {
    let mut buf = [0u8; 65535];
    while !stop.load(Ordering::Relaxed) {
        let Ok((len, peer)) = socket.recv_from(&mut buf) else { continue };
        match script(&buf[..len], Transport::Udp) {
            Response::Silence => {}
            Response::Messages(messages) => {
                for message in messages {
                    let _ = socket.send_to(&message, peer);
                }
            }
            Response::Stream { bytes, .. } => {
                let _ = socket.send_to(&bytes, peer);
            }
        }
    }
}

/// Accepts connections and serves each on a thread of its own, so a held connection delays no other.
fn serve_tcp(listener: &TcpListener, script: &Arc<Script>, stop: &Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (script, stop) = (script.clone(), stop.clone());
                std::thread::spawn(move || serve_connection(stream, &*script, &stop));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(TICK),
            Err(_) => return,
        }
    }
}

/// Answers length-prefixed queries on one connection until the client closes it, the script says to close
/// it, or the server stops.
fn serve_connection(mut stream: TcpStream, script: &Script, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(TICK));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let started = Instant::now();
    let mut pending = Vec::new();
    let mut holding = false;
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) && started.elapsed() < HOLD_LIMIT {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        while !holding && pending.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([pending[0], pending[1]]));
            if pending.len() < 2 + len {
                break;
            }
            let query: Vec<u8> = pending.drain(..2 + len).skip(2).collect();
            match script(&query, Transport::Tcp) {
                Response::Silence => holding = true,
                Response::Messages(messages) => {
                    for message in messages {
                        let _ = stream.write_all(&wire::framed(&message));
                    }
                }
                Response::Stream { bytes, hold } => {
                    let _ = stream.write_all(&bytes);
                    if !hold {
                        return;
                    }
                    holding = true;
                }
            }
        }
    }
}

/// Hand-built DNS messages, for scripts: queries, empty replies, and the offsets scripts patch.
pub mod wire {
    /// A plain recursion-desired query for `name` (dotted, final dot optional) and type `qtype`, class IN.
    pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
        let mut q = id.to_be_bytes().to_vec();
        q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        for label in name.split('.').filter(|l| !l.is_empty()) {
            q.push(u8::try_from(label.len()).expect("a label under 64 bytes"));
            q.extend_from_slice(label.as_bytes());
        }
        q.push(0);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        q
    }

    /// The offset just past the first question (an uncompressed name, type and class), if there is one.
    pub fn question_end(packet: &[u8]) -> Option<usize> {
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

    /// The type the first question asks for.
    pub fn query_type(query: &[u8]) -> Option<u16> {
        let end = question_end(query)?;
        Some(u16::from_be_bytes([query[end - 4], query[end - 3]]))
    }

    /// The query's header and question turned into a reply with no records: QR set, opcode and RD copied,
    /// `flags` ORed into the flag bytes (AA 0x0400, TC 0x0200, RA 0x0080), `rcode`. `None` if the query has
    /// no question.
    pub fn empty_reply(query: &[u8], flags: u16, rcode: u8) -> Option<Vec<u8>> {
        let end = question_end(query)?;
        let mut reply = query[..end].to_vec();
        let opcode_and_rd = u16::from(query[2] & 0x79) << 8;
        let all = 0x8000 | flags | opcode_and_rd | u16::from(rcode & 0x0f);
        reply[2..4].copy_from_slice(&all.to_be_bytes());
        reply[4..6].copy_from_slice(&1u16.to_be_bytes());
        reply[6..12].fill(0);
        Some(reply)
    }

    /// Appends an answer record owned by the question name (a pointer to offset 12) and bumps ANCOUNT.
    pub fn push_answer(reply: &mut Vec<u8>, rtype: u16, ttl: u32, rdata: &[u8]) {
        reply.extend_from_slice(&[0xc0, 0x0c]);
        reply.extend_from_slice(&rtype.to_be_bytes());
        reply.extend_from_slice(&1u16.to_be_bytes());
        reply.extend_from_slice(&ttl.to_be_bytes());
        reply.extend_from_slice(&u16::try_from(rdata.len()).expect("rdata under 64 KiB").to_be_bytes());
        reply.extend_from_slice(rdata);
        let count = u16::from_be_bytes([reply[6], reply[7]]) + 1;
        reply[6..8].copy_from_slice(&count.to_be_bytes());
    }

    /// A message behind its two-byte TCP length prefix.
    pub fn framed(message: &[u8]) -> Vec<u8> {
        let mut out = u16::try_from(message.len()).expect("a message fits a TCP length prefix").to_be_bytes().to_vec();
        out.extend_from_slice(message);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::wire::*;
    use super::*;

    fn exchange_udp(server: SocketAddr, query: &[u8]) -> Vec<Vec<u8>> {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
        socket.send_to(query, server).expect("send");
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n) = socket.recv(&mut buf) {
            got.push(buf[..n].to_vec());
        }
        got
    }

    /// The script sees the query and its transport; its messages arrive as datagrams or framed on TCP.
    #[test]
    fn scripts_answer_over_udp_and_tcp() {
        let server = ScriptedDns::start(|query, transport| {
            let mut reply = empty_reply(query, 0x0400, 0).expect("a question");
            let last = if transport == Transport::Udp { 1 } else { 2 };
            push_answer(&mut reply, 1, 30, &[10, 0, 0, last]);
            Response::Messages(vec![reply.clone(), reply])
        });
        let query = query(0x1234, "postgres.default.svc.cluster.local.", 1);
        let datagrams = exchange_udp(server.addr, &query);
        assert_eq!(datagrams.len(), 2);
        assert_eq!(&datagrams[0][..2], &[0x12, 0x34]);
        assert_eq!(u16::from_be_bytes([datagrams[0][2], datagrams[0][3]]), 0x8500);
        assert!(datagrams[0].ends_with(&[10, 0, 0, 1]));

        let mut tcp = TcpStream::connect(server.addr).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        tcp.write_all(&framed(&query)).expect("send");
        let mut prefix = [0u8; 2];
        tcp.read_exact(&mut prefix).expect("prefix");
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
        tcp.read_exact(&mut message).expect("message");
        assert!(message.ends_with(&[10, 0, 0, 2]));
    }

    /// Without a TCP listener, TCP connections are refused while UDP still answers.
    #[test]
    fn udp_only_refuses_tcp() {
        let script: Arc<Script> =
            Arc::new(|query: &[u8], _| Response::message(empty_reply(query, 0x0200, 0).unwrap_or_default()));
        let server = ScriptedDns::start_with(false, script);
        assert_eq!(exchange_udp(server.addr, &query(7, "x", 1)).len(), 1);
        assert!(TcpStream::connect(server.addr).is_err());
    }

    /// The query helpers find the question and its type.
    #[test]
    fn question_helpers() {
        let q = query(1, "a.b", 28);
        assert_eq!(question_end(&q), Some(q.len()));
        assert_eq!(query_type(&q), Some(28));
        assert_eq!(question_end(b"short"), None);
    }
}
