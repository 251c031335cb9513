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
use crate::local::plan::pods::Pod;
use crate::local::plan::{Plan, kubelet};

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
}

impl Runtime {
    /// The runtime for `image`, if this slice of `lab local` runs it.
    pub fn of(image: &str) -> Option<Runtime> {
        let repository = image.split(['@']).next().unwrap_or(image);
        let repository = repository.rsplit_once(':').map_or(repository, |(name, _)| name);
        match repository {
            "lab/go-web" => Some(Runtime::GoWeb),
            "lab/cluster-dns" => Some(Runtime::ClusterDns),
            "lab/dnsutils" => Some(Runtime::Dnsutils),
            "postgres" => Some(Runtime::Postgres),
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
    /// The cluster-state file.
    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("cluster.yaml")
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

/// Creates `pod`'s sandbox: its namespace, the veth to its node, its resolv.conf.
pub fn sandbox(plan: &Plan, machine: &Machine, pod: &Pod, veth: &str) -> Result<(), LocalError> {
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

/// Starts `pod`'s container; returns the running program.
pub fn start(plan: &Plan, machine: &Machine, pod: &Pod) -> Result<process::Started, LocalError> {
    let container =
        pod.containers().next().ok_or_else(|| LocalError::Plan(format!("pod {} has no container", pod.name)))?;
    let image = container["image"].as_str().unwrap_or_default();
    let runtime = Runtime::of(image)
        .ok_or_else(|| LocalError::Plan(format!("pod {}: lab local cannot run image {image}", pod.name)))?;
    let host_ip = plan.node(&pod.node).map_or(Ipv4Addr::UNSPECIFIED, |n| n.ip);
    let mut env = kubelet::container_env(container, pod, host_ip, &plan.manifests)?;
    let log = machine.state_dir.join(format!("{}.log", pod.name));
    let (program, args): (PathBuf, Vec<String>) = match runtime {
        Runtime::GoWeb => (machine.bin_dir.join("go-web"), Vec::new()),
        Runtime::ClusterDns => {
            env.push(("CLUSTER_STATE_FILE".into(), machine.state_file().display().to_string()));
            (machine.bin_dir.join("cluster-dns"), Vec::new())
        }
        Runtime::Dnsutils => {
            let command: Vec<String> = container["command"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(container["args"].as_array().into_iter().flatten())
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            (
                machine.bin_dir.join("dnsutils"),
                if command.is_empty() { vec!["sleep".into(), "infinity".into()] } else { command },
            )
        }
        Runtime::Postgres => return postgres(machine, pod, &env, &log),
    };
    Ok(process::start(&pod.netns(), &program, &args, &env, &machine.path(), &log)?)
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

/// Waits until `pod`'s readiness probe passes, as kubelet runs it; a pod without one is ready at once.
pub fn wait_ready(plan: &Plan, machine: &Machine, pod: &Pod, started: &mut process::Started) -> Result<(), LocalError> {
    let container = pod.containers().next().cloned().unwrap_or(Value::Null);
    let probe = &container["readinessProbe"];
    let node = plan.node(&pod.node).map(|n| n.netns()).unwrap_or_default();
    let mut check = || -> Result<bool, LocalError> {
        if let Some(status) = started.exited() {
            return Err(LocalError::Exited {
                pod: pod.name.clone(),
                status: status.to_string(),
                log: process::tail(&started.log, 15),
                path: started.log.clone(),
            });
        }
        if let Some(command) = probe["exec"]["command"].as_array() {
            let words: Vec<&str> = command.iter().filter_map(Value::as_str).collect();
            let (program, args) = words.split_first().map_or(("true", &[][..]), |(p, a)| (*p, a));
            return Ok(machine.exec(pod, program, args).is_ok());
        }
        if probe["httpGet"].is_object() {
            let port = resolve_port(&container, &probe["httpGet"]["port"]).unwrap_or(80);
            let path = probe["httpGet"]["path"].as_str().unwrap_or("/");
            let url = format!("http://{}:{port}{path}", pod.ip);
            let wget = machine.bin_dir.join("dnsutils").display().to_string();
            return Ok(
                run(&in_netns(&node, &wget, ["wget", "-q", "-O", "/dev/null", "-T", "1", "-t", "1", &url])).is_ok()
            );
        }
        Ok(true)
    };
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if check()? {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(LocalError::NotReady {
                pod: pod.name.clone(),
                seconds: READY_TIMEOUT.as_secs(),
                log: process::tail(&started.log, 15),
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

/// A probe's port: a number, or the name of a container port.
fn resolve_port(container: &Value, port: &Value) -> Option<u64> {
    port.as_u64().or_else(|| {
        let wanted = port.as_str()?;
        container["ports"].as_array()?.iter().find(|p| p["name"] == wanted)?["containerPort"].as_u64()
    })
}
