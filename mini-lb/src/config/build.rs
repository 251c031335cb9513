//! From the objects a component reads (the legacy ConfigMap, `IPAddressPool`s, `L2Advertisement`s) to a
//! checked [`Config`], with MetalLB's rules: every range parses, pools have addresses and unique names, no
//! CIDR overlaps another within or across pools, advertisements name pools that exist and carry valid
//! selectors. Every problem is collected, so one refusal lists them all.

use cluster_state::Snapshot;
use cluster_state::k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::ResourceExt;
use kube::core::Selector;

use super::legacy::{CONFIG_KEY, parse_legacy};
use super::pool::{Advertisement, Config, Labels, Pinning, Pool, any_selects};
use super::range::parse_range;
use crate::crd::{IPAddressPool, IPAddressPoolSpec, L2Advertisement, L2AdvertisementSpec};

/// The name of the advertisement the legacy ConfigMap implies for each of its layer-2 pools.
pub const LEGACY_ADVERTISEMENT: &str = "legacy-layer2";

/// Where a component finds its configuration: MetalLB's namespace and the legacy ConfigMap's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigLocation {
    /// `metallb-system` by default; pools and advertisements are read only here, as MetalLB does.
    pub namespace: String,
    /// `config` by default (`--config`).
    pub configmap: String,
}

/// A configuration that was refused, with every reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid MetalLB configuration: {}", .problems.join("; "))]
pub struct InvalidConfig {
    /// One sentence per problem, naming the pool or advertisement and the bad value.
    pub problems: Vec<String>,
}

/// A pool before its checks: from a CRD or from the legacy ConfigMap.
struct PoolSource<'a> {
    name: String,
    labels: Labels,
    spec: &'a IPAddressPoolSpec,
    legacy_layer2: bool,
}

/// Reads the configuration objects of `location` from a snapshot and checks them.
pub fn config_from_snapshot(snapshot: &Snapshot, location: &ConfigLocation) -> Result<Config, InvalidConfig> {
    let configmap = snapshot.objects::<ConfigMap>().get(&location.namespace, &location.configmap);
    let legacy = configmap.and_then(|cm| cm.data.as_ref()).and_then(|data| data.get(CONFIG_KEY)).map(String::as_str);
    let pools: Vec<&IPAddressPool> = snapshot.objects::<IPAddressPool>().in_namespace(&location.namespace).collect();
    let ads: Vec<&L2Advertisement> = snapshot.objects::<L2Advertisement>().in_namespace(&location.namespace).collect();
    build_config(legacy, &pools, &ads)
}

