//! dig's command line: `@server`, `-x/-p/-t/-c/-q`, positional name/type/class, and `+options`.
//!
//! As in BIND, options before the first name are global defaults and options after a name apply to
//! that lookup only; several names make several lookups. `+options` may be abbreviated to any
//! unambiguous prefix (`+noall`, `+nocomm`, `+tc`), and `+no` negates the boolean ones.

use crate::search::{as_address, reverse_name};
use crate::types::{self, code};

/// Everything one lookup needs: what to ask, whom, how, and what to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigLookup {
    /// Query name as typed (None until a name operand appears).
    pub name: Option<String>,
    /// Query type, when given.
    pub rtype: Option<u16>,
    /// Query class, when given.
    pub class: Option<u16>,
    /// `@server` operand as typed.
    pub server: Option<String>,
    /// `-p`.
    pub port: u16,
    /// `+short`.
    pub short: bool,
    /// `+identify` (with `+short`).
    pub identify: bool,
    /// `+comments`: header block, section titles and the blank lines between them.
    pub comments: bool,
    /// `+question`.
    pub question: bool,
    /// `+answer`.
    pub answer: bool,
    /// `+authority`.
    pub authority: bool,
    /// `+additional`.
    pub additional: bool,
    /// `+stats`: the footer.
    pub stats: bool,
    /// `+cmd`: the greeting.
    pub cmd: bool,
    /// `+search`.
    pub search: bool,
    /// `+showsearch`: print intermediate search results too.
    pub showsearch: bool,
    /// `+tcp`/`+vc`; `None` means "UDP unless the type needs TCP".
    pub tcp: Option<bool>,
    /// `+recurse` (RD).
    pub recurse: bool,
    /// `+adflag`.
    pub adflag: bool,
    /// `+cdflag`.
    pub cdflag: bool,
    /// `+time=`, seconds per try.
    pub time: u64,
    /// `+tries=` / `+retry=`+1.
    pub tries: u32,
    /// EDNS version to send, `None` with `+noedns`.
    pub edns: Option<u8>,
    /// `+cookie`.
    pub cookie: bool,
    /// `+bufsize=`.
    pub bufsize: u16,
    /// `+ignore`: keep truncated UDP answers.
    pub ignore: bool,
    /// `+ttlid`: print TTLs.
    pub ttl: bool,
    /// `+class`: print classes.
    pub show_class: bool,
    /// `+ndots=`.
    pub ndots: Option<u32>,
    /// `-4` / `-6`.
    pub family: Option<u8>,
}

impl Default for DigLookup {
    fn default() -> Self {
        Self {
            name: None,
            rtype: None,
            class: None,
            server: None,
            port: 53,
            short: false,
            identify: false,
            comments: true,
            question: true,
            answer: true,
            authority: true,
            additional: true,
            stats: true,
            cmd: true,
            search: false,
            showsearch: false,
            tcp: None,
            recurse: true,
            adflag: true,
            cdflag: false,
            time: 5,
            tries: 3,
            edns: Some(0),
            cookie: true,
            bufsize: 1232,
            ignore: false,
            ttl: true,
            show_class: true,
            ndots: None,
            family: None,
        }
    }
}

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigArgs {
    /// The global options (what `;; global options:` and the greeting reflect).
    pub global: DigLookup,
    /// One entry per name operand (at least one).
    pub lookups: Vec<DigLookup>,
    /// `-v`: print the version and stop.
    pub version: bool,
}

/// A rejected command line: the offending text for `Invalid option: X` or another message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigArgError {
    /// `Invalid option: +bogus` followed by the short usage, exit 1.
    InvalidOption(String),
    /// A fatal message (`invalid type: X`), exit 1.
    Fatal(String),
}

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
];

/// Resolves an abbreviated `+option` name to its full name, BIND-style (exact match first).
fn full_option(name: &str) -> Option<&'static str> {
    if let Some(exact) = BOOLEANS.iter().find(|o| **o == name) {
        return Some(exact);
    }
    let mut matches = BOOLEANS.iter().filter(|o| o.starts_with(name));
    let first = matches.next()?;
    if name.len() >= 2 { Some(first) } else { None }
}

