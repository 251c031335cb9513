//! The stand-in for kube-proxy (iptables mode) and kindnet's masquerading: the nat table each node
//! gets, as `iptables-restore` input, from the Services and their EndpointSlices. The chains and rules
//! are the kind kube-proxy writes, under its own names (`KUBE-SVC-` and `KUBE-SEP-` plus 16 characters of
//! base32 SHA-256 over the port's name, protocol and endpoint), so the walkthrough's `iptables -t nat -L`
//! exploration reads the same; kept small: ClusterIPs and NodePorts, random choice among ready
//! endpoints, masquerading where the reply would otherwise bypass the node that translated.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::net::Cidr;
use super::objects;

/// One port of one Service, and where its traffic goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    /// `namespace/name:port-name` (the port name may be empty), kube-proxy's name for it.
    pub name: String,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// The ClusterIP, when the Service has one.
    pub cluster_ip: Option<Ipv4Addr>,
    /// The Service port.
    pub port: u16,
    /// The NodePort, when the Service has one.
    pub node_port: Option<u16>,
    /// The LoadBalancer addresses its status holds (written by mini-lb's controller).
    pub load_balancer_ips: Vec<Ipv4Addr>,
    /// The ready endpoints, sorted.
    pub endpoints: Vec<SocketAddrV4>,
}

/// Every Service port with its ready endpoints, from the Services and EndpointSlices as the control
/// plane publishes them. ExternalName and headless Services have nothing to translate and are left out.
pub fn service_ports(services: &[Value], slices: &[Value]) -> Vec<ServicePort> {
    let mut ports = Vec::new();
    for service in services {
        let (namespace, name) = (objects::namespace(service), objects::name(service));
        let cluster_ip = service["spec"]["clusterIP"].as_str().and_then(|ip| ip.parse().ok());
        if cluster_ip.is_none() {
            continue;
        }
        let load_balancer_ips: Vec<Ipv4Addr> = service["status"]["loadBalancer"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|ingress| ingress["ip"].as_str()?.parse().ok())
            .collect();
        for port in service["spec"]["ports"].as_array().into_iter().flatten() {
            let port_name = port["name"].as_str().unwrap_or_default();
            let protocol = port["protocol"].as_str().unwrap_or("TCP");
            let mut endpoints: Vec<SocketAddrV4> = slices
                .iter()
                .filter(|s| {
                    objects::namespace(s) == namespace && s["metadata"]["labels"]["kubernetes.io/service-name"] == name
                })
                .flat_map(|slice| {
                    let target = slice["ports"].as_array().into_iter().flatten().find(|p| {
                        p["name"].as_str().unwrap_or_default() == port_name
                            && p["protocol"].as_str().unwrap_or("TCP") == protocol
                    });
                    let number = target.and_then(|p| p["port"].as_u64()).and_then(|n| u16::try_from(n).ok());
                    slice["endpoints"].as_array().into_iter().flatten().filter_map(move |endpoint| {
                        let ready = endpoint["conditions"]["ready"] != false;
                        let ip: Ipv4Addr = endpoint["addresses"][0].as_str()?.parse().ok()?;
                        ready.then_some(SocketAddrV4::new(ip, number?))
                    })
                })
                .collect();
            endpoints.sort();
            ports.push(ServicePort {
                name: format!("{namespace}/{name}:{port_name}"),
                protocol: protocol.to_ascii_lowercase(),
                cluster_ip,
                port: port["port"].as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or_default(),
                node_port: port["nodePort"].as_u64().and_then(|n| u16::try_from(n).ok()),
                load_balancer_ips: load_balancer_ips.clone(),
                endpoints,
            });
        }
    }
    ports
}

/// kube-proxy's chain for a Service port: `KUBE-SVC-` + hash of name and protocol.
pub fn service_chain(port: &ServicePort) -> String {
    format!("KUBE-SVC-{}", chain_hash(&format!("{}{}", port.name, port.protocol)))
}

