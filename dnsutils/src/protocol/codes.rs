//! DNS protocol numbers by name: record types, classes, response codes, opcodes, EDNS options, SVCB keys and
//! the algorithm and family numbers some rdata carries. Every layer compares against these names, never
//! against a bare number, so a reader sees `rtype::NSEC3` where the wire has 50.

use std::net::SocketAddr;

/// Record type codes (RFC 1035 and the IANA registry), as the tools look them up and check their rdata.
pub mod rtype {
    #![allow(missing_docs)] // each constant is the registry's own mnemonic
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const MD: u16 = 3;
    pub const MF: u16 = 4;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const MB: u16 = 7;
    pub const MG: u16 = 8;
    pub const MR: u16 = 9;
    pub const WKS: u16 = 11;
    pub const PTR: u16 = 12;
    pub const HINFO: u16 = 13;
    pub const MINFO: u16 = 14;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const RP: u16 = 17;
    pub const AFSDB: u16 = 18;
    pub const X25: u16 = 19;
    pub const ISDN: u16 = 20;
    pub const RT: u16 = 21;
    pub const NSAP_PTR: u16 = 23;
    pub const SIG: u16 = 24;
    pub const KEY: u16 = 25;
    pub const PX: u16 = 26;
    pub const GPOS: u16 = 27;
    pub const AAAA: u16 = 28;
    pub const LOC: u16 = 29;
    pub const NXT: u16 = 30;
    pub const SRV: u16 = 33;
    pub const NAPTR: u16 = 35;
    pub const KX: u16 = 36;
    pub const A6: u16 = 38;
    pub const DNAME: u16 = 39;
    pub const OPT: u16 = 41;
    pub const APL: u16 = 42;
    pub const DS: u16 = 43;
    pub const SSHFP: u16 = 44;
    pub const IPSECKEY: u16 = 45;
    pub const RRSIG: u16 = 46;
    pub const NSEC: u16 = 47;
    pub const DNSKEY: u16 = 48;
    pub const DHCID: u16 = 49;
    pub const NSEC3: u16 = 50;
    pub const NSEC3PARAM: u16 = 51;
    pub const TLSA: u16 = 52;
    pub const SMIMEA: u16 = 53;
    pub const HIP: u16 = 55;
    pub const NINFO: u16 = 56;
    pub const RKEY: u16 = 57;
    pub const TALINK: u16 = 58;
    pub const CDS: u16 = 59;
    pub const CDNSKEY: u16 = 60;
    pub const ZONEMD: u16 = 63;
    pub const SVCB: u16 = 64;
    pub const HTTPS: u16 = 65;
    pub const SPF: u16 = 99;
    pub const NID: u16 = 104;
    pub const L32: u16 = 105;
    pub const L64: u16 = 106;
    pub const LP: u16 = 107;
    pub const EUI48: u16 = 108;
    pub const EUI64: u16 = 109;
    pub const TKEY: u16 = 249;
    pub const TSIG: u16 = 250;
    pub const IXFR: u16 = 251;
    pub const AXFR: u16 = 252;
    pub const ANY: u16 = 255;
    pub const URI: u16 = 256;
    pub const CAA: u16 = 257;
    pub const TA: u16 = 32768;
    pub const DLV: u16 = 32769;

    /// Zone transfers, which need TCP and print their own way.
    pub fn is_transfer(code: u16) -> bool {
        code == AXFR || code == IXFR
    }
}

/// Class codes.
pub mod class {
    /// The Internet.
    pub const IN: u16 = 1;
    /// Chaos.
    pub const CH: u16 = 3;
    /// Hesiod.
    pub const HS: u16 = 4;
    /// RFC 2136 "none".
    pub const NONE: u16 = 254;
    /// Any class.
    pub const ANY: u16 = 255;
}

/// A response code: the header's four bits plus the EDNS extension (RFC 6891), so up to 12 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rcode(pub u16);

