//! The query message each tool sends, byte for byte as BIND 9.18 sends it.
//!
//! Captured from the real tools on loopback: `host` and `nslookup` send RD only and no EDNS; `dig`
//! sends RD and AD plus an OPT record advertising 1232 bytes with an 8-byte client COOKIE. The
//! message itself is encoded by hickory-proto.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::error::DnsError;
use crate::protocol::codes::edns_option;

/// EDNS as dig sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdnsSpec {
    /// Advertised UDP payload size (`+bufsize`, 1232 by default).
    pub udp_size: u16,
    /// EDNS version (`+edns=N`, 0 by default).
    pub version: u8,
    /// The COOKIE option (8-byte client cookie, plus the server's after BADCOOKIE), `None` with `+nocookie`.
    pub cookie: Option<Vec<u8>>,
    /// `+nsid`: ask for the server's NSID.
    pub nsid: bool,
    /// `+dnssec`: the DO flag.
    pub dnssec_ok: bool,
}

/// Everything that goes into one query message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySpec {
    /// Message ID.
    pub id: u16,
    /// Absolute query name in text (escapes allowed).
    pub name: String,
    /// Query type code.
    pub rtype: u16,
    /// Query class code.
    pub class: u16,
    /// RD flag (`+norecurse` / `host -r` clear it).
    pub recurse: bool,
    /// AD flag (dig sets it by default).
    pub authentic_data: bool,
    /// CD flag (`+cdflag`).
    pub checking_disabled: bool,
    /// For IXFR, the serial the client has: sent as an SOA in the authority section.
    pub ixfr_serial: Option<u32>,
    /// The OPT record, when EDNS is on.
    pub edns: Option<EdnsSpec>,
}

impl QuerySpec {
    /// The plain query host and nslookup send: a fresh random ID, no AD or CD flag, no EDNS.
    pub fn plain(name: &str, rtype: u16, class: u16, recurse: bool) -> QuerySpec {
        QuerySpec {
            id: random_id(),
            name: name.to_string(),
            rtype,
            class,
            recurse,
            authentic_data: false,
            checking_disabled: false,
            ixfr_serial: None,
            edns: None,
        }
    }
}

/// A random 64-bit value from the standard library's per-process hash keys (no extra dependency).
pub fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    hasher.finish()
}

/// A random message ID.
pub fn random_id() -> u16 {
    (random_u64() & 0xffff) as u16
}

/// A random client cookie.
pub fn random_cookie() -> [u8; 8] {
    random_u64().to_be_bytes()
}

/// Parses user text into an absolute name, saying what is wrong the way BIND does.
pub fn parse_name(text: &str) -> Result<Name, DnsError> {
    let mut name = Name::from_ascii(text)
        .map_err(|error| DnsError::BadName { name: text.to_string(), reason: error.to_string() })?;
    name.set_fqdn(true);
    Ok(name)
}

/// Checks a name the user typed the way `dns_name_fromtext` would, in BIND's words.
pub fn check_user_name(text: &str) -> Result<(), DnsError> {
    let bad = |reason: &str| Err(DnsError::NotLegal { name: text.to_string(), reason: reason.to_string() });
    if text.is_empty() {
        return bad("unexpected end of input");
    }
    if text != "." && text.split('.').any(|label| label.len() > 63) {
        return bad("label too long");
    }
    if text.len() > 254 {
        return bad("name too long");
    }
    if text.contains("..") || text.starts_with('.') && text != "." {
        return bad("empty label");
    }
    Ok(())
}

