//! Rdata that carries addresses and places: A6 (an address suffix and its prefix's name), APL (address
//! prefix lists), WKS (an address and a port bitmap) and LOC (RFC 1876 coordinates), in BIND's text.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::protocol::codes::address_family;
use crate::text::escape::read_name_text;
use crate::wire::cursor::Cursor;

/// A6: prefix length, the address bits after the prefix (nothing when it is 128), and the prefix's name.
pub fn a6(r: &mut Cursor) -> Option<String> {
    let prefix = r.u8()?;
    let octets = 16usize.checked_sub(usize::from(prefix / 8))?;
    let mut address = [0u8; 16];
    address[16 - octets..].copy_from_slice(r.take(octets)?);
    let address = if octets == 0 { String::new() } else { Ipv6Addr::from(address).to_string() };
    Some(if prefix == 0 { format!("0 {address}") } else { format!("{prefix} {address} {}", read_name_text(r)?) })
}

/// APL: `[!]family:address/prefix` items; a family other than IPv4 and IPv6 has no text form.
pub fn apl(r: &mut Cursor) -> Option<String> {
    let mut items = Vec::new();
    while !r.done() {
        let (family, prefix, length) = (r.u16()?, r.u8()?, r.u8()?);
        let part = r.take(usize::from(length & 0x7f))?;
        let negation = if length & 0x80 != 0 { "!" } else { "" };
        let address = match family {
            address_family::IPV4 => {
                let mut bytes = [0u8; 4];
                bytes.get_mut(..part.len())?.copy_from_slice(part);
                Ipv4Addr::from(bytes).to_string()
            }
            address_family::IPV6 => {
                let mut bytes = [0u8; 16];
                bytes.get_mut(..part.len())?.copy_from_slice(part);
                Ipv6Addr::from(bytes).to_string()
            }
            _ => return None,
        };
        items.push(format!("{negation}{family}:{address}/{prefix}"));
    }
    Some(items.join(" "))
}

/// WKS: address, protocol number, then the port of every bit set in the bitmap.
pub fn wks(r: &mut Cursor) -> Option<String> {
    let address = Ipv4Addr::new(r.u8()?, r.u8()?, r.u8()?, r.u8()?);
    let protocol = r.u8()?;
    let mut text = format!("{address} {protocol}");
    for (index, byte) in r.rest().iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                text.push_str(&format!(" {}", index * 8 + bit));
            }
        }
    }
    Some(text)
}

/// LOC (RFC 1876): latitude, longitude, altitude, size and precisions in BIND's units.
pub fn loc(r: &mut Cursor) -> Option<String> {
    // Version 0 is the only one defined.
    if r.u8()? != 0 {
        return None;
    }
    let (size, horizontal, vertical) = (r.u8()?, r.u8()?, r.u8()?);
    let (latitude, longitude, altitude) = (r.u32()?, r.u32()?, r.u32()?);
    let altitude_cm = i64::from(altitude) - 10_000_000;
    let sign = if altitude_cm < 0 { "-" } else { "" };
    let (meters, centimeters) = (altitude_cm.abs() / 100, altitude_cm.abs() % 100);
    Some(format!(
        "{} {} {sign}{meters}.{centimeters:02}m {} {} {}",
        angle(latitude, ['N', 'S']),
        angle(longitude, ['E', 'W']),
        loc_size(size),
        loc_size(horizontal),
        loc_size(vertical)
    ))
}

/// A LOC angle (thousandths of arc seconds from 2^31) as `D M S.sss H`.
fn angle(raw: u32, hemispheres: [char; 2]) -> String {
    let offset = i64::from(raw) - (1i64 << 31);
    let hemisphere = if offset < 0 { hemispheres[1] } else { hemispheres[0] };
    let value = offset.abs();
    let (degrees, minutes) = (value / 3_600_000, value % 3_600_000 / 60_000);
    let (seconds, thousandths) = (value % 60_000 / 1000, value % 1000);
    format!("{degrees} {minutes} {seconds}.{thousandths:03} {hemisphere}")
}

/// A LOC size or precision (mantissa and power of ten, in centimetres) in metres.
fn loc_size(encoded: u8) -> String {
    let (mantissa, exponent) = (u32::from(encoded >> 4), u32::from(encoded & 0x0f));
    if exponent >= 2 {
        format!("{mantissa}{}m", "0".repeat(exponent as usize - 2))
    } else {
        format!("0.{:02}m", mantissa * 10u32.pow(exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    }

    /// LOC and WKS as BIND prints them (captured from dig against knotd).
    #[test]
    fn loc_and_wks() {
        let bytes = unhex("000016138B3CF018810CBCE0009895B8");
        assert_eq!(
            loc(&mut Cursor::new(&bytes)).as_deref(),
            Some("52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m")
        );
        assert_eq!(wks(&mut Cursor::new(&unhex("0A00000106"))).as_deref(), Some("10.0.0.1 6"));
    }

    /// APL items name their family; an unknown family has no text form.
    #[test]
    fn apl_items() {
        let bytes = [0, 1, 24, 3, 10, 1, 2, 0, 2, 8, 0x81, 0xfd];
        assert_eq!(apl(&mut Cursor::new(&bytes)).as_deref(), Some("1:10.1.2.0/24 !2:fd00::/8"));
        assert_eq!(apl(&mut Cursor::new(&[0, 9, 8, 1, 1])), None);
    }

    /// A6 with a full prefix has no address (BIND still writes both separators); with none, no name.
    #[test]
    fn a6_forms() {
        assert_eq!(a6(&mut Cursor::new(&[128, 1, b'a', 0])).as_deref(), Some("128  a."));
        let full = [&[0u8][..], &[0; 15], &[1]].concat();
        assert_eq!(a6(&mut Cursor::new(&full)).as_deref(), Some("0 ::1"));
    }
}
