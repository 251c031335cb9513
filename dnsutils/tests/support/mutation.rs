//! Seeded, deterministic damage to a valid reply, one [`Case`] per kind of damage, and the server
//! [`Response`] each case gives.
//!
//! The catalogue is built once from a canonical reply's [`Layout`]; each case names the structure it breaks
//! by its place in the layout, and the server resolves that against the real reply, so a tool's follow-up
//! query for the CNAME target (a longer name, the same structure) gets the same damage.

use super::wire_layout::Layout;
use test_support::dns::{Response, Transport};

/// A small seeded PRNG (xorshift64*): reproducible damage without a dependency.
pub struct XorShift(u64);

impl XorShift {
    /// A generator whose whole sequence follows from `seed` (any value, zero included).
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// What a case does to the reply. Structures are named by their place in the reply's [`Layout`] (the
/// second pointer, the last record), not by offset, because the tools' follow-up queries (for the CNAME
/// target) get replies a few bytes longer with the same structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// Nothing: the valid reply.
    None,
    /// XOR the bytes at these offsets (bit flips, and header bits whose value varies, like the ID).
    Xor(Vec<(usize, u8)>),
    /// Overwrite the bytes at these offsets (random damage, header counts).
    Set(Vec<(usize, u8)>),
    /// Keep the bytes before the `boundary`-th field boundary, plus `extra` more.
    Cut {
        /// Index into [`Layout::boundaries`].
        boundary: usize,
        /// Bytes kept past the boundary.
        extra: usize,
    },
    /// XOR the byte `offset` bytes past the `boundary`-th field boundary with `xor`.
    XorAfter {
        /// Index into [`Layout::boundaries`].
        boundary: usize,
        /// Bytes past the boundary.
        offset: usize,
        /// The bits flipped.
        xor: u8,
    },
    /// Rewrite the `nth` compression pointers of [`Layout::pointers`].
    Pointers(Vec<(usize, PointTo)>),
    /// Set the `nth` label length byte of [`Layout::labels`] to `value`.
    LabelLength {
        /// Index into [`Layout::labels`].
        nth: usize,
        /// The new length byte.
        value: u8,
    },
    /// Replace the owner name of the last record before OPT (nothing points into or past it).
    Owner(Vec<u8>),
    /// Change the `record`-th record's RDLENGTH by `by` (saturating), or to 65535 with `None`.
    Rdlength {
        /// Index into [`Layout::records`].
        record: usize,
        /// The change, or `None` for 65535.
        by: Option<i64>,
    },
    /// Give the `record`-th record another TYPE, and with `rdata` other RDATA (and RDLENGTH) too.
    Retype {
        /// Index into [`Layout::records`].
        record: usize,
        /// The new TYPE.
        rtype: u16,
        /// The new RDATA, or `None` to keep it.
        rdata: Option<Vec<u8>>,
    },
    /// Answer UDP with the valid reply and TC=1, then misbehave on the TCP retry.
    TruncatedThen(TcpMisbehaviour),
}

/// Where a rewritten compression pointer points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointTo {
    /// At its own first byte: a loop.
    Itself,
    /// This many bytes past its own first byte: forward.
    Ahead(usize),
    /// Past the end of the message.
    PastEnd,
    /// At 0x3fff, the largest offset a pointer can hold.
    Farthest,
    /// At the `nth` pointer (two pointers at each other make a cycle).
    Pointer(usize),
}

/// What the server does on the TCP connection a TC=1 reply sends the client to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpMisbehaviour {
    /// Closes the connection without a byte.
    Close,
    /// Sends a length prefix and closes.
    PrefixOnly,
    /// Sends a zero-length message and closes.
    ZeroLength,
    /// Sends a correctly prefixed message of seeded random bytes.
    RandomFramed(u64),
    /// Sends seeded random bytes with no real prefix.
    RandomRaw(u64),
    /// Answers again with TC=1 (must not send the client round in circles).
    TruncatedAgain,
    /// Keeps the connection open and silent.
    Hold,
    /// Sends the prefix and half the reply, then keeps the connection open.
    HalfThenHold,
    /// A prefix of 12 followed by the whole reply: the client must read only the header.
    PrefixShorter,
    /// A prefix of 65535 followed by the reply padded with zeros to more than 65535 bytes.
    Oversized,
    /// A prefix of 65535 followed by more than 65535 seeded random bytes.
    OversizedRandom(u64),
    /// A prefix of 65535 followed by the reply alone, then the connection closes (end of file mid-message).
    PrefixLongerThenClose,
    /// A prefix of 65535 followed by the reply alone, then the connection stays open.
    PrefixLongerThenHold,
}

