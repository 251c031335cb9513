//! Label selectors in kubectl's text syntax, parsed into kube's [`Selector`].
//!
//! kube 5 can match a [`Selector`] against labels and print it for the API, but it cannot parse the text
//! form people write (`app=web,tier in (a,b),!legacy`). This module is that parser, so one selector string
//! means the same thing to the API server (which gets the selector back as text) and to the file source
//! (which matches it locally with [`SelectorExt::matches`](kube::core::SelectorExt::matches)).
//!
//! Supported, as in Kubernetes: `key`, `!key`, `key=value`, `key==value`, `key!=value`,
//! `key in (v1,v2)`, `key notin (v1,v2)`, joined by commas. The numeric `>`/`<` operators are refused,
//! because kube's [`Expression`] cannot hold them.

use std::collections::BTreeSet;

use kube::core::{Expression, Selector};

/// Parse a label selector; an empty string selects everything.
///
/// The error is a reason without the selector itself, for [`Error::BadSelector`](crate::Error) to wrap.
pub(crate) fn parse(text: &str) -> Result<Selector, String> {
    let mut expressions = Vec::new();
    if text.trim().is_empty() {
        return Ok(Selector::default());
    }
    for requirement in split_requirements(text)? {
        expressions.push(parse_requirement(requirement.trim())?);
    }
    Ok(expressions.into_iter().collect())
}

/// Split at the commas that separate requirements, not those inside `in (...)` sets.
fn split_requirements(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0_u32;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or_else(|| "unbalanced ')'".to_string())?,
            ',' if depth == 0 => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced '('".into());
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// Parse one requirement, such as `tier in (a,b)`.
fn parse_requirement(requirement: &str) -> Result<Expression, String> {
    if requirement.is_empty() {
        return Err("empty requirement (two commas in a row, or a comma at an end)".into());
    }
    if let Some(key) = requirement.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(key_of(key.trim(), requirement)?));
    }
    let key_end = requirement.find(|c: char| !is_key_char(c)).unwrap_or(requirement.len());
    let key = key_of(&requirement[..key_end], requirement)?;
    let rest = requirement[key_end..].trim_start();
    if rest.is_empty() {
        return Ok(Expression::Exists(key));
    }
    if let Some(value) = rest.strip_prefix("!=") {
        return Ok(Expression::NotEqual(key, value_of(value, requirement)?));
    }
    if let Some(value) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
        return Ok(Expression::Equal(key, value_of(value, requirement)?));
    }
    if let Some(set) = keyword(rest, "notin") {
        return Ok(Expression::NotIn(key, set_of(set, requirement)?));
    }
    if let Some(set) = keyword(rest, "in") {
        return Ok(Expression::In(key, set_of(set, requirement)?));
    }
    if rest.starts_with('>') || rest.starts_with('<') {
        return Err(format!("{requirement:?}: the numeric > and < operators are not supported"));
    }
    Err(format!("{requirement:?}: expected =, ==, !=, in or notin after the key"))
}

/// What follows `word` when `rest` starts with that word as a whole word.
fn keyword<'a>(rest: &'a str, word: &str) -> Option<&'a str> {
    let after = rest.strip_prefix(word)?;
    (after.starts_with(char::is_whitespace) || after.starts_with('(')).then_some(after)
}

/// A label key: an optional DNS prefix and `/`, then a name of letters, digits, `-`, `_` and `.`.
fn key_of(key: &str, requirement: &str) -> Result<String, String> {
    if key.is_empty() || !key.chars().all(is_key_char) {
        return Err(format!("{requirement:?}: {key:?} is not a label key"));
    }
    Ok(key.to_string())
}

/// A label value: letters, digits, `-`, `_` and `.`, possibly empty.
fn value_of(value: &str, requirement: &str) -> Result<String, String> {
    let value = value.trim();
    if !value.chars().all(is_value_char) {
        return Err(format!("{requirement:?}: {value:?} is not a label value"));
    }
    Ok(value.to_string())
}

/// The values of `(v1, v2)`, at least one.
fn set_of(set: &str, requirement: &str) -> Result<BTreeSet<String>, String> {
    let inner = set
        .trim()
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("{requirement:?}: expected a set of values in parentheses"))?;
    if inner.trim().is_empty() {
        return Err(format!("{requirement:?}: a set needs at least one value"));
    }
    inner.split(',').map(|value| value_of(value, requirement)).collect()
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use kube::core::SelectorExt;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Every operator kubectl accepts parses into the matching kube expression.
    #[test]
    fn parses_every_operator() {
        let selector = parse("app=web, env==prod,tier in (a, b),zone notin (x),!legacy,canary,track!=beta")
            .expect("a valid selector");
        let expected: Selector = [
            Expression::Equal("app".into(), "web".into()),
            Expression::Equal("env".into(), "prod".into()),
            Expression::In("tier".into(), ["a".to_string(), "b".to_string()].into()),
            Expression::NotIn("zone".into(), ["x".to_string()].into()),
            Expression::DoesNotExist("legacy".into()),
            Expression::Exists("canary".into()),
            Expression::NotEqual("track".into(), "beta".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(selector, expected);
    }

    /// A parsed selector matches labels the way the API server would.
    #[test]
    fn matches_labels() {
        let selector = parse("app=web,tier in (a,b),!legacy").expect("a valid selector");
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "c")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "a"), ("legacy", "")])));
        assert!(!selector.matches(&labels(&[("tier", "a")])));
    }

    /// Prefixed keys and empty values are labels too.
    #[test]
    fn accepts_prefixed_keys_and_empty_values() {
        let selector = parse("app.kubernetes.io/name=web,empty=").expect("a valid selector");
        assert!(selector.matches(&labels(&[("app.kubernetes.io/name", "web"), ("empty", "")])));
    }

    /// An empty selector selects everything.
    #[test]
    fn empty_selects_all() {
        assert!(parse("  ").expect("empty is valid").selects_all());
    }

    /// Malformed selectors are refused with a reason naming the bad requirement.
    #[test]
    fn refuses_malformed_selectors() {
        for (text, needle) in [
            ("app=web,,tier=a", "empty requirement"),
            ("tier in (a,b", "unbalanced '('"),
            ("tier in ()", "at least one value"),
            ("tier in a,b", "parentheses"),
            ("replicas>3", "not supported"),
            ("app=w eb", "\"w eb\" is not a label value"),
            ("app ~ web", "expected =, ==, !=, in or notin"),
            ("!", "is not a label key"),
        ] {
            let reason = parse(text).expect_err(text);
            assert!(reason.contains(needle), "{text:?}: {reason}");
        }
    }
}
