//! Decoding a reply the way BIND's `dns_message_parse` sees it.
//!
//! hickory-proto decodes each question and record; this module drives its decoder one record at a
//! time so it knows where each section ended. That gives what BIND reports and hickory's
//! `Message::from_vec` hides: the raw header bits (including the MBZ bit), the header counts
//! (OPT included), trailing bytes (`Message has N extra bytes at end`), and for dig's best-effort
//! mode the sections that did parse before a truncated record. Damaged records are judged by
//! [`crate::wire::rdata_check`] first, so the reason printed is BIND's.

use hickory_proto::op::Query;
use hickory_proto::rr::rdata::NULL;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::wire::rdata_check::{check_name, check_rdata, read_name};
use crate::wire::rdata_rules::is_nsec3_owner;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, DecodeError, Restrict};

/// The header fields of a reply, taken from its first 12 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Message ID.
    pub id: u16,
    /// The 16 flag bits as sent (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    pub flags: u16,
    /// QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as sent.
    pub counts: [u16; 4],
}

impl Header {
    /// Reads the header, or `None` when fewer than 12 bytes arrived.
    pub fn read(bytes: &[u8]) -> Option<Self> {
        let word = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        if bytes.len() < 12 {
            return None;
        }
        Some(Self { id: word(0), flags: word(2), counts: [word(4), word(6), word(8), word(10)] })
    }

    /// QR: this is a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// The 4-bit opcode.
    pub fn opcode(&self) -> u16 {
        (self.flags >> 11) & 0xf
    }

    /// TC: the server truncated the answer.
    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    /// AA: the answer is authoritative.
    pub fn authoritative(&self) -> bool {
        self.flags & 0x0400 != 0
    }

    /// RD: recursion was desired.
    pub fn recursion_desired(&self) -> bool {
        self.flags & 0x0100 != 0
    }

    /// RA: recursion is available.
    pub fn recursion_available(&self) -> bool {
        self.flags & 0x0080 != 0
    }

    /// The low 4 bits of the response code.
    pub fn rcode_low(&self) -> u16 {
        self.flags & 0xf
    }
}

/// The OPT pseudo-record of a reply, as its raw fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptRecord {
    /// Advertised UDP payload size (the OPT class).
    pub udp_size: u16,
    /// Upper 8 bits of the extended rcode.
    pub rcode_high: u8,
    /// EDNS version.
    pub version: u8,
    /// EDNS flags (DO is the top bit).
    pub flags: u16,
    /// Options as (code, raw value).
    pub options: Vec<(u16, Vec<u8>)>,
}

/// A decoded reply: header, sections, OPT, and how far parsing got.
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
    pub fn rcode(&self) -> u16 {
        let high = self.opt.as_ref().map_or(0, |opt| u16::from(opt.rcode_high));
        (high << 4) | self.header.rcode_low()
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

/// Why a reply could not be parsed, in BIND's `isc_result_totext` words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct BadPacket {
    /// e.g. `unexpected end of input`.
    pub reason: &'static str,
}

/// The BIND words for a hickory decode error.
fn reason(error: &DecodeError) -> &'static str {
    match error {
        DecodeError::InsufficientBytes => "unexpected end of input",
        DecodeError::IncorrectRDataLengthRead { read, len, .. } if read > len => "unexpected end of input",
        DecodeError::IncorrectRDataLengthRead { .. } => "extra input data",
        DecodeError::PointerNotPriorToLabel { .. } | DecodeError::LabelOverlapsWithOther { .. } => {
            "bad compression pointer"
        }
        DecodeError::LabelBytesTooLong(_) | DecodeError::UnrecognizedLabelCode(_) => "bad label type",
        DecodeError::DomainNameTooLong(_) => "name too long",
        _ => "FORMERR",
    }
}

/// Where parsing stopped and why.
struct Failure {
    /// Offset after the last complete element (owner name, fixed fields, rdata).
    at: usize,
    /// BIND's words for the problem.
    reason: &'static str,
}

impl Failure {
    /// Truncation is what dig's best-effort mode recovers from (BIND's IGNORETRUNCATION).
    fn is_truncation(&self) -> bool {
        self.reason == "unexpected end of input"
    }
}