/// One mutation of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The kind of damage, shared by a family of cases (`truncation`, `bit-flip`, ...).
    pub class: &'static str,
    /// This case's damage in words, with its offsets and seed.
    pub what: String,
    /// The damage itself.
    pub damage: Damage,
}

fn case(class: &'static str, what: String, damage: Damage) -> Case {
    Case { class, what, damage }
}

/// The response a case gives to a query over `transport`, built from `reply` (the valid reply to that query).
pub fn respond(damage: &Damage, reply: &[u8], transport: Transport) -> Response {
    match (damage, transport) {
        (Damage::TruncatedThen(_), Transport::Udp) => Response::message(with_tc(reply)),
        (Damage::TruncatedThen(misbehaviour), Transport::Tcp) => misbehave(*misbehaviour, reply),
        _ => Response::message(damaged(damage, reply)),
    }
}

/// `reply` with `damage` applied (the UDP half for [`Damage::TruncatedThen`]); a reply that is not well
/// formed, which the server never builds, comes back unchanged.
pub fn damaged(damage: &Damage, reply: &[u8]) -> Vec<u8> {
    let Some(layout) = Layout::of(reply) else { return reply.to_vec() };
    let mut bytes = reply.to_vec();
    let set = |bytes: &mut Vec<u8>, at: usize, value: u8| bytes.get_mut(at).into_iter().for_each(|b| *b = value);
    let pick = |list: &[usize], nth: usize| list[nth.min(list.len() - 1)];
    match damage {
        Damage::None => {}
        Damage::Xor(edits) => edits.iter().for_each(|&(at, x)| bytes.get_mut(at).into_iter().for_each(|b| *b ^= x)),
        Damage::Set(edits) => edits.iter().for_each(|&(at, value)| set(&mut bytes, at, value)),
        Damage::Cut { boundary, extra } => bytes.truncate(pick(&layout.boundaries, *boundary) + extra),
        Damage::XorAfter { boundary, offset, xor } => {
            let at = pick(&layout.boundaries, *boundary) + offset;
            bytes.get_mut(at).into_iter().for_each(|b| *b ^= xor);
        }
        Damage::Pointers(rewrites) => {
            for &(nth, to) in rewrites {
                let at = pick(&layout.pointers, nth);
                let target = match to {
                    PointTo::Itself => at,
                    PointTo::Ahead(n) => at + n,
                    PointTo::PastEnd => reply.len() + 10,
                    PointTo::Farthest => 0x3fff,
                    PointTo::Pointer(other) => pick(&layout.pointers, other),
                };
                set(&mut bytes, at, 0xc0 | (target >> 8) as u8);
                set(&mut bytes, at + 1, target as u8);
            }
        }
        Damage::LabelLength { nth, value } => set(&mut bytes, pick(&layout.labels, *nth), *value),
        Damage::Owner(name) => {
            let record = layout.records[layout.records.len() - 2];
            bytes.splice(record.owner..record.fixed, name.iter().copied());
        }
        Damage::Rdlength { record, by } => {
            let record = layout.records[(*record).min(layout.records.len() - 1)];
            let length = (record.end - record.rdata) as i64;
            let value = by.map_or(0xffff, |by| (length + by).clamp(0, 0xffff) as u16);
            set(&mut bytes, record.rdata - 2, (value >> 8) as u8);
            set(&mut bytes, record.rdata - 1, value as u8);
        }
        Damage::Retype { record, rtype, rdata } => {
            let record = layout.records[(*record).min(layout.records.len() - 1)];
            bytes.splice(record.fixed..record.fixed + 2, rtype.to_be_bytes());
            if let Some(rdata) = rdata {
                let length = u16::try_from(rdata.len()).expect("RDATA under 64 KiB").to_be_bytes();
                bytes.splice(record.rdata - 2..record.end, length.into_iter().chain(rdata.iter().copied()));
            }
        }
        Damage::TruncatedThen(_) => bytes = with_tc(reply),
    }
    bytes
}

