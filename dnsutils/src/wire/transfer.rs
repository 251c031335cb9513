//! When a zone transfer is complete. A transfer is a stream of messages whose answers list the zone
//! between two copies of its SOA; the reader stops at an error reply, at an answer that does not open with
//! the SOA, or when the opening SOA (same serial) comes round again. An IXFR answer of the SOA alone means
//! "up to date" and is complete too.

use hickory_proto::rr::RData;

use crate::protocol::codes::Rcode;
use crate::wire::reply::Reply;

/// Follows the messages of one transfer, in order.
#[derive(Debug, Default)]
pub struct TransferEnd {
    /// The serial of the opening SOA, once seen.
    serial: Option<u32>,
    /// Messages seen so far.
    messages: usize,
}

impl TransferEnd {
    /// Whether `reply`, the next message of the transfer, is its last. `ixfr` says the query was an IXFR.
    pub fn is_last(&mut self, reply: &Reply, ixfr: bool) -> bool {
        self.messages += 1;
        if reply.rcode() != Rcode::NOERROR {
            return true;
        }
        for (index, record) in reply.answers().iter().enumerate() {
            let serial = match &record.data {
                RData::SOA(soa) => Some(soa.serial),
                _ => None,
            };
            match (self.serial, serial) {
                (None, Some(serial)) => self.serial = Some(serial),
                (None, None) => return true,
                (Some(first), Some(serial)) if serial == first => return true,
                _ => {}
            }
            if ixfr && self.messages == 1 && index == 0 && reply.answers().len() == 1 {
                return true;
            }
        }
        reply.answers().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::codes::rtype;
    use crate::wire::reply::parse;

    /// A message with `types` (each a type code) in its answer, the SOAs with serial 1.
    fn message(types: &[u16]) -> Reply {
        let count = u8::try_from(types.len()).expect("few records");
        let mut bytes = vec![0, 1, 0x84, 0, 0, 1, 0, count, 0, 0, 0, 0, 1, b'z', 0, 0, 252, 0, 1];
        for &code in types {
            bytes.extend_from_slice(&[0xc0, 12, 0, u8::try_from(code).expect("small type"), 0, 1, 0, 0, 0, 5]);
            if code == rtype::SOA {
                bytes.extend_from_slice(&[0, 22, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
            } else {
                bytes.extend_from_slice(&[0, 4, 10, 0, 0, 1]);
            }
        }
        parse(bytes, false).expect("a valid message")
    }

    /// A transfer ends when the opening SOA comes round again, possibly messages later.
    #[test]
    fn transfer_ends_at_second_soa() {
        let mut end = TransferEnd::default();
        assert!(!end.is_last(&message(&[rtype::SOA, rtype::A]), false));
        assert!(end.is_last(&message(&[rtype::A, rtype::SOA]), false));
    }

    /// An answer that does not open with an SOA ends the transfer; so does an IXFR "up to date".
    #[test]
    fn transfer_ends_early() {
        assert!(TransferEnd::default().is_last(&message(&[rtype::A]), false));
        assert!(TransferEnd::default().is_last(&message(&[rtype::SOA]), true));
        assert!(!TransferEnd::default().is_last(&message(&[rtype::SOA]), false));
        assert!(TransferEnd::default().is_last(&message(&[]), false));
    }
}
