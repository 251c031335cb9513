//! Where a redirected connection was going. iptables' REDIRECT rewrites the destination to the proxy's
//! port; the original is kept by conntrack and read back with `SO_ORIGINAL_DST` (`IP6T_SO_ORIGINAL_DST`
//! for IPv6). socket2 wraps both calls safely.

use std::io;
use std::net::SocketAddr;

use socket2::SockRef;
use tokio::net::TcpStream;

/// The address the client dialled before iptables redirected it here.
///
/// A connection that was not redirected (a client that dialled the proxy's port itself) reports the
/// proxy's own address, or fails when conntrack holds no entry; callers treat both as "no original
/// destination".
pub fn original_destination(stream: &TcpStream) -> io::Result<SocketAddr> {
    let socket = SockRef::from(stream);
    let local = stream.local_addr()?;
    // An IPv4 client on a dual-stack socket arrives as an IPv4-mapped IPv6 address; conntrack filed it
    // under IPv4, so the IPv4 option is the one that answers.
    let is_v4 = match local {
        SocketAddr::V4(_) => true,
        SocketAddr::V6(v6) => v6.ip().to_ipv4_mapped().is_some(),
    };
    let original = if is_v4 { socket.original_dst_v4()? } else { socket.original_dst_v6()? };
    original
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the original destination is not an IP address"))
}
