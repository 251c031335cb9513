//! The ingress controller's half: an nginx configuration from the Ingress objects, as ingress-nginx
//! writes one. Each Ingress of class `nginx` (by `ingressClassName` or the older
//! `kubernetes.io/ingress.class` annotation) adds its paths to the server of its host (`*`: the default
//! server), each path proxied to an upstream of its backend's ready endpoints (ingress-nginx balances
//! over the pods itself rather than through the ClusterIP); `Exact` paths match only themselves,
//! `Prefix` paths whole segments; what no rule matches gets the default backend's 404, and a backend
//! without ready endpoints 503. ingress-nginx's 5 s connect timeout is kept, and its retry of the next
//! upstream on an error or timeout is nginx's own default.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::PlanError;
use super::kube_proxy::ServicePort;
use super::objects;

/// The class our controller serves.
pub const CLASS: &str = "nginx";

/// One rule's path, resolved to its endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Route {
    path: String,
    exact: bool,
    upstream: String,
}

/// nginx's whole configuration: `dir` holds its pid, logs and temporary files.
pub fn nginx_conf(ingresses: &[Value], ports: &[ServicePort], dir: &str) -> Result<String, PlanError> {
    let mut servers: BTreeMap<String, Vec<Route>> = BTreeMap::new();
    let mut upstreams: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ingress in ingresses.iter().filter(|i| served(i)) {
        let namespace = objects::namespace(ingress);
        for rule in ingress["spec"]["rules"].as_array().into_iter().flatten() {
            let host = rule["host"].as_str().unwrap_or("_").to_string();
            for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                let (upstream, endpoints) = backend(ingress, namespace, &path["backend"], ports)?;
                upstreams.insert(upstream.clone(), endpoints);
                let route = Route {
                    path: path["path"].as_str().unwrap_or("/").to_string(),
                    exact: path["pathType"] == "Exact",
                    upstream,
                };
                servers.entry(host.clone()).or_default().push(route);
            }
        }
    }
    servers.entry("_".into()).or_default();
    let mut text = format!(
        "# Written by lab local from the Ingress objects of class {CLASS}, as ingress-nginx would.\n\
         daemon off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
         events {{ worker_connections 256; }}\nhttp {{\n  access_log {dir}/access.log;\n"
    );
    for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let _ = writeln!(text, "  {temp}_temp_path {dir}/{temp};");
    }
    for (name, endpoints) in &upstreams {
        if endpoints.is_empty() {
            continue;
        }
        let _ = writeln!(text, "  upstream {name} {{");
        for endpoint in endpoints {
            let _ = writeln!(text, "    server {endpoint};");
        }
        text.push_str("  }\n");
    }
    for (host, routes) in &servers {
        let listen = if host == "_" { "listen 80 default_server;" } else { "listen 80;" };
        let _ = writeln!(text, "  server {{\n    {listen}\n    server_name {host};");
        for route in routes {
            let locations = match (route.exact, route.path.as_str()) {
                (true, path) => vec![format!("= {path}")],
                (false, "/") => vec!["/".to_string()],
                (false, path) => {
                    let path = path.trim_end_matches('/');
                    vec![format!("= {path}"), format!("{path}/")]
                }
            };
            for location in locations {
                let _ = writeln!(text, "    location {location} {{");
                if upstreams[&route.upstream].is_empty() {
                    text.push_str("      return 503;\n");
                } else {
                    let _ = writeln!(
                        text,
                        "      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-For $remote_addr;\n      proxy_connect_timeout 5s;\n      proxy_pass http://{};",
                        route.upstream
                    );
                }
                text.push_str("    }\n");
            }
        }
        if !routes.iter().any(|r| r.path == "/" && !r.exact) {
            text.push_str("    location / {\n      return 404;\n    }\n");
        }
        text.push_str("  }\n");
    }
    text.push_str("}\n");
    Ok(text)
}

/// Whether the Ingress is ours to serve.
fn served(ingress: &Value) -> bool {
    ingress["spec"]["ingressClassName"] == CLASS
        || ingress["metadata"]["annotations"]["kubernetes.io/ingress.class"] == CLASS
}

