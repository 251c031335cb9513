//! The cluster as DNS sees it: Services with their ports and ready endpoints, namespaces, and the reverse
//! maps, built from one cluster-state snapshot and then read by every query until the next one.
//!
//! Building is a pure function of the snapshot ([`ClusterIndex::build`]); it takes a few milliseconds for
//! thousands of objects and happens once per change, so queries never touch the snapshot's objects. Keys
//! are lower case: Kubernetes names are lower-case DNS labels already, and query names are folded before
//! lookup, which makes every comparison case-insensitive as the Kubernetes DNS specification requires.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use cluster_state::Snapshot;
use cluster_state::k8s_openapi::api::core::v1::{Namespace, Pod, Service as ServiceObject};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;

use super::endpoints::{self, EndpointSet, PortSpec};

/// The label an EndpointSlice carries to name its Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// What kind of Service this is, which decides what its name answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    /// A virtual IP per family (`spec.clusterIPs`); its name answers with these, whatever the endpoints.
    ClusterIp(Vec<IpAddr>),
    /// `clusterIP: None`: its name answers with the ready endpoints themselves.
    Headless,
    /// A CNAME to `spec.externalName`.
    ExternalName(String),
}

/// One Service and everything its names answer with.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// ClusterIP, headless or ExternalName.
    pub kind: ServiceKind,
    /// `spec.ports`.
    pub ports: Vec<PortSpec>,
    /// The ready endpoints of its EndpointSlices, one set per slice, in slice-name order.
    pub endpoints: Vec<EndpointSet>,
}

/// The name a PTR query for an address answers with: `<endpoint.>?<service>.<namespace>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReverseTarget {
    /// The endpoint's hostname, for an endpoint address; none for a ClusterIP.
    pub endpoint: Option<String>,
    /// The Service's name.
    pub service: String,
    /// Its namespace.
    pub namespace: String,
}

/// The objects an index is built from.
#[derive(Debug, Default)]
pub struct Objects<'a> {
    /// Services, any order.
    pub services: Vec<&'a ServiceObject>,
    /// EndpointSlices, any order (each names its Service by label).
    pub slices: Vec<&'a EndpointSlice>,
    /// Namespaces.
    pub namespaces: Vec<&'a Namespace>,
    /// Pods (only read for the `verified` pod mode).
    pub pods: Vec<&'a Pod>,
}

/// Everything queries read, rebuilt on every change of the cluster state.
#[derive(Clone, Debug, Default)]
pub struct ClusterIndex {
    /// Whether every watched kind has been fully listed; before that, name errors are SERVFAIL.
    pub synced: bool,
    /// The SOA serial: seconds since the epoch when this index was built, as CoreDNS uses the time of
    /// the last change.
    pub serial: u32,
    namespaces: HashSet<String>,
    services: HashMap<String, HashMap<String, ServiceEntry>>,
    reverse: HashMap<IpAddr, Vec<ReverseTarget>>,
    pods: HashMap<IpAddr, HashSet<String>>,
}

impl ClusterIndex {
    /// Builds the index from a snapshot holding Services, EndpointSlices, Namespaces and (for the
    /// `verified` pod mode) Pods. `serial` is the SOA serial to report.
    pub fn build(snapshot: &Snapshot, serial: u32) -> ClusterIndex {
        let objects = Objects {
            services: snapshot.objects::<ServiceObject>().iter().collect(),
            slices: snapshot.objects::<EndpointSlice>().iter().collect(),
            namespaces: snapshot.objects::<Namespace>().iter().collect(),
            pods: snapshot.objects::<Pod>().iter().collect(),
        };
        ClusterIndex::from_objects(&objects, snapshot.is_synced(), serial)
    }

    /// Builds the index from the objects themselves.
    pub fn from_objects(objects: &Objects<'_>, synced: bool, serial: u32) -> ClusterIndex {
        let mut slices_by_service: HashMap<(&str, &str), Vec<&EndpointSlice>> = HashMap::new();
        for slice in &objects.slices {
            let namespace = slice.metadata.namespace.as_deref().unwrap_or("default");
            let labels = slice.metadata.labels.as_ref();
            if let Some(service) = labels.and_then(|l| l.get(SERVICE_NAME_LABEL)) {
                slices_by_service.entry((namespace, service.as_str())).or_default().push(slice);
            }
        }
        let mut index = ClusterIndex { synced, serial, ..ClusterIndex::default() };
        for namespace in &objects.namespaces {
            if let Some(name) = &namespace.metadata.name {
                index.namespaces.insert(name.to_ascii_lowercase());
            }
        }
        for object in &objects.services {
            let Some(entry) = service_entry(object, &slices_by_service) else { continue };
            // A namespace holding a Service exists, even when the source lists no Namespace objects
            // (a file of `kubectl get svc,endpointslices` output).
            index.namespaces.insert(entry.namespace.clone());
            index.services.entry(entry.namespace.clone()).or_default().insert(entry.name.clone(), entry);
        }
        index.reverse = reverse_map(&index.services);
        for pod in &objects.pods {
            let namespace = pod.metadata.namespace.clone().unwrap_or_default();
            let status = pod.status.as_ref();
            let ips = status.and_then(|s| s.pod_ips.as_ref()).into_iter().flatten().map(|ip| ip.ip.as_str());
            for ip in ips.chain(status.and_then(|s| s.pod_ip.as_deref())) {
                if let Ok(ip) = ip.parse() {
                    index.pods.entry(ip).or_default().insert(namespace.clone());
                }
            }
        }
        index
    }

