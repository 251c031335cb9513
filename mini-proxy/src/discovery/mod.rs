//! What the proxy knows of the cluster: which addresses are Services and which endpoints stand behind
//! them, which pods are meshed and with which identity. A [`Directory`] is built whole from a snapshot of
//! Pods, Services and EndpointSlices (from the Kubernetes API or a file, through the cluster-state seam)
//! and swapped in on every change ([`follow`]); looking a destination up is a pure function of it.
//!
//! - A ClusterIP and port resolves to the Service's ready endpoints, each with its pod's identity when
//!   the pod is meshed, so HTTP requests are balanced across them and meshed ones are reached over
//!   mutual TLS.
//! - A pod IP resolves to that pod, meshed or not.
//! - Anything else passes through to the original destination in plaintext, as does a Service with no
//!   ready endpoints (kube-proxy's own rules then answer for it).
//!
//! A pod is meshed when it runs a proxy container ([`crate::meshed`]); its identity is its service
//! account's (see [`crate::identity::name`]). The
//! `config.linkerd.io/opaque-ports` annotation on a Service or pod marks ports whose traffic is never
//! inspected.

pub mod follow;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};

use cluster_state::k8s_openapi::api::core::v1::{Pod, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::identity::Identity;
use crate::meshed;
use crate::transport::connect::Upstream;

/// The label that ties an EndpointSlice to its Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// Linkerd's annotation listing ports to treat as opaque TCP.
pub const OPAQUE_PORTS_ANNOTATION: &str = "config.linkerd.io/opaque-ports";

/// Where a connection is going, as discovery sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Who to connect to: the Service's ready endpoints, or the original destination alone.
    pub endpoints: Vec<Upstream>,
    /// Labels for the metrics: `dst_namespace`, `dst_service` or `dst_pod`, and `dst_deployment` when the
    /// pods behind the destination belong to one Deployment (what `stat --to deploy/NAME` selects on).
    pub labels: Vec<(&'static str, String)>,
    /// Whether the destination port is annotated opaque.
    pub opaque: bool,
}

#[derive(Clone, Debug)]
struct ServiceEntry {
    namespace: String,
    name: String,
    endpoints: Vec<SocketAddr>,
    /// The Deployment every endpoint's pod belongs to, if they share one (found once, at build).
    deployment: Option<String>,
    opaque: bool,
}

#[derive(Clone, Debug)]
struct PodEntry {
    namespace: String,
    name: String,
    deployment: Option<String>,
    identity: Option<Identity>,
    opaque_ports: HashSet<u16>,
}

/// Every Service address and pod the proxy can route to; rebuilt whole on each change.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    services: HashMap<SocketAddr, ServiceEntry>,
    pods: HashMap<IpAddr, PodEntry>,
}

