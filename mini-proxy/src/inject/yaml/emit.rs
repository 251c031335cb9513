//! Writes [`Document`]s back as YAML in kubectl's block style: two-space indentation, a sequence's
//! dashes at its key's indentation, empty collections as `{}` and `[]`. Scalars keep their style unless
//! it cannot hold their text (a multi-line quoted or plain scalar becomes double-quoted), so every
//! scalar reads back as the same text and the same type.

use std::fmt::Write as _;

use super::{Document, Entry, Node, Scalar, Style, Value};

/// The stream as text, documents separated by `---`.
pub fn emit(documents: &[Document]) -> String {
    let mut writer = Writer::default();
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            writer.out.push_str("---\n");
        }
        writer.comments(&document.root.comments.above, 0);
        writer.node(&document.root, 0, At::Line, None);
        writer.comments(&document.trailing, 0);
    }
    writer.out
}

/// Where a node is written: at the start of a line, after `key:`, or after `-`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Line,
    Key,
    Dash,
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn pad(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    fn comments(&mut self, comments: &[String], indent: usize) {
        for comment in comments {
            self.pad(indent);
            self.out.push('#');
            self.out.push_str(comment);
            self.out.push('\n');
        }
    }

    fn end_line(&mut self, right: Option<&str>) {
        if let Some(comment) = right {
            self.out.push_str(" #");
            self.out.push_str(comment);
        }
        self.out.push('\n');
    }

    /// Writes `node`. `indent` is the column of the line's content for `Line`, of the key for `Key`,
    /// and of the text after `- ` for `Dash`. `right` is a comment for the first line.
    fn node(&mut self, node: &Node, indent: usize, at: At, right: Option<&str>) {
        let right = node.comments.right.as_deref().or(right);
        let inline = match &node.value {
            Value::Scalar(_) => true,
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
        };
        if at == At::Line {
            self.pad(indent);
        }
        if inline {
            let text = inline_text(node, indent, at);
            if !text.is_empty() && at != At::Line {
                self.out.push(' ');
            }
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            self.out.push_str(first);
            self.end_line(right);
            if !rest.is_empty() {
                self.out.push_str(rest);
                self.out.push('\n');
            }
            return;
        }
        let first_above = match &node.value {
            Value::Seq(items) => items.first().map(|i| !i.comments.above.is_empty()),
            Value::Map(entries) => entries.first().map(|e| !e.key.comments.above.is_empty()),
            Value::Scalar(_) => None,
        };
        let same_line = at == At::Dash && node.tag.is_none() && right.is_none() && first_above == Some(false);
        match (same_line, at, &node.tag) {
            (true, ..) => self.out.push(' '),
            (false, At::Line, None) => {
                if let Some(comment) = right {
                    self.out.push('#');
                    self.out.push_str(comment);
                    self.out.push('\n');
                }
            }
            (false, At::Line, Some(tag)) => {
                self.out.push_str(tag);
                self.end_line(right);
            }
            (false, _, tag) => {
                if let Some(tag) = tag {
                    self.out.push(' ');
                    self.out.push_str(tag);
                }
                self.end_line(right);
            }
        }
        let child = match (&node.value, at) {
            (Value::Map(_), At::Key) => indent + 2,
            _ => indent,
        };
        match &node.value {
            Value::Map(entries) => self.entries(entries, child, same_line),
            Value::Seq(items) => self.items(items, child, same_line),
            Value::Scalar(_) => {}
        }
    }

    fn entries(&mut self, entries: &[Entry], indent: usize, first_inline: bool) {
        for (i, entry) in entries.iter().enumerate() {
            if !(i == 0 && first_inline) {
                self.comments(&entry.key.comments.above, indent);
                self.pad(indent);
            }
            self.comments_after_key(&entry.value.comments.above, indent);
            self.out.push_str(&key_text(&entry.key));
            self.out.push(':');
            self.node(&entry.value, indent, At::Key, entry.key.comments.right.as_deref());
        }
    }

    /// A comment written between a key and its value is moved above the key's line: it cannot be
    /// written inside `key: value`, and above is where a reader looks for it.
    fn comments_after_key(&mut self, comments: &[String], indent: usize) {
        if comments.is_empty() {
            return;
        }
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let mut moved = String::new();
        for comment in comments {
            moved.extend(std::iter::repeat_n(' ', indent));
            let _ = writeln!(moved, "#{comment}");
        }
        self.out.insert_str(line_start, &moved);
    }

    fn items(&mut self, items: &[Node], indent: usize, first_inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if !(i == 0 && first_inline) {
                self.comments(&item.comments.above, indent);
                self.pad(indent);
            }
            self.out.push('-');
            self.node(item, indent + 2, At::Dash, None);
        }
    }
}

/// A scalar or empty collection as it follows `key:` or `-` (literal blocks run on to further lines).
fn inline_text(node: &Node, indent: usize, at: At) -> String {
    let body = match &node.value {
        Value::Scalar(scalar) => scalar_text(scalar, if at == At::Key { indent + 2 } else { indent.max(2) }),
        Value::Seq(_) => "[]".to_string(),
        Value::Map(_) => "{}".to_string(),
    };
    match &node.tag {
        Some(tag) if body.is_empty() => tag.clone(),
        Some(tag) => format!("{tag} {body}"),
        None => body,
    }
}

fn key_text(key: &Node) -> String {
    match &key.value {
        Value::Scalar(scalar) if !scalar.text.contains('\n') && scalar.style != Style::Literal => {
            inline_text(key, 0, At::Key)
        }
        _ => flow_text(key),
    }
}

