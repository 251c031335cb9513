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

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{RData, Record};

use crate::net::sockets::{Received, Settings, TRUNCATED_TEXT, resolve_server, server_text};
use crate::protocol::mnemonics::{self, code};
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::{as_address, names_to_try, reverse_name};
use crate::text::rdata::rdata_text;
use crate::text::record::{name_text_no_dot, record_type_code};
use crate::tools::asker::{Answer, Asker, Lookup, Server, bad_packet_text, report_no_reply};
use crate::tools::console::{self, out};
use crate::tools::nslookup::options::{Options, apply_option, parse_args};
use crate::wire::query::QuerySpec;
use crate::wire::reply::Reply;

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
    let mut options = parse_args(&args);
    if options.version {
        console::err(&format!("nslookup {}\n", crate::BIND_VERSION));
        return 0;
    }
    let conf = ResolvConf::load();
    match options.name.clone().filter(|name| name != "-") {
        Some(name) => one_shot(&options, &name, &conf),
        None => interactive(&mut options, &conf),
    }
}

/// `nslookup NAME [SERVER]`: one lookup, then the blank line nslookup ends with.
fn one_shot(options: &Options, name: &str, conf: &ResolvConf) -> i32 {
    if let Err(error) = crate::wire::query::check_user_name(name) {
        console::err(&format!("nslookup: {error}\n"));
        return 1;
    }
    let Some(servers) = servers(options, conf) else { return 1 };
    let code = run(options, name, conf, &servers);
    out("\n");
    code
}

/// Interactive mode (no name, or `-`): one command per stdin line — a name to look up (optionally
/// followed by a server), `server NAME`, `set OPTION`, `exit` — and the closing blank line.
fn interactive(options: &mut Options, conf: &ResolvConf) -> i32 {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    let prompt = stdin.is_terminal();
    let mut failed = false;
    // nslookup exits 1 when no query was answered at all, even when none was asked.
    let mut asked = false;
    let mut lines = stdin.lock().lines();
    loop {
        if prompt {
            out("> ");
            let _ = std::io::stdout().flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["exit"] => break,
            ["server" | "lserver", server, ..] => set_server(options, conf, server),
            ["set", option, ..] => apply_option(options, option),
            [name, rest @ ..] => {
                asked = true;
                let mut this = options.clone();
                if let Some(server) = rest.first() {
                    this.server = Some((*server).to_string());
                }
                failed |= match servers(&this, conf) {
                    Some(servers) => run(&this, name, conf, &servers) != 0,
                    None => true,
                };
            }
        }
    }
    out("\n");
    i32::from(failed || !asked)
}

/// `server NAME`: makes NAME the default server and says so.
fn set_server(options: &mut Options, conf: &ResolvConf, server: &str) {
    let mut candidate = options.clone();
    candidate.server = Some(server.to_string());
    if let Some(servers) = servers(&candidate, conf) {
        for (address, label) in &servers {
            out(&format!("Default server: {label}\nAddress: {}\n", server_text(*address)));
        }
        *options = candidate;
    }
}

/// The servers to ask: the server operand (every address it resolves to) or resolv.conf's list.
fn servers(options: &Options, conf: &ResolvConf) -> Option<Vec<Server>> {
    match &options.server {
        Some(server) => match resolve_server(server, options.port) {
            Ok(addresses) => Some(addresses.into_iter().map(|address| (address, server.clone())).collect()),
            Err(why) => {
                console::err(&format!("nslookup: couldn't get address for '{server}': {why}\n"));
                None
            }
        },
        None => {
            let all = conf.servers().into_iter();
            Some(all.map(|ip| (SocketAddr::new(ip, options.port), ip.to_string())).collect())
        }
    }
}

fn run(options: &Options, name: &str, conf: &ResolvConf, servers: &[Server]) -> i32 {
    let default_lookups = options.rtype.is_none();
    let first = match as_address(name) {
        Some(address) => Lookup { textname: name.to_string(), names: vec![reverse_name(address)], rtype: code::PTR },
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
        best_effort: false,
    };
    let mut state = RunState::default();
    let mut queue = VecDeque::from([first]);
    let mut follow_up = false;
    while let Some(lookup) = queue.pop_front() {
        let mut asker = Asker::new(servers, settings);
        let outcome = run_lookup(&lookup, options, &mut asker);
        settings.tcp = asker.uses_tcp();
        // A follow-up that got no usable reply (bad packet, no server) is reported and skipped:
        // BIND leaves the exit status alone.
        let Some((qname, reply, server)) = outcome else {
            if follow_up {
                continue;
            }
            return 1;
        };
        follow_up = true;
        let label = asker.label(server);
        print_reply(&lookup, &qname, &reply, (default_lookups, options.debug), (server, &label), &mut state);
        if default_lookups && lookup.rtype == code::A && reply.rcode() == 0 {
            let target = crate::text::record::name_text(&reply.cname_target(&qname));
            let textname = target.trim_end_matches('.').to_string();
            queue.push_back(Lookup { textname, names: vec![target], rtype: code::AAAA });
        }
    }
    i32::from(state.failed)
}

/// Sends the lookup's names until one is not NXDOMAIN; `None` when nothing could be printed.
fn run_lookup(lookup: &Lookup, options: &Options, asker: &mut Asker) -> Option<(String, Reply, SocketAddr)> {
    for (attempt, qname) in lookup.names.iter().enumerate() {
        let spec = QuerySpec::plain(qname, lookup.rtype, options.class, options.recurse);
        let (reply, received) = ask_query(asker, &spec, &lookup.textname, options)?;
        if reply.rcode() == 3 && attempt + 1 < lookup.names.len() {
            continue;
        }
        return Some((qname.clone(), reply, received.server));
    }
    None
}

