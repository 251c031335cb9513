//! nslookup's options: `-option[=value]` words on the command line, and the same words after `set`
//! in interactive mode. Names may be abbreviated as in BIND (`-ty=mx`, `-q=mx`, `-po=53`); an
//! unknown one prints `*** Invalid option: X` and is ignored.

use crate::protocol::codes::class;
use crate::protocol::mnemonics;

/// The command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The name or address to look up.
    pub name: Option<String>,
    /// The server operand, as typed.
    pub server: Option<String>,
    /// `-type=`/`-query=`: set means no default A+AAAA pair.
    pub rtype: Option<u16>,
    /// `-class=`.
    pub class: u16,
    /// `-port=`.
    pub port: u16,
    /// `-timeout=` seconds.
    pub timeout: Option<u64>,
    /// `-retry=`: tries.
    pub retry: Option<u32>,
    /// `-vc`: TCP.
    pub tcp: bool,
    /// `-recurse`.
    pub recurse: bool,
    /// `-search`.
    pub search: bool,
    /// `-ndots=`.
    pub ndots: Option<u32>,
    /// `-version`: print the version and stop.
    pub version: bool,
    /// `-debug`: print each reply in detail between `------------` lines.
    pub debug: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: None,
            server: None,
            rtype: None,
            class: class::IN,
            port: 53,
            timeout: None,
            retry: None,
            tcp: false,
            recurse: true,
            search: true,
            ndots: None,
            version: false,
            debug: false,
        }
    }
}

/// Does `word` abbreviate `option` with at least `min` characters (BIND's `strncasecmp` checks)?
fn abbreviates(word: &str, option: &str, min: usize) -> bool {
    word.len() >= min && option.starts_with(&word.to_ascii_lowercase())
}

/// Applies one `-option[=value]`; an option nslookup rejects is ignored and BIND's complaint returned,
/// for stdout.
pub fn apply_option(options: &mut Options, text: &str) -> Option<String> {
    let (word, value) = match text.split_once('=') {
        Some((word, value)) => (word, Some(value)),
        None => (text, None),
    };
    let number = || value.and_then(|v| v.parse::<u64>().ok());
    if abbreviates(word, "type", 2) || abbreviates(word, "querytype", 1) {
        if let Some(value) = value {
            match mnemonics::parse_type(value) {
                Some(rtype) => options.rtype = Some(rtype),
                None => return Some(format!("unknown query type: {value}\n")),
            }
        }
    } else if abbreviates(word, "class", 2) {
        match value.and_then(mnemonics::parse_class) {
            Some(class) => options.class = class,
            None => return Some(format!("unknown query class: {}\n", value.unwrap_or(""))),
        }
    } else if abbreviates(word, "port", 2) {
        if let Some(port) = number().filter(|p| *p <= 65535) {
            options.port = port as u16;
        }
    } else if abbreviates(word, "timeout", 2) {
        options.timeout = number().map(|t| t.max(1));
    } else if abbreviates(word, "retry", 3) {
        options.retry = number().map(|n| n as u32);
    } else if abbreviates(word, "ndots", 3) {
        options.ndots = number().map(|n| n as u32);
    } else if abbreviates(word, "norecurse", 5) {
        options.recurse = false;
    } else if abbreviates(word, "recurse", 3) {
        options.recurse = true;
    } else if abbreviates(word, "nosearch", 5) {
        options.search = false;
    } else if abbreviates(word, "search", 3) {
        options.search = true;
    } else if word.eq_ignore_ascii_case("debug") || word.eq_ignore_ascii_case("d2") {
        options.debug = true;
    } else if word.eq_ignore_ascii_case("nodebug") || word.eq_ignore_ascii_case("nod2") {
        options.debug = false;
    } else if word.eq_ignore_ascii_case("version") {
        options.version = true;
    } else if word.eq_ignore_ascii_case("vc") {
        options.tcp = true;
    } else if word.eq_ignore_ascii_case("novc") {
        options.tcp = false;
    } else if !["fail", "nofail", "sil", "silent", "domain", "all"]
        .iter()
        .any(|known| word.eq_ignore_ascii_case(known) || word.to_ascii_lowercase().starts_with("domain"))
    {
        return Some(format!("*** Invalid option: {word}\n"));
    }
    None
}

/// Parses nslookup's arguments (without `argv[0]`); also returns the complaints about rejected options.
pub fn parse_args(args: &[String]) -> (Options, Vec<String>) {
    let mut options = Options::default();
    let mut operands = Vec::new();
    let mut complaints = Vec::new();
    for arg in args {
        match arg.strip_prefix('-') {
            Some(option) if !option.is_empty() => complaints.extend(apply_option(&mut options, option)),
            _ => operands.push(arg.clone()),
        }
    }
    let mut operands = operands.into_iter();
    options.name = operands.next();
    options.server = operands.next();
    (options, complaints)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    /// `-type=`, `-query=` and `-port=` abbreviations parse; operands are name then server.
    #[test]
    fn parses_options_and_operands() {
        let (options, complaints) = parse_args(&args("-query=srv -po=5353 -ret=1 _x._tcp.y 127.0.0.1"));
        assert!(complaints.is_empty());
        assert_eq!(options.rtype, Some(crate::protocol::codes::rtype::SRV));
        assert_eq!(options.port, 5353);
        assert_eq!(options.retry, Some(1));
        assert_eq!(options.name.as_deref(), Some("_x._tcp.y"));
        assert_eq!(options.server.as_deref(), Some("127.0.0.1"));
    }

    /// `-vc` switches to TCP and `-norecurse` clears RD.
    #[test]
    fn transport_and_recursion_flags() {
        let (options, _) = parse_args(&args("-vc -norecurse x"));
        assert!(options.tcp);
        assert!(!options.recurse);
    }

    /// Unknown options and types are complained about in BIND's words and change nothing.
    #[test]
    fn rejected_options_are_complaints() {
        let (options, complaints) = parse_args(&args("-bogus -type=nonsense x"));
        assert_eq!(complaints, ["*** Invalid option: bogus\n", "unknown query type: nonsense\n"]);
        assert_eq!(options.rtype, None);
    }
}
