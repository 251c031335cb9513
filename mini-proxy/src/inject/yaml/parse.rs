//! Reads a YAML stream into [`Document`]s from granit-parser's events.
//!
//! Comments reach us as events between nodes: an own-line comment is held until the next node starts
//! and becomes one of its `above` comments; a comment at the end of a line goes to the node that just
//! ended on that line. A node is therefore placed into its parent only when the next event arrives.
//! Aliases are expanded into copies of their anchored node, so what injection sees is what a
//! Kubernetes client would read.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, Placement, ScalarStyle, ScanError, Span, Tag};

use super::{Comments, Document, Entry, Node, Scalar, Style, Value};

/// Parses every document of `text`. Empty documents (nothing but `---`) are left out.
pub fn parse(text: &str) -> Result<Vec<Document>, ScanError> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        builder.event(event, span);
    }
    Ok(builder.documents)
}

struct Frame {
    node: Node,
    anchor: usize,
    key: Option<Node>,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// The node that just ended, and its last line, until the next event shows whether a comment
    /// follows it on that line.
    finished: Option<(Node, usize)>,
    pending: Vec<String>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    line: usize,
    documents: Vec<Document>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) {
        if let Event::Comment(text, placement) = &event {
            self.comment(text, *placement, span);
            return;
        }
        self.place_finished();
        if self.line == 0 && matches!(event, Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)) {
            self.line = span.start.line();
        }
        match event {
            Event::DocumentStart(..) => {
                self.root = None;
                self.anchors.clear();
                self.line = 0;
            }
            Event::DocumentEnd => self.end_document(),
            Event::StreamEnd => {
                let trailing = std::mem::take(&mut self.pending);
                if let Some(last) = self.documents.last_mut() {
                    last.trailing.extend(trailing);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    _ => Style::Literal,
                };
                // An empty value (`key:`) arrives as `~` with an empty span; keep it empty.
                let implicit_null = style == Style::Plain && span.start.index() == span.end.index();
                let text = if implicit_null { String::new() } else { text.into_owned() };
                let node = self.start(Value::Scalar(Scalar { text, style }), tag.as_deref());
                self.finish(node, anchor, span);
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.start_collection(Value::Seq(Vec::new()), anchor, tag.as_deref())
            }
            Event::MappingStart(_, anchor, tag) => {
                self.start_collection(Value::Map(Vec::new()), anchor, tag.as_deref())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    self.finish(frame.node, frame.anchor, span);
                }
            }
            Event::Alias(id) => {
                let mut node = self.anchors.get(&id).cloned().unwrap_or_else(|| Node::plain(""));
                node.comments = Comments { above: std::mem::take(&mut self.pending), right: None };
                self.finish(node, 0, span);
            }
            _ => {}
        }
    }

    fn comment(&mut self, text: &str, placement: Placement, span: Span) {
        match (&mut self.finished, placement) {
            (Some((node, line)), Placement::Right) if *line == span.start.line() => {
                node.comments.right = Some(text.to_string());
            }
            _ => self.pending.push(text.to_string()),
        }
    }

    /// A collection that is a mapping's value leaves the comments above it to its first key or item:
    /// in `key:` / `# comment` / `  first: 1` the comment is about `first`.
    fn start_collection(&mut self, value: Value, anchor: usize, tag: Option<&Tag>) {
        let is_value = matches!(self.stack.last(), Some(Frame { key: Some(_), .. }));
        let pending = if is_value { std::mem::take(&mut self.pending) } else { Vec::new() };
        let node = self.start(value, tag);
        self.pending = pending;
        self.stack.push(Frame { node, anchor, key: None });
    }

    fn start(&mut self, value: Value, tag: Option<&Tag>) -> Node {
        let comments = Comments { above: std::mem::take(&mut self.pending), right: None };
        Node { value, tag: tag.map(tag_text), comments }
    }

    fn finish(&mut self, node: Node, anchor: usize, span: Span) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.finished = Some((node, span.end.line()));
    }

    fn place_finished(&mut self) {
        let Some((node, _)) = self.finished.take() else { return };
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        match &mut frame.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match frame.key.take() {
                None => frame.key = Some(node),
                Some(key) => entries.push(Entry { key, value: node }),
            },
            Value::Scalar(_) => {}
        }
    }

    fn end_document(&mut self) {
        let trailing = std::mem::take(&mut self.pending);
        match self.root.take() {
            Some(root) if !root.is_null() || !root.comments.above.is_empty() => {
                self.documents.push(Document { root, trailing, line: self.line })
            }
            _ => {
                if let Some(last) = self.documents.last_mut() {
                    last.trailing.extend(trailing);
                }
            }
        }
    }
}

/// A tag as it is written back: `!!name` for YAML's own, `!name` for local ones, `!<uri>` otherwise.
fn tag_text(tag: &Tag) -> String {
    match tag.handle() {
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix()),
        "!" => format!("!{}", tag.suffix()),
        handle => format!("!<{handle}{}>", tag.suffix()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<&str> {
        match &node.value {
            Value::Map(entries) => entries.iter().filter_map(|e| e.key.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// Keys keep their order, scalars their style, and both kinds of comment their node.
    #[test]
    fn order_styles_and_comments() {
        let docs = parse("# top\nb: 1 # one\na: 'x'\nc:\n  # above d\n  d: \"5432\"\n").expect("yaml");
        let root = &docs[0].root;
        assert_eq!(keys(root), ["b", "a", "c"]);
        assert_eq!(root.comments.above, [" top"]);
        assert_eq!(root.get("b").and_then(|n| n.comments.right.as_deref()), Some(" one"));
        let Value::Scalar(a) = &root.get("a").expect("a").value else { panic!("scalar") };
        assert_eq!(a.style, Style::SingleQuoted);
        let Value::Map(c) = &root.get("c").expect("c").value else { panic!("map") };
        assert_eq!(c[0].key.comments.above, [" above d"]);
        assert_eq!(c[0].value.as_str(), Some("5432"));
    }

    /// Documents are split at `---`, empty ones dropped, and the line of each recorded.
    #[test]
    fn documents() {
        let docs = parse("a: 1\n---\n---\nb: 2\n# end\n").expect("yaml");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].root.get_str("b"), Some("2"));
        assert_eq!(docs[1].line, 4);
        assert_eq!(docs[1].trailing, [" end"]);
    }

    /// An alias becomes a copy of its anchored node; tags are kept.
    #[test]
    fn aliases_and_tags() {
        let docs = parse("a: &x {k: v}\nb: *x\nc: !!str 1\n").expect("yaml");
        assert_eq!(docs[0].root.at(&["b", "k"]).and_then(Node::as_str), Some("v"));
        assert_eq!(docs[0].root.get("c").and_then(|n| n.tag.as_deref()), Some("!!str"));
    }

    /// Broken YAML is an error with its position.
    #[test]
    fn syntax_errors() {
        let error = parse("a: [1, 2\nb: c\n").expect_err("unclosed");
        assert!(error.to_string().contains("line"), "{error}");
    }
}
