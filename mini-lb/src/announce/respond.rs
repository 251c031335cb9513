//! How a speaker answers one frame received on one interface: ARP requests (MetalLB's `arpResponder`)
//! and IPv6 neighbour solicitations, multicast, unicast and duplicate address detection alike (where
//! MetalLB's ICMPv6 responder answers only multicast ones with a source link-layer option, #2920).
//! Every frame not answered gets MetalLB's drop reason.

use std::net::{IpAddr, Ipv6Addr};

use super::table::{AnnounceTable, Answer};
use crate::packet::ethernet::{ETHERTYPE_ARP, ETHERTYPE_IPV6};
use crate::packet::ndp::ALL_NODES;
use crate::packet::{ArpOp, ArpPacket, EthernetFrame, Mac, NeighborAdvertisement, NeighborSolicitation};

/// What the responder knows of the interface a frame came in on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkIdentity {
    /// The interface's name.
    pub name: String,
    /// Its MAC, which answers carry.
    pub mac: Mac,
    /// Its IPv6 link-local address, the source of advertisements (none: no NDP).
    pub link_local: Option<Ipv6Addr>,
}

/// Why a frame was not answered, named after MetalLB's `dropReason`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Not a frame this responder reads, or malformed.
    MessageType,
    /// An ARP reply, not a request.
    ArpReply,
    /// Addressed to another MAC.
    EthernetDestination,
    /// The address is not announced here.
    AnnounceIp,
    /// Announced, but not on this interface.
    NotMatchInterface,
    /// An IPv6 solicitation on an interface without a link-local address to answer from.
    NoLinkLocal,
}

/// The responder's verdict on one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Send this frame; it answers a request for `ip`.
    Reply {
        /// The address asked about (the metrics' `ip` label).
        ip: IpAddr,
        /// The answer.
        frame: Vec<u8>,
    },
    /// Send nothing, for this reason.
    Drop(DropReason),
}

/// Answers one received frame.
pub fn respond(bytes: &[u8], link: &LinkIdentity, table: &AnnounceTable) -> Response {
    let Ok(frame) = EthernetFrame::parse(bytes) else { return Response::Drop(DropReason::MessageType) };
    match frame.ethertype {
        ETHERTYPE_ARP => respond_arp(&frame, link, table),
        ETHERTYPE_IPV6 => respond_ndp(&frame, link, table),
        _ => Response::Drop(DropReason::MessageType),
    }
}

fn respond_arp(frame: &EthernetFrame<'_>, link: &LinkIdentity, table: &AnnounceTable) -> Response {
    let Ok(request) = ArpPacket::parse(frame.payload) else { return Response::Drop(DropReason::MessageType) };
    if request.op != ArpOp::Request {
        return Response::Drop(DropReason::ArpReply);
    }
    if frame.destination != Mac::BROADCAST && frame.destination != link.mac {
        return Response::Drop(DropReason::EthernetDestination);
    }
    let ip = IpAddr::V4(request.target_ip);
    if let Some(reason) = refused(table.answer(ip, &link.name)) {
        return Response::Drop(reason);
    }
    let reply = request.reply_from(link.mac).to_frame(request.sender_mac, link.mac);
    Response::Reply { ip, frame: reply }
}

fn respond_ndp(frame: &EthernetFrame<'_>, link: &LinkIdentity, table: &AnnounceTable) -> Response {
    let Ok(solicitation) = NeighborSolicitation::parse(frame.payload) else {
        return Response::Drop(DropReason::MessageType);
    };
    let multicast = frame.destination.0[0] & 1 == 1;
    if !multicast && frame.destination != link.mac {
        return Response::Drop(DropReason::EthernetDestination);
    }
    let ip = IpAddr::V6(solicitation.target);
    if let Some(reason) = refused(table.answer(ip, &link.name)) {
        return Response::Drop(reason);
    }
    let Some(source) = link.link_local else { return Response::Drop(DropReason::NoLinkLocal) };
    let destination = solicitation.reply_destination();
    let advertisement = NeighborAdvertisement {
        source,
        destination,
        target: solicitation.target,
        solicited: destination != ALL_NODES,
        // The owner overrides stale entries, so a client that re-checks an address by unicast after a
        // failover learns the new MAC (MetalLB answers with O=0, leaving such a client on the old one).
        override_: true,
        target_ll: link.mac,
    };
    let to_mac = if destination == ALL_NODES {
        Mac::ipv6_multicast(ALL_NODES)
    } else {
        solicitation.source_ll.unwrap_or(frame.source)
    };
    Response::Reply { ip, frame: advertisement.to_frame(to_mac) }
}

