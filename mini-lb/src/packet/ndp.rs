//! IPv6 neighbour discovery (RFC 4861) on the wire: the IPv6 header, Neighbor Solicitations in and
//! Neighbor Advertisements out, the link-layer address options and the ICMPv6 checksum (RFC 4443 over
//! the RFC 8200 pseudo-header). Solicitations are checked as RFC 4861 §7.1.1 asks: hop limit 255, code
//! 0, a valid checksum, and no source link-layer option when the source is unspecified (DAD).

use std::net::Ipv6Addr;

use super::PacketError;
use super::ethernet::{ETHERTYPE_IPV6, Mac, frame};

/// IPv6's fixed header.
pub const IPV6_HEADER_LEN: usize = 40;
/// Next header value of ICMPv6.
pub const NEXT_HEADER_ICMPV6: u8 = 58;
/// The hop limit of every neighbour discovery message, which proves it was not routed.
pub const NDP_HOP_LIMIT: u8 = 255;
/// ICMPv6 type of a Neighbor Solicitation.
pub const ICMPV6_NEIGHBOR_SOLICITATION: u8 = 135;
/// ICMPv6 type of a Neighbor Advertisement.
pub const ICMPV6_NEIGHBOR_ADVERTISEMENT: u8 = 136;
/// Option: source link-layer address.
const OPTION_SOURCE_LL: u8 = 1;
/// Option: target link-layer address.
const OPTION_TARGET_LL: u8 = 2;
/// Type, code, checksum, reserved/flags and the target address.
const ND_MESSAGE_LEN: usize = 24;
/// NA flags.
const FLAG_SOLICITED: u8 = 0x40;
const FLAG_OVERRIDE: u8 = 0x20;

/// ff02::1, every node on the link.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// The solicited-node multicast group of an address (ff02::1:ffXX:XXXX), which solicitations go to.
pub fn solicited_node_group(address: Ipv6Addr) -> Ipv6Addr {
    let o = address.octets();
    Ipv6Addr::from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15]])
}

/// A Neighbor Solicitation as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborSolicitation {
    /// The IPv6 source (`::` for duplicate address detection).
    pub source: Ipv6Addr,
    /// The IPv6 destination (the solicited-node group, or the target itself for unreachability checks).
    pub destination: Ipv6Addr,
    /// The address asked about.
    pub target: Ipv6Addr,
    /// The sender's link-layer address option, if present.
    pub source_ll: Option<Mac>,
}

impl NeighborSolicitation {
    /// Reads an IPv6 packet holding a Neighbor Solicitation.
    pub fn parse(packet: &[u8]) -> Result<NeighborSolicitation, PacketError> {
        let (source, destination, icmp) = ipv6_icmp(packet)?;
        if icmp.len() < ND_MESSAGE_LEN {
            return Err(PacketError::Truncated {
                what: "neighbor solicitation",
                len: icmp.len(),
                need: ND_MESSAGE_LEN,
            });
        }
        unexpected("ICMPv6 type", icmp[0], ICMPV6_NEIGHBOR_SOLICITATION)?;
        unexpected("ICMPv6 code", icmp[1], 0)?;
        if checksum(source, destination, icmp) != 0 {
            return Err(PacketError::Checksum);
        }
        let target = address_at(icmp, 8);
        let source_ll = link_layer_option(&icmp[ND_MESSAGE_LEN..], OPTION_SOURCE_LL);
        if source.is_unspecified() && source_ll.is_some() {
            return Err(PacketError::Unexpected { field: "DAD source link-layer option", value: 1, expected: 0 });
        }
        Ok(NeighborSolicitation { source, destination, target, source_ll })
    }

    /// Where the answer goes, by RFC 4861 §7.2.4: to the soliciting address, or to all nodes for DAD.
    pub fn reply_destination(&self) -> Ipv6Addr {
        if self.source.is_unspecified() { ALL_NODES } else { self.source }
    }
}

/// A Neighbor Advertisement to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborAdvertisement {
    /// The IPv6 source: the interface's link-local address, as MetalLB's responder uses.
    pub source: Ipv6Addr,
    /// The IPv6 destination.
    pub destination: Ipv6Addr,
    /// The address advertised.
    pub target: Ipv6Addr,
    /// An answer to a solicitation (not a DAD one, nor an unsolicited announcement).
    pub solicited: bool,
    /// Receivers should replace an existing cache entry.
    pub override_: bool,
    /// Our MAC, in the target link-layer option.
    pub target_ll: Mac,
}

