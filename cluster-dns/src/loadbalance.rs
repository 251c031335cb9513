//! CoreDNS's `loadbalance` plugin (in kubeadm's Corefile): the address records of a successful response
//! in a random order, so clients that take the first address spread over a headless Service's pods.
//!
//! A section holding only A or AAAA records is shuffled as a whole. A mixed section keeps CNAMEs first,
//! then the other records, then the shuffled addresses, then the shuffled MX records, as CoreDNS orders
//! them. The random source is passed in, so tests can fix it.

use hickory_proto::rr::{Record, RecordType};

/// A cheap random source (xorshift), seeded per response: shuffling needs spread, not secrecy.
#[derive(Clone, Copy, Debug)]
pub struct Shuffler(u64);

impl Shuffler {
    /// A source seeded with `seed` (zero is replaced, as xorshift cannot leave it).
    pub fn new(seed: u64) -> Shuffler {
        Shuffler(if seed == 0 { 0x2545_f491_4f6c_dd1d } else { seed })
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }

    /// Reorders one section as described in the module docs.
    pub fn section(&mut self, records: &mut Vec<Record>) {
        if records.len() <= 1 {
            return;
        }
        let first = records[0].record_type();
        let all_addresses =
            matches!(first, RecordType::A | RecordType::AAAA) && records.iter().all(|r| r.record_type() == first);
        if all_addresses {
            self.shuffle(records);
            return;
        }
        let (mut cnames, mut addresses, mut mail, mut rest) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for record in records.drain(..) {
            match record.record_type() {
                RecordType::CNAME => cnames.push(record),
                RecordType::A | RecordType::AAAA => addresses.push(record),
                RecordType::MX => mail.push(record),
                _ => rest.push(record),
            }
        }
        self.shuffle(&mut addresses);
        self.shuffle(&mut mail);
        records.extend(cnames.into_iter().chain(rest).chain(addresses).chain(mail));
    }

    /// Fisher-Yates.
    fn shuffle(&mut self, records: &mut [Record]) {
        for i in (1..records.len()).rev() {
            let j = self.below(i + 1);
            records.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use hickory_proto::rr::rdata::{A, CNAME};
    use hickory_proto::rr::{Name, RData};

    use super::*;

    fn a(last: u8) -> Record {
        Record::from_rdata(Name::root(), 30, RData::A(A::new(10, 244, 1, last)))
    }

    /// Every order of four addresses shows up over many seeds, and no record is lost.
    #[test]
    fn addresses_are_spread_over_orders() {
        let mut firsts = std::collections::HashSet::new();
        for seed in 1..200 {
            let mut records: Vec<Record> = (1..=4).map(a).collect();
            Shuffler::new(seed).section(&mut records);
            assert_eq!(records.len(), 4);
            firsts.insert(records[0].data.to_string());
        }
        assert_eq!(firsts.len(), 4, "every address should come first sometimes: {firsts:?}");
    }

    /// A CNAME stays in front of the addresses it leads to.
    #[test]
    fn cnames_stay_first() {
        let cname = Record::from_rdata(Name::root(), 30, RData::CNAME(CNAME(Name::root())));
        let mut records = vec![a(1), cname, a(2)];
        Shuffler::new(7).section(&mut records);
        assert_eq!(records[0].record_type(), RecordType::CNAME);
    }
}
