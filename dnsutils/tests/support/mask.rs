//! Masks the parts of BIND's output that legitimately differ between two runs or two implementations:
//! query IDs, timings, dates (YAML timestamps included), cookies and the version in dig's greeting. Nothing
//! else is touched.

use std::sync::LazyLock;

use regex::Regex;

/// Pattern and replacement pairs, applied in order.
static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"id: \d+", "id: <ID>"),
        (r"ID mismatch: expected ID \d+, got \d+", "ID mismatch: expected ID <ID>, got <ID>"),
        (r" in \d+ ms", " in <N> ms"),
        (r";; Query time: \d+ msec", ";; Query time: <N> msec"),
        (r"(?m)^;; WHEN: .*$", ";; WHEN: <DATE>"),
        (r"COOKIE: [0-9a-fA-F]+( \([a-z ]+\))?", "COOKIE: <COOKIE>"),
        (r"; <<>> DiG \S+ <<>>", "; <<>> DiG <VERSION> <<>>"),
        // dig +yaml's query_time and response_time.
        (r"!!timestamp \S+", "!!timestamp <TIME>"),
        // The query ID is the first two bytes of a `;; Got bad packet` hex dump and of its ASCII column.
        (r"(?m)^(\d+ bytes\n)[0-9a-f]{2} [0-9a-f]{2}( (?:[0-9a-f]{2} ){14}\s*)..", "${1}<I D>${2}<>"),
    ]
    .into_iter()
    .map(|(pattern, with)| (Regex::new(pattern).expect("valid mask pattern"), with))
    .collect()
});

/// `text` with every legitimately varying part replaced by a placeholder.
pub fn mask(text: &str) -> String {
    MASKS.iter().fold(text.to_owned(), |acc, (re, with)| re.replace_all(&acc, *with).into_owned())
}

#[cfg(test)]
mod tests {
    use super::mask;

    /// Masks an ID, a timing and dig's version without touching the rest of the line.
    #[test]
    fn masks_only_varying_parts() {
        assert_eq!(
            mask("; <<>> DiG 9.18.49-1 <<>> x\nstatus: NOERROR, id: 4242\nReceived 9 bytes from 1.2.3.4#53 in 3 ms"),
            "; <<>> DiG <VERSION> <<>> x\nstatus: NOERROR, id: <ID>\nReceived 9 bytes from 1.2.3.4#53 in <N> ms"
        );
    }

    /// Masks YAML timestamps and nothing around them.
    #[test]
    fn masks_yaml_timestamps() {
        assert_eq!(
            mask("    query_time: !!timestamp 2026-12-01T14:45:36.190Z\n    message_size: 79b"),
            "    query_time: !!timestamp <TIME>\n    message_size: 79b"
        );
    }

    /// Masks the ID bytes at the start of a bad-packet hex dump, and nothing after them.
    #[test]
    fn masks_id_in_hex_dump() {
        let dump = "14 bytes\nef 3b 81 00 00 01 00 02 00 00 00 00 08 70 6f 73          .;...........pos\n";
        let masked = "14 bytes\n<I D> 81 00 00 01 00 02 00 00 00 00 08 70 6f 73          <>...........pos\n";
        assert_eq!(mask(dump), masked);
    }
}
