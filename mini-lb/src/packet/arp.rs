//! ARP over Ethernet for IPv4 (RFC 826): requests, replies, and the gratuitous pair MetalLB sends on
//! takeover (a request and a reply, both with sender and target address the announced one).

use std::net::Ipv4Addr;

use super::PacketError;
use super::ethernet::{ETHERTYPE_ARP, Mac, frame};

/// Hardware type Ethernet.
const HTYPE_ETHERNET: u16 = 1;
/// Protocol type IPv4.
const PTYPE_IPV4: u16 = 0x0800;
const HLEN: u8 = 6;
const PLEN: u8 = 4;
/// An ARP packet for Ethernet and IPv4.
pub const ARP_LEN: usize = 28;

/// The ARP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpOp {
    /// Who has this address?
    Request,
    /// I have it.
    Reply,
}

impl ArpOp {
    const REQUEST: u16 = 1;
    const REPLY: u16 = 2;
}

/// One ARP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpPacket {
    /// Request or reply.
    pub op: ArpOp,
    /// The sender's MAC.
    pub sender_mac: Mac,
    /// The sender's IPv4 address.
    pub sender_ip: Ipv4Addr,
    /// The target's MAC (zero or broadcast in a request).
    pub target_mac: Mac,
    /// The address asked about (request) or answered to (reply).
    pub target_ip: Ipv4Addr,
}