/// One query: a reply, or `None` after printing why there is none. A SERVFAIL, or a reply without
/// recursion from a resolv.conf server, is reported and the next server asked, as nslookup does.
fn ask_query(asker: &mut Asker, spec: &QuerySpec, textname: &str, options: &Options) -> Option<(Reply, Received)> {
    let mut first = 0;
    loop {
        let answer = asker.ask_from(first, spec, textname, || out(&format!("{TRUNCATED_TEXT}\n"))).ok()?;
        let (reply, received) = match answer {
            Answer::Reply { reply, received } => (*reply, received),
            Answer::NoReply { announced } => {
                report_no_reply(announced);
                return None;
            }
            Answer::Abandoned => return None,
            Answer::BadPacket { reason, bytes } => {
                out(&bad_packet_text(reason, &bytes));
                return None;
            }
        };
        let complaint = if reply.rcode() == 2 {
            "SERVFAIL reply"
        } else if options.server.is_none() && options.recurse && !reply.header.recursion_available() {
            "recursion not available"
        } else {
            return Some((reply, received));
        };
        let label = asker.label(received.server);
        match asker.next_after(first, received.server) {
            Some(next) => {
                out(&format!(";; Got {complaint} from {label}, trying next server\n"));
                first = next;
            }
            None => {
                out(&format!(";; Got {complaint} from {label}\n"));
                return Some((reply, received));
            }
        }
    }
}

/// Prints one reply the way nslookup's `printmessage` does.
fn print_reply(
    lookup: &Lookup,
    qname: &str,
    reply: &Reply,
    (default_lookups, debug): (bool, bool),
    (server, label): (SocketAddr, &str),
    state: &mut RunState,
) {
    let is_a = lookup.rtype == code::A;
    let mut text = String::new();
    if !default_lookups || is_a {
        text.push_str(&format!("Server:\t\t{label}\nAddress:\t{}\n\n", server_text(server)));
    }
    if debug {
        text.push_str(&detail_text(reply));
    }
    let shown = qname.strip_suffix('.').filter(|s| !s.is_empty()).unwrap_or(qname);
    let rcode = reply.rcode();
    if rcode != 0 {
        let rcode_text = crate::text::message::short_rcode_text(rcode);
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

/// The tab-indented SOA fields (`printsoa`).
fn soa_lines(soa: &SOA) -> String {
    format!(
        "\torigin = {}\n\tmail addr = {}\n\tserial = {}\n\trefresh = {}\n\tretry = {}\n\texpire = {}\n\tminimum = {}\n",
        name_text_no_dot(&soa.mname),
        name_text_no_dot(&soa.rname),
        soa.serial,
        soa.refresh as u32,
        soa.retry as u32,
        soa.expire as u32,
        soa.minimum
    )
}

/// `phrase = rdata` (`printrdata`): the type's phrase, or `rdata_N = ` past the table.
fn phrase_and_rdata(rtype: u16, data: &RData) -> String {
    let phrase = PHRASES.get(usize::from(rtype)).map_or_else(|| format!("rdata_{rtype} = "), |p| (*p).to_string());
    format!("{phrase}{}", rdata_text(data))
}

/// The `-debug` block (`detailsection` for each section) between `------------` lines.
fn detail_text(reply: &Reply) -> String {
    let mut text = String::from("------------\n    QUESTIONS:\n");
    for query in &reply.questions {
        text.push_str(&format!(
            "\t{}, type = {}, class = {}\n",
            name_text_no_dot(&query.name),
            mnemonics::type_text(u16::from(query.query_type)),
            mnemonics::class_text(u16::from(query.query_class))
        ));
    }
    for (title, records) in ["ANSWERS", "AUTHORITY RECORDS", "ADDITIONAL RECORDS"].iter().zip(&reply.sections) {
        text.push_str(&format!("    {title}:\n"));
        for record in crate::text::message::grouped(records) {
            text.push_str(&format!("    ->  {}\n", name_text_no_dot(&record.name)));
            match &record.data {
                RData::SOA(soa) => text.push_str(&soa_lines(soa)),
                data => text.push_str(&format!("\t{}\n", phrase_and_rdata(record_type_code(record), data))),
            }
            text.push_str(&format!("\tttl = {}\n", record.ttl));
        }
    }
    text.push_str("------------\n");
    text
}

/// The lines of one section (`printsection`): addresses as `Name:`/`Address:` in the answer only.
fn section_lines(records: &[Record], answer: bool) -> String {
    let mut text = String::new();
    for record in crate::text::message::grouped(records) {
        let owner = name_text_no_dot(&record.name);
        match &record.data {
            RData::A(_) | RData::AAAA(_) if answer => {
                text.push_str(&format!("Name:\t{owner}\nAddress: {}\n", rdata_text(&record.data)));
            }
            RData::SOA(soa) => text.push_str(&format!("{owner}\n{}", soa_lines(soa))),
            data => text.push_str(&format!("{owner}\t{}\n", phrase_and_rdata(record_type_code(record), data))),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known types use nslookup's phrases; types past 41 use `rdata_N = `.
    #[test]
    fn phrases_by_type() {
        assert_eq!(PHRASES[33], "service = ");
        assert_eq!(PHRASES[12], "name = ");
        assert_eq!(PHRASES.len(), 42);
    }
}
