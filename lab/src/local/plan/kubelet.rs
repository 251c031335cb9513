//! What kubelet gives each container: its environment (plain values, the downward API, ConfigMap and
//! Secret keys, `envFrom`) and its `/etc/resolv.conf` (the cluster DNS with the namespace's search path
//! for `ClusterFirst`, the node's own for `Default`).

use std::net::Ipv4Addr;

use serde_json::Value;

use super::PlanError;
use super::objects::Manifests;
use super::pods::Pod;

/// The cluster domain, kubeadm's.
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// The environment of `container` in `pod`, in kubelet's order: `envFrom` first, then `env` (later wins).
pub fn container_env(
    container: &Value,
    pod: &Pod,
    host_ip: Ipv4Addr,
    manifests: &Manifests,
) -> Result<Vec<(String, String)>, PlanError> {
    let mut env: Vec<(String, String)> = Vec::new();
    let set = |env: &mut Vec<(String, String)>, name: &str, value: String| {
        env.retain(|(n, _)| n != name);
        env.push((name.to_string(), value));
    };
    for source in container["envFrom"].as_array().into_iter().flatten() {
        for (kind, key) in [("ConfigMap", "configMapRef"), ("Secret", "secretRef")] {
            if let Some(name) = source[key]["name"].as_str() {
                let prefix = source["prefix"].as_str().unwrap_or_default();
                for (k, v) in manifests.values(kind, &pod.namespace, name)? {
                    set(&mut env, &format!("{prefix}{k}"), v);
                }
            }
        }
    }
    for variable in container["env"].as_array().into_iter().flatten() {
        let name = variable["name"].as_str().unwrap_or_default();
        let from = &variable["valueFrom"];
        let value = if let Some(path) = from["fieldRef"]["fieldPath"].as_str() {
            field(pod, host_ip, path).ok_or_else(|| unsupported(pod, name, &format!("fieldRef {path}")))?
        } else if let Some(reference) = from["secretKeyRef"].as_object().or(from["configMapKeyRef"].as_object()) {
            let kind = if from["secretKeyRef"].is_object() { "Secret" } else { "ConfigMap" };
            let object = reference.get("name").and_then(Value::as_str).unwrap_or_default();
            let key = reference.get("key").and_then(Value::as_str).unwrap_or_default();
            manifests.values(kind, &pod.namespace, object)?.remove(key).ok_or_else(|| PlanError::Missing {
                what: format!("key {key} of {kind} {}/{object}", pod.namespace),
                wanted_by: format!("pod {}", pod.name),
            })?
        } else if from.is_object() {
            return Err(unsupported(pod, name, "this valueFrom"));
        } else {
            expand(variable["value"].as_str().unwrap_or_default(), &env)
        };
        set(&mut env, name, value);
    }
    Ok(env)
}

/// kubelet's expansion of `$(NAME)` in a value with the variables defined before it; `$$` is a
/// literal `$`, and a reference to an unknown name stays as written.
fn expand(value: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some((name, after)) = rest.strip_prefix("$(").and_then(|r| r.split_once(')')) {
            match env.iter().find(|(n, _)| n == name) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&rest[..name.len() + 3]),
            }
            rest = after;
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn unsupported(pod: &Pod, name: &str, what: &str) -> PlanError {
    PlanError::Invalid {
        what: format!("env {name} of pod {}", pod.name),
        why: format!("uses {what}, which lab local does not fill in"),
    }
}

/// A downward-API field of the pod.
fn field(pod: &Pod, host_ip: Ipv4Addr, path: &str) -> Option<String> {
    Some(match path {
        "metadata.name" => pod.name.clone(),
        "metadata.namespace" => pod.namespace.clone(),
        "spec.nodeName" => pod.node.clone(),
        "spec.serviceAccountName" => pod.spec["serviceAccountName"].as_str().unwrap_or("default").to_string(),
        "status.podIP" => pod.ip.to_string(),
        "status.hostIP" => host_ip.to_string(),
        _ => return None,
    })
}

