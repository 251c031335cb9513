//! Text forms of the less common record types, decoded from their uncompressed wire bytes.
//!
//! hickory-proto decodes these either not at all (DNAME, RP, AFSDB, DS, DNSKEY, URI, SPF...) or
//! into structures whose text differs from BIND's. Their wire forms are simple, so this module reads
//! the raw rdata directly and writes BIND's presentation: hex and base64 in 56-character words,
//! character-strings quoted, names absolute. Anything that does not decode cleanly returns `None`
//! and is shown in RFC 3597 form instead.

use crate::text::record::{push_label_byte, quoted_string};

/// BIND breaks long hex and base64 fields into words of this many characters on one line.
const WORD: usize = 56;

/// A cursor over rdata bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        let value = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(value)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }

    pub(crate) fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at + length)?;
        self.at += length;
        Some(slice)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let slice = &self.bytes[self.at.min(self.bytes.len())..];
        self.at = self.bytes.len();
        slice
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        let length = usize::from(self.u8()?);
        Some(quoted_string(self.take(length)?))
    }

    /// An uncompressed name in BIND's text form (a compression pointer makes the record undecodable).
    pub(crate) fn name(&mut self) -> Option<String> {
        let mut labels = Vec::new();
        loop {
            let length = usize::from(self.u8()?);
            if length == 0 {
                break;
            }
            if length > 63 {
                return None;
            }
            let mut label = String::new();
            for &byte in self.take(length)? {
                push_label_byte(&mut label, byte);
            }
            labels.push(label);
        }
        Some(if labels.is_empty() { ".".to_string() } else { format!("{}.", labels.join(".")) })
    }

    pub(crate) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// Splits `text` into space-separated words of `width` characters.
fn words(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How rdata is laid out: dig's default single line, or `+multiline` (long fields on indented lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One line, long fields split into 56-character words.
    SingleLine,
    /// Long fields in parentheses, 44 characters a line, each line indented to the rdata column.
    Multiline,
}

/// The indentation of continuation lines in dig's multiline style (to column 32).
pub const CONTINUATION: &str = "\n\t\t\t\t";

/// A long field at the end of some rdata.
enum Blob<'a> {
    Hex(&'a [u8]),
    Base64(&'a [u8]),
}

impl Blob<'_> {
    fn text(&self) -> String {
        match self {
            Self::Hex(bytes) => bytes.iter().map(|b| format!("{b:02X}")).collect(),
            Self::Base64(bytes) => base64(bytes),
        }
    }
}

/// Fixed fields, then the long field in `layout`; `comment` follows the closing parenthesis.
fn with_blob(fields: String, blob: &Blob, layout: Layout, comment: &str) -> String {
    let text = blob.text();
    let chars: Vec<char> = text.chars().collect();
    match layout {
        Layout::SingleLine => format!("{fields} {}", words(&text, WORD)),
        Layout::Multiline if comment.is_empty() => {
            let lines: Vec<String> = chars.chunks(44).map(|c| c.iter().collect()).collect();
            format!("{fields} ({CONTINUATION}{} )", lines.join(CONTINUATION))
        }
        Layout::Multiline => {
            let lines: Vec<String> = chars.chunks(44).map(|c| c.iter().collect()).collect();
            format!("{fields} ({CONTINUATION}{}{CONTINUATION}){comment}", lines.join(CONTINUATION))
        }
    }
}

