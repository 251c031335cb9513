//! The Service half of the control plane: ClusterIPs and NodePorts for the Services that do not set
//! them (stable per name, so a run reproduces the last one's addresses), the API server's defaults
//! filled in as `kubectl get -o yaml` shows them, and the EndpointSlices the EndpointSlice controller
//! derives from each selector over the pods (ready or not, with hostnames for a StatefulSet's pods).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::PlanError;
use super::names;
use super::net::Cidr;
use super::objects::{self, Manifests};
use super::pods::Pod;

/// The NodePort range, the API server's default.
const NODE_PORTS: std::ops::RangeInclusive<u16> = 30000..=32767;

/// Where a pod is in its life, as the control plane sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not started: no address yet, in no EndpointSlice.
    Pending,
    /// Running, its readiness not yet seen: listed as a not-ready endpoint.
    Running,
    /// Running and ready: a ready endpoint.
    Ready,
}

/// Every Service of `manifests` with its ClusterIP(s), NodePorts and defaults set.
pub fn allocate(manifests: &Manifests, subnet: Cidr) -> Result<Vec<Value>, PlanError> {
    let mut services: Vec<Value> = manifests.of_kind("Service").cloned().collect();
    let mut taken = BTreeSet::new();
    let mut ports = BTreeSet::new();
    for service in &services {
        if let Some(ip) = service["spec"]["clusterIP"].as_str().filter(|ip| *ip != "None") {
            let parsed: Ipv4Addr = ip.parse().map_err(|_| invalid(service, "spec.clusterIP", ip))?;
            if !subnet.contains(parsed) {
                return Err(invalid(service, "spec.clusterIP", &format!("{ip} (outside the Service subnet {subnet})")));
            }
            taken.insert(parsed);
        }
        ports.extend(service["spec"]["ports"].as_array().into_iter().flatten().filter_map(|p| p["nodePort"].as_u64()));
    }
    for service in &mut services {
        let id = format!("{}/{}", objects::namespace(service), objects::name(service));
        let spec = &mut service["spec"];
        let kind = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
        spec["type"] = Value::from(kind.as_str());
        if kind != "ExternalName" {
            let ip = match spec["clusterIP"].as_str() {
                Some(ip) => ip.to_string(),
                None => free_ip(&id, subnet, &mut taken)
                    .ok_or(PlanError::Invalid { what: format!("Service subnet {subnet}"), why: "is full".into() })?
                    .to_string(),
            };
            spec["clusterIP"] = Value::from(ip.as_str());
            spec["clusterIPs"] = json!([ip]);
            spec["ipFamilies"] = json!(["IPv4"]);
            spec["ipFamilyPolicy"] = json!("SingleStack");
            spec["internalTrafficPolicy"] = json!("Cluster");
        }
        spec["sessionAffinity"] = json!("None");
        let exposed = kind == "NodePort" || kind == "LoadBalancer";
        if exposed {
            spec["externalTrafficPolicy"] = json!("Cluster");
        }
        for (index, port) in spec["ports"].as_array_mut().into_iter().flatten().enumerate() {
            if port["protocol"].is_null() {
                port["protocol"] = json!("TCP");
            }
            if port["targetPort"].is_null() {
                port["targetPort"] = port["port"].clone();
            }
            if exposed && port["nodePort"].is_null() {
                let free = free_port(&format!("{id}/{index}"), &mut ports)
                    .ok_or(PlanError::Invalid { what: "the NodePort range".into(), why: "is full".into() })?;
                port["nodePort"] = json!(free);
            }
        }
    }
    Ok(services)
}

fn invalid(service: &Value, field: &str, value: &str) -> PlanError {
    PlanError::Invalid {
        what: format!("Service {}/{} {field} {value:?}", objects::namespace(service), objects::name(service)),
        why: "is not an address of the Service subnet".into(),
    }
}

/// A free address for `id`, from a start its name picks (past the first ten, kubeadm's static band).
fn free_ip(id: &str, subnet: Cidr, taken: &mut BTreeSet<Ipv4Addr>) -> Option<Ipv4Addr> {
    let span = u32::try_from(subnet.size().checked_sub(12)?).ok()?;
    let start = names::fnv32a(id.as_bytes()) % span.max(1);
    (0..span).map(|step| subnet.host(11 + (start + step) % span)).find(|ip| taken.insert(*ip))
}

fn free_port(id: &str, taken: &mut BTreeSet<u64>) -> Option<u64> {
    let span = u64::from(NODE_PORTS.end() - NODE_PORTS.start()) + 1;
    let start = u64::from(names::fnv32a(id.as_bytes())) % span;
    (0..span).map(|step| u64::from(*NODE_PORTS.start()) + (start + step) % span).find(|port| taken.insert(*port))
}