/// kube-proxy's chain for traffic from outside (a NodePort, a LoadBalancer address): `KUBE-EXT-` + the same hash.
fn external_chain(port: &ServicePort) -> String {
    format!("KUBE-EXT-{}", chain_hash(&format!("{}{}", port.name, port.protocol)))
}

/// kube-proxy's chain for one endpoint of a Service port.
pub fn endpoint_chain(port: &ServicePort, endpoint: SocketAddrV4) -> String {
    format!("KUBE-SEP-{}", chain_hash(&format!("{}{}{endpoint}", port.name, port.protocol)))
}

/// The first 16 characters of the base32 (RFC 4648) SHA-256 of `text`.
fn chain_hash(text: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(text.as_bytes());
    // 16 characters are 80 bits: the first 10 bytes.
    let bits = digest[..10].iter().fold(0u128, |bits, byte| bits << 8 | u128::from(*byte));
    (0..16).map(|i| ALPHABET[(bits >> (75 - 5 * i) & 31) as usize] as char).collect()
}

/// A node's whole nat table, for `iptables-restore` (which replaces the table): kube-proxy's rules for
/// `ports`, then kindnet's masquerading of traffic that leaves the pod network.
pub fn nat_table(ports: &[ServicePort], cluster_cidr: Cidr) -> String {
    let mut text = nat_rules(ports, cluster_cidr);
    text.truncate(text.len() - "COMMIT\n".len());
    text = text.replacen(":KUBE-SERVICES", ":KIND-MASQ-AGENT - [0:0]\n:KUBE-SERVICES", 1);
    text.push_str(&masquerade_rules(cluster_cidr));
    text.push_str("COMMIT\n");
    text
}

/// The nat rules kube-proxy writes on every node, as one iptables-restore table.
pub fn nat_rules(ports: &[ServicePort], cluster_cidr: Cidr) -> String {
    let live: Vec<&ServicePort> = ports.iter().filter(|p| !p.endpoints.is_empty()).collect();
    let mut chains =
        vec!["KUBE-SERVICES".to_string(), "KUBE-NODEPORTS".into(), "KUBE-POSTROUTING".into(), "KUBE-MARK-MASQ".into()];
    for port in &live {
        chains.push(service_chain(port));
        if port.node_port.is_some() || !port.load_balancer_ips.is_empty() {
            chains.push(external_chain(port));
        }
        chains.extend(port.endpoints.iter().map(|e| endpoint_chain(port, *e)));
    }
    let mut text = String::from("*nat\n");
    for chain in &chains {
        let _ = writeln!(text, ":{chain} - [0:0]");
    }
    text.push_str(concat!(
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n",
        "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n",
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n",
        "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n",
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE\n",
    ));
    for port in &live {
        let (name, proto, svc) = (&port.name, &port.protocol, service_chain(port));
        if let Some(ip) = port.cluster_ip {
            let dport = port.port;
            let _ = writeln!(
                text,
                "-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment \"{name} cluster IP\" -m {proto} --dport {dport} -j {svc}"
            );
            // Traffic from outside the pod network (a node, a client on the kind network) is masqueraded,
            // so the reply comes back through the node that translated it.
            let _ = writeln!(
                text,
                "-A {svc} ! -s {cluster_cidr} -d {ip}/32 -p {proto} -m comment --comment \"{name} cluster IP\" -m {proto} --dport {dport} -j KUBE-MARK-MASQ"
            );
        }
        let ext = external_chain(port);
        // Traffic to the LoadBalancer address reaches whichever node the speakers elected (ARP), and is
        // translated there like NodePort traffic.
        for ip in &port.load_balancer_ips {
            let _ = writeln!(
                text,
                "-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment \"{name} loadbalancer IP\" -m {proto} --dport {} -j {ext}",
                port.port
            );
        }
        if let Some(node_port) = port.node_port {
            let _ = writeln!(
                text,
                "-A KUBE-NODEPORTS -p {proto} -m comment --comment \"{name}\" -m {proto} --dport {node_port} -j {ext}"
            );
        }
        if port.node_port.is_some() || !port.load_balancer_ips.is_empty() {
            let _ = writeln!(
                text,
                "-A {ext} -m comment --comment \"masquerade traffic for {name} external destinations\" -j KUBE-MARK-MASQ"
            );
            let _ = writeln!(text, "-A {ext} -j {svc}");
        }
        let count = port.endpoints.len();
        for (index, endpoint) in port.endpoints.iter().enumerate() {
            let sep = endpoint_chain(port, *endpoint);
            // Each endpoint is chosen with probability 1/(endpoints left), so all are equally likely.
            let pick = if index + 1 < count {
                format!(" -m statistic --mode random --probability {:.10}", 1.0 / (count - index) as f64)
            } else {
                String::new()
            };
            let _ = writeln!(text, "-A {svc} -m comment --comment \"{name} -> {endpoint}\"{pick} -j {sep}");
            let _ =
                writeln!(text, "-A {sep} -s {}/32 -m comment --comment \"{name}\" -j KUBE-MARK-MASQ", endpoint.ip());
            let _ = writeln!(
                text,
                "-A {sep} -p {proto} -m comment --comment \"{name}\" -m {proto} -j DNAT --to-destination {endpoint}"
            );
        }
    }
    text.push_str("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n");
    text.push_str("COMMIT\n");
    text
}