/// Encodes the query described by `spec`.
pub fn encode(spec: &QuerySpec) -> Result<Vec<u8>, DnsError> {
    let mut message = Message::new(spec.id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = spec.recurse;
    message.metadata.authentic_data = spec.authentic_data;
    message.metadata.checking_disabled = spec.checking_disabled;
    let mut query = Query::query(parse_name(&spec.name)?, RecordType::from(spec.rtype));
    query.query_class = DNSClass::from(spec.class);
    message.add_query(query);
    if let Some(serial) = spec.ixfr_serial {
        // BIND's insert_soa: the zone name, TTL 0, root names and only the serial set.
        let soa = SOA::new(Name::root(), Name::root(), serial, 0, 0, 0, 0);
        message.add_authority(Record::from_rdata(parse_name(&spec.name)?, 0, RData::SOA(soa)));
    }
    if let Some(edns_spec) = &spec.edns {
        let mut edns = Edns::new();
        edns.set_max_payload(edns_spec.udp_size);
        edns.set_version(edns_spec.version);
        edns.set_dnssec_ok(edns_spec.dnssec_ok);
        if edns_spec.nsid {
            edns.options_mut().insert(EdnsOption::Unknown(edns_option::NSID, Vec::new()));
        }
        if let Some(cookie) = &edns_spec.cookie {
            edns.options_mut().insert(EdnsOption::Unknown(edns_option::COOKIE, cookie.clone()));
        }
        message.set_edns(edns);
    }
    message.to_vec().map_err(|error| DnsError::Encode(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> QuerySpec {
        QuerySpec {
            id: 0xe211,
            name: name.into(),
            rtype: 1,
            class: 1,
            recurse: true,
            authentic_data: true,
            checking_disabled: false,
            ixfr_serial: None,
            edns: Some(EdnsSpec {
                udp_size: 1232,
                version: 0,
                cookie: Some(vec![0xc1, 0xf1, 0xf9, 0xc3, 0x76, 0x55, 0xa9, 0x1b]),
                nsid: false,
                dnssec_ok: false,
            }),
        }
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    }

    /// dig's query: RD+AD, OPT with udp 1232 and an 8-byte cookie (captured from dig 9.18).
    #[test]
    fn dig_query_matches_capture() {
        let bytes = encode(&spec("x.cluster.local.")).expect("encodes");
        assert_eq!(
            bytes,
            hex(
                "e21101200001000000000001017807636c7573746572056c6f63616c000001000100002904d000000000000c000a0008c1f1f9c37655a91b"
            )
        );
    }

    /// host's query: RD only, no EDNS (captured from host 9.18).
    #[test]
    fn host_query_matches_capture() {
        let mut host = spec("x.cluster.local.");
        host.id = 0x0a48;
        host.authentic_data = false;
        host.edns = None;
        assert_eq!(
            encode(&host).expect("encodes"),
            hex("0a4801000001000000000000017807636c7573746572056c6f63616c0000010001")
        );
    }

    /// Empty names, long labels and empty labels are rejected in BIND's words.
    #[test]
    fn checks_user_names() {
        let reason = |text: &str| check_user_name(text).expect_err("rejected").to_string();
        assert_eq!(reason(""), "'' is not in legal name syntax (unexpected end of input)");
        assert_eq!(
            reason(&"a".repeat(64)),
            format!("'{}' is not in legal name syntax (label too long)", "a".repeat(64))
        );
        assert_eq!(reason("a..b"), "'a..b' is not in legal name syntax (empty label)");
        assert!(check_user_name("web.default").is_ok());
    }

    /// An IXFR query carries the client's serial in an authority SOA, as BIND's insert_soa does.
    #[test]
    fn ixfr_query_has_soa() {
        let mut ixfr = spec("z.");
        ixfr.rtype = crate::protocol::codes::rtype::IXFR;
        ixfr.edns = None;
        ixfr.ixfr_serial = Some(7);
        let bytes = encode(&ixfr).expect("encodes");
        assert_eq!(&bytes[8..10], &[0, 1]);
        assert_eq!(&bytes[bytes.len() - 20..bytes.len() - 16], &[0, 0, 0, 7]);
    }

    /// A label over 63 bytes is rejected with the offending name.
    #[test]
    fn rejects_long_label() {
        let long = "a".repeat(64);
        assert!(matches!(parse_name(&long), Err(DnsError::BadName { .. })));
    }
}
