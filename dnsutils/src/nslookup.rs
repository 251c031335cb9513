//! `nslookup` (non-interactive): BIND 9.18's friendly lookup tool.
//!
//! `nslookup [-option=value ...] name [server]`. A default lookup asks for A, prints the
//! `Server:`/`Address:` header and the addresses, then follows up with AAAA for the name the CNAME
//! chain ends at. `-type=X` asks once for X. Replies print as `Name:`/`Address:` pairs or
//! `name<TAB>phrase = rdata` lines; failures as `** server can't find NAME: RCODE`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::rr::{RData, Record};

use crate::asking::{Answer, Asker, Server, bad_packet_text, report_no_reply};
use crate::console::{self, out};
use crate::presentation::{name_text_no_dot, rdata_text, record_type_code};
use crate::query::{QuerySpec, random_id};
use crate::reply::Reply;
use crate::resolv_conf::ResolvConf;
use crate::search::{as_address, names_to_try, reverse_name};
use crate::transport::{Settings, TRUNCATED_TEXT, resolve_server, server_text};
use crate::types::{self, code};

/// Phrases by type code for `name<TAB>phrase rdata` lines (`nslookup.c` `rtypetext[]`).
const PHRASES: [&str; 42] = [
    "rtype_0 = ",
    "internet address = ",
    "nameserver = ",
    "md = ",
    "mf = ",
    "canonical name = ",
    "soa = ",
    "mb = ",
    "mg = ",
    "mr = ",
    "rtype_10 = ",
    "protocol = ",
    "name = ",
    "hinfo = ",
    "minfo = ",
    "mail exchanger = ",
    "text = ",
    "rp = ",
    "afsdb = ",
    "x25 address = ",
    "isdn address = ",
    "rt = ",
    "nsap = ",
    "nsap_ptr = ",
    "signature = ",
    "key = ",
    "px = ",
    "gpos = ",
    "has AAAA address ",
    "loc = ",
    "next = ",
    "rtype_31 = ",
    "rtype_32 = ",
    "service = ",
    "rtype_34 = ",
    "naptr = ",
    "kx = ",
    "cert = ",
    "v6 address = ",
    "dname = ",
    "rtype_40 = ",
    "optional = ",
];

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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: None,
            server: None,
            rtype: None,
            class: code::IN,
            port: 53,
            timeout: None,
            retry: None,
            tcp: false,
            recurse: true,
            search: true,
            ndots: None,
            version: false,
        }
    }
}

/// Does `word` abbreviate `option` with at least `min` characters (BIND's `strncasecmp` checks)?
fn abbreviates(word: &str, option: &str, min: usize) -> bool {
    word.len() >= min && option.starts_with(&word.to_ascii_lowercase())
}

