//! The only code that touches the link: which interfaces a speaker may announce on ([`interfaces`],
//! read from `/sys/class/net` and `/proc/net/if_inet6`), one AF_PACKET socket per interface that sees only
//! ARP and neighbour solicitations ([`socket`]), and the solicited-node multicast groups joined so
//! solicitations for our addresses reach that socket without promiscuous mode ([`multicast`]).

pub mod interfaces;
pub mod multicast;
pub mod socket;

pub use interfaces::{Interface, scan};
pub use multicast::Memberships;
pub use socket::LinkSocket;
