//! What a Service asks of the allocator, read once from the object: MetalLB's annotations (current
//! `metallb.io/` keys first, then the deprecated `metallb.universe.tf/` ones), `spec.loadBalancerIP`,
//! ports, the backend key and the address families.

use std::fmt;
use std::net::IpAddr;

use cluster_state::k8s_openapi::api::core::v1::Service;
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;

use crate::config::pool::Labels;

/// The current annotation prefix.
const PREFIX: &str = "metallb.io/";
/// The prefix before 0.14.9, still read as a fallback.
const DEPRECATED_PREFIX: &str = "metallb.universe.tf/";
/// Requested addresses, comma separated (dual stack).
pub const ANNOTATION_LOAD_BALANCER_IPS: &str = "loadBalancerIPs";
/// The pool to allocate from.
pub const ANNOTATION_ADDRESS_POOL: &str = "address-pool";
/// The sharing key.
pub const ANNOTATION_ALLOW_SHARED_IP: &str = "allow-shared-ip";
/// The pool an address came from, written by MetalLB's controller.
pub const ANNOTATION_ALLOCATED_FROM_POOL: &str = "ip-allocated-from-pool";

const LOAD_BALANCER: &str = "LoadBalancer";
const LOCAL: &str = "Local";

/// A Service's namespace and name: how Services are told apart and ordered.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceKey {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(ip: IpAddr) -> Family {
        if ip.is_ipv4() { Family::V4 } else { Family::V6 }
    }

    fn other(self) -> Family {
        match self {
            Family::V4 => Family::V6,
            Family::V6 => Family::V4,
        }
    }
}

/// `spec.ipFamilyPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyPolicy {
    /// One family (the default).
    SingleStack,
    /// Both if possible.
    PreferDualStack,
    /// Both or nothing.
    RequireDualStack,
}

/// A `(protocol, port)` pair, printed as MetalLB prints it: `TCP/80`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port {
    /// TCP, UDP or SCTP.
    pub protocol: String,
    /// The Service port.
    pub port: i32,
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.protocol, self.port)
    }
}

/// `--lb-class`: which Services are ours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LbClass(pub Option<String>);

impl LbClass {
    /// MetalLB's filter: without a class only class-less Services, with one only Services of that class.
    pub fn handles(&self, service: &Service) -> bool {
        let class = service.spec.as_ref().and_then(|spec| spec.load_balancer_class.as_deref());
        class == self.0.as_deref()
    }
}

/// What one Service asks of the allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Which Service.
    pub key: ServiceKey,
    /// Its labels (for pool serviceSelectors).
    pub labels: Labels,
    /// Its namespace's labels (for pool namespaceSelectors).
    pub namespace_labels: Labels,
    /// `spec.type` is LoadBalancer.
    pub load_balancer: bool,
    /// The requested addresses, or why the request is invalid; empty when none are requested.
    pub requested: Result<Vec<IpAddr>, String>,
    /// The pool annotation.
    pub pool: Option<String>,
    /// The sharing key; empty when the Service does not share.
    pub sharing: String,
    /// The selector when externalTrafficPolicy is Local, otherwise empty.
    pub backend: String,
    /// The Service's ports.
    pub ports: Vec<Port>,
    /// Families in order of preference (the first is the primary).
    pub families: Vec<Family>,
    /// The family policy.
    pub policy: FamilyPolicy,
    /// The addresses the status already holds.
    pub current: Vec<IpAddr>,
    /// When the Service was created (none in a file): older Services are served first.
    pub created: Option<Timestamp>,
}

/// An annotation by its current key, falling back to the deprecated one.
pub fn annotation<'a>(service: &'a Service, key: &str) -> Option<&'a str> {
    let annotations = service.annotations();
    annotations
        .get(&format!("{PREFIX}{key}"))
        .or_else(|| annotations.get(&format!("{DEPRECATED_PREFIX}{key}")))
        .map(String::as_str)
}

/// The addresses a Service's status holds, in order.
pub fn status_ips(service: &Service) -> Vec<IpAddr> {
    let ingress = service.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|lb| lb.ingress.as_ref());
    ingress.into_iter().flatten().filter_map(|i| i.ip.as_deref()).filter_map(|ip| ip.parse().ok()).collect()
}

