//! `host -l ZONE` and `host -t AXFR|IXFR ZONE`: a zone transfer shown the host way.
//!
//! The zone name goes through the search walk first, as in BIND: with `ndots:5` and a pod's search list,
//! `host -l cluster.local` asks for `cluster.local.default.svc.cluster.local` first, and only an NXDOMAIN
//! (`; Transfer failed.`) moves on to the next name. `-l` lists the zone in short form, only name servers
//! and addresses unless `-t` picks a type; `-t AXFR` prints each message in full like `-v`. A refused
//! transfer is `Host X not found: 9(NOTAUTH)` followed by `; Transfer failed.`.

use hickory_proto::rr::Record;

use crate::net::event::Received;
use crate::protocol::codes::{Rcode, rtype};
use crate::resolver::search::Candidate;
use crate::resolver::servers::Server;
use crate::text::layout::DEFAULT_STYLE;
use crate::text::message::header_lines;
use crate::text::notice::{NO_SERVERS_TEXT, bad_packet_text};
use crate::text::record::{record_line, record_type_code};
use crate::tools::Session;
use crate::tools::asker::{Asker, Settings, Transfer};
use crate::tools::console::progname;
use crate::tools::host::options::Options;
use crate::tools::host::output::{not_found_text, received_line, server_block, short_line, verbose_text};
use crate::wire::query::QuerySpec;
use crate::wire::reply::Reply;

/// Runs the transfer of the zone named by `names` (its search walk) and prints it; returns the exit status.
pub fn run(
    options: &Options,
    names: &[Candidate],
    servers: &[Server],
    settings: Settings,
    session: &mut Session,
) -> i32 {
    // `-t AXFR` prints messages in full; `-l` and `-t IXFR=N` list records in short form.
    let full = options.verbose || !options.list && options.ixfr_serial.is_none();
    let code = if options.list { rtype::AXFR } else { options.rtype.unwrap_or(rtype::AXFR) };
    let textname = options.name.trim_end_matches('.');
    let asker = Asker::new(servers, settings);
    for (index, candidate) in names.iter().enumerate() {
        let shown = candidate.name.trim_end_matches('.');
        if full {
            session.console.out(&format!("Trying \"{shown}\"\n"));
        }
        // host never asks for recursion on a transfer.
        let spec = QuerySpec {
            ixfr_serial: options.ixfr_serial,
            ..QuerySpec::plain(&candidate.name, code, options.class, false)
        };
        let Some(messages) = transfer(&asker, &spec, textname, session) else { return 1 };
        let walk_goes_on = index + 1 < names.len();
        if walk_goes_on && messages.first().is_some_and(|first| first.reply.rcode() == Rcode::NXDOMAIN) {
            session.console.out("; Transfer failed.\n");
            continue;
        }
        return print_messages(options, shown, &messages, full, session);
    }
    0
}

/// Runs one transfer and reports on the way; the messages, or `None` after saying why there are none.
fn transfer(asker: &Asker, spec: &QuerySpec, textname: &str, session: &mut Session) -> Option<Vec<Received>> {
    let asked = match asker.transfer(&mut *session.exchange, spec) {
        Ok(asked) => asked,
        Err(error) => {
            session.console.err(&format!("{}: {error}\n", progname()));
            return None;
        }
    };
    asker.report(&mut session.console, &asked.events, textname, "");
    match asked.answer {
        Transfer::Messages(messages) => Some(messages),
        Transfer::NoReply { announced } => {
            if !announced {
                session.console.out(NO_SERVERS_TEXT);
            }
            None
        }
        Transfer::BadPacket(bad) => {
            session.console.out(&bad_packet_text(&bad));
            None
        }
    }
}

/// Prints the messages of a transfer of `shown`; returns the exit status.
fn print_messages(options: &Options, shown: &str, messages: &[Received], full: bool, session: &mut Session) -> i32 {
    if let (Some(server), Some(first)) = (&options.server, messages.first()) {
        session.console.out(&server_block(server, first));
    }
    for received in messages {
        let reply = &received.reply;
        let rcode = reply.rcode();
        if rcode != Rcode::NOERROR {
            let name = if rcode == Rcode::NXDOMAIN { options.name.as_str() } else { shown };
            session.console.out(&not_found_text(name, rcode, true));
            return 1;
        }
        if options.list && options.verbose && options.rtype != Some(rtype::ANY) {
            session.console.out(&listed_verbose_text(options, reply));
            session.console.out(&received_line(received));
        } else if full {
            session.console.out(&verbose_text(reply));
            session.console.out(&received_line(received));
        } else {
            let listed = reply.answers().iter().filter(|record| !options.list || listed(options, record));
            listed.for_each(|record| session.console.out(&short_line(record)));
        }
    }
    0
}

/// `host -v -l`: the header, then BIND's bare `;` question and only the listed answer records.
fn listed_verbose_text(options: &Options, reply: &Reply) -> String {
    let mut text = format!("{}\n\n;; QUESTION SECTION:\n;\n;; ANSWER SECTION:\n", header_lines(reply));
    for record in reply.answers().iter().filter(|record| listed(options, record)) {
        text.push_str(&record_line(record, &DEFAULT_STYLE));
        text.push('\n');
    }
    text.push('\n');
    text
}

/// Which records `-l` shows: the `-t` type, else name servers and addresses. BIND 9.18 shows
/// only A records for `-t ANY`, and so does this.
fn listed(options: &Options, record: &Record) -> bool {
    let code = record_type_code(record);
    match options.rtype {
        Some(rtype::ANY) => code == rtype::A,
        Some(wanted) => code == wanted,
        None => matches!(code, rtype::NS | rtype::A | rtype::AAAA | rtype::PTR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{A, MX, NS};
    use hickory_proto::rr::{Name, RData};
    use std::str::FromStr;

    fn record(data: RData) -> Record {
        Record::from_rdata(Name::from_str("z.").expect("name"), 5, data)
    }

    /// `-l` alone lists name servers and addresses; `-t MX` only MX; `-t ANY` only A (as BIND 9.18).
    #[test]
    fn list_filters() {
        let name = Name::from_str("ns.z.").expect("name");
        let (a, ns) = (record(RData::A(A::new(10, 0, 0, 1))), record(RData::NS(NS(name.clone()))));
        let mx = record(RData::MX(MX::new(10, name)));
        let plain = Options::default();
        assert!(listed(&plain, &a) && listed(&plain, &ns) && !listed(&plain, &mx));
        let only_mx = Options { rtype: Some(rtype::MX), ..Options::default() };
        assert!(listed(&only_mx, &mx) && !listed(&only_mx, &a));
        let any = Options { rtype: Some(rtype::ANY), ..Options::default() };
        assert!(listed(&any, &a) && !listed(&any, &ns));
    }
}
