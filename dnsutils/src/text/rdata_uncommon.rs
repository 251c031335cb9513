//! Text forms of the less common record types, decoded field by field from their uncompressed wire bytes.
//!
//! hickory-proto decodes these either not at all (DNAME, RP, AFSDB, DS, DNSKEY, URI, SPF...) or into
//! structures whose text differs from BIND's. Their wire forms are simple, so [`text`] reads the raw rdata
//! with a [`Cursor`] and writes BIND's presentation: character-strings quoted, names absolute, long binary
//! fields through [`crate::text::rdata_blob`], addresses and places through [`crate::text::rdata_address`],
//! SVCB through [`crate::text::svcb`]. Anything that does not decode cleanly gives `None` and is shown in
//! RFC 3597 form instead.

use crate::protocol::codes::rtype;
use crate::text::escape::{hex_upper, quoted_string, read_name_text, read_string_text};
use crate::text::layout::Layout;
use crate::text::rdata_address::{a6, apl, loc, wks};
use crate::text::rdata_blob::{Blob, key_comment, with_blob};
use crate::wire::cursor::Cursor;

/// BIND's text for rdata `bytes` of type `code`, for the types this module knows.
pub fn text(code: u16, bytes: &[u8], layout: Layout) -> Option<String> {
    use rtype::*;
    let mut r = Cursor::new(bytes);
    let name = |r: &mut Cursor| read_name_text(r);
    let string = |r: &mut Cursor| read_string_text(r);
    let text = match code {
        NSAP_PTR | DNAME => name(&mut r)?,
        X25 => string(&mut r)?,
        ISDN if bytes.first().is_some_and(|&n| bytes.len() == 1 + usize::from(n)) => string(&mut r)?,
        ISDN => format!("{} {}", string(&mut r)?, string(&mut r)?),
        GPOS => format!("{} {} {}", string(&mut r)?, string(&mut r)?, string(&mut r)?),
        NID | L64 => format!("{} {:x}:{:x}:{:x}:{:x}", r.u16()?, r.u16()?, r.u16()?, r.u16()?, r.u16()?),
        L32 => format!("{} {}", r.u16()?, std::net::Ipv4Addr::new(r.u8()?, r.u8()?, r.u8()?, r.u8()?)),
        LP => format!("{} {}", r.u16()?, name(&mut r)?),
        A6 => a6(&mut r)?,
        APL => apl(&mut r)?,
        ZONEMD => with_blob(format!("{} {} {}", r.u32()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        NSEC3PARAM => {
            let (algorithm, flags, iterations, length) = (r.u8()?, r.u8()?, r.u16()?, r.u8()?);
            let salt = hex_upper(r.take(usize::from(length))?);
            format!("{algorithm} {flags} {iterations} {}", if salt.is_empty() { "-" } else { &salt })
        }
        EUI48 | EUI64 => r.rest().iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join("-"),
        RP => format!("{} {}", name(&mut r)?, name(&mut r)?),
        AFSDB | RT | KX => format!("{} {}", r.u16()?, name(&mut r)?),
        NAPTR => {
            let (order, preference) = (r.u16()?, r.u16()?);
            let (flags, services, regexp) = (string(&mut r)?, string(&mut r)?, string(&mut r)?);
            format!("{order} {preference} {flags} {services} {regexp} {}", name(&mut r)?)
        }
        SSHFP => with_blob(format!("{} {}", r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        TLSA | SMIMEA => with_blob(format!("{} {} {}", r.u8()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        DS | CDS | TA | DLV => {
            with_blob(format!("{} {} {}", r.u16()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, "")
        }
        KEY | DNSKEY | RKEY | CDNSKEY => {
            let (flags, protocol, algorithm) = (r.u16()?, r.u8()?, r.u8()?);
            let comment = key_comment(code, bytes, flags, algorithm);
            with_blob(format!("{flags} {protocol} {algorithm}"), &Blob::Base64(r.rest()), layout, &comment)
        }
        URI => format!("{} {} {}", r.u16()?, r.u16()?, quoted_string(r.rest())),
        WKS => wks(&mut r)?,
        LOC => loc(&mut r)?,
        SVCB | HTTPS => crate::text::svcb::svcb(&mut r)?,
        NINFO | SPF => {
            let mut strings = Vec::new();
            while !r.done() {
                strings.push(string(&mut r)?);
            }
            strings.join(" ")
        }
        _ => return None,
    };
    r.done().then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    }

    /// X25, ISDN, GPOS, NID, L32, LP and EUI48 as BIND 9.18's dig prints them.
    #[test]
    fn address_types() {
        let cases: [(u16, &str, &str); 7] = [
            (19, "0431323334", "\"1234\""),
            (20, "033132330161", "\"123\" \"a\""),
            (27, "013101320133", "\"1\" \"2\" \"3\""),
            (104, "000a00010002000300ff", "10 1:2:3:ff"),
            (105, "000a0a000001", "10 10.0.0.1"),
            (107, "000a016100", "10 a."),
            (108, "0102030405ff", "01-02-03-04-05-ff"),
        ];
        for (rtype, rdata, expected) in cases {
            assert_eq!(text(rtype, &unhex(rdata), Layout::SingleLine).as_deref(), Some(expected), "type {rtype}");
        }
    }

    /// DNAME, RP and AFSDB names (captured from dig against knotd).
    #[test]
    fn name_types() {
        let target = unhex("0674617267657407636C7573746572056C6F63616C00");
        assert_eq!(text(39, &target, Layout::SingleLine).as_deref(), Some("target.cluster.local."));
        let afsdb = unhex("00010361667307636C7573746572056C6F63616C00");
        assert_eq!(text(18, &afsdb, Layout::SingleLine).as_deref(), Some("1 afs.cluster.local."));
    }

    /// DS digests are upper-case hex split after 56 digits.
    #[test]
    fn ds_digest_words() {
        let ds = unhex("30390802E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
        assert_eq!(
            text(43, &ds, Layout::SingleLine).as_deref(),
            Some("12345 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D")
        );
    }

    /// NAPTR strings are quoted and the replacement is a name.
    #[test]
    fn naptr_fields() {
        let naptr = unhex("0064000A0155074532552B7369701B215E2E2A24217369703A696E666F406578616D706C652E636F6D2100");
        assert_eq!(
            text(35, &naptr, Layout::SingleLine).as_deref(),
            Some(r#"100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" ."#)
        );
    }

    /// Multiline DS puts the digest on indented lines of 44 digits (captured from dig +multiline).
    #[test]
    fn ds_multiline() {
        let ds = unhex("30390802E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
        assert_eq!(
            text(43, &ds, Layout::Multiline).as_deref(),
            Some("12345 8 2 (\n\t\t\t\tE06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC\n\t\t\t\t683457104237C7F8EC8D )")
        );
    }

    /// URI targets are one quoted string; trailing junk makes a record undecodable.
    #[test]
    fn uri_and_junk() {
        let uri = unhex("000A000168747470733A2F2F6578616D706C652E636F6D2F");
        assert_eq!(text(256, &uri, Layout::SingleLine).as_deref(), Some("10 1 \"https://example.com/\""));
        assert_eq!(text(39, &unhex("0000"), Layout::SingleLine), None);
    }
}
