//! Prometheus metrics under CoreDNS's names and labels, so the dashboards and alerts written for CoreDNS
//! in a kubeadm cluster work unchanged: `coredns_dns_requests_total`, `coredns_dns_responses_total`,
//! `coredns_dns_request_duration_seconds`, the request and response size histograms, `coredns_cache_*`,
//! `coredns_proxy_request_duration_seconds` and `coredns_forward_max_concurrent_rejects_total`.
//!
//! As in kubeadm's Corefile there is one server block, `.:53`: every series carries `server="dns://:53"`
//! (with the real port), `zone="."` and an empty `view`.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

use crate::upstream::cache::{Cache, CacheKind};

/// CoreDNS's size buckets, for both request and response sizes.
const SIZE_BUCKETS: [f64; 14] =
    [0.0, 100.0, 200.0, 300.0, 400.0, 511.0, 1023.0, 2047.0, 4095.0, 8291.0, 16e3, 32e3, 48e3, 64e3];
/// The server block's zone.
const ZONE: &str = ".";

/// `coredns_dns_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    server: &'static str,
    zone: &'static str,
    view: &'static str,
    proto: &'static str,
    family: &'static str,
    r#type: &'static str,
}

/// `coredns_dns_responses_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResponseLabels {
    server: &'static str,
    zone: &'static str,
    view: &'static str,
    rcode: &'static str,
    plugin: &'static str,
}

/// The duration histogram's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ZoneLabels {
    server: &'static str,
    zone: &'static str,
    view: &'static str,
}

/// The size histograms' labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SizeLabels {
    server: &'static str,
    zone: &'static str,
    view: &'static str,
    proto: &'static str,
}

/// `coredns_cache_hits_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    server: &'static str,
    r#type: &'static str,
    zones: &'static str,
    view: &'static str,
}

/// `coredns_cache_requests_total` and `coredns_cache_misses_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheZoneLabels {
    server: &'static str,
    zones: &'static str,
    view: &'static str,
}

/// `coredns_proxy_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProxyLabels {
    proxy_name: &'static str,
    to: String,
    rcode: &'static str,
}

/// A response code as CoreDNS's labels spell it (miekg/dns's `RcodeToString`).
pub fn rcode_name(rcode: ResponseCode) -> &'static str {
    match rcode {
        ResponseCode::NoError => "NOERROR",
        ResponseCode::FormErr => "FORMERR",
        ResponseCode::ServFail => "SERVFAIL",
        ResponseCode::NXDomain => "NXDOMAIN",
        ResponseCode::NotImp => "NOTIMP",
        ResponseCode::Refused => "REFUSED",
        ResponseCode::YXDomain => "YXDOMAIN",
        ResponseCode::YXRRSet => "YXRRSET",
        ResponseCode::NXRRSet => "NXRRSET",
        ResponseCode::NotAuth => "NOTAUTH",
        ResponseCode::NotZone => "NOTZONE",
        ResponseCode::BADVERS | ResponseCode::BADSIG => "BADSIG",
        _ => "OTHER",
    }
}

/// A query type as CoreDNS's labels spell it: its name for the types CoreDNS tracks, `other` otherwise.
pub fn qtype_name(qtype: RecordType) -> &'static str {
    match qtype {
        RecordType::A => "A",
        RecordType::AAAA => "AAAA",
        RecordType::NS => "NS",
        RecordType::PTR => "PTR",
        RecordType::SOA => "SOA",
        RecordType::CNAME => "CNAME",
        RecordType::MX => "MX",
        RecordType::TXT => "TXT",
        RecordType::SRV => "SRV",
        RecordType::NAPTR => "NAPTR",
        RecordType::HTTPS => "HTTPS",
        RecordType::IXFR => "IXFR",
        RecordType::AXFR => "AXFR",
        RecordType::ANY => "ANY",
        _ => "other",
    }
}

/// One answered request, as the metrics see it.
#[derive(Clone, Copy, Debug)]
pub struct Served {
    /// `udp` or `tcp`.
    pub proto: &'static str,
    /// `1` for an IPv4 client, `2` for IPv6.
    pub family: &'static str,
    /// The query type's name, or `other` (CoreDNS's `qTypeString`).
    pub qtype: &'static str,
    /// The response code's name (`NOERROR`, `NXDOMAIN`...).
    pub rcode: &'static str,
    /// Who answered: `kubernetes`, `forward`, `cache`, or empty for the server itself.
    pub plugin: &'static str,
    /// The query's size in bytes.
    pub request_size: usize,
    /// The response's size in bytes.
    pub response_size: usize,
    /// From reading the query to sending the response.
    pub duration: Duration,
}

/// Every metric the server records.
pub struct DnsMetrics {
    server: &'static str,
    requests: Family<RequestLabels, Counter>,
    responses: Family<ResponseLabels, Counter>,
    duration: Family<ZoneLabels, Histogram>,
    request_size: Family<SizeLabels, Histogram>,
    response_size: Family<SizeLabels, Histogram>,
    cache_hits: Family<CacheLabels, Counter>,
    cache_misses: Family<CacheZoneLabels, Counter>,
    cache_requests: Family<CacheZoneLabels, Counter>,
    proxy_duration: Family<ProxyLabels, Histogram>,
    forward_rejects: Counter,
}

