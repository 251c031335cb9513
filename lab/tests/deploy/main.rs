//! The lab's invariants over what `kubectl kustomize deploy` renders: the objects agree with each other
//! (selectors, ports, Ingress backends), with the images (probe routes and ports read from the crates'
//! sources, images from the Dockerfile), with the security rules of STYLE.md item 8, with the lab's
//! addresses (kind's subnets, the walkthrough's pool), and with what each component's code asks the API
//! for (RBAC derived from the sources, see [`rbac`]). Without kubectl on PATH every test prints SKIPPED.

mod mesh;
mod rbac;
mod render;
mod source;

use std::collections::{BTreeMap, BTreeSet};

use render::{Lab, Workload};
use serde_json::Value;

/// Images the lab runs without building them, each with the reason.
const UPSTREAM_IMAGES: &[(&str, &str)] = &[("postgres:17.6", "the walkthrough's database; PostgreSQL is not rebuilt")];

/// Every Service selector selects at least one workload's pods in the Service's namespace.
#[test]
fn service_selectors_match_workloads() {
    let Some(lab) = Lab::render() else { return };
    for service in lab.kind("Service") {
        let Some(selector) = service["spec"]["selector"].as_object() else { continue };
        let selected = lab.selected(render::namespace(service), selector);
        assert!(!selected.is_empty(), "Service {} selects no workload's pods ({selector:?})", render::name(service));
    }
}

/// Every port of a selecting Service reaches a declared container port (by number or name, same
/// protocol) in every workload it selects.
#[test]
fn service_ports_reach_container_ports() {
    let Some(lab) = Lab::render() else { return };
    for service in lab.kind("Service") {
        let Some(selector) = service["spec"]["selector"].as_object() else { continue };
        for workload in lab.selected(render::namespace(service), selector) {
            for port in service["spec"]["ports"].as_array().into_iter().flatten() {
                let protocol = port["protocol"].as_str().unwrap_or("TCP");
                let target = if port["targetPort"].is_null() { &port["port"] } else { &port["targetPort"] };
                let found = workload.container_ports().any(|(name, number, proto)| {
                    proto == protocol && (target.as_u64() == Some(number) || target.as_str() == name.as_deref())
                });
                assert!(
                    found,
                    "Service {} port {} ({protocol}) targets {target}, which {} does not declare",
                    render::name(service),
                    port["port"],
                    workload.name
                );
            }
        }
    }
}

/// Every Ingress backend names a Service in the Ingress's namespace and one of its ports.
#[test]
fn ingress_backends_name_service_ports() {
    let Some(lab) = Lab::render() else { return };
    for ingress in lab.kind("Ingress") {
        let namespace = render::namespace(ingress);
        let paths = ingress["spec"]["rules"].as_array().into_iter().flatten().flat_map(|rule| {
            rule["http"]["paths"].as_array().into_iter().flatten().map(|path| &path["backend"]["service"])
        });
        for backend in paths {
            let name = backend["name"].as_str().expect("a service backend has a name");
            let service = lab
                .kind("Service")
                .find(|s| render::name(s) == name && render::namespace(s) == namespace)
                .unwrap_or_else(|| {
                    panic!("Ingress {} routes to Service {name}, which does not exist", render::name(ingress))
                });
            let ports = service["spec"]["ports"].as_array().expect("ports");
            let port = &backend["port"];
            let found = ports.iter().any(|p| {
                (port["number"].is_u64() && p["port"] == port["number"])
                    || (port["name"].is_string() && p["name"] == port["name"])
            });
            assert!(
                found,
                "Ingress {} routes to {name} port {port}, which the Service does not expose",
                render::name(ingress)
            );
        }
    }
}

/// Every image is one the Dockerfile builds at the tag `lab up` loads (pulled never, so kind's loaded
/// copy is used), or one of the few upstream images named above.
#[test]
fn images_are_ours() {
    let Some(lab) = Lab::render() else { return };
    let ours: BTreeSet<String> = source::dockerfile_targets().into_iter().map(|t| format!("lab/{t}:dev")).collect();
    for workload in lab.workloads() {
        for container in workload.containers() {
            let image = container["image"].as_str().expect("image");
            let policy = container["imagePullPolicy"].as_str();
            if ours.contains(image) {
                assert_eq!(policy, Some("IfNotPresent"), "{}: {image} must not be pulled (kind load)", workload.name);
            } else {
                assert!(
                    UPSTREAM_IMAGES.iter().any(|(upstream, _)| *upstream == image),
                    "{}: {image} is neither built here ({ours:?}) nor a listed upstream image",
                    workload.name
                );
            }
        }
    }
}

