//! The proxy container, `linkerd-proxy`: `mini-proxy run` as UID 2102 with a read-only root filesystem
//! and no capabilities, Linkerd's ports under Linkerd's names (viz scrapes the port named
//! `linkerd-admin` of the container named `linkerd-proxy`), probes on the admin port, and the
//! environment Linkerd's injector writes, under the same `LINKERD2_PROXY_*` names.
//!
//! The pod's identity is built by Kubernetes itself: `_pod_sa` and `_pod_ns` come from the downward
//! API and `LINKERD2_PROXY_IDENTITY_LOCAL_NAME` refers to them as `$(_pod_sa).$(_pod_ns)...`, so one
//! template names each pod's ServiceAccount. The identity service's address and name, and the token
//! file, are Linkerd's, for the identity client.

use super::overrides::PodSettings;
use super::settings::InjectSettings;
use super::volumes::{END_ENTITY, END_ENTITY_PATH, TOKEN, TOKEN_DIR, mount};
use super::yaml::Node;
use crate::identity::name::CONTROL_PLANE_NAMESPACE;
use crate::identity::service::issuer::TRUST_ROOTS_KEY;

/// The proxy container's name.
pub const PROXY_CONTAINER: &str = "linkerd-proxy";
/// Where peers' connections arrive (the port named `linkerd-proxy`).
pub const INBOUND_PORT: u16 = 4143;
/// Where the app's connections out are redirected (loopback only, so not a container port).
pub const OUTBOUND_PORT: u16 = 4140;
/// Metrics and probes (the port named `linkerd-admin`).
pub const ADMIN_PORT: u16 = 4191;

/// The proxy container for a pod with `pod`'s settings.
pub fn container(pod: &PodSettings, mesh: &InjectSettings) -> Node {
    let port = |name: &str, number: u16| Node::map([("name", Node::str(name)), ("containerPort", Node::plain(number))]);
    let probe = |path: &str, delay: u32| {
        Node::map([
            ("httpGet", Node::map([("path", Node::str(path)), ("port", Node::plain(ADMIN_PORT))])),
            ("initialDelaySeconds", Node::plain(delay)),
            ("timeoutSeconds", Node::plain(1)),
        ])
    };
    Node::map([
        ("name", Node::str(PROXY_CONTAINER)),
        ("image", Node::str(&pod.image)),
        ("imagePullPolicy", Node::str("IfNotPresent")),
        ("args", Node::seq([Node::str("run")])),
        ("ports", Node::seq([port("linkerd-proxy", INBOUND_PORT), port("linkerd-admin", ADMIN_PORT)])),
        ("env", Node::seq(env(pod, mesh))),
        ("resources", resources(pod)),
        (
            "securityContext",
            Node::map([
                ("allowPrivilegeEscalation", Node::plain(false)),
                ("capabilities", Node::map([("drop", Node::seq([Node::str("ALL")]))])),
                ("readOnlyRootFilesystem", Node::plain(true)),
                ("runAsNonRoot", Node::plain(true)),
                ("runAsUser", Node::plain(&pod.uid)),
                ("seccompProfile", Node::map([("type", Node::str("RuntimeDefault"))])),
            ]),
        ),
        ("livenessProbe", probe("/live", 10)),
        ("readinessProbe", probe("/ready", 2)),
        ("terminationMessagePolicy", Node::str("FallbackToLogsOnError")),
        ("volumeMounts", Node::seq([mount(END_ENTITY, END_ENTITY_PATH), mount(TOKEN, TOKEN_DIR)])),
    ])
}

/// The requests both injected containers carry.
pub fn resources(pod: &PodSettings) -> Node {
    Node::map([(
        "requests",
        Node::map([("cpu", Node::str(&pod.cpu_request)), ("memory", Node::str(&pod.memory_request))]),
    )])
}

