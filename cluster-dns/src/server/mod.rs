//! The only socket code: [`udp`] and [`tcp`] read queries and write responses; [`handler`] turns one
//! into the other, from the index or through the upstream.

pub mod handler;
pub mod tcp;
pub mod udp;

pub use handler::{Handled, Handler};
pub use tcp::TcpLimits;
