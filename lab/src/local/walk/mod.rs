//! The walkthrough played on this machine: plan from the rendered manifests, remove what a dead run
//! left, build the nodes ([`cluster`]), start the pods as kubelet would ([`kubelet`]), and replay the
//! walkthrough's commands from the dnsutils pod, checking each answer against the plan ([`steps`]).
//! The lab is removed at the end, on the first failure, and on Ctrl-C or SIGTERM, unless `--keep`.

pub mod cluster;
pub mod ingress;
pub mod kubelet;
pub mod labels;
pub mod load_balancer;
pub mod mesh;
pub mod steps;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Instant;

use thiserror::Error;

use crate::local::host::{self, HostError, cleanup, process, shell, signals};
use crate::local::plan::objects::{self, Manifests};
use crate::local::plan::pods::{Pod, Scale};
use crate::local::plan::services::Phase;
use crate::local::plan::topology::{self, PREFIX};
use crate::local::plan::{Plan, PlanError};
use kubelet::{Machine, Runtime};

/// Where the run keeps its files (cluster-state file, logs, postgres data); removed with the lab.
pub const STATE_DIR: &str = "/run/lab-local";

/// What `lab local` was asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The workspace root (deploy/ is read from it).
    pub workspace: PathBuf,
    /// Where our binaries are.
    pub bin_dir: PathBuf,
    /// Leave the lab up at the end.
    pub keep: bool,
}

