//! The checked configuration: pools with their CIDRs and options, and the layer-2 advertisements that
//! apply to each, with the questions the allocator and the election ask of them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use kube::core::{Selector, SelectorExt};

/// Every pool, sorted by name (which is also the order pools are tried in, where MetalLB's is random).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The pools, by name.
    pub pools: Vec<Pool>,
}

/// One pool of addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// The pool's name (the `metallb.io/address-pool` annotation's value).
    pub name: String,
    /// Its addresses, as non-overlapping CIDRs in the order written.
    pub cidrs: Vec<IpNet>,
    /// Handed out unasked.
    pub auto_assign: bool,
    /// Never hand out IPv4 addresses ending in .0 or .255.
    pub avoid_buggy_ips: bool,
    /// Reserved for some namespaces or Services.
    pub pinning: Option<Pinning>,
    /// The layer-2 advertisements announcing this pool; none means it is allocated but never announced.
    pub advertisements: Vec<Advertisement>,
}

/// A pool's `serviceAllocation`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pinning {
    /// Lower first; 0 (unset) after every set value.
    pub priority: i32,
    /// Namespaces whose Services may use the pool.
    pub namespaces: Vec<String>,
    /// Namespace label selectors.
    pub namespace_selectors: Vec<Selector>,
    /// Service label selectors.
    pub service_selectors: Vec<Selector>,
}

/// One layer-2 advertisement as it applies to a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Advertisement {
    /// The L2Advertisement's name (or `legacy-layer2` for the ConfigMap's implicit one).
    pub name: String,
    /// Nodes that may announce; empty selects every node.
    pub node_selectors: Vec<Selector>,
    /// Interfaces to announce from; empty means all eligible ones.
    pub interfaces: Vec<String>,
    /// Services announced; empty selects every Service.
    pub service_selectors: Vec<Selector>,
}

/// Labels as Kubernetes objects carry them.
pub type Labels = BTreeMap<String, String>;

/// Whether any selector of a non-empty list matches, or the list is empty (which selects everything).
pub fn any_selects(selectors: &[Selector], labels: &Labels) -> bool {
    selectors.is_empty() || selectors.iter().any(|selector| selector.matches(labels))
}

impl Advertisement {
    /// Whether the node with these labels may announce through this advertisement.
    pub fn selects_node(&self, labels: &Labels) -> bool {
        any_selects(&self.node_selectors, labels)
    }

    /// Whether the Service with these labels is announced through this advertisement.
    pub fn selects_service(&self, labels: &Labels) -> bool {
        any_selects(&self.service_selectors, labels)
    }
}

/// How many addresses a pool has, per family, as MetalLB's allocator metrics count them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capacity {
    /// IPv4 addresses.
    pub ipv4: u128,
    /// IPv6 addresses (saturating).
    pub ipv6: u128,
}

impl Pool {
    /// The pool holding `ip`, if any.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidrs.iter().any(|net| net.contains(&ip))
    }

    /// Whether `ip` may be handed out from this pool: in it, and not a buggy address when those are avoided.
    pub fn may_hand_out(&self, ip: IpAddr) -> bool {
        self.contains(ip) && !(self.avoid_buggy_ips && is_buggy(ip))
    }

    /// The pool's size, without the buggy addresses when they are avoided.
    pub fn capacity(&self) -> Capacity {
        let mut capacity = Capacity::default();
        for net in &self.cidrs {
            let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
            let size = if host_bits >= 128 { u128::MAX } else { 1u128 << host_bits };
            match net {
                IpNet::V4(v4) => {
                    let buggy = if !self.avoid_buggy_ips {
                        0
                    } else if v4.prefix_len() <= 24 {
                        size / 256 * 2
                    } else {
                        let (first, last) = (IpAddr::V4(v4.network()), IpAddr::V4(v4.broadcast()));
                        u128::from(is_buggy(first)) + u128::from(first != last && is_buggy(last))
                    };
                    capacity.ipv4 += size - buggy.min(size);
                }
                IpNet::V6(_) => capacity.ipv6 = capacity.ipv6.saturating_add(size),
            }
        }
        capacity
    }

    /// Whether this pool is announced to the Service with these labels by some advertisement.
    pub fn advertisements_for(&self, service_labels: &Labels) -> Vec<&Advertisement> {
        self.advertisements.iter().filter(|ad| ad.selects_service(service_labels)).collect()
    }
}

impl Config {
    /// The pool named `name`.
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|pool| pool.name == name)
    }

    /// The pool holding `ip` (pools never overlap, so at most one).
    pub fn pool_of(&self, ip: IpAddr) -> Option<&Pool> {
        self.pools.iter().find(|pool| pool.contains(ip))
    }
}

/// An IPv4 address ending in .0 or .255, which some old firmware mistakes for a broadcast address.
pub fn is_buggy(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => matches!(v4.octets()[3], 0 | 255),
        IpAddr::V6(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(cidrs: &[&str], avoid_buggy_ips: bool) -> Pool {
        Pool {
            name: "p".into(),
            cidrs: cidrs.iter().map(|c| c.parse().expect("a CIDR")).collect(),
            auto_assign: true,
            avoid_buggy_ips,
            pinning: None,
            advertisements: Vec::new(),
        }
    }

    /// A /24 holds 256 addresses, 254 with avoidBuggyIPs; a /30 ending on .255 loses one.
    #[test]
    fn capacity_counts_buggy_addresses_like_metallb() {
        assert_eq!(pool(&["10.0.0.0/24"], false).capacity().ipv4, 256);
        assert_eq!(pool(&["10.0.0.0/24"], true).capacity().ipv4, 254);
        assert_eq!(pool(&["10.0.0.0/23"], true).capacity().ipv4, 508);
        assert_eq!(pool(&["10.0.0.252/30"], true).capacity().ipv4, 3);
        assert_eq!(pool(&["10.0.0.4/30"], true).capacity().ipv4, 4);
    }

    /// A huge IPv6 prefix does not overflow.
    #[test]
    fn huge_ipv6_pools_saturate() {
        let capacity = pool(&["::/1", "8000::/1"], false).capacity();
        assert_eq!(capacity.ipv6, u128::MAX);
        assert_eq!(pool(&["fc00::/120"], true).capacity().ipv6, 256);
    }

    /// Buggy addresses are refused only when the pool avoids them, and never for IPv6.
    #[test]
    fn buggy_addresses() {
        let avoiding = pool(&["10.0.0.0/24", "fc00::/120"], true);
        assert!(!avoiding.may_hand_out("10.0.0.0".parse().expect("ip")));
        assert!(!avoiding.may_hand_out("10.0.0.255".parse().expect("ip")));
        assert!(avoiding.may_hand_out("10.0.0.1".parse().expect("ip")));
        assert!(avoiding.may_hand_out("fc00::ff".parse().expect("ip")));
        assert!(pool(&["10.0.0.0/24"], false).may_hand_out("10.0.0.0".parse().expect("ip")));
    }
}
