//! Sending one query and getting one reply: UDP with retries, TCP when asked or when truncated,
//! and zone transfers (several TCP messages).
//!
//! Blocking std sockets with a deadline on every wait: a one-shot tool needs no runtime, and this
//! keeps start-up fast. Everything BIND prints while it waits (timeouts, refused connections, ID,
//! opcode and question mismatches, short or non-response packets, the TCP fallback) is returned as
//! ordered [`Exchange::notices`], so each tool prints them where BIND does. The try budget and the
//! order servers are asked in follow BIND's `dighost.c`.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::wire::reply::{Header, parse};

/// Largest UDP reply we accept (bigger than any EDNS buffer size we advertise).
const MAX_UDP: usize = 65535;

/// Which transport carried a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Datagrams.
    Udp,
    /// A length-prefixed TCP stream.
    Tcp,
}

impl Protocol {
    /// `UDP` / `TCP` as dig prints it after `;; SERVER:`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        }
    }
}

/// How hard to try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Wait per attempt.
    pub timeout: Duration,
    /// Attempts per server (at least one is always made).
    pub tries: u32,
    /// Start with TCP instead of UDP.
    pub tcp: bool,
    /// Keep a truncated UDP answer instead of retrying over TCP (`+ignore`).
    pub ignore_truncation: bool,
    /// dig's best-effort parsing: a reply cut short is kept as far as it parsed (with a warning).
    pub best_effort: bool,
}

/// A reply that arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// The reply bytes as received (their length is `Received N bytes` / `MSG SIZE rcvd`).
    pub bytes: Vec<u8>,
    /// The server that answered.
    pub server: SocketAddr,
    /// The transport that carried it.
    pub protocol: Protocol,
    /// Time from sending to receiving the final reply.
    pub elapsed: Duration,
}

/// Something BIND reports while it waits for a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A line for stdout (without newline): timeouts, refused connections, ID mismatches...
    Line(String),
    /// The UDP answer was truncated and the query is being retried over TCP.
    Truncated,
    /// The lookup was given up without trying further (a TCP reply shorter than a header).
    Abandoned,
    /// A TCP connection could not be made; BIND names the server and query name in this message.
    ConnectFailed {
        /// The server.
        server: SocketAddr,
        /// `connection refused`, ...
        reason: &'static str,
    },
}

/// The lines BIND prints for a failed TCP connection (`label` is how the user named the server).
pub fn connect_failed_text(server: SocketAddr, label: &str, qname: &str, reason: &str) -> String {
    format!(
        ";; Connection to {}({label}) for {qname} failed: {reason}.\n;; no servers could be reached\n",
        server_text(server)
    )
}

/// What dig prints when it falls back to TCP.
pub const TRUNCATED_TEXT: &str = ";; Truncated, retrying in TCP mode.";

/// The outcome of one exchange: what to print along the way, and the reply if one came.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    /// What happened while waiting, in order.
    pub notices: Vec<Notice>,
    /// The reply, or `None` when no server could be reached.
    pub reply: Option<Received>,
    /// The try budget left for the next query of the same lookup.
    pub tries_left: u32,
}

/// `addr#port`, the way `isc_sockaddr_format` writes a server.
pub fn server_text(server: SocketAddr) -> String {
    format!("{}#{}", server.ip(), server.port())
}

/// The address of a server given on the command line: an IP literal, or a name the system resolves.
///
/// Every address of the name, in the system's order. The error is BIND's word for why there is
/// none: `not found` when the name does not exist, `failure` for anything else (no answer, SERVFAIL).
pub fn resolve_server(text: &str, port: u16) -> Result<Vec<SocketAddr>, &'static str> {
    use std::net::ToSocketAddrs;
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match (text, port).to_socket_addrs() {
        Ok(addresses) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() { Err("not found") } else { Ok(addresses) }
        }
        // std only keeps glibc's gai_strerror text; EAI_NONAME and EAI_NODATA are "not found".
        Err(error) if error.to_string().contains("not known") || error.to_string().contains("No address") => {
            Err("not found")
        }
        Err(_) => Err("failure"),
    }
}

