//! Resource records as text, the way BIND's `dns_rdata_totext` and `dns_rdataset_totext` write them.
//!
//! Names (BIND's escaping, with or without the final dot), character-strings, and whole record
//! lines laid out on BIND's tab/space column grid ([`Columns`]); the rdata itself comes from
//! [`crate::text::rdata`]. Nothing here does I/O, so every format is pinned by unit tests against
//! output captured from BIND 9.18.

use hickory_proto::op::Query;
use hickory_proto::rr::{Name, Record};

use crate::text::rdata::record_rdata_text;
use crate::text::rdata_uncommon::Layout;

use crate::protocol::mnemonics::{class_text, type_text};

/// Column stops (in characters) of the fields after the owner name; BIND pads with tabs of width 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    /// Where the TTL starts.
    pub ttl: usize,
    /// Where the class starts.
    pub class: usize,
    /// Where the type starts.
    pub rtype: usize,
    /// Where the rdata starts.
    pub rdata: usize,
}

/// `dns_master_style_debug` and dig's default style: 24/32/40/48.
pub const DEFAULT_COLUMNS: Columns = Columns { ttl: 24, class: 32, rtype: 40, rdata: 48 };

/// Which optional fields a record line carries (dig's `+nottl` / `+noclass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineStyle {
    /// The column grid.
    pub columns: Columns,
    /// Print the TTL field.
    pub ttl: bool,
    /// Print the class field.
    pub class: bool,
    /// Print TTLs with units (`1h2m3s`, dig's `+ttlunits`).
    pub ttl_units: bool,
    /// Single-line rdata, or dig's `+multiline`.
    pub layout: Layout,
}

/// The style host's verbose mode and dig's default output share.
pub const DEFAULT_STYLE: LineStyle =
    LineStyle { columns: DEFAULT_COLUMNS, ttl: true, class: true, ttl_units: false, layout: Layout::SingleLine };

/// Pads `line` to column `col` with BIND's `indent()` rule: at least one character, tabs first.
fn pad_to(line: &mut String, col: usize) {
    let cur = line.chars().fold(0, |col, c| if c == '\t' { (col / 8 + 1) * 8 } else { col + 1 });
    let to = col.max(cur + 1);
    let tabs = to / 8 - cur / 8;
    let mut at = cur;
    if tabs > 0 {
        line.extend(std::iter::repeat_n('\t', tabs));
        at = (to / 8) * 8;
    }
    line.extend(std::iter::repeat_n(' ', to - at));
}

