//! One interface's gratuitous round for one address: for IPv4 MetalLB's broadcast ARP request and reply
//! (both, for clients that accept only one kind, #172); for IPv6 one unsolicited Neighbor Advertisement
//! with Override set, from the interface's link-local address to all nodes.

use std::net::IpAddr;

use super::respond::LinkIdentity;
use crate::packet::arp::gratuitous_frames;
use crate::packet::ndp::ALL_NODES;
use crate::packet::{Mac, NeighborAdvertisement};

/// The frames of one round for `ip` on `link` (none for IPv6 on an interface without link-local).
pub fn round(ip: IpAddr, link: &LinkIdentity) -> Vec<Vec<u8>> {
    match ip {
        IpAddr::V4(v4) => gratuitous_frames(link.mac, v4).to_vec(),
        IpAddr::V6(v6) => link
            .link_local
            .map(|source| {
                let na = NeighborAdvertisement {
                    source,
                    destination: ALL_NODES,
                    target: v6,
                    solicited: false,
                    override_: true,
                    target_ll: link.mac,
                };
                na.to_frame(Mac::ipv6_multicast(ALL_NODES))
            })
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::EthernetFrame;

    fn link(link_local: Option<&str>) -> LinkIdentity {
        LinkIdentity {
            name: "eth0".into(),
            mac: Mac([2, 0, 0, 0, 0, 0x0b]),
            link_local: link_local.map(|l| l.parse().expect("ip")),
        }
    }

    /// IPv4 rounds are two broadcast frames; IPv6 one unsolicited NA (O=1, S=0) to ff02::1.
    #[test]
    fn rounds_per_family() {
        assert_eq!(round("172.18.255.200".parse().expect("ip"), &link(None)).len(), 2);
        let v6 = round("fc00::c8".parse().expect("ip"), &link(Some("fe80::b")));
        assert_eq!(v6.len(), 1);
        let frame = EthernetFrame::parse(&v6[0]).expect("a frame");
        assert_eq!(frame.destination, Mac([0x33, 0x33, 0, 0, 0, 1]));
        assert_eq!((frame.payload[40], frame.payload[44]), (136, 0x20));
        assert!(round("fc00::c8".parse().expect("ip"), &link(None)).is_empty());
    }
}
