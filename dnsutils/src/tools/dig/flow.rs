//! `dig`: BIND 9.18's query tool, with its full default output.
//!
//! Per lookup: send the query (EDNS and COOKIE as dig sends them), print what happened while
//! waiting, then the greeting (printed late, as 9.18 does), `;; Got answer:`, the header block, the
//! OPT pseudosection, the sections and the statistics footer, each under its `+option` toggle.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::DnsError;
use crate::net::sockets::{Received, Settings, TRUNCATED_TEXT, resolve_server};
use crate::protocol::mnemonics::code;
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::names_to_try;
use crate::text::edns::opt_pseudosection;
use crate::text::message::{grouped, header_lines, section_block};
use crate::text::rdata::record_rdata_text;
use crate::text::rdata_uncommon::Layout;
use crate::text::record::{Columns, DEFAULT_COLUMNS, LineStyle};
use crate::text::stats::{stats, transfer_stats};
use crate::tools::asker::{
    Answer, Asker, FamilyMismatch, Server, Transfer, bad_packet_text, check_family, report_no_reply,
};
use crate::tools::console::{self, out};
use crate::tools::dig::options::{DigArgError, DigLookup, parse_args};
use crate::wire::query::{COOKIE_OPTION, EdnsSpec, QuerySpec, random_cookie, random_id};
use crate::wire::reply::Reply;

const SHORT_USAGE: &str = "Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}
            {global-d-opt} host [@local-server] {local-d-opt}
            [ host [@local-server] {local-d-opt} [...]]

Use \"dig -h\" (or \"dig -h | more\") for complete list of options
";

/// `dig -h`, as BIND 9.18 prints it.
const HELP: &str = include_str!("help.txt");

/// The SERVFAIL response code.
const SERVFAIL: u16 = 2;

/// The BADCOOKIE response code (RFC 7873): retry with the server's cookie.
const BADCOOKIE: u16 = 23;

/// dig's exit status when no server answered.
const EXIT_NO_REPLY: i32 = 9;

/// dig's exit status for usage errors.
const EXIT_USAGE: i32 = 1;

/// dig's exit status for internal errors (a name it cannot encode, an unresolvable server).
const EXIT_INTERNAL: i32 = 10;

/// Runs `dig` with `args` (argv without argv[0]); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let parsed = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(DigArgError::InvalidOption(option)) => {
            console::err(&format!("Invalid option: {option}\n{SHORT_USAGE}"));
            return EXIT_USAGE;
        }
        Err(DigArgError::Fatal(message)) => {
            console::err(&format!("{}: {message}\n", console::progname()));
            return EXIT_USAGE;
        }
        Err(DigArgError::BadNumber { what, value, reason, code }) => {
            out(&format!("invalid {what} '{value}': {reason}\n"));
            console::err(&format!("{}: Couldn't parse {what}\n", console::progname()));
            return code;
        }
    };
    for warning in &parsed.warnings {
        console::err(&format!("{warning}\n"));
    }
    if parsed.help {
        out(HELP);
        return 0;
    }
    if parsed.version {
        console::err(&format!("DiG {}\n", crate::BIND_VERSION));
        return 0;
    }
    let conf = ResolvConf::load();
    let greeting = parsed.global.cmd.then(|| greeting(&args, &parsed.global));
    let mut run = Run { greeting, print_cmd: parsed.print_cmd, exit: 0 };
    for lookup in &parsed.lookups {
        let code = run_lookup(lookup, &conf, &mut run);
        run.exit = run.exit.max(code);
    }
    run.exit
}

/// State across the lookups of one run.
struct Run {
    /// The greeting, until it has been printed once.
    greeting: Option<String>,
    /// Whether answers print the greeting (dig's global `printcmd`).
    print_cmd: bool,
    /// The exit status so far.
    exit: i32,
}

impl Run {
    /// Prints the greeting if it has not been printed yet.
    fn greet(&mut self) {
        if let Some(text) = self.greeting.take() {
            out(&text);
        }
    }
}

/// `; <<>> DiG ... <<>> args`, the server count when `@server` was given, and the global options.
fn greeting(args: &[String], global: &DigLookup) -> String {
    let mut text = format!("\n; <<>> DiG {} <<>> {}\n", crate::BIND_VERSION, args.join(" "));
    if let Some(server) = &global.server {
        let count = resolve_server(server, global.port).map_or(1, |addresses| addresses.len());
        let plural = if count == 1 { "" } else { "s" };
        text.push_str(&format!("; ({count} server{plural} found)\n"));
    }
    let short = if global.short { " +short" } else { "" };
    text.push_str(&format!(";; global options:{short} +cmd\n"));
    text
}

