//! dig's command line: `@server`, `-x/-p/-t/-c/-q`, positional name/type/class, and `+options`.
//!
//! As in BIND, options before the first name are global defaults and options after a name apply to
//! that lookup only; several names make several lookups. `+options` may be abbreviated to any
//! unambiguous prefix (`+noall`, `+nocomm`, `+tc`), and `+no` negates the boolean ones.

use crate::protocol::codes::{Family, rtype};
use crate::protocol::mnemonics::{self, parse_ixfr};
use crate::resolver::search::{as_address, reverse_name};
use crate::tools::dig::lookup::{DigArgError, DigArgs, DigLookup};
use crate::tools::dig::plus::{apply_plus, full_option, parse_number};

/// What a `-x`-style option asks of the parser beyond setting a field.
enum Dash {
    /// A field of the current lookup was set (or the option was ignored).
    Done,
    /// `-q`/`-x` start a new lookup.
    NewLookup(DigLookup),
    /// `-v`.
    Version,
    /// `-h`.
    Help,
}

/// Options that take a value, glued (`-tMX`) or as the next argument (`-t MX`).
fn takes_value(flag: &str) -> bool {
    matches!(flag, "p" | "t" | "c" | "q" | "x" | "b" | "f" | "k" | "y")
}

/// Applies `-flag [value]` to `current`; `template` is what a new lookup starts from.
fn apply_dash(
    current: &mut DigLookup,
    template: &DigLookup,
    arg: &str,
    value: Option<String>,
    warnings: &mut Vec<String>,
) -> Result<Dash, DigArgError> {
    let flag = &arg[1..2];
    let value = || value.clone().ok_or_else(|| DigArgError::InvalidOption(arg.to_string()));
    match flag {
        "p" => current.port = parse_number(&value()?, "port number", 65535, 1)? as u16,
        "t" => match mnemonics::parse_type(&value()?) {
            _ if parse_ixfr(&value()?).is_some() => {
                current.rtype = Some(rtype::IXFR);
                current.ixfr_serial = parse_ixfr(&value()?);
            }
            Some(rtype) => current.rtype = Some(rtype),
            None => warnings.push(format!(";; Warning, ignoring invalid type {}", value()?)),
        },
        "c" => match mnemonics::parse_class(&value()?) {
            Some(class) => current.class = Some(class),
            None => warnings.push(format!(";; Warning, ignoring invalid class {}", value()?)),
        },
        "q" => return Ok(Dash::NewLookup(DigLookup { name: Some(value()?), ..template.clone() })),
        "x" => {
            let mut lookup = DigLookup { name: Some(reverse_of(&value()?)), ..template.clone() };
            lookup.rtype = lookup.rtype.or(Some(rtype::PTR));
            return Ok(Dash::NewLookup(lookup));
        }
        "4" => current.family = Some(Family::V4),
        "6" => current.family = Some(Family::V6),
        "v" => return Ok(Dash::Version),
        "h" => return Ok(Dash::Help),
        "b" | "f" | "k" | "y" | "m" | "u" | "r" | "i" => {}
        _ => return Err(DigArgError::InvalidOption(arg.to_string())),
    }
    Ok(Dash::Done)
}

/// Parses dig's arguments (without `argv[0]`).
pub fn parse_args(args: &[String]) -> Result<DigArgs, DigArgError> {
    let mut global = DigLookup::default();
    let mut lookups: Vec<DigLookup> = Vec::new();
    let (mut version, mut help, mut print_cmd) = (false, false, true);
    let mut warnings = Vec::new();
    let mut index = 0;
    while index < args.len() {
        let arg = args[index].as_str();
        let template = global.clone();
        let current = lookups.last_mut().unwrap_or(&mut global);
        if let Some(server) = arg.strip_prefix('@') {
            current.server = Some(server.to_string());
        } else if let Some(option) = arg.strip_prefix('+') {
            apply_plus(current, option)?;
            let name = option.strip_prefix("no").unwrap_or(option).split('=').next().unwrap_or("");
            if matches!(full_option(name), Some("cmd" | "all" | "short" | "yaml")) {
                print_cmd = current.cmd;
            }
        } else if arg.starts_with('-') && arg.len() > 1 {
            let value = match (takes_value(&arg[1..2]), &arg[2..]) {
                (false, _) => None,
                (true, "") => {
                    index += 1;
                    args.get(index).cloned()
                }
                (true, glued) => Some(glued.to_string()),
            };
            match apply_dash(current, &template, arg, value, &mut warnings)? {
                Dash::Done => {}
                Dash::NewLookup(lookup) => lookups.push(lookup),
                Dash::Version => version = true,
                Dash::Help => help = true,
            }
        } else if current.rtype.is_none() && parse_ixfr(arg).is_some() {
            current.rtype = Some(rtype::IXFR);
            current.ixfr_serial = parse_ixfr(arg);
        } else if current.rtype.is_none() && mnemonics::parse_type(arg).is_some() {
            current.rtype = mnemonics::parse_type(arg);
        } else if current.class.is_none() && mnemonics::parse_class(arg).is_some() {
            current.class = mnemonics::parse_class(arg);
        } else {
            lookups.push(DigLookup { name: Some(arg.to_string()), ..template });
        }
        index += 1;
    }
    if lookups.is_empty() {
        let root_ns = global.rtype.or(Some(rtype::NS));
        lookups.push(DigLookup { name: Some(".".to_string()), rtype: root_ns, ..global.clone() });
    }
    // `+short` and `+yaml` are global switches in dig, wherever they appear.
    if global.short || lookups.iter().any(|lookup| lookup.short) {
        lookups.iter_mut().for_each(|lookup| lookup.short = true);
    }
    if global.yaml || lookups.iter().any(|lookup| lookup.yaml) {
        lookups.iter_mut().for_each(|lookup| lookup.yaml = true);
    }
    Ok(DigArgs { global, lookups, version, help, warnings, print_cmd })
}

