//! What host prints, as text: a reply in short form (`name phrase rdata`) or in full (`-v`), the
//! `Using domain server:` block, the `Received N bytes` line, and a failed reply's `Host X not found`.
//! Shared by the lookup flow and the zone transfer.

use hickory_proto::rr::Record;

use crate::net::event::Received;
use crate::protocol::codes::{Rcode, rtype};
use crate::protocol::mnemonics::type_text;
use crate::text::escape::name_text_no_dot;
use crate::text::layout::{DEFAULT_STYLE, Layout};
use crate::text::message::{header_lines, section_block, short_rcode_text};
use crate::text::notice::server_text;
use crate::text::rdata::record_rdata_text;
use crate::text::record::record_type_code;
use crate::wire::reply::Reply;

/// The `Using domain server:` block printed before the first reply when a server was named.
pub fn server_block(server: &str, received: &Received) -> String {
    format!("Using domain server:\nName: {server}\nAddress: {}\nAliases: \n\n", server_text(received.server))
}

/// A reply in full (`-v`): header block (with host's one-line EDNS summary) and every non-empty section.
pub fn verbose_text(reply: &Reply) -> String {
    let mut text = header_lines(reply);
    if let Some(opt) = &reply.opt {
        text.push_str(&format!("\n;; EDNS: version: {}, udp={}", opt.version, opt.udp_size));
    }
    text.push_str("\n\n");
    for section in 0..4 {
        text.push_str(&section_block(reply, section, &DEFAULT_STYLE));
    }
    text
}

/// One record in host's short form: `owner phrase rdata`.
pub fn short_line(record: &Record) -> String {
    format!(
        "{} {} {}\n",
        name_text_no_dot(&record.name),
        phrase(record_type_code(record)),
        record_rdata_text(record, Layout::SingleLine)
    )
}

/// `Received N bytes from ip#port in T ms`, after a verbose reply.
pub fn received_line(received: &Received) -> String {
    format!(
        "Received {} bytes from {} in {} ms\n",
        received.reply.bytes.len(),
        server_text(received.server),
        received.elapsed.as_millis()
    )
}

/// `Host NAME not found: N(RCODE)`, and for a transfer `; Transfer failed.`.
pub fn not_found_text(name: &str, rcode: Rcode, transfer: bool) -> String {
    let failed = if transfer { "; Transfer failed.\n" } else { "" };
    format!("Host {name} not found: {}({})\n{failed}", rcode.0, short_rcode_text(rcode))
}

/// `NAME has no TYPE record`, for an empty answer to an explicit type.
pub fn no_record_text(name: &str, code: u16) -> String {
    format!("{name} has no {} record\n", type_text(code))
}

/// The words between owner and rdata in host's short form (`host.c` `rtypes[]`).
fn phrase(code: u16) -> String {
    let known = match code {
        rtype::A => "has address",
        rtype::NS => "name server",
        rtype::CNAME => "is an alias for",
        rtype::WKS => "has well known services",
        rtype::PTR => "domain name pointer",
        rtype::HINFO => "host information",
        rtype::MX => "mail is handled by",
        rtype::TXT => "descriptive text",
        rtype::X25 => "x25 address",
        rtype::ISDN => "ISDN address",
        rtype::SIG => "has signature",
        rtype::KEY => "has key",
        rtype::AAAA => "has IPv6 address",
        rtype::LOC => "location",
        _ => return format!("has {} record", type_text(code)),
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-v` shows a reply's OPT record as host's one-line EDNS summary (version and UDP size only).
    #[test]
    fn verbose_shows_edns_summary() {
        let mut bytes = vec![0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 1, 1, b'a', 0, 0, 1, 0, 1];
        bytes.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 4, 0, 10, 0, 0]);
        let reply = crate::wire::reply::parse(bytes, false).expect("parses");
        let text = verbose_text(&reply);
        assert!(text.contains("ADDITIONAL: 1\n;; EDNS: version: 0, udp=1232\n\n;; QUESTION SECTION:\n"), "{text}");
    }

    /// Short-form phrases follow host's table, with a generic fallback.
    #[test]
    fn phrases() {
        assert_eq!(phrase(rtype::A), "has address");
        assert_eq!(phrase(rtype::SRV), "has SRV record");
        assert_eq!(phrase(65280), "has TYPE65280 record");
    }

    /// Failed replies name the rcode by number and host's mnemonic; transfers add a line.
    #[test]
    fn not_found_lines() {
        assert_eq!(not_found_text("x", Rcode::NXDOMAIN, false), "Host x not found: 3(NXDOMAIN)\n");
        assert_eq!(not_found_text("z", Rcode::NOTAUTH, true), "Host z not found: 9(NOTAUTH)\n; Transfer failed.\n");
    }
}
