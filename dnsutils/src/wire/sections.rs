//! The question and record sections of a message, walked element by element the way BIND's
//! `dns_message_parse` reads them.
//!
//! hickory-proto decodes each question and record; this walker drives its decoder one element at a time
//! so it knows where each one ended, and judges every record first with [`crate::wire::rdata_check`] so
//! a failure is BIND's [`Problem`]. Names that run on past a compression pointer and records of the meta
//! types (AXFR, IXFR, ANY), which hickory refuses and BIND reads, are read field by field instead.

use hickory_proto::op::Query;
use hickory_proto::rr::rdata::NULL;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, Restrict};

use crate::protocol::codes::rtype;
use crate::wire::header::{HEADER_LEN, Header};
use crate::wire::name::{check_name, read_name};
use crate::wire::problem::Problem;
use crate::wire::rdata_check::check_rdata;
use crate::wire::rdata_rules::is_nsec3_owner;

/// Where the additional section sits in [`Sections::records`] (answer, authority, additional).
const ADDITIONAL: usize = 2;

/// The OPT pseudo-record of a message, as its raw fields.
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

/// What the walk read, however far it got.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    /// Question section.
    pub questions: Vec<Query>,
    /// Answer, authority and additional sections (the OPT record excluded).
    pub records: [Vec<Record>; 3],
    /// The first OPT record of the additional section.
    pub opt: Option<OptRecord>,
}

/// Where a walk stopped early and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Offset after the last complete element (owner name, fixed fields, rdata).
    pub at: usize,
    /// BIND's reason.
    pub problem: Problem,
}

/// The result of walking a message.
#[derive(Debug)]
pub struct Walk {
    /// The sections as far as they parsed.
    pub sections: Sections,
    /// Offset after the last complete element.
    pub end: usize,
    /// Why the walk stopped before the counts were met, if it did.
    pub failure: Option<Failure>,
    /// BIND's `seen_problem`: a misplaced or second OPT record, or a class that differs from the
    /// question's. Fatal (FORMERR) for host and nslookup, a warning for dig.
    pub problem: bool,
}

/// Walks the sections `header` announces. With `best_effort` (dig) the semantic problems are noted
/// instead of stopping the walk.
pub fn walk(bytes: &[u8], header: &Header, best_effort: bool) -> Walk {
    let mut walker = Walker { bytes, at: HEADER_LEN, problem: false, best_effort };
    let mut sections = Sections::default();
    let failure = walker.sections(header, &mut sections).err();
    Walk { sections, end: walker.at, failure, problem: walker.problem }
}

/// Types whose rdata cannot be empty: BIND fails to read them from zero bytes (hickory accepts them
/// as RFC 2136 update records).
fn needs_rdata(code: RecordType) -> bool {
    use rtype::*;
    matches!(u16::from(code), A | NS | CNAME | SOA | PTR | HINFO | MX | TXT | AAAA | SRV | NAPTR | DNAME | DHCID | CAA)
}

/// IXFR, AXFR and ANY: query types hickory refuses to decode as records, which BIND reads as opaque
/// rdata and prints in RFC 3597 form.
fn is_meta_in_answer(code: u16) -> bool {
    matches!(code, rtype::IXFR | rtype::AXFR | rtype::ANY)
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

/// Walks a message element by element so a failure knows its offset.
struct Walker<'a> {
    bytes: &'a [u8],
    /// Offset after the last complete record or question.
    at: usize,
    /// See [`Walk::problem`].
    problem: bool,
    /// dig's best-effort parsing: problems are noted, truncation keeps what parsed.
    best_effort: bool,
}

