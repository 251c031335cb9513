//! A scripted [`Exchange`] for the flow tests: every request is recorded (server, name, type, transport)
//! and answered by a script, a function of the request, with replies built from real wire bytes and parsed
//! the way the network layer parses them. No sockets, no clock: a timeout is an event the script returns.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME};
use hickory_proto::rr::{Name, RData, Record};

use crate::net::Exchange;
use crate::net::event::{Attempt, Event, Failure, Outcome, Protocol, Received, Request, TransferAttempt};
use crate::net::screen::Asked;
use crate::protocol::codes::Rcode;
use crate::text::escape::name_text;
use crate::wire::header::{Header, flag};
use crate::wire::reply::parse;

/// When every scripted reply arrives: 2026-11-26 10:38:40.042 UTC.
pub const ARRIVAL: Duration = Duration::from_millis(1_795_689_520_042);

/// One request as the scripted server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Where it went.
    pub server: SocketAddr,
    /// The question name, absolute (`web.test.`).
    pub name: String,
    /// The question type.
    pub rtype: u16,
    /// The transport.
    pub protocol: Protocol,
    /// The query's ID, which replies echo.
    pub id: u16,
    /// Whether recursion was desired.
    pub recurse: bool,
}

/// The script: the answer to each request, in order.
type Script = Box<dyn FnMut(&Sent) -> Attempt>;

/// An exchange that answers from a script and remembers every request.
pub struct Scripted {
    script: Script,
    transfers: Box<dyn FnMut(&Sent) -> TransferAttempt>,
    /// Every request, queries and transfers, in order.
    pub sent: Vec<Sent>,
}

impl Scripted {
    /// An exchange whose queries `script` answers (transfers get no connection).
    pub fn new(script: impl FnMut(&Sent) -> Attempt + 'static) -> Scripted {
        Scripted { script: Box::new(script), transfers: Box::new(|_| TransferAttempt::default()), sent: Vec::new() }
    }

    /// The same, with `transfers` answering zone transfers.
    pub fn with_transfers(mut self, transfers: impl FnMut(&Sent) -> TransferAttempt + 'static) -> Scripted {
        self.transfers = Box::new(transfers);
        self
    }

    /// The names asked, in order, with their types.
    pub fn asked(&self) -> Vec<(String, u16)> {
        self.sent.iter().map(|sent| (sent.name.clone(), sent.rtype)).collect()
    }

    fn record(&mut self, request: &Request) -> Sent {
        let asked = Asked::of(request.query);
        let question = asked.question.expect("the tools always send a question");
        let sent = Sent {
            server: request.server,
            name: name_text(&question.name),
            rtype: u16::from(question.query_type),
            protocol: request.protocol,
            id: asked.id,
            recurse: Header::read(request.query).is_some_and(|header| header.recursion_desired()),
        };
        self.sent.push(sent.clone());
        sent
    }
}

impl Exchange for Scripted {
    fn ask(&mut self, request: &Request) -> Attempt {
        let sent = self.record(request);
        (self.script)(&sent)
    }

    fn transfer(&mut self, request: &Request) -> TransferAttempt {
        let sent = self.record(request);
        (self.transfers)(&sent)
    }
}

/// A name for test records.
pub fn name(text: &str) -> Name {
    Name::from_str(text).expect("a test name")
}

/// An A record.
pub fn a(owner: &str, address: [u8; 4]) -> Record {
    Record::from_rdata(name(owner), 5, RData::A(A::from(std::net::Ipv4Addr::from(address))))
}

/// An AAAA record.
pub fn aaaa(owner: &str, address: &str) -> Record {
    Record::from_rdata(name(owner), 5, RData::AAAA(AAAA(address.parse().expect("an IPv6 address"))))
}

/// A CNAME record.
pub fn cname(owner: &str, target: &str) -> Record {
    Record::from_rdata(name(owner), 5, RData::CNAME(CNAME(name(target))))
}

/// The wire bytes of a reply to `sent`: its question echoed, `rcode`, `answers`, and `extra` flag bits
/// (AA and RA are set unless `extra` says otherwise through the caller's own bits).
pub fn reply_bytes(sent: &Sent, rcode: Rcode, answers: Vec<Record>, extra: u16) -> Vec<u8> {
    let mut message = Message::new(sent.id, MessageType::Response, OpCode::Query);
    message.metadata.recursion_desired = sent.recurse;
    message.metadata.recursion_available = true;
    message.metadata.authoritative = true;
    message.metadata.response_code = ResponseCode::from(0, u8::try_from(rcode.0).expect("a header rcode"));
    message.add_query(hickory_proto::op::Query::query(name(&sent.name), sent.rtype.into()));
    answers.into_iter().for_each(|record| {
        message.add_answer(record);
    });
    let mut bytes = message.to_vec().expect("an encodable reply");
    let flags = u16::from_be_bytes([bytes[2], bytes[3]]) | extra;
    bytes[2..4].copy_from_slice(&flags.to_be_bytes());
    bytes
}

/// A reply as the network layer returns it, after `elapsed`.
pub fn received(sent: &Sent, bytes: Vec<u8>) -> Attempt {
    let reply = parse(bytes, true).expect("a parsable scripted reply");
    let received = Received {
        reply,
        server: sent.server,
        protocol: sent.protocol,
        elapsed: Duration::from_millis(3),
        at: SystemTime::UNIX_EPOCH + ARRIVAL,
    };
    Attempt { events: Vec::new(), outcome: Outcome::Reply(Box::new(received)) }
}

/// A reply with `rcode` and `answers`.
pub fn answer(sent: &Sent, rcode: Rcode, answers: Vec<Record>) -> Attempt {
    received(sent, reply_bytes(sent, rcode, answers, 0))
}

/// An empty reply with the TC bit.
pub fn truncated(sent: &Sent) -> Attempt {
    received(sent, reply_bytes(sent, Rcode::NOERROR, Vec::new(), flag::TC))
}

/// No reply before the timer ran out.
pub fn timeout(sent: &Sent) -> Attempt {
    let event = Event::CommunicationsError { server: sent.server, failure: Failure::TimedOut };
    Attempt { events: vec![event], outcome: Outcome::NoReply }
}

/// A reply that does not parse (a question that promises a name and ends).
pub fn garbage(sent: &Sent) -> Attempt {
    let bytes = [&sent.id.to_be_bytes()[..], b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x05hello"].concat();
    let bad = parse(bytes, false).expect_err("garbage does not parse");
    Attempt { events: Vec::new(), outcome: Outcome::BadPacket(bad) }
}

/// A zone transfer that went out and got one message with `rcode` and `answers`.
pub fn transfer_reply(sent: &Sent, rcode: Rcode, answers: Vec<Record>) -> TransferAttempt {
    let Outcome::Reply(received) = answer(sent, rcode, answers).outcome else {
        unreachable!("answer always builds a reply")
    };
    TransferAttempt { events: Vec::new(), sent: true, messages: vec![*received], bad_packet: None }
}

/// Two servers on different loopback addresses, port 53.
pub fn two_servers() -> Vec<crate::resolver::servers::Server> {
    ["127.0.0.1", "127.0.0.2"]
        .iter()
        .map(|ip| crate::resolver::servers::Server {
            address: SocketAddr::new(ip.parse().expect("an address"), 53),
            label: (*ip).to_string(),
        })
        .collect()
}
