//! The frames a speaker reads and writes, as bytes and back: [`ethernet`] (the frame and MAC
//! addresses), [`arp`] (RFC 826 requests and replies, gratuitous ones included) and [`ndp`] (the IPv6
//! header and ICMPv6 neighbour solicitations and advertisements, RFC 4861, with their checksum).
//! Hand-written, no I/O; protocol numbers are named constants.

pub mod arp;
pub mod ethernet;
pub mod ndp;

pub use arp::{ArpOp, ArpPacket};
pub use ethernet::{EthernetFrame, Mac};
pub use ndp::{NeighborAdvertisement, NeighborSolicitation};

/// Why bytes are not the frame expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Fewer bytes than the header needs.
    #[error("{what} is truncated: {len} bytes, need {need}")]
    Truncated {
        /// Which header.
        what: &'static str,
        /// Bytes present.
        len: usize,
        /// Bytes needed.
        need: usize,
    },
    /// A field holds a value this code does not handle (another hardware type, another ICMPv6 type...).
    #[error("{field} is {value:#x}, expected {expected:#x}")]
    Unexpected {
        /// Which field.
        field: &'static str,
        /// What it holds.
        value: u32,
        /// What was expected.
        expected: u32,
    },
    /// The ICMPv6 checksum does not match the packet.
    #[error("bad ICMPv6 checksum")]
    Checksum,
}
