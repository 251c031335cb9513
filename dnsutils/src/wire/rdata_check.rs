//! BIND's verdict on a record's rdata, as a [`Problem`].
//!
//! hickory-proto rejects the same damaged records BIND does, but says why differently. Before a record
//! is decoded, this walker reads its rdata the way BIND's `dns_rdata_fromwire` does (the layout of each
//! common type, names by [`crate::wire::name`], the rdata length) and names the first problem BIND would;
//! the rules of types that need more than a layout live in [`crate::wire::rdata_rules`].

use crate::protocol::codes::{class, rtype};
use crate::wire::name::check_name;
use crate::wire::problem::Problem;
use crate::wire::rdata_rules::{
    check_a6, check_apl, check_caa_tag, check_ds, check_hip, check_ipseckey, check_nsec3, check_options, check_rkey,
    check_type_map, check_x25, check_zonemd, fixed_size,
};

/// One field of an rdata layout.
#[derive(Clone, Copy)]
enum Field {
    /// A domain name (compression allowed).
    Name,
    /// Fixed-size bytes.
    Bytes(usize),
    /// A character-string (length byte and data).
    Text,
    /// One or more character-strings up to the end of the rdata.
    Texts,
    /// A character-string when any rdata is left (ISDN's subaddress).
    OptionalText,
    /// Bytes behind a 16-bit length (TKEY's key and other data).
    Sized,
    /// Whatever is left, possibly nothing.
    Rest,
}

/// Types BIND only knows in class IN; in any other class their rdata is opaque (RFC 3597).
pub fn is_class_in_only(code: u16) -> bool {
    matches!(code, rtype::A | rtype::WKS | rtype::NSAP_PTR | rtype::AAAA | rtype::SRV | rtype::NAPTR | rtype::KX)
}

/// The layout BIND reads for `code` in `class_code`, or `None` for rdata taken as opaque here.
fn layout(code: u16, class_code: u16) -> Option<&'static [Field]> {
    use Field::{Bytes, Name, OptionalText, Rest, Sized, Text, Texts};
    use rtype::*;
    if class_code != class::IN && is_class_in_only(code) {
        return None;
    }
    Some(match code {
        A => &[Bytes(4)],
        AAAA => &[Bytes(16)],
        WKS => &[Bytes(5), Rest],
        PX => &[Bytes(2), Name, Name],
        TALINK => &[Name, Name],
        LP => &[Bytes(2), Name],
        NXT | NSEC => &[Name, Rest],
        SIG | RRSIG => &[Bytes(18), Name, Rest],
        NS | MD | MF | CNAME | MB | MG | MR | PTR | NSAP_PTR | DNAME => &[Name],
        ISDN => &[Text, OptionalText],
        GPOS => &[Text, Text, Text],
        MX | AFSDB | RT | KX => &[Bytes(2), Name],
        SOA => &[Name, Name, Bytes(20)],
        MINFO | RP => &[Name, Name],
        SRV => &[Bytes(6), Name],
        NAPTR => &[Bytes(4), Text, Text, Text, Name],
        HINFO => &[Text, Text],
        TXT | NINFO | SPF => &[Texts],
        TKEY => &[Name, Bytes(12), Sized, Sized],
        SSHFP => &[Bytes(2), Rest],
        TLSA | SMIMEA => &[Bytes(3), Rest],
        KEY | DNSKEY | CDNSKEY => &[Bytes(4), Rest],
        CAA => &[Bytes(1), Text, Rest],
        _ => return None,
    })
}

/// Checks the rdata of type `code` in `class_code` occupying `message[start..start + length]`.
pub fn check_rdata(message: &[u8], code: u16, class_code: u16, start: usize, length: usize) -> Result<(), Problem> {
    let rdata = &message[start..(start + length).min(message.len())];
    let within = &message[..start + rdata.len()];
    if let Some(size) = fixed_size(code) {
        return if rdata.len() == size { Ok(()) } else { Err(Problem::FormErr) };
    }
    let is_in = class_code == class::IN;
    match code {
        rtype::X25 => return check_x25(rdata),
        rtype::A6 if is_in => return check_a6(within, start),
        rtype::OPT => return check_options(rdata),
        rtype::APL if is_in => return check_apl(rdata),
        rtype::IPSECKEY => return check_ipseckey(within, start),
        rtype::HIP => return check_hip(within, start),
        rtype::NSEC => return check_type_map(&rdata[check_name(within, start)? - start..]),
        rtype::ZONEMD => return check_zonemd(rdata),
        rtype::NSEC3 => return check_nsec3(rdata),
        rtype::DS | rtype::CDS | rtype::TA | rtype::DLV => return check_ds(rdata),
        rtype::RKEY => check_rkey(rdata)?,
        rtype::NSEC3PARAM if rdata.len() < 5 || rdata.len() != 5 + usize::from(rdata[4]) => {
            return Err(Problem::FormErr);
        }
        _ => {}
    }
    let Some(fields) = layout(code, class_code) else { return Ok(()) };
    if code == rtype::CAA {
        check_caa_tag(rdata)?;
    }
    check_layout(message, fields, start, start + length)
}

