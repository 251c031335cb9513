//! A whole reply as text: the `;; ->>HEADER<<-` block and the `;; X SECTION:` blocks.
//!
//! dig's default output and host's verbose mode print messages the same way (BIND's
//! `printmessage`), so both tools build on these functions. Records are grouped into rdatasets by
//! owner name and type, in order of first appearance, as BIND's message parser groups them.

use hickory_proto::rr::Record;

use crate::protocol::codes::{Opcode, Rcode};
use crate::text::layout::LineStyle;
use crate::text::record::{grouped, question_line, record_line};
use crate::wire::header::{Header, flag};
use crate::wire::reply::Reply;

/// Opcode mnemonics by code.
const OPCODES: [&str; 16] = [
    "QUERY",
    "IQUERY",
    "STATUS",
    "RESERVED3",
    "NOTIFY",
    "UPDATE",
    "RESERVED6",
    "RESERVED7",
    "RESERVED8",
    "RESERVED9",
    "RESERVED10",
    "RESERVED11",
    "RESERVED12",
    "RESERVED13",
    "RESERVED14",
    "RESERVED15",
];

/// Response code mnemonics by code, as `dns_rcode_totext` spells them.
const RCODES: [&str; 24] = [
    "NOERROR",
    "FORMERR",
    "SERVFAIL",
    "NXDOMAIN",
    "NOTIMP",
    "REFUSED",
    "YXDOMAIN",
    "YXRRSET",
    "NXRRSET",
    "NOTAUTH",
    "NOTZONE",
    "RESERVED11",
    "RESERVED12",
    "RESERVED13",
    "RESERVED14",
    "RESERVED15",
    "BADVERS",
    "BADKEY",
    "BADTIME",
    "BADMODE",
    "BADNAME",
    "BADALG",
    "BADTRUNC",
    "BADCOOKIE",
];

/// The mnemonic of an opcode.
pub fn opcode_text(opcode: Opcode) -> &'static str {
    OPCODES.get(usize::from(opcode.0)).copied().unwrap_or("RESERVED")
}

/// host's and nslookup's own rcode table, which stops at BADVERS and writes `?N` beyond it.
pub fn short_rcode_text(rcode: Rcode) -> String {
    match RCODES.get(usize::from(rcode.0)) {
        Some(text) if rcode <= Rcode::BADVERS => (*text).to_string(),
        _ => format!("?{}", rcode.0),
    }
}

/// The mnemonic of a response code, or its number when BIND has none.
pub fn rcode_text(rcode: Rcode) -> String {
    match RCODES.get(usize::from(rcode.0)) {
        Some(text) => (*text).to_string(),
        None => rcode.0.to_string(),
    }
}

/// The flag list after `;; flags:`, each with a leading space, in BIND's order.
pub fn flags_text(header: &Header) -> String {
    const FLAGS: [(u16, &str); 7] = [
        (flag::QR, " qr"),
        (flag::AA, " aa"),
        (flag::TC, " tc"),
        (flag::RD, " rd"),
        (flag::RA, " ra"),
        (flag::AD, " ad"),
        (flag::CD, " cd"),
    ];
    FLAGS.iter().filter(|(bit, _)| header.has(*bit)).map(|(_, text)| *text).collect()
}

/// The two header lines (without a trailing newline on the last).
pub fn header_lines(reply: &Reply) -> String {
    let header = &reply.header;
    let mut flags = flags_text(header);
    if header.has(flag::MBZ) {
        flags.push_str("; MBZ: 0x4");
    }
    let [questions, answers, authorities, additionals] = header.counts;
    format!(
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}\n;; flags:{flags}; QUERY: {questions}, ANSWER: {answers}, AUTHORITY: {authorities}, ADDITIONAL: {additionals}",
        opcode_text(header.opcode()),
        rcode_text(reply.rcode()),
        header.id,
    )
}

/// The section names in message order.
pub const SECTION_TITLES: [&str; 4] = ["QUESTION", "ANSWER", "AUTHORITY", "ADDITIONAL"];

/// One `;; X SECTION:` block followed by a blank line, or nothing for an empty section.
pub fn section_block(reply: &Reply, section: usize, style: &LineStyle) -> String {
    let lines: Vec<String> = if section == 0 {
        reply.questions.iter().map(|query| question_line(query, style)).collect()
    } else {
        let records = &reply.sections[section - 1];
        let ordered: Vec<&Record> = if reply.keep_order { records.iter().collect() } else { grouped(records) };
        ordered.into_iter().map(|record| record_line(record, style)).collect()
    };
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!(";; {} SECTION:\n", SECTION_TITLES[section]);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::reply::parse;

    /// Flags keep BIND's order and leading spaces.
    #[test]
    fn flags_in_bind_order() {
        let header = Header { id: 1, flags: 0x8580, counts: [1, 1, 0, 0] };
        assert_eq!(flags_text(&header), " qr aa rd ra");
    }

    /// Header lines as dig prints them (captured from dig 9.18 against knotd).
    #[test]
    fn header_block_text() {
        let bytes = vec![0xd8, 0xd7, 0x85, 0x03, 0, 1, 0, 0, 0, 1, 0, 1];
        let reply = parse(bytes, true).expect("best effort");
        assert_eq!(
            header_lines(&reply),
            ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 55511\n;; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1"
        );
    }

    /// Unknown response codes print as numbers; host's table stops at BADVERS.
    #[test]
    fn rcode_names() {
        assert_eq!(rcode_text(Rcode::SERVFAIL), "SERVFAIL");
        assert_eq!(rcode_text(Rcode(30)), "30");
        assert_eq!(short_rcode_text(Rcode::BADVERS), "BADVERS");
        assert_eq!(short_rcode_text(Rcode(17)), "?17");
    }
}