/// The EndpointSlices of every selecting Service over `pods`, one per distinct port mapping.
pub fn endpoint_slices(services: &[Value], pods: &[Pod], phase: impl Fn(&Pod) -> Phase) -> Vec<Value> {
    let mut slices = Vec::new();
    for service in services {
        let selector = objects::string_map(&service["spec"]["selector"]);
        if selector.is_empty() || service["spec"]["type"] == "ExternalName" {
            continue;
        }
        let (namespace, name) = (objects::namespace(service), objects::name(service));
        let mut groups: BTreeMap<Vec<(String, u64, String)>, Vec<Value>> = BTreeMap::new();
        for pod in pods
            .iter()
            .filter(|pod| pod.namespace == namespace && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
        {
            let state = phase(pod);
            let Some(ports) = pod_ports(service, pod) else { continue };
            if state == Phase::Pending {
                continue;
            }
            let mut endpoint = json!({
                "addresses": [pod.ip.to_string()],
                "conditions": {"ready": state == Phase::Ready, "serving": state == Phase::Ready, "terminating": false},
                "nodeName": pod.node,
                "targetRef": {"kind": "Pod", "name": pod.name, "namespace": pod.namespace},
            });
            // The DNS name `<hostname>.<service>` exists only under the Service the pod names as its subdomain.
            if let (Some(host), Some(_)) =
                (pod.spec["hostname"].as_str(), pod.spec["subdomain"].as_str().filter(|s| *s == name))
            {
                endpoint["hostname"] = json!(host);
            }
            groups.entry(ports).or_default().push(endpoint);
        }
        for (ports, endpoints) in groups {
            let mut labels = objects::string_map(&service["metadata"]["labels"]);
            labels.insert("kubernetes.io/service-name".into(), name.into());
            labels.insert("endpointslice.kubernetes.io/managed-by".into(), "endpointslice-controller.k8s.io".into());
            if service["spec"]["clusterIP"] == "None" {
                labels.insert("service.kubernetes.io/headless".into(), String::new());
            }
            let ports: Vec<Value> = ports
                .iter()
                .map(|(port_name, port, protocol)| {
                    let mut value = json!({"port": port, "protocol": protocol});
                    if !port_name.is_empty() {
                        value["name"] = json!(port_name);
                    }
                    value
                })
                .collect();
            let seed = format!("{namespace}/{name}/{ports:?}");
            slices.push(json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": format!("{name}-{}", names::suffix(&seed)),
                    "namespace": namespace,
                    "labels": labels,
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": super::state::uid(&format!("Service/{namespace}/{name}")), "controller": true, "blockOwnerDeletion": true}],
                },
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            }));
        }
    }
    slices
}

