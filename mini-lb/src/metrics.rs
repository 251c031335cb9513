//! MetalLB's metrics, with its names and labels (research §2), so existing dashboards and alerts work.
//!
//! Two name details: MetalLB's layer-2 counters have no `_total` suffix (`metallb_layer2_requests_received`)
//! and OpenMetrics counters must have one, so they are exported as monotonic gauges under the exact
//! names; the allocator's `..._total` gauges are gauges in MetalLB too.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::config::pool::Config;

/// `{pool}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabel {
    /// The pool's name.
    pub pool: String,
}

/// `{ip}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IpLabel {
    /// The address.
    pub ip: String,
}

/// `{service, protocol, node, ip}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AnnouncedLabels {
    /// `namespace/name`.
    pub service: String,
    /// Always `layer2`.
    pub protocol: String,
    /// This node.
    pub node: String,
    /// The address.
    pub ip: String,
}

/// `metallb_k8s_client_*`: how the configuration and cluster updates went.
#[derive(Clone, Debug, Default)]
pub struct ClientMetrics {
    /// Updates processed.
    pub updates: Counter,
    /// Updates that failed.
    pub update_errors: Counter,
    /// 1 once a configuration has been loaded.
    pub config_loaded: Gauge,
    /// 1 while the cluster's configuration is refused and an older one is in force.
    pub config_stale: Gauge,
}

impl ClientMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "metallb_k8s_client_updates",
            "Number of k8s object updates that have been processed",
            self.updates.clone(),
        );
        registry.register(
            "metallb_k8s_client_update_errors",
            "Number of k8s object updates that failed for some reason",
            self.update_errors.clone(),
        );
        registry.register(
            "metallb_k8s_client_config_loaded_bool",
            "1 if the MetalLB configuration was successfully loaded at least once",
            self.config_loaded.clone(),
        );
        registry.register(
            "metallb_k8s_client_config_stale_bool",
            "1 if running on a stale configuration, because the latest config failed to load",
            self.config_stale.clone(),
        );
    }
}

/// The controller's metrics.
#[derive(Clone, Debug, Default)]
pub struct ControllerMetrics {
    /// Configuration and update counters.
    pub client: ClientMetrics,
    addresses: Family<PoolLabel, Gauge>,
    in_use: Family<PoolLabel, Gauge>,
    ipv4: Family<PoolLabel, Gauge>,
    ipv4_in_use: Family<PoolLabel, Gauge>,
    ipv6: Family<PoolLabel, Gauge>,
    ipv6_in_use: Family<PoolLabel, Gauge>,
    services: Family<PoolLabel, Gauge>,
}

impl ControllerMetrics {
    /// Registers every controller metric.
    pub fn new(registry: &mut Registry) -> Self {
        let metrics = ControllerMetrics::default();
        metrics.client.register(registry);
        for (name, help, family) in [
            ("metallb_allocator_addresses_total", "Number of usable IP addresses, per pool", &metrics.addresses),
            ("metallb_allocator_addresses_in_use_total", "Number of IP addresses in use, per pool", &metrics.in_use),
            ("metallb_allocator_ipv4_addresses_total", "Number of usable IPv4 addresses, per pool", &metrics.ipv4),
            (
                "metallb_allocator_ipv4_addresses_in_use_total",
                "Number of IPv4 addresses in use, per pool",
                &metrics.ipv4_in_use,
            ),
            ("metallb_allocator_ipv6_addresses_total", "Number of usable IPv6 addresses, per pool", &metrics.ipv6),
            (
                "metallb_allocator_ipv6_addresses_in_use_total",
                "Number of IPv6 addresses in use, per pool",
                &metrics.ipv6_in_use,
            ),
            ("metallb_allocator_services_allocated_total", "Number of services allocated, per pool", &metrics.services),
        ] {
            registry.register(name, help, family.clone());
        }
        metrics
    }

    /// Sets the pool gauges from the configuration and the addresses in use: `(pool, address)` pairs and
    /// the number of Services per pool.
    pub fn set_pools(&self, config: &Config, used: &[(String, std::net::IpAddr)], services: &[(String, usize)]) {
        for family in [
            &self.addresses,
            &self.in_use,
            &self.ipv4,
            &self.ipv4_in_use,
            &self.ipv6,
            &self.ipv6_in_use,
            &self.services,
        ] {
            family.clear();
        }
        let clamp = |n: u128| i64::try_from(n).unwrap_or(i64::MAX);
        for pool in &config.pools {
            let label = PoolLabel { pool: pool.name.clone() };
            let capacity = pool.capacity();
            self.ipv4.get_or_create(&label).set(clamp(capacity.ipv4));
            self.ipv6.get_or_create(&label).set(clamp(capacity.ipv6));
            self.addresses.get_or_create(&label).set(clamp(capacity.ipv4.saturating_add(capacity.ipv6)));
            let mine = used.iter().filter(|(p, _)| *p == pool.name);
            let v4 = mine.clone().filter(|(_, ip)| ip.is_ipv4()).count();
            let v6 = mine.filter(|(_, ip)| ip.is_ipv6()).count();
            self.ipv4_in_use.get_or_create(&label).set(clamp(v4 as u128));
            self.ipv6_in_use.get_or_create(&label).set(clamp(v6 as u128));
            self.in_use.get_or_create(&label).set(clamp((v4 + v6) as u128));
            let count = services.iter().find(|(p, _)| *p == pool.name).map_or(0, |(_, n)| *n);
            self.services.get_or_create(&label).set(clamp(count as u128));
        }
    }
}