/// A backend's upstream name (ingress-nginx's `namespace-service-port`) and ready endpoints.
fn backend(
    ingress: &Value,
    namespace: &str,
    backend: &Value,
    ports: &[ServicePort],
) -> Result<(String, Vec<String>), PlanError> {
    let service = backend["service"]["name"].as_str().unwrap_or_default();
    let port = &backend["service"]["port"];
    let prefix = format!("{namespace}/{service}:");
    let found = ports.iter().find(|p| {
        p.name.starts_with(&prefix)
            && (port["number"].as_u64() == Some(u64::from(p.port))
                || port["name"].as_str() == Some(&p.name[prefix.len()..]))
    });
    let wanted = port["number"]
        .as_u64()
        .map_or_else(|| port["name"].as_str().unwrap_or_default().to_string(), |n| n.to_string());
    let found = found.ok_or_else(|| PlanError::Missing {
        what: format!("port {wanted} of Service {namespace}/{service}"),
        wanted_by: format!("Ingress {namespace}/{}", objects::name(ingress)),
    })?;
    let name = format!("{namespace}-{service}-{wanted}");
    Ok((name, found.endpoints.iter().map(ToString::to_string).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn port(name: &str, number: u16, endpoints: &[&str]) -> ServicePort {
        ServicePort {
            name: format!("default/{name}:"),
            protocol: "tcp".into(),
            cluster_ip: None,
            port: number,
            node_port: None,
            load_balancer_ips: Vec::new(),
            endpoints: endpoints.iter().map(|e| e.parse().expect("an endpoint")).collect(),
        }
    }

    fn ingress(name: &str, path: &str, kind: &str, service: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"ingressClassName": "nginx", "rules": [{"http": {"paths": [
            {"path": path, "pathType": kind, "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}]}})
    }

    /// The lab's two Exact rules become two exact locations on the default server, each proxied to its
    /// Service's ready pods; everything else is the default backend's 404.
    #[test]
    fn lab_rules() {
        let ports = [
            port("clusterip-service", 80, &["10.244.1.2:8080", "10.244.2.2:8080"]),
            port("clusterip-service-2", 80, &["10.244.3.3:8080"]),
        ];
        let ingresses = [
            ingress("ingress-resource", "/host", "Exact", "clusterip-service"),
            ingress("ingress-resource-2", "/data", "Exact", "clusterip-service-2"),
        ];
        let text = nginx_conf(&ingresses, &ports, "/run/x").expect("valid");
        assert!(text.contains("  upstream default-clusterip-service-80 {\n    server 10.244.1.2:8080;\n    server 10.244.2.2:8080;\n  }\n"), "{text}");
        assert!(text.contains("    location = /host {\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-For $remote_addr;\n      proxy_connect_timeout 5s;\n      proxy_pass http://default-clusterip-service-80;\n    }\n"), "{text}");
        assert!(
            text.contains("location = /data {") && text.contains("proxy_pass http://default-clusterip-service-2-80;"),
            "{text}"
        );
        assert!(
            text.contains("listen 80 default_server;")
                && text.ends_with("    location / {\n      return 404;\n    }\n  }\n}\n"),
            "{text}"
        );
        assert!(text.contains("pid /run/x/nginx.pid;"));
    }

    /// Prefix paths match whole segments; a backend with no ready pod answers 503; other classes are left
    /// alone; a backend port the Service lacks is an error naming both.
    #[test]
    fn prefixes_empty_backends_and_errors() {
        let ports = [port("web", 80, &[])];
        let text = nginx_conf(&[ingress("i", "/api/", "Prefix", "web")], &ports, "/d").expect("valid");
        assert!(
            text.contains("location = /api {\n      return 503;")
                && text.contains("location /api/ {\n      return 503;"),
            "{text}"
        );
        assert!(!text.contains("upstream"), "{text}");
        let mut other = ingress("i", "/x", "Exact", "nowhere");
        other["spec"]["ingressClassName"] = json!("traefik");
        assert!(!nginx_conf(&[other], &ports, "/d").expect("ignored").contains("/x"));
        let error = nginx_conf(&[ingress("bad", "/x", "Exact", "nowhere")], &ports, "/d").expect_err("missing");
        assert!(
            error.to_string().contains("port 80 of Service default/nowhere")
                && error.to_string().contains("Ingress default/bad"),
            "{error}"
        );
    }
}
