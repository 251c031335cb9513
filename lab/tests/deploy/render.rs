//! `kubectl kustomize deploy`, rendered once per test binary and parsed, and the questions the invariants
//! ask of it: objects by kind, the workloads and their pods, which pods a selector selects.

use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Every object deploy/ renders.
pub struct Lab {
    objects: Vec<Value>,
}

/// A Deployment, StatefulSet, DaemonSet or bare Pod.
pub struct Workload<'a> {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    object: &'a Value,
}

impl Lab {
    /// The rendered lab, or None (after printing SKIPPED) when kubectl is not installed.
    pub fn render() -> Option<&'static Lab> {
        static LAB: OnceLock<Option<Lab>> = OnceLock::new();
        let lab = LAB.get_or_init(|| {
            if Command::new("kubectl").arg("version").arg("--client").output().is_err() {
                return None;
            }
            let text = kustomize("deploy");
            let objects: Vec<Value> = serde_saphyr::from_multiple(&text).expect("kustomize prints YAML");
            Some(Lab { objects: objects.into_iter().filter(|o| !o.is_null()).collect() })
        });
        if lab.is_none() {
            println!("SKIPPED: kubectl is not on PATH, so deploy/ cannot be rendered");
        }
        lab.as_ref()
    }

    /// The objects of `kind`.
    pub fn kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects.iter().filter(move |object| object["kind"] == kind)
    }

    /// Every workload.
    pub fn workloads(&self) -> Vec<Workload<'_>> {
        self.objects
            .iter()
            .filter(|o| ["Deployment", "StatefulSet", "DaemonSet", "Pod"].iter().any(|k| o["kind"] == *k))
            .map(|object| Workload {
                kind: object["kind"].as_str().unwrap_or_default().to_string(),
                name: name(object).to_string(),
                namespace: namespace(object).to_string(),
                object,
            })
            .collect()
    }

    /// The workloads in `namespace` whose pods carry every label of `selector`.
    pub fn selected(&self, namespace: &str, selector: &Map<String, Value>) -> Vec<Workload<'_>> {
        self.workloads()
            .into_iter()
            .filter(|w| w.namespace == namespace && selector.iter().all(|(k, v)| w.pod_labels().get(k) == Some(v)))
            .collect()
    }
}

impl Workload<'_> {
    /// Its pods' spec.
    pub fn pod_spec(&self) -> &Value {
        if self.kind == "Pod" { &self.object["spec"] } else { &self.object["spec"]["template"]["spec"] }
    }

    /// Its pods' labels.
    pub fn pod_labels(&self) -> Map<String, Value> {
        let labels = if self.kind == "Pod" {
            &self.object["metadata"]["labels"]
        } else {
            &self.object["spec"]["template"]["metadata"]["labels"]
        };
        labels.as_object().cloned().unwrap_or_default()
    }

    /// Its pods' annotations.
    pub fn pod_annotations(&self) -> Map<String, Value> {
        let metadata =
            if self.kind == "Pod" { &self.object["metadata"] } else { &self.object["spec"]["template"]["metadata"] };
        metadata["annotations"].as_object().cloned().unwrap_or_default()
    }

    /// Its containers (init containers included).
    pub fn containers(&self) -> impl Iterator<Item = &Value> {
        let spec = self.pod_spec();
        spec["initContainers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(spec["containers"].as_array().into_iter().flatten())
    }

    /// Whether `container` is one of its init containers, which run to completion and have no probes.
    pub fn is_init(&self, container: &Value) -> bool {
        self.pod_spec()["initContainers"].as_array().is_some_and(|init| init.iter().any(|c| c == container))
    }

    /// Every declared container port: name, number, protocol.
    pub fn container_ports(&self) -> impl Iterator<Item = (Option<String>, u64, String)> + '_ {
        self.containers().flat_map(|c| c["ports"].as_array().into_iter().flatten()).map(|port| {
            (
                port["name"].as_str().map(str::to_string),
                port["containerPort"].as_u64().expect("containerPort is a number"),
                port["protocol"].as_str().unwrap_or("TCP").to_string(),
            )
        })
    }
}

/// `kubectl kustomize DIR` (relative to the workspace root): the YAML it prints.
pub fn kustomize(dir: &str) -> String {
    let path = super::source::workspace().join(dir);
    let output = Command::new("kubectl").arg("kustomize").arg(&path).output().expect("kubectl runs");
    assert!(output.status.success(), "kubectl kustomize {dir} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("kustomize prints UTF-8")
}

/// An object's name.
pub fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

/// An object's namespace (`default` when kustomize left it unset, as kubectl would).
pub fn namespace(object: &Value) -> &str {
    object["metadata"]["namespace"].as_str().unwrap_or("default")
}
