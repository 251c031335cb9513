//! `mini-proxy inject`: Kubernetes manifests in, the same manifests out with every pod template meshed,
//! like `linkerd inject --manual` (what `cat web.yaml | linkerd inject - | kubectl apply -f -` ends up
//! running once Linkerd's webhook has done its part). A pure transformation of text: reading the input
//! and printing the output and summary are the caller's.
//!
//! Every pod template in a stream of documents is found (a Pod, or the template of a Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob, also as items of a
//! `List`), checked against Linkerd's rules (not on the host network, not injected already, not
//! disabled on itself or its namespace), and given the init container, the proxy container, their
//! volumes and the annotations and labels viz reads. Everything else in the input is kept: key order,
//! scalar styles, comments; objects without a pod template pass through (Services get the
//! opaque-ports annotation when `--opaque-ports` is given, as Linkerd does).
//!
//! # Layout
//! - [`yaml`]: the document tree that keeps comments and styles, its parser and writer.
//! - [`settings`]: the flags; [`overrides`]: the per-pod settings from `config.linkerd.io/*`.
//! - [`workload`]: which kinds hold a pod template and where; [`decision`]: whether to inject it.
//! - [`volumes`], [`proxy`], [`proxy_init`]: what is added; [`metadata`]: the annotations and labels;
//!   [`pod`]: all of it applied to one template.
//! - [`report`]: what happened to each object, and the summary.

pub mod decision;
pub mod metadata;
pub mod overrides;
pub mod pod;
pub mod proxy;
pub mod proxy_init;
pub mod report;
pub mod settings;
pub mod volumes;
pub mod workload;
pub mod yaml;

use std::collections::HashMap;

use serde_saphyr::granit_parser::ScanError;

use self::metadata::Owner;
use self::overrides::Setting;
pub use self::pod::PodError;
pub use self::report::{Outcome, Report, summary};
pub use self::settings::{InjectArgs, InjectSettings};
use self::yaml::{Node, Value};

/// Why a stream could not be injected. Each names the document (and line) at fault.
#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    /// The input does not parse.
    #[error("the input is not YAML: {0}")]
    NotYaml(#[from] ScanError),
    /// A document (or List item) that is not a mapping.
    #[error("{place} is {found}, not a Kubernetes object")]
    NotAnObject {
        /// Which document or item.
        place: String,
        /// What it is instead.
        found: String,
    },
    /// An object whose pod template could not be injected.
    #[error("{object}: {source}")]
    Object {
        /// The document and the object (`document 1 (line 1): deployment/web`).
        object: String,
        /// What is wrong.
        source: PodError,
    },
}

/// The injected stream and what happened to each object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    /// The output manifests.
    pub yaml: String,
    /// One report per object, in input order.
    pub reports: Vec<Report>,
}

/// Injects every pod template in the YAML stream `text`.
pub fn inject(text: &str, mesh: &InjectSettings) -> Result<Injected, InjectError> {
    let mut documents = yaml::parse::parse(text)?;
    let mut namespaces = HashMap::new();
    for document in &documents {
        collect_namespaces(&document.root, &mut namespaces);
    }
    let mut run = Run { mesh, namespaces, reports: Vec::new() };
    for (i, document) in documents.iter_mut().enumerate() {
        let place = format!("document {} (line {})", i + 1, document.line);
        run.object(&mut document.root, &place)?;
    }
    Ok(Injected { yaml: yaml::emit::emit(&documents), reports: run.reports })
}

/// Each Namespace in the input, with its `linkerd.io/inject` annotation.
fn collect_namespaces(object: &Node, namespaces: &mut HashMap<String, String>) {
    match object.get_str("kind") {
        Some("Namespace") => {
            if let Some(name) = object.at(&["metadata", "name"]).and_then(Node::as_str) {
                let annotation = object.at(&["metadata", "annotations", decision::INJECT_ANNOTATION]);
                namespaces.insert(name.to_string(), annotation.and_then(Node::as_str).unwrap_or("").to_string());
            }
        }
        Some(kind) if workload::is_list(kind) => {
            for item in object.get("items").map(Node::items).unwrap_or_default() {
                collect_namespaces(item, namespaces);
            }
        }
        _ => {}
    }
}

struct Run<'a> {
    mesh: &'a InjectSettings,
    namespaces: HashMap<String, String>,
    reports: Vec<Report>,
}