impl Rcode {
    /// No error.
    pub const NOERROR: Rcode = Rcode(0);
    /// The server could not parse the query.
    pub const FORMERR: Rcode = Rcode(1);
    /// The server failed; another server may do better.
    pub const SERVFAIL: Rcode = Rcode(2);
    /// The name does not exist: the search walk moves on.
    pub const NXDOMAIN: Rcode = Rcode(3);
    /// Not implemented.
    pub const NOTIMP: Rcode = Rcode(4);
    /// The server refuses to answer.
    pub const REFUSED: Rcode = Rcode(5);
    /// Not authoritative (what a refused zone transfer gets).
    pub const NOTAUTH: Rcode = Rcode(9);
    /// Bad EDNS version.
    pub const BADVERS: Rcode = Rcode(16);
    /// RFC 7873: retry with the server's cookie.
    pub const BADCOOKIE: Rcode = Rcode(23);
}

/// The header opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opcode(pub u16);

impl Opcode {
    /// A standard query, the only opcode the tools send or accept back.
    pub const QUERY: Opcode = Opcode(0);
}

/// The address family `-4`/`-6` restrict the tools to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `-4`: IPv4 only.
    V4,
    /// `-6`: IPv6 only.
    V6,
}

impl Family {
    /// Whether `address` belongs to this family.
    pub fn admits(self, address: &SocketAddr) -> bool {
        match self {
            Family::V4 => address.is_ipv4(),
            Family::V6 => address.is_ipv6(),
        }
    }
}

/// EDNS option codes (RFC 6891 registry) the tools send or name.
pub mod edns_option {
    /// RFC 5001: the server's identifier.
    pub const NSID: u16 = 3;
    /// RFC 7873: client and server cookies.
    pub const COOKIE: u16 = 10;
    /// RFC 8914: Extended DNS Errors.
    pub const EDE: u16 = 15;
}

/// EDNS header flags (the low 16 bits of the OPT TTL).
pub mod edns_flag {
    /// DO: the client wants DNSSEC records.
    pub const DNSSEC_OK: u16 = 0x8000;
    /// CO: the client accepts compact denial of existence.
    pub const COMPACT_OK: u16 = 0x4000;
}

/// SVCB and HTTPS parameter keys (RFC 9460).
pub mod svc_param {
    #![allow(missing_docs)] // each constant is the registry's own name
    pub const MANDATORY: u16 = 0;
    pub const ALPN: u16 = 1;
    pub const NO_DEFAULT_ALPN: u16 = 2;
    pub const PORT: u16 = 3;
    pub const IPV4HINT: u16 = 4;
    pub const ECH: u16 = 5;
    pub const IPV6HINT: u16 = 6;
}

/// Address family numbers (IANA), as APL items carry them.
pub mod address_family {
    /// IPv4.
    pub const IPV4: u16 = 1;
    /// IPv6.
    pub const IPV6: u16 = 2;
}

/// Digest type numbers of DS records (and the hash numbers of ZONEMD, which share the first two values).
pub mod digest {
    /// SHA-1 (DS), 20 bytes.
    pub const SHA1: u8 = 1;
    /// SHA-256 (DS), 32 bytes.
    pub const SHA256: u8 = 2;
    /// SHA-384 (DS), 48 bytes.
    pub const SHA384: u8 = 4;
    /// ZONEMD's SHA-384, 48 bytes.
    pub const ZONEMD_SHA384: u8 = 1;
    /// ZONEMD's SHA-512, 64 bytes.
    pub const ZONEMD_SHA512: u8 = 2;
    /// NSEC3's only hash algorithm, SHA-1.
    pub const NSEC3_SHA1: u8 = 1;
}

/// IPSECKEY gateway types (RFC 4025).
pub mod gateway {
    /// No gateway.
    pub const NONE: u8 = 0;
    /// An IPv4 address.
    pub const IPV4: u8 = 1;
    /// An IPv6 address.
    pub const IPV6: u8 = 2;
    /// A domain name.
    pub const NAME: u8 = 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A family admits only its own addresses.
    #[test]
    fn family_filters_addresses() {
        let v4: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        let v6: SocketAddr = "[::1]:53".parse().expect("addr");
        assert!(Family::V4.admits(&v4) && !Family::V4.admits(&v6));
        assert!(Family::V6.admits(&v6) && !Family::V6.admits(&v4));
    }

    /// Response codes order by value, so the extended ones compare above the header's.
    #[test]
    fn rcodes_compare_by_value() {
        assert!(Rcode::BADCOOKIE > Rcode::BADVERS && Rcode::NOERROR < Rcode::FORMERR);
        assert!(rtype::is_transfer(rtype::AXFR) && !rtype::is_transfer(rtype::SOA));
    }
}
