//! A YAML stream cut into its documents, each with its place in the text.
//!
//! serde-saphyr can read a whole multi-document stream, but write-back needs more: which bytes belong to
//! which document, so that patching one object rewrites that document only and leaves every other byte of
//! the file as it was. A YAML document marker is a line starting with `---` followed by a space or the end
//! of the line (YAML forbids such a line inside a document's content, block scalars included), so cutting
//! at those lines is exact. Each [`Document`] is then parsed on its own, with its line numbers mapped back
//! to the file's.

use std::ops::Range;

use serde_json::Value;
use serde_saphyr::SnippetMode;

/// One document of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Document<'a> {
    /// Its number in the stream, counting from 1.
    pub index: usize,
    /// The file line its content starts on, counting from 1.
    pub line: usize,
    /// Its content's bytes in the file: after the `---` of its marker (if any) up to the next marker.
    pub range: Range<usize>,
    /// That content.
    pub text: &'a str,
}

/// Cut a YAML stream into documents.
///
/// Text before the first marker counts as a document only when it holds more than blank lines and comments,
/// so a file that starts with `---` numbers its first document 1.
pub(crate) fn split(text: &str) -> Vec<Document<'_>> {
    let mut starts = vec![(0, 1)];
    let mut offset = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        if is_marker(line) {
            starts.push((offset + 3, number + 1));
        }
        offset += line.len();
    }
    let mut documents = Vec::new();
    for (at, &(start, line)) in starts.iter().enumerate() {
        let end = starts.get(at + 1).map_or(text.len(), |&(next, _)| next - 3);
        let content = &text[start..end];
        if at == 0 && starts.len() > 1 && is_blank(content) {
            continue;
        }
        documents.push(Document { index: documents.len() + 1, line, range: start..end, text: content });
    }
    documents
}

/// Whether a line is a document marker: `---` then whitespace or nothing.
fn is_marker(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

/// Whether text is only blank lines and comments.
fn is_blank(text: &str) -> bool {
    text.lines().map(str::trim).all(|line| line.is_empty() || line.starts_with('#'))
}

impl Document<'_> {
    /// The document's value, or `None` for an empty document; the error is one line with file line numbers.
    pub fn parse(&self) -> Result<Option<Value>, String> {
        serde_saphyr::from_str::<Option<Value>>(self.text).map_err(|error| {
            let options = serde_saphyr::render_options! {
                snippets: SnippetMode::Off,
                line_offset: (self.line - 1) as u64,
            };
            error.render_with_options(options).replace('\n', " ")
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Documents are cut at marker lines and know their numbers, lines and bytes.
    #[test]
    fn splits_at_markers() {
        let text = "---\na: 1\n--- # second\nb: 2\n---\n";
        let documents = split(text);
        let found: Vec<_> = documents.iter().map(|d| (d.index, d.line, d.text)).collect();
        assert_eq!(found, [(1, 1, "\na: 1\n"), (2, 3, " # second\nb: 2\n"), (3, 5, "\n")]);
        assert_eq!(&text[documents[1].range.clone()], " # second\nb: 2\n");
    }

    /// A stream without a leading marker starts with its first document.
    #[test]
    fn first_document_may_have_no_marker() {
        let documents = split("a: 1\n---\nb: 2\n");
        assert_eq!(documents.iter().map(|d| d.text).collect::<Vec<_>>(), ["a: 1\n", "\nb: 2\n"]);
        assert_eq!(documents[1].line, 2);
    }

    /// `---` inside a value or indented is content, not a marker.
    #[test]
    fn only_column_zero_markers_cut() {
        let documents = split("a: '---'\nb: |\n  ---x\n----\n");
        assert_eq!(documents.len(), 1);
    }

    /// Empty and comment-only documents parse to nothing; objects parse to JSON values.
    #[test]
    fn parses_documents() {
        let documents = split("# header\n---\n# nothing here\n---\nkind: Service\nspec: {ports: [{port: 80}]}\n");
        assert_eq!(documents[0].parse(), Ok(None));
        assert_eq!(documents[1].parse(), Ok(Some(json!({"kind": "Service", "spec": {"ports": [{"port": 80}]}}))));
    }

    /// A syntax error is reported on one line, at the line of the file (not of the document).
    #[test]
    fn parse_errors_carry_file_lines() {
        let documents = split("a: 1\n---\nkind: Service\nmetadata:\n  name: [unclosed\n");
        let error = documents[1].parse().expect_err("unclosed bracket");
        assert!(error.contains("line 5"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }
}