impl Request {
    /// Reads a Service, with the labels of its namespace.
    pub fn of(service: &Service, namespace_labels: &Labels) -> Request {
        let spec = service.spec.clone().unwrap_or_default();
        let families = families(&spec);
        let policy = match spec.ip_family_policy.as_deref() {
            Some("PreferDualStack") => FamilyPolicy::PreferDualStack,
            Some("RequireDualStack") => FamilyPolicy::RequireDualStack,
            _ => FamilyPolicy::SingleStack,
        };
        let ports = spec
            .ports
            .iter()
            .flatten()
            .map(|p| Port { protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()), port: p.port })
            .collect();
        let backend = if spec.external_traffic_policy.as_deref() == Some(LOCAL) {
            selector_string(spec.selector.as_ref())
        } else {
            String::new()
        };
        Request {
            key: ServiceKey { namespace: service.namespace().unwrap_or_default(), name: service.name_any() },
            labels: service.labels().clone(),
            namespace_labels: namespace_labels.clone(),
            load_balancer: spec.type_.as_deref() == Some(LOAD_BALANCER),
            requested: requested_ips(service, spec.load_balancer_ip.as_deref()),
            pool: annotation(service, ANNOTATION_ADDRESS_POOL).filter(|p| !p.is_empty()).map(String::from),
            sharing: annotation(service, ANNOTATION_ALLOW_SHARED_IP).unwrap_or_default().to_string(),
            backend,
            ports,
            families,
            policy,
            current: status_ips(service),
            created: service.metadata.creation_timestamp.as_ref().map(|t| t.0),
        }
    }

    /// Sorts requests into the order a pass serves them: oldest first, then by namespace and name.
    pub fn sort(requests: &mut [Request]) {
        requests.sort_by(|a, b| (a.created, &a.key).cmp(&(b.created, &b.key)));
    }

    /// The families to allocate: the primary only, or both for dual stack.
    pub fn wanted_families(&self) -> Vec<Family> {
        let primary = self.families.first().copied().unwrap_or(Family::V4);
        match self.policy {
            FamilyPolicy::SingleStack => vec![primary],
            _ => vec![primary, primary.other()],
        }
    }
}

/// `spec.ipFamilies`, else the families of the cluster IPs, else IPv4 (a Service in a file may have none).
fn families(spec: &cluster_state::k8s_openapi::api::core::v1::ServiceSpec) -> Vec<Family> {
    let named: Vec<Family> = spec
        .ip_families
        .iter()
        .flatten()
        .filter_map(|f| match f.as_str() {
            "IPv4" => Some(Family::V4),
            "IPv6" => Some(Family::V6),
            _ => None,
        })
        .collect();
    if !named.is_empty() {
        return named;
    }
    let cluster_ips = spec.cluster_ips.iter().flatten().chain(spec.cluster_ip.iter());
    let mut found: Vec<Family> = cluster_ips.filter_map(|ip| ip.parse().ok()).map(Family::of).collect();
    found.dedup();
    if found.is_empty() { vec![Family::V4] } else { found }
}

/// The requested addresses: the annotation or `spec.loadBalancerIP`, never both (MetalLB's rule).
fn requested_ips(service: &Service, spec_ip: Option<&str>) -> Result<Vec<IpAddr>, String> {
    let annotated = annotation(service, ANNOTATION_LOAD_BALANCER_IPS).filter(|v| !v.is_empty());
    let spec_ip = spec_ip.filter(|v| !v.is_empty());
    match (annotated, spec_ip) {
        (Some(_), Some(_)) => {
            Err(format!("service can not have both {PREFIX}{ANNOTATION_LOAD_BALANCER_IPS} and svc.Spec.LoadBalancerIP"))
        }
        (Some(list), None) => list
            .split(',')
            .map(|ip| {
                ip.trim().parse().map_err(|_| format!("invalid {PREFIX}{ANNOTATION_LOAD_BALANCER_IPS}: {list:?}"))
            })
            .collect(),
        (None, Some(ip)) => {
            ip.trim().parse().map(|ip| vec![ip]).map_err(|_| format!("invalid spec.loadBalancerIP {ip:?}"))
        }
        (None, None) => Ok(Vec::new()),
    }
}

