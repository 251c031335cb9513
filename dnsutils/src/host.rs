//! `host`: BIND 9.18's simple lookup tool.
//!
//! Options are parsed like BIND's `getopt` (bundled flags, stop at the first operand). A lookup walks
//! the search list on NXDOMAIN; a successful default A lookup queues AAAA and MX lookups for the
//! name its CNAME chain ends at. Each reply prints as `name phrase rdata` lines, or in full with `-v`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use crate::asking::{Answer, Asker, Server, bad_packet_text, report_no_reply};
use crate::console::{self, out};
use crate::message_text::{header_lines, section_block};
use crate::presentation::{DEFAULT_STYLE, name_text_no_dot, rdata_text, record_type_code};
use crate::query::{QuerySpec, random_id};
use crate::reply::Reply;
use crate::resolv_conf::ResolvConf;
use crate::search::{as_address, names_to_try, reverse_name};
use crate::transport::{Received, Settings, resolve_server, server_text};
use crate::types::{self, code, type_text};

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
    pub family: Option<u8>,
    /// `-V`: print the version and stop.
    pub version: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: String::new(),
            server: None,
            rtype: None,
            class: code::IN,
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

/// Parses host's arguments (without argv[0]).
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
            options.rtype = Some(code::ANY);
        }
        'd' | 'v' => options.verbose = true,
        'r' => options.recurse = false,
        'T' => options.tcp = true,
        'U' => options.tcp = false,
        'l' => {
            options.rtype = Some(code::AXFR);
            options.tcp = true;
        }
        'w' => options.timeout = Some(u64::from(u32::MAX)),
        '4' => options.family = Some(4),
        '6' => options.family = Some(6),
        'V' => options.version = true,
        'C' | 'i' | 'n' | 's' => {}
        _ => return Err(usage(format!("illegal option -- {flag}"))),
    }
    Ok(())
}

fn apply_value(options: &mut Options, flag: char, value: &str) -> Result<(), UsageError> {
    let number = atoi(value);
    let small = u32::try_from(number).unwrap_or(u32::MAX);
    match flag {
        't' => {
            let rtype = types::parse_type(value).ok_or_else(|| fatal(format!("invalid type: {value}")))?;
            options.rtype = Some(rtype);
            if rtype == code::AXFR || rtype == code::IXFR {
                options.tcp = true;
            }
        }
        'c' => {
            options.class = types::parse_class(value).ok_or_else(|| fatal(format!("invalid class: {value}")))?;
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

/// One queued lookup: a name the user gave (or a follow-up), its type, and whether to search.
#[derive(Clone, Debug)]
struct Lookup {
    /// The text `Host X not found` names on NXDOMAIN.
    textname: String,
    /// Absolute names to try in order.
    names: Vec<String>,
    /// Query type.
    rtype: u16,
}

/// What a run has printed so far that changes later output or the exit code.
#[derive(Default)]
struct RunState {
    /// The `Using domain server:` block is printed once.
    server_shown: bool,
    /// A non-NOERROR reply was printed.
    seen_error: bool,
}

/// Runs `host` with `args` (argv without argv[0]); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(error) => {
            console::err(&error.message);
            return error.code;
        }
    };
    if options.version {
        console::err(&format!("host {}\n", crate::BIND_VERSION));
        return 0;
    }
    if let Err(error) = crate::query::check_user_name(&options.name) {
        console::err(&format!("{}: {error}\n", console::progname()));
        return 1;
    }
    let conf = ResolvConf::load();
    let servers = match servers(&options, &conf) {
        Ok(servers) => servers,
        Err(message) => {
            console::err(&message);
            return 1;
        }
    };
    run(&options, &conf, &servers)
}

/// The servers to ask: the operand, or resolv.conf's list, filtered by `-4`/`-6`.
fn servers(options: &Options, conf: &ResolvConf) -> Result<Vec<Server>, String> {
    let all: Vec<Server> = match &options.server {
        Some(server) => vec![(
            resolve_server(server, options.port)
                .ok_or_else(|| format!("host: couldn't get address for '{server}': not found\n"))?,
            server.clone(),
        )],
        None => conf.servers().into_iter().map(|ip| (SocketAddr::new(ip, options.port), ip.to_string())).collect(),
    };
    Ok(all
        .into_iter()
        .filter(|(address, _)| match options.family {
            Some(4) => address.is_ipv4(),
            Some(6) => address.is_ipv6(),
            _ => true,
        })
        .collect())
}

fn run(options: &Options, conf: &ResolvConf, servers: &[Server]) -> i32 {
    let default_lookups = options.rtype.is_none() && options.class == code::IN;
    let ndots = options.ndots.unwrap_or(conf.ndots);
    let first = match as_address(&options.name) {
        Some(address) if options.rtype.is_none() => {
            Lookup { textname: reverse_name(address), names: vec![reverse_name(address)], rtype: code::PTR }
        }
        _ => Lookup {
            textname: options.name.clone(),
            names: names_to_try(&options.name, &conf.search, ndots, true),
            rtype: options.rtype.unwrap_or(code::A),
        },
    };
    let mut settings = Settings {
        timeout: Duration::from_secs(options.timeout.or(conf.timeout.map(u64::from)).unwrap_or(5)),
        tries: options.retries.unwrap_or(1).saturating_add(1).max(2),
        tcp: options.tcp,
        ignore_truncation: false,
    };
    let mut queue = VecDeque::from([first]);
    let mut state = RunState::default();
    while let Some(lookup) = queue.pop_front() {
        // Each lookup, follow-ups included, starts with the full try budget.
        let mut asker = Asker::new(servers, settings, false);
        let outcome = run_lookup(&lookup, options, &mut asker, &mut state);
        settings.tcp = asker.uses_tcp();
        match outcome {
            Ok(Some((qname, reply))) if default_lookups && lookup.rtype == code::A && reply.rcode() == 0 => {
                let target = name_text_no_dot(&reply.cname_target(&qname));
                for rtype in [code::AAAA, code::MX] {
                    queue.push_back(Lookup { textname: target.clone(), names: vec![format!("{target}.")], rtype });
                }
            }
            Ok(_) => {}
            Err(code) => return code,
        }
    }
    i32::from(state.seen_error)
}