/// BIND's text for `rtype` rdata `bytes`, for the types this module knows.
pub fn text(rtype: u16, bytes: &[u8], layout: Layout) -> Option<String> {
    let mut r = Reader::new(bytes);
    let text = match rtype {
        23 | 39 => r.name()?,
        19 => r.string()?,
        20 if bytes.first().is_some_and(|&n| bytes.len() == 1 + usize::from(n)) => r.string()?,
        20 => format!("{} {}", r.string()?, r.string()?),
        27 => format!("{} {} {}", r.string()?, r.string()?, r.string()?),
        104 | 106 => format!("{} {:x}:{:x}:{:x}:{:x}", r.u16()?, r.u16()?, r.u16()?, r.u16()?, r.u16()?),
        105 => format!("{} {}", r.u16()?, std::net::Ipv4Addr::new(r.u8()?, r.u8()?, r.u8()?, r.u8()?)),
        107 => format!("{} {}", r.u16()?, r.name()?),
        38 => a6(&mut r)?,
        42 => apl(&mut r)?,
        63 => with_blob(format!("{} {} {}", r.u32()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        51 => {
            let (algorithm, flags, iterations, length) = (r.u8()?, r.u8()?, r.u16()?, r.u8()?);
            let salt: String = r.take(usize::from(length))?.iter().map(|b| format!("{b:02X}")).collect();
            format!("{algorithm} {flags} {iterations} {}", if salt.is_empty() { "-" } else { &salt })
        }
        108 | 109 => r.rest().iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join("-"),
        17 => format!("{} {}", r.name()?, r.name()?),
        18 | 21 | 36 => format!("{} {}", r.u16()?, r.name()?),
        35 => format!("{} {} {} {} {} {}", r.u16()?, r.u16()?, r.string()?, r.string()?, r.string()?, r.name()?),
        44 => with_blob(format!("{} {}", r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        52 | 53 => with_blob(format!("{} {} {}", r.u8()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, ""),
        43 | 59 | 32768 | 32769 => {
            with_blob(format!("{} {} {}", r.u16()?, r.u8()?, r.u8()?), &Blob::Hex(r.rest()), layout, "")
        }
        25 | 48 | 57 | 60 => {
            let (flags, protocol, algorithm) = (r.u16()?, r.u8()?, r.u8()?);
            let comment = key_comment(rtype, bytes, flags, algorithm);
            with_blob(format!("{flags} {protocol} {algorithm}"), &Blob::Base64(r.rest()), layout, &comment)
        }
        256 => format!("{} {} {}", r.u16()?, r.u16()?, quoted_string(r.rest())),
        11 => wks(&mut r)?,
        29 => loc(&mut r)?,
        64 | 65 => crate::text::svcb::svcb(&mut r)?,
        56 | 99 => {
            let mut strings = Vec::new();
            while !r.done() {
                strings.push(r.string()?);
            }
            strings.join(" ")
        }
        _ => return None,
    };
    r.done().then_some(text)
}

/// A6: prefix length, the address bits after the prefix (nothing when it is 128), and the prefix's name.
fn a6(r: &mut Reader) -> Option<String> {
    let prefix = r.u8()?;
    let octets = 16usize.checked_sub(usize::from(prefix / 8))?;
    let mut address = [0u8; 16];
    address[16 - octets..].copy_from_slice(r.take(octets)?);
    let address = if octets == 0 { String::new() } else { std::net::Ipv6Addr::from(address).to_string() };
    Some(if prefix == 0 { format!("0 {address}") } else { format!("{prefix} {address} {}", r.name()?) })
}

/// APL: `[!]family:address/prefix` items; a family other than IPv4 and IPv6 has no text form.
fn apl(r: &mut Reader) -> Option<String> {
    let mut items = Vec::new();
    while !r.done() {
        let (family, prefix, length) = (r.u16()?, r.u8()?, r.u8()?);
        let part = r.take(usize::from(length & 0x7f))?;
        let negation = if length & 0x80 != 0 { "!" } else { "" };
        let address = match family {
            1 => {
                let mut bytes = [0u8; 4];
                bytes.get_mut(..part.len())?.copy_from_slice(part);
                std::net::Ipv4Addr::from(bytes).to_string()
            }
            2 => {
                let mut bytes = [0u8; 16];
                bytes.get_mut(..part.len())?.copy_from_slice(part);
                std::net::Ipv6Addr::from(bytes).to_string()
            }
            _ => return None,
        };
        items.push(format!("{negation}{family}:{address}/{prefix}"));
    }
    Some(items.join(" "))
}

/// WKS: address, protocol number, then the port of every bit set in the bitmap.
fn wks(r: &mut Reader) -> Option<String> {
    let address = std::net::Ipv4Addr::new(r.u8()?, r.u8()?, r.u8()?, r.u8()?);
    let protocol = r.u8()?;
    let mut text = format!("{address} {protocol}");
    for (index, byte) in r.rest().iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                text.push_str(&format!(" {}", index * 8 + bit));
            }
        }
    }
    Some(text)
}

/// LOC (RFC 1876): latitude, longitude, altitude, size and precisions in BIND's units.
fn loc(r: &mut Reader) -> Option<String> {
    if r.u8()? != 0 {
        return None;
    }
    let (size, horizontal, vertical) = (r.u8()?, r.u8()?, r.u8()?);
    let (latitude, longitude, altitude) = (r.u32()?, r.u32()?, r.u32()?);
    let altitude_cm = i64::from(altitude) - 10_000_000;
    let sign = if altitude_cm < 0 { "-" } else { "" };
    let (meters, centimeters) = (altitude_cm.abs() / 100, altitude_cm.abs() % 100);
    Some(format!(
        "{} {} {sign}{meters}.{centimeters:02}m {} {} {}",
        angle(latitude, ['N', 'S']),
        angle(longitude, ['E', 'W']),
        loc_size(size),
        loc_size(horizontal),
        loc_size(vertical)
    ))
}

/// A LOC angle (thousandths of arc seconds from 2^31) as `D M S.sss H`.
fn angle(raw: u32, hemispheres: [char; 2]) -> String {
    let offset = i64::from(raw) - (1i64 << 31);
    let hemisphere = if offset < 0 { hemispheres[1] } else { hemispheres[0] };
    let value = offset.abs();
    let (degrees, minutes) = (value / 3_600_000, value % 3_600_000 / 60_000);
    let (seconds, thousandths) = (value % 60_000 / 1000, value % 1000);
    format!("{degrees} {minutes} {seconds}.{thousandths:03} {hemisphere}")
}

/// A LOC size or precision (mantissa and power of ten, in centimetres) in metres.
fn loc_size(encoded: u8) -> String {
    let (mantissa, exponent) = (u32::from(encoded >> 4), u32::from(encoded & 0x0f));
    if exponent >= 2 {
        format!("{mantissa}{}m", "0".repeat(exponent as usize - 2))
    } else {
        format!("0.{:02}m", mantissa * 10u32.pow(exponent))
    }
}

/// RFC 3597 generic rdata, `\# <len> <HEX>`, in `layout`.
pub fn generic(bytes: &[u8], layout: Layout) -> String {
    let hex = Blob::Hex(bytes).text();
    match layout {
        _ if bytes.is_empty() => "\\# 0".to_string(),
        Layout::SingleLine => format!("\\# {} {}", bytes.len(), words(&hex, WORD)),
        Layout::Multiline => {
            let chars: Vec<char> = hex.chars().collect();
            let lines: Vec<String> = chars.chunks(44).map(|c| c.iter().collect()).collect();
            format!("\\# {} ( {} )", bytes.len(), lines.join(CONTINUATION))
        }
    }
}

/// dig's multiline comment after a key: ` ; KSK; alg = RSASHA256 ; key id = 19036` for DNSKEY and CDNSKEY,
/// from `; alg =` on for KEY and RKEY.
fn key_comment(rtype: u16, rdata: &[u8], flags: u16, algorithm: u8) -> String {
    // Only DNSKEY and CDNSKEY name the key's role; KEY and RKEY start with the algorithm.
    let role = match (rtype, flags & 1) {
        (48 | 60, 1) => " ; KSK",
        (48 | 60, _) => " ; ZSK",
        _ => "",
    };
    let name = match algorithm {
        1 => "RSAMD5".to_string(),
        3 => "DSA".to_string(),
        5 => "RSASHA1".to_string(),
        6 => "NSEC3DSA".to_string(),
        7 => "NSEC3RSASHA1".to_string(),
        8 => "RSASHA256".to_string(),
        10 => "RSASHA512".to_string(),
        12 => "ECCGOST".to_string(),
        13 => "ECDSAP256SHA256".to_string(),
        14 => "ECDSAP384SHA384".to_string(),
        15 => "ED25519".to_string(),
        16 => "ED448".to_string(),
        other => other.to_string(),
    };
    format!("{role}; alg = {name} ; key id = {}", key_tag(rdata))
}

/// The RFC 4034 appendix B key tag of DNSKEY rdata.
fn key_tag(rdata: &[u8]) -> u16 {
    let sum = rdata
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &b)| acc + if i % 2 == 0 { u32::from(b) << 8 } else { u32::from(b) });
    ((sum + (sum >> 16)) & 0xffff) as u16
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

    /// Generic rdata in multiline opens the parenthesis on the first line.
    #[test]
    fn generic_layouts() {
        let long: Vec<u8> = (0..40).collect();
        assert_eq!(
            generic(&long, Layout::SingleLine),
            "\\# 40 000102030405060708090A0B0C0D0E0F101112131415161718191A1B 1C1D1E1F2021222324252627"
        );
        assert_eq!(
            generic(&long, Layout::Multiline),
            "\\# 40 ( 000102030405060708090A0B0C0D0E0F101112131415\n\t\t\t\t161718191A1B1C1D1E1F2021222324252627 )"
        );
        assert_eq!(generic(&[], Layout::Multiline), "\\# 0");
    }

    /// LOC and WKS as BIND prints them (captured from dig against knotd).
    #[test]
    fn loc_and_wks() {
        let loc = unhex("000016138B3CF018810CBCE0009895B8");
        assert_eq!(
            text(29, &loc, Layout::SingleLine).as_deref(),
            Some("52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m")
        );
        assert_eq!(text(11, &unhex("0A00000106"), Layout::SingleLine).as_deref(), Some("10.0.0.1 6"));
    }

    /// Base64 with padding, for keys.
    #[test]
    fn base64_padding() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    /// URI targets are one quoted string; trailing junk makes a record undecodable.
    #[test]
    fn uri_and_junk() {
        let uri = unhex("000A000168747470733A2F2F6578616D706C652E636F6D2F");
        assert_eq!(text(256, &uri, Layout::SingleLine).as_deref(), Some("10 1 \"https://example.com/\""));
        assert_eq!(text(39, &unhex("0000"), Layout::SingleLine), None);
    }
}