impl Walker<'_> {
    fn sections(&mut self, header: &Header, out: &mut Sections) -> Result<(), Failure> {
        for _ in 0..header.counts[0] {
            let query = self.question()?;
            if out.questions.first().is_some_and(|first| first.query_class != query.query_class) {
                self.note_problem()?;
            }
            out.questions.push(query);
        }
        for section in 0..3 {
            for _ in 0..header.counts[section + 1] {
                let start = self.at;
                let record = self.record(section, out)?;
                if record.record_type() == RecordType::OPT && section == ADDITIONAL && out.opt.is_none() {
                    out.opt = Some(read_opt(self.bytes, start, &record));
                    continue;
                }
                out.records[section].push(record);
            }
        }
        Ok(())
    }

    /// A semantic problem: fatal unless best effort, where it is only noted.
    fn note_problem(&mut self) -> Result<(), Failure> {
        if !self.best_effort {
            return Err(self.fail_here(Problem::FormErr));
        }
        self.problem = true;
        Ok(())
    }

    fn fail_here(&self, problem: Problem) -> Failure {
        Failure { at: self.at, problem }
    }

    /// A decoder positioned at `at`.
    fn decoder_at(&self, at: usize) -> Result<BinDecoder<'_>, Failure> {
        let mut decoder = BinDecoder::new(self.bytes);
        decoder.read_slice(at).map_err(|error| Failure { at, problem: Problem::from(&error) })?;
        Ok(decoder)
    }

    /// A big-endian 16-bit field at `at` (checked to be in the message by [`Walker::check_head`]).
    fn word(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    /// Checks the owner name and the fixed fields after it; returns where the data after them starts.
    fn check_head(&self, fixed_len: usize) -> Result<usize, Failure> {
        let after_name = check_name(self.bytes, self.at).map_err(|problem| self.fail_here(problem))?;
        if after_name + fixed_len > self.bytes.len() {
            return Err(Failure { at: after_name, problem: Problem::UnexpectedEnd });
        }
        Ok(after_name + fixed_len)
    }

    fn question(&mut self) -> Result<Query, Failure> {
        let end = self.check_head(4)?;
        let query = match Query::read(&mut self.decoder_at(self.at)?) {
            Ok(query) => query,
            // A name that runs on past a compression pointer: BIND reads it, hickory does not.
            Err(error) if Problem::from(&error) == Problem::BadCompressionPointer => {
                let mut query = Query::query(self.owner_name()?, RecordType::from(self.word(end - 4)));
                query.set_query_class(DNSClass::from(self.word(end - 2)));
                query
            }
            Err(error) => return Err(self.fail_here(Problem::from(&error))),
        };
        self.at = end;
        Ok(query)
    }

    /// The name at `self.at`, read by BIND's rules ([`read_name`]).
    fn owner_name(&self) -> Result<Name, Failure> {
        let (labels, _) = read_name(self.bytes, self.at).map_err(|problem| self.fail_here(problem))?;
        Name::from_labels(labels).map_err(|_| self.fail_here(Problem::BadLabelType))
    }

    fn record(&mut self, section: usize, out: &Sections) -> Result<Record, Failure> {
        let data_start = self.check_head(10)?;
        let (code, class) = (self.word(data_start - 10), self.word(data_start - 8));
        // BIND checks the owner, type and class before it reads the rdata.
        if semantic_problem(code, class, section, out) {
            self.note_problem()?;
        }
        let rdlength = usize::from(self.word(data_start - 2));
        if data_start + rdlength > self.bytes.len() {
            return Err(Failure { at: data_start, problem: Problem::UnexpectedEnd });
        }
        check_rdata(self.bytes, code, class, data_start, rdlength)
            .map_err(|problem| Failure { at: data_start, problem })?;
        if code == rtype::NSEC3 && !self.owner_name()?.iter().next().is_none_or(is_nsec3_owner) {
            return Err(self.fail_here(Problem::BadOwnerName));
        }
        let record = if is_meta_in_answer(code) {
            self.record_by_parts(data_start)?
        } else {
            match Record::read(&mut self.decoder_at(self.at)?) {
                Ok(record) => record,
                // A name that runs on past a compression pointer: BIND reads it, hickory does not.
                Err(error) if Problem::from(&error) == Problem::BadCompressionPointer => {
                    self.record_by_parts(data_start)?
                }
                Err(error) => return Err(Failure { at: data_start, problem: Problem::from(&error) }),
            }
        };
        if matches!(record.data, RData::Update0(code) if needs_rdata(code)) {
            return Err(Failure { at: data_start, problem: Problem::UnexpectedEnd });
        }
        self.at = data_start + rdlength;
        Ok(record)
    }

    /// The record at `self.at`, whose rdata starts at `data_start`, read field by field for what
    /// hickory's `Record::read` refuses and BIND reads: meta types (rdata kept opaque) and names that
    /// run on past a compression pointer (see [`read_name`]).
    fn record_by_parts(&self, data_start: usize) -> Result<Record, Failure> {
        let name = self.owner_name()?;
        let code = RecordType::from(self.word(data_start - 10));
        let (class, rdlength) = (self.word(data_start - 8), self.word(data_start - 2));
        let ttl = u32::from(self.word(data_start - 6)) << 16 | u32::from(self.word(data_start - 4));
        let data = if is_meta_in_answer(u16::from(code)) {
            let rdata = self.bytes[data_start..data_start + usize::from(rdlength)].to_vec();
            RData::Unknown { code, rdata: NULL::with(rdata) }
        } else if rdlength == 0 {
            RData::Update0(code)
        } else {
            RData::read(&mut self.decoder_at(data_start)?, code, Restrict::new(rdlength))
                .map_err(|error| Failure { at: data_start, problem: Problem::from(&error) })?
        };
        let mut record = Record::from_rdata(name, ttl, data);
        record.dns_class = if code == RecordType::OPT { DNSClass::for_opt(class) } else { DNSClass::from(class) };
        Ok(record)
    }
}

