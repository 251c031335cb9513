//! The vocabulary of an exchange, as plain data: what the tools ask the network layer to do
//! ([`Request`]), what happens while it waits ([`Event`], each one a thing BIND reports), and how a try
//! ends ([`Attempt`], [`TransferAttempt`]) with the reply already parsed. The text layer words these; the
//! network layer only produces them.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use hickory_proto::op::Query;

use crate::protocol::codes::Opcode;
use crate::wire::reply::{BadPacket, Reply};

/// Which transport carries a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Datagrams.
    Udp,
    /// A length-prefixed TCP stream.
    Tcp,
}

/// Why a wait or a connection failed, as BIND's `isc_result_t` has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer before the timer ran out.
    TimedOut,
    /// The server's port is closed.
    ConnectionRefused,
    /// The server closed the stream mid-message.
    EndOfFile,
    /// The server reset the connection.
    ConnectionReset,
    /// No route to the server.
    HostUnreachable,
}

impl From<ErrorKind> for Failure {
    /// The failure BIND reports for a socket error.
    fn from(kind: ErrorKind) -> Failure {
        match kind {
            ErrorKind::ConnectionRefused => Failure::ConnectionRefused,
            ErrorKind::UnexpectedEof => Failure::EndOfFile,
            ErrorKind::ConnectionReset => Failure::ConnectionReset,
            ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Failure::HostUnreachable,
            _ => Failure::TimedOut,
        }
    }
}

/// One try: this query to that server over this transport, under this timer.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The encoded query (its ID and question are read from it).
    pub query: &'a [u8],
    /// Where to send it.
    pub server: SocketAddr,
    /// UDP or TCP.
    pub protocol: Protocol,
    /// How long to wait for the reply (for a transfer: for each message).
    pub timeout: Duration,
    /// dig's best-effort parsing: a reply cut short is kept as far as it parsed.
    pub best_effort: bool,
}

/// Something that happened while waiting, which BIND reports, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A send or a wait failed (`;; communications error to SERVER: timed out`).
    CommunicationsError {
        /// The server.
        server: SocketAddr,
        /// What failed.
        failure: Failure,
    },
    /// A TCP connection could not be made; BIND names the server and the lookup in this message.
    ConnectFailed {
        /// The server.
        server: SocketAddr,
        /// Why.
        failure: Failure,
    },
    /// A message shorter than a header: over UDP a warning (waiting goes on), over TCP the end.
    ShortMessage {
        /// The transport it came over.
        protocol: Protocol,
    },
    /// A reply to another query ID: over UDP a warning (waiting goes on), over TCP the end.
    IdMismatch {
        /// The ID sent.
        expected: u16,
        /// The ID received.
        got: u16,
        /// The transport it came over.
        protocol: Protocol,
    },
    /// A message without the QR bit (it is still used if nothing else is wrong).
    NotResponse,
    /// A reply with another opcode than QUERY, which is skipped.
    OpcodeMismatch {
        /// The opcode received.
        got: Opcode,
    },
    /// A UDP reply to another question, which is skipped.
    QuestionMismatch {
        /// The question it answers.
        got: Query,
    },
    /// dig's best-effort parse kept only part of a reply.
    Malformed,
    /// The UDP answer was truncated and the query is asked again over TCP.
    Truncated,
}

/// A reply that arrived, parsed.
#[derive(Clone, Debug)]
pub struct Received {
    /// The reply, parsed once (its bytes are the `Received N bytes` / `MSG SIZE rcvd` size).
    pub reply: Reply,
    /// The server that answered.
    pub server: SocketAddr,
    /// The transport that carried it.
    pub protocol: Protocol,
    /// Time from sending to receiving it.
    pub elapsed: Duration,
    /// When it arrived, by the wall clock (dig prints it).
    pub at: SystemTime,
}

/// How one try ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A usable reply (boxed: it is much larger than the other outcomes).
    Reply(Box<Received>),
    /// A reply came but did not parse.
    BadPacket(BadPacket),
    /// Nothing usable arrived; the events say why. Another try may do better.
    NoReply,
    /// The lookup is given up at once, after a TCP message that makes further tries pointless.
    Abandoned,
}

/// One try: what happened while waiting, and how it ended.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// What BIND would report, in order.
    pub events: Vec<Event>,
    /// The end of the try.
    pub outcome: Outcome,
}

/// One zone transfer from one server.
#[derive(Clone, Debug, Default)]
pub struct TransferAttempt {
    /// What BIND would report, in order.
    pub events: Vec<Event>,
    /// Whether the query went out; when it did not, the next server is tried.
    pub sent: bool,
    /// The messages that arrived, parsed, in order (the last may be an error reply).
    pub messages: Vec<Received>,
    /// A message that did not parse, which ends the transfer.
    pub bad_packet: Option<BadPacket>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Socket errors become BIND's results; anything unnamed is a timeout, as `isc_result_totext` has it.
    #[test]
    fn socket_errors_map_to_failures() {
        assert_eq!(Failure::from(ErrorKind::ConnectionRefused), Failure::ConnectionRefused);
        assert_eq!(Failure::from(ErrorKind::NetworkUnreachable), Failure::HostUnreachable);
        assert_eq!(Failure::from(ErrorKind::WouldBlock), Failure::TimedOut);
    }
}