fn env(pod: &PodSettings, mesh: &InjectSettings) -> Vec<Node> {
    let value = |name: &str, value: &str| Node::map([("name", Node::str(name)), ("value", Node::str(value))]);
    let field = |name: &str, path: &str| {
        let field_ref = Node::map([("fieldPath", Node::str(path))]);
        Node::map([("name", Node::str(name)), ("valueFrom", Node::map([("fieldRef", field_ref)]))])
    };
    let (namespace, trust_domain) = (&mesh.linkerd_namespace, &mesh.trust_domain);
    let identity_suffix = format!("serviceaccount.identity.{CONTROL_PLANE_NAMESPACE}.{trust_domain}");
    let mut env = vec![
        field("_pod_ns", "metadata.namespace"),
        field("_pod_sa", "spec.serviceAccountName"),
        value("LINKERD2_PROXY_CORES", "1"),
        value("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", &pod.default_policy),
        value("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "100ms"),
        value("LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", "1000ms"),
        value("LINKERD2_PROXY_ADMIN_LISTEN_ADDR", &format!("0.0.0.0:{ADMIN_PORT}")),
        value("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", &format!("127.0.0.1:{OUTBOUND_PORT}")),
        value("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", &format!("0.0.0.0:{INBOUND_PORT}")),
        value("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", &pod.opaque_ports),
        value("LINKERD2_PROXY_IDENTITY_DIR", END_ENTITY_PATH),
    ];
    if let Some(pem) = &mesh.trust_anchors {
        env.push(Node::map([
            ("name", Node::str("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS")),
            ("value", Node::block(pem)),
        ]));
    } else if let Some(config_map) = &mesh.trust_anchors_config_map {
        // ConfigMaps cannot be referred to across namespaces: this one lives beside the pod.
        let key = Node::map([("name", Node::str(config_map)), ("key", Node::str(TRUST_ROOTS_KEY))]);
        env.push(Node::map([
            ("name", Node::str("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS")),
            ("valueFrom", Node::map([("configMapKeyRef", key)])),
        ]));
    }
    env.extend([
        value("LINKERD2_PROXY_IDENTITY_TRUST_DOMAIN", trust_domain),
        value("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", &format!("{TOKEN_DIR}/{TOKEN}")),
        value(
            "LINKERD2_PROXY_IDENTITY_SVC_ADDR",
            &format!("linkerd-identity-headless.{namespace}.svc.{}.:8080", mesh.cluster_domain),
        ),
        value("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", &format!("$(_pod_sa).$(_pod_ns).{identity_suffix}")),
        value("LINKERD2_PROXY_IDENTITY_SVC_NAME", &format!("linkerd-identity.{namespace}.{identity_suffix}")),
    ]);
    env
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_value<'a>(container: &'a Node, name: &str) -> Option<&'a str> {
        let env = container.get("env")?;
        env.items().iter().find(|e| e.get_str("name") == Some(name)).and_then(|e| e.get_str("value"))
    }

    /// The identity is built from the pod's ServiceAccount and namespace; the identity service is Linkerd's.
    #[test]
    fn identity_env() {
        let pod = PodSettings::read(None, &HashMap::new()).expect("defaults");
        let proxy = container(&pod, &InjectSettings::default());
        assert_eq!(
            env_value(&proxy, "LINKERD2_PROXY_IDENTITY_LOCAL_NAME"),
            Some("$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local")
        );
        assert_eq!(
            env_value(&proxy, "LINKERD2_PROXY_IDENTITY_SVC_ADDR"),
            Some("linkerd-identity-headless.linkerd.svc.cluster.local.:8080")
        );
        assert_eq!(env_value(&proxy, "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS"), None);
        let names: Vec<_> = proxy.get("env").expect("env").items().iter().filter_map(|e| e.get_str("name")).collect();
        let position = |name| names.iter().position(|n| *n == name);
        assert!(position("_pod_sa") < position("LINKERD2_PROXY_IDENTITY_LOCAL_NAME"), "defined before use");
    }

    /// With a ConfigMap named, the anchors come from its `ca-bundle.crt` in the pod's namespace.
    #[test]
    fn trust_anchors_from_a_config_map() {
        let pod = PodSettings::read(None, &HashMap::new()).expect("defaults");
        let mesh = InjectSettings { trust_anchors_config_map: Some("roots".into()), ..InjectSettings::default() };
        let proxy = container(&pod, &mesh);
        let env = proxy.get("env").expect("env").items();
        let anchors = env.iter().find(|e| e.get_str("name") == Some("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS"));
        let reference = anchors.and_then(|e| e.at(&["valueFrom", "configMapKeyRef"])).expect("a configMapKeyRef");
        assert_eq!((reference.get_str("name"), reference.get_str("key")), (Some("roots"), Some("ca-bundle.crt")));
        assert!(anchors.and_then(|e| e.get("value")).is_none());
    }

    /// Viz's scrape finds the admin port by name; the probes use it.
    #[test]
    fn ports_and_probes() {
        let pod = PodSettings::read(None, &HashMap::new()).expect("defaults");
        let proxy = container(&pod, &InjectSettings::default());
        let ports: Vec<_> =
            proxy.get("ports").expect("ports").items().iter().filter_map(|p| p.get_str("name")).collect();
        assert_eq!(ports, ["linkerd-proxy", "linkerd-admin"]);
        assert_eq!(proxy.at(&["readinessProbe", "httpGet", "path"]).and_then(Node::as_str), Some("/ready"));
        assert_eq!(proxy.at(&["livenessProbe", "httpGet", "port"]).and_then(Node::as_str), Some("4191"));
        assert_eq!(proxy.at(&["securityContext", "runAsUser"]).and_then(Node::as_str), Some("2102"));
    }
}
