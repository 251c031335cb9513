//! dig's lookups, one per name on the command line: the servers (`@server` or resolv.conf's), the search
//! walk with `+search` (NXDOMAIN moves on; `+showsearch` prints each step), `+nofail` moving to the next
//! server after SERVFAIL, one retry with the server's cookie after BADCOOKIE, and the exit status (9 when
//! no server answered, 10 for names dig cannot ask, 1 for usage errors, else 0).

use std::time::Duration;

use crate::net::event::Received;
use crate::protocol::codes::{Rcode, edns_option, rtype};
use crate::resolver::conf::ResolvConf;
use crate::resolver::search::{Candidate, names_to_try};
use crate::resolver::servers::{Server, Unresolved, conf_servers, named_servers};
use crate::text::notice::{TRUNCATED_TEXT, bad_packet_text};
use crate::tools::asker::{Answer, Asker, Settings};
use crate::tools::dig::lookup::DigLookup;
use crate::tools::dig::output::{arrival_text, message_text, reply_yaml, short_text};
use crate::tools::dig::run::{EXIT_INTERNAL, EXIT_NO_REPLY, EXIT_USAGE, Run, print_query, query_spec};
use crate::tools::dig::transfer;
use crate::tools::{FamilyMismatch, check_family};
use crate::wire::query::random_cookie;
use crate::wire::reply::Reply;

/// Runs every lookup of a command line; returns the highest exit status.
pub fn run(lookups: &[DigLookup], conf: &ResolvConf, run: &mut Run) -> i32 {
    lookups.iter().map(|lookup| run_lookup(lookup, conf, run)).fold(0, i32::max)
}

/// The servers of a lookup: an explicit `@server` as resolved (a `-4`/`-6` mismatch is reported by the
/// caller), or resolv.conf's servers filtered by family.
fn servers(lookup: &DigLookup, conf: &ResolvConf) -> Result<Vec<Server>, Unresolved> {
    match &lookup.server {
        Some(server) => named_servers(server, lookup.port),
        None => Ok(conf_servers(conf, lookup.port, lookup.family)),
    }
}

/// How hard dig tries: `+time` (else resolv.conf's `timeout:`, else 5 s), `+tries` (else `attempts:`, else
/// 3), TCP when asked for or when the type needs it, and always best-effort parsing.
fn settings(lookup: &DigLookup, conf: &ResolvConf) -> Settings {
    let needs_tcp = matches!(lookup.rtype, Some(rtype::ANY | rtype::AXFR | rtype::IXFR));
    Settings {
        timeout: Duration::from_secs(lookup.time.or(conf.timeout.map(u64::from)).unwrap_or(5).max(1)),
        tries: lookup.tries.or(conf.attempts).unwrap_or(3).max(1),
        tcp: lookup.tcp.unwrap_or(needs_tcp),
        ignore_truncation: lookup.ignore,
        best_effort: true,
    }
}

/// The servers of `lookup`, or the exit status after saying why there are none.
fn usable_servers(lookup: &DigLookup, conf: &ResolvConf, run: &mut Run) -> Result<Vec<Server>, i32> {
    let named = lookup.server.clone().unwrap_or_default();
    let servers = servers(lookup, conf).map_err(|why| {
        run.fatal(&format!("couldn't get address for '{named}': {why}\n"));
        EXIT_USAGE
    })?;
    if let (Some(label), Some(first)) = (&lookup.server, servers.first()) {
        match check_family(label, first.address, lookup.family) {
            Ok(()) => {}
            Err(FamilyMismatch::Unsupported(text)) => {
                run.fatal(&text);
                return Err(EXIT_USAGE);
            }
            Err(FamilyMismatch::Mapped(text)) => {
                run.out(&text);
                return Err(0);
            }
        }
    }
    if servers.is_empty() {
        run.fatal(&format!("couldn't get address for '{named}': not found\n"));
        return Err(EXIT_INTERNAL);
    }
    Ok(servers)
}

