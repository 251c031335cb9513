//! Sending a query to the upstream resolvers, as CoreDNS's `forward` plugin does under kubeadm's
//! Corefile (`forward . /etc/resolv.conf { max_concurrent 1000 }`).
//!
//! The query goes out as the client sent it, over the client's transport, to a different upstream first
//! each time (round robin where CoreDNS picks at random: the load spreads the same way) and then the
//! others in turn; each try waits up to 2 s for a reply with the query's ID and question, the whole
//! exchange up to 5 s. More than `max_concurrent` exchanges at once are refused
//! rather than queued, so a slow upstream cannot pile up work.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::serialize::binary::BinDecodable;
use hickory_server::net::xfer::Protocol;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::Semaphore;

/// How long one try waits for its reply.
pub const TRY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a whole exchange, over every upstream, may take.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an exchange produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// No upstream is configured (an empty resolv.conf and no `--upstream`).
    #[error("no upstream resolver is configured")]
    NoUpstream,
    /// `max_concurrent` exchanges are already running.
    #[error("{0} exchanges with the upstream are already running")]
    Busy(usize),
    /// Every upstream failed or timed out.
    #[error("no upstream answered: {0}")]
    Failed(String),
}

impl ForwardError {
    /// The response code the client gets: REFUSED when busy (as CoreDNS), SERVFAIL otherwise.
    pub fn rcode(&self) -> ResponseCode {
        match self {
            ForwardError::Busy(_) => ResponseCode::Refused,
            _ => ResponseCode::ServFail,
        }
    }
}

/// The upstream resolvers and the bound on exchanges in flight.
pub struct Forwarder {
    upstreams: Vec<SocketAddr>,
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    next: AtomicUsize,
}

impl Forwarder {
    /// Forwards to `upstreams`, at most `max_concurrent` exchanges at once.
    pub fn new(upstreams: Vec<SocketAddr>, max_concurrent: usize) -> Forwarder {
        let seed = usize::from(std::process::id() as u16);
        Forwarder {
            upstreams,
            slots: Arc::new(Semaphore::new(max_concurrent)),
            max_concurrent,
            next: AtomicUsize::new(seed),
        }
    }

    /// The configured upstreams.
    pub fn upstreams(&self) -> &[SocketAddr] {
        &self.upstreams
    }

    /// Sends `query` (a whole DNS message, as the client sent it) and returns the reply and the upstream
    /// that sent it.
    pub async fn exchange(&self, query: &[u8], protocol: Protocol) -> Result<(Message, SocketAddr), ForwardError> {
        if self.upstreams.is_empty() {
            return Err(ForwardError::NoUpstream);
        }
        let _slot = self.slots.try_acquire().map_err(|_| ForwardError::Busy(self.max_concurrent))?;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let order = (0..self.upstreams.len()).map(|i| self.upstreams[(start + i) % self.upstreams.len()]);
        let tries = async {
            let mut failures = Vec::new();
            for upstream in order {
                match tokio::time::timeout(TRY_TIMEOUT, try_once(upstream, query, protocol)).await {
                    Ok(Ok(reply)) => return Ok((reply, upstream)),
                    Ok(Err(e)) => failures.push(format!("{upstream}: {e}")),
                    Err(_) => failures.push(format!("{upstream}: no reply within {TRY_TIMEOUT:?}")),
                }
            }
            Err(ForwardError::Failed(failures.join("; ")))
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, tries)
            .await
            .unwrap_or_else(|_| Err(ForwardError::Failed(format!("no reply within {EXCHANGE_TIMEOUT:?}"))))
    }
}

/// One try against one upstream.
async fn try_once(upstream: SocketAddr, query: &[u8], protocol: Protocol) -> std::io::Result<Message> {
    match protocol {
        Protocol::Udp => udp(upstream, query).await,
        _ => tcp(upstream, query).await,
    }
}

async fn udp(upstream: SocketAddr, query: &[u8]) -> std::io::Result<Message> {
    let local: SocketAddr = if upstream.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(upstream).await?;
    socket.send(query).await?;
    let mut buffer = vec![0u8; 65535];
    loop {
        let length = socket.recv(&mut buffer).await?;
        // Anything that is not the reply to this query (a late reply, garbage) is read past.
        if let Some(reply) = matching_reply(query, &buffer[..length]) {
            return Ok(reply);
        }
    }
}

async fn tcp(upstream: SocketAddr, query: &[u8]) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(upstream).await?;
    let length = u16::try_from(query.len()).map_err(|_| std::io::Error::other("query longer than 64 KiB"))?;
    stream.write_all(&[&length.to_be_bytes()[..], query].concat()).await?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut reply).await?;
    matching_reply(query, &reply).ok_or_else(|| std::io::Error::other("the reply does not match the query"))
}

/// The reply, if `bytes` parse and carry the query's ID and question.
fn matching_reply(query: &[u8], bytes: &[u8]) -> Option<Message> {
    let reply = Message::from_bytes(bytes).ok()?;
    let same_id = query.len() >= 2 && reply.metadata.id == u16::from_be_bytes([query[0], query[1]]);
    let asked = Message::from_bytes(query).ok()?;
    let same_question = reply.queries.is_empty() || reply.queries == asked.queries;
    (same_id && same_question).then_some(reply)
}