/// Every probe of our images hits a route the image serves on that port: the admin listener's routes
/// (server-runtime) on the component's admin port, go-web's routes on its app port.
#[test]
fn probes_hit_routes_the_image_serves() {
    let Some(lab) = Lab::render() else { return };
    let admin_routes = source::admin_routes();
    for workload in lab.workloads() {
        for container in workload.containers() {
            let image = container["image"].as_str().expect("image");
            let Some(component) = image.strip_prefix("lab/").and_then(|i| i.split(':').next()) else { continue };
            if component == "dnsutils" || workload.is_init(container) {
                assert!(container["livenessProbe"].is_null(), "dnsutils runs sleep, init containers end: no probes");
                continue;
            }
            let admin = source::admin_port(component, container);
            for kind in ["livenessProbe", "readinessProbe"] {
                let probe = &container[kind];
                let get = &probe["httpGet"];
                assert!(get.is_object(), "{}/{component}: {kind} must be an HTTP GET on the admin port", workload.name);
                let port = lab::local::plan::pods::resolve_port(container, &get["port"])
                    .expect("the probe's port is declared");
                let path = get["path"].as_str().expect("path");
                assert_eq!(port, admin, "{}/{component}: {kind} must probe the admin port {admin}", workload.name);
                assert!(
                    admin_routes.contains(path),
                    "{}/{component}: {kind} path {path} is not an admin route {admin_routes:?}",
                    workload.name
                );
            }
        }
    }
    // go-web's own routes, for the Ingress paths the lab routes to it.
    let app_routes = source::go_web_routes();
    for ingress in lab.kind("Ingress") {
        for rule in ingress["spec"]["rules"].as_array().into_iter().flatten() {
            for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                let path = path["path"].as_str().expect("path");
                assert!(app_routes.contains(path), "Ingress path {path} is not a go-web route {app_routes:?}");
            }
        }
    }
}

/// Security: seccomp RuntimeDefault; no privilege escalation, read-only root, every capability dropped
/// (only the speaker adds NET_RAW, only the proxy's init NET_ADMIN and NET_RAW); non-root except those
/// two; host networking only for the speaker; no token mounted where the pod never calls the API;
/// requests everywhere, and a memory limit everywhere but in what `mini-proxy inject` adds (it writes
/// requests only, as Linkerd's injector does without its proxy-memory-limit annotation).
#[test]
fn security_contexts_are_tight() {
    let Some(lab) = Lab::render() else { return };
    let speaker = |w: &Workload| w.kind == "DaemonSet" && w.name == "speaker";
    let proxy_init = |w: &Workload, c: &Value| w.is_init(c) && c["args"][0] == "init" && injected(w, c);
    for workload in lab.workloads() {
        let pod = workload.pod_spec();
        let who = format!("{} {}", workload.kind, workload.name);
        assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", "{who}: seccomp");
        assert_eq!(pod["hostNetwork"].as_bool().unwrap_or(false), speaker(&workload), "{who}: hostNetwork");
        if pod["serviceAccountName"].is_null() {
            assert_eq!(pod["automountServiceAccountToken"], false, "{who}: no API access, so no token");
        }
        for container in workload.containers() {
            let context = &container["securityContext"];
            let who = format!("{who}/{}", container["name"].as_str().unwrap_or_default());
            assert_eq!(context["allowPrivilegeEscalation"], false, "{who}: allowPrivilegeEscalation");
            assert_eq!(context["readOnlyRootFilesystem"], true, "{who}: readOnlyRootFilesystem");
            assert!(context["privileged"].is_null() || context["privileged"] == false, "{who}: privileged");
            assert_eq!(context["capabilities"]["drop"], serde_json::json!(["ALL"]), "{who}: drop ALL");
            let added = context["capabilities"]["add"].as_array().cloned().unwrap_or_default();
            let non_root = context["runAsNonRoot"].as_bool().or(pod["securityContext"]["runAsNonRoot"].as_bool());
            if speaker(&workload) {
                assert_eq!(added, vec![Value::from("NET_RAW")], "{who}: the speaker adds NET_RAW only");
            } else if proxy_init(&workload, container) {
                assert_eq!(added, ["NET_ADMIN", "NET_RAW"], "{who}: the proxy's init adds NET_ADMIN and NET_RAW only");
            } else {
                assert!(added.is_empty(), "{who}: adds capabilities {added:?}");
                assert_eq!(non_root, Some(true), "{who}: runAsNonRoot");
            }
            let resources = &container["resources"];
            let fields: &[&str] = if injected(&workload, container) {
                &["requests/cpu", "requests/memory"]
            } else {
                &["requests/cpu", "requests/memory", "limits/memory"]
            };
            for field in fields {
                let (group, key) = field.split_once('/').expect("field");
                assert!(resources[group][key].is_string(), "{who}: resources {field}");
            }
        }
    }
}

