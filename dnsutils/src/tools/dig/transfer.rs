//! `dig axfr` and `dig ixfr=N`: the records of every message (bare, unless `+comments`/`+question` were
//! given; with `+yaml` each message a document), then the transfer's size in the statistics footer. A failed
//! message is printed, then `; Transfer failed.`, and dig still exits 0, as BIND 9.18 does.

use crate::net::event::Received;
use crate::protocol::codes::Rcode;
use crate::text::notice::bad_packet_text;
use crate::text::stats::transfer_stats;
use crate::tools::asker::{Asker, Transfer};
use crate::tools::dig::lookup::DigLookup;
use crate::tools::dig::output::{message_text, reply_yaml, short_text};
use crate::tools::dig::run::{EXIT_INTERNAL, EXIT_NO_REPLY, Run, print_query, query_spec};
use crate::wire::query::random_cookie;

/// Runs the transfer of `qname` and prints it; returns the exit status.
pub fn run(lookup: &DigLookup, asker: &Asker, qname: &str, run: &mut Run) -> i32 {
    let mut spec = query_spec(lookup, qname, lookup.cookie.then(|| random_cookie().to_vec()));
    // dig asks for a transfer without RD, and for an IXFR without AD either.
    spec.recurse = false;
    spec.authentic_data &= lookup.ixfr_serial.is_none();
    // dig shows a transfer as bare records: comments and question only when asked for.
    let view = DigLookup { comments: lookup.xfr_comments, question: lookup.xfr_question, ..lookup.clone() };
    if lookup.qr && !lookup.short {
        print_query(&view, &spec, asker.server_address(0), true, run);
    }
    let textname = lookup.name.as_deref().unwrap_or(".").trim_end_matches('.');
    let asked = match asker.transfer(&mut *run.session.exchange, &spec) {
        Ok(asked) => asked,
        Err(error) => {
            run.fatal(&format!("{error}\n"));
            return EXIT_INTERNAL;
        }
    };
    if !lookup.yaml {
        asker.report(&mut run.session.console, &asked.events, textname, "");
    }
    let messages = match asked.answer {
        Transfer::Messages(messages) => messages,
        Transfer::NoReply { announced } => {
            run.no_servers(lookup.yaml, announced);
            return EXIT_NO_REPLY;
        }
        Transfer::BadPacket(bad) => {
            if !lookup.yaml {
                run.out(&bad_packet_text(&bad));
            }
            return 0;
        }
    };
    if run.print_cmd {
        run.greet();
    }
    if !print_messages(&view, qname, &messages, run) {
        return 0;
    }
    if let Some(last) = messages.last()
        && lookup.stats
        && !lookup.yaml
    {
        let records = messages.iter().map(|received| received.reply.answers().len()).sum();
        let bytes = messages.iter().map(|received| received.reply.bytes.len()).sum();
        run.out(&transfer_stats(last, &asker.label(last.server), records, messages.len(), bytes));
    }
    0
}

/// Prints each message's records (each message, with `+yaml`, a document); after a failed one
/// `; Transfer failed.` and `false`.
fn print_messages(view: &DigLookup, qname: &str, messages: &[Received], run: &mut Run) -> bool {
    for received in messages {
        let text = match (view.yaml, view.short) {
            (true, _) => reply_yaml(view, received),
            (false, true) => short_text(view, received),
            (false, false) => message_text(view, qname, &received.reply, false),
        };
        run.out(&text);
        if received.reply.rcode() != Rcode::NOERROR {
            run.out("; Transfer failed.\n");
            return false;
        }
    }
    true
}
