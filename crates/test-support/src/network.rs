//! Loopback ports and addresses for the servers a test starts, and stand-ins for a sick network: a peer
//! that accepts and never answers, and a proxy that makes every round trip slow.
//!
//! Everything here binds 127.0.0.0/8 only. Linux routes all of it to `lo`, so a test can claim its own
//! 127.x.y.z address when it needs a fixed port (53, which `/etc/resolv.conf` cannot change).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Hands out a different candidate on every call, even between tests running in parallel in one process.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// How many connections the stand-ins below serve before they stop, so a runaway test cannot pile them up.
const MOST_CONNECTIONS: usize = 256;

/// A TCP port on 127.0.0.1 nothing listens on right now (connecting to it is refused).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A port free for UDP and TCP on `ip` that lies below the kernel's ephemeral range, so no client socket
/// is ever given it as a source port: not between this check and the server's bind, and not as the
/// source of a TCP connect to a server without a TCP listener (which can, rarely, connect to itself by
/// simultaneous open).
pub fn free_fixed_port(ip: Ipv4Addr) -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u16 = range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768);
    let span = u32::from(low.saturating_sub(10_000)).max(1);
    for _ in 0..200 {
        let n = seed().wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed)) % span;
        let port = 10_000 + u16::try_from(n).unwrap_or(0);
        if UdpSocket::bind((ip, port)).is_ok() && TcpListener::bind((ip, port)).is_ok() {
            return port;
        }
    }
    panic!("no port below the ephemeral range ({low}) free for both UDP and TCP on {ip} after 200 tries");
}

/// An address in 127.0.0.0/8 (never 127.0.0.1) whose port 53 is free for UDP and TCP.
pub fn claim_port53_address() -> Ipv4Addr {
    let base = seed() ^ std::process::id().rotate_left(16);
    for _ in 0..200 {
        let n = base.wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed));
        let [_, b, c, d] = n.to_be_bytes();
        let ip = Ipv4Addr::new(127, 100 + b % 100, c, 2 + d % 250);
        let addr = SocketAddr::from((ip, 53));
        if UdpSocket::bind(addr).is_ok() && TcpListener::bind(addr).is_ok() {
            return ip;
        }
    }
    panic!("no 127.x.y.z address with port 53 free after 200 tries: is something bound to 0.0.0.0:53?");
}

fn seed() -> u32 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// A listener that accepts connections and never sends a byte: a database or upstream that hangs.
pub fn blackhole() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the blackhole");
    let addr = listener.local_addr().expect("the blackhole's address");
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(MOST_CONNECTIONS).collect();
        drop(held);
    });
    addr
}

/// A TCP proxy to `upstream` that waits `delay` before forwarding each chunk in either direction, so every
/// round trip is slow but succeeds.
pub fn delaying_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the delaying proxy");
    let addr = listener.local_addr().expect("the proxy's address");
    std::thread::spawn(move || {
        for client in listener.incoming().take(MOST_CONNECTIONS).flatten() {
            let Ok(server) = TcpStream::connect(upstream) else { continue };
            let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else { continue };
            std::thread::spawn(move || forward_slowly(client_reader, server, delay));
            std::thread::spawn(move || forward_slowly(server_reader, client, delay));
        }
    });
    addr
}

fn forward_slowly(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let mut buf = [0u8; 16384];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        std::thread::sleep(delay);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claimed address is in 127/8, not 127.0.0.1, and its port 53 can be bound.
    #[test]
    fn claimed_port53_addresses_are_private_loopback() {
        let ip = claim_port53_address();
        assert_eq!(ip.octets()[0], 127);
        assert_ne!(ip, Ipv4Addr::LOCALHOST);
        assert!(UdpSocket::bind((ip, 53)).is_ok());
    }

    /// The delaying proxy forwards both ways, slowly.
    #[test]
    fn delaying_proxy_forwards_both_ways() {
        let echo = TcpListener::bind("127.0.0.1:0").expect("bind");
        let upstream = echo.local_addr().expect("addr");
        std::thread::spawn(move || {
            if let Some(Ok(mut s)) = echo.incoming().next() {
                let mut buf = [0u8; 5];
                if s.read_exact(&mut buf).is_ok() {
                    let _ = s.write_all(&buf);
                }
            }
        });
        let proxy = delaying_proxy(upstream, Duration::from_millis(100));
        let started = std::time::Instant::now();
        let mut client = TcpStream::connect(proxy).expect("connect");
        client.write_all(b"hello").expect("send");
        let mut back = [0u8; 5];
        client.read_exact(&mut back).expect("echo");
        assert_eq!(&back, b"hello");
        assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());
    }
}