/// Checks the legacy ConfigMap's text (if any), the pools and the advertisements together.
pub fn build_config(
    legacy: Option<&str>,
    pools: &[&IPAddressPool],
    ads: &[&L2Advertisement],
) -> Result<Config, InvalidConfig> {
    let mut problems = Vec::new();
    let legacy_pools = match legacy.map(parse_legacy) {
        Some(Ok(pools)) => pools,
        Some(Err(reason)) => {
            problems.push(format!("ConfigMap key {CONFIG_KEY:?}: {reason}"));
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut sources: Vec<PoolSource<'_>> = legacy_pools
        .iter()
        .map(|p| PoolSource { name: p.name.clone(), labels: Labels::new(), spec: &p.spec, legacy_layer2: p.layer2 })
        .collect();
    sources.extend(pools.iter().map(|p| PoolSource {
        name: p.name_any(),
        labels: p.labels().clone(),
        spec: &p.spec,
        legacy_layer2: false,
    }));
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let mut checked: Vec<(Pool, Labels)> = Vec::new();
    for source in &sources {
        if checked.iter().any(|(pool, _)| pool.name == source.name) {
            problems.push(format!("pool {:?} is defined twice", source.name));
            continue;
        }
        if let Some(pool) = check_pool(source, &mut problems) {
            checked.push((pool, source.labels.clone()));
        }
    }
    check_overlaps(&checked, &mut problems);
    for ad in ads {
        attach_advertisement(&ad.name_any(), &ad.spec, &mut checked, &mut problems);
    }
    if problems.is_empty() {
        Ok(Config { pools: checked.into_iter().map(|(pool, _)| pool).collect() })
    } else {
        Err(InvalidConfig { problems })
    }
}

/// One pool's own checks: a name, at least one address, every range and selector valid.
fn check_pool(source: &PoolSource<'_>, problems: &mut Vec<String>) -> Option<Pool> {
    let name = &source.name;
    let before = problems.len();
    if name.is_empty() {
        problems.push("a pool has no name".into());
    }
    if source.spec.addresses.is_empty() {
        problems.push(format!("pool {name:?} has no addresses"));
    }
    let mut cidrs = Vec::new();
    for text in &source.spec.addresses {
        match parse_range(text) {
            Ok(nets) => cidrs.extend(nets),
            Err(reason) => problems.push(format!("pool {name:?}: invalid address range {text:?}: {reason}")),
        }
    }
    let pinning = source.spec.service_allocation.as_ref().map(|allocation| Pinning {
        priority: allocation.priority.unwrap_or(0),
        namespaces: allocation.namespaces.clone(),
        namespace_selectors: selectors(&allocation.namespace_selectors, name, problems),
        service_selectors: selectors(&allocation.service_selectors, name, problems),
    });
    let advertisements = if source.legacy_layer2 {
        vec![Advertisement {
            name: LEGACY_ADVERTISEMENT.into(),
            node_selectors: Vec::new(),
            interfaces: Vec::new(),
            service_selectors: Vec::new(),
        }]
    } else {
        Vec::new()
    };
    (problems.len() == before).then(|| Pool {
        name: name.clone(),
        cidrs,
        auto_assign: source.spec.auto_assign.unwrap_or(true),
        avoid_buggy_ips: source.spec.avoid_buggy_ips.unwrap_or(false),
        pinning,
        advertisements,
    })
}

/// MetalLB's overlap rule: no CIDR may overlap another, in the same pool or another one.
fn check_overlaps(pools: &[(Pool, Labels)], problems: &mut Vec<String>) {
    let all: Vec<(&str, &ipnet::IpNet)> =
        pools.iter().flat_map(|(pool, _)| pool.cidrs.iter().map(move |net| (pool.name.as_str(), net))).collect();
    for (at, (pool, net)) in all.iter().enumerate() {
        for (other_pool, other) in &all[..at] {
            if net.contains(&other.network()) || other.contains(&net.network()) {
                problems.push(format!(
                    "CIDR \"{net}\" in pool {pool:?} overlaps with already defined CIDR \"{other}\" (pool {other_pool:?})"
                ));
            }
        }
    }
}

/// Adds an advertisement to every pool it selects: by name, by label, or all pools when it names none.
fn attach_advertisement(
    name: &str,
    spec: &L2AdvertisementSpec,
    pools: &mut [(Pool, Labels)],
    problems: &mut Vec<String>,
) {
    let before = problems.len();
    for wanted in &spec.ip_address_pools {
        if !pools.iter().any(|(pool, _)| &pool.name == wanted) {
            problems.push(format!("L2Advertisement {name:?} names pool {wanted:?}, which does not exist"));
        }
    }
    let pool_selectors = selectors(&spec.ip_address_pool_selectors, name, problems);
    let advertisement = Advertisement {
        name: name.to_string(),
        node_selectors: selectors(&spec.node_selectors, name, problems),
        interfaces: spec.interfaces.clone(),
        service_selectors: selectors(&spec.service_selectors, name, problems),
    };
    if problems.len() != before {
        return;
    }
    let all_pools = spec.ip_address_pools.is_empty() && pool_selectors.is_empty();
    for (pool, labels) in pools.iter_mut() {
        let by_name = spec.ip_address_pools.contains(&pool.name);
        let by_label = !pool_selectors.is_empty() && any_selects(&pool_selectors, labels);
        if all_pools || by_name || by_label {
            pool.advertisements.push(advertisement.clone());
        }
    }
}

/// Label selectors as kube matches them; a bad one is a problem of `owner`.
fn selectors(selectors: &[LabelSelector], owner: &str, problems: &mut Vec<String>) -> Vec<Selector> {
    let mut parsed = Vec::new();
    for selector in selectors {
        match Selector::try_from(selector.clone()) {
            Ok(selector) => parsed.push(selector),
            Err(error) => problems.push(format!("{owner:?}: invalid label selector: {error}")),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use kube::api::ObjectMeta;

    use super::*;

    fn pool(name: &str, addresses: &[&str]) -> IPAddressPool {
        let spec =
            IPAddressPoolSpec { addresses: addresses.iter().map(ToString::to_string).collect(), ..Default::default() };
        IPAddressPool { metadata: named(name), spec, status: None }
    }

    fn named(name: &str) -> ObjectMeta {
        ObjectMeta { name: Some(name.into()), namespace: Some("metallb-system".into()), ..Default::default() }
    }

    fn ad(name: &str, spec: L2AdvertisementSpec) -> L2Advertisement {
        L2Advertisement { metadata: named(name), spec, status: None }
    }

    /// The lab's legacy ConfigMap gives one auto-assigned layer-2 pool announced everywhere.
    #[test]
    fn legacy_configmap_becomes_an_announced_pool() {
        let text =
            "address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - 172.18.255.200-172.18.255.250";
        let config = build_config(Some(text), &[], &[]).expect("valid");
        let pool = config.pool("default").expect("the pool");
        assert!(pool.auto_assign && !pool.avoid_buggy_ips);
        assert_eq!(pool.cidrs.len(), 6);
        assert_eq!(pool.advertisements.len(), 1);
        assert!(pool.advertisements[0].interfaces.is_empty());
    }

    /// The legacy form maps to the same Config as the equivalent CRDs with a match-all advertisement.
    #[test]
    fn legacy_equals_crds_plus_match_all_advertisement() {
        let text = "address-pools:\n- name: default\n  protocol: layer2\n  addresses: [10.0.0.0/24]\n  auto-assign: false\n  avoid-buggy-ips: true\n";
        let mut crd = pool("default", &["10.0.0.0/24"]);
        crd.spec.auto_assign = Some(false);
        crd.spec.avoid_buggy_ips = Some(true);
        let everything = ad(LEGACY_ADVERTISEMENT, L2AdvertisementSpec::default());
        assert_eq!(build_config(Some(text), &[], &[]), build_config(None, &[&crd], &[&everything]));
    }

    /// Overlaps within and across pools are refused, naming both CIDRs; every problem is listed.
    #[test]
    fn overlaps_are_refused() {
        let a = pool("a", &["10.0.0.0/24", "10.0.0.128/25"]);
        let b = pool("b", &["10.0.0.5-10.0.0.6", "not-an-ip"]);
        let error = build_config(None, &[&a, &b], &[]).expect_err("overlapping");
        assert_eq!(error.problems.len(), 2, "{error}");
        assert!(error.problems[0].contains("invalid address range \"not-an-ip\""), "{error}");
        let error = build_config(None, &[&a], &[]).expect_err("overlapping within a pool");
        assert_eq!(
            error.problems,
            ["CIDR \"10.0.0.128/25\" in pool \"a\" overlaps with already defined CIDR \"10.0.0.0/24\" (pool \"a\")"]
        );
        let c = pool("c", &["10.0.1.0/24"]);
        let d = pool("d", &["10.0.1.7/32"]);
        assert!(build_config(None, &[&c, &d], &[]).expect_err("across pools").problems[0].contains("pool \"d\""));
    }

    /// Advertisements attach by name, by label, or to every pool; an unknown pool name is refused.
    #[test]
    fn advertisements_select_pools() {
        let mut labelled = pool("labelled", &["10.0.2.0/24"]);
        labelled.metadata.labels = Some([("zone".to_string(), "a".to_string())].into());
        let named_pool = pool("named", &["10.0.1.0/24"]);
        let other = pool("other", &["10.0.3.0/24"]);
        let by_name =
            ad("by-name", L2AdvertisementSpec { ip_address_pools: vec!["named".into()], ..Default::default() });
        let selector =
            LabelSelector { match_labels: Some([("zone".to_string(), "a".to_string())].into()), ..Default::default() };
        let by_label =
            ad("by-label", L2AdvertisementSpec { ip_address_pool_selectors: vec![selector], ..Default::default() });
        let config = build_config(None, &[&labelled, &named_pool, &other], &[&by_name, &by_label]).expect("valid");
        let ads = |name: &str| -> Vec<String> {
            config.pool(name).expect("pool").advertisements.iter().map(|a| a.name.clone()).collect()
        };
        assert_eq!(ads("named"), ["by-name"]);
        assert_eq!(ads("labelled"), ["by-label"]);
        assert!(ads("other").is_empty());
        let unknown = ad("bad", L2AdvertisementSpec { ip_address_pools: vec!["nope".into()], ..Default::default() });
        let error = build_config(None, &[&other], &[&unknown]).expect_err("unknown pool");
        assert!(error.to_string().contains("names pool \"nope\", which does not exist"), "{error}");
    }

    /// Empty pools, duplicate names and malformed legacy text are refused.
    #[test]
    fn other_mistakes_are_refused() {
        let empty = pool("empty", &[]);
        assert!(build_config(None, &[&empty], &[]).expect_err("empty").problems[0].contains("has no addresses"));
        let text = "address-pools:\n- name: x\n  protocol: layer2\n  addresses: [10.9.0.0/24]\n";
        let twin = pool("x", &["10.8.0.0/24"]);
        assert!(build_config(Some(text), &[&twin], &[]).expect_err("twice").problems[0].contains("defined twice"));
        assert!(build_config(Some("address-pools: ["), &[], &[]).is_err());
    }
}
