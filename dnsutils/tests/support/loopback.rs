//! Free loopback ports and addresses for the servers a test starts.
//!
//! BIND reads the name server from `/etc/resolv.conf`, which cannot carry a port, so search-walk rows need a
//! server on port 53. Linux routes all of 127.0.0.0/8 to `lo`, so each test claims its own 127.x.y.z address
//! and binds port 53 there without touching anything else on the machine.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Hands out a different candidate on every call, even between tests running in parallel in one process.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Returns a port free for UDP and TCP on `ip` that lies below the kernel's ephemeral range, so no client
/// socket is ever given it as a source port: not between this check and the server's bind, and not as the
/// source of a TCP connect to a server without a TCP listener (which can, rarely, connect to itself by
/// simultaneous open and read back its own query instead of being refused).
pub fn free_fixed_port(ip: Ipv4Addr) -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u16 = range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768);
    let span = u32::from(low.saturating_sub(10_000)).max(1);
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    for _ in 0..200 {
        let n = seed.wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed)) % span;
        let port = 10_000 + u16::try_from(n).unwrap_or(0);
        if UdpSocket::bind((ip, port)).is_ok() && TcpListener::bind((ip, port)).is_ok() {
            return port;
        }
    }
    panic!("no port below the ephemeral range ({low}) free for both UDP and TCP on {ip} after 200 tries");
}

/// Returns an address in 127.0.0.0/8 (never 127.0.0.1) whose port 53 is free for UDP and TCP.
pub fn claim_port53_address() -> Ipv4Addr {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
        ^ std::process::id().rotate_left(16);
    for _ in 0..200 {
        let n = seed.wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed));
        let ip = Ipv4Addr::new(127, 100 + (n >> 16) as u8 % 100, (n >> 8) as u8, 2 + n as u8 % 250);
        let addr = SocketAddr::from((ip, 53));
        if UdpSocket::bind(addr).is_ok() && TcpListener::bind(addr).is_ok() {
            return ip;
        }
    }
    panic!("no 127.x.y.z address with port 53 free after 200 tries: is something bound to 0.0.0.0:53?");
}