/// `-x` text to a reverse name: addresses properly, anything else label-reversed under in-addr.arpa
/// (BIND turns `-x 1.2.3` into `3.2.1.in-addr.arpa.`).
fn reverse_of(text: &str) -> String {
    match as_address(text) {
        Some(address) => reverse_name(address),
        None => {
            let labels: Vec<&str> = text.trim_end_matches('.').split('.').rev().collect();
            format!("{}.in-addr.arpa.", labels.join("."))
        }
    }
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
        assert_eq!(lookup.rtype, Some(rtype::A));
        assert_eq!(lookup.tcp, Some(false));
        assert!(lookup.answer && !lookup.comments && !lookup.stats && !lookup.cmd && lookup.search);
        assert!(!args.global.cmd);
    }

    /// A type before the name, `@server` and `-p` apply to the lookup.
    #[test]
    fn type_before_name_and_server() {
        let args = parse("@127.0.0.1 -p 5353 MX mail.cluster.local");
        let lookup = &args.lookups[0];
        assert_eq!(lookup.rtype, Some(rtype::MX));
        assert_eq!(lookup.server.as_deref(), Some("127.0.0.1"));
        assert_eq!(lookup.port, 5353);
    }

    /// `-x` builds the reverse name and asks for PTR.
    #[test]
    fn reverse_lookup() {
        let args = parse("-x 10.244.1.4");
        assert_eq!(args.lookups[0].name.as_deref(), Some("4.1.244.10.in-addr.arpa."));
        assert_eq!(args.lookups[0].rtype, Some(rtype::PTR));
    }

    /// Options after the name are local; `+short` turns everything but the answer off.
    #[test]
    fn local_options_and_short() {
        let args = parse("x +short +time=2 +tries=1");
        assert!(args.global.cmd);
        let lookup = &args.lookups[0];
        assert!(lookup.short && !lookup.cmd && lookup.answer);
        assert_eq!((lookup.time, lookup.tries), (Some(2), Some(1)));
    }

    /// An invalid `-t` is a warning, and the type stays unset.
    #[test]
    fn invalid_type_is_ignored() {
        let args = parse("-t bogus x");
        assert_eq!(args.warnings, [";; Warning, ignoring invalid type bogus"]);
        assert_eq!(args.lookups[0].rtype, None);
    }

    /// `-x` of something that is not an address reverses its labels.
    #[test]
    fn reverse_of_partial_address() {
        assert_eq!(reverse_of("1.2.3"), "3.2.1.in-addr.arpa.");
    }

    /// The last `+cmd`-like option decides whether answers show the greeting.
    #[test]
    fn print_cmd_is_last_setting() {
        assert!(!parse("a b +noall +answer").print_cmd);
        assert!(parse("a +noall b +cmd").print_cmd);
    }

    /// `+yaml` anywhere applies to every lookup and, where it stands, turns the greeting off.
    #[test]
    fn yaml_is_global() {
        let args = parse("x +yaml y");
        assert!(args.lookups.len() == 2 && args.lookups.iter().all(|lookup| lookup.yaml));
        assert!(!args.print_cmd && args.global.cmd);
        assert!(!parse("+yaml x").global.cmd);
        assert!(parse("+yaml x +cmd").print_cmd);
    }

    /// `+short` anywhere applies to every lookup.
    #[test]
    fn short_is_global() {
        let args = parse("a b +short");
        assert!(args.lookups.iter().all(|lookup| lookup.short));
    }

    /// No name means the root NS query.
    #[test]
    fn default_is_root_ns() {
        let args = parse("");
        assert_eq!(args.lookups[0].name.as_deref(), Some("."));
        assert_eq!(args.lookups[0].rtype, Some(rtype::NS));
    }
}