/// Sends `query` (whose ID is `id`) to each server in turn until one answers.
///
/// `settings.tries` is a budget shared by all servers, as in BIND: a failed try is repeated on the
/// same server while more than one try is left, otherwise the next server gets one try. What is
/// left is returned in [`Exchange::tries_left`], because BIND carries it into the next name of a
/// search walk.
pub fn exchange(query: &[u8], id: u16, servers: &[SocketAddr], settings: &Settings) -> Exchange {
    let mut out = Exchange { tries_left: settings.tries.max(1), ..Exchange::default() };
    for &server in servers {
        loop {
            let attempt = if settings.tcp {
                tcp_attempt(query, id, server, settings, &mut out.notices)
            } else {
                udp_attempt(query, id, server, settings, &mut out.notices)
            };
            if attempt.is_some() || out.notices.last() == Some(&Notice::Abandoned) {
                out.reply = attempt;
                return out;
            }
            if out.tries_left <= 1 {
                break;
            }
            out.tries_left -= 1;
        }
    }
    out
}

/// The text of a failed wait, as `isc_result_totext` words it.
fn failure_text(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ConnectionRefused => "connection refused",
        ErrorKind::UnexpectedEof => "end of file",
        ErrorKind::ConnectionReset => "connection reset",
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => "host unreachable",
        _ => "timed out",
    }
}

fn communications_error(server: SocketAddr, kind: ErrorKind) -> String {
    format!(";; communications error to {}: {}", server_text(server), failure_text(kind))
}

/// An unbound local address of the server's family.
fn local_for(server: SocketAddr) -> SocketAddr {
    match server.ip() {
        IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
    }
}

/// One UDP try: send, then read until the right reply or the deadline.
fn udp_attempt(
    query: &[u8],
    id: u16,
    server: SocketAddr,
    settings: &Settings,
    notices: &mut Vec<Notice>,
) -> Option<Received> {
    let started = Instant::now();
    let deadline = started + settings.timeout;
    let socket = match UdpSocket::bind(local_for(server)).and_then(|s| s.connect(server).map(|()| s)) {
        Ok(socket) => socket,
        Err(error) => {
            notices.push(Notice::Line(communications_error(server, error.kind())));
            return None;
        }
    };
    if let Err(error) = socket.send(query) {
        notices.push(Notice::Line(communications_error(server, error.kind())));
        return None;
    }
    let mut buffer = vec![0u8; MAX_UDP];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            notices.push(Notice::Line(communications_error(server, ErrorKind::TimedOut)));
            return None;
        }
        let received = socket.set_read_timeout(Some(remaining)).and_then(|()| socket.recv(&mut buffer));
        let length = match received {
            Ok(length) => length,
            Err(error) => {
                notices.push(Notice::Line(communications_error(server, error.kind())));
                return None;
            }
        };
        let bytes = &buffer[..length];
        let Some(header) = acceptable(bytes, id, notices, ";; Warning") else { continue };
        let elapsed = started.elapsed();
        // BIND parses the whole message before it looks at the question or the TC bit: one that does
        // not parse is a bad packet, whatever its question or TC bit says.
        if !parses(bytes, settings.best_effort, notices) {
            return Some(Received { bytes: bytes.to_vec(), server, protocol: Protocol::Udp, elapsed });
        }
        if let Some(line) = question_mismatch(query, bytes) {
            notices.push(Notice::Line(line));
            continue;
        }
        if header.truncated() && !settings.ignore_truncation {
            notices.push(Notice::Truncated);
            return tcp_attempt(query, id, server, settings, notices);
        }
        return Some(Received { bytes: bytes.to_vec(), server, protocol: Protocol::Udp, elapsed });
    }
}

/// What dig says when best-effort parsing kept only part of a reply.
const MALFORMED_TEXT: &str = ";; Warning: Message parser reports malformed message packet.";

/// Whether `bytes` parse as BIND's `dns_message_parse` would (best effort for dig); a reply kept in
/// part adds BIND's warning, printed at once, before any complaint about its question.
fn parses(bytes: &[u8], best_effort: bool, notices: &mut Vec<Notice>) -> bool {
    match parse(bytes.to_vec(), best_effort) {
        Ok(reply) => {
            if reply.malformed {
                notices.push(Notice::Line(MALFORMED_TEXT.to_string()));
            }
            true
        }
        Err(_) => false,
    }
}

