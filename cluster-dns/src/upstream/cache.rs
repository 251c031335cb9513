//! The answer cache in front of the upstream resolvers, shaped like kubeadm's `cache 30`: successful and
//! negative answers are kept apart, each bounded in entries, each kept at most 30 s (and at least 5 s),
//! and served with their TTLs counted down.
//!
//! Like CoreDNS's cache it evicts an arbitrary entry when full, which keeps it a plain map behind a
//! mutex: only forwarded names reach it, never the cluster's own answers.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{LowerName, RData, RecordType};

/// What a cached answer is looked up by: the question, and the DNSSEC bits that change the answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The name, lower case.
    pub name: LowerName,
    /// The type.
    pub qtype: RecordType,
    /// The DO bit of the query.
    pub dnssec_ok: bool,
    /// The CD bit of the query.
    pub checking_disabled: bool,
}

/// Which side of the cache an answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheKind {
    /// NOERROR with answers.
    Success,
    /// NXDOMAIN, or NOERROR without answers (NODATA).
    Denial,
}

impl CacheKind {
    /// The label CoreDNS's cache metrics use.
    pub fn label(self) -> &'static str {
        match self {
            CacheKind::Success => "success",
            CacheKind::Denial => "denial",
        }
    }
}

/// Bounds of one side of the cache.
#[derive(Clone, Copy, Debug)]
pub struct CacheLimits {
    /// Most entries kept.
    pub capacity: usize,
    /// Longest an entry is kept, whatever its records say.
    pub max_ttl: Duration,
    /// Shortest an entry is kept.
    pub min_ttl: Duration,
}

struct Entry {
    message: Message,
    stored: Instant,
    ttl: Duration,
}

/// Successful and negative answers, each side bounded.
pub struct Cache {
    success: Mutex<HashMap<CacheKey, Entry>>,
    denial: Mutex<HashMap<CacheKey, Entry>>,
    success_limits: CacheLimits,
    denial_limits: CacheLimits,
}

impl Cache {
    /// An empty cache with these bounds per side.
    pub fn new(success_limits: CacheLimits, denial_limits: CacheLimits) -> Cache {
        Cache { success: Mutex::default(), denial: Mutex::default(), success_limits, denial_limits }
    }

    /// The cached answer for `key` at `now`, its TTLs counted down, and which side it came from.
    pub fn get(&self, key: &CacheKey, now: Instant) -> Option<(Message, CacheKind)> {
        for kind in [CacheKind::Success, CacheKind::Denial] {
            let mut side = self.side(kind).lock().unwrap_or_else(PoisonError::into_inner);
            let Some(entry) = side.get(key) else { continue };
            let age = now.saturating_duration_since(entry.stored);
            if age >= entry.ttl {
                side.remove(key);
                continue;
            }
            let remaining = u32::try_from((entry.ttl - age).as_secs()).unwrap_or(u32::MAX);
            let mut message = entry.message.clone();
            for record in message.answers.iter_mut().chain(&mut message.authorities).chain(&mut message.additionals) {
                record.ttl = remaining;
            }
            return Some((message, kind));
        }
        None
    }

    /// Keeps `message` under `key` if it is cacheable (see [`classify`]); returns the side it went to.
    pub fn put(&self, key: CacheKey, message: &Message, now: Instant) -> Option<CacheKind> {
        let (kind, ttl) = classify(message)?;
        let limits = match kind {
            CacheKind::Success => self.success_limits,
            CacheKind::Denial => self.denial_limits,
        };
        let ttl = ttl.clamp(limits.min_ttl, limits.max_ttl);
        if ttl.is_zero() || limits.capacity == 0 {
            return None;
        }
        let mut side = self.side(kind).lock().unwrap_or_else(PoisonError::into_inner);
        if side.len() >= limits.capacity && !side.contains_key(&key) {
            // HashMap iteration order is arbitrary: this is CoreDNS's random eviction.
            if let Some(victim) = side.keys().next().cloned() {
                side.remove(&victim);
            }
        }
        side.insert(key, Entry { message: message.clone(), stored: now, ttl });
        Some(kind)
    }

    /// Entries per side, for the `coredns_cache_entries` gauge.
    pub fn len(&self, kind: CacheKind) -> usize {
        self.side(kind).lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn side(&self, kind: CacheKind) -> &Mutex<HashMap<CacheKey, Entry>> {
        match kind {
            CacheKind::Success => &self.success,
            CacheKind::Denial => &self.denial,
        }
    }
}

/// Whether an upstream answer is cached, and for how long its records allow: successes for their
/// smallest TTL, negative answers for their SOA's (the smaller of its TTL and MINIMUM). Truncated
/// answers and other response codes are not cached.
pub fn classify(message: &Message) -> Option<(CacheKind, Duration)> {
    if message.metadata.truncation {
        return None;
    }
    let records = message.answers.iter().chain(&message.authorities).chain(&message.additionals);
    let smallest = |ttls: &mut dyn Iterator<Item = u32>| ttls.min().map(|s| Duration::from_secs(u64::from(s)));
    match message.metadata.response_code {
        ResponseCode::NoError if !message.answers.is_empty() => {
            let ttl = smallest(&mut records.filter(|r| r.record_type() != RecordType::OPT).map(|r| r.ttl))?;
            Some((CacheKind::Success, ttl))
        }
        ResponseCode::NoError | ResponseCode::NXDomain => {
            let soa = message.authorities.iter().find_map(|r| match &r.data {
                RData::SOA(soa) => Some(r.ttl.min(soa.minimum)),
                _ => None,
            });
            soa.map(|ttl| (CacheKind::Denial, Duration::from_secs(u64::from(ttl))))
        }
        _ => None,
    }
}