/// The servers of a lookup and the label dig prints for them in `;; SERVER: ip#port(label)`.
/// An explicit `@server` is used as resolved (a `-4`/`-6` mismatch is reported by the caller);
/// resolv.conf's servers are filtered by family. The error is BIND's reason a name did not resolve.
fn servers(lookup: &DigLookup, conf: &ResolvConf) -> Result<Vec<Server>, &'static str> {
    if let Some(server) = &lookup.server {
        let addresses = resolve_server(server, lookup.port)?;
        return Ok(addresses.into_iter().map(|address| (address, server.clone())).collect());
    }
    let all = conf.servers().into_iter().map(|ip| (SocketAddr::new(ip, lookup.port), ip.to_string()));
    Ok(all
        .filter(|(address, _)| match lookup.family {
            Some(4) => address.is_ipv4(),
            Some(6) => address.is_ipv6(),
            _ => true,
        })
        .collect())
}

fn run_lookup(lookup: &DigLookup, conf: &ResolvConf, run: &mut Run) -> i32 {
    let name = lookup.name.clone().unwrap_or_else(|| ".".to_string());
    if let Err(error) = crate::wire::query::check_user_name(&name) {
        let error = error.to_string().replace("is not in legal name syntax", "is not a legal name");
        console::err(&format!("{}: {error}\n", console::progname()));
        return EXIT_INTERNAL;
    }
    let rtype = lookup.rtype.unwrap_or(code::A);
    let servers = match servers(lookup, conf) {
        Ok(servers) => servers,
        Err(why) => {
            let server = lookup.server.clone().unwrap_or_default();
            console::err(&format!("{}: couldn't get address for '{server}': {why}\n", console::progname()));
            return EXIT_USAGE;
        }
    };
    if let (Some(label), Some((address, _))) = (&lookup.server, servers.first()) {
        match check_family(label, *address, lookup.family) {
            Ok(()) => {}
            Err(FamilyMismatch::Unsupported(text)) => {
                console::err(&format!("{}: {text}", console::progname()));
                return EXIT_USAGE;
            }
            Err(FamilyMismatch::Mapped(text)) => {
                out(&text);
                return 0;
            }
        }
    }
    if servers.is_empty() {
        console::err(&format!(
            "{}: couldn't get address for '{}': not found\n",
            console::progname(),
            lookup.server.clone().unwrap_or_default()
        ));
        return EXIT_INTERNAL;
    }
    let ndots = lookup.ndots.unwrap_or(conf.ndots);
    let search = lookup.domain.clone().map_or_else(|| conf.search.clone(), |domain| vec![domain]);
    let names = names_to_try(&name, &search, ndots, lookup.search);
    let tcp = lookup.tcp.unwrap_or(matches!(rtype, code::ANY | code::AXFR | code::IXFR));
    let settings = Settings {
        timeout: Duration::from_secs(lookup.time.or(conf.timeout.map(u64::from)).unwrap_or(5).max(1)),
        tries: lookup.tries.or(conf.attempts).unwrap_or(3).max(1),
        tcp,
        ignore_truncation: lookup.ignore,
        best_effort: true,
    };
    let mut asker = Asker::new(&servers, settings);
    if matches!(lookup.rtype, Some(code::AXFR | code::IXFR)) {
        return run_transfer(lookup, &mut asker, &names[0], run);
    }
    for (attempt, qname) in names.iter().enumerate() {
        let cookie = lookup.cookie.then(|| random_cookie().to_vec());
        let (mut reply, mut received) = match ask_once(lookup, &mut asker, qname, cookie, run) {
            Ok(answer) => answer,
            Err(code) => return code,
        };
        if let Some(cookie) = server_cookie(&reply) {
            if lookup.comments {
                out(";; BADCOOKIE, retrying.\n");
            }
            (reply, received) = match ask_once(lookup, &mut asker, qname, Some(cookie), run) {
                Ok(answer) => answer,
                Err(code) => return code,
            };
        }
        let last = attempt + 1 == names.len();
        if reply.rcode() == 3 && !last && !lookup.showsearch {
            continue;
        }
        print_reply(lookup, qname, &reply, &received, &asker.label(received.server), run);
        if reply.rcode() != 3 || last {
            return 0;
        }
    }
    0
}

/// The query dig sends for `qname` under the lookup's options.
fn query_spec(lookup: &DigLookup, qname: &str, cookie: Option<Vec<u8>>) -> QuerySpec {
    QuerySpec {
        id: random_id(),
        name: qname.to_string(),
        rtype: lookup.rtype.unwrap_or(code::A),
        class: lookup.class.unwrap_or(code::IN),
        recurse: lookup.recurse,
        authentic_data: lookup.adflag,
        checking_disabled: lookup.cdflag,
        ixfr_serial: lookup.ixfr_serial,
        edns: lookup.edns.map(|version| EdnsSpec {
            udp_size: lookup.bufsize,
            version,
            cookie,
            nsid: lookup.nsid,
            dnssec_ok: lookup.dnssec,
        }),
    }
}

