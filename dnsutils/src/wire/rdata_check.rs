//! BIND's verdict on a damaged record, in BIND's words.
//!
//! hickory-proto rejects the same damaged records BIND does, but says why differently. When a
//! record fails to decode, this walker re-reads it the way BIND's `dns_name_fromwire` and
//! `dns_rdata_fromwire` do (label types, compression pointers, the rdata layout of each common
//! type, the rdata length) and names the first problem as `isc_result_totext` would; the rules
//! of types that need more than a layout live in [`crate::wire::rdata_rules`].

use crate::wire::rdata_rules::{
    check_a6, check_apl, check_caa_tag, check_ds, check_hip, check_ipseckey, check_nsec3, check_options,
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
pub fn is_class_in_only(rtype: u16) -> bool {
    matches!(rtype, 1 | 11 | 23 | 28 | 33 | 35 | 36)
}

/// The layout BIND reads for `rtype` in `class`, or `None` for rdata taken as opaque here.
fn layout(rtype: u16, class: u16) -> Option<&'static [Field]> {
    use Field::{Bytes, Name, OptionalText, Rest, Sized, Text, Texts};
    if class != 1 && is_class_in_only(rtype) {
        return None;
    }
    Some(match rtype {
        1 => &[Bytes(4)],
        28 => &[Bytes(16)],
        11 => &[Bytes(5), Rest],
        26 => &[Bytes(2), Name, Name],
        58 => &[Name, Name],
        107 => &[Bytes(2), Name],
        30 | 47 => &[Name, Rest],
        24 | 46 => &[Bytes(18), Name, Rest],
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 23 | 39 => &[Name],
        20 => &[Text, OptionalText],
        27 => &[Text, Text, Text],
        15 | 18 | 21 | 36 => &[Bytes(2), Name],
        6 => &[Name, Name, Bytes(20)],
        14 | 17 => &[Name, Name],
        33 => &[Bytes(6), Name],
        35 => &[Bytes(4), Text, Text, Text, Name],
        13 => &[Text, Text],
        16 | 56 | 99 => &[Texts],
        249 => &[Name, Bytes(12), Sized, Sized],
        44 => &[Bytes(2), Rest],
        52 | 53 => &[Bytes(3), Rest],
        25 | 48 | 60 => &[Bytes(4), Rest],
        257 => &[Bytes(1), Text, Rest],
        _ => return None,
    })
}

/// A problem BIND would report.
pub type Problem = &'static str;

/// Checks the name at `at` (pointers followed); returns the offset just past it in place.
pub fn check_name(message: &[u8], at: usize) -> Result<usize, Problem> {
    read_name(message, at).map(|(_, end)| end)
}

/// Reads the name at `at` as BIND's `dns_name_fromwire` does: its labels, and the offset just past it
/// in place. Each pointer must point before the previous one's target (the first before the name
/// itself), which also bounds the walk; labels may run on past a pointer (hickory refuses that).
pub fn read_name(message: &[u8], at: usize) -> Result<(Vec<Vec<u8>>, usize), Problem> {
    let (mut position, mut end, mut length, mut lowest) = (at, None, 1usize, at);
    let mut labels = Vec::new();
    loop {
        let byte = *message.get(position).ok_or("unexpected end of input")?;
        match byte & 0xc0 {
            0x00 if byte == 0 => return Ok((labels, end.unwrap_or(position + 1))),
            0x00 => {
                length += usize::from(byte) + 1;
                if length > 255 {
                    return Err("name too long");
                }
                let label = message.get(position + 1..position + 1 + usize::from(byte));
                labels.push(label.ok_or("unexpected end of input")?.to_vec());
                position += usize::from(byte) + 1;
            }
            0xc0 => {
                let low = *message.get(position + 1).ok_or("unexpected end of input")?;
                let target = usize::from(byte & 0x3f) << 8 | usize::from(low);
                if target >= lowest {
                    return Err("bad compression pointer");
                }
                end.get_or_insert(position + 2);
                lowest = target;
                position = target;
            }
            _ => return Err("bad label type"),
        }
    }
}