/// Why `lab local` stopped.
#[derive(Debug, Error)]
pub enum LocalError {
    /// The lab cannot be planned.
    #[error(transparent)]
    Planning(#[from] PlanError),
    /// Something the plan needs is inconsistent.
    #[error("{0}")]
    Plan(String),
    /// The machine could not be set up.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A prerequisite is missing.
    #[error("{0}")]
    Prerequisite(String),
    /// A pod's program exited.
    #[error("pod {pod}: its program exited ({status}); its log ({path}) ends with:\n{log}")]
    Exited {
        /// The pod.
        pod: String,
        /// How it exited.
        status: String,
        /// The end of its log.
        log: String,
        /// The log.
        path: PathBuf,
    },
    /// A pod did not become ready.
    #[error("pod {pod} was not ready after {seconds} s; its log ends with:\n{log}")]
    NotReady {
        /// The pod.
        pod: String,
        /// How long it was given.
        seconds: u64,
        /// The end of its log.
        log: String,
    },
    /// A walkthrough step did not give the walkthrough's answer.
    #[error("step {step}: `{command}` answered {got:?}, expected {expected}")]
    Check {
        /// The step.
        step: String,
        /// The command.
        command: String,
        /// What it printed.
        got: String,
        /// What was expected.
        expected: String,
    },
}

/// The walkthrough scales the app to four replicas before the Services (`kubectl scale deployment app --replicas 4`).
fn walkthrough_scales() -> Vec<Scale> {
    vec![Scale { namespace: "default".into(), name: "app".into(), replicas: 4 }]
}

/// Runs `lab local`; the lab is removed afterwards unless `options.keep`.
pub fn run(options: &Options) -> Result<(), LocalError> {
    let started = Instant::now();
    let machine = prerequisites(options)?;
    let mut plan = plan(&options.workspace, &machine)?;
    let removed = cleanup::remove_all(PREFIX, Path::new(STATE_DIR));
    if !removed.is_empty() {
        println!("# removed what an earlier run left: {}", removed.join(" "));
    }
    signals::remove_on_signal(PREFIX, PathBuf::from(STATE_DIR))
        .map_err(|e| LocalError::Prerequisite(format!("cannot watch for signals: {e}")))?;
    let api = machine.state_file().parent().map(Path::to_path_buf).unwrap_or_default();
    fs::create_dir_all(&api).map_err(HostError::file(&api))?;
    let result = mesh::create_objects(&machine, &mut plan.manifests).and_then(|anchor| {
        println!("# made what `lab up` makes beside deploy/: the memberlist Secret (96 random bytes) and the trust anchor {anchor} in the linkerd-identity-trust-roots ConfigMap");
        walk(&mut plan, &machine)
    });
    if result.is_err() && shell::stopping() {
        // The failure is the stop itself (a command refused, a namespace gone): the signal's thread is
        // removing the lab and exits with the signal's status; it must not be raced to a different exit.
        loop {
            std::thread::park();
        }
    }
    match (&result, options.keep) {
        (Ok(()), true) => print!("{}", steps::explore(&plan, &machine)),
        (Err(_), true) => println!("# --keep: the lab is left up as it failed; `lab local --clean` removes it"),
        (_, false) => {
            let removed = cleanup::remove_all(PREFIX, Path::new(STATE_DIR));
            println!("# removed the lab ({} network namespaces)", removed.len());
        }
    }
    if result.is_ok() {
        println!("# lab local: every step passed in {:.1} s", started.elapsed().as_secs_f64());
    }
    result
}

/// `lab local --clean`: removes a kept lab, or what a dead run left.
pub fn clean() -> Vec<String> {
    cleanup::remove_all(PREFIX, Path::new(STATE_DIR))
}

/// Renders deploy/, meshes the app as the walkthrough does, and plans the lab.
pub fn plan(workspace: &Path, machine: &Machine) -> Result<Plan, LocalError> {
    let deploy = workspace.join("deploy");
    let output = Process::new("kubectl").arg("kustomize").arg(&deploy).output().map_err(|e| {
        LocalError::Prerequisite(format!(
            "cannot run kubectl kustomize {}: {e}; install kubectl 1.27 or newer",
            deploy.display()
        ))
    })?;
    if !output.status.success() {
        return Err(LocalError::Prerequisite(format!(
            "kubectl kustomize {} failed: {}",
            deploy.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let mut manifests = Manifests::parse(&String::from_utf8_lossy(&output.stdout))?;
    if let Some(app) = manifests.objects.iter_mut().find(|o| o["kind"] == "Deployment" && objects::name(o) == "app") {
        let injected = mesh::inject(machine, app)?;
        let note = if injected == *app { "deploy/ meshes it already: inject changed nothing" } else { "injected" };
        println!("# cat app.yaml | mini-proxy inject - | kubectl apply -f -   ({note})");
        *app = injected;
    }
    let kind_config = deploy.join("kind/cluster.yaml");
    let text = fs::read_to_string(&kind_config).map_err(HostError::file(&kind_config))?;
    let topology = topology::from_kind_config(&text)?;
    Ok(Plan::new(manifests, topology, |container| Runtime::of(container).is_some(), &walkthrough_scales())?)
}

/// Root, the programs `lab local` runs, and our binaries.
fn prerequisites(options: &Options) -> Result<Machine, LocalError> {
    if !host::running_as_root() {
        return Err(LocalError::Prerequisite(
            "lab local needs root (it creates network namespaces and iptables rules): run it with sudo".into(),
        ));
    }
    for (program, package) in [
        ("ip", "iproute2"),
        ("iptables-restore", "iptables"),
        ("setpriv", "util-linux"),
        ("knotd", "knot"),
        ("nginx", "nginx-light"),
        ("kubectl", "kubectl 1.27 or newer (kubernetes.io/docs/tasks/tools)"),
    ] {
        if !crate::tools::on_path(program) && !Path::new("/usr/sbin").join(program).exists() {
            return Err(LocalError::Prerequisite(format!("{program} is not on PATH: install {package}")));
        }
    }
    for binary in ["go-web", "cluster-dns", "dnsutils", "mini-lb", "mini-proxy"] {
        if !options.bin_dir.join(binary).is_file() {
            return Err(LocalError::Prerequisite(format!(
                "{binary} is not in {}: build it with `cargo build -p go-web -p cluster-dns -p dnsutils -p mini-lb -p mini-proxy`, or pass --bin-dir DIR",
                options.bin_dir.display()
            )));
        }
    }
    let postgres_bin = newest_postgres().ok_or_else(|| {
        LocalError::Prerequisite("no PostgreSQL in /usr/lib/postgresql/*/bin: install Debian's postgresql".into())
    })?;
    Ok(Machine {
        bin_dir: options.bin_dir.clone(),
        postgres_bin,
        state_dir: PathBuf::from(STATE_DIR),
        node_resolv: format!("nameserver {}\n", cluster::UPSTREAM_DNS),
    })
}

fn newest_postgres() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Every step, in order.
fn walk(plan: &mut Plan, machine: &Machine) -> Result<(), LocalError> {
    steps::heading("the cluster: nodes on the kind network");
    for line in cluster::build(plan)? {
        println!("{line}");
    }
    let mut running = Running { programs: vec![cluster::start_internet(machine)?], ..Running::default() };
    for aside in &plan.placement.set_aside {
        println!("# not run yet by lab local: {} ({})", aside.workload, aside.image);
    }
    cluster::publish(plan, machine, &running.phases)?;
    let first = |pod: &Pod| pod.owner.0 == "StatefulSet" || pod.owner.0 == "Pod" || pod.namespace == "kube-system";
    steps::heading("step 1: the postgres StatefulSet and the cluster DNS");
    running.start(plan, machine, plan.placement.pods.iter().filter(|p| first(p)))?;
    print!("{}", steps::pods_table(plan, &running.phases));
    steps::heading("step 2: DNS from the dnsutils pod");
    steps::dns(plan, machine)?;
    steps::heading("step 3: the app on every worker, Services through kube-proxy's rules");
    let load_balancer = |pod: &Pod| pod.namespace == "metallb-system";
    running.start(plan, machine, plan.placement.pods.iter().filter(|p| !first(p) && !load_balancer(p)))?;
    print!("{}", steps::pods_table(plan, &running.phases));
    steps::services(plan, machine)?;
    steps::heading("step 4: endpoints follow labels");
    let relabelled = labels::relabel(plan, machine, &mut running)?;
    steps::heading("step 5: the LoadBalancer: mini-lb's controller and a speaker on every node");
    load_balancer::play(plan, machine, &mut running)?;
    steps::heading("step 6: Ingress: /host and /data on the control plane's port 80");
    ingress::play(plan, machine, &mut running)?;
    steps::heading("step 7: the mesh: a meshed client, mini-proxy stat and mutual TLS");
    mesh::play(plan, machine, &mut running, &relabelled)
}

/// The programs started and each pod's phase.
#[derive(Default)]
pub struct Running {
    /// Kept so the children are ours until the end; the cleanup stops them through their namespaces.
    programs: Vec<process::Started>,
    /// Each started pod's phase, by name.
    pub phases: BTreeMap<String, Phase>,
}

impl Running {
    /// Keeps a program started outside a pod (the ingress controller's nginx) with the others.
    pub fn adopt(&mut self, program: process::Started) {
        self.programs.push(program);
    }

    /// Creates the pods' sandboxes, starts them, waits for each to be ready, and publishes them.
    pub fn start<'a>(
        &mut self,
        plan: &Plan,
        machine: &Machine,
        pods: impl Iterator<Item = &'a Pod>,
    ) -> Result<(), LocalError> {
        let pods: Vec<&Pod> = pods.collect();
        let mut started = Vec::new();
        for pod in &pods {
            let veth = format!("veth{:08x}", u32::from(pod.ip));
            kubelet::sandbox(plan, machine, pod, &veth)?;
            started.push(kubelet::start(plan, machine, pod)?);
        }
        for (pod, programs) in pods.iter().zip(started.iter_mut()) {
            kubelet::wait_ready(plan, machine, pod, programs)?;
            self.phases.insert(pod.name.clone(), Phase::Ready);
        }
        self.programs.extend(started.into_iter().flatten());
        cluster::publish(plan, machine, &self.phases)
    }
}
