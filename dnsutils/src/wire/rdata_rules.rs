//! BIND's per-type rdata rules beyond a plain layout: the checks `dns_rdata_fromwire` makes for X25, A6,
//! APL, ZONEMD, NSEC and NSEC3 bitmaps, IPSECKEY, HIP, EDNS options, CAA tags and the fixed-size types, each
//! naming the first [`Problem`] BIND would. The rdata check decides which rule a record needs.

use crate::protocol::codes::{address_family, digest, gateway, rtype};
use crate::wire::name::check_name;
use crate::wire::problem::Problem;

/// Types whose rdata BIND accepts at one size only (NID, L32, L64, EUI48, EUI64); any other is FORMERR.
pub(crate) fn fixed_size(code: u16) -> Option<usize> {
    match code {
        rtype::NID | rtype::L64 => Some(10),
        rtype::L32 | rtype::EUI48 => Some(6),
        rtype::EUI64 => Some(8),
        _ => None,
    }
}

/// X25 is one character-string of at least four digits filling the rdata; BIND calls anything else FORMERR.
pub(crate) fn check_x25(rdata: &[u8]) -> Result<(), Problem> {
    match rdata.split_first() {
        Some((&length, digits)) if digits.len() >= 4 && usize::from(length) == digits.len() => {
            if digits.iter().all(u8::is_ascii_digit) { Ok(()) } else { Err(Problem::FormErr) }
        }
        _ => Err(Problem::FormErr),
    }
}

/// A6: a prefix length of at most 128, the address bits after the prefix (the bits the prefix covers
/// zero), then the prefix's name unless the prefix is empty.
pub(crate) fn check_a6(within: &[u8], start: usize) -> Result<(), Problem> {
    let prefix = *within.get(start).ok_or(Problem::UnexpectedEnd)?;
    if prefix > 128 {
        return Err(Problem::OutOfRange);
    }
    let mut at = start + 1;
    if prefix < 128 {
        let octets = 16 - usize::from(prefix / 8);
        let first = *within.get(at).ok_or(Problem::UnexpectedEnd)?;
        if at + octets > within.len() {
            return Err(Problem::UnexpectedEnd);
        }
        if first & !(0xff >> (prefix % 8)) != 0 {
            return Err(Problem::FormErr);
        }
        at += octets;
    }
    if prefix > 0 {
        at = check_name(within, at)?;
    }
    if at < within.len() { Err(Problem::ExtraInputData) } else { Ok(()) }
}

/// APL items: family, prefix, negation bit and length, then an address part without trailing zeros
/// whose length and prefix fit the family (IPv4 and IPv6; other families are not checked).
pub(crate) fn check_apl(rdata: &[u8]) -> Result<(), Problem> {
    let mut rest = rdata;
    while !rest.is_empty() {
        let [high, low, prefix, length, tail @ ..] = rest else { return Err(Problem::UnexpectedEnd) };
        let length = usize::from(length & 0x7f);
        let part = tail.get(..length).ok_or(Problem::UnexpectedEnd)?;
        let (max_prefix, max_length) = match u16::from_be_bytes([*high, *low]) {
            address_family::IPV4 => (32, 4),
            address_family::IPV6 => (128, 16),
            _ => (u8::MAX, usize::MAX),
        };
        if *prefix > max_prefix || length > max_length {
            return Err(Problem::OutOfRange);
        }
        if part.last() == Some(&0) {
            return Err(Problem::FormErr);
        }
        rest = &tail[length..];
    }
    Ok(())
}

/// ZONEMD: serial, scheme and hash algorithm, then at least 12 digest bytes, exactly 48 for SHA-384 and
/// 64 for SHA-512.
pub(crate) fn check_zonemd(rdata: &[u8]) -> Result<(), Problem> {
    let size = match rdata.get(5).copied() {
        Some(digest::ZONEMD_SHA384) => 48,
        Some(digest::ZONEMD_SHA512) => 64,
        _ => 0,
    };
    if rdata.len() < 18 || rdata.len() < 6 + size {
        Err(Problem::UnexpectedEnd)
    } else if size != 0 && rdata.len() > 6 + size {
        Err(Problem::ExtraInputData)
    } else {
        Ok(())
    }
}

/// An NSEC type bitmap, as BIND's `typemap_test`: at least one window, windows in increasing order, each
/// 1 to 32 bytes long with a non-zero last byte, filling the rest of the rdata.
pub(crate) fn check_type_map(map: &[u8]) -> Result<(), Problem> {
    if map.is_empty() {
        return Err(Problem::FormErr);
    }
    let (mut rest, mut last) = (map, None);
    while !rest.is_empty() {
        let [window, length, tail @ ..] = rest else { return Err(Problem::FormErr) };
        let length = usize::from(*length);
        let bits = tail.get(..length).filter(|_| (1..=32).contains(&length)).ok_or(Problem::FormErr)?;
        if last.is_some_and(|last| *window <= last) || bits.last() == Some(&0) {
            return Err(Problem::FormErr);
        }
        last = Some(*window);
        rest = &tail[length..];
    }
    Ok(())
}