impl Run<'_> {
    fn object(&mut self, object: &mut Node, place: &str) -> Result<(), InjectError> {
        if !pod::is_map(object) {
            return Err(InjectError::NotAnObject { place: place.to_string(), found: describe(object) });
        }
        let kind = object.get_str("kind").unwrap_or_default().to_string();
        let metadata = |key| object.at(&["metadata", key]).and_then(Node::as_str).map(str::to_string);
        let name = metadata("name").or_else(|| metadata("generateName")).unwrap_or_default();
        let namespace = metadata("namespace");
        let at_fault =
            |source| InjectError::Object { object: format!("{place}: {}/{name}", kind.to_ascii_lowercase()), source };
        if workload::is_list(&kind) && object.get("items").is_some() {
            let items = object.seq_at("items").ok_or_else(|| at_fault(PodError::Shape("items is not a list")))?;
            for (i, item) in items.iter_mut().enumerate() {
                self.object(item, &format!("item {} of the {kind} in {place}", i + 1))?;
            }
            return Ok(());
        }
        let outcome = match workload::workload(&kind) {
            Some(workload) => {
                let template = object
                    .at_mut(workload.template)
                    .filter(|t| pod::is_map(t))
                    .ok_or_else(|| at_fault(PodError::Shape("the pod template is missing")))?;
                let namespace_annotation =
                    namespace.as_deref().and_then(|ns| self.namespaces.get(ns).map(|value| (ns, value.as_str())));
                match decision::skip_reason(template, namespace_annotation) {
                    Some(reason) => Outcome::Skipped(Some(reason)),
                    None => {
                        let owner = Owner { label: workload.owner_label, name: &name, namespace: namespace.as_deref() };
                        pod::inject(template, &owner, self.mesh).map_err(at_fault)?;
                        Outcome::Injected
                    }
                }
            }
            None => self.annotate_service(object, &kind).map_err(at_fault)?,
        };
        self.reports.push(Report { kind: kind.to_ascii_lowercase(), name, outcome });
        Ok(())
    }

    /// With `--opaque-ports`, a Service gets the annotation too, so clients' proxies also skip
    /// detection towards it; any other object is left alone.
    fn annotate_service(&self, object: &mut Node, kind: &str) -> Result<Outcome, PodError> {
        let opaque = Setting::OpaquePorts.annotation();
        match self.mesh.overrides.iter().find(|(key, _)| *key == opaque) {
            Some(annotation) if kind == "Service" => {
                metadata::write_overrides(object, std::slice::from_ref(annotation)).map_err(PodError::Shape)?;
                Ok(Outcome::Annotated)
            }
            _ => Ok(Outcome::Skipped(None)),
        }
    }
}

/// A short description of a node that is not an object, naming a scalar's value.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
        Value::Scalar(scalar) => {
            let text: String = scalar.text.chars().take(40).collect();
            let cut = if text.len() < scalar.text.len() { "..." } else { "" };
            format!("the scalar {text:?}{cut}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Injected, String> {
        inject(text, &InjectSettings::default()).map_err(|e| e.to_string())
    }

    /// Injecting the output again changes nothing, and says the pods were skipped.
    #[test]
    fn idempotent() {
        let once = run(
            "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app}]\n",
        )
        .expect("injected");
        assert_eq!(once.reports[0].outcome, Outcome::Injected);
        let twice = run(&once.yaml).expect("injected again");
        assert_eq!(twice.yaml, once.yaml);
        assert_eq!(twice.reports[0].outcome, Outcome::Skipped(Some(decision::SkipReason::AlreadyInjected)));
    }

    /// A Namespace anywhere in the stream disables its workloads, whichever comes first.
    #[test]
    fn namespace_in_the_stream() {
        let text = "kind: Pod\nmetadata: {name: p, namespace: off}\nspec: {containers: [{name: a}]}\n---\nkind: List\nitems:\n- kind: Namespace\n  metadata: {name: off, annotations: {linkerd.io/inject: disabled}}\n";
        let injected = run(text).expect("ok");
        assert_eq!(
            injected.reports[0].outcome,
            Outcome::Skipped(Some(decision::SkipReason::DisabledOnNamespace("off".into())))
        );
        assert_eq!(injected.reports[1].kind, "namespace");
    }

    /// Errors name the document, its line and the bad value; nothing panics.
    #[test]
    fn errors() {
        assert_eq!(
            run("a: 1\n---\njust text\n").expect_err("scalar"),
            "document 2 (line 3) is the scalar \"just text\", not a Kubernetes object"
        );
        assert_eq!(run("- a\n").expect_err("list"), "document 1 (line 1) is a list, not a Kubernetes object");
        assert_eq!(
            run("kind: List\nitems: [1]\n").expect_err("item"),
            "item 1 of the List in document 1 (line 1) is the scalar \"1\", not a Kubernetes object"
        );
        assert!(run("a: [\n").expect_err("yaml").starts_with("the input is not YAML: "));
        assert_eq!(
            run("kind: Deployment\nmetadata: {name: web}\nspec: {}\n").expect_err("template"),
            "document 1 (line 1): deployment/web: the pod template is missing"
        );
    }

    /// Odd but valid YAML is passed through (a null document is empty) or refused with an error, never a panic.
    #[test]
    fn odd_inputs() {
        for text in
            ["", "---\n---\n", "# only a comment\n", "kind: List\nitems:\n", "日本語: 値\n", "? [a, b]\n: c\n", "~\n"]
        {
            let injected = run(text).expect(text);
            assert_eq!(run(&injected.yaml).expect("again"), injected, "{text:?}");
        }
        for text in
            ["kind: Pod\nmetadata: 5\nspec: {}\n", "kind: Pod\nspec: {containers: x}\n", "kind: List\nitems: 5\n"]
        {
            assert!(run(text).is_err(), "{text:?}");
        }
    }

    /// With --opaque-ports, Services are annotated; other objects are untouched.
    #[test]
    fn services_annotated() {
        let mesh =
            InjectSettings { overrides: vec![("config.linkerd.io/opaque-ports", "5432".into())], ..Default::default() };
        let text = "kind: Service\nmetadata: {name: db}\n---\nkind: ConfigMap\nmetadata: {name: c}\n";
        let injected = inject(text, &mesh).expect("ok");
        assert_eq!(injected.reports[0].outcome, Outcome::Annotated);
        assert_eq!(injected.reports[1].outcome, Outcome::Skipped(None));
        assert!(injected.yaml.contains("config.linkerd.io/opaque-ports: \"5432\""), "{}", injected.yaml);
    }
}
