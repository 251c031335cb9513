//! Text forms of the less common record types, decoded from their uncompressed wire bytes.
//!
//! hickory-proto decodes these either not at all (DNAME, RP, AFSDB, DS, DNSKEY, URI, SPF...) or
//! into structures whose text differs from BIND's. Their wire forms are simple, so this module reads
//! the raw rdata directly and writes BIND's presentation: hex and base64 in 56-character words,
//! character-strings quoted, names absolute. Anything that does not decode cleanly returns `None`
//! and is shown in RFC 3597 form instead.

use crate::presentation::{push_label_byte, quoted_string};

/// BIND breaks long hex and base64 fields into words of this many characters on one line.
const WORD: usize = 56;

/// A cursor over rdata bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let value = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(value)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at + length)?;
        self.at += length;
        Some(slice)
    }

    fn rest(&mut self) -> &'a [u8] {
        let slice = &self.bytes[self.at.min(self.bytes.len())..];
        self.at = self.bytes.len();
        slice
    }

    fn string(&mut self) -> Option<String> {
        let length = usize::from(self.u8()?);
        Some(quoted_string(self.take(length)?))
    }

    /// An uncompressed name in BIND's text form (a compression pointer makes the record undecodable).
    fn name(&mut self) -> Option<String> {
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

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// Splits `text` into space-separated words of [`WORD`] characters.
fn words(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(WORD).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Upper-case hex in words.
fn hex(bytes: &[u8]) -> String {
    words(&bytes.iter().map(|b| format!("{b:02X}")).collect::<String>())
}

/// Standard base64 with padding, in words.
fn base64(bytes: &[u8]) -> String {
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
    words(&out)
}

/// BIND's text for `rtype` rdata `bytes`, for the types this module knows.
pub fn text(rtype: u16, bytes: &[u8]) -> Option<String> {
    let mut r = Reader { bytes, at: 0 };
    let text = match rtype {
        39 => r.name()?,
        17 => format!("{} {}", r.name()?, r.name()?),
        18 | 21 | 36 => format!("{} {}", r.u16()?, r.name()?),
        35 => format!("{} {} {} {} {} {}", r.u16()?, r.u16()?, r.string()?, r.string()?, r.string()?, r.name()?),
        44 => format!("{} {} {}", r.u8()?, r.u8()?, hex(r.rest())),
        52 | 53 => format!("{} {} {} {}", r.u8()?, r.u8()?, r.u8()?, hex(r.rest())),
        43 | 59 | 32769 => format!("{} {} {} {}", r.u16()?, r.u8()?, r.u8()?, hex(r.rest())),
        25 | 48 | 60 => format!("{} {} {} {}", r.u16()?, r.u8()?, r.u8()?, base64(r.rest())),
        256 => format!("{} {} {}", r.u16()?, r.u16()?, quoted_string(r.rest())),
        99 => {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    }

    /// DNAME, RP and AFSDB names (captured from dig against knotd).
    #[test]
    fn name_types() {
        let target = unhex("0674617267657407636C7573746572056C6F63616C00");
        assert_eq!(text(39, &target).as_deref(), Some("target.cluster.local."));
        let afsdb = unhex("00010361667307636C7573746572056C6F63616C00");
        assert_eq!(text(18, &afsdb).as_deref(), Some("1 afs.cluster.local."));
    }

    /// DS digests are upper-case hex split after 56 digits.
    #[test]
    fn ds_digest_words() {
        let ds = unhex("30390802E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
        assert_eq!(
            text(43, &ds).as_deref(),
            Some("12345 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D")
        );
    }

    /// NAPTR strings are quoted and the replacement is a name.
    #[test]
    fn naptr_fields() {
        let naptr = unhex("0064000A0155074532552B7369701B215E2E2A24217369703A696E666F406578616D706C652E636F6D2100");
        assert_eq!(text(35, &naptr).as_deref(), Some(r#"100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" ."#));
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
        assert_eq!(text(256, &uri).as_deref(), Some("10 1 \"https://example.com/\""));
        assert_eq!(text(39, &unhex("0000")), None);
    }
}