/// A selector as Kubernetes' `labels.Set.String()` prints it: `k=v` pairs sorted by key, comma separated.
fn selector_string(selector: Option<&std::collections::BTreeMap<String, String>>) -> String {
    selector.into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use cluster_state::k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
    use kube::api::ObjectMeta;

    use super::*;

    fn service(annotations: &[(&str, &str)], spec: ServiceSpec) -> Service {
        let metadata = ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            annotations: Some(annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ..Default::default()
        };
        Service { metadata, spec: Some(spec), status: None }
    }

    fn lb() -> ServiceSpec {
        ServiceSpec { type_: Some("LoadBalancer".into()), ..Default::default() }
    }

    /// Requested addresses come from the annotation or the spec; both at once is an error.
    #[test]
    fn requested_addresses() {
        let by_annotation = service(&[("metallb.io/loadBalancerIPs", "10.0.0.1, fc00::1")], lb());
        assert_eq!(Request::of(&by_annotation, &Labels::new()).requested.expect("valid").len(), 2);
        let by_spec = service(&[], ServiceSpec { load_balancer_ip: Some("10.0.0.2".into()), ..lb() });
        assert_eq!(Request::of(&by_spec, &Labels::new()).requested, Ok(vec!["10.0.0.2".parse().expect("ip")]));
        let both = service(
            &[("metallb.io/loadBalancerIPs", "10.0.0.1")],
            ServiceSpec { load_balancer_ip: Some("10.0.0.2".into()), ..lb() },
        );
        let error = Request::of(&both, &Labels::new()).requested.expect_err("both");
        assert!(error.starts_with("service can not have both"), "{error}");
        let garbage = service(&[("metallb.io/loadBalancerIPs", "10.0.0.x")], lb());
        assert!(Request::of(&garbage, &Labels::new()).requested.is_err());
    }

    /// The deprecated prefix is read when the current one is absent; the current one wins.
    #[test]
    fn deprecated_annotations_are_a_fallback() {
        let old = service(&[("metallb.universe.tf/address-pool", "old")], lb());
        assert_eq!(Request::of(&old, &Labels::new()).pool.as_deref(), Some("old"));
        let both = service(&[("metallb.universe.tf/address-pool", "old"), ("metallb.io/address-pool", "new")], lb());
        assert_eq!(Request::of(&both, &Labels::new()).pool.as_deref(), Some("new"));
    }

    /// Ports print as MetalLB's `TCP/80`; the backend key is the sorted selector only under ETP Local.
    #[test]
    fn ports_and_backend_key() {
        let spec = ServiceSpec {
            ports: Some(vec![ServicePort { port: 80, ..Default::default() }]),
            selector: Some([("b".to_string(), "2".to_string()), ("a".to_string(), "1".to_string())].into()),
            external_traffic_policy: Some("Local".into()),
            ..lb()
        };
        let request = Request::of(&service(&[], spec.clone()), &Labels::new());
        assert_eq!(request.ports[0].to_string(), "TCP/80");
        assert_eq!(request.backend, "a=1,b=2");
        let cluster = ServiceSpec { external_traffic_policy: Some("Cluster".into()), ..spec };
        assert_eq!(Request::of(&service(&[], cluster), &Labels::new()).backend, "");
    }

    /// Families come from ipFamilies, then cluster IPs, then default to IPv4; dual stack asks for both.
    #[test]
    fn families_and_policy() {
        let v6 = ServiceSpec { cluster_ip: Some("fd00::1".into()), ..lb() };
        assert_eq!(Request::of(&service(&[], v6), &Labels::new()).wanted_families(), [Family::V6]);
        let dual = ServiceSpec {
            ip_families: Some(vec!["IPv6".into(), "IPv4".into()]),
            ip_family_policy: Some("RequireDualStack".into()),
            ..lb()
        };
        let request = Request::of(&service(&[], dual), &Labels::new());
        assert_eq!(
            (request.policy, request.wanted_families()),
            (FamilyPolicy::RequireDualStack, vec![Family::V6, Family::V4])
        );
        assert_eq!(Request::of(&service(&[], lb()), &Labels::new()).wanted_families(), [Family::V4]);
    }

    /// Without --lb-class only class-less Services are ours; with one, only that class.
    #[test]
    fn load_balancer_class_filter() {
        let plain = service(&[], lb());
        let classed = service(&[], ServiceSpec { load_balancer_class: Some("x".into()), ..lb() });
        assert!(LbClass(None).handles(&plain) && !LbClass(None).handles(&classed));
        let x = LbClass(Some("x".into()));
        assert!(x.handles(&classed) && !x.handles(&plain));
        assert!(!LbClass(Some("y".into())).handles(&classed));
    }
}