/// BIND's `DO_ERROR` cases: an OPT record that is not the first one in the additional section, or a
/// class other than the question's (OPT, TKEY and TSIG aside).
fn semantic_problem(code: u16, class: u16, section: usize, out: &Sections) -> bool {
    if code == rtype::OPT {
        return section != ADDITIONAL || out.opt.is_some();
    }
    let question_class = out.questions.first().map(|query| u16::from(query.query_class));
    !matches!(code, rtype::TKEY | rtype::TSIG) && question_class.is_some_and(|expected| expected != class)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply with one question and `records` (raw bytes each) in its answer.
    fn message(records: &[&[u8]]) -> Vec<u8> {
        let count = u8::try_from(records.len()).expect("few records");
        let head = [0, 1, 0x84, 0, 0, 1, 0, count, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1];
        [&head[..], &records.concat()].concat()
    }

    /// A second OPT record in the answer is a problem: fatal in strict mode, noted in best effort.
    #[test]
    fn misplaced_opt_is_a_problem() {
        let bytes = message(&[&[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]]);
        let header = Header::read(&bytes).expect("a header");
        let strict = walk(&bytes, &header, false);
        assert_eq!(strict.failure.map(|failure| failure.problem), Some(Problem::FormErr));
        let lenient = walk(&bytes, &header, true);
        assert!(lenient.failure.is_none() && lenient.problem);
        assert_eq!(lenient.sections.records[0].len(), 1);
    }

    /// A record in another class than the question's is a problem too.
    #[test]
    fn foreign_class_is_a_problem() {
        let bytes = message(&[&[0xc0, 12, 0, 1, 0, 3, 0, 0, 0, 5, 0, 4, 10, 0, 0, 1]]);
        let header = Header::read(&bytes).expect("a header");
        assert!(walk(&bytes, &header, true).problem);
    }

    /// An NSEC3 owner that is not a base32hex hash is refused as BIND refuses it.
    #[test]
    fn nsec3_owner_is_checked() {
        let nsec3 = [&[0xc0, 12, 0, 50, 0, 1, 0, 0, 0, 5, 0, 29, 1, 0, 0, 1, 0, 20][..], &[0xaa; 20], &[0, 1, 0x40]];
        let bytes = message(&[&nsec3.concat()]);
        let header = Header::read(&bytes).expect("a header");
        let failure = walk(&bytes, &header, false).failure.expect("refused");
        assert_eq!(failure.problem, Problem::BadOwnerName);
    }
}
