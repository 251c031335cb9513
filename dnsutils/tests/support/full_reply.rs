//! A correct reply to any query that exercises as much of a parser as one message can: the query's ID and
//! question echoed, a CNAME followed by A, AAAA, MX, SRV, TXT, PTR, CAA and an unknown type at its target, an
//! SOA in the authority section, glue in the additional section and an OPT record carrying a COOKIE. Every
//! name lies below the question name (so a tool that follows the CNAME still asks about a name that carries
//! it), and hickory-proto's encoder compresses them into pointer chains.
//!
//! The robustness test damages these bytes; a reply that starts out valid means every failure is caused by
//! the damage, not by the fixture.

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Edns, Message, MessageType};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::rdata::{A, AAAA, CAA, CNAME, MX, NULL, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The server half of the COOKIE option, appended to the client's.
const SERVER_COOKIE: [u8; 8] = *b"robust!!";

/// The private type the unknown record uses (RFC 3597 form in the tools' output).
pub const UNKNOWN_TYPE: u16 = 65280;

/// The reply to `query`, or `None` when the query does not parse or has no question.
pub fn full_reply(query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let question = request.queries.first()?.clone();
    let owner = question.name().clone();
    let zone = owner.clone();
    let at_zone = |label: &str| Name::from_ascii(label).ok()?.append_domain(&zone).ok();
    let target = at_zone("www")?;
    let mail = at_zone("mail")?;
    let caa = CAA::new_issue(false, Some(Name::from_ascii("ca.example.").ok()?), Vec::new());

    let mut reply = Message::new(request.metadata.id, MessageType::Response, request.metadata.op_code);
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(question);
    reply.add_answer(Record::from_rdata(owner, 300, RData::CNAME(CNAME(target.clone()))));
    let answers = [
        RData::A(A(Ipv4Addr::new(192, 0, 2, 1))),
        RData::AAAA(AAAA(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))),
        RData::MX(MX::new(10, mail.clone())),
        RData::SRV(SRV::new(0, 5, 5432, at_zone("db")?)),
        RData::TXT(TXT::new(vec!["hello".to_string(), "wor\"ld".to_string()])),
        RData::PTR(PTR(at_zone("host")?)),
        RData::CAA(caa),
        RData::Unknown { code: RecordType::from(UNKNOWN_TYPE), rdata: NULL::with(vec![1, 2, 3]) },
    ];
    for rdata in answers {
        reply.add_answer(Record::from_rdata(target.clone(), 300, rdata));
    }
    let soa = SOA::new(at_zone("ns")?, at_zone("hostmaster")?, 1, 7200, 900, 1_209_600, 60);
    reply.add_authority(Record::from_rdata(zone, 60, RData::SOA(soa)));
    reply.add_additional(Record::from_rdata(mail, 300, RData::A(A(Ipv4Addr::new(192, 0, 2, 25)))));
    reply.edns = Some(edns_with_cookie(request.edns.as_ref()));
    reply.to_vec().ok()
}

/// EDNS with 1232 bytes and a COOKIE: the client's cookie echoed (or a made-up one) plus the server's.
fn edns_with_cookie(request: Option<&Edns>) -> Edns {
    let client = match request.and_then(|edns| edns.option(EdnsCode::Cookie)) {
        Some(EdnsOption::Unknown(_, cookie)) => cookie.iter().take(8).copied().collect(),
        _ => b"client!!".to_vec(),
    };
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.options_mut().insert(EdnsOption::Unknown(10, [client, SERVER_COOKIE.to_vec()].concat()));
    edns
}