impl NeighborAdvertisement {
    /// The IPv6 packet (header, ICMPv6 message, option), checksummed.
    pub fn to_packet(&self) -> Vec<u8> {
        let mut icmp = vec![0u8; ND_MESSAGE_LEN + 8];
        icmp[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
        icmp[4] = if self.solicited { FLAG_SOLICITED } else { 0 } | if self.override_ { FLAG_OVERRIDE } else { 0 };
        icmp[8..24].copy_from_slice(&self.target.octets());
        icmp[24] = OPTION_TARGET_LL;
        icmp[25] = 1;
        icmp[26..32].copy_from_slice(&self.target_ll.0);
        let sum = checksum(self.source, self.destination, &icmp);
        icmp[2..4].copy_from_slice(&sum.to_be_bytes());
        ipv6_packet(self.source, self.destination, &icmp)
    }

    /// The packet in an Ethernet frame from our MAC to `destination`.
    pub fn to_frame(&self, destination: Mac) -> Vec<u8> {
        frame(destination, self.target_ll, ETHERTYPE_IPV6, &self.to_packet())
    }
}

/// An IPv6 header (hop limit 255, next header ICMPv6) followed by `icmp`.
pub fn ipv6_packet(source: Ipv6Addr, destination: Ipv6Addr, icmp: &[u8]) -> Vec<u8> {
    let mut packet = Vec::with_capacity(IPV6_HEADER_LEN + icmp.len());
    packet.extend_from_slice(&[0x60, 0, 0, 0]);
    packet.extend_from_slice(&u16::try_from(icmp.len()).unwrap_or(u16::MAX).to_be_bytes());
    packet.push(NEXT_HEADER_ICMPV6);
    packet.push(NDP_HOP_LIMIT);
    packet.extend_from_slice(&source.octets());
    packet.extend_from_slice(&destination.octets());
    packet.extend_from_slice(icmp);
    packet
}

/// Splits an IPv6 packet whose next header is ICMPv6 with hop limit 255 into its addresses and message.
fn ipv6_icmp(packet: &[u8]) -> Result<(Ipv6Addr, Ipv6Addr, &[u8]), PacketError> {
    if packet.len() < IPV6_HEADER_LEN {
        return Err(PacketError::Truncated { what: "IPv6 header", len: packet.len(), need: IPV6_HEADER_LEN });
    }
    unexpected("IP version", packet[0] >> 4, 6)?;
    unexpected("IPv6 next header", packet[6], NEXT_HEADER_ICMPV6)?;
    unexpected("IPv6 hop limit", packet[7], NDP_HOP_LIMIT)?;
    let payload_len = usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    let end = IPV6_HEADER_LEN + payload_len;
    if packet.len() < end {
        return Err(PacketError::Truncated { what: "IPv6 payload", len: packet.len(), need: end });
    }
    Ok((address_at(packet, 8), address_at(packet, 24), &packet[IPV6_HEADER_LEN..end]))
}

/// The ICMPv6 checksum of `message` (zero when the message's own checksum field is right).
pub fn checksum(source: Ipv6Addr, destination: Ipv6Addr, message: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
            sum += u32::from(word);
        }
    };
    add(&source.octets());
    add(&destination.octets());
    add(&u32::try_from(message.len()).unwrap_or(u32::MAX).to_be_bytes());
    add(&[0, 0, 0, NEXT_HEADER_ICMPV6]);
    add(message);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(u16::MAX)
}

/// The MAC in the first option of `kind` among `options` (type, length in 8-byte units, value).
fn link_layer_option(mut options: &[u8], kind: u8) -> Option<Mac> {
    while options.len() >= 8 {
        let len = usize::from(options[1]) * 8;
        if len == 0 || len > options.len() {
            return None;
        }
        if options[0] == kind {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&options[2..8]);
            return Some(Mac(mac));
        }
        options = &options[len..];
    }
    None
}

fn address_at(bytes: &[u8], at: usize) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&bytes[at..at + 16]);
    Ipv6Addr::from(octets)
}

fn unexpected(field: &'static str, value: u8, expected: u8) -> Result<(), PacketError> {
    if value == expected {
        Ok(())
    } else {
        Err(PacketError::Unexpected { field, value: u32::from(value), expected: u32::from(expected) })
    }
}