fn run_lookup(lookup: &DigLookup, conf: &ResolvConf, run: &mut Run) -> i32 {
    let name = lookup.name.clone().unwrap_or_else(|| ".".to_string());
    if let Err(error) = crate::wire::query::check_user_name(&name) {
        let error = error.to_string().replace("is not in legal name syntax", "is not a legal name");
        run.fatal(&format!("{error}\n"));
        return EXIT_INTERNAL;
    }
    let servers = match usable_servers(lookup, conf, run) {
        Ok(servers) => servers,
        Err(code) => return code,
    };
    let ndots = lookup.ndots.unwrap_or(conf.ndots);
    let search = lookup.domain.clone().map_or_else(|| conf.search.clone(), |domain| vec![domain]);
    let names = names_to_try(&name, &search, ndots, lookup.search);
    let mut asker = Asker::new(&servers, settings(lookup, conf));
    if matches!(lookup.rtype, Some(rtype::AXFR | rtype::IXFR)) {
        return transfer::run(lookup, &asker, &names[0].name, run);
    }
    match walk(lookup, &names, &mut asker, run) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// Asks the names of the search walk until one is not NXDOMAIN, printing the last reply (and with
/// `+showsearch` every one).
fn walk(lookup: &DigLookup, names: &[Candidate], asker: &mut Asker, run: &mut Run) -> Result<(), i32> {
    for (attempt, candidate) in names.iter().enumerate() {
        let qname = &candidate.name;
        let cookie = lookup.cookie.then(|| random_cookie().to_vec());
        let mut received = ask_once(lookup, asker, qname, cookie, run)?;
        if let Some(cookie) = server_cookie(&received.reply) {
            if lookup.comments && !lookup.yaml {
                run.out(";; BADCOOKIE, retrying.\n");
            }
            received = ask_once(lookup, asker, qname, Some(cookie), run)?;
        }
        let rcode = received.reply.rcode();
        let walk_goes_on = rcode == Rcode::NXDOMAIN && attempt + 1 < names.len();
        if walk_goes_on && !lookup.showsearch {
            continue;
        }
        // BIND copies the greeting it still owes into the walk's next lookup before printing this step,
        // so with `+showsearch` every printed step carries it.
        let owed = run.greeting.clone();
        print_reply(lookup, qname, &received, run);
        if walk_goes_on {
            run.greeting = owed;
        }
        let reports = candidate.arrival_reports(rcode, walk_goes_on, lookup.showsearch);
        run.out(&arrival_text(lookup, &received, &asker.label(received.server)).repeat(reports));
        if !walk_goes_on {
            return Ok(());
        }
    }
    Ok(())
}

/// Sends one query of a lookup; a reply, or the exit status after printing why there is none.
fn ask_once(
    lookup: &DigLookup,
    asker: &mut Asker,
    qname: &str,
    cookie: Option<Vec<u8>>,
    run: &mut Run,
) -> Result<Received, i32> {
    let spec = query_spec(lookup, qname, cookie);
    if lookup.qr && !lookup.short {
        print_query(lookup, &spec, asker.server_address(0), asker.uses_tcp(), run);
    }
    let truncated = if lookup.comments { TRUNCATED_TEXT } else { "" };
    // TCP connection failures name the lookup as the user typed it (a final dot kept), `.` when none was.
    let textname = lookup.name.as_deref().unwrap_or(".");
    let mut first = 0;
    loop {
        let asked = asker.ask_from(&mut *run.session.exchange, first, &spec).map_err(|error| {
            run.fatal(&format!("{error}\n"));
            EXIT_INTERNAL
        })?;
        // With `+yaml` dig keeps its warnings to itself.
        if !lookup.yaml {
            asker.report(&mut run.session.console, &asked.events, textname, truncated);
        }
        if let Answer::Reply(received) = &asked.answer
            && received.reply.rcode() == Rcode::SERVFAIL
            && !lookup.fail
            && let Some(next) = asker.next_after(first, received.server)
        {
            // `+nofail`: a SERVFAIL moves on to the next server.
            first = next;
            continue;
        }
        return answered(lookup, asked.answer, run);
    }
}

/// The reply of an answer, or the exit status after printing why there is none.
fn answered(lookup: &DigLookup, answer: Answer, run: &mut Run) -> Result<Received, i32> {
    match answer {
        Answer::Reply(received) => Ok(*received),
        Answer::NoReply { announced } => {
            run.no_servers(lookup.yaml, announced);
            Err(EXIT_NO_REPLY)
        }
        Answer::BadPacket(bad) => {
            // dig gives up on this lookup but still exits 0, as BIND 9.18 does (silently with `+yaml`).
            if !lookup.yaml {
                run.out(&bad_packet_text(&bad));
            }
            Err(0)
        }
        Answer::Abandoned => Err(0),
    }
}

/// After a BADCOOKIE reply carrying a server cookie, the full cookie to retry with (once).
fn server_cookie(reply: &Reply) -> Option<Vec<u8>> {
    if reply.rcode() != Rcode::BADCOOKIE {
        return None;
    }
    let opt = reply.opt.as_ref()?;
    let cookie = opt.options.iter().find(|(code, value)| *code == edns_option::COOKIE && value.len() > 8);
    cookie.map(|(_, value)| value.clone())
}

/// Prints one reply under the lookup's toggles.
fn print_reply(lookup: &DigLookup, qname: &str, received: &Received, run: &mut Run) {
    if lookup.short && !lookup.yaml {
        run.out(&short_text(lookup, received));
        return;
    }
    if run.print_cmd && !lookup.short {
        run.greet();
    }
    if lookup.yaml {
        run.out(&reply_yaml(lookup, received));
    } else {
        run.out(&message_text(lookup, qname, &received.reply, false));
    }
}