/// Checks a packet the way dig's `recv_done` does before parsing it; `None` means "keep waiting".
fn acceptable(bytes: &[u8], id: u16, notices: &mut Vec<Notice>, mismatch: &str) -> Option<Header> {
    let Some(header) = Header::read(bytes) else {
        notices.push(Notice::Line(";; Warning: short (< header size) message received".to_string()));
        return None;
    };
    let foreign = header.id != id;
    if foreign {
        notices.push(Notice::Line(format!("{mismatch}: ID mismatch: expected ID {id}, got {}", header.id)));
    }
    // BIND checks QR before it drops a packet with a foreign ID, so both warnings can appear.
    if !header.is_response() {
        notices.push(Notice::Line(";; Warning: query response not set".to_string()));
    }
    if foreign {
        return None;
    }
    if header.opcode() != 0 {
        let got = crate::text::message::opcode_text(header.opcode());
        notices.push(Notice::Line(format!(";; Warning: Opcode mismatch: expected QUERY, got {got}")));
        return None;
    }
    Some(header)
}

/// BIND's complaint when a reply answers another question than the query's (name compared
/// case-insensitively, then type and class); `None` when they match or cannot be compared.
fn question_mismatch(query: &[u8], reply: &[u8]) -> Option<String> {
    use hickory_proto::op::Query;
    use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
    let question = |bytes: &[u8]| {
        if Header::read(bytes)?.counts[0] == 0 {
            return None;
        }
        let mut decoder = BinDecoder::new(bytes);
        decoder.read_slice(12).ok()?;
        Query::read(&mut decoder).ok()
    };
    let (asked, got) = (question(query)?, question(reply)?);
    if asked.name == got.name && asked.query_type == got.query_type && asked.query_class == got.query_class {
        return None;
    }
    Some(format!(
        ";; ;; Question section mismatch: got {}/{}/{}",
        crate::text::record::name_text_no_dot(&got.name),
        crate::protocol::mnemonics::type_text(u16::from(got.query_type)),
        crate::protocol::mnemonics::class_text(u16::from(got.query_class))
    ))
}

