//! `host`: BIND 9.18's simple lookup tool.
//!
//! Options come from [`crate::tools::host::options`]. A lookup walks
//! the search list on NXDOMAIN; a successful default A lookup queues AAAA and MX lookups for the
//! name its CNAME chain ends at. Each reply prints as `name phrase rdata` lines, or in full with `-v`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use crate::text::message::{header_lines, section_block};
use crate::text::rdata::record_rdata_text;
use crate::text::rdata_uncommon::Layout;
use crate::text::record::{DEFAULT_STYLE, name_text_no_dot, record_type_code};
use crate::tools::asker::{
    Answer, Asker, FamilyMismatch, Lookup, Server, bad_packet_text, check_family, report_no_reply,
};
use crate::tools::console::{self, out};
use crate::tools::host::options::{Options, parse_args};
use crate::wire::query::QuerySpec;
use hickory_proto::rr::Record;

use crate::net::sockets::{Received, Settings, resolve_server, server_text};
use crate::protocol::mnemonics::{code, type_text};
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::{as_address, names_to_try, reverse_name};
use crate::wire::reply::Reply;

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
    if let Err(error) = crate::wire::query::check_user_name(&options.name) {
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
    if let (Some(label), Some((address, _))) = (&options.server, servers.first()) {
        match check_family(label, *address, options.family) {
            Ok(()) => {}
            Err(FamilyMismatch::Unsupported(text)) => {
                console::err(&format!("{}: {text}", console::progname()));
                return 1;
            }
            Err(FamilyMismatch::Mapped(text)) => {
                out(&text);
                return 1;
            }
        }
    }
    run(&options, &conf, &servers)
}

/// The servers to ask: the operand, or resolv.conf's list, filtered by `-4`/`-6`.
fn servers(options: &Options, conf: &ResolvConf) -> Result<Vec<Server>, String> {
    let all: Vec<Server> = match &options.server {
        Some(server) => resolve_server(server, options.port)
            .map_err(|why| format!("{}: couldn't get address for '{server}': {why}\n", console::progname()))?
            .into_iter()
            .take(1)
            .map(|address| (address, server.clone()))
            .collect(),
        None => conf.servers().into_iter().map(|ip| (SocketAddr::new(ip, options.port), ip.to_string())).collect(),
    };
    if options.server.is_some() {
        return Ok(all);
    }
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
        Some(address) => {
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
        best_effort: false,
    };
    if options.list || is_transfer(first.rtype) {
        let zone = format!("{}.", options.name.trim_end_matches('.'));
        return crate::tools::host::transfer::run(options, servers, settings, &zone);
    }
    let mut queue = VecDeque::from([first]);
    let mut state = RunState::default();
    let mut follow_up = false;
    while let Some(lookup) = queue.pop_front() {
        // Each lookup, follow-ups included, starts with the full try budget.
        let mut asker = Asker::new(servers, settings);
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
            // A follow-up that got no usable reply (bad packet, no server) is reported and skipped:
            // BIND goes on to the next one and leaves the exit status alone.
            Err(_) if follow_up => {}
            Err(code) => return code,
        }
        follow_up = true;
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
        // An explicit `-t AXFR`/`-t IXFR` shows the `Trying` line even without `-v` (not `-l`).
        if options.verbose || options.rtype_named && is_transfer(lookup.rtype) {
            out(&trying);
        }
        let spec = QuerySpec::plain(qname, lookup.rtype, options.class, options.recurse);
        let (reply, received) = ask_query(asker, &spec, &lookup.textname, options, &trying)?;
        if reply.rcode() == 3 && attempt + 1 < lookup.names.len() {
            continue;
        }
        if let Some(server) = &options.server
            && !state.server_shown
        {
            state.server_shown = true;
            out(&server_block(server, &received));
        }
        print_reply(lookup, qname, &reply, options, state);
        if options.verbose {
            print_received(&reply, &received);
        }
        return Ok(Some((qname.clone(), reply)));
    }
    Ok(None)
}

/// The `Using domain server:` block printed before the first reply when a server was named.
pub(crate) fn server_block(server: &str, received: &Received) -> String {
    format!("Using domain server:\nName: {server}\nAddress: {}\nAliases: \n\n", server_text(received.server))
}

