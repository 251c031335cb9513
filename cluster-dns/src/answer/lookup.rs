//! From a parsed name to the cluster objects it names: the entries CoreDNS's `findServices` and
//! `findPods` return, or the name error that makes the answer NXDOMAIN.
//!
//! An [`Entry`] is what one record will be made of: an address or a name (an ExternalName's target), a
//! port, and the name the entry lives under (which becomes an SRV target). The record builders turn
//! entries into records per query type; this module only decides which objects a name selects.

use std::net::IpAddr;

use super::request::{NameRequest, ObjectName, Space};
use crate::cluster::{ClusterIndex, ServiceEntry, ServiceKind};

/// How pod names (`10-244-1-4.<namespace>.pod.<zone>`) are answered, CoreDNS's `pods` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodMode {
    /// Never: every pod name is NXDOMAIN (CoreDNS's default).
    Disabled,
    /// Any well-formed dashed IP in an existing namespace is echoed back (kubeadm's choice, kube-dns's
    /// old behaviour).
    Insecure,
    /// Only when a pod with that IP runs in that namespace (needs a watch on Pods).
    Verified,
}

/// Where an entry points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// An address: a ClusterIP, an endpoint or a pod.
    Ip(IpAddr),
    /// A name: an ExternalName Service's target, answered as a CNAME.
    Name(String),
}

/// The name an entry lives under: `[<endpoint>.]<service>.<namespace>.svc.<zone>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryName {
    /// The endpoint hostname, for entries of endpoints.
    pub endpoint: Option<String>,
    /// The Service (or pod label).
    pub service: String,
    /// The namespace.
    pub namespace: String,
}

impl EntryName {
    /// The name below the zone, with a trailing dot: `postgres-0.postgres.default.svc.`.
    pub fn relative(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}.{}.{}.svc.", self.service, self.namespace),
            None => format!("{}.{}.svc.", self.service, self.namespace),
        }
    }
}

/// One result of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// What it points at.
    pub host: Host,
    /// The port, or -1 when there is none (such entries answer A queries but never SRV).
    pub port: i32,
    /// The name it lives under.
    pub name: EntryName,
}

/// Why a name answers NXDOMAIN (CoreDNS's `errNoItems`, `errNsNotExposed` and `errInvalidRequest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameError;

/// The entries a parsed name selects: empty for a name that exists but holds nothing (NODATA), an error
/// for a name that does not exist.
pub fn entries(index: &ClusterIndex, request: &NameRequest<'_>, pods: PodMode) -> Result<Vec<Entry>, NameError> {
    let (space, object) = match request {
        NameRequest::Empty => return Ok(Vec::new()),
        NameRequest::Invalid => return Err(NameError),
        NameRequest::Object(space, object) => (space, object),
    };
    if !index.namespace_exists(object.namespace) || (*space == Space::Pod && pods == PodMode::Disabled) {
        return Err(NameError);
    }
    let Some(name) = object.name else { return Ok(Vec::new()) };
    match space {
        Space::Svc => service_entries(index.service(object.namespace, name).ok_or(NameError)?, object),
        Space::Pod => pod_entries(index, object.namespace, name, pods),
    }
}

/// `findServices` for one Service.
fn service_entries(service: &ServiceEntry, wanted: &ObjectName<'_>) -> Result<Vec<Entry>, NameError> {
    let under = |endpoint: Option<&str>| EntryName {
        endpoint: endpoint.map(str::to_string),
        service: service.name.clone(),
        namespace: service.namespace.clone(),
    };
    let mut entries = Vec::new();
    let mut found = false;
    match &service.kind {
        ServiceKind::ExternalName(target) => {
            // An ExternalName has no endpoints and no ports; an address as target is not a name.
            let plain = wanted.endpoint.is_none() && wanted.port.is_none() && wanted.protocol.is_none();
            if plain && target.parse::<IpAddr>().is_err() {
                entries.push(Entry { host: Host::Name(target.clone()), port: 0, name: under(None) });
                found = true;
            }
        }
        kind if *kind == ServiceKind::Headless || wanted.endpoint.is_some() => {
            for set in &service.endpoints {
                for address in &set.addresses {
                    if wanted.endpoint.is_some_and(|e| !e.eq_ignore_ascii_case(&address.hostname)) {
                        continue;
                    }
                    for port in set.ports.iter().filter(|p| port_matches(wanted, &p.name, &p.protocol)) {
                        found = true;
                        let name = under(Some(&address.hostname));
                        entries.push(Entry { host: Host::Ip(address.ip), port: port.port, name });
                    }
                }
            }
        }
        ServiceKind::ClusterIp(ips) => {
            for port in service.ports.iter().filter(|p| port_matches(wanted, &p.name, &p.protocol)) {
                found = true;
                entries.extend(ips.iter().map(|ip| Entry { host: Host::Ip(*ip), port: port.port, name: under(None) }));
            }
        }
        ServiceKind::Headless => {}
    }
    if found { Ok(entries) } else { Err(NameError) }
}

/// `_port._protocol` matching: an absent part matches anything, names compare case-insensitively.
fn port_matches(wanted: &ObjectName<'_>, name: &str, protocol: &str) -> bool {
    wanted.port.is_none_or(|p| p.eq_ignore_ascii_case(name))
        && wanted.protocol.is_none_or(|p| p.eq_ignore_ascii_case(protocol))
}

/// `findPods`: the dashed IP as an address, if the mode allows it.
fn pod_entries(index: &ClusterIndex, namespace: &str, label: &str, mode: PodMode) -> Result<Vec<Entry>, NameError> {
    // Three dashes and no `--` is IPv4 (`10-244-1-4`); anything else is read as IPv6 (`fd00--1`).
    let text = if label.matches('-').count() == 3 && !label.contains("--") {
        label.replace('-', ".")
    } else {
        label.replace('-', ":")
    };
    let ip: IpAddr = text.parse().map_err(|_| NameError)?;
    let allowed = match mode {
        PodMode::Disabled => false,
        PodMode::Insecure => true,
        PodMode::Verified => index.pod_exists(ip, namespace),
    };
    if !allowed {
        return Err(NameError);
    }
    let name = EntryName { endpoint: None, service: label.to_string(), namespace: namespace.to_string() };
    Ok(vec![Entry { host: Host::Ip(ip), port: 0, name }])
}
