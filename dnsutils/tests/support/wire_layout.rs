//! Where the structures of a well-formed DNS message lie, byte by byte: the offsets the robustness test
//! needs to damage a reply on purpose (a count, a label length, a compression pointer, an rdlength) and to
//! cut it at every kind of boundary.
//!
//! It is written here rather than taken from hickory-proto because hickory's decoder does not say where
//! anything was, and because the walker must stay independent of the parser under test.

/// One resource record's position in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLayout {
    /// The first byte of the owner name.
    pub owner: usize,
    /// The first byte after the owner name (the TYPE field).
    pub fixed: usize,
    /// The record's TYPE.
    pub rtype: u16,
    /// The first byte of RDATA (RDLENGTH sits in the two bytes before it).
    pub rdata: usize,
    /// The first byte after the record.
    pub end: usize,
}

/// The offsets of every structure in a message, in wire order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Every label length byte, in owner names and in the names inside RDATA.
    pub labels: Vec<usize>,
    /// The first byte of every compression pointer.
    pub pointers: Vec<usize>,
    /// Every record of the answer, authority and additional sections (the OPT record included).
    pub records: Vec<RecordLayout>,
    /// Every offset where one field ends and the next begins, ascending, without duplicates.
    pub boundaries: Vec<usize>,
}

/// Record types whose RDATA holds names, and where: `(type, offset of the first name, number of names)`.
const NAMES_IN_RDATA: &[(u16, usize, usize)] = &[(2, 0, 1), (5, 0, 1), (6, 0, 2), (12, 0, 1), (15, 2, 1), (33, 6, 1)];

impl Layout {
    /// Walks `message`, or returns `None` when it is not well formed (the walker trusts nothing it did not check).
    pub fn of(message: &[u8]) -> Option<Layout> {
        let word = |at: usize| -> Option<u16> { Some(u16::from_be_bytes([*message.get(at)?, *message.get(at + 1)?])) };
        let mut layout = Layout { boundaries: vec![0, 2, 4, 6, 8, 10], ..Layout::default() };
        let mut at = 12;
        for _ in 0..word(4)? {
            at = layout.name(message, at)?;
            layout.boundaries.extend([at, at + 2]);
            at += 4;
        }
        let records = usize::from(word(6)?) + usize::from(word(8)?) + usize::from(word(10)?);
        for _ in 0..records {
            let owner = at;
            let fixed = layout.name(message, owner)?;
            let rtype = word(fixed)?;
            let rdata = fixed + 10;
            let end = rdata + usize::from(word(fixed + 8)?);
            layout.boundaries.extend([fixed, fixed + 2, fixed + 4, fixed + 8, rdata]);
            if let Some(&(_, first, count)) = NAMES_IN_RDATA.iter().find(|(t, ..)| *t == rtype) {
                let mut name_at = rdata + first;
                for _ in 0..count {
                    name_at = layout.name(message, name_at)?;
                }
            }
            layout.records.push(RecordLayout { owner, fixed, rtype, rdata, end });
            at = end;
        }
        if at != message.len() {
            return None;
        }
        layout.boundaries.push(at);
        layout.boundaries.sort_unstable();
        layout.boundaries.dedup();
        Some(layout)
    }

    /// Records the labels and pointer of the name at `at` and returns the offset just past it.
    fn name(&mut self, message: &[u8], mut at: usize) -> Option<usize> {
        self.boundaries.push(at);
        loop {
            let length = *message.get(at)?;
            match length {
                0 => return Some(at + 1),
                1..=63 => {
                    self.labels.push(at);
                    at += 1 + usize::from(length);
                }
                0xc0.. => {
                    self.pointers.push(at);
                    return Some(at + 2);
                }
                _ => return None,
            }
        }
    }
}
