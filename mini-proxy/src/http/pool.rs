//! Connections to upstreams, reused across requests and across the client connections of the proxy.
//!
//! - HTTP/1: a connection carries one request at a time. When a response has been read to its end the
//!   connection goes back to its endpoint's idle list, where it waits at most the idle timeout (Linkerd's
//!   3 s) before it is closed (a task looks every second). A request that finds an idle connection already closed by the server is
//!   sent again on a fresh one, which is safe because hyper hands back requests it never wrote.
//! - HTTP/2: one connection per endpoint carries every request, multiplexed; it is replaced when it
//!   closes.
//!
//! Connections are keyed by endpoint and identity, so a meshed peer's mutual-TLS connection is never
//! shared with a plaintext one.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::{self, Either, FutureExt, TryFutureExt};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tracing::debug;

use super::ProxyError;
use crate::detect::http::HttpVersion;
use crate::transport::BoxedIo;
use crate::transport::connect::{Connector, Upstream};

/// How long an idle HTTP/1 connection is kept.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(3);
/// The most idle HTTP/1 connections kept per endpoint.
const MAX_IDLE: usize = 256;

type H2Slot = Arc<tokio::sync::Mutex<Option<http2::SendRequest<Incoming>>>>;
/// Idle HTTP/1 connections per endpoint, each with the moment it became idle.
type IdleLists = HashMap<Upstream, Vec<(http1::SendRequest<Incoming>, Instant)>>;

/// The proxy's upstream connections, shared by every connection of one direction. Cloned for every
/// request, so a clone is one reference count.
#[derive(Clone, Debug)]
pub struct Pool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    connector: Connector,
    idle: Mutex<IdleLists>,
    multiplexed: Mutex<HashMap<Upstream, H2Slot>>,
}

impl Pool {
    /// An empty pool connecting with `connector`. Must be called within the runtime: it starts the task
    /// that closes connections idle past [`IDLE_TIMEOUT`].
    pub fn new(connector: Connector) -> Pool {
        let shared = Arc::new(Shared { connector, idle: Mutex::default(), multiplexed: Mutex::default() });
        tokio::spawn(close_idle(Arc::downgrade(&shared)));
        Pool { shared }
    }

    /// The connector, for connections the pool does not keep (upgrades, opaque TCP).
    pub fn connector(&self) -> &Connector {
        &self.shared.connector
    }