impl ArpPacket {
    /// Reads an Ethernet/IPv4 ARP packet (trailing padding is ignored).
    pub fn parse(bytes: &[u8]) -> Result<ArpPacket, PacketError> {
        if bytes.len() < ARP_LEN {
            return Err(PacketError::Truncated { what: "ARP packet", len: bytes.len(), need: ARP_LEN });
        }
        let u16_at = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        expect("ARP hardware type", u32::from(u16_at(0)), u32::from(HTYPE_ETHERNET))?;
        expect("ARP protocol type", u32::from(u16_at(2)), u32::from(PTYPE_IPV4))?;
        expect("ARP hardware length", u32::from(bytes[4]), u32::from(HLEN))?;
        expect("ARP protocol length", u32::from(bytes[5]), u32::from(PLEN))?;
        let op = match u16_at(6) {
            ArpOp::REQUEST => ArpOp::Request,
            ArpOp::REPLY => ArpOp::Reply,
            other => {
                return Err(PacketError::Unexpected { field: "ARP operation", value: u32::from(other), expected: 1 });
            }
        };
        let mac = |at: usize| {
            let mut m = [0u8; 6];
            m.copy_from_slice(&bytes[at..at + 6]);
            Mac(m)
        };
        let ip = |at: usize| Ipv4Addr::new(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
        Ok(ArpPacket { op, sender_mac: mac(8), sender_ip: ip(14), target_mac: mac(18), target_ip: ip(24) })
    }

    /// The packet's 28 bytes.
    pub fn to_bytes(&self) -> [u8; ARP_LEN] {
        let mut bytes = [0u8; ARP_LEN];
        bytes[0..2].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
        bytes[2..4].copy_from_slice(&PTYPE_IPV4.to_be_bytes());
        bytes[4] = HLEN;
        bytes[5] = PLEN;
        let op = match self.op {
            ArpOp::Request => ArpOp::REQUEST,
            ArpOp::Reply => ArpOp::REPLY,
        };
        bytes[6..8].copy_from_slice(&op.to_be_bytes());
        bytes[8..14].copy_from_slice(&self.sender_mac.0);
        bytes[14..18].copy_from_slice(&self.sender_ip.octets());
        bytes[18..24].copy_from_slice(&self.target_mac.0);
        bytes[24..28].copy_from_slice(&self.target_ip.octets());
        bytes
    }

    /// The reply to this request from `our_mac` for the address asked about, as mdlayher/arp builds it:
    /// sender (our MAC, the address), target (the requester's MAC and address).
    pub fn reply_from(&self, our_mac: Mac) -> ArpPacket {
        ArpPacket {
            op: ArpOp::Reply,
            sender_mac: our_mac,
            sender_ip: self.target_ip,
            target_mac: self.sender_mac,
            target_ip: self.sender_ip,
        }
    }

    /// This packet in an Ethernet frame from `source` to `destination`.
    pub fn to_frame(&self, destination: Mac, source: Mac) -> Vec<u8> {
        frame(destination, source, ETHERTYPE_ARP, &self.to_bytes())
    }
}

/// The two gratuitous frames MetalLB sends per interface and round: a request and a reply, broadcast,
/// with sender and target address `ip` and target MAC broadcast.
pub fn gratuitous_frames(our_mac: Mac, ip: Ipv4Addr) -> [Vec<u8>; 2] {
    [ArpOp::Request, ArpOp::Reply].map(|op| {
        ArpPacket { op, sender_mac: our_mac, sender_ip: ip, target_mac: Mac::BROADCAST, target_ip: ip }
            .to_frame(Mac::BROADCAST, our_mac)
    })
}

fn expect(field: &'static str, value: u32, expected: u32) -> Result<(), PacketError> {
    if value == expected { Ok(()) } else { Err(PacketError::Unexpected { field, value, expected }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::ethernet::EthernetFrame;

    /// A request as `arping` sends it, byte for byte, parses; the reply swaps the roles.
    #[test]
    fn request_parses_and_reply_swaps_roles() {
        let request = [
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // Ethernet/IPv4, request
            0x02, 0x00, 0x00, 0x00, 0x00, 0x63, 172, 18, 0, 99, // sender
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 172, 18, 255, 200, // target
        ];
        let packet = ArpPacket::parse(&request).expect("an ARP request");
        assert_eq!(packet.op, ArpOp::Request);
        assert_eq!(packet.target_ip, Ipv4Addr::new(172, 18, 255, 200));
        let ours: Mac = "02:00:00:00:00:0b".parse().expect("a MAC");
        let reply = packet.reply_from(ours);
        assert_eq!((reply.sender_mac, reply.sender_ip), (ours, Ipv4Addr::new(172, 18, 255, 200)));
        assert_eq!((reply.target_mac, reply.target_ip), (packet.sender_mac, Ipv4Addr::new(172, 18, 0, 99)));
        assert_eq!(ArpPacket::parse(&reply.to_bytes()), Ok(reply));
        assert_eq!(&reply.to_bytes()[6..8], &[0, 2]);
    }

    /// Non-Ethernet, non-IPv4, truncated and unknown-operation packets are refused.
    #[test]
    fn foreign_packets_are_refused() {
        let good = ArpPacket {
            op: ArpOp::Request,
            sender_mac: Mac::ZERO,
            sender_ip: Ipv4Addr::LOCALHOST,
            target_mac: Mac::ZERO,
            target_ip: Ipv4Addr::LOCALHOST,
        }
        .to_bytes();
        for (at, value) in [(1, 6u8), (2, 0x86), (4, 8), (7, 9)] {
            let mut bad = good;
            bad[at] = value;
            assert!(ArpPacket::parse(&bad).is_err(), "byte {at} = {value}");
        }
        assert!(ArpPacket::parse(&good[..27]).is_err());
    }

    /// A gratuitous round is a broadcast request and reply with sender = target = the address.
    #[test]
    fn gratuitous_pair() {
        let ours: Mac = "02:00:00:00:00:0b".parse().expect("a MAC");
        let ip = Ipv4Addr::new(172, 18, 255, 200);
        let ops: Vec<ArpOp> = gratuitous_frames(ours, ip)
            .iter()
            .map(|bytes| {
                let frame = EthernetFrame::parse(bytes).expect("a frame");
                assert_eq!((frame.destination, frame.source), (Mac::BROADCAST, ours));
                let packet = ArpPacket::parse(frame.payload).expect("ARP");
                assert_eq!((packet.sender_ip, packet.target_ip, packet.target_mac), (ip, ip, Mac::BROADCAST));
                packet.op
            })
            .collect();
        assert_eq!(ops, [ArpOp::Request, ArpOp::Reply]);
    }
}
