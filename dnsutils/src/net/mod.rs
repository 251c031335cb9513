//! The socket code.
pub mod sockets;