/// Applies one `-option[=value]`; unknown options print BIND's complaint and are ignored.
fn apply_option(options: &mut Options, text: &str) {
    let (word, value) = match text.split_once('=') {
        Some((word, value)) => (word, Some(value)),
        None => (text, None),
    };
    let number = || value.and_then(|v| v.parse::<u64>().ok());
    if abbreviates(word, "type", 2) || abbreviates(word, "querytype", 1) {
        if let Some(value) = value {
            match types::parse_type(value) {
                Some(rtype) => options.rtype = Some(rtype),
                None => out(&format!("unknown query type: {value}\n")),
            }
        }
    } else if abbreviates(word, "class", 2) {
        match value.and_then(types::parse_class) {
            Some(class) => options.class = class,
            None => out(&format!("unknown query class: {}\n", value.unwrap_or(""))),
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
    } else if word.eq_ignore_ascii_case("version") {
        options.version = true;
    } else if word.eq_ignore_ascii_case("vc") {
        options.tcp = true;
    } else if word.eq_ignore_ascii_case("novc") {
        options.tcp = false;
    } else if !["debug", "nodebug", "d2", "nod2", "fail", "nofail", "sil", "silent", "domain", "all"]
        .iter()
        .any(|known| word.eq_ignore_ascii_case(known) || word.to_ascii_lowercase().starts_with("domain"))
    {
        out(&format!("*** Invalid option: {word}\n"));
    }
}

/// Parses nslookup's arguments (without argv[0]).
pub fn parse_args(args: &[String]) -> Options {
    let mut options = Options::default();
    let mut operands = Vec::new();
    for arg in args {
        match arg.strip_prefix('-') {
            Some(option) if !option.is_empty() => apply_option(&mut options, option),
            _ => operands.push(arg.clone()),
        }
    }
    let mut operands = operands.into_iter();
    options.name = operands.next();
    options.server = operands.next();
    options
}

/// One queued query.
struct Lookup {
    /// The name `*** Can't find X: No answer` reports: the user's text, or the chased name.
    textname: String,
    /// Absolute names to try (the search walk).
    names: Vec<String>,
    /// Query type.
    rtype: u16,
}

/// What the printed replies so far decide later.
#[derive(Default)]
struct RunState {
    /// The A lookup had an empty answer; an empty AAAA answer then says `No answer`.
    a_noanswer: bool,
    /// A `** server can't find` or a missing reply was printed.
    failed: bool,
}

/// Runs `nslookup` with `args` (argv without argv[0]); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let options = parse_args(&args);
    if options.version {
        console::err(&format!("nslookup {}\n", crate::BIND_VERSION));
        return 0;
    }
    let Some(name) = options.name.clone().filter(|n| n != "-") else {
        console::err("nslookup: interactive mode is not supported; give a name to look up\n");
        return 1;
    };
    if let Err(error) = crate::query::check_user_name(&name) {
        console::err(&format!("nslookup: {error}\n"));
        return 1;
    }
    let conf = ResolvConf::load();
    let servers: Vec<Server> = match &options.server {
        Some(server) => match resolve_server(server, options.port) {
            Ok(addresses) => addresses.into_iter().map(|address| (address, server.clone())).collect(),
            Err(why) => {
                console::err(&format!("nslookup: couldn't get address for '{server}': {why}\n"));
                return 1;
            }
        },
        None => conf.servers().into_iter().map(|ip| (SocketAddr::new(ip, options.port), ip.to_string())).collect(),
    };
    let code = run(&options, &name, &conf, &servers);
    out("\n");
    code
}

fn run(options: &Options, name: &str, conf: &ResolvConf, servers: &[Server]) -> i32 {
    let default_lookups = options.rtype.is_none();
    let first = match as_address(name) {
        Some(address) if default_lookups => {
            Lookup { textname: name.to_string(), names: vec![reverse_name(address)], rtype: code::PTR }
        }
        _ => {
            let ndots = options.ndots.unwrap_or(conf.ndots);
            Lookup {
                textname: name.to_string(),
                names: names_to_try(name, &conf.search, ndots, options.search),
                rtype: options.rtype.unwrap_or(code::A),
            }
        }
    };
    let mut settings = Settings {
        timeout: Duration::from_secs(options.timeout.or(conf.timeout.map(u64::from)).unwrap_or(5)),
        tries: options.retry.or(conf.attempts).unwrap_or(3).max(1),
        tcp: options.tcp,
        ignore_truncation: false,
    };
    let mut state = RunState::default();
    let mut queue = VecDeque::from([first]);
    while let Some(lookup) = queue.pop_front() {
        let mut asker = Asker::new(servers, settings, false);
        let outcome = run_lookup(&lookup, options, &mut asker, &mut state);
        settings.tcp = asker.uses_tcp();
        let Some((qname, reply, server)) = outcome else {
            return 1;
        };
        let label = asker.label(server);
        print_reply(&lookup, &qname, &reply, default_lookups, (server, &label), &mut state);
        if default_lookups && lookup.rtype == code::A && reply.rcode() == 0 {
            let target = crate::presentation::name_text(&reply.cname_target(&qname));
            let textname = target.trim_end_matches('.').to_string();
            queue.push_back(Lookup { textname, names: vec![target], rtype: code::AAAA });
        }
    }
    i32::from(state.failed)
}

/// Sends the lookup's names until one is not NXDOMAIN; `None` when nothing could be printed.
fn run_lookup(
    lookup: &Lookup,
    options: &Options,
    asker: &mut Asker,
    state: &mut RunState,
) -> Option<(String, Reply, SocketAddr)> {
    for (attempt, qname) in lookup.names.iter().enumerate() {
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
        let answer = asker.ask(&spec, &lookup.textname, || out(&format!("{TRUNCATED_TEXT}\n"))).ok()?;
        let (reply, received) = match answer {
            Answer::Reply { reply, received } => (*reply, received),
            Answer::NoReply { announced } => {
                report_no_reply(announced);
                state.failed = true;
                return None;
            }
            Answer::BadPacket { reason, bytes } => {
                out(&bad_packet_text(reason, &bytes));
                state.failed = true;
                return None;
            }
        };
        let label = asker.label(received.server);
        if reply.rcode() == 2 {
            out(&format!(";; Got SERVFAIL reply from {label}\n"));
        } else if options.server.is_none() && options.recurse && !reply.header.recursion_available() {
            out(&format!(";; Got recursion not available from {label}\n"));
        }
        if reply.rcode() == 3 && attempt + 1 < lookup.names.len() {
            continue;
        }
        return Some((qname.clone(), reply, received.server));
    }
    None
}

