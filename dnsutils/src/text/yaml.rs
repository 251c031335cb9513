//! dig's `+yaml` form of a message, as BIND 9.18 writes it: a `- type: MESSAGE` document with where and
//! when the message travelled, then the header fields, the OPT pseudosection and the sections, each record
//! one single-quoted line (quotes inside doubled). Errors are `- type: DIG_ERROR` documents. Which parts
//! show is dig's decision, passed in as [`Parts`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::SystemTime;

use hickory_proto::op::Query;
use hickory_proto::rr::Record;

use crate::protocol::codes::edns_option;
use crate::protocol::mnemonics::{class_text, type_text};
use crate::text::edns::{cookie_verdict, ede_purpose, flag_words, printable, spaced_hex};
use crate::text::escape::name_text;
use crate::text::layout::Layout;
use crate::text::message::{SECTION_TITLES, flags_text, opcode_text, rcode_text};
use crate::text::rdata::record_rdata_text;
use crate::text::record::{grouped, record_type_code};
use crate::text::timestamp::iso8601_ms;
use crate::wire::header::flag;
use crate::wire::reply::{OptRecord, Reply};

/// Where and when a message travelled.
#[derive(Clone, Copy, Debug)]
pub struct Envelope {
    /// The message is dig's own query (`+qr`).
    pub sent: bool,
    /// When the query went out.
    pub query_time: SystemTime,
    /// When the reply arrived (none for the query itself).
    pub response_time: Option<SystemTime>,
    /// The server it went to or came from.
    pub server: SocketAddr,
    /// Whether it travelled over TCP.
    pub tcp: bool,
}

/// Which parts of the message follow its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts {
    /// The OPT pseudosection.
    pub opt: bool,
    /// The question, answer, authority and additional sections.
    pub sections: [bool; 4],
}

/// Six spaces: where dig's message data starts.
const DATA: usize = 3;

fn indent(level: usize) -> String {
    "  ".repeat(level)
}

/// The whole `- type: MESSAGE` document.
pub fn message_yaml(envelope: &Envelope, message: &Reply, parts: Parts) -> String {
    let mut text = envelope_yaml(envelope, message);
    text.push_str(&header_yaml(message));
    if parts.opt
        && let Some(opt) = &message.opt
    {
        text.push_str(&opt_yaml(opt, envelope.sent));
    }
    for (section, shown) in parts.sections.into_iter().enumerate() {
        if shown {
            text.push_str(&section_yaml(message, section));
        }
    }
    text
}

/// A `- type: DIG_ERROR` document.
pub fn error_yaml(message: &str) -> String {
    format!("- type: DIG_ERROR\n  message: |\n    {message}\n")
}

/// What kind of message it is, by who sent it and whether recursion was asked for (and given).
fn kind(envelope: &Envelope, message: &Reply) -> &'static str {
    let header = &message.header;
    match (envelope.sent, header.recursion_desired(), header.recursion_available()) {
        (true, true, _) => "RECURSIVE_QUERY",
        (true, false, _) => "AUTH_QUERY",
        (false, true, true) => "RECURSIVE_RESPONSE",
        (false, _, _) => "AUTH_RESPONSE",
    }
}

/// The document's opening: type, times, size and the socket addresses. dig 9.18 reports the local end of
/// the socket as the unbound address of the server's family, port 0.
fn envelope_yaml(envelope: &Envelope, message: &Reply) -> String {
    let mut text = format!("- type: MESSAGE\n  message:\n    type: {}\n", kind(envelope, message));
    text.push_str(&format!("    query_time: !!timestamp {}\n", iso8601_ms(envelope.query_time)));
    if let Some(at) = envelope.response_time {
        text.push_str(&format!("    response_time: !!timestamp {}\n", iso8601_ms(at)));
    }
    let (family, local) = match envelope.server.ip() {
        IpAddr::V4(_) => ("INET", Ipv4Addr::UNSPECIFIED.to_string()),
        IpAddr::V6(_) => ("INET6", format!("{}0", Ipv6Addr::UNSPECIFIED)),
    };
    let protocol = if envelope.tcp { "TCP" } else { "UDP" };
    let data = if envelope.sent { "query_message_data" } else { "response_message_data" };
    text.push_str(&format!(
        "    message_size: {}b\n    socket_family: {family}\n    socket_protocol: {protocol}\n\
         \x20   response_address: \"{}\"\n    response_port: {}\n    query_address: \"{local}\"\n\
         \x20   query_port: 0\n    {data}:\n",
        message.bytes.len(),
        envelope.server.ip(),
        envelope.server.port()
    ));
    text
}