/// Walks `fields` from `start`; the last must end exactly at `end`.
fn check_layout(message: &[u8], fields: &[Field], start: usize, end: usize) -> Result<(), Problem> {
    let within = &message[..end.min(message.len())];
    let length_byte = |at: usize| within.get(at).map(|&n| usize::from(n)).ok_or(Problem::UnexpectedEnd);
    let mut at = start;
    for field in fields {
        at = match field {
            Field::Name => check_name(within, at)?,
            Field::Bytes(size) => at + size,
            Field::Text => at + 1 + length_byte(at)?,
            Field::OptionalText if at >= end => at,
            Field::OptionalText => at + 1 + length_byte(at)?,
            Field::Rest => end,
            Field::Sized => match within.get(at..at + 2) {
                Some(&[high, low]) => at + 2 + usize::from(u16::from_be_bytes([high, low])),
                _ => return Err(Problem::UnexpectedEnd),
            },
            Field::Texts => {
                let mut position = at;
                loop {
                    position += 1 + length_byte(position)?;
                    if position >= end {
                        break position;
                    }
                }
            }
        };
        if at > end {
            return Err(Problem::UnexpectedEnd);
        }
    }
    if at < end { Err(Problem::ExtraInputData) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Problem::{ExtraInputData, FormErr, NotImplemented, OutOfRange, UnexpectedEnd};

    const HEADER: [u8; 12] = [0; 12];

    fn message(tail: &[u8]) -> Vec<u8> {
        [&HEADER[..], tail].concat()
    }

    /// A CNAME whose name ends before its rdata does has extra input data.
    #[test]
    fn rdata_length_problems() {
        let bytes = message(&[1, b'a', 0, 0xc0, 12, 1, 2]);
        assert_eq!(check_rdata(&bytes, 5, 1, 15, 4), Err(ExtraInputData));
        assert_eq!(check_rdata(&bytes, 1, 1, 15, 3), Err(UnexpectedEnd));
        assert_eq!(check_rdata(&bytes, 65280, 1, 15, 4), Ok(()));
        // An A record in class CH is opaque to BIND, whatever its length.
        assert_eq!(check_rdata(&bytes, 1, 3, 15, 3), Ok(()));
    }

    /// Fixed-size types and X25 are FORMERR when their rdata does not fit; ISDN takes one or two strings.
    #[test]
    fn formerr_types() {
        let bytes = message(&[4, b'1', b'2', b'3', b'4', 0xff]);
        assert_eq!(check_rdata(&bytes, 19, 1, 12, 5), Ok(()));
        assert_eq!(check_rdata(&bytes, 19, 1, 12, 4), Err(FormErr));
        assert_eq!(check_rdata(&bytes, 108, 1, 12, 6), Ok(()));
        assert_eq!(check_rdata(&bytes, 109, 1, 12, 6), Err(FormErr));
        let isdn = message(&[1, b'1', 1, b'2', 0]);
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 2), Ok(()));
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 4), Ok(()));
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 5), Err(ExtraInputData));
    }

    /// A6 prefixes over 128 are out of range, bits under the prefix must be zero, the name must fit.
    #[test]
    fn a6_problems() {
        let a6 = |tail: &[u8]| message(tail);
        assert_eq!(check_rdata(&a6(&[0x81, 0]), 38, 1, 12, 2), Err(OutOfRange));
        assert_eq!(check_rdata(&a6(&[0x41, 0x80, 0, 0, 0, 0, 0, 0, 1, 0]), 38, 1, 12, 10), Err(FormErr));
        assert_eq!(check_rdata(&a6(&[0x40, 0, 0, 0, 0, 0, 0, 0, 1, 1, b'a', 0]), 38, 1, 12, 12), Ok(()));
        assert_eq!(check_rdata(&a6(&[0x40, 0, 0, 0, 0, 0, 0, 0, 1, 1, b'a']), 38, 1, 12, 11), Err(UnexpectedEnd));
        assert_eq!(check_rdata(&a6(&[0x80, 0, 0]), 38, 1, 12, 2), Ok(()));
    }

    /// IPSECKEY gateways fit their type; HIP needs a HIT and a key that fit before its names.
    #[test]
    fn ipseckey_and_hip_problems() {
        assert_eq!(check_rdata(&message(&[10, 1, 2, 10, 0, 0, 1, 0xaa]), 45, 1, 12, 8), Ok(()));
        assert_eq!(check_rdata(&message(&[10, 1, 2, 10, 0, 0]), 45, 1, 12, 6), Err(UnexpectedEnd));
        assert_eq!(check_rdata(&message(&[10, 4, 2, 10]), 45, 1, 12, 4), Err(NotImplemented));
        assert_eq!(check_rdata(&message(&[1, 2, 0, 1, 0xaa, 0xbb, 1, b'a', 0]), 55, 1, 12, 9), Ok(()));
        assert_eq!(check_rdata(&message(&[0, 2, 0, 1, 0xbb]), 55, 1, 12, 5), Err(FormErr));
        assert_eq!(check_rdata(&message(&[1, 2, 0, 2, 0xaa, 0xbb]), 55, 1, 12, 6), Err(FormErr));
        assert_eq!(check_rdata(&message(&[1, 2]), 55, 1, 12, 2), Err(FormErr));
        // RKEY flags must be zero.
        assert_eq!(check_rdata(&message(&[0, 0, 0, 8, 0xaa]), 57, 1, 12, 5), Ok(()));
        assert_eq!(check_rdata(&message(&[1, 0, 3, 8, 0xaa]), 57, 1, 12, 5), Err(FormErr));
    }
}
