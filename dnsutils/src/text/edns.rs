//! dig's `;; OPT PSEUDOSECTION:`: the EDNS version, flags and UDP size of a reply, then one line per
//! option (NSID, COOKIE, Extended DNS Errors, others as hex) in dig 9.18's words. The pieces both this and
//! dig's YAML form need (flag words, EDE purposes, cookie verdicts) are here too.

use crate::protocol::codes::edns_flag::{COMPACT_OK, DNSSEC_OK};
use crate::protocol::codes::edns_option;
use crate::wire::reply::OptRecord;

/// The known EDNS flags as BIND lists them (` do co`), and the other bits, which must be zero.
pub fn flag_words(flags: u16) -> (String, u16) {
    let mut words = String::new();
    if flags & DNSSEC_OK != 0 {
        words.push_str(" do");
    }
    if flags & COMPACT_OK != 0 {
        words.push_str(" co");
    }
    (words, flags & !(DNSSEC_OK | COMPACT_OK))
}

/// The `;; OPT PSEUDOSECTION:` block.
/// `sent` marks dig's own query (`+qr`), whose COOKIE has no verdict.
pub fn opt_pseudosection(opt: &OptRecord, sent: bool) -> String {
    let (flags, mbz) = flag_words(opt.flags);
    let mut text = format!(";; OPT PSEUDOSECTION:\n; EDNS: version: {}, flags:{flags}", opt.version);
    if mbz != 0 {
        text.push_str(&format!("; MBZ: 0x{mbz:04x}"));
    }
    text.push_str(&format!("; udp: {}\n", opt.udp_size));
    for (option, value) in &opt.options {
        text.push_str(&edns_option_line(*option, value, sent));
    }
    text
}

/// The purpose of an Extended DNS Error info code, when BIND knows it.
pub fn ede_purpose(info: u16) -> Option<&'static str> {
    EDE_TEXTS.get(usize::from(info)).copied()
}

/// dig's verdict on a reply's COOKIE: none for its own query, `echoed` for a client cookie alone, `good`
/// with a server cookie.
pub fn cookie_verdict(sent: bool, cookie: &[u8]) -> &'static str {
    match (sent, cookie.len()) {
        (true, _) => "",
        (false, 8) => " (echoed)",
        (false, _) => " (good)",
    }
}

/// Option bytes as dig shows them between quotes: printable ASCII, `.` for the rest.
pub fn printable(value: &[u8]) -> String {
    value.iter().map(|&b| if (0x20..0x7f).contains(&b) { char::from(b) } else { '.' }).collect()
}

/// Extended DNS Error purposes by info code (RFC 8914 and its registry).
const EDE_TEXTS: [&str; 25] = [
    "Other",
    "Unsupported DNSKEY Algorithm",
    "Unsupported DS Digest Type",
    "Stale Answer",
    "Forged Answer",
    "DNSSEC Indeterminate",
    "DNSSEC Bogus",
    "Signature Expired",
    "Signature Not Yet Valid",
    "DNSKEY Missing",
    "RRSIGs Missing",
    "No Zone Key Bit Set",
    "NSEC Missing",
    "Cached Error",
    "Not Ready",
    "Blocked",
    "Censored",
    "Filtered",
    "Prohibited",
    "Stale NXDOMAIN Answer",
    "Not Authoritative",
    "Not Supported",
    "No Reachable Authority",
    "Network Error",
    "Invalid Data",
];

/// One EDNS option line as dig 9.18 prints it.
fn edns_option_line(option: u16, value: &[u8], sent: bool) -> String {
    let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
    let printable = printable(value);
    match option {
        edns_option::NSID => format!("; NSID: {} (\"{printable}\")\n", spaced_hex(value)),
        edns_option::EDE if value.len() >= 2 => {
            let info = u16::from_be_bytes([value[0], value[1]]);
            let extra = &value[2..];
            let mut line = format!("; EDE: {info}");
            if let Some(text) = ede_purpose(info) {
                line.push_str(&format!(" ({text})"));
            }
            if !extra.is_empty() {
                line.push_str(&format!(": ({})", String::from_utf8_lossy(extra)));
            }
            line + "\n"
        }
        edns_option::COOKIE => format!("; COOKIE: {hex}{}\n", cookie_verdict(sent, value)),
        _ => format!("; OPT={option}: {} (\"{printable}\")\n", spaced_hex(value)),
    }
}

/// Hex bytes separated by spaces, as dig prints generic EDNS options.
pub fn spaced_hex(value: &[u8]) -> String {
    value.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OPT line for dig's usual reply from knotd (captured).
    #[test]
    fn opt_line() {
        let opt = OptRecord { udp_size: 1232, rcode_high: 0, version: 0, flags: 0, options: Vec::new() };
        assert_eq!(opt_pseudosection(&opt, false), ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n");
    }

    /// EDE options print their code and purpose (captured from dig against knotd's REFUSED).
    #[test]
    fn ede_line() {
        assert_eq!(edns_option_line(edns_option::EDE, &[0, 20], false), "; EDE: 20 (Not Authoritative)\n");
    }

    /// DO and CO are named; other flag bits are reported as must-be-zero.
    #[test]
    fn flag_words_and_mbz() {
        assert_eq!(flag_words(0xc000), (" do co".to_string(), 0));
        assert_eq!(flag_words(0x8001), (" do".to_string(), 1));
    }
}