fn refused(answer: Answer) -> Option<DropReason> {
    match answer {
        Answer::Yes => None,
        Answer::NotAnnounced => Some(DropReason::AnnounceIp),
        Answer::OtherInterface => Some(DropReason::NotMatchInterface),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::allocate::ServiceKey;
    use crate::elect::Interfaces;
    use crate::packet::ethernet::frame;
    use crate::packet::ndp::{solicitation_packet, solicited_node_group};

    const OURS: Mac = Mac([2, 0, 0, 0, 0, 0x0b]);
    const CLIENT: Mac = Mac([2, 0, 0, 0, 0, 0x63]);

    fn link() -> LinkIdentity {
        LinkIdentity { name: "eth0".into(), mac: OURS, link_local: Some("fe80::b".parse().expect("ip")) }
    }

    fn table(ips: &[&str], interfaces: Interfaces) -> AnnounceTable {
        let mut table = AnnounceTable::default();
        let ips: Vec<IpAddr> = ips.iter().map(|ip| ip.parse().expect("ip")).collect();
        table.set(&ServiceKey { namespace: "default".into(), name: "web".into() }, &ips, &interfaces);
        table
    }

    fn arp(op: ArpOp, destination: Mac, target: [u8; 4]) -> Vec<u8> {
        let request = ArpPacket {
            op,
            sender_mac: CLIENT,
            sender_ip: Ipv4Addr::new(172, 18, 0, 99),
            target_mac: Mac::ZERO,
            target_ip: Ipv4Addr::from(target),
        };
        request.to_frame(destination, CLIENT)
    }

    /// A broadcast request for an announced address gets one unicast reply from our MAC.
    #[test]
    fn arp_request_is_answered_unicast() {
        let owned = table(&["172.18.255.200"], Interfaces::All);
        let Response::Reply { ip, frame: reply } =
            respond(&arp(ArpOp::Request, Mac::BROADCAST, [172, 18, 255, 200]), &link(), &owned)
        else {
            panic!("no reply");
        };
        assert_eq!(ip, "172.18.255.200".parse::<IpAddr>().expect("ip"));
        let reply_frame = EthernetFrame::parse(&reply).expect("a frame");
        assert_eq!((reply_frame.destination, reply_frame.source), (CLIENT, OURS));
        let packet = ArpPacket::parse(reply_frame.payload).expect("ARP");
        assert_eq!(
            (packet.op, packet.sender_mac, packet.sender_ip),
            (ArpOp::Reply, OURS, Ipv4Addr::new(172, 18, 255, 200))
        );
        assert_eq!((packet.target_mac, packet.target_ip), (CLIENT, Ipv4Addr::new(172, 18, 0, 99)));
        assert!(matches!(
            respond(&arp(ArpOp::Request, OURS, [172, 18, 255, 200]), &link(), &owned),
            Response::Reply { .. }
        ));
    }

    /// Replies, other MACs, other addresses and other interfaces get no answer, each with its reason.
    #[test]
    fn arp_drops() {
        let owned = table(&["172.18.255.200"], Interfaces::All);
        let cases = [
            (arp(ArpOp::Reply, Mac::BROADCAST, [172, 18, 255, 200]), DropReason::ArpReply),
            (arp(ArpOp::Request, Mac([2, 9, 9, 9, 9, 9]), [172, 18, 255, 200]), DropReason::EthernetDestination),
            (arp(ArpOp::Request, Mac::BROADCAST, [172, 18, 255, 201]), DropReason::AnnounceIp),
            (frame(Mac::BROADCAST, CLIENT, 0x0800, &[0; 40]), DropReason::MessageType),
        ];
        for (bytes, reason) in cases {
            assert_eq!(respond(&bytes, &link(), &owned), Response::Drop(reason));
        }
        let elsewhere = table(&["172.18.255.200"], Interfaces::Named(["eth1".to_string()].into()));
        let request = arp(ArpOp::Request, Mac::BROADCAST, [172, 18, 255, 200]);
        assert_eq!(respond(&request, &link(), &elsewhere), Response::Drop(DropReason::NotMatchInterface));
    }

    fn ns(source: &str, destination: Ipv6Addr, eth_destination: Mac, source_ll: Option<Mac>) -> Vec<u8> {
        let target = "fc00::c8".parse().expect("ip");
        frame(
            eth_destination,
            CLIENT,
            ETHERTYPE_IPV6,
            &solicitation_packet(source.parse().expect("ip"), destination, target, source_ll),
        )
    }

    fn advertisement(response: Response) -> (Mac, Vec<u8>) {
        let Response::Reply { frame: bytes, .. } = response else { panic!("no reply: {response:?}") };
        let frame = EthernetFrame::parse(&bytes).expect("a frame");
        (frame.destination, frame.payload.to_vec())
    }

    /// A multicast solicitation is answered to its source with S=1, O=1 and our MAC as target option.
    #[test]
    fn multicast_solicitation() {
        let owned = table(&["fc00::c8"], Interfaces::All);
        let group = solicited_node_group("fc00::c8".parse().expect("ip"));
        let (to, packet) =
            advertisement(respond(&ns("fe80::1", group, Mac::ipv6_multicast(group), Some(CLIENT)), &link(), &owned));
        assert_eq!(to, CLIENT);
        assert_eq!(&packet[24..40], &"fe80::1".parse::<Ipv6Addr>().expect("ip").octets());
        assert_eq!(&packet[8..24], &"fe80::b".parse::<Ipv6Addr>().expect("ip").octets());
        assert_eq!((packet[40], packet[44]), (136, 0x60));
        assert_eq!(&packet[66..72], &OURS.0);
    }

    /// A unicast solicitation without a source option (a reachability check) is answered to the frame's MAC.
    #[test]
    fn unicast_solicitation() {
        let owned = table(&["fc00::c8"], Interfaces::All);
        let target = "fc00::c8".parse().expect("ip");
        let (to, packet) = advertisement(respond(&ns("fc00::63", target, OURS, None), &link(), &owned));
        assert_eq!((to, packet[44]), (CLIENT, 0x60));
        assert_eq!(
            respond(&ns("fc00::63", target, Mac([2, 9, 9, 9, 9, 9]), None), &link(), &owned),
            Response::Drop(DropReason::EthernetDestination)
        );
    }

    /// A duplicate address probe for an announced address is answered to all nodes with S=0.
    #[test]
    fn duplicate_address_detection() {
        let owned = table(&["fc00::c8"], Interfaces::All);
        let group = solicited_node_group("fc00::c8".parse().expect("ip"));
        let (to, packet) = advertisement(respond(&ns("::", group, Mac::ipv6_multicast(group), None), &link(), &owned));
        assert_eq!(to, Mac([0x33, 0x33, 0, 0, 0, 1]));
        assert_eq!(&packet[24..40], &ALL_NODES.octets());
        assert_eq!(packet[44], 0x20);
    }

    /// Solicitations for other addresses, or on an interface without link-local, get no answer.
    #[test]
    fn ndp_drops() {
        let group = solicited_node_group("fc00::c8".parse().expect("ip"));
        let request = ns("fe80::1", group, Mac::ipv6_multicast(group), Some(CLIENT));
        assert_eq!(
            respond(&request, &link(), &table(&["fc00::c9"], Interfaces::All)),
            Response::Drop(DropReason::AnnounceIp)
        );
        let no_ipv6 = LinkIdentity { link_local: None, ..link() };
        assert_eq!(
            respond(&request, &no_ipv6, &table(&["fc00::c8"], Interfaces::All)),
            Response::Drop(DropReason::NoLinkLocal)
        );
    }
}