/// kindnet's masquerading on every node: traffic leaving the pod network for elsewhere (the upstream
/// DNS server) leaves with the node's address, so the answer finds its way back.
fn masquerade_rules(cluster_cidr: Cidr) -> String {
    format!(
        "\
         -A POSTROUTING -m addrtype ! --dst-type LOCAL -m comment --comment \"kind-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom KIND-MASQ-AGENT chain\" -j KIND-MASQ-AGENT\n\
         -A KIND-MASQ-AGENT -d {cluster_cidr} -m comment --comment \"kind-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN\n\
         -A KIND-MASQ-AGENT -m comment --comment \"kind-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\" -j MASQUERADE\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn clusterip_service(endpoints: &[&str]) -> ServicePort {
        ServicePort {
            name: "default/clusterip-service:".into(),
            protocol: "tcp".into(),
            cluster_ip: Some(Ipv4Addr::new(10, 98, 252, 195)),
            port: 80,
            node_port: None,
            load_balancer_ips: Vec::new(),
            endpoints: endpoints.iter().map(|e| e.parse().expect("an endpoint")).collect(),
        }
    }

    /// Chain names are kube-proxy's: the walkthrough's own `iptables -t nat -L` shows these two for
    /// clusterip-service and its endpoint 10.244.1.4:8080.
    #[test]
    fn chain_names_match_kube_proxy() {
        let port = clusterip_service(&["10.244.1.4:8080"]);
        assert_eq!(service_chain(&port), "KUBE-SVC-V7R3EVKW3DT43QQM");
        assert_eq!(endpoint_chain(&port, port.endpoints[0]), "KUBE-SEP-THJR2P3Q4C2QAEPT");
    }

    /// With four endpoints the picks are 1/4, 1/3, 1/2 and the rest; each endpoint DNATs to itself.
    #[test]
    fn even_random_choice() {
        let port = clusterip_service(&["10.244.1.5:8080", "10.244.2.7:8080", "10.244.2.8:8080", "10.244.3.9:8080"]);
        let text = nat_rules(&[port], "10.244.0.0/16".parse().expect("valid"));
        let picks: Vec<&str> = text.lines().filter(|l| l.starts_with("-A KUBE-SVC-") && l.contains(" -> ")).collect();
        assert_eq!(picks.len(), 4);
        for (line, probability) in picks.iter().zip(["0.2500000000", "0.3333333333", "0.5000000000"]) {
            assert!(line.contains(&format!("--probability {probability} ")), "{line}");
        }
        assert!(!picks[3].contains("statistic"), "{}", picks[3]);
        assert_eq!(text.matches("-j DNAT --to-destination 10.244.2.8:8080").count(), 1);
        assert!(text.contains("-A KUBE-SERVICES -d 10.98.252.195/32 -p tcp -m comment --comment \"default/clusterip-service: cluster IP\" -m tcp --dport 80 -j KUBE-SVC-V7R3EVKW3DT43QQM"));
        assert!(text.ends_with("-j KUBE-NODEPORTS\nCOMMIT\n"), "the NodePort jump comes last");
    }

    /// Services and slices become ports: ready endpoints only, named ports matched, NodePorts kept,
    /// headless and ExternalName Services and ports without endpoints left out of the rules.
    #[test]
    fn ports_from_objects() {
        let services = [
            json!({"metadata": {"name": "nodeport-service"}, "spec": {"clusterIP": "10.96.5.5", "ports": [{"name": "echo", "port": 8080, "protocol": "TCP", "nodePort": 30040}]}}),
            json!({"metadata": {"name": "headless-service"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}),
            json!({"metadata": {"name": "lonely"}, "spec": {"clusterIP": "10.96.5.6", "ports": [{"port": 80, "protocol": "TCP"}]}}),
        ];
        let slices = [
            json!({"metadata": {"labels": {"kubernetes.io/service-name": "nodeport-service"}}, "ports": [{"name": "echo", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.2.2"], "conditions": {"ready": true}}, {"addresses": ["10.244.1.2"], "conditions": {"ready": false}}]}),
        ];
        let ports = service_ports(&services, &slices);
        assert_eq!(ports.len(), 2);
        assert_eq!((ports[0].name.as_str(), ports[0].node_port), ("default/nodeport-service:echo", Some(30040)));
        assert_eq!(ports[0].endpoints, ["10.244.2.2:8080".parse::<SocketAddrV4>().expect("valid")]);
        let text = nat_rules(&ports, "10.244.0.0/16".parse().expect("valid"));
        assert!(text.contains("-A KUBE-NODEPORTS -p tcp -m comment --comment \"default/nodeport-service:echo\" -m tcp --dport 30040 -j KUBE-EXT-"), "{text}");
        assert!(!text.contains("10.96.5.6"), "no endpoints, no rule");
        let table = nat_table(&ports, "10.244.0.0/16".parse().expect("valid"));
        assert!(
            table.starts_with("*nat\n:KIND-MASQ-AGENT - [0:0]\n:KUBE-SERVICES")
                && table.ends_with("-j MASQUERADE\nCOMMIT\n"),
            "{table}"
        );
        assert_eq!(table.matches("COMMIT").count(), 1);
    }

    /// A LoadBalancer address in the Service's status is matched in KUBE-SERVICES on the Service port
    /// and sent through KUBE-EXT (masqueraded) to KUBE-SVC, as kube-proxy does; none before the status.
    #[test]
    fn load_balancer_address() {
        let mut service = json!({"metadata": {"name": "loadbalancer-service"}, "spec": {"clusterIP": "10.96.7.7", "ports": [{"name": "service-port", "port": 80, "protocol": "TCP", "nodePort": 31234}]}});
        let slices = [
            json!({"metadata": {"labels": {"kubernetes.io/service-name": "loadbalancer-service"}}, "ports": [{"name": "service-port", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.2.2"], "conditions": {"ready": true}}]}),
        ];
        let cidr = "10.244.0.0/16".parse().expect("valid");
        let before = nat_rules(&service_ports(std::slice::from_ref(&service), &slices), cidr);
        assert!(!before.contains("loadbalancer IP"), "{before}");
        service["status"] = json!({"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}});
        let ports = service_ports(&[service], &slices);
        let text = nat_rules(&ports, cidr);
        let ext = external_chain(&ports[0]);
        assert!(text.contains(&format!("-A KUBE-SERVICES -d 172.18.255.200/32 -p tcp -m comment --comment \"default/loadbalancer-service:service-port loadbalancer IP\" -m tcp --dport 80 -j {ext}\n")), "{text}");
        assert!(text.contains(&format!("-A {ext} -j {}\n", service_chain(&ports[0]))), "{text}");
        assert_eq!(text.matches(&format!(":{ext} ")).count(), 1);
    }
}