/// One label byte in BIND's master-file escaping.
pub(crate) fn push_label_byte(out: &mut String, byte: u8) {
    match byte {
        b'"' | b'(' | b')' | b'.' | b';' | b'\\' | b'@' | b'$' => {
            out.push('\\');
            out.push(char::from(byte));
        }
        0x21..=0x7e => out.push(char::from(byte)),
        _ => out.push_str(&format!("\\{byte:03}")),
    }
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
    let mut out = String::new();
    for (i, label) in name.iter().enumerate() {
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

/// The numeric type of a record.
pub fn record_type_code(record: &Record) -> u16 {
    u16::from(record.record_type())
}

/// A TTL as `dns_ttl_totext` writes it with units: `1w2d3h4m5s`, zero parts left out, `0s` for 0.
pub fn ttl_with_units(ttl: u32) -> String {
    let parts = [(ttl / 604_800, 'w'), (ttl / 86_400 % 7, 'd'), (ttl / 3600 % 24, 'h'), (ttl / 60 % 60, 'm')];
    let mut text: String = parts.iter().filter(|(n, _)| *n > 0).map(|(n, unit)| format!("{n}{unit}")).collect();
    if !ttl.is_multiple_of(60) || text.is_empty() {
        text.push_str(&format!("{}s", ttl % 60));
    }
    text
}

/// A full record line: owner, TTL, class, type and rdata on the column grid of `style`.
pub fn record_line(record: &Record, style: &LineStyle) -> String {
    let mut line = name_text(&record.name);
    let columns = &style.columns;
    if style.ttl {
        pad_to(&mut line, columns.ttl);
        line.push_str(&if style.ttl_units { ttl_with_units(record.ttl) } else { record.ttl.to_string() });
    }
    if style.class {
        pad_to(&mut line, columns.class);
        line.push_str(&class_text(u16::from(record.dns_class)));
    }
    pad_to(&mut line, columns.rtype);
    line.push_str(&type_text(record_type_code(record)));
    pad_to(&mut line, columns.rdata);
    line.push_str(&record_rdata_text(record, style.layout));
    line
}

/// A question line: `;` owner, class and type on the class/type columns (no TTL).
///
/// BIND counts columns from the owner name, so the leading `;` pushes every field one character
/// right of the grid (`;a.test.` gets four tabs, not three).
pub fn question_line(query: &Query, style: &LineStyle) -> String {
    let mut line = name_text(&query.name);
    if style.class {
        pad_to(&mut line, style.columns.class);
        line.push_str(&class_text(u16::from(query.query_class)));
    }
    pad_to(&mut line, style.columns.rtype);
    line.push_str(&type_text(u16::from(query.query_type)));
    format!(";{line}")
}

/// `isc_hex_dump`-style dump used after `;; Got bad packet`: 16 bytes a line, hex then printable text.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = format!("{} bytes\n", bytes.len());
    for chunk in bytes.chunks(16) {
        let mut line = String::new();
        for byte in chunk {
            line.push_str(&format!("{byte:02x} "));
        }
        line.push_str(&" ".repeat((16 - chunk.len()) * 3));
        line.push_str(&" ".repeat(9));
        for &byte in chunk {
            // BIND's dump shows printable ASCII except space and `~`.
            line.push(if (0x21..0x7e).contains(&byte) { char::from(byte) } else { '.' });
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::RData;
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{DNSClass, RecordType};
    use std::str::FromStr;

    fn name(text: &str) -> Name {
        Name::from_str(text).expect("test name")
    }

    fn record(owner: &str, ttl: u32, data: RData) -> Record {
        Record::from_rdata(name(owner), ttl, data)
    }

    /// Owner names past the TTL column get one space; short ones tab to each column (captured from dig).
    #[test]
    fn record_line_follows_column_rule() {
        let long = record("web.default.svc.cluster.local.", 5, RData::A(A::new(10, 96, 0, 20)));
        assert_eq!(record_line(&long, &DEFAULT_STYLE), "web.default.svc.cluster.local. 5 IN\tA\t10.96.0.20");
        let short = record("a.test.", 5, RData::A(A::new(10, 0, 0, 1)));
        assert_eq!(record_line(&short, &DEFAULT_STYLE), "a.test.\t\t\t5\tIN\tA\t10.0.0.1");
        let host = record("kubernetes.default.svc.cluster.local.", 5, RData::A(A::new(10, 96, 0, 1)));
        assert_eq!(record_line(&host, &DEFAULT_STYLE), "kubernetes.default.svc.cluster.local. 5\tIN A\t10.96.0.1");
    }

    /// Question lines skip the TTL column (captured from dig and host -v).
    #[test]
    fn question_line_skips_ttl() {
        let q = Query::query(name("cluster.local."), RecordType::ANY);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";cluster.local.\t\t\tIN\tANY");
        let q = Query::query(name("kubernetes.default.svc.cluster.local."), RecordType::A);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";kubernetes.default.svc.cluster.local. IN A");
        let q = Query::query(name("a.test."), RecordType::A);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";a.test.\t\t\t\tIN\tA");
    }

    /// TTL units as dig's `+ttlunits` prints them.
    #[test]
    fn ttl_units() {
        assert_eq!(ttl_with_units(30), "30s");
        assert_eq!(ttl_with_units(7200), "2h");
        assert_eq!(ttl_with_units(694_861), "1w1d1h1m1s");
        assert_eq!(ttl_with_units(0), "0s");
    }

    /// Special characters in labels are escaped; the root is a lone dot.
    #[test]
    fn names_are_escaped() {
        assert_eq!(name_text(&name("esc\\.aped.cluster.local.")), "esc\\.aped.cluster.local.");
        assert_eq!(name_text(&Name::root()), ".");
        assert_eq!(name_text_no_dot(&name("a.b.")), "a.b");
        let class = DNSClass::IN;
        assert_eq!(class_text(u16::from(class)), "IN");
    }

    /// The hex dump matches BIND's layout (captured from host on a garbage reply).
    #[test]
    fn hex_dump_layout() {
        let bytes = [0x42, 0x92, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o'];
        assert_eq!(
            hex_dump(&bytes),
            "18 bytes\n42 92 81 80 00 01 00 01 00 00 00 00 05 68 65 6c          B............hel\n\
             6c 6f                                                    lo\n"
        );
    }
}