impl DnsMetrics {
    /// Registers every metric for the server listening on `port`.
    pub fn new(registry: &mut Registry, port: u16) -> Arc<DnsMetrics> {
        // The label value lives as long as the process, like the server block it names.
        let server: &'static str = Box::leak(format!("dns://:{port}").into_boxed_str());
        let time = || Histogram::new(exponential_buckets(0.00025, 2.0, 16));
        let size = || Histogram::new(SIZE_BUCKETS);
        let metrics = DnsMetrics {
            server,
            requests: Family::default(),
            responses: Family::default(),
            duration: Family::new_with_constructor(time),
            request_size: Family::new_with_constructor(size),
            response_size: Family::new_with_constructor(size),
            cache_hits: Family::default(),
            cache_misses: Family::default(),
            cache_requests: Family::default(),
            proxy_duration: Family::new_with_constructor(time),
            forward_rejects: Counter::default(),
        };
        registry.register(
            "coredns_dns_requests",
            "Counter of DNS requests made per zone, protocol and family",
            metrics.requests.clone(),
        );
        registry.register("coredns_dns_responses", "Counter of response status codes", metrics.responses.clone());
        registry.register(
            "coredns_dns_request_duration_seconds",
            "Histogram of the time (in seconds) each request took per zone",
            metrics.duration.clone(),
        );
        registry.register(
            "coredns_dns_request_size_bytes",
            "Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol",
            metrics.request_size.clone(),
        );
        registry.register(
            "coredns_dns_response_size_bytes",
            "Size of the returned response in bytes",
            metrics.response_size.clone(),
        );
        registry.register("coredns_cache_hits", "The count of cache hits", metrics.cache_hits.clone());
        registry.register(
            "coredns_cache_misses",
            "The count of cache misses. Deprecated, derive misses from cache hits/requests counters",
            metrics.cache_misses.clone(),
        );
        registry.register("coredns_cache_requests", "The count of cache requests", metrics.cache_requests.clone());
        registry.register(
            "coredns_proxy_request_duration_seconds",
            "Histogram of the time each request took",
            metrics.proxy_duration.clone(),
        );
        registry.register(
            "coredns_forward_max_concurrent_rejects",
            "Counter of the number of queries rejected because the concurrent queries were at maximum",
            metrics.forward_rejects.clone(),
        );
        Arc::new(metrics)
    }

    /// Records one answered request.
    pub fn served(&self, served: &Served) {
        let (server, zone, view) = (self.server, ZONE, "");
        let labels =
            RequestLabels { server, zone, view, proto: served.proto, family: served.family, r#type: served.qtype };
        self.requests.get_or_create(&labels).inc();
        self.responses
            .get_or_create(&ResponseLabels { server, zone, view, rcode: served.rcode, plugin: served.plugin })
            .inc();
        self.duration.get_or_create(&ZoneLabels { server, zone, view }).observe(served.duration.as_secs_f64());
        let sizes = SizeLabels { server, zone, view, proto: served.proto };
        self.request_size.get_or_create(&sizes).observe(served.request_size as f64);
        self.response_size.get_or_create(&sizes).observe(served.response_size as f64);
    }

    /// Records a cache lookup: a hit on one side, or a miss.
    pub fn cache_lookup(&self, hit: Option<CacheKind>) {
        let zones = CacheZoneLabels { server: self.server, zones: ZONE, view: "" };
        self.cache_requests.get_or_create(&zones).inc();
        match hit {
            Some(kind) => {
                let labels = CacheLabels { server: self.server, r#type: kind.label(), zones: ZONE, view: "" };
                self.cache_hits.get_or_create(&labels).inc();
            }
            None => {
                self.cache_misses.get_or_create(&zones).inc();
            }
        }
    }

    /// Records one exchange with an upstream.
    pub fn forwarded(&self, to: String, rcode: &'static str, duration: Duration) {
        self.proxy_duration
            .get_or_create(&ProxyLabels { proxy_name: "forward", to, rcode })
            .observe(duration.as_secs_f64());
    }

    /// Records a query refused because too many exchanges were running.
    pub fn forward_rejected(&self) {
        self.forward_rejects.inc();
    }

    /// Registers `coredns_cache_entries`, read from the cache at every scrape.
    pub fn register_cache(&self, registry: &mut Registry, cache: Arc<Cache>) {
        registry.register_collector(Box::new(CacheEntries { server: self.server, cache }));
    }
}

/// `coredns_cache_entries{type}`, read at scrape time.
struct CacheEntries {
    server: &'static str,
    cache: Arc<Cache>,
}

impl std::fmt::Debug for CacheEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheEntries").finish_non_exhaustive()
    }
}

impl Collector for CacheEntries {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let family = Family::<CacheLabels, ConstGauge>::new_with_constructor(|| ConstGauge::new(0));
        let mut metric = encoder.encode_descriptor(
            "coredns_cache_entries",
            "The number of elements in the cache",
            None,
            family.metric_type(),
        )?;
        for kind in [CacheKind::Success, CacheKind::Denial] {
            let labels = CacheLabels { server: self.server, r#type: kind.label(), zones: ZONE, view: "" };
            let gauge = ConstGauge::new(i64::try_from(self.cache.len(kind)).unwrap_or(i64::MAX));
            gauge.encode(metric.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