/// A Neighbor Solicitation packet, as a client sends it: for tests here and in the responder.
pub fn solicitation_packet(
    source: Ipv6Addr,
    destination: Ipv6Addr,
    target: Ipv6Addr,
    source_ll: Option<Mac>,
) -> Vec<u8> {
    let mut icmp = vec![0u8; ND_MESSAGE_LEN];
    icmp[0] = ICMPV6_NEIGHBOR_SOLICITATION;
    icmp[8..24].copy_from_slice(&target.octets());
    if let Some(mac) = source_ll {
        icmp.extend_from_slice(&[OPTION_SOURCE_LL, 1]);
        icmp.extend_from_slice(&mac.0);
    }
    let sum = checksum(source, destination, &icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    ipv6_packet(source, destination, &icmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Ipv6Addr {
        text.parse().expect("an IPv6 address")
    }

    /// A solicitation written out by hand (checksum computed with Python), fe80::1 asking for fc00::c8, parses.
    #[test]
    fn captured_solicitation_parses() {
        let captured: [u8; 72] = [
            0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
            0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x00, 0x00, 0xc8, 0x87, 0x00, 0x7b, 0x29, 0, 0, 0, 0,
            0xfc, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc8, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x63,
        ];
        let built =
            solicitation_packet(ip("fe80::1"), ip("ff02::1:ff00:c8"), ip("fc00::c8"), Some(Mac([2, 0, 0, 0, 0, 0x63])));
        assert_eq!(built, captured);
        let ns = NeighborSolicitation::parse(&captured).expect("a solicitation");
        assert_eq!((ns.target, ns.source_ll), (ip("fc00::c8"), Some(Mac([2, 0, 0, 0, 0, 0x63]))));
        assert_eq!(ns.reply_destination(), ip("fe80::1"));
    }

    /// A corrupted checksum, a routed hop limit or another ICMPv6 type is refused.
    #[test]
    fn bad_solicitations_are_refused() {
        let good = solicitation_packet(ip("fe80::1"), ip("fc00::c8"), ip("fc00::c8"), None);
        let mut corrupt = good.clone();
        corrupt[60] ^= 1;
        assert_eq!(NeighborSolicitation::parse(&corrupt), Err(PacketError::Checksum));
        let mut routed = good.clone();
        routed[7] = 64;
        assert!(NeighborSolicitation::parse(&routed).is_err());
        let mut other_type = good;
        other_type[40] = 128;
        assert!(NeighborSolicitation::parse(&other_type).is_err());
    }

    /// A DAD probe (source ::) parses and is answered to all nodes; with a source option it is refused.
    #[test]
    fn duplicate_address_detection() {
        let dad =
            solicitation_packet(Ipv6Addr::UNSPECIFIED, solicited_node_group(ip("fc00::c8")), ip("fc00::c8"), None);
        assert_eq!(NeighborSolicitation::parse(&dad).expect("DAD").reply_destination(), ALL_NODES);
        let bad = solicitation_packet(Ipv6Addr::UNSPECIFIED, ip("ff02::1:ff00:c8"), ip("fc00::c8"), Some(Mac::ZERO));
        assert!(NeighborSolicitation::parse(&bad).is_err());
    }

    /// An advertisement carries its flags, target and target option, with a checksum that verifies.
    #[test]
    fn advertisement_bytes() {
        let na = NeighborAdvertisement {
            source: ip("fe80::b"),
            destination: ip("fe80::1"),
            target: ip("fc00::c8"),
            solicited: true,
            override_: true,
            target_ll: Mac([2, 0, 0, 0, 0, 0x0b]),
        };
        let packet = na.to_packet();
        assert_eq!((packet[6], packet[7], packet[40], packet[44]), (58, 255, 136, 0x60));
        assert_eq!(&packet[48..64], &ip("fc00::c8").octets());
        assert_eq!(&packet[64..72], &[2, 1, 2, 0, 0, 0, 0, 0x0b]);
        assert_eq!(checksum(na.source, na.destination, &packet[40..]), 0);
        let unsolicited = NeighborAdvertisement { solicited: false, ..na }.to_packet();
        assert_eq!(unsolicited[44], 0x20);
    }

    /// The solicited-node group keeps the last 24 bits.
    #[test]
    fn solicited_node_groups() {
        assert_eq!(solicited_node_group(ip("fc00:f853:ccd:e793::12:34c8")), ip("ff02::1:ff12:34c8"));
    }
}
