//! A message decoded the way BIND's `dns_message_parse` sees it.
//!
//! The [`Reply`] keeps what BIND reports and hickory's `Message::from_vec` hides: the raw header bits
//! (including the MBZ bit), the header counts (OPT included), trailing bytes (`Message has N extra bytes
//! at end`), and for dig's best-effort mode the sections that did parse before a truncated record. The
//! walk itself is [`crate::wire::sections`].

use hickory_proto::op::Query;
use hickory_proto::rr::{Name, RData, Record};

use crate::protocol::codes::Rcode;
use crate::wire::header::Header;
use crate::wire::problem::Problem;
use crate::wire::sections::walk;

pub use crate::wire::sections::OptRecord;

/// A decoded message: header, sections, OPT, and how far parsing got.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The raw bytes, for sizes and hex dumps.
    pub bytes: Vec<u8>,
    /// Header fields as sent.
    pub header: Header,
    /// Question section.
    pub questions: Vec<Query>,
    /// Answer, authority and additional sections (the OPT record excluded).
    pub sections: [Vec<Record>; 3],
    /// The OPT pseudo-record, when present.
    pub opt: Option<OptRecord>,
    /// Offset just past the last byte that parsed.
    pub parsed_len: usize,
    /// Set when best-effort parsing stopped at a malformed record.
    pub malformed: bool,
    /// Print records in wire order instead of grouped into rdatasets (zone transfers).
    pub keep_order: bool,
}

impl Reply {
    /// The full response code: header bits plus the EDNS extension.
    pub fn rcode(&self) -> Rcode {
        let high = self.opt.as_ref().map_or(0, |opt| u16::from(opt.rcode_high));
        Rcode((high << 4) | self.header.rcode_low())
    }

    /// Bytes after the end of the parsed message.
    pub fn extra_bytes(&self) -> usize {
        self.bytes.len() - self.parsed_len
    }

    /// The answer section.
    pub fn answers(&self) -> &[Record] {
        &self.sections[0]
    }

    /// Where the CNAME chain starting at `qname` ends in the answer section (host and nslookup
    /// ask their follow-up queries for that name). Bounded by the answer count, so loops end.
    pub fn cname_target(&self, qname: &str) -> Name {
        let Ok(mut name) = crate::wire::query::parse_name(qname) else { return Name::root() };
        for _ in 0..self.answers().len() {
            let next = self.answers().iter().find_map(|record| match &record.data {
                RData::CNAME(cname) if record.name == name => Some(cname.0.clone()),
                _ => None,
            });
            match next {
                Some(target) => name = target,
                None => break,
            }
        }
        name
    }
}

/// A message that could not be parsed, and BIND's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadPacket {
    /// Why it did not parse.
    pub problem: Problem,
    /// The message as received, for the hex dump.
    pub bytes: Vec<u8>,
}

/// Parses `bytes` the way BIND does. With `best_effort` (dig), a truncated message keeps what
/// parsed and misplaced OPT records are kept as records; both mark the reply `malformed`.
pub fn parse(bytes: Vec<u8>, best_effort: bool) -> Result<Reply, BadPacket> {
    let Some(header) = Header::read(&bytes) else {
        return Err(BadPacket { problem: Problem::UnexpectedEnd, bytes });
    };
    let walk = walk(&bytes, &header, best_effort);
    let problem = match (walk.failure, walk.problem) {
        (None, false) => None,
        (None, true) if best_effort => None,
        (None, true) => Some(Problem::FormErr),
        (Some(failure), _) if best_effort && failure.problem.is_truncation() => None,
        (Some(failure), _) => Some(failure.problem),
    };
    if let Some(problem) = problem {
        return Err(BadPacket { problem, bytes });
    }
    let sections = walk.sections;
    Ok(Reply {
        header,
        questions: sections.questions,
        sections: sections.records,
        opt: sections.opt,
        parsed_len: walk.failure.map_or(walk.end, |failure| failure.at),
        malformed: walk.failure.is_some() || walk.problem,
        keep_order: false,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &[u8] = &[
        0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, 1, b'a', 4, b't', b'e', b's', b't', 0, 0, 1, 0, 1, 0xc0, 0x0c,
        0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 1,
    ];

    /// A well-formed reply parses completely with its header bits.
    #[test]
    fn parses_complete_reply() {
        let reply = parse(ANSWER.to_vec(), false).expect("parses");
        assert_eq!(reply.header.id, 0x1234);
        assert!(reply.header.authoritative());
        assert_eq!(reply.answers().len(), 1);
        assert_eq!(reply.extra_bytes(), 0);
    }

    /// Trailing bytes are counted, not rejected.
    #[test]
    fn counts_extra_bytes() {
        let mut bytes = ANSWER.to_vec();
        bytes.extend_from_slice(&[0, 0, 0]);
        assert_eq!(parse(bytes, false).expect("parses").extra_bytes(), 3);
    }

    /// A record cut inside its rdata keeps the records before it; the rest counts as extra bytes.
    #[test]
    fn truncated_rdata_keeps_earlier_records() {
        let mut bytes = ANSWER.to_vec();
        bytes[7] = 2;
        bytes.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0]);
        let reply = parse(bytes, true).expect("best effort");
        assert!(reply.malformed);
        assert_eq!(reply.answers().len(), 1);
        assert_eq!(reply.extra_bytes(), 2);
    }

    /// Rdata longer than its content is `extra input data`, fatal even in best effort.
    #[test]
    fn extra_rdata_is_fatal() {
        let mut bytes = ANSWER[..24].to_vec();
        bytes.extend_from_slice(&[0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 5, 0, 4, 0xc0, 0x0c, 1, 2]);
        assert_eq!(parse(bytes, true).expect_err("fatal").problem, Problem::ExtraInputData);
    }

    /// A truncated name is `unexpected end of input`; best effort keeps the header only.
    #[test]
    fn truncated_name_is_bad_packet() {
        let bytes = ANSWER[..18].to_vec();
        assert_eq!(parse(bytes.clone(), false).expect_err("rejected").problem, Problem::UnexpectedEnd);
        let reply = parse(bytes, true).expect("best effort");
        assert!(reply.malformed);
        assert!(reply.questions.is_empty());
        assert_eq!(reply.extra_bytes(), 6);
    }

    /// IXFR, AXFR and ANY records in an answer are kept with their rdata opaque, as BIND reads them.
    #[test]
    fn meta_type_records_are_opaque() {
        for rtype in [251, 252, 255] {
            let mut bytes = ANSWER.to_vec();
            bytes[27] = rtype;
            let reply = parse(bytes, false).expect("parses");
            let record = &reply.answers()[0];
            assert_eq!(u16::from(record.record_type()), u16::from(rtype));
            assert!(matches!(&record.data, RData::Unknown { rdata, .. } if rdata.anything == [10, 0, 0, 1]));
            assert_eq!((record.ttl, reply.extra_bytes()), (5, 0));
        }
    }

    /// An owner name whose labels run on past its own compression pointer parses, as in BIND.
    #[test]
    fn owner_running_past_its_pointer_parses() {
        let mut bytes = ANSWER[..12].to_vec();
        bytes[7] = 1;
        bytes.extend_from_slice(&[4, 0xc0, 12, 1, b'b', 0, 0, 1, 0, 1]);
        bytes.extend_from_slice(&[0xc0, 13, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 1]);
        let reply = parse(bytes, false).expect("parses");
        assert_eq!(reply.answers()[0].name, Name::from_labels(vec![vec![0xc0u8, 12, 1, b'b']]).expect("name"));
        assert_eq!(reply.questions[0].name, reply.answers()[0].name);
    }
}