fn with_tc(reply: &[u8]) -> Vec<u8> {
    damaged(&Damage::Xor(vec![(2, 0x02)]), reply)
}

fn misbehave(misbehaviour: TcpMisbehaviour, reply: &[u8]) -> Response {
    use TcpMisbehaviour::*;
    let prefix = u16::try_from(reply.len()).expect("the valid reply fits a TCP prefix").to_be_bytes();
    let closing = |bytes: Vec<u8>| Response::Stream { bytes, hold: false };
    match misbehaviour {
        Close => closing(Vec::new()),
        PrefixOnly => closing(prefix.to_vec()),
        ZeroLength => closing(vec![0, 0]),
        RandomFramed(seed) => {
            let mut rng = XorShift::new(seed);
            let length = 12 + rng.below(300);
            let body = rng.bytes(length);
            closing([&(body.len() as u16).to_be_bytes()[..], &body].concat())
        }
        RandomRaw(seed) => closing(XorShift::new(seed).bytes(64)),
        TruncatedAgain => Response::message(with_tc(reply)),
        Hold => Response::Silence,
        HalfThenHold => Response::Stream { bytes: [&prefix[..], &reply[..reply.len() / 2]].concat(), hold: true },
        PrefixShorter => closing([&12u16.to_be_bytes()[..], reply].concat()),
        Oversized => {
            let mut bytes = [&[0xff, 0xff][..], reply].concat();
            bytes.resize(70_000, 0);
            closing(bytes)
        }
        OversizedRandom(seed) => closing([&[0xff, 0xff][..], &XorShift::new(seed).bytes(70_000)].concat()),
        PrefixLongerThenClose => closing([&[0xff, 0xff][..], reply].concat()),
        PrefixLongerThenHold => Response::Stream { bytes: [&[0xff, 0xff][..], reply].concat(), hold: true },
    }
}

/// Every case for a reply shaped like `canonical`, with random choices drawn from `seed`.
pub fn catalogue(canonical: &[u8], seed: u64) -> Vec<Case> {
    let layout = Layout::of(canonical).expect("the canonical reply is well formed");
    let mut rng = XorShift::new(seed);
    let mut cases = vec![case("valid", "the reply as built".into(), Damage::None)];
    cases.extend(truncations(canonical, &layout));
    cases.extend(corruptions(canonical, &mut rng));
    cases.extend(broken_names(&layout));
    cases.extend(lying_lengths(canonical, &layout));
    cases.extend(retyped_records(&layout, &mut rng));
    cases.extend(mismatched_headers());
    cases.extend(broken_tcp(&mut rng));
    cases
}

/// Cuts at every field boundary and one byte into the next field (the cut at 0 is the empty datagram).
fn truncations(canonical: &[u8], layout: &Layout) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut kept = Vec::new();
    for (boundary, &offset) in layout.boundaries.iter().enumerate() {
        for extra in [0, 1] {
            let n = offset + extra;
            if n >= canonical.len() || kept.contains(&n) {
                continue;
            }
            kept.push(n);
            let class = if n == 0 { "empty-datagram" } else { "truncation" };
            let what = format!("cut {extra} byte(s) past boundary {boundary}: {n} of {} bytes kept", canonical.len());
            cases.push(case(class, what, Damage::Cut { boundary, extra }));
        }
    }
    cases
}