/// Applies one `+option` to `lookup`.
fn apply_plus(lookup: &mut DigLookup, option: &str) -> Result<(), DigArgError> {
    let invalid = || DigArgError::InvalidOption(format!("+{option}"));
    let (negated, rest) = match option.strip_prefix("no") {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, option),
    };
    let (name, value) = match rest.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (rest, None),
    };
    let on = !negated;
    let number = || -> Result<u64, DigArgError> { value.and_then(|v| v.parse::<u64>().ok()).ok_or_else(invalid) };
    match full_option(name).ok_or_else(invalid)? {
        "all" => {
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
        "answer" => lookup.answer = on,
        "additional" => lookup.additional = on,
        "authority" => lookup.authority = on,
        "adflag" => lookup.adflag = on,
        "cdflag" => lookup.cdflag = on,
        "class" => lookup.show_class = on,
        "cmd" => lookup.cmd = on,
        "comments" => lookup.comments = on,
        "cookie" => lookup.cookie = on,
        "edns" => lookup.edns = if on { Some(value.map_or(Ok(0), |_| number().map(|n| n as u8))?) } else { None },
        "identify" => lookup.identify = on,
        "ignore" => lookup.ignore = on,
        "question" => lookup.question = on,
        "recurse" => lookup.recurse = on,
        "search" | "defname" => lookup.search = on,
        "showsearch" => {
            lookup.showsearch = on;
            lookup.search = on;
        }
        "short" => {
            lookup.short = on;
            if on {
                for field in [
                    &mut lookup.comments,
                    &mut lookup.question,
                    &mut lookup.authority,
                    &mut lookup.additional,
                    &mut lookup.stats,
                    &mut lookup.cmd,
                ] {
                    *field = false;
                }
                lookup.answer = true;
            }
        }
        "stats" => lookup.stats = on,
        "tcp" | "vc" => lookup.tcp = Some(on),
        "ttlid" => lookup.ttl = on,
        "bufsize" => lookup.bufsize = number()?.min(65535) as u16,
        "time" | "timeout" => lookup.time = number()?.max(1),
        "tries" => lookup.tries = number()?.max(1) as u32,
        "retry" => lookup.tries = (number()? as u32).saturating_add(1),
        "ndots" => lookup.ndots = Some(number()? as u32),
        _ => {}
    }
    Ok(())
}

/// Parses dig's arguments (without argv[0]).
pub fn parse_args(args: &[String]) -> Result<DigArgs, DigArgError> {
    let mut global = DigLookup::default();
    let mut lookups: Vec<DigLookup> = Vec::new();
    let mut version = false;
    let mut index = 0;
    while index < args.len() {
        let arg = args[index].as_str();
        let current = lookups.last_mut().unwrap_or(&mut global);
        if let Some(server) = arg.strip_prefix('@') {
            current.server = Some(server.to_string());
        } else if let Some(option) = arg.strip_prefix('+') {
            apply_plus(current, option)?;
        } else if arg.starts_with('-') && arg.len() > 1 {
            let flag = &arg[1..2];
            let glued = &arg[2..];
            let mut value = || -> Result<String, DigArgError> {
                if !glued.is_empty() {
                    return Ok(glued.to_string());
                }
                index += 1;
                args.get(index).cloned().ok_or_else(|| DigArgError::InvalidOption(arg.to_string()))
            };
            match flag {
                "p" => current.port = (value()?.parse::<u64>().unwrap_or(0) & 0xffff) as u16,
                "t" => {
                    let text = value()?;
                    current.rtype = Some(parse_type(&text)?);
                }
                "c" => {
                    let text = value()?;
                    current.class = Some(
                        types::parse_class(&text).ok_or_else(|| DigArgError::Fatal(format!("invalid class {text}")))?,
                    );
                }
                "q" => {
                    let name = value()?;
                    lookups.push(DigLookup { name: Some(name), ..global.clone() });
                }
                "x" => {
                    let text = value()?;
                    let address = as_address(&text)
                        .ok_or_else(|| DigArgError::Fatal(format!("'{text}' is not a legal IPv4 or IPv6 address")))?;
                    let mut lookup = DigLookup { name: Some(reverse_name(address)), ..global.clone() };
                    lookup.rtype = lookup.rtype.or(Some(code::PTR));
                    lookups.push(lookup);
                }
                "4" => current.family = Some(4),
                "6" => current.family = Some(6),
                "v" => version = true,
                "b" | "f" | "k" | "y" | "m" | "u" | "r" | "i" => {
                    if "bfky".contains(flag) {
                        value()?;
                    }
                }
                _ => return Err(DigArgError::InvalidOption(arg.trim_start_matches('-').to_string())),
            }
        } else if current.rtype.is_none() && types::parse_type(arg).is_some() && !looks_like_name_only(arg) {
            current.rtype = types::parse_type(arg);
        } else if current.class.is_none() && types::parse_class(arg).is_some() {
            current.class = types::parse_class(arg);
        } else {
            let mut lookup = global.clone();
            lookup.name = Some(arg.to_string());
            lookups.push(lookup);
        }
        index += 1;
    }
    if lookups.is_empty() {
        let mut lookup = global.clone();
        lookup.name = Some(".".to_string());
        lookup.rtype = lookup.rtype.or(Some(code::NS));
        lookups.push(lookup);
    }
    Ok(DigArgs { global, lookups, version })
}

