//! The TCP side: length-prefixed queries, several per connection, answered in the order they came
//! (pipelining), under a cap on connections and an idle timeout that also ends slow senders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_server::net::xfer::Protocol;
use server_runtime::WorkGroup;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::debug;

use super::handler::Handler;

/// How the TCP side treats connections.
#[derive(Clone, Copy, Debug)]
pub struct TcpLimits {
    /// Connections served at once; the rest wait in the listen backlog.
    pub max_connections: usize,
    /// How long a connection may sit without completing a query before it is closed.
    pub idle_timeout: Duration,
}

/// Serves `listener` as work of `group` until it stops.
pub fn serve(listener: TcpListener, handler: Arc<Handler>, limits: TcpLimits, group: &WorkGroup) {
    let group_for_loop = group.clone();
    group.spawn(async move {
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        loop {
            let permit = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => return },
                _ = group_for_loop.stopping() => return,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        debug!(%error, "tcp accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = group_for_loop.stopping() => return,
            };
            let (handler, group) = (handler.clone(), group_for_loop.clone());
            group_for_loop.spawn(async move {
                let _permit = permit;
                tokio::select! {
                    _ = connection(stream, peer, handler, limits.idle_timeout, &group) => {}
                    _ = group.cut_off() => {}
                }
            });
        }
    });
}

/// Answers queries on one connection until the client closes it, goes idle, sends a bad frame, or the
/// group stops (the query in progress is still answered).
async fn connection(mut stream: TcpStream, peer: SocketAddr, handler: Arc<Handler>, idle: Duration, group: &WorkGroup) {
    let _ = stream.set_nodelay(true);
    loop {
        let query = tokio::select! {
            frame = tokio::time::timeout(idle, read_frame(&mut stream)) => match frame {
                Ok(Ok(Some(query))) => query,
                Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return,
            },
            _ = group.stopping() => return,
        };
        let Some(reply) = handler.handle(query, peer, Protocol::Tcp).await else { continue };
        let Ok(length) = u16::try_from(reply.len()) else { return };
        if stream.write_all(&[&length.to_be_bytes()[..], &reply].concat()).await.is_err() {
            return;
        }
    }
}

/// One length-prefixed message; `None` at a clean end of stream or a zero-length frame.
async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut prefix = [0u8; 2];
    match stream.read_exact(&mut prefix).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = usize::from(u16::from_be_bytes(prefix));
    if length == 0 {
        return Ok(None);
    }
    let mut query = vec![0u8; length];
    stream.read_exact(&mut query).await?;
    Ok(Some(query))
}