/// Seeded single-bit flips and random overwrites of one to four bytes.
fn corruptions(canonical: &[u8], rng: &mut XorShift) -> Vec<Case> {
    let mut cases = Vec::new();
    for _ in 0..64 {
        let bit = rng.below(canonical.len() * 8);
        let edit = (bit / 8, 1u8 << (bit % 8));
        cases.push(case("bit-flip", format!("flip bit {} of byte {}", bit % 8, bit / 8), Damage::Xor(vec![edit])));
    }
    for _ in 0..64 {
        let count = 1 + rng.below(4);
        // Each new value differs from the old one, so no overwrite leaves its byte as it was. The ID (bytes 0
        // and 1) is left alone: it differs in every query, so setting it would do nothing one time in 256 (the
        // wrong-id class damages it).
        let edits: Vec<(usize, u8)> = (0..count)
            .map(|_| {
                let at = 2 + rng.below(canonical.len() - 2);
                (at, canonical[at] ^ (1 + rng.below(255)) as u8)
            })
            .collect();
        cases.push(case("overwrite", format!("set (offset, byte) {edits:?}"), Damage::Set(edits)));
    }
    cases
}

/// Compression pointers that loop or point forward, label lengths over 63, names over 255 bytes.
fn broken_names(layout: &Layout) -> Vec<Case> {
    let mut cases = Vec::new();
    let (pointers, labels) = (layout.pointers.len(), layout.labels.len());
    let pointer = |nth: usize, to: PointTo| Damage::Pointers(vec![(nth, to)]);
    for nth in (0..pointers).step_by(pointers.div_ceil(6).max(1)) {
        let at = layout.pointers[nth];
        cases.push(case(
            "pointer-loop",
            format!("pointer {nth} (at {at}) points at itself"),
            pointer(nth, PointTo::Itself),
        ));
        for to in [PointTo::Ahead(2), PointTo::Ahead(40), PointTo::PastEnd, PointTo::Farthest] {
            cases.push(case("pointer-forward", format!("pointer {nth} (at {at}) points {to:?}"), pointer(nth, to)));
        }
    }
    let cycle = Damage::Pointers(vec![(0, PointTo::Pointer(pointers - 1)), (pointers - 1, PointTo::Pointer(0))]);
    cases.push(case("pointer-loop", format!("pointers 0 and {} point at each other", pointers - 1), cycle));
    for (nth, value) in [(0, 64u8), (labels / 2, 0x7f), (labels - 1, 0x80), (1, 0xbf)] {
        let what = format!("label length {nth} (at {}) set to {value:#04x}", layout.labels[nth]);
        cases.push(case("label-too-long", what, Damage::LabelLength { nth, value }));
    }
    cases.extend(long_names());
    cases
}

/// The owner of the last record before OPT replaced by names of 255 (legal), 256 and 400 bytes, and by four
/// 63-byte labels ending in a pointer to the question name (over 255 bytes once expanded).
fn long_names() -> Vec<Case> {
    let name_of = |total: usize| {
        let mut name = Vec::new();
        while name.len() + 1 < total {
            let label = (total - 1 - name.len() - 1).min(63);
            name.push(label as u8);
            name.extend(std::iter::repeat_n(b'x', label));
        }
        name.push(0);
        name
    };
    let mut chained = name_of(4 * 64 + 1);
    chained.pop();
    chained.extend([0xc0, 12]);
    let mut cases: Vec<Case> = [255, 256, 400]
        .into_iter()
        .map(|total| case("name-too-long", format!("last owner is a {total}-byte name"), Damage::Owner(name_of(total))))
        .collect();
    let what = "last owner is four 63-byte labels then a pointer to the question name".to_string();
    cases.push(case("name-too-long", what, Damage::Owner(chained)));
    cases
}

/// Header counts above what is present, and RDLENGTHs that run past the end or off the record.
fn lying_lengths(canonical: &[u8], layout: &Layout) -> Vec<Case> {
    let mut cases = Vec::new();
    for (section, name) in ["QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT"].into_iter().enumerate() {
        let at = 4 + 2 * section;
        let present = u16::from_be_bytes([canonical[at], canonical[at + 1]]);
        for value in [present + 1, present + 50, 0xffff] {
            let [hi, lo] = value.to_be_bytes();
            cases.push(case(
                "count-too-large",
                format!("{name} set to {value}"),
                Damage::Set(vec![(at, hi), (at + 1, lo)]),
            ));
        }
    }
    let last = layout.records.len() - 1;
    for (record, by) in [(last, Some(1)), (last - 1, Some(1)), (0, None), (3, Some(1)), (3, Some(-1)), (3, Some(-4))] {
        let rtype = layout.records[record].rtype;
        let what = format!("RDLENGTH of record {record} (type {rtype}) changed by {by:?} (None: set to 65535)");
        cases.push(case("rdlength-past-end", what, Damage::Rdlength { record, by }));
    }
    cases
}

