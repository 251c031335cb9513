//! `L2Advertisement`: which pools are announced in layer-2 mode, for which Services, from which nodes and
//! interfaces. Without one, MetalLB announces nothing; the legacy ConfigMap implies a match-all one.
//!
//! MetalLB's own minimal example has no `spec` at all (every pool, every node, every interface), so the
//! spec reads a missing or null `spec` as an empty one: kube's derive makes `spec` a required field of
//! the object, and only the spec's own `Deserialize` can say what its absence means.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// The desired state of an `L2Advertisement`, field for field MetalLB v0.16.1's `L2AdvertisementSpec`.
#[derive(CustomResource, Clone, Debug, Default, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "metallb.io",
    version = "v1beta1",
    kind = "L2Advertisement",
    namespaced,
    status = "L2AdvertisementStatus",
    printcolumn = r#"{"name":"IPAddressPools","type":"string","jsonPath":".spec.ipAddressPools"}"#,
    printcolumn = r#"{"name":"IPAddressPool Selectors","type":"string","jsonPath":".spec.ipAddressPoolSelectors"}"#,
    printcolumn = r#"{"name":"Interfaces","type":"string","jsonPath":".spec.interfaces"}"#,
    printcolumn = r#"{"name":"Node Selectors","type":"string","jsonPath":".spec.nodeSelectors","priority":10}"#
)]
#[serde(rename_all = "camelCase")]
pub struct L2AdvertisementSpec {
    /// Pools announced through this advertisement, by name.
    #[serde(default, rename = "ipAddressPools", skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pools: Vec<String>,
    /// Pools announced through this advertisement, by label. With neither this nor the list, every pool.
    #[serde(default, rename = "ipAddressPoolSelectors", skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pool_selectors: Vec<LabelSelector>,
    /// Nodes that may announce; empty means every node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_selectors: Vec<LabelSelector>,
    /// Interfaces to announce from; empty means every eligible interface.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
    /// Services announced through this advertisement; empty means every Service of the selected pools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_selectors: Vec<LabelSelector>,
}

impl<'de> Deserialize<'de> for L2AdvertisementSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Option::<SpecFields>::deserialize(deserializer)?.unwrap_or_default();
        Ok(L2AdvertisementSpec {
            ip_address_pools: fields.ip_address_pools,
            ip_address_pool_selectors: fields.ip_address_pool_selectors,
            node_selectors: fields.node_selectors,
            interfaces: fields.interfaces,
            service_selectors: fields.service_selectors,
        })
    }
}

/// The spec as it is read, every field optional.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SpecFields {
    #[serde(rename = "ipAddressPools")]
    ip_address_pools: Vec<String>,
    #[serde(rename = "ipAddressPoolSelectors")]
    ip_address_pool_selectors: Vec<LabelSelector>,
    node_selectors: Vec<LabelSelector>,
    interfaces: Vec<String>,
    service_selectors: Vec<LabelSelector>,
}

/// An advertisement's status: empty in MetalLB too, present so the CRD has the same subresource.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct L2AdvertisementStatus {}

#[cfg(test)]
mod tests {
    use super::*;

    /// MetalLB's minimal advertisement, without a spec, reads as one that selects everything.
    #[test]
    fn missing_spec_is_empty() {
        let text = "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: example\n  namespace: metallb-system\n";
        let ad: L2Advertisement = serde_saphyr::from_str(text).expect("MetalLB's example parses");
        assert_eq!(ad.spec, L2AdvertisementSpec::default());
        let text = "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: x}\nspec:\n  interfaces: [eth1]\n  ipAddressPools: [lab]\n";
        let ad: L2Advertisement = serde_saphyr::from_str(text).expect("parses");
        assert_eq!((ad.spec.interfaces, ad.spec.ip_address_pools), (vec!["eth1".to_string()], vec!["lab".to_string()]));
    }
}
