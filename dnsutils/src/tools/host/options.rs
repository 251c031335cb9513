//! host's command line, parsed like BIND's `getopt` loop: bundled flags (`-vt A`), values glued or
//! separate (`-tA`, `-t A`), parsing stops at the first operand (`hostname [server]`). Numbers go
//! through C's `atoi` as in BIND, so `-p 99999` wraps and `-W x` means 0.

use crate::protocol::codes::{Family, class, rtype};
use crate::protocol::mnemonics::{self, parse_ixfr};
use crate::tools::console;

const USAGE: &str = "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]
            [-R number] [-m flag] [-p port] hostname [server]
       -a is equivalent to -v -t ANY
       -A is like -a but omits RRSIG, NSEC, NSEC3
       -c specifies query class for non-IN data
       -C compares SOA records on authoritative nameservers
       -d is equivalent to -v
       -l lists all hosts in a domain, using AXFR
       -m set memory debugging flag (trace|record|usage)
       -N changes the number of dots allowed before root lookup is done
       -p specifies the port on the server to query
       -r disables recursive processing
       -R specifies number of retries for UDP packets
       -s a SERVFAIL response should stop query
       -t specifies the query type
       -T enables TCP/IP mode
       -U enables UDP mode
       -v enables verbose output
       -V print version number and exit
       -w specifies to wait forever for a reply
       -W specifies how long to wait for a reply
       -4 use IPv4 query transport only
       -6 use IPv6 query transport only
";

/// Everything the command line sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The name or address to look up.
    pub name: String,
    /// The server operand, as typed.
    pub server: Option<String>,
    /// `-t`/`-a`: the query type, when not the default A+AAAA+MX.
    pub rtype: Option<u16>,
    /// `-l`: list the zone with a transfer (`-t` then picks which records to show).
    pub list: bool,
    /// `-s`: a SERVFAIL ends the query instead of moving on to the next server.
    pub servfail_stops: bool,
    /// `-t ixfr=N`: an IXFR from serial N.
    pub ixfr_serial: Option<u32>,
    /// `-c`: the query class.
    pub class: u16,
    /// `-v`/`-d`/`-a`: print whole messages.
    pub verbose: bool,
    /// `-r` clears this.
    pub recurse: bool,
    /// `-T`: TCP from the start.
    pub tcp: bool,
    /// `-N`: overrides resolv.conf's ndots.
    pub ndots: Option<u32>,
    /// `-W`: seconds per try.
    pub timeout: Option<u64>,
    /// `-R`: retries.
    pub retries: Option<u32>,
    /// `-p`: server port.
    pub port: u16,
    /// `-4`/`-6`: transport family filter.
    pub family: Option<Family>,
    /// `-V`: print the version and stop.
    pub version: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: String::new(),
            server: None,
            rtype: None,
            list: false,
            servfail_stops: false,
            ixfr_serial: None,
            class: class::IN,
            verbose: false,
            recurse: true,
            tcp: false,
            ndots: None,
            timeout: None,
            retries: None,
            port: 53,
            family: None,
            version: false,
        }
    }
}

/// Why the command line was rejected, with BIND's exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError {
    /// Text for stderr.
    pub message: String,
    /// Exit status.
    pub code: i32,
}

/// A getopt complaint (`illegal option -- Z`) followed by the usage text, exit 1.
fn usage(complaint: String) -> UsageError {
    let prefix = if complaint.is_empty() { String::new() } else { format!("{}: {complaint}\n", console::progname()) };
    UsageError { message: format!("{prefix}{USAGE}"), code: 1 }
}

/// BIND's `fatal()`: the program name, the message and a blank line, exit 2.
fn fatal(message: String) -> UsageError {
    UsageError { message: format!("{}: {message}\n\n", console::progname()), code: 2 }
}

/// C's `atoi` as BIND uses it for -N/-R/-W/-p: leading digits, anything else ignored, 0 if none.
fn atoi(text: &str) -> u64 {
    text.trim_start()
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |acc, digit| acc.saturating_mul(10).saturating_add(u64::from(digit - b'0')))
}

