//! Whether a pod template is injected, by Linkerd's rules: never a pod on the host's network (the
//! iptables rules would redirect the node's traffic), never one that has a proxy already (so injecting
//! twice changes nothing), and not when `linkerd.io/inject: disabled` is on the pod template or on its
//! namespace. `enabled` (or `ingress`) on the pod wins over `disabled` on the namespace, as in the
//! proxy-injector; the pod's annotation is checked like the injector checks it, and any other value
//! is refused.

use std::fmt;

use super::yaml::Node;

/// The annotation that opts a pod or namespace in or out.
pub const INJECT_ANNOTATION: &str = "linkerd.io/inject";

/// Containers that mean a proxy is there already (Linkerd's own, and Istio's, which Linkerd also
/// refuses to stack on); `linkerd-proxy` can also be an init container, as a native sidecar.
const SIDECARS: &[&str] = &["linkerd-proxy", "istio-proxy"];
const INIT_CONTAINERS: &[&str] = &["linkerd-init", "istio-init", "linkerd-proxy"];

/// Why a pod template is left alone, in the words of Linkerd's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `hostNetwork: true`.
    HostNetwork,
    /// A proxy container is there already.
    AlreadyInjected,
    /// `linkerd.io/inject: disabled` on the pod template.
    DisabledOnPod,
    /// `linkerd.io/inject: disabled` on the namespace, and nothing on the pod.
    DisabledOnNamespace(String),
    /// An `linkerd.io/inject` value other than enabled, disabled or ingress.
    InvalidAnnotation(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::HostNetwork => f.write_str("hostNetwork is enabled"),
            SkipReason::AlreadyInjected => f.write_str("pod has a sidecar injected already"),
            SkipReason::DisabledOnPod => write!(f, "pod has the annotation \"{INJECT_ANNOTATION}:disabled\""),
            SkipReason::DisabledOnNamespace(namespace) => {
                write!(f, "namespace {namespace:?} has the annotation \"{INJECT_ANNOTATION}:disabled\"")
            }
            SkipReason::InvalidAnnotation(value) => {
                write!(f, "invalid value {value:?} for annotation \"{INJECT_ANNOTATION}\" at workload")
            }
        }
    }
}

/// Why `template` (a pod, or a workload's pod template) must not be injected, if it must not.
/// `namespace_annotation` is its namespace's `linkerd.io/inject`, when the namespace is in the input.
pub fn skip_reason(template: &Node, namespace: Option<(&str, &str)>) -> Option<SkipReason> {
    let spec = template.get("spec");
    let host_network = spec.and_then(|s| s.get_str("hostNetwork")).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if host_network {
        return Some(SkipReason::HostNetwork);
    }
    let named = |list: &str, names: &[&str]| {
        spec.and_then(|s| s.get(list))
            .is_some_and(|c| c.items().iter().any(|c| c.get_str("name").is_some_and(|n| names.contains(&n))))
    };
    if named("containers", SIDECARS) || named("initContainers", INIT_CONTAINERS) {
        return Some(SkipReason::AlreadyInjected);
    }
    match template.at(&["metadata", "annotations", INJECT_ANNOTATION]).and_then(Node::as_str) {
        Some("disabled") => Some(SkipReason::DisabledOnPod),
        Some("enabled" | "ingress") => None,
        None | Some("") => match namespace {
            Some((name, "disabled")) => Some(SkipReason::DisabledOnNamespace(name.to_string())),
            _ => None,
        },
        Some(other) => Some(SkipReason::InvalidAnnotation(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse::parse;
    use super::*;

    fn reason(template: &str, namespace: Option<(&str, &str)>) -> Option<SkipReason> {
        let docs = parse(template).expect("yaml");
        skip_reason(&docs[0].root, namespace)
    }

    /// A plain pod is injected; hostNetwork and an existing proxy are not.
    #[test]
    fn host_network_and_existing_proxy() {
        assert_eq!(reason("spec: {containers: [{name: app}]}", None), None);
        assert_eq!(reason("spec: {hostNetwork: true}", None), Some(SkipReason::HostNetwork));
        assert_eq!(reason("spec: {containers: [{name: linkerd-proxy}]}", None), Some(SkipReason::AlreadyInjected));
        assert_eq!(reason("spec: {initContainers: [{name: linkerd-init}]}", None), Some(SkipReason::AlreadyInjected));
    }

    /// The injector's truth table for the pod's and the namespace's annotations.
    #[test]
    fn annotations() {
        let pod = |value: &str| format!("metadata: {{annotations: {{linkerd.io/inject: {value}}}}}");
        assert_eq!(reason(&pod("disabled"), None), Some(SkipReason::DisabledOnPod));
        assert_eq!(reason(&pod("enabled"), Some(("web", "disabled"))), None);
        assert_eq!(
            reason("metadata: {}", Some(("web", "disabled"))),
            Some(SkipReason::DisabledOnNamespace("web".into()))
        );
        assert_eq!(reason("metadata: {}", Some(("web", "enabled"))), None);
        assert_eq!(reason(&pod("yes"), None), Some(SkipReason::InvalidAnnotation("yes".into())));
        assert_eq!(SkipReason::DisabledOnPod.to_string(), "pod has the annotation \"linkerd.io/inject:disabled\"",);
    }
}
