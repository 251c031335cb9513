//! What dig prints, as text, under a lookup's `+option` toggles: the greeting, a message (comments block with
//! title, warnings, header and OPT pseudosection, then the sections) or with `+yaml` its YAML document, the
//! query itself for `+qr`, the `+short` lines, and what BIND's `received` callback adds after a reply (the
//! statistics footer, or with `+nostats +identify` one line).

use std::net::SocketAddr;
use std::time::SystemTime;

use hickory_proto::rr::Record;

use crate::net::event::{Protocol, Received};
use crate::text::edns::opt_pseudosection;
use crate::text::layout::{Columns, DEFAULT_COLUMNS, Layout, LineStyle};
use crate::text::message::{header_lines, section_block};
use crate::text::notice::server_text;
use crate::text::rdata::record_rdata_text;
use crate::text::record::grouped;
use crate::text::stats::stats;
use crate::text::yaml::{Envelope, Parts, message_yaml};
use crate::tools::dig::lookup::DigLookup;
use crate::wire::reply::Reply;

/// `; <<>> DiG ... <<>> args`, the server count when `@server` was given (`servers_found`), and the global
/// options.
pub fn greeting(args: &[String], global: &DigLookup, servers_found: Option<usize>) -> String {
    let mut text = format!("\n; <<>> DiG {} <<>> {}\n", crate::BIND_VERSION, args.join(" "));
    if let Some(count) = servers_found {
        let plural = if count == 1 { "" } else { "s" };
        text.push_str(&format!("; ({count} server{plural} found)\n"));
    }
    let short = if global.short { " +short" } else { "" };
    text.push_str(&format!(";; global options:{short} +cmd\n"));
    text
}

/// A message as dig prints it: comments block (title, warnings, header, OPT) and the sections.
/// `sent` is the query itself (`+qr`), which BIND prints without the reply-only warnings.
pub fn message_text(lookup: &DigLookup, qname: &str, message: &Reply, sent: bool) -> String {
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
pub fn query_text(lookup: &DigLookup, qname: &str, query: &Reply) -> String {
    format!("{};; QUERY SIZE: {}\n\n", message_text(lookup, qname, query, true), query.bytes.len())
}

/// The parts of a YAML document the toggles leave on (with `+short` only the header).
fn yaml_parts(lookup: &DigLookup) -> Parts {
    let long = !lookup.short;
    Parts {
        opt: lookup.comments && long,
        sections: [lookup.question, lookup.answer, lookup.authority, lookup.additional].map(|shown| shown && long),
    }
}

/// A reply as a YAML document; `+short` adds its lines after the header.
pub fn reply_yaml(lookup: &DigLookup, received: &Received) -> String {
    let envelope = Envelope {
        sent: false,
        query_time: received.at - received.elapsed,
        response_time: Some(received.at),
        server: received.server,
        tcp: received.protocol == Protocol::Tcp,
    };
    let mut text = message_yaml(&envelope, &received.reply, yaml_parts(lookup));
    if lookup.short && lookup.answer {
        text.push_str(&short_text(lookup, received));
    }
    text
}

/// `+qr +yaml`: the query as a YAML document, sent at `now` to `server`.
pub fn query_yaml(lookup: &DigLookup, query: &Reply, server: SocketAddr, tcp: bool, now: SystemTime) -> String {
    let envelope = Envelope { sent: true, query_time: now, response_time: None, server, tcp };
    message_yaml(&envelope, query, yaml_parts(lookup))
}

/// `+short`: each answer's rdata on a line, with `+identify` the server and time after it.
pub fn short_text(lookup: &DigLookup, received: &Received) -> String {
    let mut text = String::new();
    let answers = received.reply.answers();
    let ordered: Vec<&Record> = if received.reply.keep_order { answers.iter().collect() } else { grouped(answers) };
    for record in ordered {
        text.push_str(&record_text(record));
        if lookup.identify {
            let (server, elapsed) = (received.server.ip(), received.elapsed.as_millis());
            text.push_str(&format!(" from server {server} in {elapsed} ms."));
        }
        text.push('\n');
    }
    text
}

/// What BIND's `received` callback prints after a reply: the statistics footer, or with `+nostats
/// +identify` where it came from; nothing with `+short` or `+yaml`.
pub fn arrival_text(lookup: &DigLookup, received: &Received, label: &str) -> String {
    if lookup.short || lookup.yaml {
        String::new()
    } else if lookup.stats {
        stats(received, label)
    } else if lookup.identify {
        let (size, server, elapsed) =
            (received.reply.bytes.len(), server_text(received.server), received.elapsed.as_millis());
        format!(";; Received {size} bytes from {server}({label}) in {elapsed} ms\n\n")
    } else {
        String::new()
    }
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
pub fn record_text(record: &Record) -> String {
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

    /// `+nottl` and `+noclass` pull the type and rdata columns left; `+multiline` uses the narrow grid.
    #[test]
    fn line_styles() {
        let plain = DigLookup::default();
        assert_eq!(line_style(&plain).columns, DEFAULT_COLUMNS);
        let no_ttl = DigLookup { ttl: false, ..DigLookup::default() };
        assert_eq!(line_style(&no_ttl).columns, Columns { ttl: 24, class: 24, rtype: 32, rdata: 40 });
        let multiline = DigLookup { multiline: true, ..DigLookup::default() };
        assert_eq!(line_style(&multiline).layout, Layout::Multiline);
    }

    /// The greeting counts the servers found for `@server` and names `+short` among the global options.
    #[test]
    fn greeting_lines() {
        let global = DigLookup { short: true, ..DigLookup::default() };
        let text = greeting(&["x".to_string()], &global, Some(2));
        assert!(text.ends_with(" <<>> x\n; (2 servers found)\n;; global options: +short +cmd\n"), "{text}");
    }
}
