//! A DNS server on loopback whose every answer comes from a script: a function from the query and the
//! transport to exactly what goes on the wire. Unlike [`super::fake_dns`], whose behaviours are fixed, it can
//! send anything: a different reply per query name, an empty datagram, a TCP stream whose length prefix lies,
//! or a connection that is held open and never answers.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    /// A datagram (possibly empty), or over TCP this message behind its correct length prefix.
    Message(Vec<u8>),
    /// Exactly these bytes, with no prefix added (over UDP, as one datagram); then over TCP the connection is
    /// closed, or with `hold` kept open until the client gives up.
    Stream {
        /// The bytes written as they are.
        bytes: Vec<u8>,
        /// Whether to keep the connection open afterwards.
        hold: bool,
    },
}

/// The script: the response to a query's bytes arriving over a transport.
pub type Script = dyn Fn(&[u8], Transport) -> Response + Send + Sync;

/// The longest a held connection stays open; any client should have given up long before.
const HOLD_LIMIT: Duration = Duration::from_secs(10);

/// A running scripted server on 127.0.0.1 (UDP and TCP, one port); stops when dropped.
pub struct ScriptedServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Binds a free port below the ephemeral range (see [`super::loopback::free_fixed_port`]) and starts
    /// answering with `script`.
    pub fn start(script: Arc<Script>) -> ScriptedServer {
        let ip = Ipv4Addr::LOCALHOST;
        let addr = SocketAddr::from((ip, super::loopback::free_fixed_port(ip)));
        let udp = UdpSocket::bind(addr).expect("bind the scripted server's UDP port");
        udp.set_read_timeout(Some(Duration::from_millis(50))).expect("set a UDP read timeout");
        let tcp = TcpListener::bind(addr).expect("bind the scripted server's TCP port");
        tcp.set_nonblocking(true).expect("make the TCP listener non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let (udp_stop, tcp_stop, udp_script) = (stop.clone(), stop.clone(), script.clone());
        let threads = vec![
            std::thread::spawn(move || serve_udp(&udp, &*udp_script, &udp_stop)),
            std::thread::spawn(move || serve_tcp(&tcp, &script, &tcp_stop)),
        ];
        ScriptedServer { addr, stop, threads }
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn serve_udp(socket: &UdpSocket, script: &Script, stop: &AtomicBool) {
    let mut buf = [0u8; 65535];
    while !stop.load(Ordering::Relaxed) {
        let Ok((len, peer)) = socket.recv_from(&mut buf) else { continue };
        match script(&buf[..len], Transport::Udp) {
            Response::Silence => {}
            Response::Message(bytes) | Response::Stream { bytes, .. } => {
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
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => return,
        }
    }
}

/// Answers length-prefixed queries on one connection until the client closes it, the script says to close
/// it, or the server stops.
fn serve_connection(mut stream: TcpStream, script: &Script, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
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
                Response::Message(bytes) => {
                    let prefix = u16::try_from(bytes.len()).expect("a message fits a TCP length prefix").to_be_bytes();
                    let _ = stream.write_all(&[&prefix[..], &bytes].concat());
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
