//! Record type and class mnemonics as BIND spells them, and the other words the command lines name protocol
//! values with (`ixfr=N`).
//!
//! BIND prints and parses types and classes through its own tables (`A`, `NSAP-PTR`, `TYPE65280`,
//! `CLASS3`...). hickory's `Display` differs for unknown codes, so the tools use these two small
//! tables both ways: parsing `-t`/`-c`/positional arguments and printing questions and records.

use crate::protocol::codes::class;

/// Every type mnemonic BIND 9.18 knows, by code.
const TYPES: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (3, "MD"),
    (4, "MF"),
    (5, "CNAME"),
    (6, "SOA"),
    (7, "MB"),
    (8, "MG"),
    (9, "MR"),
    (10, "NULL"),
    (11, "WKS"),
    (12, "PTR"),
    (13, "HINFO"),
    (14, "MINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (19, "X25"),
    (20, "ISDN"),
    (21, "RT"),
    (22, "NSAP"),
    (23, "NSAP-PTR"),
    (24, "SIG"),
    (25, "KEY"),
    (26, "PX"),
    (27, "GPOS"),
    (28, "AAAA"),
    (29, "LOC"),
    (30, "NXT"),
    (31, "EID"),
    (32, "NIMLOC"),
    (33, "SRV"),
    (34, "ATMA"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (38, "A6"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (53, "SMIMEA"),
    (55, "HIP"),
    (56, "NINFO"),
    (57, "RKEY"),
    (58, "TALINK"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (63, "ZONEMD"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (104, "NID"),
    (105, "L32"),
    (106, "L64"),
    (107, "LP"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (253, "MAILB"),
    (254, "MAILA"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
    (258, "AVC"),
    (259, "DOA"),
    (260, "AMTRELAY"),
    (32768, "TA"),
    (32769, "DLV"),
];

/// Class mnemonics by code; `CHAOS` and `HESIOD` are accepted as input aliases.
const CLASSES: &[(u16, &str)] =
    &[(class::IN, "IN"), (class::CH, "CH"), (class::HS, "HS"), (class::NONE, "NONE"), (class::ANY, "ANY")];

/// The text BIND prints for a record type: its mnemonic, or `TYPE<code>`.
pub fn type_text(code: u16) -> String {
    match TYPES.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => (*name).to_string(),
        None => format!("TYPE{code}"),
    }
}

/// Parses a type the way BIND's `dns_rdatatype_fromtext` does: a mnemonic in any case, or `TYPEn`.
pub fn parse_type(text: &str) -> Option<u16> {
    let upper = text.to_ascii_uppercase();
    if let Some((code, _)) = TYPES.iter().find(|(_, name)| *name == upper) {
        return Some(*code);
    }
    upper.strip_prefix("TYPE").and_then(parse_code)
}

/// The text BIND prints for a class: its mnemonic, or `CLASS<code>`.
pub fn class_text(code: u16) -> String {
    match CLASSES.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => (*name).to_string(),
        None => format!("CLASS{code}"),
    }
}

/// Parses a class the way BIND does: a mnemonic in any case, `CHAOS`, `HESIOD`, or `CLASSn`.
pub fn parse_class(text: &str) -> Option<u16> {
    let upper = text.to_ascii_uppercase();
    match upper.as_str() {
        "CHAOS" => return Some(class::CH),
        "HESIOD" => return Some(class::HS),
        _ => {}
    }
    if let Some((code, _)) = CLASSES.iter().find(|(_, name)| *name == upper) {
        return Some(*code);
    }
    upper.strip_prefix("CLASS").and_then(parse_code)
}

/// A decimal code of at most 65535, digits only (so `TYPE+1` or `TYPE` alone are rejected).
fn parse_code(digits: &str) -> Option<u16> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `ixfr=N` (dig's and host's way to ask for an IXFR from serial N): the serial.
pub fn parse_ixfr(text: &str) -> Option<u32> {
    let (keyword, serial) = text.split_once('=')?;
    if !keyword.eq_ignore_ascii_case("ixfr") {
        return None;
    }
    serial.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known mnemonics round-trip in any case.
    #[test]
    fn known_types_round_trip() {
        assert_eq!(parse_type("aaaa"), Some(28));
        assert_eq!(parse_type("NSAP-PTR"), Some(23));
        assert_eq!(type_text(257), "CAA");
    }

    /// Unknown codes use the RFC 3597 `TYPEn` spelling both ways.
    #[test]
    fn unknown_types_use_generic_form() {
        assert_eq!(parse_type("type65280"), Some(65280));
        assert_eq!(type_text(65280), "TYPE65280");
        assert_eq!(parse_type("TYPE"), None);
        assert_eq!(parse_type("TYPE70000"), None);
        assert_eq!(parse_type("bogus"), None);
    }

    /// Classes accept BIND's aliases and the generic form.
    #[test]
    fn classes_parse_like_bind() {
        assert_eq!(parse_class("chaos"), Some(3));
        assert_eq!(parse_class("in"), Some(1));
        assert_eq!(parse_class("CLASS42"), Some(42));
        assert_eq!(class_text(42), "CLASS42");
    }

    /// `ixfr=N` gives the serial; other words do not.
    #[test]
    fn ixfr_serials() {
        assert_eq!(parse_ixfr("ixfr=42"), Some(42));
        assert_eq!(parse_ixfr("IXFR=0"), Some(0));
        assert_eq!(parse_ixfr("ixfr"), None);
        assert_eq!(parse_ixfr("axfr=1"), None);
    }
}
