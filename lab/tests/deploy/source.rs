//! Facts read from the workspace's own files rather than restated: the Dockerfile's images, the admin
//! listener's routes and each component's admin port (from server-runtime and the crates' clap
//! definitions), go-web's routes, the kind config.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("lab/ sits in the workspace").to_path_buf()
}

/// A workspace file's text.
pub fn read(path: &str) -> String {
    fs::read_to_string(workspace().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Every `.rs` file under a workspace directory, with its text.
pub fn rust_sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, found: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir).expect("readable source dir").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).expect("readable source");
                found.push((path, text));
            }
        }
    }
    let mut found = Vec::new();
    let root = workspace().join(dir);
    if root.is_file() {
        found.push((root.clone(), fs::read_to_string(&root).expect("readable source")));
    } else {
        walk(&root, &mut found);
    }
    found
}

/// The Dockerfile's image targets.
pub fn dockerfile_targets() -> Vec<String> {
    lab::images::targets(&read("Dockerfile")).expect("the Dockerfile builds images")
}

/// The admin listener's routes: the paths server-runtime's admin handler matches.
pub fn admin_routes() -> BTreeSet<String> {
    let text = read("crates/server-runtime/src/http/admin.rs");
    let path = Regex::new(r#""(/[a-z]*)""#).expect("regex");
    let routes: BTreeSet<String> = text
        .lines()
        .filter(|line| line.trim_start().starts_with("\"/") && line.contains("=>"))
        .flat_map(|line| path.captures_iter(line).map(|c| c[1].to_string()).collect::<Vec<_>>())
        .collect();
    assert!(
        routes.contains("/readyz") && routes.contains("/livez"),
        "admin.rs no longer reads as expected: {routes:?}"
    );
    routes
}

/// go-web's routes, as its router resolves them.
pub fn go_web_routes() -> BTreeSet<String> {
    let text = read("go-web/src/routes.rs");
    let arms = Regex::new(r#""(/[a-z]*)"\s*=>\s*Route::|Route::\w+\s*=>\s*"(/[a-z]*)""#).expect("regex");
    let routes: BTreeSet<String> =
        arms.captures_iter(&text).filter_map(|c| c.get(1).or(c.get(2))).map(|m| m.as_str().to_string()).collect();
    assert!(routes.contains("/host") && routes.contains("/data"), "routes.rs no longer reads as expected: {routes:?}");
    routes
}

/// The admin port a container of `component` listens on: its `--port=N` argument (MetalLB's flag, which
/// mini-lb takes), else its ADMIN_ADDR (or the variable the subcommand reads instead), else the crate's own default (a `mut_arg("admin_addr", ...)` in
/// its sources), else server-runtime's.
pub fn admin_port(component: &str, container: &Value) -> u64 {
    let port_of = |addr: &str| addr.rsplit(':').next().and_then(|p| p.parse::<u64>().ok());
    let args = container["args"].as_array().into_iter().flatten().filter_map(Value::as_str);
    if let Some(port) = args.filter_map(|a| a.strip_prefix("--port=")).find_map(|p| p.parse().ok()) {
        return port;
    }
    // ADMIN_ADDR, or the variable a subcommand binds its admin address to instead (the proxy's
    // LINKERD2_PROXY_ADMIN_LISTEN_ADDR), as its `mut_arg("admin_addr", ...)` says.
    let sources = rust_sources(&format!("{component}/src"));
    let renamed = Regex::new(r#"mut_arg\("admin_addr",[^\n]*\.env\("(\w+)"\)"#).expect("regex");
    let mut names: Vec<String> =
        sources.iter().flat_map(|(_, text)| renamed.captures_iter(text).map(|c| c[1].to_string())).collect();
    names.push("ADMIN_ADDR".to_string());
    let env = container["env"].as_array().into_iter().flatten();
    if let Some(addr) = env.filter(|e| names.iter().any(|n| e["name"] == *n)).find_map(|e| e["value"].as_str()) {
        return port_of(addr).expect("the admin address has a port");
    }
    let own = Regex::new(r#"mut_arg\("admin_addr",\s*\|a\|\s*a\.default_value\("([^"]+)"\)\)"#).expect("regex");
    let crate_default = sources.iter().find_map(|(_, text)| own.captures(text).and_then(|c| port_of(&c[1])));
    crate_default.unwrap_or_else(|| {
        let shared = Regex::new(r#"env = "ADMIN_ADDR", default_value = "([^"]+)""#).expect("regex");
        let text = read("crates/server-runtime/src/config/args.rs");
        shared.captures(&text).and_then(|c| port_of(&c[1])).expect("server-runtime's ADMIN_ADDR default")
    })
}

/// deploy/kind/cluster.yaml.
pub fn kind_config() -> Value {
    serde_saphyr::from_str(&read("deploy/kind/cluster.yaml")).expect("the kind config is YAML")
}
