//! Rdata that ends in a long binary field (DS digests, DNSKEY keys, TLSA and SSHFP data, ZONEMD hashes) and
//! RFC 3597 generic rdata: the field in hex or base64, split into words on one line or, with `+multiline`,
//! in parentheses 44 characters a line, and dig's key comment (role, algorithm, key tag) after a key.

use crate::protocol::codes::rtype;
use crate::text::escape::{WORD, base64, chunks, hex_upper, words};
use crate::text::layout::{CONTINUATION, Layout};

/// A long field at the end of some rdata.
pub enum Blob<'a> {
    /// Upper-case hex (digests, certificate data).
    Hex(&'a [u8]),
    /// Base64 (keys).
    Base64(&'a [u8]),
}

impl Blob<'_> {
    fn text(&self) -> String {
        match self {
            Self::Hex(bytes) => hex_upper(bytes),
            Self::Base64(bytes) => base64(bytes),
        }
    }
}

/// Fixed fields, then the long field in `layout`; `comment` follows the closing parenthesis.
pub fn with_blob(fields: String, blob: &Blob, layout: Layout, comment: &str) -> String {
    let text = blob.text();
    match layout {
        Layout::SingleLine => format!("{fields} {}", words(&text, WORD)),
        Layout::Multiline if comment.is_empty() => {
            format!("{fields} ({CONTINUATION}{} )", chunks(&text, 44).join(CONTINUATION))
        }
        Layout::Multiline => {
            format!("{fields} ({CONTINUATION}{}{CONTINUATION}){comment}", chunks(&text, 44).join(CONTINUATION))
        }
    }
}

/// RFC 3597 generic rdata, `\# <len> <HEX>`, in `layout`.
pub fn generic(bytes: &[u8], layout: Layout) -> String {
    let hex = hex_upper(bytes);
    match layout {
        _ if bytes.is_empty() => "\\# 0".to_string(),
        Layout::SingleLine => format!("\\# {} {}", bytes.len(), words(&hex, WORD)),
        Layout::Multiline => format!("\\# {} ( {} )", bytes.len(), chunks(&hex, 44).join(CONTINUATION)),
    }
}

/// DNSSEC algorithm mnemonics by number, as dig names them in key comments.
const ALGORITHMS: &[(u8, &str)] = &[
    (1, "RSAMD5"),
    (3, "DSA"),
    (5, "RSASHA1"),
    (6, "NSEC3DSA"),
    (7, "NSEC3RSASHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECCGOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
];

/// dig's multiline comment after a key: ` ; KSK; alg = RSASHA256 ; key id = 19036` for DNSKEY and CDNSKEY,
/// from `; alg =` on for KEY and RKEY.
pub fn key_comment(code: u16, rdata: &[u8], flags: u16, algorithm: u8) -> String {
    // Only DNSKEY and CDNSKEY name the key's role; KEY and RKEY start with the algorithm.
    let is_zone_key = matches!(code, rtype::DNSKEY | rtype::CDNSKEY);
    let role = match (is_zone_key, flags & 1) {
        (true, 1) => " ; KSK",
        (true, _) => " ; ZSK",
        (false, _) => "",
    };
    let name = ALGORITHMS
        .iter()
        .find(|(number, _)| *number == algorithm)
        .map_or_else(|| algorithm.to_string(), |(_, name)| (*name).to_string());
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

    /// Key comments name the role only for zone keys, and the algorithm by name when dig knows it.
    #[test]
    fn key_comments() {
        let rdata = [1, 1, 3, 8, 0xaa];
        assert!(key_comment(rtype::DNSKEY, &rdata, 257, 8).starts_with(" ; KSK; alg = RSASHA256 ; key id = "));
        assert!(key_comment(rtype::KEY, &rdata, 257, 99).starts_with("; alg = 99 ; key id = "));
    }
}
