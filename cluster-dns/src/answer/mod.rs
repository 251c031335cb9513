//! Answers as pure functions of a question and the cluster index: no sockets, no clock, no upstream.
//!
//! [`answer`] is CoreDNS's `kubernetes` plugin under kubeadm's Corefile (`kubernetes cluster.local
//! in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }`): it decides, per
//! query type, the records and the response code, with NXDOMAIN and NODATA told apart exactly as CoreDNS
//! tells them. What it cannot finish alone it says so: names outside its zones (and unknown reverse
//! names, which fall through) are [`Outcome::Forward`]; an ExternalName whose target is outside the zone
//! is [`Outcome::Chase`], finished by the caller with the upstream's records.
//!
//! Layout: [`request`] parses a name under the zone, [`lookup`] finds the objects it names, [`records`]
//! builds records from them, [`reverse`] reads `in-addr.arpa`/`ip6.arpa` names, and this module is the
//! per-type dispatch.

pub mod lookup;
pub mod records;
pub mod request;
pub mod reverse;

use std::net::IpAddr;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, Record, RecordType};

use self::lookup::{Entry, Host, NameError, PodMode};
use self::records::MAX_CNAME_CHAIN;
use crate::cluster::ClusterIndex;

/// The schema version `dns-version.<zone>` TXT answers, CoreDNS's `DNSSchemaVersion`.
pub const SCHEMA_VERSION: &str = "1.1.0";
/// The TTL of the schema version record.
const SCHEMA_VERSION_TTL: u32 = 28800;

/// What the answers depend on besides the index.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The cluster domain, lower case, fully qualified (`cluster.local.`).
    pub zone: Name,
    /// TTL of every cluster record (kubeadm: 30).
    pub ttl: u32,
    /// How pod names are answered.
    pub pods: PodMode,
    /// This server's own addresses (its pod IP), to find the Service that fronts it for NS glue.
    pub own_ips: Vec<IpAddr>,
}

/// A finished authoritative answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The response code.
    pub rcode: ResponseCode,
    /// Whether the AA bit is set (every cluster answer; not a REFUSED transfer).
    pub authoritative: bool,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section (the SOA of negative answers).
    pub authority: Vec<Record>,
    /// Additional section (SRV and NS glue).
    pub additionals: Vec<Record>,
}

/// A CNAME chain that leaves the zone: the caller asks upstream for `target`/`qtype`; if that works,
/// the answer is `chain` followed by the upstream's answer records, otherwise the name answers NODATA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chase {
    /// The CNAME records from the query name to `target`.
    pub chain: Vec<Record>,
    /// The out-of-zone name to resolve.
    pub target: Name,
    /// The type to ask for.
    pub qtype: RecordType,
    /// The NODATA answer to send if the upstream fails.
    pub otherwise: Answer,
}

/// What to do with a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Send this answer.
    Answer(Answer),
    /// Not this server's name: forward it upstream unchanged.
    Forward,
    /// Finish an ExternalName's CNAME with upstream records.
    Chase(Chase),
}

/// The zone a name falls in, with the zone's name as the query spelled it.
struct ZoneMatch {
    /// The zone, in the query's case (CoreDNS keeps it in every name it builds).
    name: Name,
    /// `in-addr.arpa` or `ip6.arpa`, whose name errors fall through to the upstream.
    reverse: bool,
    /// The labels below the zone, lower case, leftmost first.
    labels: Vec<String>,
}

/// The reverse zones served beside the cluster zone, as kubeadm lists them.
const REVERSE_ZONES: [&str; 2] = ["in-addr.arpa.", "ip6.arpa."];

