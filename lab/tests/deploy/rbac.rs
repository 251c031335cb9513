//! RBAC derived from the code, and RBAC as rendered, in one shape: (API group, resource, scope, object
//! name or any) → verbs.
//!
//! What a program asks the API for is read from its sources, where the cluster-state seam makes every
//! call recognisable:
//! - reads: each `.with::<Kind>(Scope::all() | Scope::namespace(..))` is a kube watcher, so list and watch
//!   on that kind, cluster-wide or in the program's namespace (a read on a line that names
//!   `PodMode::Verified` is needed only when the workload sets PODS_MODE=verified);
//! - `patch_status(&service | &pool, ..)`: a merge patch of that kind's status subresource;
//! - `record_event(..)`: kube's Recorder creates events.k8s.io Events and patches them into series;
//! - `spawn_writer(..)`: mini-lb's report writer (src/report/writer.rs) server-side applies the
//!   component's ConfigurationState in its namespace (an apply that creates needs create and patch),
//!   then its status; a program that hands it ServiceL2Status objects (`services:` other than
//!   `Vec::new()`) also applies those in its own namespace and deletes them when it stops.
//!
//!
//! The identity service (`mini-proxy identity serve`) calls the API through kube's `Api` directly: each
//! `let NAME: Api<Kind> = Api::all(..) | Api::namespaced(..)` is read as a handle, and each call on it as
//! a verb (`get`/`get_opt` get, `create` create); a get names its object through `IssuerObjects`, whose
//! names and namespace are read from the constants they are built from, so the grant is for that name.
//!
//! A call the derivation does not recognise fails the test, so new API use cannot slip past it.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde_json::Value;

use super::render::{Lab, Workload, name, namespace};
use super::source;

/// Where a grant applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every namespace (a ClusterRole through a ClusterRoleBinding).
    Cluster,
    /// One namespace (a Role through a RoleBinding).
    Namespace(String),
}

/// (API group, resource, scope, the one object's name or None for any) → verbs.
pub type Grants = BTreeMap<(String, String, Scope, Option<String>), BTreeSet<String>>;

/// Our programs that talk to the API.
#[derive(Clone, Copy, Debug)]
pub enum Program {
    /// cluster-dns.
    ClusterDns,
    /// `mini-lb controller`.
    MiniLbController,
    /// `mini-lb speaker`.
    MiniLbSpeaker,
    /// `mini-proxy identity serve`.
    IdentityService,
}

/// The API group and resource of each kind the programs name.
fn resource(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "Service" => ("", "services"),
        "Namespace" => ("", "namespaces"),
        "Node" => ("", "nodes"),
        "Pod" => ("", "pods"),
        "ConfigMap" => ("", "configmaps"),
        "EndpointSlice" => ("discovery.k8s.io", "endpointslices"),
        "IPAddressPool" => ("metallb.io", "ipaddresspools"),
        "L2Advertisement" => ("metallb.io", "l2advertisements"),
        "ConfigurationState" => ("metallb.io", "configurationstates"),
        "ServiceL2Status" => ("metallb.io", "servicel2statuses"),
        "Secret" => ("", "secrets"),
        "TokenReview" => ("authentication.k8s.io", "tokenreviews"),
        other => panic!("the code reads kind {other}, unknown to this derivation: add its group and resource"),
    }
}

fn grant(grants: &mut Grants, kind_or_resource: (&str, &str), scope: &Scope, verbs: &[&str]) {
    grant_named(grants, kind_or_resource, scope, None, verbs);
}

fn grant_named(grants: &mut Grants, resource: (&str, &str), scope: &Scope, name: Option<&str>, verbs: &[&str]) {
    let (group, resource) = resource;
    let key = (group.to_string(), resource.to_string(), scope.clone(), name.map(str::to_string));
    grants.entry(key).or_default().extend(verbs.iter().map(|v| v.to_string()));
}