/// A collection used as a key, in flow style with every scalar double-quoted.
fn flow_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(scalar) => double_quoted(&scalar.text),
        Value::Seq(items) => format!("[{}]", items.iter().map(flow_text).collect::<Vec<_>>().join(", ")),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{}: {}", flow_text(&e.key), flow_text(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn scalar_text(scalar: &Scalar, block_indent: usize) -> String {
    let text = &scalar.text;
    match scalar.style {
        Style::Plain if !text.contains('\n') => text.clone(),
        Style::SingleQuoted if !text.contains('\n') => format!("'{}'", text.replace('\'', "''")),
        Style::Literal if literal_can_hold(text) => literal(text, block_indent),
        _ => double_quoted(text),
    }
}

fn literal_can_hold(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// `|` with the chomping indicator that gives back exactly `text`'s trailing newlines, and an
/// indentation indicator when the first line starts with a space.
fn literal(text: &str, indent: usize) -> String {
    let body = text.strip_suffix('\n');
    let chomp = match body {
        None => "-",
        Some(body) if body.ends_with('\n') || body.is_empty() => "+",
        Some(_) => "",
    };
    let lead = if text.starts_with(' ') || text.starts_with('\n') { "2" } else { "" };
    let mut out = format!("|{lead}{chomp}\n");
    for line in body.unwrap_or(text).split('\n') {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
        out.push('\n');
    }
    out.pop();
    out
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text`, written plain, reads back as this same string in YAML 1.1 and 1.2 (so not as a
/// number, boolean, null or timestamp, and not cut short by an indicator).
pub fn plain_is_string(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    let second = text.chars().nth(1);
    let bad_start = match first {
        '-' | '?' | ':' => second.is_none_or(|c| c == ' '),
        '[' | ']' | '{' | '}' | ',' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => true,
        c => c.is_whitespace(),
    };
    let words =
        ["~", "null", "y", "yes", "n", "no", "true", "false", "on", "off", ".inf", "-.inf", "+.inf", ".nan", "<<", "="];
    !bad_start
        && !text.ends_with(char::is_whitespace)
        && !text.ends_with(':')
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.chars().any(char::is_control)
        && !words.contains(&text.to_ascii_lowercase().as_str())
        && !looks_numeric(text)
}

fn looks_numeric(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let digits = |s: &str, radix| !s.is_empty() && s.chars().all(|c| c == '_' || c.is_digit(radix));
    if let Some(rest) = unsigned.strip_prefix("0x") {
        return digits(rest, 16);
    }
    if let Some(rest) = unsigned.strip_prefix("0o").or_else(|| unsigned.strip_prefix("0b")) {
        return digits(rest, 8);
    }
    let bytes = unsigned.as_bytes();
    let date_like = bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
    if date_like {
        return true;
    }
    if let Some((whole, sexagesimal)) = unsigned.split_once(':') {
        let (parts, fraction) = sexagesimal.split_once('.').unwrap_or((sexagesimal, ""));
        return digits(whole, 10)
            && parts.split(':').all(|p| (1..=2).contains(&p.len()) && digits(p, 10))
            && fraction.chars().all(|c| c == '_' || c.is_ascii_digit());
    }
    let starts_like_number = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    starts_like_number && unsigned.replace('_', "").parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn round_trip(text: &str) -> String {
        emit(&parse(text).expect("yaml"))
    }

    /// kubectl's block style: sequences at their key's indentation, maps in items start on the dash line.
    #[test]
    fn block_style() {
        let text = "a:\n  b: 1\n  c:\n  - name: x\n    v: \"2\"\n  - plain\n  - - nested\n    - two\nd: {}\ne: []\n";
        assert_eq!(round_trip(text), text);
        assert_eq!(round_trip("a: {b: [1, 'two']}\n"), "a:\n  b:\n  - 1\n  - 'two'\n");
    }

    /// Comments come back above their key or item and at the end of their line.
    #[test]
    fn comments_stay() {
        let text = "# head\nkind: Deployment # inline\nspec:\n  # about containers\n  containers:\n  # the app\n  - name: web # name\n    image: x\n# tail\n";
        assert_eq!(round_trip(text), text);
    }

    /// Block scalars keep their exact text, trailing newlines included.
    #[test]
    fn literal_blocks() {
        for text in ["a: |\n  one\n  two\n", "a: |-\n  one\n", "a: |+\n  one\n\n", "a:\n- |\n  x\n\n  y\n"] {
            assert_eq!(round_trip(text), text);
        }
        assert_eq!(round_trip("a: >\n  folded\n  text\n"), "a: |\n  folded text\n");
    }

    /// Quoted strings stay quoted and escapes survive; a multi-line quoted string becomes double-quoted.
    #[test]
    fn quoting() {
        let text = "a: 'it''s'\nb: \"tab\\there\"\nc: yes\nd: \"yes\"\ne: !!str 5\nf:\n";
        assert_eq!(round_trip(text), text);
        assert_eq!(round_trip("a: 'one\n\n  two'\n"), "a: \"one\\ntwo\"\n");
    }

    /// A second pass changes nothing.
    #[test]
    fn fixpoint() {
        let text = "a: [1, {b: c}] # c\n---\nx: &y {k: 'v'}\nz: *y\n";
        let once = round_trip(text);
        assert_eq!(round_trip(&once), once);
    }

    /// Numbers, booleans, nulls and timestamps are recognised in YAML 1.1 and 1.2 spellings.
    #[test]
    fn plain_strings() {
        for text in ["4143", "-1", "1e3", "0x1F", "1_000", "1:20", "2024-01-01", ".5", "Yes", "NULL", "~", "- x"] {
            assert!(!plain_is_string(text), "{text:?}");
        }
        for text in
            ["web", "0.0.0.0:4191", "--proxy-uid", "10000ms", "$(_pod_sa).x", "a,b", "linkerd.io/inject", "日本語"]
        {
            assert!(plain_is_string(text), "{text:?}");
        }
    }
}
