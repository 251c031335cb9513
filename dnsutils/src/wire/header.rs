//! The fixed 12-byte header of a DNS message, read from the bytes as sent, so the tools see every bit BIND
//! sees (including the must-be-zero bit) and the section counts as claimed, OPT included.

use crate::protocol::codes::Opcode;

/// The header flag bits, in the order BIND prints them.
pub mod flag {
    /// QR: a response.
    pub const QR: u16 = 0x8000;
    /// AA: an authoritative answer.
    pub const AA: u16 = 0x0400;
    /// TC: truncated.
    pub const TC: u16 = 0x0200;
    /// RD: recursion desired.
    pub const RD: u16 = 0x0100;
    /// RA: recursion available.
    pub const RA: u16 = 0x0080;
    /// Z: the last reserved bit, which must be zero (BIND prints `MBZ: 0x4`).
    pub const MBZ: u16 = 0x0040;
    /// AD: authentic data.
    pub const AD: u16 = 0x0020;
    /// CD: checking disabled.
    pub const CD: u16 = 0x0010;
}

/// Size of the header; anything shorter is not a DNS message.
pub const HEADER_LEN: usize = 12;

/// The header fields of a message, taken from its first 12 bytes.
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
        if bytes.len() < HEADER_LEN {
            return None;
        }
        Some(Self { id: word(0), flags: word(2), counts: [word(4), word(6), word(8), word(10)] })
    }

    /// Whether `bit` (one of [`flag`]) is set.
    pub fn has(&self, bit: u16) -> bool {
        self.flags & bit != 0
    }

    /// QR: this is a response.
    pub fn is_response(&self) -> bool {
        self.has(flag::QR)
    }

    /// The 4-bit opcode.
    pub fn opcode(&self) -> Opcode {
        Opcode((self.flags >> 11) & 0xf)
    }

    /// TC: the server truncated the answer.
    pub fn truncated(&self) -> bool {
        self.has(flag::TC)
    }

    /// AA: the answer is authoritative.
    pub fn authoritative(&self) -> bool {
        self.has(flag::AA)
    }

    /// RD: recursion was desired.
    pub fn recursion_desired(&self) -> bool {
        self.has(flag::RD)
    }

    /// RA: recursion is available.
    pub fn recursion_available(&self) -> bool {
        self.has(flag::RA)
    }

    /// The low 4 bits of the response code.
    pub fn rcode_low(&self) -> u16 {
        self.flags & 0xf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fewer than 12 bytes cannot be a header.
    #[test]
    fn short_message_has_no_header() {
        assert!(Header::read(&[1, 2, 3]).is_none());
    }

    /// Flags, opcode and rcode bits are read as sent.
    #[test]
    fn reads_fields() {
        let header = Header::read(&[0x12, 0x34, 0x85, 0x83, 0, 1, 0, 2, 0, 3, 0, 4]).expect("a header");
        assert_eq!((header.id, header.counts), (0x1234, [1, 2, 3, 4]));
        assert!(header.is_response() && header.authoritative() && header.recursion_desired());
        assert!(header.recursion_available() && !header.truncated());
        assert_eq!((header.opcode(), header.rcode_low()), (Opcode::QUERY, 3));
    }
}
