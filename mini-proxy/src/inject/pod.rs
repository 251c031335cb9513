//! Injecting one pod template: the flags' overrides are written onto it, its settings read from its
//! annotations, then the init container is appended to `initContainers` (last, so that init containers
//! already there still reach the network before the redirection is in place), the proxy goes first in
//! `containers` (as Linkerd puts it, so it starts before the app), the volumes are added unless a volume
//! of the same name is there, and the metadata is marked.

use std::collections::HashMap;

use server_runtime::ConfigError;

use super::metadata::{self, Owner};
use super::overrides::PodSettings;
use super::settings::InjectSettings;
use super::yaml::{Node, Value};
use super::{proxy, proxy_init, volumes};

/// Why a pod template could not be injected.
#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// Part of the template has the wrong shape.
    #[error("{0}")]
    Shape(&'static str),
    /// An override annotation holds a bad value.
    #[error(transparent)]
    Setting(#[from] ConfigError),
}

/// Injects `template` (a Pod, or a workload's `spec.template`).
pub fn inject(template: &mut Node, owner: &Owner<'_>, mesh: &InjectSettings) -> Result<(), PodError> {
    metadata::write_overrides(template, &mesh.overrides).map_err(PodError::Shape)?;
    let annotations = template.at(&["metadata", "annotations"]);
    let pod = PodSettings::read(annotations, &named_ports(template))?;
    metadata::mark_injected(template, owner, &pod, mesh).map_err(PodError::Shape)?;

    let spec = template.map_at("spec").ok_or(PodError::Shape("spec is not a mapping"))?;
    spec.seq_at("initContainers")
        .ok_or(PodError::Shape("spec.initContainers is not a list"))?
        .push(proxy_init::container(&pod));
    spec.seq_at("containers")
        .ok_or(PodError::Shape("spec.containers is not a list"))?
        .insert(0, proxy::container(&pod, mesh));
    let existing = spec.seq_at("volumes").ok_or(PodError::Shape("spec.volumes is not a list"))?;
    for volume in volumes::volumes() {
        if !existing.iter().any(|v| v.get_str("name") == volume.get_str("name")) {
            existing.push(volume);
        }
    }
    Ok(())
}

/// The template's container ports by name, for opaque ports given by name.
fn named_ports(template: &Node) -> HashMap<String, u16> {
    let containers = template.at(&["spec", "containers"]).map(Node::items).unwrap_or_default();
    let ports = containers.iter().flat_map(|c| c.get("ports").map(Node::items).unwrap_or_default());
    ports.filter_map(|p| Some((p.get_str("name")?.to_string(), p.get_str("containerPort")?.parse().ok()?))).collect()
}

/// Whether `node` is a mapping (what every Kubernetes object and pod template is).
pub fn is_map(node: &Node) -> bool {
    matches!(node.value, Value::Map(_))
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse::parse;
    use super::*;

    fn template(text: &str) -> Node {
        parse(text).expect("yaml").remove(0).root
    }

    fn names(template: &Node, list: &str) -> Vec<String> {
        let items = template.at(&["spec", list]).map(Node::items).unwrap_or_default();
        items.iter().filter_map(|c| c.get_str("name").map(str::to_string)).collect()
    }

    const OWNER: Owner<'static> = Owner { label: None, name: "web", namespace: None };

    /// The proxy goes first, the init container last, volumes once each.
    #[test]
    fn containers_and_volumes() {
        let mut pod = template(
            "spec:\n  initContainers: [{name: migrate}]\n  containers: [{name: app}]\n  volumes: [{name: linkerd-identity-token, emptyDir: {}}]\n",
        );
        inject(&mut pod, &OWNER, &InjectSettings::default()).expect("injected");
        assert_eq!(names(&pod, "containers"), ["linkerd-proxy", "app"]);
        assert_eq!(names(&pod, "initContainers"), ["migrate", "linkerd-init"]);
        assert_eq!(
            names(&pod, "volumes"),
            ["linkerd-identity-token", "linkerd-proxy-init-xtables-lock", "linkerd-identity-end-entity"]
        );
    }

    /// Flags become annotations and reach the containers; named opaque ports become numbers.
    #[test]
    fn overrides_reach_the_containers() {
        let mut pod = template(
            "metadata: {annotations: {config.linkerd.io/opaque-ports: pg}}\nspec:\n  containers: [{name: app, ports: [{name: pg, containerPort: 5432}]}]\n",
        );
        let mesh =
            InjectSettings { overrides: vec![("config.linkerd.io/proxy-uid", "3000".into())], ..Default::default() };
        inject(&mut pod, &OWNER, &mesh).expect("injected");
        assert_eq!(
            pod.at(&["metadata", "annotations", "config.linkerd.io/proxy-uid"]).and_then(Node::as_str),
            Some("3000")
        );
        let init_args =
            pod.at(&["spec", "initContainers"]).map(Node::items).unwrap_or_default()[0].get("args").cloned();
        let args: Vec<String> =
            init_args.iter().flat_map(|a| a.items().iter().filter_map(|i| i.as_str().map(str::to_string))).collect();
        assert!(args.windows(2).any(|w| w == ["--proxy-uid", "3000"]), "{args:?}");
        let proxy = &pod.at(&["spec", "containers"]).map(Node::items).unwrap_or_default()[0];
        let opaque = proxy
            .get("env")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .find(|e| e.get_str("name") == Some("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION"))
            .and_then(|e| e.get_str("value"));
        assert_eq!(opaque, Some("5432"));
    }

    /// A bad override annotation and a malformed spec are errors, not panics.
    #[test]
    fn errors() {
        let mut pod =
            template("metadata: {annotations: {config.linkerd.io/proxy-uid: root}}\nspec: {containers: []}\n");
        let error = inject(&mut pod, &OWNER, &InjectSettings::default()).expect_err("bad uid").to_string();
        assert!(error.contains("config.linkerd.io/proxy-uid \"root\""), "{error}");
        let mut pod = template("spec: {containers: app}\n");
        let error = inject(&mut pod, &OWNER, &InjectSettings::default()).expect_err("bad containers").to_string();
        assert_eq!(error, "spec.containers is not a list");
    }
}
