//! One AF_PACKET socket per interface, bound to it, that the kernel hands only what a responder needs:
//! ARP frames and ICMPv6 neighbour solicitations, received (never our own outgoing frames). The filter
//! is a classic BPF program run in the kernel, so a busy node does not copy its traffic to us. The
//! interface is never put in promiscuous mode.
//!
//! The socket comes from the `afpacket` crate: binding an AF_PACKET socket needs a `sockaddr_ll`, which
//! neither socket2 nor nix can build without `unsafe`, and this workspace forbids `unsafe`. tokio's
//! `AsyncFd` makes it async.

use std::io::{self, Read, Write};

use afpacket::sync::RawPacketStream;
use tokio::io::unix::AsyncFd;

/// Classic BPF opcodes (linux/filter.h).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_LD_H_ABS: u16 = 0x28;
const BPF_LD_B_ABS: u16 = 0x30;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
/// The ancillary load of the packet type: SKF_AD_OFF (-0x1000) + SKF_AD_PKTTYPE (4).
const SKF_AD_PKTTYPE: u32 = 0xffff_f004;
/// PACKET_OUTGOING: a frame this host sent.
const PACKET_OUTGOING: u32 = 4;
/// Offsets in an Ethernet frame: EtherType, IPv6 next header, ICMPv6 type.
const OFFSET_ETHERTYPE: u32 = 12;
const OFFSET_NEXT_HEADER: u32 = 14 + 6;
const OFFSET_ICMPV6_TYPE: u32 = 14 + 40;
/// Keep the whole frame / drop it.
const ACCEPT: u32 = 0xffff;
const DROP: u32 = 0;

/// Accept incoming ARP, and incoming IPv6 whose next header is ICMPv6 of type 135; drop the rest.
const FILTER: [(u16, u8, u8, u32); 11] = [
    (BPF_LD_W_ABS, 0, 0, SKF_AD_PKTTYPE),
    (BPF_JEQ_K, 8, 0, PACKET_OUTGOING),
    (BPF_LD_H_ABS, 0, 0, OFFSET_ETHERTYPE),
    (BPF_JEQ_K, 5, 0, 0x0806),
    (BPF_JEQ_K, 0, 5, 0x86dd),
    (BPF_LD_B_ABS, 0, 0, OFFSET_NEXT_HEADER),
    (BPF_JEQ_K, 0, 3, 58),
    (BPF_LD_B_ABS, 0, 0, OFFSET_ICMPV6_TYPE),
    (BPF_JEQ_K, 0, 1, 135),
    (BPF_RET_K, 0, 0, ACCEPT),
    (BPF_RET_K, 0, 0, DROP),
];

/// A raw socket on one interface.
#[derive(Debug)]
pub struct LinkSocket {
    fd: AsyncFd<RawPacketStream>,
}

impl LinkSocket {
    /// Opens the socket on the interface `name` (needs CAP_NET_RAW).
    pub fn open(name: &str) -> io::Result<LinkSocket> {
        let mut stream = RawPacketStream::new()?;
        stream.set_bpf_filter(FILTER.to_vec())?;
        stream.bind(name)?;
        // Frames from any interface may have queued between socket() and bind(): discard them.
        stream.drain();
        stream.set_non_blocking()?;
        // tokio 1.54 deprecates the safe constructors because an `AsRawFd` value could close its fd while
        // registered; here the `AsyncFd` owns the stream, which owns the fd, so it cannot. The replacement,
        // `register`, is `unsafe`, which this workspace forbids.
        #[allow(deprecated)]
        let fd = AsyncFd::new(stream)?;
        Ok(LinkSocket { fd })
    }

    /// Receives one frame into `buffer`.
    pub async fn recv(&self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|inner| {
                let mut stream = inner.get_ref();
                stream.read(buffer)
            }) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Sends one frame.
    pub async fn send(&self, frame: &[u8]) -> io::Result<()> {
        loop {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|inner| {
                let mut stream = inner.get_ref();
                stream.write(frame)
            }) {
                Ok(result) => return result.map(|_| ()),
                Err(_would_block) => continue,
            }
        }
    }
}
