//! RBAC derived from the code, and RBAC as rendered, in one shape: (API group, resource, scope) → verbs.
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

/// (API group, resource, scope) → verbs.
pub type Grants = BTreeMap<(String, String, Scope), BTreeSet<String>>;

/// Our programs that talk to the API.
#[derive(Clone, Copy, Debug)]
pub enum Program {
    /// cluster-dns.
    ClusterDns,
    /// `mini-lb controller`.
    MiniLbController,
    /// `mini-lb speaker`.
    MiniLbSpeaker,
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
        other => panic!("the code reads kind {other}, unknown to this derivation: add its group and resource"),
    }
}

fn grant(grants: &mut Grants, kind_or_resource: (&str, &str), scope: &Scope, verbs: &[&str]) {
    let (group, resource) = kind_or_resource;
    let entry = grants.entry((group.to_string(), resource.to_string(), scope.clone())).or_default();
    entry.extend(verbs.iter().map(|v| v.to_string()));
}

/// What `program`, run as `workload`, asks the API for.
pub fn needed(program: Program, workload: &Workload) -> Grants {
    let dirs: &[&str] = match program {
        Program::ClusterDns => &["cluster-dns/src"],
        Program::MiniLbController => &["mini-lb/src/controller"],
        Program::MiniLbSpeaker => &["mini-lb/src/speaker"],
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
                assert!(rule["resourceNames"].is_null(), "{role_name}: resourceNames are not derived here");
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
                for group in list("apiGroups") {
                    for resource in list("resources") {
                        grant(&mut grants, (&group, &resource), &scope, &verbs);
                    }
                }
            }
        }
    }
    grants
}
