//! `host -l ZONE` and `host -t AXFR|IXFR ZONE`: a zone transfer shown the host way.
//!
//! `-l` lists the zone in short form, only name servers and addresses unless `-t` picks a type
//! (`-a` shows everything in full); `-t AXFR` prints each message in full like `-v`. A refused
//! transfer is `Host X not found: 9(NOTAUTH)` followed by `; Transfer failed.`.

use hickory_proto::rr::Record;

use crate::net::sockets::Settings;
use crate::protocol::mnemonics::code;
use crate::text::message::header_lines;
use crate::text::record::{DEFAULT_STYLE, record_line, record_type_code};
use crate::tools::asker::{Server, Transfer, bad_packet_text, report_no_reply};
use crate::tools::console::{self, out};
use crate::tools::host::flow::{print_received, server_block, short_line, verbose_text};
use crate::tools::host::options::Options;
use crate::wire::query::QuerySpec;
use crate::wire::reply::Reply;

/// Runs the transfer of `zone` (absolute) and prints it; returns the exit status.
pub(crate) fn run(options: &Options, servers: &[Server], settings: Settings, zone: &str) -> i32 {
    let shown = zone.trim_end_matches('.');
    // `-t AXFR` prints messages in full; `-l` and `-t IXFR=N` list records in short form.
    let full = options.verbose || !options.list && options.ixfr_serial.is_none();
    if full {
        out(&format!("Trying \"{shown}\"\n"));
    }
    let rtype = if options.list { code::AXFR } else { options.rtype.unwrap_or(code::AXFR) };
    let all = !options.list;
    // host never asks for recursion on a transfer.
    let spec = QuerySpec { ixfr_serial: options.ixfr_serial, ..QuerySpec::plain(zone, rtype, options.class, false) };
    let mut asker = crate::tools::asker::Asker::new(servers, settings);
    let messages = match asker.transfer(&spec, shown) {
        Ok(Transfer::Messages(messages)) => messages,
        Ok(Transfer::NoReply { announced }) => {
            report_no_reply(announced);
            return 1;
        }
        Ok(Transfer::BadPacket { reason, bytes }) => {
            out(&bad_packet_text(reason, &bytes));
            return 1;
        }
        Err(error) => {
            console::err(&format!("{}: {error}\n", console::progname()));
            return 1;
        }
    };
    if let (Some(server), Some((_, first))) = (&options.server, messages.first()) {
        out(&server_block(server, first));
    }
    for (reply, received) in &messages {
        let rcode = reply.rcode();
        if rcode != 0 {
            let text = crate::text::message::short_rcode_text(rcode);
            out(&format!("Host {shown} not found: {rcode}({text})\n; Transfer failed.\n"));
            return 1;
        }
        if options.list && options.verbose && options.rtype != Some(code::ANY) {
            out(&listed_verbose_text(options, reply));
            print_received(reply, received);
        } else if full {
            out(&verbose_text(reply));
            print_received(reply, received);
        } else {
            let shown = reply.answers().iter().filter(|record| all || listed(options, record));
            shown.for_each(|record| out(&short_line(record)));
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
    let rtype = record_type_code(record);
    match options.rtype {
        Some(code::ANY) => rtype == code::A,
        Some(wanted) => rtype == wanted,
        None => matches!(rtype, code::NS | code::A | code::AAAA | code::PTR),
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
        let only_mx = Options { rtype: Some(code::MX), ..Options::default() };
        assert!(listed(&only_mx, &mx) && !listed(&only_mx, &a));
        let any = Options { rtype: Some(code::ANY), ..Options::default() };
        assert!(listed(&any, &a) && !listed(&any, &ns));
    }
}
