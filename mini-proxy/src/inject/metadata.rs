//! The pod template's annotations and labels: what says the pod is meshed and by what, and what
//! Linkerd's viz counts and groups it by (`linkerd.io/control-plane-ns` marks it meshed;
//! `linkerd.io/proxy-deployment` and its siblings become the `deployment`, ... label of its metrics).

use sha2::{Digest, Sha256};

use super::overrides::PodSettings;
use super::settings::InjectSettings;
use super::yaml::Node;

/// Who made the injection, and which version.
pub const CREATED_BY: &str = "linkerd.io/created-by";
/// The proxy's version (its image tag).
pub const PROXY_VERSION: &str = "linkerd.io/proxy-version";
/// A digest of the trust anchors, so a change of anchors changes the template and restarts the pods.
pub const TRUST_ROOT_SHA256: &str = "linkerd.io/trust-root-sha256";
/// The control plane's namespace; its presence is what makes a pod meshed to viz.
pub const CONTROL_PLANE_NS: &str = "linkerd.io/control-plane-ns";
/// The namespace of the workload the pod belongs to.
pub const WORKLOAD_NS: &str = "linkerd.io/workload-ns";

/// The object a pod template belongs to, as its pods' labels name it.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    /// The owner label for its kind (`linkerd.io/proxy-deployment`...), none for a bare Pod.
    pub label: Option<&'static str>,
    /// Its name.
    pub name: &'a str,
    /// Its namespace, when the manifest says.
    pub namespace: Option<&'a str>,
}

/// Writes the flags' overrides as annotations on `template`, before its settings are read.
pub fn write_overrides(template: &mut Node, overrides: &[(&'static str, String)]) -> Result<(), &'static str> {
    if overrides.is_empty() {
        return Ok(());
    }
    let annotations = annotations(template)?;
    for (key, value) in overrides {
        annotations.set(key, Node::str(value));
    }
    Ok(())
}

/// Adds the annotations and labels of an injected pod.
pub fn mark_injected(
    template: &mut Node,
    owner: &Owner<'_>,
    pod: &PodSettings,
    mesh: &InjectSettings,
) -> Result<(), &'static str> {
    let annotations = annotations(template)?;
    annotations.set(CREATED_BY, Node::str(format!("mini-proxy/inject {}", env!("CARGO_PKG_VERSION"))));
    annotations.set(PROXY_VERSION, Node::str(&pod.version));
    if let Some(pem) = &mesh.trust_anchors {
        let digest = Sha256::digest(pem.as_bytes());
        annotations.set(TRUST_ROOT_SHA256, Node::str(digest.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    }
    let labels = metadata(template)?.map_at("labels").ok_or("metadata.labels is not a mapping")?;
    labels.set(CONTROL_PLANE_NS, Node::str(&mesh.linkerd_namespace));
    if let Some(label) = owner.label {
        labels.set(label, Node::str(owner.name));
    }
    if let Some(namespace) = owner.namespace {
        labels.set(WORKLOAD_NS, Node::str(namespace));
    }
    Ok(())
}

fn metadata(template: &mut Node) -> Result<&mut Node, &'static str> {
    template.map_at("metadata").ok_or("metadata is not a mapping")
}

fn annotations(template: &mut Node) -> Result<&mut Node, &'static str> {
    metadata(template)?.map_at("annotations").ok_or("metadata.annotations is not a mapping")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// An injected template is labelled for viz and annotated with the proxy's version.
    #[test]
    fn labels_and_annotations() {
        let mut template = Node::map([("metadata", Node::map([("labels", Node::map([("app", Node::str("web"))]))]))]);
        let pod = PodSettings::read(None, &HashMap::new()).expect("defaults");
        let owner = Owner { label: Some("linkerd.io/proxy-deployment"), name: "web", namespace: Some("lab") };
        let mesh = InjectSettings { trust_anchors: Some("pem".into()), ..InjectSettings::default() };
        mark_injected(&mut template, &owner, &pod, &mesh).expect("a template");
        let label = |key| template.at(&["metadata", "labels", key]).and_then(Node::as_str);
        assert_eq!(label("app"), Some("web"));
        assert_eq!(label(CONTROL_PLANE_NS), Some("linkerd"));
        assert_eq!(label("linkerd.io/proxy-deployment"), Some("web"));
        assert_eq!(label(WORKLOAD_NS), Some("lab"));
        let annotation = |key| template.at(&["metadata", "annotations", key]).and_then(Node::as_str);
        assert_eq!(annotation(PROXY_VERSION), Some("dev"));
        assert_eq!(annotation(TRUST_ROOT_SHA256).map(str::len), Some(64));
    }

    /// Metadata that is not a mapping is refused, not overwritten.
    #[test]
    fn malformed_metadata() {
        let mut template = Node::map([("metadata", Node::str("oops"))]);
        let error = write_overrides(&mut template, &[("k", "v".into())]).expect_err("refused");
        assert_eq!(error, "metadata is not a mapping");
    }
}