/// Parses host's arguments (without `argv[0]`).
pub fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let mut options = Options::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        if arg == "--" {
            index += 1;
            break;
        }
        if !arg.starts_with('-') || arg.len() < 2 {
            break;
        }
        let flags: Vec<char> = arg[1..].chars().collect();
        let mut at = 0;
        while at < flags.len() {
            let flag = flags[at];
            at += 1;
            if "cmNpRtW".contains(flag) {
                let value = if at < flags.len() {
                    let rest: String = flags[at..].iter().collect();
                    at = flags.len();
                    rest
                } else {
                    index += 1;
                    args.get(index).cloned().ok_or_else(|| usage(format!("option requires an argument -- {flag}")))?
                };
                apply_value(&mut options, flag, &value)?;
            } else {
                apply_flag(&mut options, flag)?;
            }
        }
        index += 1;
    }
    if options.version {
        return Ok(options);
    }
    options.name = args.get(index).cloned().ok_or_else(|| usage(String::new()))?;
    options.server = args.get(index + 1).cloned();
    Ok(options)
}

fn apply_flag(options: &mut Options, flag: char) -> Result<(), UsageError> {
    match flag {
        'a' | 'A' => {
            options.verbose = true;
            options.rtype = Some(rtype::ANY);
        }
        'd' | 'v' => options.verbose = true,
        'r' => options.recurse = false,
        'T' => options.tcp = true,
        'U' => options.tcp = false,
        'l' => {
            options.list = true;
            options.tcp = true;
        }
        'w' => options.timeout = Some(u64::from(u32::MAX)),
        '4' => options.family = Some(Family::V4),
        '6' => options.family = Some(Family::V6),
        'V' => options.version = true,
        's' => options.servfail_stops = true,
        'C' | 'i' | 'n' => {}
        _ => return Err(usage(format!("illegal option -- {flag}"))),
    }
    Ok(())
}

fn apply_value(options: &mut Options, flag: char, value: &str) -> Result<(), UsageError> {
    let number = atoi(value);
    let small = u32::try_from(number).unwrap_or(u32::MAX);
    match flag {
        't' if parse_ixfr(value).is_some() => {
            options.rtype = Some(rtype::IXFR);
            options.ixfr_serial = parse_ixfr(value);
            options.tcp = true;
        }
        't' => {
            let code = mnemonics::parse_type(value).ok_or_else(|| fatal(format!("invalid type: {value}")))?;
            options.rtype = Some(code);
            if rtype::is_transfer(code) {
                options.tcp = true;
            }
        }
        'c' => {
            options.class = mnemonics::parse_class(value).ok_or_else(|| fatal(format!("invalid class: {value}")))?;
        }
        'N' => options.ndots = Some(small),
        'W' => options.timeout = Some(number.max(1)),
        'R' => options.retries = Some(small),
        // BIND stores the port in 16 bits, so 99999 wraps to 34463.
        'p' => options.port = (number & 0xffff) as u16,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    /// Flags, values and operands parse like BIND's getopt, including bundled flags.
    #[test]
    fn parses_options_and_operands() {
        let options = parse_args(&args("-v -tAAAA -W 2 -p5353 web 127.0.0.1")).expect("parses");
        assert!(options.verbose);
        assert_eq!(options.rtype, Some(rtype::AAAA));
        assert_eq!(options.timeout, Some(2));
        assert_eq!(options.port, 5353);
        assert_eq!(options.name, "web");
        assert_eq!(options.server.as_deref(), Some("127.0.0.1"));
    }

    /// `-a` means verbose ANY.
    #[test]
    fn a_is_verbose_any() {
        let options = parse_args(&args("-a x")).expect("parses");
        assert!(options.verbose);
        assert_eq!(options.rtype, Some(rtype::ANY));
    }

    /// No operand or an unknown flag is a usage error (exit 1); a bad type is fatal (exit 2).
    #[test]
    fn usage_errors() {
        assert_eq!(parse_args(&args("-v")).expect_err("rejected").code, 1);
        assert_eq!(parse_args(&args("-k x")).expect_err("rejected").code, 1);
        let bad_type = parse_args(&args("-t bogus x")).expect_err("rejected");
        assert_eq!(bad_type.code, 2);
        assert!(bad_type.message.ends_with(": invalid type: bogus\n\n"));
        assert!(parse_args(&args("-t")).expect_err("rejected").message.contains("option requires an argument -- t"));
    }
}
