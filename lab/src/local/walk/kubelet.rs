//! The stand-in for kubelet and the container runtime: a pod's sandbox (its namespace plugged into its
//! node, its resolv.conf under /etc/netns), its container started from the image's program on this
//! machine (our binaries from the cargo target directory, Debian's PostgreSQL for `postgres:*`) with
//! the env the manifest gives it, and its readiness probe run as kubelet runs it (exec probes inside the
//! pod, HTTP probes from the node).

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::LocalError;
use crate::local::host::shell::{cmd, in_netns, run};
use crate::local::host::{HostError, network, process};
use crate::local::plan::pods::{self, Pod};
use crate::local::plan::{Plan, kubelet, mesh};

/// How long a pod may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// What runs an image here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// `lab/go-web`: our go-web.
    GoWeb,
    /// `lab/cluster-dns`: our cluster-dns, reading the cluster-state file.
    ClusterDns,
    /// `lab/dnsutils`: our dnsutils, running the container's command.
    Dnsutils,
    /// `postgres:*`: Debian's PostgreSQL, initialised as the official image's entrypoint does.
    Postgres,
    /// `lab/mini-lb`: our mini-lb (controller or speaker), reading the cluster-state file.
    MiniLb,
    /// `lab/mini-proxy` running `init` or `run`: the mesh's init container and proxy.
    MiniProxy,
}

impl Runtime {
    /// The runtime for `container`, if `lab local` runs it. `mini-proxy identity serve` is not run:
    /// it reviews tokens and keeps its issuer through the Kubernetes API, which is not here.
    pub fn of(container: &Value) -> Option<Runtime> {
        let image = container["image"].as_str().unwrap_or_default();
        let repository = image.split(['@']).next().unwrap_or(image);
        let repository = repository.rsplit_once(':').map_or(repository, |(name, _)| name);
        match repository {
            "lab/go-web" => Some(Runtime::GoWeb),
            "lab/cluster-dns" => Some(Runtime::ClusterDns),
            "lab/dnsutils" => Some(Runtime::Dnsutils),
            "postgres" => Some(Runtime::Postgres),
            "lab/mini-lb" => Some(Runtime::MiniLb),
            "lab/mini-proxy" if ["init", "run"].contains(&container["args"][0].as_str().unwrap_or_default()) => {
                Some(Runtime::MiniProxy)
            }
            _ => None,
        }
    }
}

/// Where things are on this machine.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Our binaries.
    pub bin_dir: PathBuf,
    /// PostgreSQL's programs (`/usr/lib/postgresql/N/bin`).
    pub postgres_bin: PathBuf,
    /// The run's state directory (cluster-state file, logs, data).
    pub state_dir: PathBuf,
    /// The node's own resolv.conf (what `dnsPolicy: Default` pods get).
    pub node_resolv: String,
}

impl Machine {
    /// The cluster-state file, alone in its directory: the components watch the directory, and the
    /// pods' logs beside it would wake them for nothing.
    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("api").join("cluster.yaml")
    }

    /// The mesh's trust anchor (`ca.crt`, `ca.key`), from which every proxy's certificate is issued.
    pub fn mesh_ca(&self) -> PathBuf {
        self.state_dir.join("mesh-ca")
    }

    fn path(&self) -> String {
        format!("{}:{}:/usr/sbin:/usr/bin:/sbin:/bin", self.bin_dir.display(), self.postgres_bin.display())
    }

    /// Runs `args` in `pod`'s namespace with our binaries first on PATH, as `kubectl exec POD -- ARGS`.
    pub fn exec(&self, pod: &Pod, program: &str, args: &[&str]) -> Result<String, HostError> {
        let mut all = vec![format!("PATH={}", self.path()), program.to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        run(&in_netns(&pod.netns(), "env", all))
    }
}