/// The header, one field a line.
fn header_yaml(message: &Reply) -> String {
    let header = &message.header;
    let at = indent(DATA);
    let mut text = format!(
        "{at}opcode: {}\n{at}status: {}\n{at}id: {}\n{at}flags:{}\n",
        opcode_text(header.opcode()),
        rcode_text(message.rcode()),
        header.id,
        flags_text(header)
    );
    if header.has(flag::MBZ) {
        text.push_str(&format!("{at}MBZ: 0x4\n"));
    }
    for (title, count) in SECTION_TITLES.iter().zip(header.counts) {
        text.push_str(&format!("{at}{title}: {count}\n"));
    }
    text
}

/// `OPT_PSEUDOSECTION:` with the EDNS fields and one entry per option.
fn opt_yaml(opt: &OptRecord, sent: bool) -> String {
    let (flags, mbz) = flag_words(opt.flags);
    let (at, field) = (indent(DATA), indent(DATA + 2));
    let mut text = format!("{at}OPT_PSEUDOSECTION:\n{}EDNS:\n{field}version: {}\n", indent(DATA + 1), opt.version);
    text.push_str(&format!("{field}flags:{flags}\n"));
    if mbz != 0 {
        text.push_str(&format!("{field}MBZ: 0x{mbz:04x}\n"));
    }
    text.push_str(&format!("{field}udp: {}\n", opt.udp_size));
    for (code, value) in &opt.options {
        text.push_str(&field);
        text.push_str(&option_yaml(*code, value, sent));
    }
    text
}

/// One EDNS option after its indentation: its name, then its value in hex and as text.
fn option_yaml(code: u16, value: &[u8], sent: bool) -> String {
    let with_text = |name: &str| match value {
        [] => format!("{name}:\n"),
        _ => format!("{name}: {} (\"{}\")\n", spaced_hex(value), printable(value)),
    };
    match code {
        edns_option::NSID => with_text("NSID"),
        edns_option::COOKIE if value.is_empty() => "COOKIE:\n".to_string(),
        edns_option::COOKIE => {
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            format!("COOKIE: {hex}{}\n", cookie_verdict(sent, value))
        }
        edns_option::EDE if value.len() >= 2 => ede_yaml(value),
        edns_option::EDE => with_text("EDE"),
        _ => with_text(&format!("OPT={code}")),
    }
}

/// An Extended DNS Error: its info code and purpose, and any extra text (quoted when it is UTF-8, else in
/// hex). Without extra text BIND ends the entry with an empty line.
fn ede_yaml(value: &[u8]) -> String {
    let info = u16::from_be_bytes([value[0], value[1]]);
    let at = indent(DATA + 3);
    let mut text = format!("EDE:\n{at}INFO-CODE: {info}");
    if let Some(purpose) = ede_purpose(info) {
        text.push_str(&format!(" ({purpose})"));
    }
    text.push('\n');
    let extra = &value[2..];
    if extra.is_empty() {
        text.push('\n');
        return text;
    }
    match std::str::from_utf8(extra) {
        Ok(utf8) => {
            let shown: String = utf8.chars().map(|c| if c.is_ascii_control() { '.' } else { c }).collect();
            text.push_str(&format!("{at}EXTRA-TEXT: \"{shown}\"\n"));
        }
        Err(_) => text.push_str(&format!("{at}EXTRA-TEXT: {} \"{}\"\n", spaced_hex(extra), printable(extra))),
    }
    text
}

/// `X_SECTION:` and its entries, or nothing for an empty section.
fn section_yaml(message: &Reply, section: usize) -> String {
    let entries: Vec<String> = if section == 0 {
        message.questions.iter().map(question_entry).collect()
    } else {
        let records = &message.sections[section - 1];
        let ordered: Vec<&Record> = if message.keep_order { records.iter().collect() } else { grouped(records) };
        ordered.into_iter().map(record_entry).collect()
    };
    if entries.is_empty() {
        return String::new();
    }
    let mut text = format!("{}{}_SECTION:\n", indent(DATA), SECTION_TITLES[section]);
    for entry in entries {
        text.push_str(&format!("{}- '{}'\n", indent(DATA + 1), entry.replace('\'', "''")));
    }
    text
}

/// A question: owner, class and type.
fn question_entry(query: &Query) -> String {
    let (class, code) = (u16::from(query.query_class), u16::from(query.query_type));
    format!("{} {} {}", name_text(&query.name), class_text(class), type_text(code))
}