/// Runs one lookup through its search names; returns the final name and reply, or an exit code.
fn run_lookup(
    lookup: &Lookup,
    options: &Options,
    asker: &mut Asker,
    state: &mut RunState,
) -> Result<Option<(String, Reply)>, i32> {
    for (attempt, qname) in lookup.names.iter().enumerate() {
        let trying = format!("Trying \"{}\"\n", qname.strip_suffix('.').unwrap_or(qname));
        if options.verbose {
            out(&trying);
        }
        let spec = QuerySpec {
            id: random_id(),
            name: qname.clone(),
            rtype: lookup.rtype,
            class: options.class,
            recurse: options.recurse,
            authentic_data: false,
            checking_disabled: false,
            edns: None,
        };
        // A TCP retry after truncation is a new query to BIND, with its own `Trying` line.
        let answer = asker.ask(&spec, &lookup.textname, || {
            if options.verbose {
                out(&trying);
            }
        });
        let (reply, received) = match answer {
            Ok(Answer::Reply { reply, received }) => (*reply, received),
            Ok(Answer::NoReply { announced }) => {
                report_no_reply(announced);
                return Err(1);
            }
            Ok(Answer::BadPacket { reason, bytes }) => {
                out(&bad_packet_text(reason, &bytes));
                return Err(1);
            }
            Err(error) => {
                console::err(&format!("host: {error}\n"));
                return Err(1);
            }
        };
        if reply.rcode() == 3 && attempt + 1 < lookup.names.len() {
            continue;
        }
        if let Some(server) = &options.server
            && !state.server_shown
        {
            state.server_shown = true;
            out(&format!(
                "Using domain server:\nName: {server}\nAddress: {}\nAliases: \n\n",
                server_text(received.server)
            ));
        }
        print_reply(lookup, qname, &reply, options, state);
        if options.verbose {
            print_received(&reply, &received);
        }
        return Ok(Some((qname.clone(), reply)));
    }
    Ok(None)
}

/// `Received N bytes from ip#port in T ms`, after a verbose reply.
fn print_received(reply: &Reply, received: &Received) {
    let line = format!(
        "Received {} bytes from {} in {} ms\n",
        received.bytes.len(),
        server_text(received.server),
        received.elapsed.as_millis()
    );
    // BIND 9.18 reports a final NXDOMAIN twice in verbose mode.
    let times = if reply.rcode() == 3 { 2 } else { 1 };
    out(&line.repeat(times));
}

/// Prints one final reply the way host's `printmessage` does.
fn print_reply(lookup: &Lookup, qname: &str, reply: &Reply, options: &Options, state: &mut RunState) {
    let shown = qname.strip_suffix('.').unwrap_or(qname);
    let rcode = reply.rcode();
    if rcode != 0 {
        state.seen_error = true;
        let name = if rcode == 3 { lookup.textname.as_str() } else { shown };
        let text = crate::message_text::short_rcode_text(rcode);
        out(&format!("Host {name} not found: {rcode}({text})\n"));
        return;
    }
    if options.verbose {
        let mut text = format!("{}\n\n", header_lines(reply));
        for section in 0..4 {
            text.push_str(&section_block(reply, section, &DEFAULT_STYLE));
        }
        out(&text);
        return;
    }
    for record in crate::message_text::grouped(reply.answers()) {
        out(&format!(
            "{} {} {}\n",
            name_text_no_dot(&record.name),
            phrase(record_type_code(record)),
            rdata_text(&record.data)
        ));
    }
    if reply.answers().is_empty() && options.rtype.is_some() {
        out(&format!("{shown} has no {} record\n", type_text(lookup.rtype)));
    }
}

/// The words between owner and rdata in host's short form (`host.c` `rtypes[]`).
fn phrase(rtype: u16) -> String {
    let known = match rtype {
        1 => "has address",
        2 => "name server",
        5 => "is an alias for",
        11 => "has well known services",
        12 => "domain name pointer",
        13 => "host information",
        15 => "mail is handled by",
        16 => "descriptive text",
        19 => "x25 address",
        20 => "ISDN address",
        24 => "has signature",
        25 => "has key",
        28 => "has IPv6 address",
        29 => "location",
        _ => return format!("has {} record", type_text(rtype)),
    };
    known.to_string()
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
        assert_eq!(options.rtype, Some(28));
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
        assert_eq!(options.rtype, Some(255));
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

    /// Short-form phrases follow host's table, with a generic fallback.
    #[test]
    fn phrases() {
        assert_eq!(phrase(1), "has address");
        assert_eq!(phrase(33), "has SRV record");
        assert_eq!(phrase(65280), "has TYPE65280 record");
    }
}
