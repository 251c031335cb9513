//! The only socket code, behind one small trait.
//!
//! An [`Exchange`] sends one query to one server under one timer and returns what BIND would report while
//! it waited ([`event::Event`]s) and how the try ended, with the reply parsed once. [`sockets::Sockets`] is
//! the real one (UDP in [`udp`], TCP and zone transfers in [`tcp`], the per-message checks in [`screen`]);
//! the tools' flows are tested against a scripted one. Retries, the order servers are tried in and the
//! fallback to TCP are the tools' decisions, not this layer's. Nothing here formats output.

pub mod event;
pub mod screen;
pub mod sockets;
pub mod tcp;
pub mod udp;

use event::{Attempt, Request, TransferAttempt};

/// Sends queries and reads replies: one try per call.
pub trait Exchange {
    /// Sends `request.query` to `request.server` over `request.protocol` and waits up to `request.timeout`
    /// for its reply.
    fn ask(&mut self, request: &Request) -> Attempt;

    /// Sends the zone transfer query in `request` over TCP and reads messages until the transfer is
    /// complete (each within `request.timeout`).
    fn transfer(&mut self, request: &Request) -> TransferAttempt;
}