/// The resolv.conf kubelet writes for `pod`: `node_resolv` for `dnsPolicy: Default`, else the cluster DNS.
pub fn resolv_conf(pod: &Pod, cluster_dns: Ipv4Addr, node_resolv: &str) -> String {
    match pod.spec["dnsPolicy"].as_str().unwrap_or("ClusterFirst") {
        "Default" => node_resolv.to_string(),
        _ => format!(
            "search {ns}.svc.{CLUSTER_DOMAIN} svc.{CLUSTER_DOMAIN} {CLUSTER_DOMAIN}\nnameserver {cluster_dns}\noptions ndots:5\n",
            ns = pod.namespace
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn pod(spec: Value) -> Pod {
        Pod {
            name: "app-x-y".into(),
            namespace: "default".into(),
            owner: ("Deployment".into(), "app".into()),
            labels: BTreeMap::new(),
            spec,
            node: "kind-worker2".into(),
            ip: Ipv4Addr::new(10, 244, 2, 2),
        }
    }

    /// Values, the downward API, Secret and ConfigMap keys and envFrom all land, later entries winning.
    #[test]
    fn environment() {
        let manifests = Manifests::parse(
            "kind: Secret\nmetadata: {name: creds}\ndata: {POSTGRES_PASSWORD: bXlzZWNyZXRwYXNzd29yZA==}\n---\n\
             kind: ConfigMap\nmetadata: {name: cfg}\ndata: {POSTGRES_DB: testpostgresdb, DB_HOST: wrong}\n",
        )
        .expect("valid");
        let container = json!({"envFrom": [{"configMapRef": {"name": "cfg"}}], "env": [
            {"name": "DB_HOST", "value": "postgres"},
            {"name": "MY_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "POSTGRES_PASSWORD"}}},
        ]});
        let env: BTreeMap<String, String> =
            container_env(&container, &pod(json!({})), Ipv4Addr::new(172, 18, 0, 4), &manifests)
                .expect("fills")
                .into_iter()
                .collect();
        assert_eq!(env["DB_HOST"], "postgres");
        assert_eq!(env["POSTGRES_DB"], "testpostgresdb");
        assert_eq!(env["MY_NODE_NAME"], "kind-worker2");
        assert_eq!(env["MY_POD_IP"], "10.244.2.2");
        assert_eq!(env["DB_PASSWORD"], "mysecretpassword");
        let missing = json!({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "NOPE"}}}]});
        let error = container_env(&missing, &pod(json!({})), Ipv4Addr::LOCALHOST, &manifests).expect_err("no such key");
        assert!(error.to_string().contains("key NOPE of Secret default/creds"), "{error}");
    }

    /// `$(NAME)` takes an earlier variable's value, as the injected proxy's identity name needs;
    /// `$$` escapes, and unknown names stay as written.
    #[test]
    fn references_expand() {
        let container = json!({"env": [
            {"name": "_pod_ns", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "_pod_sa", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
            {"name": "NAME", "value": "$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local"},
            {"name": "KEPT", "value": "$$(_pod_ns) $(LATER) 5$"},
            {"name": "LATER", "value": "x"},
        ]});
        let env: BTreeMap<String, String> =
            container_env(&container, &pod(json!({})), Ipv4Addr::LOCALHOST, &Manifests::default())
                .expect("fills")
                .into_iter()
                .collect();
        assert_eq!(env["NAME"], "default.default.serviceaccount.identity.linkerd.cluster.local");
        assert_eq!(env["KEPT"], "$(_pod_ns) $(LATER) 5$");
    }

    /// ClusterFirst pods get the cluster DNS and their namespace's search path; Default pods the node's file.
    #[test]
    fn resolv() {
        let dns = Ipv4Addr::new(10, 96, 0, 10);
        assert_eq!(
            resolv_conf(&pod(json!({})), dns, "nameserver 192.0.2.53\n"),
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        assert_eq!(
            resolv_conf(&pod(json!({"dnsPolicy": "Default"})), dns, "nameserver 192.0.2.53\n"),
            "nameserver 192.0.2.53\n"
        );
    }
}
