//! What nslookup prints, as text: the `Server:`/`Address:` header, answers as `Name:`/`Address:` pairs or
//! `name<TAB>phrase = rdata` lines (SOA as tab-indented fields), `** server can't find NAME: RCODE`, the
//! `Authoritative answers can be found from:` block, and with `-debug` each section in detail.

use std::net::SocketAddr;

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{RData, Record};

use crate::protocol::codes::{Rcode, rtype};
use crate::protocol::mnemonics::{class_text, type_text};
use crate::text::escape::name_text_no_dot;
use crate::text::message::short_rcode_text;
use crate::text::notice::server_text;
use crate::text::rdata::rdata_text;
use crate::text::record::{grouped, record_type_code};
use crate::tools::asker::Lookup;
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
#[derive(Debug, Default)]
pub struct Printed {
    /// The A lookup had an empty answer; an empty AAAA answer then says `No answer`.
    pub a_noanswer: bool,
    /// A `** server can't find` was printed.
    pub failed: bool,
}

/// How a reply is shown: whether the run does the default A and AAAA lookups, `-debug`, and the server
/// that answered with its label.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// No `-type=` was given: A, then AAAA for the same name.
    pub default_lookups: bool,
    /// `-debug`: each section in detail first.
    pub debug: bool,
    /// The server that answered.
    pub server: SocketAddr,
    /// How the user named it.
    pub label: &'a str,
}

/// One reply the way nslookup's `printmessage` prints it.
pub fn reply_text(lookup: &Lookup, qname: &str, reply: &Reply, view: View, state: &mut Printed) -> String {
    let default_lookups = view.default_lookups;
    let is_a = lookup.rtype == rtype::A;
    let mut text = String::new();
    if !default_lookups || is_a {
        text.push_str(&format!("Server:\t\t{}\nAddress:\t{}\n\n", view.label, server_text(view.server)));
    }
    if view.debug {
        text.push_str(&detail_text(reply));
    }
    let shown = qname.strip_suffix('.').filter(|s| !s.is_empty()).unwrap_or(qname);
    let rcode = reply.rcode();
    if rcode != Rcode::NOERROR {
        text.push_str(&format!("** server can't find {shown}: {}\n", short_rcode_text(rcode)));
        state.failed = true;
        return text;
    }
    let authoritative = reply.header.authoritative();
    if !authoritative && (!default_lookups || is_a) {
        text.push_str("Non-authoritative answer:\n");
    }
    if !reply.answers().is_empty() {
        text.push_str(&section_lines(reply.answers(), true));
    } else if default_lookups && is_a {
        state.a_noanswer = true;
    } else if !default_lookups || (lookup.rtype == rtype::AAAA && state.a_noanswer) {
        text.push_str(&format!("*** Can't find {}: No answer\n", lookup.textname));
    }
    if !authoritative && !is_a && lookup.rtype != rtype::AAAA {
        text.push_str("\nAuthoritative answers can be found from:\n");
        text.push_str(&section_lines(&reply.sections[1], false));
        text.push_str(&section_lines(&reply.sections[2], false));
    }
    text
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
fn phrase_and_rdata(code: u16, data: &RData) -> String {
    let phrase = PHRASES.get(usize::from(code)).map_or_else(|| format!("rdata_{code} = "), |p| (*p).to_string());
    format!("{phrase}{}", rdata_text(data))
}

/// The `-debug` block (`detailsection` for each section) between `------------` lines.
fn detail_text(reply: &Reply) -> String {
    let mut text = String::from("------------\n    QUESTIONS:\n");
    for query in &reply.questions {
        text.push_str(&format!(
            "\t{}, type = {}, class = {}\n",
            name_text_no_dot(&query.name),
            type_text(u16::from(query.query_type)),
            class_text(u16::from(query.query_class))
        ));
    }
    for (title, records) in ["ANSWERS", "AUTHORITY RECORDS", "ADDITIONAL RECORDS"].iter().zip(&reply.sections) {
        text.push_str(&format!("    {title}:\n"));
        for record in grouped(records) {
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
    for record in grouped(records) {
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