/// Creates `pod`'s sandbox: its namespace, the veth to its node, its resolv.conf (nothing with
/// `hostNetwork`: the pod lives in its node's namespace).
pub fn sandbox(plan: &Plan, machine: &Machine, pod: &Pod, veth: &str) -> Result<(), LocalError> {
    if pod.host_network() {
        return Ok(());
    }
    let node = plan
        .node(&pod.node)
        .ok_or_else(|| LocalError::Plan(format!("pod {} names no known node {}", pod.name, pod.node)))?;
    network::add_namespace(&pod.netns())?;
    network::plug_pod(&node.netns(), veth, &pod.netns(), pod.ip, node.pod_cidr.prefix, node.pod_gateway())?;
    let dns = plan.cluster_ip("kube-system", "kube-dns").unwrap_or(Ipv4Addr::new(10, 96, 0, 10));
    let dir = Path::new("/etc/netns").join(pod.netns());
    fs::create_dir_all(&dir).map_err(HostError::file(&dir))?;
    let resolv = dir.join("resolv.conf");
    fs::write(&resolv, kubelet::resolv_conf(pod, dns, &machine.node_resolv)).map_err(HostError::file(&resolv))?;
    Ok(())
}

/// Runs `pod`'s init containers to completion, then starts its containers; returns the running programs.
pub fn start(plan: &Plan, machine: &Machine, pod: &Pod) -> Result<Vec<process::Started>, LocalError> {
    for container in pod.init_containers() {
        let (program, args, _) = command(machine, pod, container)?;
        let mut all = vec![program.display().to_string()];
        all.extend(args);
        run(&in_netns(&pod.netns(), "env", all))?;
    }
    let mut started = Vec::new();
    for container in pod.containers() {
        started.push(start_container(plan, machine, pod, container)?);
    }
    if started.is_empty() {
        return Err(LocalError::Plan(format!("pod {} has no container", pod.name)));
    }
    Ok(started)
}

