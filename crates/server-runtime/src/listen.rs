//! Binding listeners, and announcing them in the one log shape test harnesses read:
//! `serving <name> addr=<ip:port>`.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, UdpSocket};
use tracing::info;

/// A listener that could not be bound; the message names the address and the setting that chose it.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} ({setting}): {source}; is another process using it?")]
pub struct BindError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// The setting it came from, for example `LISTEN_ADDR`.
    pub setting: &'static str,
    /// What the kernel said (already in the message, so not also reported as a source).
    pub source: io::Error,
}

/// Binds a TCP listener for `name` (app, admin, dns-tcp...) and logs its real address.
pub async fn bind_tcp(name: &'static str, addr: SocketAddr, setting: &'static str) -> Result<TcpListener, BindError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| BindError { addr, setting, source })?;
    announce_bound(name, listener.local_addr(), addr);
    Ok(listener)
}

/// Binds a UDP socket for `name` and logs its real address.
pub async fn bind_udp(name: &'static str, addr: SocketAddr, setting: &'static str) -> Result<UdpSocket, BindError> {
    let socket = UdpSocket::bind(addr).await.map_err(|source| BindError { addr, setting, source })?;
    announce_bound(name, socket.local_addr(), addr);
    Ok(socket)
}

/// Logs `serving <name> addr=<addr>`, for sockets a binary binds itself (two protocols on one port).
pub fn announce(name: &str, addr: SocketAddr) {
    info!(%addr, "serving {name}");
}

fn announce_bound(name: &str, bound: io::Result<SocketAddr>, asked: SocketAddr) {
    // local_addr only fails on a socket that is already gone; the asked-for address is the next best.
    announce(name, bound.unwrap_or(asked));
}
