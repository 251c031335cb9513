//! Records from entries, per query type, as CoreDNS's `backend_lookup.go` builds them: addresses with
//! duplicates removed, CNAMEs for ExternalName targets (followed inside the zone, handed upstream
//! outside it), SRV records with their weights and address glue, PTR, NS and SOA records.

use std::collections::HashSet;
use std::net::IpAddr;

use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::lookup::{Entry, Host};

/// The longest CNAME chain followed inside the zone, as CoreDNS's `maxCnameChainLength`.
pub const MAX_CNAME_CHAIN: usize = 10;

/// The SOA's refresh, retry and expire, CoreDNS's fixed values.
const SOA_TIMERS: (i32, i32, i32) = (7200, 1800, 86400);

/// An A or AAAA record for `ip`, or `None` when the address is of the other family.
pub fn address(owner: &Name, ttl: u32, ip: IpAddr, qtype: RecordType) -> Option<Record> {
    let rdata = match (ip, qtype) {
        (IpAddr::V4(v4), RecordType::A) => RData::A(A(v4)),
        (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(v6)),
        _ => return None,
    };
    Some(Record::from_rdata(owner.clone(), ttl, rdata))
}

/// The address records of `entries` for `qtype` (A or AAAA), one per distinct address.
pub fn addresses(owner: &Name, ttl: u32, entries: &[Entry], qtype: RecordType) -> Vec<Record> {
    let mut seen = HashSet::new();
    entries
        .iter()
        .filter_map(|entry| match entry.host {
            Host::Ip(ip) if seen.insert(ip) => address(owner, ttl, ip, qtype),
            _ => None,
        })
        .collect()
}

/// `owner CNAME target`.
pub fn cname(owner: &Name, ttl: u32, target: &Name) -> Record {
    Record::from_rdata(owner.clone(), ttl, RData::CNAME(CNAME(target.clone())))
}

/// `owner PTR target`.
pub fn ptr(owner: &Name, ttl: u32, target: Name) -> Record {
    Record::from_rdata(owner.clone(), ttl, RData::PTR(PTR(target)))
}

/// `owner TXT "text"`.
pub fn txt(owner: &Name, ttl: u32, text: &str) -> Record {
    Record::from_rdata(owner.clone(), ttl, RData::TXT(TXT::new(vec![text.to_string()])))
}

/// `zone NS ns.dns.<zone>`.
pub fn ns(zone: &Name, ttl: u32, server: Name) -> Record {
    Record::from_rdata(zone.clone(), ttl, RData::NS(NS(server)))
}

/// The zone's SOA: `ns.dns.<zone> hostmaster.<zone> serial 7200 1800 86400 ttl`, itself with a TTL of
/// at most 300 s; every negative answer carries it.
pub fn soa(zone: &Name, ttl: u32, serial: u32) -> Record {
    let (refresh, retry, expire) = SOA_TIMERS;
    let mname = prefixed(zone, &["ns", "dns"]);
    let rname = prefixed(zone, &["hostmaster"]);
    let rdata = SOA::new(mname, rname, serial, refresh, retry, expire, ttl);
    Record::from_rdata(zone.clone(), ttl.min(300), RData::SOA(rdata))
}

/// `zone` with `labels` in front; the zone is already a valid name, so adding short fixed labels can
/// only fail past 255 bytes, where the zone itself would be unusable.
pub fn prefixed(zone: &Name, labels: &[&str]) -> Name {
    labels.iter().rev().fold(zone.clone(), |name, label| name.prepend_label(*label).unwrap_or_else(|_| zone.clone()))
}

/// SRV records for `entries`, with their glue. CoreDNS's weights: every entry has priority 0, and each
/// gets `floor(100 / N)` (at least 1), where N counts every entry, even those without a port and those
/// that end up as duplicates. Entries are named `<entry name>.<zone>`; duplicates (same target and
/// port) are dropped, and each distinct target address is glued once in Additional.
pub fn srv(owner: &Name, ttl: u32, zone: &Name, entries: &[Entry]) -> (Vec<Record>, Vec<Record>) {
    let weight = u16::try_from(100 / entries.len().max(1)).unwrap_or(1).max(1);
    let mut records = Vec::new();
    let mut glue = Vec::new();
    let mut seen_srv = HashSet::new();
    let mut seen_glue = HashSet::new();
    for entry in entries {
        let (Host::Ip(ip), Ok(port)) = (&entry.host, u16::try_from(entry.port)) else { continue };
        let Ok(target) = Name::from_ascii(entry.name.relative()).and_then(|relative| relative.append_domain(zone))
        else {
            continue;
        };
        if seen_srv.insert((target.clone(), port)) {
            let rdata = SRV::new(0, weight, port, target.clone());
            records.push(Record::from_rdata(owner.clone(), ttl, RData::SRV(rdata)));
        }
        if seen_glue.insert((target.clone(), *ip)) {
            let family = if ip.is_ipv4() { RecordType::A } else { RecordType::AAAA };
            glue.extend(address(&target, ttl, *ip, family));
        }
    }
    (records, glue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::lookup::EntryName;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).expect("a name")
    }

    fn entry(ip: &str, port: i32, endpoint: Option<&str>) -> Entry {
        Entry {
            host: Host::Ip(ip.parse().expect("ip")),
            port,
            name: EntryName {
                endpoint: endpoint.map(String::from),
                service: "web".into(),
                namespace: "default".into(),
            },
        }
    }

    /// One address record per distinct address of the asked family.
    #[test]
    fn addresses_dedup_and_filter_by_family() {
        let entries = [entry("10.0.0.1", 80, None), entry("10.0.0.1", 443, None), entry("fd00::1", 80, None)];
        let owner = name("web.default.svc.cluster.local.");
        assert_eq!(addresses(&owner, 30, &entries, RecordType::A).len(), 1);
        assert_eq!(addresses(&owner, 30, &entries, RecordType::AAAA).len(), 1);
    }

    /// Weights are floor(100/N) over every entry, duplicates dropped, glue once per target address.
    #[test]
    fn srv_weights_targets_and_glue() {
        let entries = [
            entry("10.244.1.4", 5432, Some("postgres-0")),
            entry("10.244.2.5", 5432, Some("postgres-1")),
            entry("10.244.2.5", -1, Some("postgres-1")),
        ];
        let zone = name("cluster.local.");
        let (records, glue) = srv(&name("_sql._tcp.postgres.default.svc.cluster.local."), 30, &zone, &entries);
        let texts: Vec<String> = records.iter().map(|r| r.data.to_string()).collect();
        assert_eq!(
            texts,
            [
                "0 33 5432 postgres-0.web.default.svc.cluster.local.",
                "0 33 5432 postgres-1.web.default.svc.cluster.local."
            ]
        );
        assert_eq!(glue.len(), 2);
    }

    /// The SOA carries CoreDNS's timers, the TTL as minimum and a record TTL of at most 300.
    #[test]
    fn soa_shape() {
        let record = soa(&name("cluster.local."), 30, 1_700_000_000);
        assert_eq!(
            record.data.to_string(),
            "ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30"
        );
        assert_eq!(record.ttl, 30);
        assert_eq!(soa(&name("cluster.local."), 3600, 1).ttl, 300);
    }
}