/// `dig axfr`/`ixfr`: the records of every message, then the transfer's size.
fn run_transfer(lookup: &DigLookup, asker: &mut Asker, qname: &str, run: &mut Run) -> i32 {
    let mut spec = query_spec(lookup, qname, lookup.cookie.then(|| random_cookie().to_vec()));
    // dig asks for a transfer without RD, and for an IXFR without AD either.
    spec.recurse = false;
    spec.authentic_data &= lookup.ixfr_serial.is_none();
    // dig shows a transfer as bare records: comments and question only when asked for.
    let view = DigLookup { comments: lookup.xfr_comments, question: lookup.xfr_question, ..lookup.clone() };
    if lookup.qr && !lookup.short {
        print_query(&view, &spec, run);
    }
    let textname = lookup.name.as_deref().unwrap_or(".").trim_end_matches('.');
    let messages = match asker.transfer(&spec, textname) {
        Ok(Transfer::Messages(messages)) => messages,
        Ok(Transfer::NoReply { announced }) => {
            if !announced {
                run.greet();
            }
            report_no_reply(announced);
            return EXIT_NO_REPLY;
        }
        Ok(Transfer::BadPacket { reason, bytes }) => {
            out(&bad_packet_text(reason, &bytes));
            return 0;
        }
        Err(error) => {
            console::err(&format!("{}: {error}\n", console::progname()));
            return EXIT_INTERNAL;
        }
    };
    if run.print_cmd {
        run.greet();
    }
    let (mut records, mut bytes) = (0, 0);
    for (reply, _) in &messages {
        if reply.rcode() != 0 {
            out("; Transfer failed.\n");
            return 0;
        }
        if lookup.short {
            reply.answers().iter().for_each(|record| out(&format!("{}\n", record_text(record))));
        } else {
            out(&message_text(&view, qname, reply, false));
        }
        records += reply.answers().len();
        bytes += reply.bytes.len();
    }
    if let Some((_, last)) = messages.last()
        && lookup.stats
    {
        out(&transfer_stats(last, &asker.label(last.server), records, messages.len(), bytes));
    }
    0
}

/// Sends one query of a lookup; a reply, or the exit status after printing why there is none.
fn ask_once(
    lookup: &DigLookup,
    asker: &mut Asker,
    qname: &str,
    cookie: Option<Vec<u8>>,
    run: &mut Run,
) -> Result<(Reply, Received), i32> {
    let spec = query_spec(lookup, qname, cookie);
    if lookup.qr && !lookup.short {
        print_query(lookup, &spec, run);
    }
    let truncated = || {
        if lookup.comments {
            out(&format!("{TRUNCATED_TEXT}\n"));
        }
    };
    // TCP connection failures name the lookup as the user typed it (a final dot kept), `.` when none was.
    let textname = lookup.name.as_deref().unwrap_or(".");
    let mut first = 0;
    loop {
        let answer = asker.ask_from(first, &spec, textname, truncated);
        if let Ok(Answer::Reply { reply, received }) = &answer
            && reply.rcode() == SERVFAIL
            && !lookup.fail
            && let Some(next) = asker.next_after(first, received.server)
        {
            // `+nofail`: a SERVFAIL moves on to the next server.
            first = next;
            continue;
        }
        return answered(answer, run);
    }
}

/// The reply of an answer, or the exit status after printing why there is none.
fn answered(answer: Result<Answer, DnsError>, run: &mut Run) -> Result<(Reply, Received), i32> {
    match answer {
        Ok(Answer::Reply { reply, received }) => Ok((*reply, received)),
        Ok(Answer::NoReply { announced }) => {
            if !announced {
                run.greet();
            }
            report_no_reply(announced);
            Err(EXIT_NO_REPLY)
        }
        Ok(Answer::BadPacket { reason, bytes }) => {
            // dig gives up on this lookup but still exits 0, as BIND 9.18 does.
            out(&bad_packet_text(reason, &bytes));
            Err(0)
        }
        Ok(Answer::Abandoned) => Err(0),
        Err(error) => {
            console::err(&format!("{}: {error}\n", console::progname()));
            Err(EXIT_INTERNAL)
        }
    }
}

