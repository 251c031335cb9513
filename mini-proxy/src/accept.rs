//! The accept loop both proxy listeners share: each connection is a task of the listener's work group,
//! so the drain waits for it; when the group stops, the listener closes (new connections are refused)
//! and the connections finish on their own terms.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use server_runtime::WorkGroup;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tracing::warn;

/// How long to wait after a failed `accept` (usually out of file descriptors) instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts on `listener` until `group` stops, running `handle` for each connection.
pub fn serve<F, Fut>(name: &'static str, listener: TcpListener, group: &WorkGroup, handle: F) -> JoinHandle<()>
where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let loop_group = group.clone();
    group.spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = loop_group.stopping() => break,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    loop_group.spawn(handle(stream, peer));
                }
                Err(e) => {
                    warn!(listener = name, error = %e, "accept failed; retrying shortly");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    })
}
