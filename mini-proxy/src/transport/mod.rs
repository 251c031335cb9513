//! Bytes on sockets: where a redirected connection was going ([`orig_dst`]), replaying bytes read
//! during detection ([`prefixed`]), counting bytes into the transport metrics ([`metered`]), and
//! connecting out, in plain TCP or mutual TLS ([`connect`]).

pub mod connect;
pub mod metered;
pub mod orig_dst;
pub mod prefixed;

/// Anything a proxy reads and writes: a socket, a TLS stream over one, with or without replayed bytes.
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A boxed [`Io`], for the places one type must stand for several (plain or TLS).
pub type BoxedIo = Box<dyn Io>;
