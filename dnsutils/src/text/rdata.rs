//! Rdata as BIND's `dns_rdata_totext` writes it: one arm per record shape hickory decodes, the
//! less common types through [`crate::text::rdata_uncommon`], RFC 3597 `\# len hex` for the rest, each in
//! dig's single-line or `+multiline` layout.

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder};

use crate::protocol::codes::class;
use crate::text::escape::{name_text, quoted_string};
use crate::text::layout::{CONTINUATION, Layout, duration_words};
use crate::text::rdata_blob::generic;
use crate::wire::rdata_check::is_class_in_only;

/// The rdata of a record in BIND's single-line text form.
pub fn rdata_text(data: &RData) -> String {
    rdata_text_in(data, Layout::SingleLine)
}

/// The rdata of `record` in `layout`. Types BIND knows only in class IN (A, SRV...) are opaque in
/// any other class, so they print in RFC 3597 form there.
pub fn record_rdata_text(record: &Record, layout: Layout) -> String {
    let code = u16::from(record.record_type());
    if u16::from(record.dns_class) != class::IN && is_class_in_only(code) {
        return generic(&raw_rdata(&record.data), layout);
    }
    rdata_text_in(&record.data, layout)
}

/// The rdata of a record in `layout`.
pub fn rdata_text_in(data: &RData, layout: Layout) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::NS(ns) => name_text(&ns.0),
        RData::CNAME(cname) => name_text(&cname.0),
        RData::PTR(ptr) => name_text(&ptr.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name_text(&mx.exchange)),
        RData::SRV(srv) => format!("{} {} {} {}", srv.priority, srv.weight, srv.port, name_text(&srv.target)),
        RData::SOA(soa) => soa_text(soa, layout),
        RData::TXT(txt) => txt.txt_data.iter().map(|s| quoted_string(s)).collect::<Vec<_>>().join(" "),
        RData::HINFO(hinfo) => format!("{} {}", quoted_string(&hinfo.cpu), quoted_string(&hinfo.os)),
        RData::CAA(caa) => format!("{} {} {}", caa.flags(), caa.tag, quoted_string(&caa.value)),
        RData::Unknown { code, rdata } => uncommon_rdata(u16::from(*code), &rdata.anything, layout),
        RData::NULL(null) => generic(&null.anything, layout),
        // A misplaced OPT record (dig shows it best-effort) prints its options raw, nothing if none.
        RData::OPT(opt) if opt.as_ref().is_empty() => String::new(),
        RData::Update0(RecordType::OPT) => String::new(),
        RData::Update0(rtype) => uncommon_rdata(u16::from(*rtype), &[], layout),
        other => uncommon_rdata(u16::from(other.record_type()), &raw_rdata(other), layout),
    }
}

/// SOA on one line, or dig's multiline form with one commented timer a line.
fn soa_text(soa: &SOA, layout: Layout) -> String {
    let (mname, rname) = (name_text(&soa.mname), name_text(&soa.rname));
    let timers = [soa.refresh as u32, soa.retry as u32, soa.expire as u32, soa.minimum];
    if layout == Layout::SingleLine {
        let [refresh, retry, expire, minimum] = timers;
        return format!("{mname} {rname} {} {refresh} {retry} {expire} {minimum}", soa.serial);
    }
    let mut text = format!("{mname} {rname} ({CONTINUATION}{:<11}; serial", soa.serial);
    for (value, name) in timers.into_iter().zip(["refresh", "retry", "expire", "minimum"]) {
        text.push_str(&format!("{CONTINUATION}{value:<11}; {name} ({})", duration_words(value)));
    }
    text.push_str(CONTINUATION);
    text.push(')');
    text
}

/// Types without a hickory text form matching BIND's: BIND's text when known, else RFC 3597.
fn uncommon_rdata(rtype: u16, bytes: &[u8], layout: Layout) -> String {
    crate::text::rdata_uncommon::text(rtype, bytes, layout).unwrap_or_else(|| generic(bytes, layout))
}

/// The wire bytes of rdata this module has no text form for, so it can still be shown generically.
fn raw_rdata(data: &RData) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = BinEncoder::new(&mut bytes);
    match data.emit(&mut encoder) {
        Ok(()) => bytes,
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Name;
    use hickory_proto::rr::rdata::{CAA, TXT};
    use std::str::FromStr;

    fn name(text: &str) -> Name {
        Name::from_str(text).expect("test name")
    }

    /// TXT strings are quoted with `"` and `\` escaped and other bytes as `\DDD`.
    #[test]
    fn txt_escaping_matches_bind() {
        let txt = TXT::from_bytes(vec![b"hello world", b"a\"b", b"semi;colon", b"\\back", &[0x80, 0x01]]);
        assert_eq!(rdata_text(&RData::TXT(txt)), r#""hello world" "a\"b" "semi;colon" "\\back" "\128\001""#);
    }

    /// SOA and CAA print all fields in order.
    #[test]
    fn soa_and_caa_text() {
        let soa = SOA::new(name("ns.dns.cluster.local."), name("hostmaster.cluster.local."), 1, 7200, 1800, 86400, 30);
        assert_eq!(
            rdata_text(&RData::SOA(soa)),
            "ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30"
        );
        let caa = CAA::new_issue(false, Some(name("letsencrypt.org")), Vec::new());
        assert_eq!(rdata_text(&RData::CAA(caa)), "0 issue \"letsencrypt.org\"");
    }

    /// Multiline SOA: one timer a line with its duration in words (captured from dig +multiline).
    #[test]
    fn soa_multiline() {
        let soa = SOA::new(name("ns.dns.cluster.local."), name("hostmaster.cluster.local."), 1, 7200, 1800, 86400, 30);
        assert_eq!(
            rdata_text_in(&RData::SOA(soa), Layout::Multiline),
            "ns.dns.cluster.local. hostmaster.cluster.local. (\n\t\t\t\t1          ; serial\n\t\t\t\t7200       ; refresh (2 hours)\n\t\t\t\t1800       ; retry (30 minutes)\n\t\t\t\t86400      ; expire (1 day)\n\t\t\t\t30         ; minimum (30 seconds)\n\t\t\t\t)"
        );
    }
}