/// IPSECKEY: precedence, gateway type and algorithm, a gateway of that type (none, IPv4, IPv6, name; other
/// types are not implemented), then the key.
pub(crate) fn check_ipseckey(within: &[u8], start: usize) -> Result<(), Problem> {
    let gateway_type = *within.get(start + 1).ok_or(Problem::UnexpectedEnd)?;
    let key_at = start + 3;
    if key_at > within.len() {
        return Err(Problem::UnexpectedEnd);
    }
    let key = match gateway_type {
        gateway::NONE => key_at,
        gateway::IPV4 => key_at + 4,
        gateway::IPV6 => key_at + 16,
        gateway::NAME => check_name(within, key_at)?,
        _ => return Err(Problem::NotImplemented),
    };
    if key > within.len() { Err(Problem::UnexpectedEnd) } else { Ok(()) }
}

/// HIP: HIT length, algorithm, key length, a non-empty HIT and key that fit (FORMERR otherwise, even when
/// cut short), then rendezvous server names.
pub(crate) fn check_hip(within: &[u8], start: usize) -> Result<(), Problem> {
    let Some(&[hit, _, high, low]) = within.get(start..start + 4) else { return Err(Problem::FormErr) };
    let key = usize::from(u16::from_be_bytes([high, low]));
    let mut at = start + 4 + usize::from(hit) + key;
    if hit == 0 || key == 0 || at > within.len() {
        return Err(Problem::FormErr);
    }
    while at < within.len() {
        at = check_name(within, at)?;
    }
    Ok(())
}

/// NSEC3: algorithm, flags, iterations, a salt and a non-empty hash that fit (20 bytes for SHA-1), then a
/// type bitmap that may be empty; BIND calls any problem FORMERR, even a cut.
pub(crate) fn check_nsec3(rdata: &[u8]) -> Result<(), Problem> {
    let salt = usize::from(*rdata.get(4).ok_or(Problem::FormErr)?);
    let hash = usize::from(*rdata.get(5 + salt).ok_or(Problem::FormErr)?);
    let map = rdata.get(6 + salt + hash..).ok_or(Problem::FormErr)?;
    if hash == 0 || rdata[0] == digest::NSEC3_SHA1 && hash != 20 {
        return Err(Problem::FormErr);
    }
    if map.is_empty() { Ok(()) } else { check_type_map(map) }
}

/// Whether an NSEC3 owner's first label is a base32hex hash (no padding), as BIND requires.
pub fn is_nsec3_owner(label: &[u8]) -> bool {
    label.iter().all(|byte| matches!(byte.to_ascii_uppercase(), b'0'..=b'9' | b'A'..=b'V'))
        && matches!(label.len() % 8, 0 | 2 | 4 | 5 | 7)
}

/// DS, CDS, TA and DLV: key tag, algorithm and digest type, then a digest of at least one byte, exactly 20,
/// 32 or 48 for SHA-1, SHA-256 and SHA-384.
pub(crate) fn check_ds(rdata: &[u8]) -> Result<(), Problem> {
    let size = match rdata.get(3).copied() {
        Some(digest::SHA1) => 20,
        Some(digest::SHA256) => 32,
        Some(digest::SHA384) => 48,
        _ => 1,
    };
    if rdata.len() < 4 + size {
        Err(Problem::UnexpectedEnd)
    } else if size > 1 && rdata.len() > 4 + size {
        Err(Problem::ExtraInputData)
    } else {
        Ok(())
    }
}

/// RKEY: zero flags, protocol and algorithm, then a key of at least one byte.
pub(crate) fn check_rkey(rdata: &[u8]) -> Result<(), Problem> {
    if rdata.len() < 4 {
        Err(Problem::UnexpectedEnd)
    } else if rdata[..2] != [0, 0] {
        Err(Problem::FormErr)
    } else if rdata.len() == 4 {
        Err(Problem::UnexpectedEnd)
    } else {
        Ok(())
    }
}

/// EDNS options: each a code and a length, then that many bytes, filling the OPT rdata exactly.
pub(crate) fn check_options(rdata: &[u8]) -> Result<(), Problem> {
    let mut rest = rdata;
    while !rest.is_empty() {
        let length = match rest {
            [_, _, high, low, ..] => usize::from(u16::from_be_bytes([*high, *low])),
            _ => return Err(Problem::UnexpectedEnd),
        };
        rest = rest.get(4 + length..).ok_or(Problem::UnexpectedEnd)?;
    }
    Ok(())
}

