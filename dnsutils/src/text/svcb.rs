//! SVCB and HTTPS rdata (RFC 9460) as BIND 9.18 prints it: priority, target, then `key=value`
//! parameters in wire order (`alpn="h2,h3" port=443 ipv4hint=1.2.3.4`).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::protocol::codes::svc_param;
use crate::text::escape::{base64, read_name_text};
use crate::wire::cursor::Cursor;

/// Parameter names by key number; others print as `keyN`.
const KEYS: [&str; 8] = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath"];

/// The text of SVCB/HTTPS rdata, or `None` when it does not decode.
pub fn svcb(r: &mut Cursor) -> Option<String> {
    let priority = r.u16()?;
    let mut text = format!("{priority} {}", read_name_text(r)?);
    while !r.done() {
        let key = r.u16()?;
        let length = usize::from(r.u16()?);
        let value = r.take(length)?;
        text.push(' ');
        text.push_str(&param(key, value)?);
    }
    Some(text)
}

fn key_name(key: u16) -> String {
    KEYS.get(usize::from(key)).map_or_else(|| format!("key{key}"), |name| (*name).to_string())
}

/// One `key=value` parameter.
fn param(key: u16, value: &[u8]) -> Option<String> {
    let name = key_name(key);
    let text = match key {
        svc_param::MANDATORY => value
            .chunks(2)
            .map(|pair| pair.get(1).map(|_| key_name(u16::from_be_bytes([pair[0], pair[1]]))))
            .collect::<Option<Vec<_>>>()?
            .join(","),
        svc_param::ALPN => format!("\"{}\"", alpn_list(value)?),
        svc_param::NO_DEFAULT_ALPN if value.is_empty() => return Some(name),
        svc_param::PORT if value.len() == 2 => u16::from_be_bytes([value[0], value[1]]).to_string(),
        svc_param::IPV4HINT if value.len().is_multiple_of(4) => {
            value.chunks(4).map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string()).collect::<Vec<_>>().join(",")
        }
        svc_param::ECH => base64(value),
        svc_param::IPV6HINT if value.len().is_multiple_of(16) => value
            .chunks(16)
            .map(|a| Ipv6Addr::from(<[u8; 16]>::try_from(a).unwrap_or_default()).to_string())
            .collect::<Vec<_>>()
            .join(","),
        _ if value.is_empty() => return Some(name),
        _ => format!("\"{}\"", escaped(value, false)),
    };
    Some(format!("{name}={text}"))
}

/// ALPN ids, comma-separated, commas and backslashes inside an id escaped.
fn alpn_list(value: &[u8]) -> Option<String> {
    let mut r = Cursor::new(value);
    let mut ids = Vec::new();
    while !r.done() {
        ids.push(escaped(r.character_string()?, true));
    }
    Some(ids.join(","))
}

/// Printable bytes as they are, `"` and `\` (and `,` in a list) backslash-escaped, others `\DDD`.
fn escaped(bytes: &[u8], in_list: bool) -> String {
    let mut out = String::new();
    for &byte in bytes {
        match byte {
            b',' if in_list => out.push_str("\\\\,"),
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    }

    /// HTTPS with alpn, port and ipv4hint (captured from dig against knotd).
    #[test]
    fn https_params() {
        let bytes = unhex("000100000100060268320268330003000201BB0004000401020304");
        let mut reader = Cursor::new(&bytes);
        assert_eq!(svcb(&mut reader).as_deref(), Some("1 . alpn=\"h2,h3\" port=443 ipv4hint=1.2.3.4"));
    }

    /// Alias-mode SVCB is priority and target only.
    #[test]
    fn svcb_alias() {
        let bytes = unhex("00000674617267657407636C7573746572056C6F63616C00");
        let mut reader = Cursor::new(&bytes);
        assert_eq!(svcb(&mut reader).as_deref(), Some("0 target.cluster.local."));
    }
}