/// A record: owner, TTL, class, type and single-line rdata.
fn record_entry(record: &Record) -> String {
    format!(
        "{} {} {} {} {}",
        name_text(&record.name),
        record.ttl,
        class_text(u16::from(record.dns_class)),
        type_text(record_type_code(record)),
        record_rdata_text(record, Layout::SingleLine)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::reply::parse;
    use std::time::Duration;

    /// A reply to `a.test A` (ID 0x1234, AA, RD) with one answer whose TXT holds a quote, and an OPT record.
    fn reply() -> Reply {
        let mut bytes = vec![0x12, 0x34, 0x85, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, b'a', 4, b't', b'e', b's', b't', 0];
        bytes.extend_from_slice(&[0, 16, 0, 1, 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 30, 0, 5, 4, b'i', b't', b'\'', b's']);
        bytes.extend_from_slice(&[0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 6, 0, 15, 0, 2, 0, 20]);
        parse(bytes, false).expect("a valid reply")
    }

    fn envelope() -> Envelope {
        let sent = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_689_520_042);
        Envelope {
            sent: false,
            query_time: sent,
            response_time: Some(sent + Duration::from_millis(3)),
            server: "[::1]:5353".parse().expect("addr"),
            tcp: false,
        }
    }

    /// The whole document for a reply, as dig 9.18 prints it (its layout captured from BIND against knotd).
    #[test]
    fn reply_document() {
        let parts = Parts { opt: true, sections: [true; 4] };
        let expected = "- type: MESSAGE\n  message:\n    type: AUTH_RESPONSE\n\
             \x20   query_time: !!timestamp 2026-11-26T10:38:40.042Z\n\
             \x20   response_time: !!timestamp 2026-11-26T10:38:40.045Z\n    message_size: 58b\n\
             \x20   socket_family: INET6\n    socket_protocol: UDP\n    response_address: \"::1\"\n\
             \x20   response_port: 5353\n    query_address: \"::0\"\n    query_port: 0\n\
             \x20   response_message_data:\n      opcode: QUERY\n      status: NOERROR\n      id: 4660\n\
             \x20     flags: qr aa rd\n      QUESTION: 1\n      ANSWER: 1\n      AUTHORITY: 0\n      ADDITIONAL: 1\n\
             \x20     OPT_PSEUDOSECTION:\n        EDNS:\n          version: 0\n          flags: do\n\
             \x20         udp: 1232\n          EDE:\n            INFO-CODE: 20 (Not Authoritative)\n\n\
             \x20     QUESTION_SECTION:\n        - 'a.test. IN TXT'\n      ANSWER_SECTION:\n\
             \x20       - 'a.test. 30 IN TXT \"it''s\"'\n";
        assert_eq!(message_yaml(&envelope(), &reply(), parts), expected);
    }

    /// dig's own query is a RECURSIVE_QUERY when it asks for recursion, and has no response time.
    #[test]
    fn sent_query_kind() {
        let envelope = Envelope { sent: true, response_time: None, ..envelope() };
        let text = message_yaml(&envelope, &reply(), Parts { opt: false, sections: [false; 4] });
        assert!(text.starts_with("- type: MESSAGE\n  message:\n    type: RECURSIVE_QUERY\n    query_time:"));
        assert!(!text.contains("response_time") && text.contains("    query_message_data:\n"), "{text}");
    }

    /// Options print their name, hex and text; cookies their verdict; EDE extra text in quotes.
    #[test]
    fn options() {
        assert_eq!(option_yaml(edns_option::NSID, b"vm", false), "NSID: 76 6d (\"vm\")\n");
        assert_eq!(option_yaml(edns_option::COOKIE, &[1; 8], false), "COOKIE: 0101010101010101 (echoed)\n");
        assert_eq!(option_yaml(65001, &[0, b'a'], false), "OPT=65001: 00 61 (\".a\")\n");
        let ede = option_yaml(edns_option::EDE, b"\x00\x03stale", false);
        assert_eq!(ede, "EDE:\n            INFO-CODE: 3 (Stale Answer)\n            EXTRA-TEXT: \"stale\"\n");
    }

    /// Errors are documents of their own.
    #[test]
    fn error_document() {
        assert_eq!(
            error_yaml("no servers could be reached"),
            "- type: DIG_ERROR\n  message: |\n    no servers could be reached\n"
        );
    }
}