/// What `program`, run as `workload`, asks the API for.
pub fn needed(program: Program, workload: &Workload) -> Grants {
    let dirs: &[&str] = match program {
        Program::ClusterDns => &["cluster-dns/src"],
        Program::MiniLbController => &["mini-lb/src/controller"],
        Program::MiniLbSpeaker => &["mini-lb/src/speaker"],
        Program::IdentityService => return identity_service(),
    };
    let sources: Vec<String> = dirs.iter().flat_map(|dir| source::rust_sources(dir)).map(|(_, text)| text).collect();
    let own = Scope::Namespace(workload.namespace.clone());
    let env = |name: &str| {
        workload
            .containers()
            .flat_map(|c| c["env"].as_array().into_iter().flatten())
            .find(|e| e["name"] == name)
            .and_then(|e| e["value"].as_str().map(str::to_string))
    };
    let mut grants = Grants::new();

    let read = Regex::new(r"with::<(\w+)>\(Scope::(all|namespace)\(").expect("regex");
    for line in sources.iter().flat_map(|text| text.lines()) {
        if line.contains("PodMode::Verified") && env("PODS_MODE").as_deref() != Some("verified") {
            continue;
        }
        for capture in read.captures_iter(line) {
            let scope = if &capture[2] == "all" { Scope::Cluster } else { own.clone() };
            grant(&mut grants, resource(&capture[1]), &scope, &["list", "watch"]);
        }
    }

    let patch = Regex::new(r"patch_status\(&(\w+)").expect("regex");
    for capture in sources.iter().flat_map(|text| patch.captures_iter(text)) {
        match &capture[1] {
            "service" => grant(&mut grants, ("", "services/status"), &Scope::Cluster, &["patch"]),
            "pool" => grant(&mut grants, ("metallb.io", "ipaddresspools/status"), &own, &["patch"]),
            other => panic!("patch_status(&{other}, ..): unknown to this derivation, add the kind it patches"),
        }
    }
    if sources.iter().any(|text| text.contains("record_event(")) {
        grant(&mut grants, ("events.k8s.io", "events"), &Scope::Cluster, &["create", "patch"]);
    }
    if sources.iter().any(|text| text.contains("spawn_writer(")) {
        writer(&sources, &own, &mut grants);
    }
    grants
}