/// Reads the raw fields of an OPT record that starts at `start` (root owner name expected).
fn read_opt(bytes: &[u8], start: usize, record: &Record) -> OptRecord {
    let field = |at: usize| bytes.get(at..at + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let fixed = start + 1;
    let options = match &record.data {
        RData::OPT(opt) => opt
            .as_ref()
            .iter()
            .map(|(code, option)| (u16::from(*code), Vec::<u8>::try_from(option).unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    };
    OptRecord {
        udp_size: field(fixed + 2),
        rcode_high: bytes.get(fixed + 4).copied().unwrap_or(0),
        version: bytes.get(fixed + 5).copied().unwrap_or(0),
        flags: field(fixed + 6),
        options,
    }
}

/// Parses `bytes` the way BIND does. With `best_effort` (dig), a truncated message keeps what
/// parsed and misplaced OPT records are kept as records; both mark the reply `malformed`.
pub fn parse(bytes: Vec<u8>, best_effort: bool) -> Result<Reply, BadPacket> {
    let header = Header::read(&bytes).ok_or(BadPacket { reason: "unexpected end of input" })?;
    let mut reply = Reply {
        bytes: Vec::new(),
        header: header.clone(),
        questions: Vec::new(),
        sections: [Vec::new(), Vec::new(), Vec::new()],
        opt: None,
        parsed_len: 12,
        malformed: false,
        keep_order: false,
    };
    let mut parser = Parser { bytes: &bytes, at: 12, problem: false, best_effort };
    let outcome = parser.sections(&header, &mut reply);
    reply.parsed_len = parser.at;
    reply.bytes = bytes.clone();
    match outcome {
        Ok(()) if !parser.problem => Ok(reply),
        Ok(()) if best_effort => {
            reply.malformed = true;
            Ok(reply)
        }
        Ok(()) => Err(BadPacket { reason: "FORMERR" }),
        Err(failure) if best_effort && failure.is_truncation() => {
            reply.parsed_len = failure.at;
            reply.malformed = true;
            Ok(reply)
        }
        Err(failure) => Err(BadPacket { reason: failure.reason }),
    }
}

/// Types whose rdata cannot be empty: BIND fails to read them from zero bytes (hickory accepts them
/// as RFC 2136 update records).
fn needs_rdata(rtype: RecordType) -> bool {
    matches!(u16::from(rtype), 1 | 2 | 5 | 6 | 12 | 13 | 15 | 16 | 28 | 33 | 35 | 39 | 49 | 257)
}

/// IXFR, AXFR and ANY: query types hickory refuses to decode as records, which BIND reads as opaque
/// rdata and prints in RFC 3597 form.
fn is_meta_in_answer(rtype: u16) -> bool {
    matches!(rtype, 251 | 252 | 255)
}

/// Walks a message element by element so a failure knows its offset.
struct Parser<'a> {
    bytes: &'a [u8],
    /// Offset after the last complete record or question.
    at: usize,
    /// BIND's `seen_problem`: a misplaced or second OPT record, or a class that differs from the
    /// question's. Fatal (FORMERR) for host and nslookup, a warning for dig.
    problem: bool,
    /// dig's best-effort parsing: problems are noted, truncation keeps what parsed.
    best_effort: bool,
}

impl Parser<'_> {
    /// A decoder positioned at `at`.
    fn decoder_at(&self, at: usize) -> Result<BinDecoder<'_>, Failure> {
        let mut decoder = BinDecoder::new(self.bytes);
        decoder.read_slice(at).map_err(|error| Failure { at, reason: reason(&error) })?;
        Ok(decoder)
    }

    /// Checks the owner name and the fixed fields after it; returns where the data after them starts.
    fn check_head(&self, fixed_len: usize) -> Result<usize, Failure> {
        let after_name = check_name(self.bytes, self.at).map_err(|reason| Failure { at: self.at, reason })?;
        if after_name + fixed_len > self.bytes.len() {
            return Err(Failure { at: after_name, reason: "unexpected end of input" });
        }
        Ok(after_name + fixed_len)
    }

    fn question(&mut self) -> Result<Query, Failure> {
        let end = self.check_head(4)?;
        let query = match Query::read(&mut self.decoder_at(self.at)?) {
            Ok(query) => query,
            // A name that runs on past a compression pointer: BIND reads it, hickory does not.
            Err(error) if reason(&error) == "bad compression pointer" => {
                let word = |at: usize| u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]]);
                let mut query = Query::query(self.owner_name()?, RecordType::from(word(end - 4)));
                query.set_query_class(DNSClass::from(word(end - 2)));
                query
            }
            Err(error) => return Err(Failure { at: self.at, reason: reason(&error) }),
        };
        self.at = end;
        Ok(query)
    }

    /// The name at `self.at`, read by BIND's rules ([`read_name`]).
    fn owner_name(&self) -> Result<Name, Failure> {
        let (labels, _) = read_name(self.bytes, self.at).map_err(|reason| Failure { at: self.at, reason })?;
        Name::from_labels(labels).map_err(|_| Failure { at: self.at, reason: "bad label type" })
    }

    fn record(&mut self, section: usize, reply: &Reply) -> Result<Record, Failure> {
        let data_start = self.check_head(10)?;
        let word = |at: usize| u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]]);
        let (rtype, class) = (word(data_start - 10), word(data_start - 8));
        // BIND checks the owner, type and class before it reads the rdata.
        if self.semantic_problem(rtype, class, section, reply) {
            if !self.best_effort {
                return Err(Failure { at: self.at, reason: "FORMERR" });
            }
            self.problem = true;
        }
        let rdlength = usize::from(word(data_start - 2));
        if data_start + rdlength > self.bytes.len() {
            return Err(Failure { at: data_start, reason: "unexpected end of input" });
        }
        check_rdata(self.bytes, rtype, class, data_start, rdlength)
            .map_err(|reason| Failure { at: data_start, reason })?;
        if rtype == 50 && !self.owner_name()?.iter().next().is_none_or(is_nsec3_owner) {
            return Err(Failure { at: self.at, reason: "bad owner name (check-names)" });
        }
        let record = if is_meta_in_answer(rtype) {
            self.record_by_parts(data_start)?
        } else {
            match Record::read(&mut self.decoder_at(self.at)?) {
                Ok(record) => record,
                // A name that runs on past a compression pointer: BIND reads it, hickory does not.
                Err(error) if reason(&error) == "bad compression pointer" => self.record_by_parts(data_start)?,
                Err(error) => return Err(Failure { at: data_start, reason: reason(&error) }),
            }
        };
        if matches!(record.data, RData::Update0(rtype) if needs_rdata(rtype)) {
            return Err(Failure { at: data_start, reason: "unexpected end of input" });
        }
        self.at = data_start + rdlength;
        Ok(record)
    }

    /// The record at `self.at`, whose rdata starts at `data_start`, read field by field for what
    /// hickory's `Record::read` refuses and BIND reads: meta types (rdata kept opaque) and names that
    /// run on past a compression pointer (see [`read_name`]).
    fn record_by_parts(&self, data_start: usize) -> Result<Record, Failure> {
        let name = self.owner_name()?;
        let word = |at: usize| u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]]);
        let (rtype, class, rdlength) =
            (RecordType::from(word(data_start - 10)), word(data_start - 8), word(data_start - 2));
        let ttl = u32::from(word(data_start - 6)) << 16 | u32::from(word(data_start - 4));
        let data = if is_meta_in_answer(u16::from(rtype)) {
            let rdata = self.bytes[data_start..data_start + usize::from(rdlength)].to_vec();
            RData::Unknown { code: rtype, rdata: NULL::with(rdata) }
        } else if rdlength == 0 {
            RData::Update0(rtype)
        } else {
            RData::read(&mut self.decoder_at(data_start)?, rtype, Restrict::new(rdlength))
                .map_err(|error| Failure { at: data_start, reason: reason(&error) })?
        };
        let mut record = Record::from_rdata(name, ttl, data);
        record.dns_class = if rtype == RecordType::OPT { DNSClass::for_opt(class) } else { DNSClass::from(class) };
        Ok(record)
    }

    /// BIND's `DO_ERROR` cases: an OPT record that is not the first one in the additional
    /// section, or a class other than the question's (OPT, TKEY and TSIG aside).
    fn semantic_problem(&self, rtype: u16, class: u16, section: usize, reply: &Reply) -> bool {
        if rtype == 41 {
            return section != 2 || reply.opt.is_some();
        }
        let question_class = reply.questions.first().map(|query| u16::from(query.query_class));
        !matches!(rtype, 249 | 250) && question_class.is_some_and(|expected| expected != class)
    }

    fn sections(&mut self, header: &Header, reply: &mut Reply) -> Result<(), Failure> {
        for _ in 0..header.counts[0] {
            let query = self.question()?;
            if reply.questions.first().is_some_and(|first| first.query_class != query.query_class) {
                if !self.best_effort {
                    return Err(Failure { at: self.at, reason: "FORMERR" });
                }
                self.problem = true;
            }
            reply.questions.push(query);
        }
        for section in 0..3 {
            for _ in 0..header.counts[section + 1] {
                let start = self.at;
                let record = self.record(section, reply)?;
                if record.record_type() == RecordType::OPT && section == 2 && reply.opt.is_none() {
                    reply.opt = Some(read_opt(self.bytes, start, &record));
                    continue;
                }
                reply.sections[section].push(record);
            }
        }
        Ok(())
    }
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
        assert_eq!(parse(bytes, true).expect_err("fatal").reason, "extra input data");
    }

    /// A truncated name is `unexpected end of input`; best effort keeps the header only.
    #[test]
    fn truncated_name_is_bad_packet() {
        let bytes = ANSWER[..18].to_vec();
        assert_eq!(parse(bytes.clone(), false).expect_err("rejected").reason, "unexpected end of input");
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

    /// Fewer than 12 bytes cannot be a header.
    #[test]
    fn short_message_has_no_header() {
        assert!(Header::read(&[1, 2, 3]).is_none());
    }
}