/// The program and args of `container`, and its runtime.
fn command(machine: &Machine, pod: &Pod, container: &Value) -> Result<(PathBuf, Vec<String>, Runtime), LocalError> {
    let image = container["image"].as_str().unwrap_or_default();
    let runtime = Runtime::of(container)
        .ok_or_else(|| LocalError::Plan(format!("pod {}: lab local cannot run image {image}", pod.name)))?;
    let words: Vec<String> = container["command"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(container["args"].as_array().into_iter().flatten())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let binary = |name: &str| machine.bin_dir.join(name);
    Ok(match runtime {
        Runtime::GoWeb => (binary("go-web"), Vec::new(), runtime),
        Runtime::ClusterDns => (binary("cluster-dns"), Vec::new(), runtime),
        Runtime::Dnsutils => (
            binary("dnsutils"),
            if words.is_empty() { vec!["sleep".into(), "infinity".into()] } else { words },
            runtime,
        ),
        Runtime::MiniLb => (binary("mini-lb"), words, runtime),
        Runtime::MiniProxy => (binary("mini-proxy"), words, runtime),
        Runtime::Postgres => (machine.postgres_bin.join("postgres"), words, runtime),
    })
}

/// Starts one container of `pod`.
fn start_container(
    plan: &Plan,
    machine: &Machine,
    pod: &Pod,
    container: &Value,
) -> Result<process::Started, LocalError> {
    let host_ip = plan.node(&pod.node).map_or(Ipv4Addr::UNSPECIFIED, |n| n.ip);
    let mut env = kubelet::container_env(container, pod, host_ip, &plan.manifests)?;
    let name = container["name"].as_str().unwrap_or_default();
    let log = machine.state_dir.join(if pod.containers().count() > 1 {
        format!("{}.{name}.log", pod.name)
    } else {
        format!("{}.log", pod.name)
    });
    let (program, mut args, runtime) = command(machine, pod, container)?;
    match runtime {
        Runtime::Postgres => return postgres(machine, pod, &env, &log),
        Runtime::ClusterDns | Runtime::MiniLb => {
            env.push(("CLUSTER_STATE_FILE".into(), machine.state_file().display().to_string()));
        }
        Runtime::MiniProxy => {
            let dir = identity(machine, pod)?;
            env = mesh::file_identity(env, &dir.display().to_string());
            env.push(("CLUSTER_STATE_FILE".into(), machine.state_file().display().to_string()));
            // As the container's runAsUser: the UID init's rules let out unredirected.
            let uid = mesh::PROXY_UID.to_string();
            let mut all = vec![format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()];
            all.push(program.display().to_string());
            all.append(&mut args);
            return Ok(process::start(&pod.netns(), Path::new("setpriv"), &all, &env, &machine.path(), &log)?);
        }
        Runtime::GoWeb | Runtime::Dnsutils => {}
    }
    Ok(process::start(&pod.netns(), &program, &args, &env, &machine.path(), &log)?)
}

/// The proxy's identity directory: a certificate for the pod's ServiceAccount from the run's trust
/// anchor, as the identity service would issue it, readable by the proxy's UID.
fn identity(machine: &Machine, pod: &Pod) -> Result<PathBuf, LocalError> {
    let dir = machine.state_dir.join(&pod.name).join("identity");
    let (ca, out) = (machine.mesh_ca().display().to_string(), dir.display().to_string());
    let account = mesh::service_account(pod);
    let issue = ["identity", "issue", "--ca-dir", &ca, "--service-account", account, "--namespace", &pod.namespace];
    let mut args: Vec<&str> = issue.to_vec();
    args.extend(["--out", &out]);
    run(&cmd(&machine.bin_dir.join("mini-proxy").display().to_string(), args))?;
    for path in [dir.parent().unwrap_or(&dir).to_path_buf(), dir.clone()]
        .into_iter()
        .chain(["tls.crt", "tls.key", "ca.crt"].map(|f| dir.join(f)))
    {
        std::os::unix::fs::chown(&path, Some(mesh::PROXY_UID), Some(mesh::PROXY_UID))
            .map_err(HostError::file(&path))?;
    }
    Ok(dir)
}

/// The official image's entrypoint, in short: initdb with POSTGRES_USER and POSTGRES_PASSWORD,
/// password logins from anywhere, the server on every address, then POSTGRES_DB created.
fn postgres(
    machine: &Machine,
    pod: &Pod,
    env: &[(String, String)],
    log: &Path,
) -> Result<process::Started, LocalError> {
    let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let user = get("POSTGRES_USER").unwrap_or_else(|| "postgres".into());
    let password = get("POSTGRES_PASSWORD")
        .ok_or_else(|| LocalError::Plan(format!("pod {}: POSTGRES_PASSWORD is not set", pod.name)))?;
    let base = machine.state_dir.join(&pod.name);
    let (data, socket) = (base.join("data"), base.join("run"));
    let owner = postgres_ids()?;
    for dir in [&base, &socket] {
        fs::create_dir_all(dir).map_err(HostError::file(dir.as_path()))?;
        std::os::unix::fs::chown(dir, Some(owner.0), Some(owner.1)).map_err(HostError::file(dir.as_path()))?;
    }
    let pwfile = base.join("pwfile");
    fs::write(&pwfile, &password).map_err(HostError::file(&pwfile))?;
    std::os::unix::fs::chown(&pwfile, Some(owner.0), Some(owner.1)).map_err(HostError::file(&pwfile))?;
    let as_postgres = |program: &str, args: &[String]| {
        let mut all = vec![
            "--reuid=postgres".to_string(),
            "--regid=postgres".into(),
            "--init-groups".into(),
            machine.postgres_bin.join(program).display().to_string(),
        ];
        all.extend(args.iter().cloned());
        all
    };
    let initdb = as_postgres(
        "initdb",
        &[
            format!("--pgdata={}", data.display()),
            format!("--username={user}"),
            format!("--pwfile={}", pwfile.display()),
            "--auth-local=trust".into(),
            "--auth-host=scram-sha-256".into(),
            "--no-sync".into(),
        ],
    );
    run(&cmd("setpriv", initdb))?;
    let hba = data.join("pg_hba.conf");
    let mut rules = fs::read_to_string(&hba).map_err(HostError::file(&hba))?;
    rules.push_str("host all all all scram-sha-256\n");
    fs::write(&hba, rules).map_err(HostError::file(&hba))?;
    let server = as_postgres(
        "postgres",
        &[
            format!("-D{}", data.display()),
            "-clisten_addresses=*".into(),
            format!("-cunix_socket_directories={}", socket.display()),
        ],
    );
    let started = process::start(&pod.netns(), Path::new("setpriv"), &server, env, &machine.path(), log)?;
    if let Some(database) = get("POSTGRES_DB").filter(|db| *db != user) {
        let socket = socket.display().to_string();
        wait_until(pod, READY_TIMEOUT, || {
            Ok(run(&cmd(&machine.postgres_bin.join("pg_isready").display().to_string(), ["-q", "-h", &socket])).is_ok())
        })?;
        let create = as_postgres("createdb", &["-h".into(), socket, "-U".into(), user, database]);
        run(&cmd("setpriv", create))?;
    }
    Ok(started)
}

/// The postgres user's uid and gid.
fn postgres_ids() -> Result<(u32, u32), LocalError> {
    let number = |flag: &str| -> Result<u32, LocalError> {
        let text = run(&cmd("id", [flag, "postgres"]))?;
        text.trim().parse().map_err(|_| LocalError::Plan(format!("`id {flag} postgres` printed {text:?}")))
    };
    Ok((number("-u")?, number("-g")?))
}

/// Waits until every container's readiness probe passes, as kubelet runs them; a pod without one is
/// ready at once.
pub fn wait_ready(
    plan: &Plan,
    machine: &Machine,
    pod: &Pod,
    started: &mut [process::Started],
) -> Result<(), LocalError> {
    let node = plan.node(&pod.node).map(|n| n.netns()).unwrap_or_default();
    let probes: Vec<(Value, Value)> =
        pod.containers().map(|c| (c.clone(), c["readinessProbe"].clone())).filter(|(_, p)| p.is_object()).collect();
    let mut check = || -> Result<bool, LocalError> {
        for program in started.iter_mut() {
            if let Some(status) = program.exited() {
                return Err(LocalError::Exited {
                    pod: pod.name.clone(),
                    status: status.to_string(),
                    log: process::tail(&program.log, 15),
                    path: program.log.clone(),
                });
            }
        }
        for (container, probe) in &probes {
            let passed = if let Some(command) = probe["exec"]["command"].as_array() {
                let words: Vec<&str> = command.iter().filter_map(Value::as_str).collect();
                let (program, args) = words.split_first().map_or(("true", &[][..]), |(p, a)| (*p, a));
                machine.exec(pod, program, args).is_ok()
            } else if probe["httpGet"].is_object() {
                let port = pods::resolve_port(container, &probe["httpGet"]["port"]).unwrap_or(80);
                let path = probe["httpGet"]["path"].as_str().unwrap_or("/");
                let url = format!("http://{}:{port}{path}", pod.ip);
                let wget = machine.bin_dir.join("dnsutils").display().to_string();
                run(&in_netns(&node, &wget, ["wget", "-q", "-O", "/dev/null", "-T", "1", "-t", "1", &url])).is_ok()
            } else {
                true
            };
            if !passed {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if check()? {
            return Ok(());
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = started.iter().map(|p| process::tail(&p.log, 8)).collect();
            return Err(LocalError::NotReady {
                pod: pod.name.clone(),
                seconds: READY_TIMEOUT.as_secs(),
                log: logs.join("\n--\n"),
            });
        }
        sleep(Duration::from_millis(100));
    }
}

fn wait_until(
    pod: &Pod,
    timeout: Duration,
    mut ready: impl FnMut() -> Result<bool, LocalError>,
) -> Result<(), LocalError> {
    let deadline = Instant::now() + timeout;
    while !ready()? {
        if Instant::now() > deadline {
            return Err(LocalError::NotReady { pod: pod.name.clone(), seconds: timeout.as_secs(), log: String::new() });
        }
        sleep(Duration::from_millis(100));
    }
    Ok(())
}
