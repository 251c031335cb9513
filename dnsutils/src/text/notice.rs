//! What the tools print about the network: each [`Event`] the network layer reports, a failed TCP
//! connection, a reply that did not parse (`;; Got bad packet:` and its hex dump), and the words BIND's
//! `isc_result_totext` uses for each [`Problem`] and [`Failure`].

use std::net::SocketAddr;

use crate::net::event::{Event, Failure, Protocol};
use crate::protocol::mnemonics::{class_text, type_text};
use crate::text::escape::name_text_no_dot;
use crate::text::message::opcode_text;
use crate::wire::problem::Problem;
use crate::wire::reply::BadPacket;

/// What dig and nslookup print when they fall back to TCP.
pub const TRUNCATED_TEXT: &str = ";; Truncated, retrying in TCP mode.\n";

/// What every tool prints when no server answered.
pub const NO_SERVERS_TEXT: &str = ";; no servers could be reached\n";

/// `addr#port`, the way `isc_sockaddr_format` writes a server.
pub fn server_text(server: SocketAddr) -> String {
    format!("{}#{}", server.ip(), server.port())
}

/// BIND's words for a failed wait or connection.
pub fn failure_words(failure: Failure) -> &'static str {
    match failure {
        Failure::TimedOut => "timed out",
        Failure::ConnectionRefused => "connection refused",
        Failure::EndOfFile => "end of file",
        Failure::ConnectionReset => "connection reset",
        Failure::HostUnreachable => "host unreachable",
    }
}

/// BIND's words for why a message did not parse.
pub fn problem_words(problem: Problem) -> &'static str {
    match problem {
        Problem::UnexpectedEnd => "unexpected end of input",
        Problem::ExtraInputData => "extra input data",
        Problem::BadCompressionPointer => "bad compression pointer",
        Problem::BadLabelType => "bad label type",
        Problem::NameTooLong => "name too long",
        Problem::FormErr => "FORMERR",
        Problem::OutOfRange => "out of range",
        Problem::NotImplemented => "not implemented",
        Problem::BadOwnerName => "bad owner name (check-names)",
    }
}

/// The line (without newline) BIND prints for `event`; `None` for the two whose text depends on the tool
/// and the lookup ([`Event::ConnectFailed`], see [`connect_failed_text`], and [`Event::Truncated`]).
pub fn event_line(event: &Event) -> Option<String> {
    let prefix = |protocol: &Protocol| if *protocol == Protocol::Tcp { ";; ERROR" } else { ";; Warning" };
    Some(match event {
        Event::CommunicationsError { server, failure } => {
            format!(";; communications error to {}: {}", server_text(*server), failure_words(*failure))
        }
        Event::ShortMessage { protocol: Protocol::Udp } => ";; Warning: short (< header size) message received".into(),
        Event::ShortMessage { protocol: Protocol::Tcp } => ";; ERROR: short (< header size) message".into(),
        Event::IdMismatch { expected, got, protocol } => {
            format!("{}: ID mismatch: expected ID {expected}, got {got}", prefix(protocol))
        }
        Event::NotResponse => ";; Warning: query response not set".into(),
        Event::OpcodeMismatch { got } => {
            format!(";; Warning: Opcode mismatch: expected QUERY, got {}", opcode_text(*got))
        }
        Event::QuestionMismatch { got } => format!(
            ";; ;; Question section mismatch: got {}/{}/{}",
            name_text_no_dot(&got.name),
            type_text(u16::from(got.query_type)),
            class_text(u16::from(got.query_class))
        ),
        Event::Malformed => ";; Warning: Message parser reports malformed message packet.".into(),
        Event::ConnectFailed { .. } | Event::Truncated => return None,
    })
}

/// The lines BIND prints for a failed TCP connection (`label` is how the user named the server, `qname`
/// how the lookup was named).
pub fn connect_failed_text(server: SocketAddr, label: &str, qname: &str, failure: Failure) -> String {
    format!(
        ";; Connection to {}({label}) for {qname} failed: {}.\n{NO_SERVERS_TEXT}",
        server_text(server),
        failure_words(failure)
    )
}

/// `;; Got bad packet: reason` and the hex dump.
pub fn bad_packet_text(bad: &BadPacket) -> String {
    format!(";; Got bad packet: {}\n{}", problem_words(bad.problem), hex_dump(&bad.bytes))
}

/// `isc_hex_dump`-style dump used after `;; Got bad packet`: 16 bytes a line, hex then printable text.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = format!("{} bytes\n", bytes.len());
    for chunk in bytes.chunks(16) {
        let mut line = String::new();
        for byte in chunk {
            line.push_str(&format!("{byte:02x} "));
        }
        line.push_str(&" ".repeat((16 - chunk.len()) * 3));
        line.push_str(&" ".repeat(9));
        for &byte in chunk {
            // BIND's dump shows printable ASCII except space and `~`.
            line.push(if (0x21..0x7e).contains(&byte) { char::from(byte) } else { '.' });
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use hickory_proto::rr::{Name, RecordType};
    use std::str::FromStr;

    /// Servers print as `addr#port`, IPv6 without brackets.
    #[test]
    fn server_text_uses_hash() {
        assert_eq!(server_text("127.0.0.1:53".parse().expect("addr")), "127.0.0.1#53");
        assert_eq!(server_text("[::1]:5353".parse().expect("addr")), "::1#5353");
    }

    /// Events print in dig's words, the ID mismatch prefix depending on the transport.
    #[test]
    fn event_lines_are_digs() {
        let server = "127.0.0.1:53".parse().expect("addr");
        let timed_out = Event::CommunicationsError { server, failure: Failure::TimedOut };
        assert_eq!(event_line(&timed_out).as_deref(), Some(";; communications error to 127.0.0.1#53: timed out"));
        let tcp_id = Event::IdMismatch { expected: 7, got: 8, protocol: Protocol::Tcp };
        assert_eq!(event_line(&tcp_id).as_deref(), Some(";; ERROR: ID mismatch: expected ID 7, got 8"));
        let other = Query::query(Name::from_str("zbc.test.").expect("name"), RecordType::A);
        assert_eq!(
            event_line(&Event::QuestionMismatch { got: other }).as_deref(),
            Some(";; ;; Question section mismatch: got zbc.test/A/IN")
        );
        assert_eq!(event_line(&Event::Truncated), None);
    }

    /// A failed connection names the server, the lookup and the reason, then gives up.
    #[test]
    fn connect_failure_text() {
        let server = "127.0.0.1:9".parse().expect("addr");
        assert_eq!(
            connect_failed_text(server, "127.0.0.1", "x.test", Failure::ConnectionRefused),
            ";; Connection to 127.0.0.1#9(127.0.0.1) for x.test failed: connection refused.\n;; no servers could be reached\n"
        );
    }

    /// The hex dump matches BIND's layout (captured from host on a garbage reply).
    #[test]
    fn hex_dump_layout() {
        let bytes = [0x42, 0x92, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o'];
        assert_eq!(
            hex_dump(&bytes),
            "18 bytes\n42 92 81 80 00 01 00 01 00 00 00 00 05 68 65 6c          B............hel\n\
             6c 6f                                                    lo\n"
        );
    }
}
