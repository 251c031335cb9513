//! What `lab local` changes to mesh the app, and the objects `lab up` creates beside the manifests.
//!
//! The injected proxy certifies with Linkerd's identity service (`mini-proxy identity serve`), which
//! reviews each pod's ServiceAccount token and keeps its issuer in a Secret: both need the Kubernetes
//! API, which `lab local` does not have. So each proxy gets what the service would have issued it, a
//! certificate for its ServiceAccount's identity signed by one trust anchor (`mini-proxy identity
//! issue`), in its identity directory: [`file_identity`] turns the injected environment from the
//! service to that directory. The trust anchor reaches the proxies as in a cluster, through the
//! `linkerd-identity-trust-roots` ConfigMap `lab up` creates, and the speakers' gossip key through the
//! `memberlist` Secret ([`created_objects`]).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::objects::Manifests;
use super::pods::Pod;

/// The injected variables that point the proxy at the identity service.
const IDENTITY_SERVICE_ENV: [&str; 3] =
    ["LINKERD2_PROXY_IDENTITY_SVC_ADDR", "LINKERD2_PROXY_IDENTITY_SVC_NAME", "LINKERD2_PROXY_IDENTITY_TOKEN_FILE"];

/// The ConfigMap the injected proxy reads its trust anchors from, in its own namespace.
pub const TRUST_ROOTS: &str = "linkerd-identity-trust-roots";

/// The UID the injected proxy runs as, the one `mini-proxy init` exempts from redirection.
pub const PROXY_UID: u32 = 2102;

/// The client pod of the walkthrough's mesh section (`kubectl run tmp-shell ...`).
pub const CLIENT: &str = "tmp-shell";

/// A pod's ServiceAccount, `default` when unset (what the API server's admission fills in).
pub fn service_account(pod: &Pod) -> &str {
    pod.spec["serviceAccountName"].as_str().unwrap_or("default")
}

/// The proxy's environment with its identity from `dir` rather than from the identity service.
pub fn file_identity(env: Vec<(String, String)>, dir: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        env.into_iter().filter(|(name, _)| !IDENTITY_SERVICE_ENV.contains(&name.as_str())).collect();
    env.retain(|(name, _)| name != "LINKERD2_PROXY_IDENTITY_DIR");
    env.push(("LINKERD2_PROXY_IDENTITY_DIR".into(), dir.into()));
    env
}

/// Whether a container is the injected proxy (`linkerd-proxy`, running `mini-proxy run`).
pub fn is_proxy(container: &Value) -> bool {
    container["name"] == "linkerd-proxy" || container["args"][0] == "run"
}

/// The namespaces of the workloads whose injected proxies read the trust roots ConfigMap.
fn meshed_namespaces(manifests: &Manifests) -> BTreeSet<String> {
    manifests
        .objects
        .iter()
        .filter(|object| object.to_string().contains(TRUST_ROOTS) && object["kind"] != "ConfigMap")
        .map(|object| super::objects::namespace(object).to_string())
        .collect()
}

/// The objects `lab up` creates beside the manifests: the speakers' `memberlist` Secret holding
/// `memberlist_key`, and the trust roots ConfigMap holding `anchor_pem` in each meshed namespace.
pub fn created_objects(manifests: &Manifests, memberlist_key: &str, anchor_pem: &str) -> Vec<Value> {
    let mut objects = vec![json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "memberlist", "namespace": "metallb-system"},
        "stringData": {"secretkey": memberlist_key},
    })];
    for namespace in meshed_namespaces(manifests) {
        objects.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": TRUST_ROOTS, "namespace": namespace},
            "data": {"ca-bundle.crt": anchor_pem},
        }));
    }
    objects
}

/// The walkthrough's client pod as `kubectl run tmp-shell --image lab/dnsutils:dev -- sleep infinity`
/// creates it (our dnsutils image stands for netshoot: its `wget` for curl).
pub fn client_pod(image: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": CLIENT, "namespace": "default", "labels": {"run": CLIENT}},
        "spec": {"containers": [{"name": CLIENT, "image": image, "args": ["sleep", "infinity"]}]},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The identity service's variables go, the directory is ours, everything else stays.
    #[test]
    fn identity_from_a_directory() {
        let env = vec![
            ("LINKERD2_PROXY_IDENTITY_SVC_ADDR".to_string(), "linkerd-identity-headless:8080".to_string()),
            ("LINKERD2_PROXY_IDENTITY_DIR".into(), "/var/run/linkerd/identity/end-entity".into()),
            ("LINKERD2_PROXY_IDENTITY_TOKEN_FILE".into(), "/var/run/secrets/tokens/t".into()),
            ("LINKERD2_PROXY_IDENTITY_SVC_NAME".into(), "linkerd-identity.linkerd...".into()),
            ("LINKERD2_PROXY_IDENTITY_LOCAL_NAME".into(), "default.default.serviceaccount".into()),
        ];
        let env = file_identity(env, "/run/lab-local/app/identity");
        let names: Vec<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "LINKERD2_PROXY_IDENTITY_DIR"]);
        assert_eq!(env[1].1, "/run/lab-local/app/identity");
    }

    /// The memberlist Secret always; the trust roots only where a workload refers to them.
    #[test]
    fn objects_lab_up_creates() {
        let manifests = Manifests::parse(
            "kind: Deployment\nmetadata: {name: app}\nspec: {template: {spec: {containers: [{env: [{valueFrom: {configMapKeyRef: {name: linkerd-identity-trust-roots}}}]}]}}}\n---\n\
             kind: Deployment\nmetadata: {name: other, namespace: elsewhere}\nspec: {}\n",
        )
        .expect("valid");
        let objects = created_objects(&manifests, "c2VjcmV0", "-----BEGIN CERTIFICATE-----");
        let created = Manifests { objects };
        assert_eq!(created.values("Secret", "metallb-system", "memberlist").expect("made")["secretkey"], "c2VjcmV0");
        let roots = created.values("ConfigMap", "default", TRUST_ROOTS).expect("made");
        assert_eq!(roots["ca-bundle.crt"], "-----BEGIN CERTIFICATE-----");
        assert!(created.find("ConfigMap", "elsewhere", TRUST_ROOTS).is_none());
    }
}