/// A Service's ports as they land on `pod`: (name, container port, protocol); None when a named
/// target port is not declared by the pod, which leaves the pod out, as Kubernetes does.
fn pod_ports(service: &Value, pod: &Pod) -> Option<Vec<(String, u64, String)>> {
    let mut ports = Vec::new();
    for port in service["spec"]["ports"].as_array().into_iter().flatten() {
        let protocol = port["protocol"].as_str().unwrap_or("TCP").to_string();
        let target = if port["targetPort"].is_null() { &port["port"] } else { &port["targetPort"] };
        let number = match target.as_u64() {
            Some(number) => number,
            None => {
                let wanted = target.as_str()?;
                pod.containers()
                    .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                    .find(|p| p["name"] == wanted && p["protocol"].as_str().unwrap_or("TCP") == protocol)?["containerPort"]
                    .as_u64()?
            }
        };
        ports.push((port["name"].as_str().unwrap_or_default().to_string(), number, protocol));
    }
    Some(ports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::plan::pods::{self, Scale};
    use crate::local::plan::topology::from_kind_config;

    const LAB: &str = "\
kind: Service\nmetadata: {name: postgres, labels: {app: postgres}}\nspec: {selector: {app: postgres}, ports: [{name: postgres, port: 5432, targetPort: postgredb}]}\n---\n\
kind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {clusterIP: 10.96.0.10, selector: {k8s-app: dns}, ports: [{name: dns, port: 53, protocol: UDP}]}\n---\n\
kind: Service\nmetadata: {name: headless-service}\nspec: {clusterIP: None, selector: {app: app}, ports: [{port: 80, targetPort: 8080}]}\n---\n\
kind: Service\nmetadata: {name: nodeport-service}\nspec: {type: NodePort, selector: {app: app}, ports: [{name: echo, port: 8080, nodePort: 30040}]}\n---\n\
kind: Service\nmetadata: {name: loadbalancer-service}\nspec: {type: LoadBalancer, selector: {app: app}, ports: [{port: 80, targetPort: 8080}]}\n---\n\
kind: Service\nmetadata: {name: external-service}\nspec: {type: ExternalName, externalName: github.com}\n---\n\
kind: StatefulSet\nmetadata: {name: postgres}\nspec: {replicas: 2, serviceName: postgres, template: {metadata: {labels: {app: postgres}}, spec: {containers: [{image: p, ports: [{name: postgredb, containerPort: 5432}]}]}}}\n---\n\
kind: Deployment\nmetadata: {name: app}\nspec: {template: {metadata: {labels: {app: app}}, spec: {containers: [{image: w}]}}}\n";

    fn lab() -> (Vec<Value>, Vec<Pod>) {
        let manifests = Manifests::parse(LAB).expect("valid");
        let topology =
            from_kind_config("nodes: [{role: control-plane}, {role: worker}, {role: worker}]").expect("valid");
        let scale = [Scale { namespace: "default".into(), name: "app".into(), replicas: 3 }];
        let pods = pods::schedule(&manifests, &topology, |_| true, &scale).expect("schedules").pods;
        (allocate(&manifests, topology.service_subnet).expect("allocates"), pods)
    }

    /// Set addresses and ports are kept; the rest are allocated inside the subnet and range, distinct,
    /// stable; headless and ExternalName Services get none; defaults are filled in.
    #[test]
    fn cluster_ips_and_node_ports() {
        let (services, _) = lab();
        let by_name = |name: &str| services.iter().find(|s| objects::name(s) == name).expect("present");
        assert_eq!(by_name("kube-dns")["spec"]["clusterIPs"], json!(["10.96.0.10"]));
        assert_eq!(by_name("headless-service")["spec"]["clusterIP"], "None");
        assert!(by_name("external-service")["spec"]["clusterIP"].is_null());
        let subnet: Cidr = "10.96.0.0/16".parse().expect("valid");
        let ips: BTreeSet<&str> =
            services.iter().filter_map(|s| s["spec"]["clusterIP"].as_str()).filter(|ip| *ip != "None").collect();
        assert_eq!(ips.len(), 4, "{ips:?}");
        assert!(ips.iter().all(|ip| subnet.contains(ip.parse().expect("an address"))));
        assert_eq!(by_name("nodeport-service")["spec"]["ports"][0]["nodePort"], 30040);
        assert_eq!(by_name("nodeport-service")["spec"]["ports"][0]["targetPort"], 8080);
        let lb = by_name("loadbalancer-service")["spec"]["ports"][0]["nodePort"].as_u64().expect("allocated");
        assert!(NODE_PORTS.contains(&u16::try_from(lb).expect("small")) && lb != 30040);
        assert_eq!(by_name("postgres")["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(lab().0, services, "stable");
    }

    /// A ClusterIP outside the Service subnet is refused with the Service and the value.
    #[test]
    fn foreign_cluster_ip() {
        let manifests =
            Manifests::parse("kind: Service\nmetadata: {name: s}\nspec: {clusterIP: 192.168.1.1}").expect("valid");
        let error = allocate(&manifests, "10.96.0.0/16".parse().expect("valid")).expect_err("refused");
        assert!(error.to_string().contains("default/s") && error.to_string().contains("192.168.1.1"), "{error}");
    }

    /// Slices list the selected pods that have started (ready or not), resolve named target ports per
    /// pod, give StatefulSet pods their hostname under their own Service only, and mark headless Services.
    #[test]
    fn slices_follow_selectors_and_readiness() {
        let (services, pods) = lab();
        let not_started = pods.iter().find(|p| p.name.starts_with("app-")).expect("an app pod").name.clone();
        let slices = endpoint_slices(&services, &pods, |pod| match pod.name.as_str() {
            "postgres-1" => Phase::Running,
            name if name == not_started => Phase::Pending,
            _ => Phase::Ready,
        });
        let slice = |service: &str| {
            slices.iter().find(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == service).expect("a slice")
        };
        let postgres = slice("postgres");
        assert_eq!(postgres["ports"], json!([{"name": "postgres", "port": 5432, "protocol": "TCP"}]));
        let endpoints: Vec<(&str, bool)> = postgres["endpoints"]
            .as_array()
            .expect("list")
            .iter()
            .map(|e| (e["hostname"].as_str().unwrap_or(""), e["conditions"]["ready"] == true))
            .collect();
        assert_eq!(endpoints, [("postgres-0", true), ("postgres-1", false)]);
        let headless = slice("headless-service");
        assert_eq!(headless["endpoints"].as_array().map(Vec::len), Some(2), "the pending pod is left out");
        assert!(headless["endpoints"][0]["hostname"].is_null());
        assert_eq!(headless["metadata"]["labels"]["service.kubernetes.io/headless"], "");
        assert_eq!(headless["ports"], json!([{"port": 8080, "protocol": "TCP"}]));
        assert!(slices.iter().all(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] != "external-service"));
        assert!(
            slices.iter().all(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] != "kube-dns"),
            "no pod selected"
        );
    }
}