/// Prints one reply the way nslookup's `printmessage` does.
fn print_reply(
    lookup: &Lookup,
    qname: &str,
    reply: &Reply,
    default_lookups: bool,
    (server, label): (SocketAddr, &str),
    state: &mut RunState,
) {
    let is_a = lookup.rtype == code::A;
    let mut text = String::new();
    if !default_lookups || is_a {
        text.push_str(&format!("Server:\t\t{label}\nAddress:\t{}\n\n", server_text(server)));
    }
    let shown = qname.strip_suffix('.').filter(|s| !s.is_empty()).unwrap_or(qname);
    let rcode = reply.rcode();
    if rcode != 0 {
        let rcode_text = crate::message_text::short_rcode_text(rcode);
        text.push_str(&format!("** server can't find {shown}: {rcode_text}\n"));
        state.failed = true;
        out(&text);
        return;
    }
    let authoritative = reply.header.authoritative();
    if !authoritative && (!default_lookups || is_a) {
        text.push_str("Non-authoritative answer:\n");
    }
    if !reply.answers().is_empty() {
        text.push_str(&section_lines(reply.answers(), true));
    } else if default_lookups && is_a {
        state.a_noanswer = true;
    } else if !default_lookups || (lookup.rtype == code::AAAA && state.a_noanswer) {
        text.push_str(&format!("*** Can't find {}: No answer\n", lookup.textname));
    }
    if !authoritative && !is_a && lookup.rtype != code::AAAA {
        text.push_str("\nAuthoritative answers can be found from:\n");
        text.push_str(&section_lines(&reply.sections[1], false));
        text.push_str(&section_lines(&reply.sections[2], false));
    }
    out(&text);
}

/// The lines of one section (`printsection`): addresses as `Name:`/`Address:` in the answer only.
fn section_lines(records: &[Record], answer: bool) -> String {
    let mut text = String::new();
    for record in crate::message_text::grouped(records) {
        let owner = name_text_no_dot(&record.name);
        match &record.data {
            RData::A(_) | RData::AAAA(_) if answer => {
                text.push_str(&format!("Name:\t{owner}\nAddress: {}\n", rdata_text(&record.data)));
            }
            RData::SOA(soa) => text.push_str(&format!(
                "{owner}\n\torigin = {}\n\tmail addr = {}\n\tserial = {}\n\trefresh = {}\n\tretry = {}\n\texpire = {}\n\tminimum = {}\n",
                name_text_no_dot(&soa.mname),
                name_text_no_dot(&soa.rname),
                soa.serial,
                soa.refresh as u32,
                soa.retry as u32,
                soa.expire as u32,
                soa.minimum
            )),
            data => {
                let rtype = record_type_code(record);
                let phrase = PHRASES.get(usize::from(rtype)).map_or_else(|| format!("rdata_{rtype} = "), |p| (*p).to_string());
                text.push_str(&format!("{owner}\t{phrase}{}\n", rdata_text(data)));
            }
        }
    }
    text
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
        let options = parse_args(&args("-query=srv -po=5353 -ret=1 _x._tcp.y 127.0.0.1"));
        assert_eq!(options.rtype, Some(33));
        assert_eq!(options.port, 5353);
        assert_eq!(options.retry, Some(1));
        assert_eq!(options.name.as_deref(), Some("_x._tcp.y"));
        assert_eq!(options.server.as_deref(), Some("127.0.0.1"));
    }

    /// `-vc` switches to TCP and `-norecurse` clears RD.
    #[test]
    fn transport_and_recursion_flags() {
        let options = parse_args(&args("-vc -norecurse x"));
        assert!(options.tcp);
        assert!(!options.recurse);
    }

    /// Known types use nslookup's phrases; types past 41 use `rdata_N = `.
    #[test]
    fn phrases_by_type() {
        assert_eq!(PHRASES[33], "service = ");
        assert_eq!(PHRASES[12], "name = ");
        assert_eq!(PHRASES.len(), 42);
    }
}