/// A speaker's metrics.
#[derive(Clone, Debug, Default)]
pub struct SpeakerMetrics {
    /// Configuration and update counters.
    pub client: ClientMetrics,
    /// Requests received for owned addresses.
    pub requests_received: Family<IpLabel, Gauge>,
    /// Responses sent.
    pub responses_sent: Family<IpLabel, Gauge>,
    /// Gratuitous frames sent.
    pub gratuitous_sent: Family<IpLabel, Gauge>,
    /// 1 per address this node announces.
    pub announced: Family<AnnouncedLabels, Gauge>,
}

impl SpeakerMetrics {
    /// Registers every speaker metric.
    pub fn new(registry: &mut Registry) -> Self {
        let metrics = SpeakerMetrics::default();
        metrics.client.register(registry);
        registry.register(
            "metallb_layer2_requests_received",
            "Number of layer2 requests received for owned IPs",
            metrics.requests_received.clone(),
        );
        registry.register(
            "metallb_layer2_responses_sent",
            "Number of layer2 responses sent for owned IPs",
            metrics.responses_sent.clone(),
        );
        registry.register(
            "metallb_layer2_gratuitous_sent",
            "Number of gratuitous layer2 packets sent for owned IPs",
            metrics.gratuitous_sent.clone(),
        );
        registry.register("metallb_speaker_announced", "Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged", metrics.announced.clone());
        metrics
    }

    /// Counts one answered request for `ip`.
    pub fn answered(&self, ip: &str) {
        let label = IpLabel { ip: ip.to_string() };
        self.requests_received.get_or_create(&label).inc();
        self.responses_sent.get_or_create(&label).inc();
    }

    /// Counts gratuitous frames sent for `ip`.
    pub fn gratuitous(&self, ip: &str, frames: usize) {
        self.gratuitous_sent.get_or_create(&IpLabel { ip: ip.to_string() }).inc_by(i64::try_from(frames).unwrap_or(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(registry: &Registry) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, registry).expect("encodes");
        out
    }

    /// The speaker exports MetalLB's exact series names and labels.
    #[test]
    fn speaker_names() {
        let mut registry = Registry::default();
        let metrics = SpeakerMetrics::new(&mut registry);
        metrics.answered("172.18.255.200");
        metrics.gratuitous("172.18.255.200", 2);
        let labels = AnnouncedLabels {
            service: "default/web".into(),
            protocol: "layer2".into(),
            node: "n".into(),
            ip: "172.18.255.200".into(),
        };
        metrics.announced.get_or_create(&labels).set(1);
        let out = text(&registry);
        for line in [
            "metallb_layer2_requests_received{ip=\"172.18.255.200\"} 1",
            "metallb_layer2_responses_sent{ip=\"172.18.255.200\"} 1",
            "metallb_layer2_gratuitous_sent{ip=\"172.18.255.200\"} 2",
            "metallb_speaker_announced{service=\"default/web\",protocol=\"layer2\",node=\"n\",ip=\"172.18.255.200\"} 1",
            "metallb_k8s_client_config_stale_bool 0",
            "metallb_k8s_client_updates_total 0",
        ] {
            assert!(out.contains(line), "missing {line:?} in\n{out}");
        }
    }

    /// The controller's pool gauges count capacity and use per family.
    #[test]
    fn controller_pool_gauges() {
        let mut registry = Registry::default();
        let metrics = ControllerMetrics::new(&mut registry);
        let config = crate::config::build_config(
            Some("address-pools:\n- name: default\n  protocol: layer2\n  addresses: [172.18.255.200-172.18.255.250]\n"),
            &[],
            &[],
        )
        .expect("valid");
        metrics.set_pools(
            &config,
            &[("default".into(), "172.18.255.200".parse().expect("ip"))],
            &[("default".into(), 1)],
        );
        let out = text(&registry);
        for line in [
            "metallb_allocator_addresses_total{pool=\"default\"} 51",
            "metallb_allocator_addresses_in_use_total{pool=\"default\"} 1",
            "metallb_allocator_ipv4_addresses_in_use_total{pool=\"default\"} 1",
            "metallb_allocator_services_allocated_total{pool=\"default\"} 1",
        ] {
            assert!(out.contains(line), "missing {line:?} in\n{out}");
        }
    }
}