/// One TCP try: connect, send the length-prefixed query, read one length-prefixed reply.
fn tcp_attempt(
    query: &[u8],
    id: u16,
    server: SocketAddr,
    settings: &Settings,
    notices: &mut Vec<Notice>,
) -> Option<Received> {
    let timeout = settings.timeout;
    let started = Instant::now();
    let deadline = started + timeout;
    let mut stream = match TcpStream::connect_timeout(&server, timeout) {
        Ok(stream) => stream,
        Err(error) if error.kind() == ErrorKind::TimedOut => {
            notices.push(Notice::Line(communications_error(server, error.kind())));
            return None;
        }
        Err(error) => {
            notices.push(Notice::ConnectFailed { server, reason: failure_text(error.kind()) });
            return None;
        }
    };
    if let Err(error) = send_framed(&mut stream, query, timeout) {
        notices.push(Notice::Line(communications_error(server, error.kind())));
        return None;
    }
    // BIND gives a TCP lookup up at once after a short message or a foreign ID, but keeps
    // reading after other unusable messages (a wrong opcode) until its timer runs out.
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let bytes = match read_framed(&mut stream, remaining) {
            Ok(bytes) => bytes,
            Err(error) => {
                notices.push(Notice::Line(communications_error(server, error.kind())));
                return None;
            }
        };
        if bytes.len() < 12 {
            notices.push(Notice::Line(";; ERROR: short (< header size) message".to_string()));
            notices.push(Notice::Abandoned);
            return None;
        }
        if acceptable(&bytes, id, notices, ";; ERROR").is_some() {
            parses(&bytes, settings.best_effort, notices);
            return Some(Received { bytes, server, protocol: Protocol::Tcp, elapsed: started.elapsed() });
        }
        if Header::read(&bytes).is_some_and(|header| header.id != id) {
            notices.push(Notice::Abandoned);
            return None;
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

/// A zone transfer (AXFR/IXFR) from the first server that accepts a TCP connection: the query,
/// then messages until `finished` says the last one arrived (or the stream fails).
pub fn transfer(
    query: &[u8],
    id: u16,
    servers: &[SocketAddr],
    timeout: Duration,
    mut finished: impl FnMut(&[u8]) -> bool,
) -> (Vec<Notice>, Vec<Received>) {
    let mut notices = Vec::new();
    let mut messages = Vec::new();
    for &server in servers {
        let started = Instant::now();
        let mut stream = match TcpStream::connect_timeout(&server, timeout) {
            Ok(stream) => stream,
            Err(error) => {
                notices.push(Notice::ConnectFailed { server, reason: failure_text(error.kind()) });
                continue;
            }
        };
        if let Err(error) = send_framed(&mut stream, query, timeout) {
            notices.push(Notice::Line(communications_error(server, error.kind())));
            continue;
        }
        loop {
            let bytes = match read_framed(&mut stream, timeout) {
                Ok(bytes) => bytes,
                Err(error) => {
                    notices.push(Notice::Line(communications_error(server, error.kind())));
                    break;
                }
            };
            if acceptable(&bytes, id, &mut notices, ";; ERROR").is_none() {
                break;
            }
            let last = finished(&bytes);
            messages.push(Received { bytes, server, protocol: Protocol::Tcp, elapsed: started.elapsed() });
            if last {
                break;
            }
        }
        break;
    }
    (notices, messages)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Servers print as `addr#port`, IPv6 without brackets.
    #[test]
    fn server_text_uses_hash() {
        assert_eq!(server_text("127.0.0.1:53".parse().expect("addr")), "127.0.0.1#53");
        assert_eq!(server_text("[::1]:5353".parse().expect("addr")), "::1#5353");
    }

    /// Short packets and foreign IDs are reported and skipped; non-responses are reported and kept.
    #[test]
    fn acceptable_reports_like_dig() {
        let mut notices = Vec::new();
        assert!(acceptable(&[1, 2, 3], 7, &mut notices, ";; Warning").is_none());
        let mut packet = vec![0u8; 12];
        packet[1] = 8;
        assert!(acceptable(&packet, 7, &mut notices, ";; Warning").is_none());
        packet[1] = 7;
        assert!(acceptable(&packet, 7, &mut notices, ";; Warning").is_some());
        let expected = [
            ";; Warning: short (< header size) message received",
            ";; Warning: ID mismatch: expected ID 7, got 8",
            ";; Warning: query response not set",
            ";; Warning: query response not set",
        ];
        assert_eq!(notices, expected.map(|text| Notice::Line(text.to_string())));
    }

    /// A reply to another question is named in BIND's (doubled-prefix) words.
    #[test]
    fn question_mismatch_text() {
        let query = [&[0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0][..], b"\x03abc\x04test\x00\x00\x01\x00\x01"].concat();
        let mut reply = query.clone();
        reply[2] = 0x81;
        assert_eq!(question_mismatch(&query, &reply), None);
        reply[13] = b'z';
        assert_eq!(
            question_mismatch(&query, &reply).as_deref(),
            Some(";; ;; Question section mismatch: got zbc.test/A/IN")
        );
    }

    /// The budget is spent on the first server; a second server then gets one try.
    #[test]
    fn tries_are_a_shared_budget() {
        let first = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let second = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let servers = [first.local_addr().expect("addr"), second.local_addr().expect("addr")];
        let settings = Settings {
            timeout: Duration::from_millis(30),
            tries: 3,
            tcp: false,
            ignore_truncation: false,
            best_effort: false,
        };
        let out = exchange(&[0u8; 12], 0, &servers, &settings);
        assert_eq!(out.notices.len(), 4);
        assert_eq!(out.tries_left, 1);
    }

    /// A silent server times out after the set number of tries, with one line per try.
    #[test]
    fn silent_server_times_out() {
        let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let server = silent.local_addr().expect("addr");
        let settings = Settings {
            timeout: Duration::from_millis(50),
            tries: 2,
            tcp: false,
            ignore_truncation: false,
            best_effort: false,
        };
        let out = exchange(&[0u8; 12], 0, &[server], &settings);
        assert!(out.reply.is_none());
        assert_eq!(out.notices.len(), 2);
        let timed_out = Notice::Line(format!(";; communications error to {}: timed out", server_text(server)));
        assert_eq!(out.notices[0], timed_out);
    }
}
