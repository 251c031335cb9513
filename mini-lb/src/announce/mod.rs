//! What this speaker announces and how it answers the link, without touching a socket.
//!
//! [`table`] holds the announced addresses per Service and interface, refcounted across Services that
//! share an address (MetalLB's `Announce`); [`respond`](mod@respond) decides, for one received frame, whether and
//! what to answer, with MetalLB's drop reasons; [`schedule`] is the gratuitous ARP / unsolicited NA
//! timetable (at once, then every 1.1 s until 5 s after the last confirmation); [`gratuitous`] builds
//! those frames for one interface.

pub mod gratuitous;
pub mod respond;
pub mod schedule;
pub mod table;

pub use respond::{DropReason, LinkIdentity, Response, respond};
pub use schedule::GratuitousSchedule;
pub use table::AnnounceTable;
