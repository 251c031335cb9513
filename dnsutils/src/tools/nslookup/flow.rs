//! nslookup's lookups: walk the search list on NXDOMAIN, report a SERVFAIL (or a resolv.conf server that
//! does not recurse) and ask the next server, and after a default A lookup follow up with AAAA for the name
//! its CNAME chain ends at. The exit status is 1 when a reply said the name cannot be found or the first
//! lookup got no usable reply.

use std::collections::VecDeque;
use std::time::Duration;

use crate::net::event::Received;
use crate::protocol::codes::{Rcode, rtype};
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::{as_address, names_to_try, reverse_name};
use crate::resolver::servers::Server;
use crate::text::escape::name_text;
use crate::text::notice::TRUNCATED_TEXT;
use crate::tools::Session;
use crate::tools::asker::{Asker, Lookup, Settings};
use crate::tools::nslookup::options::Options;
use crate::tools::nslookup::output::{Printed, View, reply_text};
use crate::wire::query::QuerySpec;

/// How hard nslookup tries: `-timeout` (else resolv.conf's `timeout:`, else 5 s), `-retry` (else
/// `attempts:`, else 3), TCP with `-vc`.
fn settings(options: &Options, conf: &ResolvConf) -> Settings {
    Settings {
        timeout: Duration::from_secs(options.timeout.or(conf.timeout.map(u64::from)).unwrap_or(5)),
        tries: options.retry.or(conf.attempts).unwrap_or(3).max(1),
        tcp: options.tcp,
        ignore_truncation: false,
        best_effort: false,
    }
}

/// Looks `name` up as nslookup does; returns the exit status.
pub fn run(options: &Options, name: &str, conf: &ResolvConf, servers: &[Server], session: &mut Session) -> i32 {
    let default_lookups = options.rtype.is_none();
    let first = match as_address(name) {
        Some(address) => Lookup::follow_up(name.to_string(), reverse_name(address), rtype::PTR),
        None => {
            let ndots = options.ndots.unwrap_or(conf.ndots);
            Lookup {
                textname: name.to_string(),
                names: names_to_try(name, &conf.search, ndots, options.search),
                rtype: options.rtype.unwrap_or(rtype::A),
            }
        }
    };
    let mut settings = settings(options, conf);
    let mut printed = Printed::default();
    let mut queue = VecDeque::from([first]);
    let mut follow_up = false;
    while let Some(lookup) = queue.pop_front() {
        let mut asker = Asker::new(servers, settings);
        let outcome = run_lookup(&lookup, options, &mut asker, session);
        settings.tcp = asker.uses_tcp();
        // A follow-up that got no usable reply (bad packet, no server) is reported and skipped:
        // BIND leaves the exit status alone.
        let Some((qname, received)) = outcome else {
            if follow_up {
                continue;
            }
            return 1;
        };
        follow_up = true;
        let label = asker.label(received.server);
        let view = View { default_lookups, debug: options.debug, server: received.server, label: &label };
        session.console.out(&reply_text(&lookup, &qname, &received.reply, view, &mut printed));
        if default_lookups && lookup.rtype == rtype::A && received.reply.rcode() == Rcode::NOERROR {
            let target = name_text(&received.reply.cname_target(&qname));
            let textname = target.trim_end_matches('.').to_string();
            queue.push_back(Lookup::follow_up(textname, target, rtype::AAAA));
        }
    }
    i32::from(printed.failed)
}

/// Sends the lookup's names until one is not NXDOMAIN; `None` when nothing could be printed.
fn run_lookup(
    lookup: &Lookup,
    options: &Options,
    asker: &mut Asker,
    session: &mut Session,
) -> Option<(String, Received)> {
    for (attempt, candidate) in lookup.names.iter().enumerate() {
        let spec = QuerySpec::plain(&candidate.name, lookup.rtype, options.class, options.recurse);
        let received = ask_query(asker, &spec, &lookup.textname, options, session)?;
        if received.reply.rcode() == Rcode::NXDOMAIN && attempt + 1 < lookup.names.len() {
            continue;
        }
        return Some((candidate.name.clone(), received));
    }
    None
}

/// One query: a reply, or `None` after printing why there is none. A SERVFAIL, or a reply without
/// recursion from a resolv.conf server, is reported and the next server asked, as nslookup does.
fn ask_query(
    asker: &mut Asker,
    spec: &QuerySpec,
    textname: &str,
    options: &Options,
    session: &mut Session,
) -> Option<Received> {
    let mut first = 0;
    loop {
        let asked = asker.ask_from(&mut *session.exchange, first, spec).ok()?;
        asker.report(&mut session.console, &asked.events, textname, TRUNCATED_TEXT);
        let received = asked.answer.into_reply(&mut session.console)?;
        let reply = &received.reply;
        let complaint = if reply.rcode() == Rcode::SERVFAIL {
            "SERVFAIL reply"
        } else if options.server.is_none() && options.recurse && !reply.header.recursion_available() {
            "recursion not available"
        } else {
            return Some(received);
        };
        let label = asker.label(received.server);
        match asker.next_after(first, received.server) {
            Some(next) => {
                session.console.out(&format!(";; Got {complaint} from {label}, trying next server\n"));
                first = next;
            }
            None => {
                session.console.out(&format!(";; Got {complaint} from {label}\n"));
                return Some(received);
            }
        }
    }
}
