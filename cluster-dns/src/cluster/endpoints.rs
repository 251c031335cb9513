//! The ready endpoints of one EndpointSlice, as DNS names them.
//!
//! Only ready endpoints get records: an endpoint is ready when its `conditions.ready` is true or unset
//! (the API's "unknown, treat as ready"). A Service with `publishNotReadyAddresses` gets its not-ready
//! endpoints marked ready by the EndpointSlice controller, so that case needs nothing here. Each address
//! is named by the endpoint's `hostname` (a StatefulSet pod's name, `postgres-0`) or else by its dashed IP
//! (`10-244-1-4`, `fd00--1`), exactly as CoreDNS names them.

use std::net::IpAddr;

use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;

/// A Service port: `_<name>._<protocol>` SRV names match against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// The port's name; unnamed ports have an empty name and no SRV record of their own.
    pub name: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// The port number, or -1 for the sentinel CoreDNS uses when an EndpointSlice lists no ports.
    pub port: i32,
}

/// One ready address and the label it answers under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointAddress {
    /// The address.
    pub ip: IpAddr,
    /// `hostname`, or the dashed form of the address (lower case).
    pub hostname: String,
}

/// The ready addresses of one slice and the ports they serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSet {
    /// Ready addresses, in the slice's order.
    pub addresses: Vec<EndpointAddress>,
    /// The slice's ports; a slice without ports gets one sentinel port -1, which answers A records but
    /// never SRV.
    pub ports: Vec<PortSpec>,
}

/// The ready set of a slice, or `None` for an FQDN slice (which names hosts, not addresses).
pub fn ready_set(slice: &EndpointSlice) -> Option<EndpointSet> {
    if slice.address_type == "FQDN" {
        return None;
    }
    let ports = match slice.ports.as_deref() {
        None | Some([]) => vec![PortSpec { name: String::new(), protocol: String::new(), port: -1 }],
        Some(ports) => ports
            .iter()
            .map(|p| PortSpec {
                name: p.name.clone().unwrap_or_default(),
                protocol: p.protocol.clone().unwrap_or_default(),
                port: p.port.unwrap_or(-1),
            })
            .collect(),
    };
    let addresses = slice
        .endpoints
        .iter()
        .filter(|endpoint| endpoint.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .flat_map(|endpoint| {
            let hostname = endpoint.hostname.as_deref().map(str::to_ascii_lowercase);
            endpoint.addresses.iter().filter_map(move |address| {
                let ip: IpAddr = address.parse().ok()?;
                let hostname = hostname.clone().unwrap_or_else(|| dashed(ip));
                Some(EndpointAddress { ip, hostname })
            })
        })
        .collect();
    Some(EndpointSet { addresses, ports })
}

/// The address as a DNS label: dots (IPv4) or colons (IPv6) become dashes, and a trailing dash gets a
/// `0` so the label does not end in one (`fd00::` → `fd00--0`).
pub fn dashed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string().replace('.', "-"),
        IpAddr::V6(v6) => {
            let dashed = v6.to_string().replace(':', "-");
            if dashed.ends_with('-') { dashed + "0" } else { dashed }
        }
    }
}

#[cfg(test)]
mod tests {
    use cluster_state::k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort};

    use super::*;

    fn endpoint(ip: &str, ready: Option<bool>, hostname: Option<&str>) -> Endpoint {
        Endpoint {
            addresses: vec![ip.to_string()],
            conditions: Some(EndpointConditions { ready, ..Default::default() }),
            hostname: hostname.map(String::from),
            ..Default::default()
        }
    }

    /// Dashed names as CoreDNS writes them, IPv6 included.
    #[test]
    fn dashed_names() {
        assert_eq!(dashed("10.244.1.4".parse().expect("ip")), "10-244-1-4");
        assert_eq!(dashed("fd00:10:244::5".parse().expect("ip")), "fd00-10-244--5");
        assert_eq!(dashed("fd00::".parse().expect("ip")), "fd00--0");
        assert_eq!(dashed("::1".parse().expect("ip")), "--1");
    }

    /// Ready and unknown-readiness endpoints count, not-ready ones do not; hostnames win over dashes.
    #[test]
    fn only_ready_endpoints_with_their_names() {
        let slice = EndpointSlice {
            address_type: "IPv4".into(),
            endpoints: vec![
                endpoint("10.244.1.4", Some(true), Some("postgres-0")),
                endpoint("10.244.2.5", None, None),
                endpoint("10.244.3.6", Some(false), Some("postgres-2")),
            ],
            ports: Some(vec![EndpointPort { name: Some("sql".into()), port: Some(5432), ..Default::default() }]),
            ..Default::default()
        };
        let set = ready_set(&slice).expect("an IPv4 slice");
        let names: Vec<_> = set.addresses.iter().map(|a| a.hostname.as_str()).collect();
        assert_eq!(names, ["postgres-0", "10-244-2-5"]);
        assert_eq!(set.ports, [PortSpec { name: "sql".into(), protocol: String::new(), port: 5432 }]);
    }

    /// A slice without ports gets the -1 sentinel; FQDN slices are skipped.
    #[test]
    fn sentinel_port_and_fqdn_slices() {
        let slice = EndpointSlice { address_type: "IPv4".into(), ..Default::default() };
        assert_eq!(ready_set(&slice).map(|s| s.ports[0].port), Some(-1));
        let fqdn = EndpointSlice { address_type: "FQDN".into(), ..Default::default() };
        assert!(ready_set(&fqdn).is_none());
    }
}
