//! A YAML document as a tree that keeps what a reader of the file sees: the order of keys, each scalar's
//! text and quoting style, tags, and comments (the own-line comments above a key or item, and the one
//! at the end of a line). Injection edits this tree and writes it back, so a manifest comes out as it
//! went in apart from what was added, re-indented in kubectl's block style.
//!
//! Why our own tree rather than a serde value: serde's data model has neither comments nor scalar
//! styles, so `value: "5432"` and `value: 'yes'` could not be written back as they were read, and a
//! comment would be lost. The events come from granit-parser, the parser under serde-saphyr (the
//! workspace's YAML library), which reports comments, styles and positions.
//!
//! [`parse`] reads a stream into [`Document`]s, [`emit`] writes them back; the accessors below are what
//! injection needs to find and add keys.

pub mod emit;
pub mod parse;

/// How a scalar was written; kept so it is written back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block (also what a `>` block is written back as: the same text, unfolded).
    Literal,
}

/// A scalar: its text after YAML's escapes and folding, and its style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The text a YAML reader sees.
    pub text: String,
    /// How it is written.
    pub style: Style,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string, number, boolean or null, as written.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order its keys were written.
    Map(Vec<Entry>),
}

/// A mapping's key and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key (its comments are the ones above the entry).
    pub key: Node,
    /// The value.
    pub value: Node,
}

/// The comments around a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comments {
    /// Own-line comments just above it, each without its `#`.
    pub above: Vec<String>,
    /// The comment at the end of its line.
    pub right: Option<String>,
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its content.
    pub value: Value,
    /// An explicit tag as written (`!!str`, `!local`), if any.
    pub tag: Option<String>,
    /// Its comments.
    pub comments: Comments,
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The top node.
    pub root: Node,
    /// Comments after the last node.
    pub trailing: Vec<String>,
    /// The line the document's content starts on (1-based), for error messages.
    pub line: usize,
}

impl Node {
    fn of(value: Value) -> Node {
        Node { value, tag: None, comments: Comments::default() }
    }

    /// A string, quoted when YAML would otherwise read it as something else.
    pub fn str(text: impl Into<String>) -> Node {
        let text = text.into();
        let style = if emit::plain_is_string(&text) { Style::Plain } else { Style::DoubleQuoted };
        Node::of(Value::Scalar(Scalar { text, style }))
    }

    /// A number or boolean, written plain.
    pub fn plain(value: impl ToString) -> Node {
        Node::of(Value::Scalar(Scalar { text: value.to_string(), style: Style::Plain }))
    }

    /// A multi-line string, written as a `|` block.
    pub fn block(text: impl Into<String>) -> Node {
        Node::of(Value::Scalar(Scalar { text: text.into(), style: Style::Literal }))
    }

    /// A mapping of string keys, in the order given.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::of(Value::Map(entries.into_iter().map(|(k, value)| Entry { key: Node::str(k), value }).collect()))
    }

    /// A sequence.
    pub fn seq(items: impl IntoIterator<Item = Node>) -> Node {
        Node::of(Value::Seq(items.into_iter().collect()))
    }

    /// The text of a scalar (whatever its style), or `None` for a collection.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(scalar) => Some(&scalar.text),
            _ => None,
        }
    }

    /// Whether this is a null: an empty plain scalar, `null`, `Null`, `NULL` or `~`.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(Scalar { text, style: Style::Plain })
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key.as_str() == Some(key)).map(|e| &e.value),
            _ => None,
        }
    }

    /// The value under `key` in a mapping, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries.iter_mut().find(|e| e.key.as_str() == Some(key)).map(|e| &mut e.value),
            _ => None,
        }
    }

    /// The text under `key`, if it is a scalar.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Follows `path` through nested mappings.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Follows `path` through nested mappings, to change.
    pub fn at_mut(&mut self, path: &[&str]) -> Option<&mut Node> {
        path.iter().try_fold(self, |node, key| node.get_mut(key))
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Sets `key` to `value` in a mapping: replaces the value (keeping the entry's place and comments)
    /// or appends a new entry. Does nothing to a node that is not a mapping.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Value::Map(entries) = &mut self.value {
            match entries.iter_mut().find(|e| e.key.as_str() == Some(key)) {
                Some(entry) => {
                    let comments = std::mem::take(&mut entry.value.comments);
                    entry.value = value;
                    entry.value.comments = comments;
                }
                None => entries.push(Entry { key: Node::str(key), value }),
            }
        }
    }

    /// The mapping under `key`, made (or a null there replaced by an empty one) when missing.
    /// `None` when this is not a mapping or `key` holds something other than a mapping or null.
    pub fn map_at(&mut self, key: &str) -> Option<&mut Node> {
        self.collection_at(key, || Value::Map(Vec::new()), |v| matches!(v, Value::Map(_)))
    }

    /// The items of the sequence under `key`, made when missing (or null), like [`Node::map_at`].
    pub fn seq_at(&mut self, key: &str) -> Option<&mut Vec<Node>> {
        match &mut self.collection_at(key, || Value::Seq(Vec::new()), |v| matches!(v, Value::Seq(_)))?.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn collection_at(&mut self, key: &str, empty: fn() -> Value, fits: fn(&Value) -> bool) -> Option<&mut Node> {
        if !matches!(self.value, Value::Map(_)) {
            return None;
        }
        match self.get(key) {
            Some(existing) if existing.is_null() => self.set(key, Node::of(empty())),
            Some(existing) if !fits(&existing.value) => return None,
            Some(_) => {}
            None => self.set(key, Node::of(empty())),
        }
        self.get_mut(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Setting an existing key keeps its place and comments; a new key goes last.
    #[test]
    fn set_keeps_place() {
        let mut node = Node::map([("a", Node::plain(1)), ("b", Node::plain(2))]);
        node.get_mut("a").expect("a").comments.right = Some(" one".into());
        node.set("a", Node::plain(3));
        node.set("c", Node::plain(4));
        let Value::Map(entries) = &node.value else { panic!("a map") };
        let keys: Vec<_> = entries.iter().filter_map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(node.get_str("a"), Some("3"));
        assert_eq!(node.get("a").expect("a").comments.right.as_deref(), Some(" one"));
    }

    /// A missing or null key becomes an empty collection; a scalar there is refused.
    #[test]
    fn collections_are_made_where_missing() {
        let mut node = Node::map([("labels", Node::plain("")), ("name", Node::str("x"))]);
        node.map_at("labels").expect("made").set("app", Node::str("web"));
        assert_eq!(node.at(&["labels", "app"]).and_then(Node::as_str), Some("web"));
        assert!(node.seq_at("volumes").expect("made").is_empty());
        assert!(node.map_at("name").is_none());
        assert!(Node::str("scalar").map_at("x").is_none());
    }

    /// Strings that YAML would read as numbers, booleans or null are quoted; others stay plain.
    #[test]
    fn strings_quoted_only_when_needed() {
        for (text, style) in [
            ("web", Style::Plain),
            ("0.0.0.0:4191", Style::Plain),
            ("4143", Style::DoubleQuoted),
            ("true", Style::DoubleQuoted),
            ("", Style::DoubleQuoted),
            ("{\"ns\":1}", Style::DoubleQuoted),
        ] {
            let Value::Scalar(scalar) = Node::str(text).value else { panic!("scalar") };
            assert_eq!(scalar.style, style, "{text:?}");
        }
    }
}
