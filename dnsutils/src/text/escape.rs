//! The escapes of BIND's master-file text: names (labels escaped, with or without the final dot),
//! character-strings in double quotes, and the hex and base64 forms of binary fields, split into words
//! the way `dns_rdata_totext` splits them.

use hickory_proto::rr::Name;

use crate::wire::cursor::Cursor;

/// BIND breaks long hex and base64 fields into words of this many characters on one line.
pub const WORD: usize = 56;

/// One label byte in BIND's master-file escaping.
pub fn push_label_byte(out: &mut String, byte: u8) {
    match byte {
        b'"' | b'(' | b')' | b'.' | b';' | b'\\' | b'@' | b'$' => {
            out.push('\\');
            out.push(char::from(byte));
        }
        0x21..=0x7e => out.push(char::from(byte)),
        _ => out.push_str(&format!("\\{byte:03}")),
    }
}

/// Labels joined with dots, each escaped; `.` when there are none.
fn labels_text<'a>(labels: impl Iterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for (i, label) in labels.enumerate() {
        if i > 0 {
            out.push('.');
        }
        for &byte in label {
            push_label_byte(&mut out, byte);
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Labels read from rdata as an absolute name in BIND's text form (`.` for the root).
pub fn absolute_labels_text(labels: &[&[u8]]) -> String {
    let text = labels_text(labels.iter().copied());
    if text == "." { text } else { format!("{text}.") }
}

/// The uncompressed name at the cursor as BIND prints it in rdata, or `None` when it does not decode.
pub fn read_name_text(cursor: &mut Cursor) -> Option<String> {
    Some(absolute_labels_text(&cursor.labels()?))
}

/// The character-string at the cursor, quoted, or `None` when it does not fit.
pub fn read_string_text(cursor: &mut Cursor) -> Option<String> {
    Some(quoted_string(cursor.character_string()?))
}

/// A name as BIND prints it in records: escaped labels and a final dot (`.` for the root).
pub fn name_text(name: &Name) -> String {
    let mut out = name_text_no_dot(name);
    if out != "." {
        out.push('.');
    }
    out
}

/// A name as `dns_name_format` prints it for people (`Trying "x"`, host's owner names): no final dot.
pub fn name_text_no_dot(name: &Name) -> String {
    labels_text(name.iter())
}

/// A character-string in double quotes, escaping `"` and `\` and non-printable bytes as `\DDD`.
pub fn quoted_string(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03}")),
        }
    }
    out.push('"');
    out
}

/// Splits `text` into space-separated words of `width` characters.
pub fn words(text: &str, width: usize) -> String {
    chunks(text, width).join(" ")
}

/// `text` cut into pieces of `width` characters.
pub fn chunks(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|chunk| chunk.iter().collect()).collect()
}

/// Upper-case hex without separators, as rdata fields print.
pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Special characters in labels are escaped; the root is a lone dot.
    #[test]
    fn names_are_escaped() {
        let name = |text: &str| Name::from_str(text).expect("test name");
        assert_eq!(name_text(&name("esc\\.aped.cluster.local.")), "esc\\.aped.cluster.local.");
        assert_eq!(name_text(&Name::root()), ".");
        assert_eq!(name_text_no_dot(&name("a.b.")), "a.b");
        assert_eq!(absolute_labels_text(&[b"a", b"b;"]), "a.b\\;.");
        assert_eq!(absolute_labels_text(&[]), ".");
    }

    /// Strings escape quotes and backslashes, and non-printable bytes as decimal.
    #[test]
    fn strings_are_quoted() {
        assert_eq!(quoted_string(b"say \"hi\"\\"), r#""say \"hi\"\\""#);
        assert_eq!(quoted_string(&[9, 0xff]), r#""\009\255""#);
    }

    /// Base64 with padding, for keys; words split at the given width.
    #[test]
    fn base64_and_words() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(words("abcdef", 4), "abcd ef");
        assert_eq!(hex_upper(&[0xab, 1]), "AB01");
    }
}