fn zone_of(qname: &Name, settings: &Settings) -> Option<ZoneMatch> {
    let reverse_zones = REVERSE_ZONES.iter().filter_map(|z| Name::from_ascii(z).ok());
    let candidates = std::iter::once((settings.zone.clone(), false)).chain(reverse_zones.map(|z| (z, true)));
    let (zone, reverse) =
        candidates.filter(|(zone, _)| zone.zone_of(qname)).max_by_key(|(zone, _)| zone.num_labels())?;
    let below = usize::from(qname.num_labels() - zone.num_labels());
    let labels = qname.iter().take(below).map(|l| String::from_utf8_lossy(l).to_ascii_lowercase()).collect();
    Some(ZoneMatch { name: qname.trim_to(usize::from(zone.num_labels())), reverse, labels })
}

/// Answers `qname`/`qtype` from `index`.
pub fn answer(qname: &Name, qtype: RecordType, index: &ClusterIndex, settings: &Settings) -> Outcome {
    let Some(zone) = zone_of(qname, settings) else { return Outcome::Forward };
    let query = Query { qname, qtype, zone: &zone, index, settings };
    let result = match qtype {
        RecordType::AXFR | RecordType::IXFR => {
            return Outcome::Answer(Answer { rcode: ResponseCode::Refused, authoritative: false, ..query.empty() });
        }
        RecordType::A | RecordType::AAAA => query.addresses(qname, Vec::new()).map(Found::from),
        RecordType::TXT => query.txt().map(Found::records),
        RecordType::CNAME => query.cname().map(Found::records),
        RecordType::PTR => query.ptr().map(Found::records),
        RecordType::SRV => query.srv(),
        // Below the apex CoreDNS does not even look: NODATA, whether the name exists or not.
        RecordType::SOA if zone.labels.is_empty() => Ok(Found::records(vec![query.soa()])),
        RecordType::SOA => Ok(Found::default()),
        RecordType::MX => query.services().map(|_| Found::default()),
        RecordType::NS if zone.labels.is_empty() => Ok(query.ns()),
        // Anything else: a lookup of A decides between NODATA and NXDOMAIN, as CoreDNS's fake A lookup.
        _ => query.addresses(qname, Vec::new()).map(|_| Found::default()),
    };
    query.finish(result)
}

/// Records found for a name, and possibly a CNAME chain to finish upstream.
#[derive(Default)]
struct Found {
    answers: Vec<Record>,
    additionals: Vec<Record>,
    chase: Option<(Vec<Record>, Name)>,
}

impl Found {
    fn records(answers: Vec<Record>) -> Found {
        Found { answers, ..Found::default() }
    }
}

impl From<Addresses> for Found {
    fn from(addresses: Addresses) -> Found {
        Found { answers: addresses.records, additionals: Vec::new(), chase: addresses.chase }
    }
}

/// A or AAAA records, and an out-of-zone CNAME chain if the name leads there.
struct Addresses {
    records: Vec<Record>,
    chase: Option<(Vec<Record>, Name)>,
}

/// One question against the index.
struct Query<'a> {
    qname: &'a Name,
    qtype: RecordType,
    zone: &'a ZoneMatch,
    index: &'a ClusterIndex,
    settings: &'a Settings,
}