/// Types dig refuses as positional words because they are zone-transfer requests written `ixfr=N`.
fn looks_like_name_only(arg: &str) -> bool {
    arg.contains('.')
}

fn parse_type(text: &str) -> Result<u16, DigArgError> {
    types::parse_type(text).ok_or_else(|| DigArgError::Fatal(format!("invalid type {text}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> DigArgs {
        parse_args(&text.split_whitespace().map(String::from).collect::<Vec<_>>()).expect("parses")
    }

    /// The e2e probe line: global toggles, then name and positional type.
    #[test]
    fn parses_e2e_probe() {
        let args = parse("+notcp +noall +answer +search postgres A");
        let lookup = &args.lookups[0];
        assert_eq!(lookup.name.as_deref(), Some("postgres"));
        assert_eq!(lookup.rtype, Some(1));
        assert_eq!(lookup.tcp, Some(false));
        assert!(lookup.answer && !lookup.comments && !lookup.stats && !lookup.cmd && lookup.search);
        assert!(!args.global.cmd);
    }

    /// A type before the name, `@server` and `-p` apply to the lookup.
    #[test]
    fn type_before_name_and_server() {
        let args = parse("@127.0.0.1 -p 5353 MX mail.cluster.local");
        let lookup = &args.lookups[0];
        assert_eq!(lookup.rtype, Some(15));
        assert_eq!(lookup.server.as_deref(), Some("127.0.0.1"));
        assert_eq!(lookup.port, 5353);
    }

    /// `-x` builds the reverse name and asks for PTR.
    #[test]
    fn reverse_lookup() {
        let args = parse("-x 10.244.1.4");
        assert_eq!(args.lookups[0].name.as_deref(), Some("4.1.244.10.in-addr.arpa."));
        assert_eq!(args.lookups[0].rtype, Some(12));
    }

    /// Options after the name are local; `+short` turns everything but the answer off.
    #[test]
    fn local_options_and_short() {
        let args = parse("x +short +time=2 +tries=1");
        assert!(args.global.cmd);
        let lookup = &args.lookups[0];
        assert!(lookup.short && !lookup.cmd && lookup.answer);
        assert_eq!((lookup.time, lookup.tries), (2, 1));
    }

    /// Unknown `+options` are rejected with their text.
    #[test]
    fn rejects_unknown_option() {
        let error = parse_args(&["+bogus".to_string()]).expect_err("rejected");
        assert_eq!(error, DigArgError::InvalidOption("+bogus".into()));
    }

    /// No name means the root NS query.
    #[test]
    fn default_is_root_ns() {
        let args = parse("");
        assert_eq!(args.lookups[0].name.as_deref(), Some("."));
        assert_eq!(args.lookups[0].rtype, Some(2));
    }
}
