//! The legacy `config` ConfigMap (MetalLB up to 0.12, and the lab's `metallb-configmap.yaml`): its
//! `config` key holds YAML with `address-pools`. Each pool becomes the IPAddressPool it stands for, and a
//! `layer2` pool also gets an implicit match-all L2Advertisement, since legacy layer-2 mode announced every
//! layer-2 pool from every node. MetalLB itself stopped reading this in 0.13.2; mini-lb still does.

use serde::Deserialize;

use crate::crd::IPAddressPoolSpec;

/// The ConfigMap key holding the configuration.
pub const CONFIG_KEY: &str = "config";

/// The one protocol mini-lb announces.
pub const LAYER2: &str = "layer2";

/// The document under the `config` key (other keys, such as `bgp-peers`, are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LegacyDocument {
    #[serde(default)]
    address_pools: Vec<LegacyPool>,
}

/// One entry of `address-pools`, with the converter's field names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LegacyPool {
    name: String,
    protocol: String,
    #[serde(default)]
    addresses: Vec<String>,
    auto_assign: Option<bool>,
    avoid_buggy_ips: Option<bool>,
}

/// A pool of the legacy format, as the CRD spec it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct LegacyPoolSpec {
    /// The pool's name.
    pub name: String,
    /// Its spec.
    pub spec: IPAddressPoolSpec,
    /// Whether it is announced in layer-2 mode (a `bgp` pool still allocates, but nothing announces it).
    pub layer2: bool,
}

/// Parses the `config` key's text; the error is serde's reason.
pub fn parse_legacy(text: &str) -> Result<Vec<LegacyPoolSpec>, String> {
    let document: LegacyDocument = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut pools = Vec::new();
    for pool in document.address_pools {
        let layer2 = match pool.protocol.as_str() {
            LAYER2 => true,
            "bgp" => false,
            other => return Err(format!("pool {:?}: unknown protocol {other:?} (expected layer2 or bgp)", pool.name)),
        };
        let spec = IPAddressPoolSpec {
            addresses: pool.addresses,
            auto_assign: pool.auto_assign,
            avoid_buggy_ips: pool.avoid_buggy_ips,
            service_allocation: None,
        };
        pools.push(LegacyPoolSpec { name: pool.name, spec, layer2 });
    }
    Ok(pools)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lab's ConfigMap, byte for byte, is one layer-2 pool with MetalLB's defaults.
    #[test]
    fn lab_configmap_is_one_layer2_pool() {
        let text =
            "address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - 172.18.255.200-172.18.255.250";
        let pools = parse_legacy(text).expect("the lab's config parses");
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].name, "default");
        assert!(pools[0].layer2);
        assert_eq!(pools[0].spec.addresses, ["172.18.255.200-172.18.255.250"]);
        assert_eq!((pools[0].spec.auto_assign, pools[0].spec.avoid_buggy_ips), (None, None));
    }

    /// `auto-assign: false` and `avoid-buggy-ips: true` map to the CRD fields; bgp pools are kept, unannounced.
    #[test]
    fn options_map_to_crd_fields() {
        let text = "address-pools:\n- name: a\n  protocol: layer2\n  addresses: [10.0.0.0/24]\n  auto-assign: false\n  avoid-buggy-ips: true\n- name: b\n  protocol: bgp\n  addresses: [10.1.0.0/24]\nbgp-peers: []\n";
        let pools = parse_legacy(text).expect("parses");
        assert_eq!(pools[0].spec.auto_assign, Some(false));
        assert_eq!(pools[0].spec.avoid_buggy_ips, Some(true));
        assert!(!pools[1].layer2);
    }

    /// An unknown protocol and malformed YAML are refused.
    #[test]
    fn bad_documents_are_refused() {
        let error = parse_legacy("address-pools:\n- name: a\n  protocol: arp\n  addresses: []\n").expect_err("arp");
        assert!(error.contains("unknown protocol \"arp\""), "{error}");
        assert!(parse_legacy("address-pools: {").is_err());
    }
}
