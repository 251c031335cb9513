//! Ethernet II frames (destination, source, EtherType, payload) and MAC addresses.

use std::fmt;
use std::str::FromStr;

use super::PacketError;

/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// Destination, source and EtherType.
pub const HEADER_LEN: usize = 14;
/// The shortest frame on the wire without its FCS; shorter ones are padded with zeros.
pub const MIN_FRAME_LEN: usize = 60;

/// A 48-bit MAC address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    /// 00:00:00:00:00:00, the unknown target of an ARP request.
    pub const ZERO: Mac = Mac([0; 6]);

    /// The Ethernet multicast address of an IPv6 multicast group (RFC 2464: 33:33 and its last 32 bits).
    pub fn ipv6_multicast(group: std::net::Ipv6Addr) -> Mac {
        let o = group.octets();
        Mac([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl FromStr for Mac {
    type Err = String;

    /// Parses `aa:bb:cc:dd:ee:ff`, as `/sys/class/net/*/address` and `ip link` print it.
    fn from_str(text: &str) -> Result<Mac, String> {
        let mut mac = [0u8; 6];
        let mut parts = text.trim().split(':');
        for byte in &mut mac {
            let part = parts.next().ok_or_else(|| format!("{text:?} is not a MAC address"))?;
            *byte = u8::from_str_radix(part, 16).map_err(|_| format!("{text:?} is not a MAC address"))?;
        }
        if parts.next().is_some() {
            return Err(format!("{text:?} is not a MAC address"));
        }
        Ok(Mac(mac))
    }
}

/// One frame, borrowed from the bytes it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetFrame<'a> {
    /// Where it goes.
    pub destination: Mac,
    /// Who sent it.
    pub source: Mac,
    /// What it carries.
    pub ethertype: u16,
    /// The carried packet (with any padding).
    pub payload: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Reads a frame.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PacketError> {
        if bytes.len() < HEADER_LEN {
            return Err(PacketError::Truncated { what: "Ethernet header", len: bytes.len(), need: HEADER_LEN });
        }
        let mac = |at: usize| {
            let mut m = [0u8; 6];
            m.copy_from_slice(&bytes[at..at + 6]);
            Mac(m)
        };
        Ok(EthernetFrame {
            destination: mac(0),
            source: mac(6),
            ethertype: u16::from_be_bytes([bytes[12], bytes[13]]),
            payload: &bytes[HEADER_LEN..],
        })
    }
}

/// A frame's bytes, padded to the minimum length.
pub fn frame(destination: Mac, source: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity((HEADER_LEN + payload.len()).max(MIN_FRAME_LEN));
    bytes.extend_from_slice(&destination.0);
    bytes.extend_from_slice(&source.0);
    bytes.extend_from_slice(&ethertype.to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes.resize(bytes.len().max(MIN_FRAME_LEN), 0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame written and read back keeps its fields; short frames are padded to 60 bytes.
    #[test]
    fn round_trip_and_padding() {
        let source: Mac = "02:42:ac:12:00:02".parse().expect("a MAC");
        let bytes = frame(Mac::BROADCAST, source, ETHERTYPE_ARP, &[1, 2, 3]);
        assert_eq!(bytes.len(), MIN_FRAME_LEN);
        let parsed = EthernetFrame::parse(&bytes).expect("a frame");
        assert_eq!((parsed.destination, parsed.source, parsed.ethertype), (Mac::BROADCAST, source, ETHERTYPE_ARP));
        assert_eq!(&parsed.payload[..3], &[1, 2, 3]);
        assert!(EthernetFrame::parse(&bytes[..13]).is_err());
    }

    /// MACs print and parse as Linux writes them; IPv6 groups map to 33:33 addresses.
    #[test]
    fn mac_text_and_multicast() {
        let mac: Mac = "0a:1B:2c:3d:4e:5f".parse().expect("a MAC");
        assert_eq!(mac.to_string(), "0a:1b:2c:3d:4e:5f");
        assert!("0a:1b:2c".parse::<Mac>().is_err());
        assert!("0a:1b:2c:3d:4e:5f:00".parse::<Mac>().is_err());
        let group = "ff02::1:ff00:c8".parse().expect("an address");
        assert_eq!(Mac::ipv6_multicast(group).to_string(), "33:33:ff:00:00:c8");
    }
}
