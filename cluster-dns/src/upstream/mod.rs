//! Everything outside the cluster's zones: the host's resolvers ([`resolv`]), the exchange with them
//! ([`forward`]), the answer cache in front of them ([`cache`]), and the check that they are not this
//! server itself ([`loop_probe`]). [`Upstream`] ties the cache and the forwarder together and records
//! what they do.

pub mod cache;
pub mod forward;
pub mod loop_probe;
pub mod resolv;

use std::sync::Arc;
use std::time::Instant;

use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use hickory_server::net::xfer::Protocol;

use self::cache::{Cache, CacheKey};
use self::forward::{ForwardError, Forwarder};
use crate::metrics::{DnsMetrics, rcode_name};

/// The cache and the forwarder, with their metrics.
pub struct Upstream {
    cache: Arc<Cache>,
    forwarder: Forwarder,
    metrics: Arc<DnsMetrics>,
}

/// Where an upstream answer came from, for the `plugin` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Served from the cache.
    Cache,
    /// Fetched from an upstream resolver.
    Forward,
}

impl Source {
    /// CoreDNS's plugin name.
    pub fn plugin(self) -> &'static str {
        match self {
            Source::Cache => "cache",
            Source::Forward => "forward",
        }
    }
}

impl Upstream {
    /// The cache in front of `forwarder`.
    pub fn new(cache: Arc<Cache>, forwarder: Forwarder, metrics: Arc<DnsMetrics>) -> Upstream {
        Upstream { cache, forwarder, metrics }
    }

    /// The configured upstream resolvers.
    pub fn forwarder(&self) -> &Forwarder {
        &self.forwarder
    }

    /// Answers a client's query (`raw`, as it arrived) from the cache or the upstream.
    pub async fn resolve(
        &self,
        raw: &[u8],
        key: CacheKey,
        protocol: Protocol,
    ) -> Result<(Message, Source), ForwardError> {
        let hit = self.cache.get(&key, Instant::now());
        self.metrics.cache_lookup(hit.as_ref().map(|(_, kind)| *kind));
        if let Some((message, _)) = hit {
            return Ok((message, Source::Cache));
        }
        let started = Instant::now();
        let (reply, from) = self.forwarder.exchange(raw, protocol).await.inspect_err(|error| {
            if matches!(error, ForwardError::Busy(_)) {
                self.metrics.forward_rejected();
            }
        })?;
        self.metrics.forwarded(from.to_string(), rcode_name(reply.metadata.response_code), started.elapsed());
        self.cache.put(key, &reply, Instant::now());
        Ok((reply, Source::Forward))
    }

    /// Looks `name`/`qtype` up upstream on the server's own behalf (an ExternalName's target), with the
    /// DO bit of the client's query, as CoreDNS's upstream lookups do.
    pub async fn lookup(
        &self,
        name: &Name,
        qtype: RecordType,
        dnssec_ok: bool,
        protocol: Protocol,
    ) -> Result<Message, ForwardError> {
        let mut query = Message::query();
        query.metadata.recursion_desired = true;
        query.add_query(Query::query(name.clone(), qtype));
        if dnssec_ok {
            let mut edns = Edns::new();
            edns.set_dnssec_ok(true);
            query.set_edns(edns);
        }
        let raw =
            query.to_bytes().map_err(|e| ForwardError::Failed(format!("cannot encode a query for {name}: {e}")))?;
        let key = CacheKey { name: name.into(), qtype, dnssec_ok, checking_disabled: false };
        self.resolve(&raw, key, protocol).await.map(|(message, _)| message)
    }
}