    /// Sends `request` to `upstream` over `version`; `labels` describe the destination for the
    /// transport metrics of a new connection.
    ///
    /// Everything up to handing the request to a connection is done here, before the future is made:
    /// a connection that is at hand is taken at once, and the future holds hyper's own future for the
    /// request and little else. Only a request that must wait for a connection gets an `async` body,
    /// boxed: each async layer around the request keeps a copy of it (about 300 bytes), and in one
    /// future for every case the request, the connection and TLS handshakes and their waits came to
    /// 2,912 bytes a request, past the allocator's cache of small blocks.
    pub fn send(
        &self,
        upstream: &Upstream,
        version: HttpVersion,
        labels: &Arc<[(&'static str, String)]>,
        request: Request<Incoming>,
    ) -> impl Future<Output = Result<Response<Incoming>, ProxyError>> + Send + 'static {
        match version {
            HttpVersion::Http1 => Either::Left(self.send_http1(upstream, labels, request)),
            HttpVersion::H2 => Either::Right(self.send_h2(upstream, labels, request)),
        }
    }

    fn send_http1(
        &self,
        upstream: &Upstream,
        labels: &Arc<[(&'static str, String)]>,
        request: Request<Incoming>,
    ) -> impl Future<Output = Result<Response<Incoming>, ProxyError>> + Send + 'static {
        let (pool, upstream, labels) = (self.clone(), upstream.clone(), labels.clone());
        let Some(mut sender) = self.take_idle(&upstream) else {
            return Either::Right(Box::pin(pool.connect_and_send_http1(upstream, labels, request)));
        };
        // A combinator rather than an `async` block, which would hold hyper's future twice (once as
        // captured, once as awaited).
        let sending = sender.try_send_request(request);
        Either::Left(sending.then(move |sent| match sent {
            Ok(response) => {
                pool.give_back(upstream, sender);
                Either::Left(future::ready(Ok(response)))
            }
            // The idle connection had been closed: hyper hands back the request it never wrote.
            Err(mut failed) => match failed.take_message() {
                Some(unsent) => Either::Right(Box::pin(pool.connect_and_send_http1(upstream, labels, unsent))),
                None => Either::Left(future::ready(Err(ProxyError::Upstream(failed.into_error())))),
            },
        }))
    }

    /// `request` on a new HTTP/1 connection to `upstream`, which is kept for the next request.
    async fn connect_and_send_http1(
        self,
        upstream: Upstream,
        labels: Arc<[(&'static str, String)]>,
        request: Request<Incoming>,
    ) -> Result<Response<Incoming>, ProxyError> {
        let io = self.shared.connector.connect(&upstream, &labels).await?;
        let mut sender = handshake_http1(io, false).await?;
        let response = sender.send_request(request).await.map_err(ProxyError::Upstream)?;
        self.give_back(upstream, sender);
        Ok(response)
    }

    fn take_idle(&self, upstream: &Upstream) -> Option<http1::SendRequest<Incoming>> {
        let mut idle = self.shared.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let list = idle.get_mut(upstream)?;
        while let Some((sender, since)) = list.pop() {
            if since.elapsed() < IDLE_TIMEOUT && sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    /// Returns `sender` to the idle list once its response has been read to the end: at once if it
    /// already has been (a short response arrives whole), else from a task that waits for it.
    fn give_back(&self, upstream: Upstream, mut sender: http1::SendRequest<Incoming>) {
        if sender.is_ready() {
            keep_idle(&self.shared, upstream, sender);
            return;
        }
        let shared = self.shared.clone();
        tokio::spawn(async move {
            if sender.ready().await.is_ok() {
                keep_idle(&shared, upstream, sender);
            }
        });
    }

    fn send_h2(
        &self,
        upstream: &Upstream,
        labels: &Arc<[(&'static str, String)]>,
        request: Request<Incoming>,
    ) -> impl Future<Output = Result<Response<Incoming>, ProxyError>> + Send + 'static {
        let slot = {
            let mut slots = self.shared.multiplexed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(upstream.clone()).or_default().clone()
        };
        // The connection is at hand unless it is being made (the slot is locked) or has closed.
        let live = slot.try_lock().ok().and_then(|current| current.as_ref().filter(|s| !s.is_closed()).cloned());
        if let Some(mut sender) = live {
            return Either::Left(sender.send_request(request).map_err(ProxyError::Upstream));
        }
        let (pool, upstream, labels) = (self.clone(), upstream.clone(), labels.clone());
        Either::Right(Box::pin(async move {
            let mut sender = {
                // Holding the slot while connecting makes concurrent first requests share one connection.
                let mut current = slot.lock().await;
                match current.as_ref().filter(|s| !s.is_closed()) {
                    Some(sender) => sender.clone(),
                    None => {
                        let sender = pool.connect_h2(&upstream, &labels).await?;
                        *current = Some(sender.clone());
                        sender
                    }
                }
            };
            sender.send_request(request).await.map_err(ProxyError::Upstream)
        }))
    }

    /// A new HTTP/2 connection to `upstream`, its connection task spawned.
    async fn connect_h2(
        &self,
        upstream: &Upstream,
        labels: &[(&'static str, String)],
    ) -> Result<http2::SendRequest<Incoming>, ProxyError> {
        let io = self.shared.connector.connect(upstream, labels).await?;
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .initial_connection_window_size(super::H2_CONNECTION_WINDOW)
            .initial_stream_window_size(super::H2_STREAM_WINDOW)
            .handshake(TokioIo::new(io))
            .await
            .map_err(ProxyError::Upstream)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                debug!(error = %e, "upstream HTTP/2 connection ended");
            }
        });
        Ok(sender)
    }
}

/// Puts a ready `sender` on its endpoint's idle list, unless the list is full of live connections.
/// (Expired ones are dropped every second by [`close_idle`]; sweeping the list here read the clock once
/// per idle connection at every request.)
fn keep_idle(shared: &Shared, upstream: Upstream, sender: http1::SendRequest<Incoming>) {
    let mut idle = shared.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let list = idle.entry(upstream).or_default();
    if list.len() >= MAX_IDLE {
        list.retain(|(sender, since)| since.elapsed() < IDLE_TIMEOUT && !sender.is_closed());
    }
    if list.len() < MAX_IDLE {
        list.push((sender, Instant::now()));
    }
}

/// Every second, drops idle HTTP/1 connections past their time (which closes them), until the pool is
/// gone.
async fn close_idle(shared: std::sync::Weak<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else { return };
        let mut lists = shared.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for list in lists.values_mut() {
            list.retain(|(sender, since)| since.elapsed() < IDLE_TIMEOUT && !sender.is_closed());
        }
        lists.retain(|_, list| !list.is_empty());
    }
}

/// An HTTP/1 client connection over `io`, its connection task spawned; `upgrades` lets the connection
/// be taken over after a `101` or a successful `CONNECT`. Header names are written in lowercase, as
/// Linkerd's proxy writes them ([`super::server`] says why).
pub async fn handshake_http1(io: BoxedIo, upgrades: bool) -> Result<http1::SendRequest<Incoming>, ProxyError> {
    let (sender, connection) = http1::Builder::new().handshake(TokioIo::new(io)).await.map_err(ProxyError::Upstream)?;
    tokio::spawn(async move {
        let ended = if upgrades { connection.with_upgrades().await } else { connection.await };
        if let Err(e) = ended {
            debug!(error = %e, "upstream HTTP/1 connection ended");
        }
    });
    Ok(sender)
}