    /// Whether a namespace of this (lower-case) name exists.
    pub fn namespace_exists(&self, namespace: &str) -> bool {
        self.namespaces.contains(namespace)
    }

    /// The Service `name` in `namespace` (both lower case).
    pub fn service(&self, namespace: &str, name: &str) -> Option<&ServiceEntry> {
        self.services.get(namespace)?.get(name)
    }

    /// What a PTR query for `ip` answers with: the first Service (by namespace and name) with that
    /// ClusterIP, or else every endpoint with that address, one per selecting Service.
    pub fn reverse(&self, ip: IpAddr) -> &[ReverseTarget] {
        self.reverse.get(&ip).map_or(&[], Vec::as_slice)
    }

    /// Whether a pod with address `ip` runs in `namespace` (the `verified` pod mode).
    pub fn pod_exists(&self, ip: IpAddr, namespace: &str) -> bool {
        self.pods.get(&ip).is_some_and(|namespaces| namespaces.contains(namespace))
    }

    /// How many Services the index holds.
    pub fn service_count(&self) -> usize {
        self.services.values().map(HashMap::len).sum()
    }
}

/// One Service object as an entry, with its slices' ready endpoints; `None` for an object without a name.
fn service_entry(object: &ServiceObject, slices: &HashMap<(&str, &str), Vec<&EndpointSlice>>) -> Option<ServiceEntry> {
    let name = object.metadata.name.as_deref()?.to_ascii_lowercase();
    let namespace = object.metadata.namespace.as_deref().unwrap_or("default").to_ascii_lowercase();
    let spec = object.spec.clone().unwrap_or_default();
    let kind = if spec.type_.as_deref() == Some("ExternalName") {
        ServiceKind::ExternalName(spec.external_name.unwrap_or_default())
    } else {
        let ips: Vec<String> = match spec.cluster_ips {
            Some(ips) if !ips.is_empty() => ips,
            _ => spec.cluster_ip.into_iter().collect(),
        };
        if ips.first().map(String::as_str) == Some("None") {
            ServiceKind::Headless
        } else {
            ServiceKind::ClusterIp(ips.iter().filter_map(|ip| ip.parse().ok()).collect())
        }
    };
    let ports = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| PortSpec {
            name: p.name.unwrap_or_default(),
            protocol: p.protocol.unwrap_or_else(|| "TCP".to_string()),
            port: p.port,
        })
        .collect();
    let mut own_slices: Vec<&EndpointSlice> =
        slices.get(&(namespace.as_str(), name.as_str())).cloned().unwrap_or_default();
    own_slices.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let endpoints = own_slices.into_iter().filter_map(endpoints::ready_set).collect();
    Some(ServiceEntry { name, namespace, kind, ports, endpoints })
}

/// The reverse map: ClusterIPs first (the first Service by namespace and name wins), then every endpoint
/// address of every Service, in the same order.
fn reverse_map(services: &HashMap<String, HashMap<String, ServiceEntry>>) -> HashMap<IpAddr, Vec<ReverseTarget>> {
    let ordered: BTreeMap<(&str, &str), &ServiceEntry> =
        services.values().flat_map(HashMap::values).map(|s| ((s.namespace.as_str(), s.name.as_str()), s)).collect();
    let mut cluster_ips: HashMap<IpAddr, ReverseTarget> = HashMap::new();
    let mut endpoint_ips: HashMap<IpAddr, Vec<ReverseTarget>> = HashMap::new();
    for service in ordered.values() {
        if let ServiceKind::ClusterIp(ips) = &service.kind {
            for ip in ips {
                cluster_ips.entry(*ip).or_insert_with(|| ReverseTarget {
                    endpoint: None,
                    service: service.name.clone(),
                    namespace: service.namespace.clone(),
                });
            }
        }
        for address in service.endpoints.iter().flat_map(|set| &set.addresses) {
            endpoint_ips.entry(address.ip).or_default().push(ReverseTarget {
                endpoint: Some(address.hostname.clone()),
                service: service.name.clone(),
                namespace: service.namespace.clone(),
            });
        }
    }
    for (ip, target) in cluster_ips {
        endpoint_ips.insert(ip, vec![target]);
    }
    endpoint_ips
}