/// What `mini-proxy identity serve` asks for: the calls on its `Api` handles.
fn identity_service() -> Grants {
    let sources: Vec<String> =
        source::rust_sources("mini-proxy/src/identity/service").into_iter().map(|(_, text)| text).collect();
    let text = sources.join("\n");
    // The names the issuer's objects are built from: constants, and IssuerObjects::linkerd's fields.
    let constants: BTreeMap<String, String> = {
        let both = format!("{text}\n{}", source::read("mini-proxy/src/identity/name.rs"));
        let constant = Regex::new(r#"const (\w+): &str = "([^"]+)";"#).expect("regex");
        constant.captures_iter(&both).map(|c| (c[1].to_string(), c[2].to_string())).collect()
    };
    let built_from = |field: &str, place: &str| -> String {
        let assigned = Regex::new(&format!(r"\b{field}: (\w+)\.to_string\(\)")).expect("regex");
        let constant = assigned.captures(&text).map(|c| c[1].to_string());
        constant.and_then(|c| constants.get(&c).cloned()).unwrap_or_else(|| {
            panic!("{place}: `{field}` is not set from a constant this derivation can read: revisit it")
        })
    };
    let namespace = Scope::Namespace(built_from("namespace", "ServeConfig"));
    let handle = Regex::new(r"let (\w+): Api<(\w+)> = Api::(all|namespaced)\((.*)\);").expect("regex");
    let mut grants = Grants::new();
    let handles: Vec<_> = handle.captures_iter(&text).collect();
    assert_eq!(
        handles.len(),
        text.matches("Api::").count(),
        "an Api is made in a way this derivation does not read: revisit it"
    );
    for found in handles {
        let (variable, kind) = (&found[1], &found[2]);
        let scope = match &found[3] {
            "all" => Scope::Cluster,
            _ if found[4].ends_with("&objects.namespace") => namespace.clone(),
            other => panic!("Api::{other}({}): a namespace this derivation does not read", &found[4]),
        };
        let call = Regex::new(&format!(r"\b{variable}\s*\.(\w+)\(([^)]*)\)")).expect("regex");
        for used in call.captures_iter(&text) {
            let (verb, name) = match (&used[1], used[2].strip_prefix("&objects.")) {
                ("get" | "get_opt", Some(field)) => ("get", Some(built_from(field, "IssuerObjects::linkerd"))),
                ("create", None) => ("create", None),
                (method, _) => panic!("{variable}.{method}({}): unknown to this derivation", &used[2]),
            };
            grant_named(&mut grants, resource(kind), &scope, name.as_deref(), &[verb]);
        }
    }
    grants
}

/// What mini-lb's report writer asks for, for a program that starts it.
fn writer(sources: &[String], own: &Scope, grants: &mut Grants) {
    let text = source::read("mini-lb/src/report/writer.rs");
    for expected in ["Patch::Apply", "api.patch(", "api.patch_status(", "Api<ServiceL2Status>", "api.delete("] {
        assert!(text.contains(expected), "mini-lb's report writer no longer calls {expected}: revisit this derivation");
    }
    grant(grants, resource("ConfigurationState"), own, &["create", "patch"]);
    grant(grants, ("metallb.io", "configurationstates/status"), own, &["patch"]);
    let handed = Regex::new(r"Reports \{ configuration: [^,]+, services: ([^}]+?) \}").expect("regex");
    let services: Vec<String> =
        sources.iter().flat_map(|t| handed.captures_iter(t)).map(|c| c[1].trim().to_string()).collect();
    assert!(!services.is_empty(), "a program starts the writer but builds no Reports this derivation recognises");
    if services.iter().any(|s| s != "Vec::new()") {
        grant(grants, resource("ServiceL2Status"), own, &["create", "patch", "delete"]);
        grant(grants, ("metallb.io", "servicel2statuses/status"), own, &["patch"]);
    }
}

/// What the rendered RBAC grants the ServiceAccount `(namespace, name)`.
pub fn granted(lab: &Lab, account: (&str, &str)) -> Grants {
    let mut grants = Grants::new();
    let bound = |binding: &Value| {
        binding["subjects"].as_array().into_iter().flatten().any(|s| {
            s["kind"] == "ServiceAccount" && s["name"] == account.1 && s["namespace"].as_str() == Some(account.0)
        })
    };
    for binding_kind in ["ClusterRoleBinding", "RoleBinding"] {
        for binding in lab.kind(binding_kind).filter(|b| bound(b)) {
            let role_kind = binding["roleRef"]["kind"].as_str().expect("roleRef.kind");
            let role_name = binding["roleRef"]["name"].as_str().expect("roleRef.name");
            let scope = if binding_kind == "ClusterRoleBinding" {
                Scope::Cluster
            } else {
                Scope::Namespace(namespace(binding).to_string())
            };
            let role = lab
                .kind(role_kind)
                .find(|r| name(r) == role_name && (role_kind == "ClusterRole" || namespace(r) == namespace(binding)))
                .unwrap_or_else(|| {
                    panic!("{binding_kind} {} refers to a missing {role_kind} {role_name}", name(binding))
                });
            for rule in role["rules"].as_array().into_iter().flatten() {
                let list = |field: &str| -> Vec<String> {
                    rule[field]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                };
                let verbs = list("verbs");
                let verbs: Vec<&str> = verbs.iter().map(String::as_str).collect();
                let names = list("resourceNames");
                let names: Vec<Option<&str>> =
                    if names.is_empty() { vec![None] } else { names.iter().map(|n| Some(n.as_str())).collect() };
                for group in list("apiGroups") {
                    for resource in list("resources") {
                        for name in &names {
                            grant_named(&mut grants, (&group, &resource), &scope, *name, &verbs);
                        }
                    }
                }
            }
        }
    }
    grants
}
