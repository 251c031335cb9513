//! The UDP side: a few workers sharing one socket, answering from the index inline and handing only
//! upstream work to tasks.
//!
//! Each worker reads a datagram, answers it with [`Handler::handle_local`] and sends the reply before it
//! reads the next, so a cluster name costs no task and no wake-up. Names that need the upstream become a
//! task of the app work group (bounded by the forwarder's concurrency limit), which sends its reply when
//! it has one. When the group stops, the workers stop reading; the socket closes with the last of them.

use std::net::SocketAddr;
use std::sync::Arc;

use hickory_server::net::xfer::Protocol;
use server_runtime::WorkGroup;
use tokio::net::UdpSocket;
use tracing::debug;

use super::handler::{Handled, Handler};

/// The largest datagram read: a query never needs more, and a bigger one is truncated by the kernel and
/// then fails to parse.
const DATAGRAM: usize = 4096;

/// Serves `socket` with `workers` workers, each a task of `group`.
pub fn serve(socket: UdpSocket, handler: Arc<Handler>, workers: usize, group: &WorkGroup) {
    let socket = Arc::new(socket);
    for _ in 0..workers.max(1) {
        group.spawn(worker(socket.clone(), handler.clone(), group.clone()));
    }
}

async fn worker(socket: Arc<UdpSocket>, handler: Arc<Handler>, group: WorkGroup) {
    let mut buffer = vec![0u8; DATAGRAM];
    loop {
        let (length, src) = tokio::select! {
            received = socket.recv_from(&mut buffer) => match received {
                Ok(pair) => pair,
                Err(error) => {
                    debug!(%error, "udp receive failed");
                    continue;
                }
            },
            _ = group.stopping() => return,
        };
        if src.port() == 0 {
            // A source port of 0 cannot be answered.
            continue;
        }
        match handler.handle_local(buffer[..length].to_vec(), src, Protocol::Udp) {
            Handled::Drop => {}
            Handled::Reply(reply) => send(&socket, &reply, src).await,
            Handled::Upstream(work) => {
                let (socket, handler) = (socket.clone(), handler.clone());
                group.spawn(async move {
                    let reply = handler.finish(work).await;
                    send(&socket, &reply, src).await;
                });
            }
        }
    }
}

async fn send(socket: &UdpSocket, reply: &[u8], to: SocketAddr) {
    if let Err(error) = socket.send_to(reply, to).await {
        debug!(%to, %error, "udp send failed");
    }
}