/// After a BADCOOKIE reply carrying a server cookie, the full cookie to retry with (once).
fn server_cookie(reply: &Reply) -> Option<Vec<u8>> {
    if reply.rcode() != BADCOOKIE {
        return None;
    }
    let opt = reply.opt.as_ref()?;
    opt.options.iter().find(|(code, value)| *code == COOKIE_OPTION && value.len() > 8).map(|(_, value)| value.clone())
}

/// Prints one reply under the lookup's toggles.
fn print_reply(lookup: &DigLookup, qname: &str, reply: &Reply, received: &Received, label: &str, run: &mut Run) {
    if lookup.short {
        for record in grouped(reply.answers()) {
            let mut line = record_text(record);
            if lookup.identify {
                line.push_str(&format!(
                    " from server {} in {} ms.",
                    received.server.ip(),
                    received.elapsed.as_millis()
                ));
            }
            out(&format!("{line}\n"));
        }
        return;
    }
    if run.print_cmd {
        run.greet();
    }
    let mut text = message_text(lookup, qname, reply, false);
    if lookup.stats {
        text.push_str(&stats(reply, received, label));
    }
    out(&text);
}

/// A message as dig prints it: comments block (title, warnings, header, OPT) and the sections.
/// `sent` is the query itself (`+qr`), which BIND prints without the reply-only warnings.
fn message_text(lookup: &DigLookup, qname: &str, message: &Reply, sent: bool) -> String {
    let mut text = String::new();
    if lookup.comments {
        text.push_str(if sent { ";; Sending:\n" } else { ";; Got answer:\n" });
        if is_under_local(qname) {
            text.push_str(";; WARNING: .local is reserved for Multicast DNS\n");
            text.push_str(";; You are currently testing what happens when an mDNS query is leaked to DNS\n");
        }
        text.push_str(&header_lines(message));
        text.push('\n');
        if !sent && message.header.recursion_desired() && !message.header.recursion_available() {
            text.push_str(";; WARNING: recursion requested but not available\n");
        }
        if message.extra_bytes() > 0 {
            text.push_str(&format!(";; WARNING: Message has {} extra bytes at end\n", message.extra_bytes()));
        }
        text.push('\n');
        if let Some(opt) = &message.opt {
            text.push_str(&opt_pseudosection(opt, sent));
        }
    }
    let style = line_style(lookup);
    let shown = [lookup.question, lookup.answer, lookup.authority, lookup.additional];
    for (section, show) in shown.into_iter().enumerate() {
        if show {
            text.push_str(&section_text(message, section, &style, lookup.comments));
        }
    }
    text
}

/// `+qr`: the query as sent, then its size.
fn print_query(lookup: &DigLookup, spec: &QuerySpec, run: &mut Run) {
    let Ok(bytes) = crate::wire::query::encode(spec) else { return };
    let Ok(query) = crate::wire::reply::parse(bytes, true) else { return };
    if run.print_cmd {
        run.greet();
    }
    let size = query.bytes.len();
    out(&format!("{};; QUERY SIZE: {size}\n\n", message_text(lookup, &spec.name, &query, true)));
}

/// A section with or without its title and trailing blank line (`+comments` decides).
fn section_text(reply: &Reply, section: usize, style: &LineStyle, comments: bool) -> String {
    let block = section_block(reply, section, style);
    if comments || block.is_empty() {
        return block;
    }
    let mut lines: Vec<&str> = block.lines().skip(1).collect();
    lines.pop();
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// dig's record layout: `+nottl`/`+noclass` pull the later columns left.
fn line_style(lookup: &DigLookup) -> LineStyle {
    let columns = match (lookup.ttl, lookup.show_class) {
        _ if lookup.multiline => Columns { ttl: 24, class: 24, rtype: 24, rdata: 32 },
        (true, true) => DEFAULT_COLUMNS,
        (false, false) => Columns { ttl: 24, class: 24, rtype: 24, rdata: 32 },
        _ => Columns { ttl: 24, class: 24, rtype: 32, rdata: 40 },
    };
    let layout = if lookup.multiline { Layout::Multiline } else { Layout::SingleLine };
    LineStyle { columns, ttl: lookup.ttl, class: lookup.show_class, ttl_units: lookup.ttl_units, layout }
}

/// A record's rdata on one line (`+short`).
fn record_text(record: &hickory_proto::rr::Record) -> String {
    record_rdata_text(record, Layout::SingleLine)
}

/// Whether a query name is under `local.`, which makes dig warn about mDNS.
fn is_under_local(qname: &str) -> bool {
    let lower = qname.to_ascii_lowercase();
    lower == "local." || lower.ends_with(".local.")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names under .local trigger the mDNS warning; others do not.
    #[test]
    fn local_warning_scope() {
        assert!(is_under_local("web.default.svc.cluster.local."));
        assert!(!is_under_local("example.com."));
    }
}