/// Whether `container` is one `mini-proxy inject` added: our proxy image, in a pod inject marked.
fn injected(workload: &Workload, container: &Value) -> bool {
    let annotations = workload.pod_annotations();
    let marked = annotations.get("linkerd.io/created-by").and_then(Value::as_str);
    marked.is_some_and(|by| by.starts_with("mini-proxy/inject "))
        && container["image"].as_str().is_some_and(|image| image.starts_with("lab/mini-proxy:"))
        && container["name"].as_str().is_some_and(|name| name.starts_with("linkerd-"))
}

/// The addresses agree: the pool is the walkthrough's and lies in kind's Docker network, `lab check`
/// expects its first address, kube-dns keeps the address kubelet hands out, the NodePort is in range.
#[test]
fn addresses_agree_with_the_lab() {
    let Some(lab) = Lab::render() else { return };
    let pool = lab.kind("IPAddressPool").find(|p| render::name(p) == "default").expect("the lab's pool");
    assert_eq!(pool["spec"]["addresses"], serde_json::json!(["172.18.255.200-172.18.255.250"]));
    assert_eq!(lab::check::LOADBALANCER_IP, "172.18.255.200");
    let advertisement = lab.kind("L2Advertisement").next().expect("an L2Advertisement");
    assert_eq!(advertisement["spec"]["ipAddressPools"], serde_json::json!(["default"]));
    assert_eq!(render::namespace(advertisement), render::namespace(pool));
    let kind = source::kind_config();
    assert_eq!(kind["networking"]["serviceSubnet"], "10.96.0.0/16");
    let dns = lab.kind("Service").find(|s| render::name(s) == "kube-dns").expect("kube-dns");
    assert_eq!((render::namespace(dns), &dns["spec"]["clusterIP"]), ("kube-system", &Value::from("10.96.0.10")));
    let nodeport = lab.kind("Service").find(|s| render::name(s) == "nodeport-service").expect("nodeport-service");
    assert_eq!(nodeport["spec"]["ports"][0]["nodePort"], 30040);
    let roles: Vec<&Value> = kind["nodes"].as_array().expect("nodes").iter().map(|n| &n["role"]).collect();
    assert_eq!(roles, ["control-plane", "worker", "worker", "worker"]);
    assert_eq!(kind["nodes"][0]["labels"]["ingress-ready"], "true");
    let ports: Vec<&Value> =
        kind["nodes"][0]["extraPortMappings"].as_array().expect("ports").iter().map(|p| &p["hostPort"]).collect();
    assert_eq!(ports, [80, 443]);
}

/// Each ServiceAccount of our components is granted exactly what its code asks the API for.
#[test]
fn rbac_is_exactly_what_the_code_asks() {
    let Some(lab) = Lab::render() else { return };
    for (account, program) in [
        (("kube-system", "cluster-dns"), rbac::Program::ClusterDns),
        (("metallb-system", "controller"), rbac::Program::MiniLbController),
        (("metallb-system", "speaker"), rbac::Program::MiniLbSpeaker),
        (("linkerd", "linkerd-identity"), rbac::Program::IdentityService),
    ] {
        let workload = lab
            .workloads()
            .into_iter()
            .find(|w| w.pod_spec()["serviceAccountName"] == account.1 && w.namespace == account.0)
            .unwrap_or_else(|| panic!("no workload runs as {account:?}"));
        let needed = rbac::needed(program, &workload);
        let granted = rbac::granted(lab, account);
        let missing: BTreeMap<_, _> = needed.iter().filter(|(k, v)| granted.get(*k) != Some(v)).collect();
        let extra: BTreeMap<_, _> = granted.iter().filter(|(k, v)| needed.get(*k) != Some(v)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{account:?}: RBAC differs from the code.\n  needed but not granted exactly: {missing:?}\n  granted beyond the code: {extra:?}"
        );
    }
}

/// The meshed app asks the API for nothing: its ServiceAccount is granted nothing and no API token is
/// mounted; the one token its pods get is the projected one for the identity service's audience, which
/// the API server refuses as a credential for anything else.
#[test]
fn the_meshed_app_needs_nothing_from_the_api() {
    let Some(lab) = Lab::render() else { return };
    let app = lab.workloads().into_iter().find(|w| w.kind == "Deployment" && w.name == "app").expect("app");
    let pod = app.pod_spec();
    assert!(app.containers().any(|c| c["name"] == "linkerd-proxy"), "app is not meshed");
    let account = pod["serviceAccountName"].as_str().unwrap_or("default");
    assert!(rbac::granted(lab, (&app.namespace, account)).is_empty(), "{account} is granted API access");
    assert_eq!(pod["automountServiceAccountToken"], false, "app mounts an API token");
    let tokens: Vec<&Value> = pod["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|v| v["projected"]["sources"].as_array().into_iter().flatten())
        .filter_map(|source| source.get("serviceAccountToken"))
        .collect();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["audience"], "identity.l5d.io", "the projected token must not be for the API server");
}
