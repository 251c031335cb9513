//! The checks dig's `recv_done` makes on each message before it accepts it as the reply, as pure functions
//! over bytes: the header (size, ID, QR, opcode), one parse, and the question. Each problem becomes an
//! [`Event`]; the socket code decides from the result whether to keep waiting, give up, or return.

use hickory_proto::op::Query;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

use crate::net::event::{Event, Protocol};
use crate::protocol::codes::Opcode;
use crate::wire::header::{HEADER_LEN, Header};
use crate::wire::reply::{BadPacket, Reply, parse};

/// The ID and question of a query the tools encoded (a question-less query has none).
#[derive(Clone, Debug)]
pub struct Asked {
    /// The message ID.
    pub id: u16,
    /// The question, when there is one.
    pub question: Option<Query>,
}

impl Asked {
    /// Reads the ID and question of `query`.
    pub fn of(query: &[u8]) -> Asked {
        let id = Header::read(query).map_or(0, |header| header.id);
        let question = (Header::read(query).is_some_and(|header| header.counts[0] > 0))
            .then(|| {
                let mut decoder = BinDecoder::new(query);
                decoder.read_slice(HEADER_LEN).ok()?;
                Query::read(&mut decoder).ok()
            })
            .flatten();
        Asked { id, question }
    }
}

/// Checks a message's header as `recv_done` does; `None` means it is not the reply (keep waiting over
/// UDP, give up over TCP). A foreign ID and a missing QR bit are both reported when both are wrong, as
/// BIND checks QR before it drops the message.
pub fn check_header(bytes: &[u8], id: u16, protocol: Protocol, events: &mut Vec<Event>) -> Option<Header> {
    let Some(header) = Header::read(bytes) else {
        events.push(Event::ShortMessage { protocol });
        return None;
    };
    let foreign = header.id != id;
    if foreign {
        events.push(Event::IdMismatch { expected: id, got: header.id, protocol });
    }
    if !header.is_response() {
        events.push(Event::NotResponse);
    }
    if foreign {
        return None;
    }
    if header.opcode() != Opcode::QUERY {
        events.push(Event::OpcodeMismatch { got: header.opcode() });
        return None;
    }
    Some(header)
}

/// Parses a message once, as BIND's `dns_message_parse` would (best effort for dig); a reply kept in part
/// is reported at once, before any complaint about its question.
pub fn parse_reply(bytes: &[u8], best_effort: bool, events: &mut Vec<Event>) -> Result<Reply, BadPacket> {
    let reply = parse(bytes.to_vec(), best_effort)?;
    if reply.malformed {
        events.push(Event::Malformed);
    }
    Ok(reply)
}

/// BIND's complaint when a reply answers another question than the query's (name compared
/// case-insensitively, then type and class); `None` when they match or cannot be compared.
pub fn question_mismatch(asked: &Asked, reply: &Reply) -> Option<Event> {
    let (asked, got) = (asked.question.as_ref()?, reply.questions.first()?);
    let same = asked.name == got.name && asked.query_type == got.query_type && asked.query_class == got.query_class;
    (!same).then(|| Event::QuestionMismatch { got: got.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short packets and foreign IDs are reported and skipped; non-responses are reported and kept.
    #[test]
    fn header_checks_report_like_dig() {
        let mut events = Vec::new();
        assert!(check_header(&[1, 2, 3], 7, Protocol::Udp, &mut events).is_none());
        let mut packet = vec![0u8; 12];
        packet[1] = 8;
        assert!(check_header(&packet, 7, Protocol::Udp, &mut events).is_none());
        packet[1] = 7;
        assert!(check_header(&packet, 7, Protocol::Udp, &mut events).is_some());
        let expected = [
            Event::ShortMessage { protocol: Protocol::Udp },
            Event::IdMismatch { expected: 7, got: 8, protocol: Protocol::Udp },
            Event::NotResponse,
            Event::NotResponse,
        ];
        assert_eq!(events, expected);
    }

    /// A reply with another opcode is reported and skipped.
    #[test]
    fn opcode_mismatch_is_skipped() {
        let mut events = Vec::new();
        let notify = [0, 7, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(check_header(&notify, 7, Protocol::Tcp, &mut events).is_none());
        assert_eq!(events, [Event::OpcodeMismatch { got: Opcode(4) }]);
    }

    /// A reply to another question is named; the same question in other case is not.
    #[test]
    fn question_mismatches() {
        let query = [&[0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0][..], b"\x03abc\x04test\x00\x00\x01\x00\x01"].concat();
        let asked = Asked::of(&query);
        assert_eq!(asked.id, 1);
        let mut reply = query.clone();
        reply[2] = 0x81;
        reply[14] = b'B';
        let same = parse(reply.clone(), false).expect("parses");
        assert_eq!(question_mismatch(&asked, &same), None);
        reply[13] = b'z';
        let other = parse(reply, false).expect("parses");
        assert!(matches!(question_mismatch(&asked, &other), Some(Event::QuestionMismatch { .. })));
    }

    /// A best-effort parse that kept only part of a reply says so.
    #[test]
    fn partial_parse_is_reported() {
        let cut = [0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'a'];
        let mut events = Vec::new();
        assert!(parse_reply(&cut, true, &mut events).is_ok());
        assert_eq!(events, [Event::Malformed]);
        assert!(parse_reply(&cut, false, &mut Vec::new()).is_err());
    }
}
