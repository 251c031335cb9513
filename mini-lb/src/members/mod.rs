//! Who is alive: SWIM membership between speakers, with foca driving the protocol and this module doing
//! its I/O (one UDP socket, timers, the join list) and publishing the live node names.
//!
//! [`identity`] is what a speaker is known by (node name, gossip address, incarnation); [`crypto`] seals
//! packets with memberlist's pre-shared-key scheme (AES-256-GCM, key derived from the secret as MetalLB
//! derives it); [`gossip`] runs the member. Timers default far below memberlist's LAN ones (probe every
//! 100 ms, 40 ms for a direct answer, 250 ms of suspicion) so a dead node is out within about half a
//! second; a suspected node still counts as alive, as memberlist's `Members()` does, so one slow answer
//! never moves an address.

pub mod crypto;
pub mod gossip;
pub mod identity;

pub use crypto::SecretKey;
pub use gossip::{Gossip, GossipTimers, LiveMembers};
pub use identity::Member;
