//! host's lookups: walk the search list on NXDOMAIN, move to the next server on SERVFAIL (unless `-s`),
//! and after a successful default A lookup queue AAAA and MX lookups for the name its CNAME chain ends at.
//! The exit status is 1 when a printed reply was an error or the first lookup got no usable reply.

use std::collections::VecDeque;
use std::time::Duration;

use crate::net::event::Received;
use crate::protocol::codes::{Rcode, class, rtype};
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::{as_address, names_to_try, reverse_name};
use crate::resolver::servers::Server;
use crate::text::escape::name_text_no_dot;
use crate::text::record::grouped;
use crate::tools::Session;
use crate::tools::asker::{Asker, Lookup, Settings};
use crate::tools::console::progname;
use crate::tools::host::options::Options;
use crate::tools::host::output::{
    no_record_text, not_found_text, received_line, server_block, short_line, verbose_text,
};
use crate::tools::host::transfer;
use crate::wire::query::QuerySpec;
use crate::wire::reply::Reply;

/// What a run has printed so far that changes later output or the exit code.
#[derive(Default)]
struct RunState {
    /// The `Using domain server:` block is printed once.
    server_shown: bool,
    /// A non-NOERROR reply was printed.
    seen_error: bool,
}

/// How hard host tries: `-W` (else resolv.conf's `timeout:`, else 5 s) per try, `-R` retries (at least
/// one), and TCP when asked for.
pub fn settings(options: &Options, conf: &ResolvConf) -> Settings {
    Settings {
        timeout: Duration::from_secs(options.timeout.or(conf.timeout.map(u64::from)).unwrap_or(5)),
        tries: options.retries.unwrap_or(1).saturating_add(1).max(2),
        tcp: options.tcp,
        ignore_truncation: false,
        best_effort: false,
    }
}

/// Runs host's lookups for `options` against `servers`; returns the exit status.
pub fn run(options: &Options, conf: &ResolvConf, servers: &[Server], session: &mut Session) -> i32 {
    let ndots = options.ndots.unwrap_or(conf.ndots);
    let first = match as_address(&options.name) {
        Some(address) => Lookup::follow_up(reverse_name(address), reverse_name(address), rtype::PTR),
        None => Lookup {
            textname: options.name.clone(),
            names: names_to_try(&options.name, &conf.search, ndots, true),
            rtype: options.rtype.unwrap_or(rtype::A),
        },
    };
    let mut settings = settings(options, conf);
    if options.list || rtype::is_transfer(first.rtype) {
        return transfer::run(options, &first.names, servers, settings, session);
    }
    let default_lookups = options.rtype.is_none() && options.class == class::IN;
    let mut queue = VecDeque::from([first]);
    let mut state = RunState::default();
    let mut follow_up = false;
    while let Some(lookup) = queue.pop_front() {
        // Each lookup, follow-ups included, starts with the full try budget.
        let mut asker = Asker::new(servers, settings);
        let outcome = run_lookup(&lookup, options, &mut asker, &mut state, session);
        settings.tcp = asker.uses_tcp();
        match outcome {
            Ok(Some((qname, reply)))
                if default_lookups && lookup.rtype == rtype::A && reply.rcode() == Rcode::NOERROR =>
            {
                let target = name_text_no_dot(&reply.cname_target(&qname));
                for code in [rtype::AAAA, rtype::MX] {
                    queue.push_back(Lookup::follow_up(target.clone(), format!("{target}."), code));
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
    session: &mut Session,
) -> Result<Option<(String, Reply)>, i32> {
    for (attempt, candidate) in lookup.names.iter().enumerate() {
        let qname = &candidate.name;
        let trying = format!("Trying \"{}\"\n", qname.strip_suffix('.').unwrap_or(qname));
        if options.verbose {
            session.console.out(&trying);
        }
        let spec = QuerySpec::plain(qname, lookup.rtype, options.class, options.recurse);
        let received = ask_query(asker, &spec, &lookup.textname, options, &trying, session)?;
        let rcode = received.reply.rcode();
        if rcode == Rcode::NXDOMAIN && attempt + 1 < lookup.names.len() {
            continue;
        }
        if let Some(server) = &options.server
            && !state.server_shown
        {
            state.server_shown = true;
            session.console.out(&server_block(server, &received));
        }
        print_reply(lookup, qname, &received.reply, options, state, session);
        if options.verbose {
            session.console.out(&received_line(&received).repeat(candidate.arrival_reports(rcode, false, false)));
        }
        return Ok(Some((qname.clone(), received.reply)));
    }
    Ok(None)
}

/// One query: the reply, or the exit status after printing why there is none. A SERVFAIL moves on
/// to the next server silently, unless `-s` says it should stop the query.
fn ask_query(
    asker: &mut Asker,
    spec: &QuerySpec,
    textname: &str,
    options: &Options,
    trying: &str,
    session: &mut Session,
) -> Result<Received, i32> {
    // A TCP retry after truncation is a new query to BIND, with its own `Trying` line.
    let truncated = if options.verbose { trying } else { "" };
    let mut first = 0;
    loop {
        let asked = asker.ask_from(&mut *session.exchange, first, spec).map_err(|error| {
            session.console.err(&format!("{}: {error}\n", progname()));
            1
        })?;
        asker.report(&mut session.console, &asked.events, textname, truncated);
        let received = asked.answer.into_reply(&mut session.console).ok_or(1)?;
        match asker.next_after(first, received.server) {
            Some(next) if received.reply.rcode() == Rcode::SERVFAIL && !options.servfail_stops => first = next,
            _ => return Ok(received),
        }
    }
}

/// Prints one final reply the way host's `printmessage` does.
fn print_reply(
    lookup: &Lookup,
    qname: &str,
    reply: &Reply,
    options: &Options,
    state: &mut RunState,
    session: &mut Session,
) {
    let shown = qname.strip_suffix('.').unwrap_or(qname);
    let rcode = reply.rcode();
    if rcode != Rcode::NOERROR {
        state.seen_error = true;
        let name = if rcode == Rcode::NXDOMAIN { lookup.textname.as_str() } else { shown };
        session.console.out(&not_found_text(name, rcode, false));
        return;
    }
    if options.verbose {
        session.console.out(&verbose_text(reply));
        return;
    }
    for record in grouped(reply.answers()) {
        session.console.out(&short_line(record));
    }
    if reply.answers().is_empty() && options.rtype.is_some() {
        session.console.out(&no_record_text(shown, lookup.rtype));
    }
}