impl Directory {
    /// Builds the directory; pods' identities are named in `trust_domain`.
    pub fn build<'a>(
        pods: impl IntoIterator<Item = &'a Pod>,
        services: impl IntoIterator<Item = &'a Service>,
        slices: impl IntoIterator<Item = &'a EndpointSlice>,
        trust_domain: &str,
    ) -> Directory {
        let mut directory = Directory::default();
        for pod in pods {
            directory.add_pod(pod, trust_domain);
        }
        let mut slices_by_service: HashMap<(&str, &str), Vec<&EndpointSlice>> = HashMap::new();
        for slice in slices {
            let namespace = slice.metadata.namespace.as_deref().unwrap_or("default");
            if let Some(service) = slice.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) {
                slices_by_service.entry((namespace, service.as_str())).or_default().push(slice);
            }
        }
        for service in services {
            let namespace = service.metadata.namespace.as_deref().unwrap_or("default");
            let name = service.metadata.name.as_deref().unwrap_or_default();
            let slices = slices_by_service.get(&(namespace, name)).map(Vec::as_slice).unwrap_or_default();
            directory.add_service(service, slices);
        }
        directory
    }

    fn add_pod(&mut self, pod: &Pod, trust_domain: &str) {
        let (Some(spec), Some(status)) = (&pod.spec, &pod.status) else { return };
        if spec.host_network == Some(true) {
            return;
        }
        let namespace = pod.metadata.namespace.clone().unwrap_or_else(|| "default".into());
        let identity = if meshed::runs_proxy(pod) {
            Identity::of_service_account(
                spec.service_account_name.as_deref().unwrap_or_default(),
                &namespace,
                trust_domain,
            )
            .ok()
        } else {
            None
        };
        let opaque_ports = opaque_ports(pod.metadata.annotations.as_ref());
        let ips = status.pod_ips.iter().flatten().map(|ip| ip.ip.as_str()).chain(status.pod_ip.as_deref());
        for ip in ips.filter_map(|ip| ip.parse::<IpAddr>().ok()) {
            let entry = PodEntry {
                namespace: namespace.clone(),
                name: pod.metadata.name.clone().unwrap_or_default(),
                deployment: meshed::deployment_of(pod),
                identity: identity.clone(),
                opaque_ports: opaque_ports.clone(),
            };
            self.pods.insert(ip, entry);
        }
    }

    fn add_service(&mut self, service: &Service, slices: &[&EndpointSlice]) {
        let Some(spec) = &service.spec else { return };
        let cluster_ips = spec.cluster_ips.iter().flatten().chain(spec.cluster_ip.as_ref());
        let cluster_ips: HashSet<IpAddr> = cluster_ips.filter_map(|ip| ip.parse().ok()).collect();
        let opaque = opaque_ports(service.metadata.annotations.as_ref());
        for port in spec.ports.iter().flatten() {
            let Ok(service_port) = u16::try_from(port.port) else { continue };
            let endpoints = ready_endpoints(slices, port.name.as_deref().unwrap_or_default());
            let deployment = self.one_deployment(&endpoints);
            for ip in &cluster_ips {
                let entry = ServiceEntry {
                    namespace: service.metadata.namespace.clone().unwrap_or_else(|| "default".into()),
                    name: service.metadata.name.clone().unwrap_or_default(),
                    endpoints: endpoints.clone(),
                    deployment: deployment.clone(),
                    opaque: opaque.contains(&service_port),
                };
                self.services.insert(SocketAddr::new(*ip, service_port), entry);
            }
        }
    }

    /// Where a connection to `original` goes.
    pub fn resolve(&self, original: SocketAddr) -> Destination {
        if let Some(service) = self.services.get(&original).filter(|s| !s.endpoints.is_empty()) {
            let endpoints = service
                .endpoints
                .iter()
                .map(|addr| Upstream { addr: *addr, identity: self.identity_of(addr.ip()) })
                .collect();
            // In alphabetical order, as Linkerd's destination service gives them.
            let mut labels: Vec<_> = service.deployment.clone().map(|d| ("dst_deployment", d)).into_iter().collect();
            labels.push(("dst_namespace", service.namespace.clone()));
            labels.push(("dst_service", service.name.clone()));
            return Destination { endpoints, labels, opaque: service.opaque };
        }
        let pod = self.pods.get(&original.ip());
        let mut labels = Vec::new();
        if let Some(pod) = pod {
            labels.extend(pod.deployment.clone().map(|d| ("dst_deployment", d)));
            labels.push(("dst_namespace", pod.namespace.clone()));
            labels.push(("dst_pod", pod.name.clone()));
        }
        Destination {
            endpoints: vec![Upstream { addr: original, identity: pod.and_then(|p| p.identity.clone()) }],
            labels,
            opaque: pod.is_some_and(|p| p.opaque_ports.contains(&original.port())),
        }
    }

    /// The Deployment every one of `endpoints` belongs to, if they all belong to the same one.
    fn one_deployment(&self, endpoints: &[SocketAddr]) -> Option<String> {
        let mut deployments = endpoints.iter().map(|e| self.pods.get(&e.ip()).and_then(|p| p.deployment.as_deref()));
        let first = deployments.next()??;
        deployments.all(|d| d == Some(first)).then(|| first.to_string())
    }

    fn identity_of(&self, ip: IpAddr) -> Option<Identity> {
        self.pods.get(&ip).and_then(|p| p.identity.clone())
    }

    /// How many Service addresses and pods are known, for the log.
    pub fn size(&self) -> (usize, usize) {
        (self.services.len(), self.pods.len())
    }
}

/// The ready endpoints of the slice port named `port_name`.
fn ready_endpoints(slices: &[&EndpointSlice], port_name: &str) -> Vec<SocketAddr> {
    let mut found = Vec::new();
    for slice in slices {
        let port = slice.ports.iter().flatten().find(|p| p.name.as_deref().unwrap_or_default() == port_name);
        let Some(port) = port.and_then(|p| p.port).and_then(|p| u16::try_from(p).ok()) else { continue };
        for endpoint in &slice.endpoints {
            if endpoint.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
                continue;
            }
            found.extend(
                endpoint.addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()).map(|ip| SocketAddr::new(ip, port)),
            );
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The ports an `config.linkerd.io/opaque-ports` annotation lists (`"3306,5432"`, ranges `"4000-4010"`);
/// entries that are not ports are ignored, as Linkerd ignores them.
pub fn opaque_ports(annotations: Option<&std::collections::BTreeMap<String, String>>) -> HashSet<u16> {
    let Some(value) = annotations.and_then(|a| a.get(OPAQUE_PORTS_ANNOTATION)) else { return HashSet::new() };
    let mut ports = HashSet::new();
    for item in value.split(',').map(str::trim) {
        match item.split_once('-') {
            Some((low, high)) => {
                if let (Ok(low), Ok(high)) = (low.trim().parse::<u16>(), high.trim().parse::<u16>()) {
                    ports.extend(low..=high);
                }
            }
            None => ports.extend(item.parse::<u16>().ok()),
        }
    }
    ports
}

#[cfg(test)]
mod tests;