/// The record types whose RDATA the tools decode or print in a form of their own, and the meta types: every
/// type up to 65, SPF, the EUI and ILNP types, TKEY to CAA, TA and DLV.
fn interesting_types() -> impl Iterator<Item = u16> {
    (1..=65).chain([99, 104, 105, 106, 107, 108, 109, 249, 250, 251, 252, 253, 254, 255, 256, 257, 32768, 32769])
}

/// Records given another type: the TXT record keeping its RDATA (character-strings read as another type),
/// and the unknown-type record (nothing points into it or past it, so its RDATA can change length) with
/// seeded random RDATA of 0 to 47 bytes.
fn retyped_records(layout: &Layout, rng: &mut XorShift) -> Vec<Case> {
    let find = |rtype: u16| layout.records.iter().position(|r| r.rtype == rtype).expect("the record is in the reply");
    let (txt, unknown) = (find(16), find(super::full_reply::UNKNOWN_TYPE));
    let mut cases = Vec::new();
    for rtype in interesting_types() {
        if rtype != 16 {
            let what = format!("the TXT record (record {txt}) retyped to {rtype}");
            cases.push(case("retyped-record", what, Damage::Retype { record: txt, rtype, rdata: None }));
        }
        let length = rng.below(48);
        let rdata = rng.bytes(length);
        let what = format!("record {unknown} retyped to {rtype} with RDATA {rdata:02x?}");
        cases.push(case("retyped-record", what, Damage::Retype { record: unknown, rtype, rdata: Some(rdata) }));
    }
    cases
}

/// Replies that do not belong to the query: a wrong ID, QR=0, an opcode other than QUERY, another question
/// (boundaries 6, 7 and 8 of the layout are the question's name, type and class).
fn mismatched_headers() -> Vec<Case> {
    let question = |what: &str, boundary, offset| {
        case(
            "question-mismatch",
            format!("{what} of the question changed"),
            Damage::XorAfter { boundary, offset, xor: 2 },
        )
    };
    let mut cases = vec![
        question("a letter of the name", 6, 2),
        question("the type", 7, 1),
        question("the class", 8, 1),
        case("wrong-id", "ID with its top bit flipped".into(), Damage::Xor(vec![(0, 0x80)])),
        case("wrong-id", "ID plus or minus one".into(), Damage::Xor(vec![(1, 0x01)])),
        case("not-a-response", "QR cleared".into(), Damage::Xor(vec![(2, 0x80)])),
    ];
    for opcode in [1u8, 2, 3, 15] {
        cases.push(case("unknown-opcode", format!("opcode {opcode}"), Damage::Xor(vec![(2, opcode << 3)])));
    }
    cases
}

/// A TC=1 reply over UDP followed by every kind of broken TCP answer, the length-prefix lies included.
fn broken_tcp(rng: &mut XorShift) -> Vec<Case> {
    use TcpMisbehaviour::*;
    let garbage = [
        Close,
        PrefixOnly,
        ZeroLength,
        RandomFramed(rng.next_u64()),
        RandomFramed(rng.next_u64()),
        RandomRaw(rng.next_u64()),
        RandomRaw(rng.next_u64()),
        TruncatedAgain,
        Hold,
        HalfThenHold,
    ];
    let lies = [PrefixShorter, Oversized, OversizedRandom(rng.next_u64()), PrefixLongerThenClose, PrefixLongerThenHold];
    let cases = |class, list: &[TcpMisbehaviour]| {
        list.iter()
            .map(move |&m| case(class, format!("TC=1, then over TCP {m:?}"), Damage::TruncatedThen(m)))
            .collect::<Vec<_>>()
    };
    [cases("tc-then-tcp-garbage", &garbage), cases("tcp-length-lies", &lies)].concat()
}