/// Checks the rdata of `rtype` in `class` occupying `message[start..start + length]`.
pub fn check_rdata(message: &[u8], rtype: u16, class: u16, start: usize, length: usize) -> Result<(), Problem> {
    let rdata = &message[start..(start + length).min(message.len())];
    if let Some(size) = fixed_size(rtype) {
        return if rdata.len() == size { Ok(()) } else { Err("FORMERR") };
    }
    match rtype {
        19 => return check_x25(rdata),
        38 if class == 1 => return check_a6(&message[..start + rdata.len()], start),
        41 => return check_options(rdata),
        42 if class == 1 => return check_apl(rdata),
        45 => return check_ipseckey(&message[..start + rdata.len()], start),
        55 => return check_hip(&message[..start + rdata.len()], start),
        47 => return check_type_map(&rdata[check_name(&message[..start + rdata.len()], start)? - start..]),
        63 => return check_zonemd(rdata),
        50 => return check_nsec3(rdata),
        43 | 59 | 32768 | 32769 => return check_ds(rdata),
        57 if rdata.len() < 4 => return Err("unexpected end of input"),
        57 if rdata[..2] != [0, 0] => return Err("FORMERR"),
        57 if rdata.len() == 4 => return Err("unexpected end of input"),
        51 if rdata.len() < 5 || rdata.len() != 5 + usize::from(rdata[4]) => return Err("FORMERR"),
        _ => {}
    }
    let Some(fields) = layout(rtype, class) else { return Ok(()) };
    if rtype == 257 {
        check_caa_tag(rdata)?;
    }
    let end = start + length;
    let within = &message[..end.min(message.len())];
    let mut at = start;
    for field in fields {
        at = match field {
            Field::Name => check_name(within, at)?,
            Field::Bytes(size) => at + size,
            Field::Text => at + 1 + usize::from(*within.get(at).ok_or("unexpected end of input")?),
            Field::OptionalText if at >= end => at,
            Field::OptionalText => at + 1 + usize::from(*within.get(at).ok_or("unexpected end of input")?),
            Field::Rest => end,
            Field::Sized => match within.get(at..at + 2) {
                Some(&[high, low]) => at + 2 + usize::from(u16::from_be_bytes([high, low])),
                _ => return Err("unexpected end of input"),
            },
            Field::Texts => {
                let mut position = at;
                loop {
                    position += 1 + usize::from(*within.get(position).ok_or("unexpected end of input")?);
                    if position >= end {
                        break position;
                    }
                }
            }
        };
        if at > end {
            return Err("unexpected end of input");
        }
    }
    if at < end { Err("extra input data") } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [u8; 12] = [0; 12];

    fn message(tail: &[u8]) -> Vec<u8> {
        [&HEADER[..], tail].concat()
    }

    /// Reserved label types, forward pointers and overruns get BIND's words.
    #[test]
    fn name_problems() {
        assert_eq!(check_name(&message(&[0x94, 1]), 12), Err("bad label type"));
        assert_eq!(check_name(&message(&[0xc0, 12]), 12), Err("bad compression pointer"));
        assert_eq!(check_name(&message(&[3, b'a']), 12), Err("unexpected end of input"));
        assert_eq!(check_name(&message(&[1, b'a', 0, 0xc0, 12]), 15), Ok(17));
    }

    /// Each pointer must point before the previous target (the first before the name), as in BIND; labels
    /// read after a jump may cover the pointer itself.
    #[test]
    fn pointer_rules_are_binds() {
        assert_eq!(check_name(&message(&[3, 0, 0xc0, 12, 0xc0, 13]), 12), Err("bad compression pointer"));
        let (labels, end) = read_name(&message(&[4, 0xc0, 12, 1, b'b', 0]), 13).expect("BIND reads it");
        assert_eq!((labels, end), (vec![vec![0xc0, 12, 1, b'b']], 15));
    }

    /// A CNAME whose name ends before its rdata does has extra input data.
    #[test]
    fn rdata_length_problems() {
        let bytes = message(&[1, b'a', 0, 0xc0, 12, 1, 2]);
        assert_eq!(check_rdata(&bytes, 5, 1, 15, 4), Err("extra input data"));
        assert_eq!(check_rdata(&bytes, 1, 1, 15, 3), Err("unexpected end of input"));
        assert_eq!(check_rdata(&bytes, 65280, 1, 15, 4), Ok(()));
        // An A record in class CH is opaque to BIND, whatever its length.
        assert_eq!(check_rdata(&bytes, 1, 3, 15, 3), Ok(()));
    }

    /// Fixed-size types and X25 are FORMERR when their rdata does not fit; ISDN takes one or two strings.
    #[test]
    fn formerr_types() {
        let bytes = message(&[4, b'1', b'2', b'3', b'4', 0xff]);
        assert_eq!(check_rdata(&bytes, 19, 1, 12, 5), Ok(()));
        assert_eq!(check_rdata(&bytes, 19, 1, 12, 4), Err("FORMERR"));
        assert_eq!(check_rdata(&bytes, 108, 1, 12, 6), Ok(()));
        assert_eq!(check_rdata(&bytes, 109, 1, 12, 6), Err("FORMERR"));
        let isdn = message(&[1, b'1', 1, b'2', 0]);
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 2), Ok(()));
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 4), Ok(()));
        assert_eq!(check_rdata(&isdn, 20, 1, 12, 5), Err("extra input data"));
    }

    /// A6 prefixes over 128 are out of range, bits under the prefix must be zero, the name must fit.
    #[test]
    fn a6_problems() {
        let a6 = |tail: &[u8]| message(tail);
        assert_eq!(check_rdata(&a6(&[0x81, 0]), 38, 1, 12, 2), Err("out of range"));
        assert_eq!(check_rdata(&a6(&[0x41, 0x80, 0, 0, 0, 0, 0, 0, 1, 0]), 38, 1, 12, 10), Err("FORMERR"));
        assert_eq!(check_rdata(&a6(&[0x40, 0, 0, 0, 0, 0, 0, 0, 1, 1, b'a', 0]), 38, 1, 12, 12), Ok(()));
        assert_eq!(
            check_rdata(&a6(&[0x40, 0, 0, 0, 0, 0, 0, 0, 1, 1, b'a']), 38, 1, 12, 11),
            Err("unexpected end of input")
        );
        assert_eq!(check_rdata(&a6(&[0x80, 0, 0]), 38, 1, 12, 2), Ok(()));
    }

    /// IPSECKEY gateways fit their type; HIP needs a HIT and a key that fit before its names.
    #[test]
    fn ipseckey_and_hip_problems() {
        assert_eq!(check_rdata(&message(&[10, 1, 2, 10, 0, 0, 1, 0xaa]), 45, 1, 12, 8), Ok(()));
        assert_eq!(check_rdata(&message(&[10, 1, 2, 10, 0, 0]), 45, 1, 12, 6), Err("unexpected end of input"));
        assert_eq!(check_rdata(&message(&[10, 4, 2, 10]), 45, 1, 12, 4), Err("not implemented"));
        assert_eq!(check_rdata(&message(&[1, 2, 0, 1, 0xaa, 0xbb, 1, b'a', 0]), 55, 1, 12, 9), Ok(()));
        assert_eq!(check_rdata(&message(&[0, 2, 0, 1, 0xbb]), 55, 1, 12, 5), Err("FORMERR"));
        assert_eq!(check_rdata(&message(&[1, 2, 0, 2, 0xaa, 0xbb]), 55, 1, 12, 6), Err("FORMERR"));
        assert_eq!(check_rdata(&message(&[1, 2]), 55, 1, 12, 2), Err("FORMERR"));
        // RKEY flags must be zero.
        assert_eq!(check_rdata(&message(&[0, 0, 0, 8, 0xaa]), 57, 1, 12, 5), Ok(()));
        assert_eq!(check_rdata(&message(&[1, 0, 3, 8, 0xaa]), 57, 1, 12, 5), Err("FORMERR"));
    }
}