/// A reply in full (`-v`): header block (with host's one-line EDNS summary) and every non-empty section.
pub(crate) fn verbose_text(reply: &Reply) -> String {
    let mut text = header_lines(reply);
    if let Some(opt) = &reply.opt {
        text.push_str(&format!("\n;; EDNS: version: {}, udp={}", opt.version, opt.udp_size));
    }
    text.push_str("\n\n");
    for section in 0..4 {
        text.push_str(&section_block(reply, section, &DEFAULT_STYLE));
    }
    text
}

/// One record in host's short form: `owner phrase rdata`.
pub(crate) fn short_line(record: &Record) -> String {
    format!(
        "{} {} {}\n",
        name_text_no_dot(&record.name),
        phrase(record_type_code(record)),
        record_rdata_text(record, Layout::SingleLine)
    )
}

/// One query: the reply, or the exit status after printing why there is none. A SERVFAIL moves on
/// to the next server silently, unless `-s` says it should stop the query.
fn ask_query(
    asker: &mut Asker,
    spec: &QuerySpec,
    textname: &str,
    options: &Options,
    trying: &str,
) -> Result<(Reply, Received), i32> {
    let mut first = 0;
    loop {
        // A TCP retry after truncation is a new query to BIND, with its own `Trying` line.
        let answer = asker.ask_from(first, spec, textname, || {
            if options.verbose {
                out(trying);
            }
        });
        let (reply, received) = match answer {
            Ok(Answer::Reply { reply, received }) => (*reply, received),
            Ok(Answer::NoReply { announced }) => {
                report_no_reply(announced);
                return Err(1);
            }
            Ok(Answer::Abandoned) => return Err(1),
            Ok(Answer::BadPacket { reason, bytes }) => {
                out(&bad_packet_text(reason, &bytes));
                return Err(1);
            }
            Err(error) => {
                console::err(&format!("{}: {error}\n", console::progname()));
                return Err(1);
            }
        };
        match asker.next_after(first, received.server) {
            Some(next) if reply.rcode() == SERVFAIL && !options.servfail_stops => first = next,
            _ => return Ok((reply, received)),
        }
    }
}

/// `Received N bytes from ip#port in T ms`, after a verbose reply.
pub(crate) fn print_received(reply: &Reply, received: &Received) {
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
        let text = crate::text::message::short_rcode_text(rcode);
        out(&format!("Host {name} not found: {rcode}({text})\n"));
        if is_transfer(lookup.rtype) {
            out("; Transfer failed.\n");
        }
        return;
    }
    if options.verbose {
        out(&verbose_text(reply));
        return;
    }
    for record in crate::text::message::grouped(reply.answers()) {
        out(&short_line(record));
    }
    if reply.answers().is_empty() && options.rtype.is_some() {
        out(&format!("{shown} has no {} record\n", type_text(lookup.rtype)));
    }
}

/// The SERVFAIL response code.
const SERVFAIL: u16 = 2;

/// Zone transfers report a failed reply with one more line.
pub(crate) fn is_transfer(rtype: u16) -> bool {
    rtype == code::AXFR || rtype == code::IXFR
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

    /// `-v` shows a reply's OPT record as host's one-line EDNS summary (version and UDP size only).
    #[test]
    fn verbose_shows_edns_summary() {
        let mut bytes = vec![0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 1, 1, b'a', 0, 0, 1, 0, 1];
        bytes.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 4, 0, 10, 0, 0]);
        let reply = crate::wire::reply::parse(bytes, false).expect("parses");
        let text = verbose_text(&reply);
        assert!(text.contains("ADDITIONAL: 1\n;; EDNS: version: 0, udp=1232\n\n;; QUESTION SECTION:\n"), "{text}");
    }

    /// Short-form phrases follow host's table, with a generic fallback.
    #[test]
    fn phrases() {
        assert_eq!(phrase(1), "has address");
        assert_eq!(phrase(33), "has SRV record");
        assert_eq!(phrase(65280), "has TYPE65280 record");
    }
}