impl Query<'_> {
    fn ttl(&self) -> u32 {
        self.settings.ttl
    }

    fn empty(&self) -> Answer {
        Answer {
            rcode: ResponseCode::NoError,
            authoritative: true,
            answers: Vec::new(),
            authority: Vec::new(),
            additionals: Vec::new(),
        }
    }

    fn soa(&self) -> Record {
        records::soa(&self.zone.name, self.ttl(), self.index.serial)
    }

    /// The entries the query name selects (CoreDNS's `Records`); reverse names never select any.
    fn entries(&self) -> Result<Vec<Entry>, NameError> {
        self.entries_for(&self.zone.labels)
    }

    fn entries_for(&self, labels: &[String]) -> Result<Vec<Entry>, NameError> {
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let request = request::parse(&labels);
        // A reverse zone's apex holds nothing; every other reverse name is unknown here (and falls
        // through upstream), even one that parses like a cluster name.
        if self.zone.reverse && request != request::NameRequest::Empty {
            return Err(NameError);
        }
        lookup::entries(self.index, &request, self.settings.pods)
    }

    /// CoreDNS's `Services`: `ns.dns.<zone>` answers A and AAAA with the server's own addresses (and
    /// nothing else), SRV skips ExternalName targets, everything else is [`Query::entries`].
    fn services(&self) -> Result<Vec<Entry>, NameError> {
        if self.is_ns_name(&self.zone.labels) {
            let family = |e: &Entry| match e.host {
                Host::Ip(ip) => {
                    (ip.is_ipv4() && self.qtype == RecordType::A) || (ip.is_ipv6() && self.qtype == RecordType::AAAA)
                }
                Host::Name(_) => false,
            };
            return Ok(self.ns_entries().into_iter().filter(family).collect());
        }
        let mut entries = self.entries()?;
        if self.qtype == RecordType::SRV {
            entries.retain(|entry| matches!(entry.host, Host::Ip(_)));
        }
        Ok(entries)
    }

    fn is_ns_name(&self, labels: &[String]) -> bool {
        labels == ["ns", "dns"]
    }

    /// Addresses of `owner` (the query name, or an in-zone CNAME target), following ExternalName CNAMEs.
    fn addresses(&self, owner: &Name, chain: Vec<Record>) -> Result<Addresses, NameError> {
        let labels = self.labels_of(owner);
        let entries = if self.is_ns_name(&labels) { self.ns_entries() } else { self.entries_for(&labels)? };
        let mut found = records::addresses(owner, self.ttl(), &entries, self.qtype);
        let mut chase = None;
        for target in entries.iter().filter_map(|e| match &e.host {
            Host::Name(target) => absolute(target),
            Host::Ip(_) => None,
        }) {
            // `x CNAME x` and repeated CNAMEs would loop; long chains are cut, as CoreDNS cuts them.
            let cname = records::cname(owner, self.ttl(), &target);
            if target == *owner || chain.len() > MAX_CNAME_CHAIN || chain.contains(&cname) {
                continue;
            }
            let mut next_chain = chain.clone();
            next_chain.push(cname.clone());
            if self.settings.zone.zone_of(&target) {
                if let Ok(next) = self.addresses(&target, next_chain) {
                    if !next.records.is_empty() {
                        found.push(cname);
                        found.extend(next.records);
                    }
                    chase = chase.or(next.chase);
                }
            } else {
                chase = Some((next_chain, target));
            }
        }
        Ok(Addresses { records: found, chase })
    }

    /// The labels of an in-zone name, below the zone, lower case.
    fn labels_of(&self, name: &Name) -> Vec<String> {
        if name == self.qname {
            return self.zone.labels.clone();
        }
        let below = usize::from(name.num_labels().saturating_sub(self.settings.zone.num_labels()));
        name.iter().take(below).map(|l| String::from_utf8_lossy(l).to_ascii_lowercase()).collect()
    }

    fn txt(&self) -> Result<Vec<Record>, NameError> {
        if self.zone.labels == ["dns-version"] {
            return Ok(vec![records::txt(self.qname, SCHEMA_VERSION_TTL, SCHEMA_VERSION)]);
        }
        // A name that selects objects has no TXT record (NODATA); any other, even one that exists and
        // holds nothing such as a namespace or the apex, is NXDOMAIN: CoreDNS's TXT rule.
        match self.entries() {
            Ok(entries) if !entries.is_empty() => Ok(Vec::new()),
            _ => Err(NameError),
        }
    }

    fn cname(&self) -> Result<Vec<Record>, NameError> {
        let entries = self.services()?;
        Ok(match entries.first().map(|e| &e.host) {
            Some(Host::Name(target)) => {
                absolute(target).map(|t| records::cname(self.qname, self.ttl(), &t)).into_iter().collect()
            }
            _ => Vec::new(),
        })
    }

    fn ptr(&self) -> Result<Vec<Record>, NameError> {
        let Some(ip) = reverse::address(self.qname) else {
            // Not an address: whatever the name is, it has no PTR (CoreDNS only reports its error).
            return self.entries().map(|_| Vec::new());
        };
        let targets = self.index.reverse(ip);
        if targets.is_empty() {
            return Err(NameError);
        }
        let mut seen = Vec::new();
        for target in targets {
            let mut relative = format!("{}.{}.svc", target.service, target.namespace);
            if let Some(endpoint) = &target.endpoint {
                relative = format!("{endpoint}.{relative}");
            }
            if let Ok(name) = Name::from_ascii(relative).and_then(|r| r.append_domain(&self.settings.zone))
                && !seen.contains(&name)
            {
                seen.push(name);
            }
        }
        Ok(seen.into_iter().map(|name| records::ptr(self.qname, self.ttl(), name)).collect())
    }

    fn srv(&self) -> Result<Found, NameError> {
        let entries = self.services()?;
        let (answers, additionals) = records::srv(self.qname, self.ttl(), &self.zone.name, &entries);
        Ok(Found { answers, additionals, chase: None })
    }

    /// `<zone> NS ns.dns.<zone>`, with the server's addresses as glue.
    fn ns(&self) -> Found {
        let server = records::prefixed(&self.zone.name, &["ns", "dns"]);
        let glue = self.ns_addresses().into_iter().flat_map(|ip| {
            let family = if ip.is_ipv4() { RecordType::A } else { RecordType::AAAA };
            records::address(&server, self.ttl(), ip, family)
        });
        Found {
            answers: vec![records::ns(&self.zone.name, self.ttl(), server.clone())],
            additionals: glue.collect(),
            chase: None,
        }
    }

    fn ns_entries(&self) -> Vec<Entry> {
        self.ns_addresses()
            .into_iter()
            .map(|ip| Entry {
                host: Host::Ip(ip),
                port: 0,
                name: lookup::EntryName { endpoint: None, service: "ns".into(), namespace: "dns".into() },
            })
            .collect()
    }

    /// CoreDNS's `nsAddrs`: the addresses of the Service whose endpoints include this server's own IP,
    /// else that IP, else 127.0.0.1.
    fn ns_addresses(&self) -> Vec<IpAddr> {
        let own = &self.settings.own_ips;
        let fronting = own.iter().flat_map(|ip| self.index.reverse(*ip)).find(|t| t.endpoint.is_some());
        if let Some(service) = fronting.and_then(|t| self.index.service(&t.namespace, &t.service))
            && let crate::cluster::ServiceKind::ClusterIp(ips) = &service.kind
        {
            return ips.clone();
        }
        if own.is_empty() { vec![IpAddr::from([127, 0, 0, 1])] } else { own.clone() }
    }

    /// Turns a lookup result into the outcome: NXDOMAIN (or SERVFAIL before the first sync, or a
    /// fall-through in a reverse zone), NODATA with the SOA, or the records.
    fn finish(&self, result: Result<Found, NameError>) -> Outcome {
        let found = match result {
            Err(NameError) if self.zone.reverse => return Outcome::Forward,
            Err(NameError) => {
                let rcode = if self.index.synced { ResponseCode::NXDomain } else { ResponseCode::ServFail };
                return Outcome::Answer(Answer { rcode, authority: vec![self.soa()], ..self.empty() });
            }
            Ok(found) => found,
        };
        let nodata = Answer { authority: vec![self.soa()], ..self.empty() };
        if let Some((chain, target)) = found.chase
            && found.answers.is_empty()
        {
            return Outcome::Chase(Chase { chain, target, qtype: self.qtype, otherwise: nodata });
        }
        if found.answers.is_empty() {
            return Outcome::Answer(nodata);
        }
        Outcome::Answer(Answer { answers: found.answers, additionals: found.additionals, ..self.empty() })
    }
}

/// An ExternalName target as a fully qualified name (`github.com` → `github.com.`); `None` if it is not
/// a valid name.
fn absolute(target: &str) -> Option<Name> {
    let mut name = Name::from_ascii(target).ok()?;
    name.set_fqdn(true);
    Some(name)
}

#[cfg(test)]
mod tests;