/// CAA needs a tag of letters and digits that fits its rdata; BIND calls anything else FORMERR.
pub(crate) fn check_caa_tag(rdata: &[u8]) -> Result<(), Problem> {
    let tag_length = usize::from(*rdata.get(1).ok_or(Problem::UnexpectedEnd)?);
    match rdata.get(2..2 + tag_length) {
        Some(tag) if tag_length > 0 && tag.iter().all(u8::is_ascii_alphanumeric) => Ok(()),
        _ => Err(Problem::FormErr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Problem::{ExtraInputData, FormErr, OutOfRange, UnexpectedEnd};

    /// APL address parts must fit their family and end in a non-zero byte; ZONEMD digests fit their hash.
    #[test]
    fn apl_and_zonemd_problems() {
        assert_eq!(check_apl(&[0, 1, 32, 4, 10, 0, 0, 1]), Ok(()));
        assert_eq!(check_apl(&[0, 1, 33, 4, 10, 0, 0, 1]), Err(OutOfRange));
        assert_eq!(check_apl(&[0, 1, 24, 2, 10, 0]), Err(FormErr));
        assert_eq!(check_apl(&[0, 1, 24, 1]), Err(UnexpectedEnd));
        let zonemd = |algorithm: u8, digest: usize| [&[0, 0, 0, 1, 1, algorithm][..], &vec![0xaa; digest]].concat();
        assert_eq!(check_zonemd(&zonemd(1, 48)), Ok(()));
        assert_eq!(check_zonemd(&zonemd(1, 47)), Err(UnexpectedEnd));
        assert_eq!(check_zonemd(&zonemd(1, 49)), Err(ExtraInputData));
        assert_eq!(check_zonemd(&zonemd(9, 12)), Ok(()));
        assert_eq!(check_zonemd(&zonemd(9, 11)), Err(UnexpectedEnd));
    }

    /// NSEC3 rdata must hold its salt, a hash of the algorithm's size and a valid bitmap; owners are base32hex.
    #[test]
    fn nsec3_problems() {
        let sha1 = [&[1, 0, 0, 1, 0, 20][..], &[0xaa; 20]].concat();
        assert_eq!(check_nsec3(&sha1), Ok(()));
        assert_eq!(check_nsec3(&[&sha1[..], &[0, 1, 0x40]].concat()), Ok(()));
        assert_eq!(check_nsec3(&sha1[..20]), Err(FormErr));
        assert_eq!(check_nsec3(&[2, 0, 0, 1, 0, 1, 0xaa]), Ok(()));
        assert_eq!(check_nsec3(&[2, 0, 0, 1, 0, 0]), Err(FormErr));
        assert_eq!(check_nsec3(&[1, 0, 0, 1, 0, 1, 0xaa]), Err(FormErr));
        assert!(is_nsec3_owner(b"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"));
        assert!(!is_nsec3_owner(b"www"));
    }

    /// NSEC type bitmaps follow BIND's window rules.
    #[test]
    fn type_map_problems() {
        assert_eq!(check_type_map(&[]), Err(FormErr));
        assert_eq!(check_type_map(&[0, 1, 0x40, 1, 1, 0x40]), Ok(()));
        assert_eq!(check_type_map(&[1, 1, 0x40, 0, 1, 0x40]), Err(FormErr));
        assert_eq!(check_type_map(&[0, 2, 0x40, 0]), Err(FormErr));
        assert_eq!(check_type_map(&[0, 0]), Err(FormErr));
        assert_eq!(check_type_map(&[0, 4, 0x40]), Err(FormErr));
        assert_eq!(check_type_map(&[0]), Err(FormErr));
    }

    /// DS digests fit their digest type; an unknown type needs one byte at least.
    #[test]
    fn ds_problems() {
        let ds = |digest_type: u8, digest: usize| [&[0, 1, 8, digest_type][..], &vec![0xaa; digest]].concat();
        assert_eq!(check_ds(&ds(1, 20)), Ok(()));
        assert_eq!(check_ds(&ds(1, 19)), Err(UnexpectedEnd));
        assert_eq!(check_ds(&ds(1, 21)), Err(ExtraInputData));
        assert_eq!(check_ds(&ds(229, 1)), Ok(()));
        assert_eq!(check_ds(&ds(229, 0)), Err(UnexpectedEnd));
    }

    /// An EDNS option longer than the OPT rdata, or a cut option header, is an unexpected end.
    #[test]
    fn option_overruns() {
        assert_eq!(check_options(&[0, 10, 0, 2, 1, 2]), Ok(()));
        assert_eq!(check_options(&[0, 10, 0, 3, 1, 2]), Err(UnexpectedEnd));
        assert_eq!(check_options(&[0, 10, 0]), Err(UnexpectedEnd));
    }

    /// A CAA tag that overruns the rdata or is not alphanumeric is FORMERR.
    #[test]
    fn caa_tags() {
        assert_eq!(check_caa_tag(&[0, 5, b'i', b's']), Err(FormErr));
        assert_eq!(check_caa_tag(&[0, 2, b'i', b'-']), Err(FormErr));
        assert_eq!(check_caa_tag(&[0, 5, b'i', b's', b's', b'u', b'e']), Ok(()));
    }
}
