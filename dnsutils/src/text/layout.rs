//! How record text is laid out: the column grid BIND pads record lines to, which optional fields a line
//! carries, single-line or `+multiline` rdata, and TTLs and durations written with units or in words.

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
pub fn pad_to(line: &mut String, col: usize) {
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

/// A TTL as `dns_ttl_totext` writes it with units: `1w2d3h4m5s`, zero parts left out, `0s` for 0.
pub fn ttl_with_units(ttl: u32) -> String {
    let parts = [(ttl / 604_800, 'w'), (ttl / 86_400 % 7, 'd'), (ttl / 3600 % 24, 'h'), (ttl / 60 % 60, 'm')];
    let mut text: String = parts.iter().filter(|(n, _)| *n > 0).map(|(n, unit)| format!("{n}{unit}")).collect();
    if !ttl.is_multiple_of(60) || text.is_empty() {
        text.push_str(&format!("{}s", ttl % 60));
    }
    text
}

/// A duration as `dns_ttl_totext` spells it in comments: `2 hours`, `1 day 30 minutes`, `0 seconds`.
pub fn duration_words(seconds: u32) -> String {
    let parts = [
        (seconds / 604_800, "week"),
        (seconds / 86_400 % 7, "day"),
        (seconds / 3600 % 24, "hour"),
        (seconds / 60 % 60, "minute"),
        (seconds % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() { "0 seconds".to_string() } else { words.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TTL units as dig's `+ttlunits` prints them.
    #[test]
    fn ttl_units() {
        assert_eq!(ttl_with_units(30), "30s");
        assert_eq!(ttl_with_units(7200), "2h");
        assert_eq!(ttl_with_units(694_861), "1w1d1h1m1s");
        assert_eq!(ttl_with_units(0), "0s");
    }

    /// Durations in words, plural only above one.
    #[test]
    fn durations() {
        assert_eq!(duration_words(5400), "1 hour 30 minutes");
        assert_eq!(duration_words(0), "0 seconds");
    }

    /// Padding uses tabs to the stop, then spaces, and always at least one character.
    #[test]
    fn pads_like_bind_indent() {
        let mut line = String::from("a.test.");
        pad_to(&mut line, 24);
        assert_eq!(line, "a.test.\t\t\t");
        let mut long = String::from("web.default.svc.cluster.local.");
        pad_to(&mut long, 24);
        assert_eq!(long, "web.default.svc.cluster.local. ");
        let mut odd = String::from("x");
        pad_to(&mut odd, 10);
        assert_eq!(odd, "x\t  ");
    }
}
