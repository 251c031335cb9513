//! dig's `+option` words: `+name`, `+noname`, `+name=value`, each name abbreviable to any
//! unambiguous prefix as in BIND (`+nocomm`, `+tc`). Numbers are checked like BIND's `parse_uint`
//! so a bad one is reported with BIND's wording and exit status.

use crate::tools::dig::lookup::{DigArgError, DigLookup};

/// Boolean `+options` and the fields they set; the first entries win ambiguous prefixes.
const BOOLEANS: &[&str] = &[
    "all",
    "answer",
    "additional",
    "authority",
    "adflag",
    "aaonly",
    "aaflag",
    "besteffort",
    "cdflag",
    "class",
    "cmd",
    "comments",
    "cookie",
    "crypto",
    "dnssec",
    "edns",
    "fail",
    "identify",
    "ignore",
    "keepopen",
    "multiline",
    "nsid",
    "qr",
    "question",
    "recurse",
    "search",
    "short",
    "showsearch",
    "stats",
    "tcp",
    "ttlid",
    "ttlunits",
    "vc",
    "trace",
    "nssearch",
    "rrcomments",
    "onesoa",
    "idnin",
    "idnout",
    "header-only",
    "expire",
    "sigchase",
    "topdown",
    "split",
    "zflag",
    "tcflag",
    "opcode",
    "defname",
    "domain",
    "bufsize",
    "retry",
    "time",
    "tries",
    "ndots",
    "subnet",
    "padding",
    "timeout",
    "yaml",
];

/// Resolves an abbreviated `+option` name to its full name, BIND-style (exact match first).
pub fn full_option(name: &str) -> Option<&'static str> {
    if let Some(exact) = BOOLEANS.iter().find(|o| **o == name) {
        return Some(exact);
    }
    let mut matches = BOOLEANS.iter().filter(|o| o.starts_with(name));
    let first = matches.next()?;
    if name.len() >= 2 { Some(first) } else { None }
}

/// Parses a decimal option value the way BIND's `parse_uint` does, naming it in the error.
pub fn parse_number(value: &str, what: &'static str, max: u64, code: i32) -> Result<u64, DigArgError> {
    let bad = |reason| DigArgError::BadNumber { what, value: value.to_string(), reason, code };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not a valid number"));
    }
    match value.parse::<u64>() {
        Ok(number) if number <= max => Ok(number),
        _ => Err(bad("out of range")),
    }
}

/// Applies one `+option` to `lookup`.
pub fn apply_plus(lookup: &mut DigLookup, option: &str) -> Result<(), DigArgError> {
    let (negated, rest) = match option.strip_prefix("no") {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, option),
    };
    let (name, value) = match rest.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (rest, None),
    };
    let full = full_option(name).ok_or_else(|| DigArgError::InvalidOption(format!("+{option}")))?;
    if !apply_value(lookup, full, value, !negated)? {
        apply_switch(lookup, full, !negated);
    }
    Ok(())
}

/// The options that carry a value; `false` when `name` is not one of them.
fn apply_value(lookup: &mut DigLookup, name: &str, value: Option<&str>, on: bool) -> Result<bool, DigArgError> {
    let number = |what: &'static str, max: u64| parse_number(value.unwrap_or(""), what, max, 10);
    match name {
        "edns" if on => lookup.edns = Some(value.map_or(Ok(0), |_| number("edns", 255))? as u8),
        "edns" => lookup.edns = None,
        "domain" => {
            lookup.domain = value.map(|domain| domain.trim_end_matches('.').to_string());
            lookup.search = lookup.domain.is_some();
        }
        "bufsize" => lookup.bufsize = number("buffer size", 65535)? as u16,
        "time" | "timeout" => lookup.time = Some(number("timeout", u64::from(u32::MAX))?.max(1)),
        "tries" => lookup.tries = Some(number("tries", 255)?.max(1) as u32),
        "retry" => lookup.tries = Some((number("retries", 255)? as u32).saturating_add(1)),
        "ndots" => lookup.ndots = Some(number("ndots", 255)? as u32),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The on/off options (unknown but valid names are accepted and ignored, as dig accepts them).
fn apply_switch(lookup: &mut DigLookup, name: &str, on: bool) {
    match name {
        "all" => set_display(lookup, on),
        "short" => {
            lookup.short = on;
            if on {
                set_display(lookup, false);
                lookup.answer = true;
            }
        }
        "answer" => lookup.answer = on,
        "additional" => lookup.additional = on,
        "authority" => lookup.authority = on,
        "question" => {
            lookup.question = on;
            lookup.xfr_question = on;
        }
        "comments" => {
            lookup.comments = on;
            lookup.xfr_comments = on;
        }
        "stats" => lookup.stats = on,
        "cmd" => lookup.cmd = on,
        "adflag" => lookup.adflag = on,
        "cdflag" => lookup.cdflag = on,
        "class" => lookup.show_class = on,
        "cookie" => lookup.cookie = on,
        "nsid" => lookup.nsid = on,
        "dnssec" => lookup.dnssec = on,
        "identify" => lookup.identify = on,
        "ignore" => lookup.ignore = on,
        "recurse" => lookup.recurse = on,
        "search" | "defname" => lookup.search = on,
        "showsearch" => {
            lookup.showsearch = on;
            lookup.search = on;
        }
        "fail" => lookup.fail = on,
        "tcp" | "vc" => lookup.tcp = Some(on),
        "ttlid" => lookup.ttl = on,
        "ttlunits" => lookup.ttl_units = on,
        "qr" => lookup.qr = on,
        "multiline" => lookup.multiline = on,
        "yaml" => {
            lookup.yaml = on;
            // BIND's `+yaml` also turns the greeting and this lookup's statistics off.
            if on {
                lookup.cmd = false;
                lookup.stats = false;
            }
        }
        _ => {}
    }
}

/// `+[no]all`: every part of the display at once.
fn set_display(lookup: &mut DigLookup, on: bool) {
    lookup.xfr_comments = on;
    lookup.xfr_question = on;
    for field in [
        &mut lookup.comments,
        &mut lookup.question,
        &mut lookup.answer,
        &mut lookup.authority,
        &mut lookup.additional,
        &mut lookup.stats,
        &mut lookup.cmd,
    ] {
        *field = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(option: &str) -> Result<DigLookup, DigArgError> {
        let mut lookup = DigLookup::default();
        apply_plus(&mut lookup, option).map(|()| lookup)
    }

    /// Bad numbers name the option and the reason; the port is exit 1, others 10.
    #[test]
    fn bad_numbers() {
        let error = apply("time=x").expect_err("rejected");
        let expected =
            DigArgError::BadNumber { what: "timeout", value: "x".into(), reason: "not a valid number", code: 10 };
        assert_eq!(error, expected);
        let error = apply("bufsize=99999").expect_err("rejected");
        assert!(matches!(error, DigArgError::BadNumber { reason: "out of range", .. }));
    }

    /// Unknown `+options` are rejected with their text.
    #[test]
    fn rejects_unknown_option() {
        assert_eq!(apply("bogus").expect_err("rejected"), DigArgError::InvalidOption("+bogus".into()));
    }

    /// Options abbreviate to any unambiguous prefix; `no` negates; `+short` turns the rest off.
    #[test]
    fn abbreviations_and_negation() {
        assert!(!apply("nocomm").expect("valid").comments);
        assert_eq!(apply("tc").expect("valid").tcp, Some(true));
        let short = apply("short").expect("valid");
        assert!(short.short && short.answer && !short.stats && !short.question);
        assert_eq!(full_option("a"), None);
    }
}
