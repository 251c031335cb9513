//! The network lab the speaker tests run in, built for real with `ip netns` and torn down by `Drop`:
//! a bridge namespace, three node namespaces (`eth0` on the bridge, the Service addresses on `lo` with
//! `arp_ignore=1` as kube-proxy leaves them, so the kernel never answers ARP or NDP for them), each
//! running a speaker and a small HTTP backend that answers its node name, and a client namespace.
//! Names carry the process id and a counter, so tests and parallel runs never share a namespace.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use test_support::process::{ServerProcess, clean_command};

/// Network labs run one at a time: three speakers and the client share two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The lab's IPv4 subnet, its Service address, and one no speaker announces.
pub const VIP4: &str = "172.31.0.200";
pub const UNOWNED4: &str = "172.31.0.201";
/// The IPv6 Service address.
pub const VIP6: &str = "fd31::c8";
/// The node names, in node order.
pub const NODES: [&str; 3] = ["node-1", "node-2", "node-3"];

/// The MAC of node `i` (1-based).
pub fn node_mac(i: usize) -> String {
    format!("02:00:00:00:00:{i:02x}")
}

fn node_ip(i: usize) -> String {
    format!("172.31.0.{}", 10 + i)
}

/// Runs a command, failing the test with its output if it fails.
pub fn run(args: &[&str]) -> String {
    let output = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
    assert!(
        output.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a command and says whether it succeeded, with its output.
pub fn try_run(args: &[&str]) -> (bool, String) {
    match Command::new(args[0]).args(&args[1..]).stdin(Stdio::null()).output() {
        Ok(output) => (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned()),
        Err(_) => (false, String::new()),
    }
}

/// One lab: namespaces, processes, and the file of cluster state the speakers read.
pub struct Lab {
    _serial: MutexGuard<'static, ()>,
    pub prefix: String,
    pub bridge: String,
    pub client: String,
    pub nodes: Vec<String>,
    pub speakers: Vec<Option<ServerProcess>>,
    backends: Vec<Child>,
    state: tempfile::TempDir,
}

/// How the speakers are started.
#[derive(Clone, Debug)]
pub struct SpeakerOptions {
    /// Gossip on (with --bind/--join) or off (Node Ready fallback).
    pub gossip: bool,
    /// The pre-shared key, if any.
    pub secret: Option<String>,
    /// Extra arguments.
    pub extra: Vec<String>,
}

impl Default for SpeakerOptions {
    fn default() -> Self {
        SpeakerOptions {
            gossip: true,
            secret: Some("lab-memberlist-secret-lab-memberlist-secret".into()),
            extra: Vec::new(),
        }
    }
}

impl Lab {
    /// Builds the topology and starts the backends (not the speakers).
    pub fn new() -> Lab {
        let serial = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(run(&["id", "-u"]).trim() == "0", "the network tests need root (CI runs as root)");
        for (tool, package) in [("arping", "iputils-arping"), ("curl", "curl"), ("python3", "python3")] {
            assert!(
                Command::new(tool).arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok(),
                "the network tests need `{tool}`: apt-get install {package} (scripts/test installs it)"
            );
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("mlb{}{n}", std::process::id() % 100_000);
        let state = tempfile::tempdir().expect("a temporary directory");
        let mut lab = Lab {
            _serial: serial,
            bridge: format!("{prefix}-br"),
            client: format!("{prefix}-c"),
            nodes: (1..=3).map(|i| format!("{prefix}-n{i}")).collect(),
            speakers: Vec::new(),
            backends: Vec::new(),
            state,
            prefix,
        };
        lab.build();
        lab
    }

    fn port(&self, i: usize) -> String {
        format!("{}p{i}", &self.prefix[..self.prefix.len().min(11)])
    }

    fn build(&mut self) {
        for ns in [&self.bridge, &self.client].into_iter().chain(&self.nodes) {
            run(&["ip", "netns", "add", ns]);
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        run(&["ip", "-n", &self.bridge, "link", "add", "br0", "type", "bridge"]);
        run(&["ip", "-n", &self.bridge, "link", "set", "br0", "up"]);
        let clients = [(self.client.clone(), 0usize, "172.31.0.99".to_string(), "fd31::99".to_string())];
        let nodes: Vec<(String, usize, String, String)> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(at, ns)| (ns.clone(), at + 1, node_ip(at + 1), format!("fd31::{}", 10 + at + 1)))
            .collect();
        for (ns, i, v4, v6) in clients.iter().chain(&nodes) {
            let port = self.port(*i);
            run(&["ip", "-n", &self.bridge, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", ns]);
            run(&["ip", "-n", &self.bridge, "link", "set", &port, "master", "br0", "up"]);
            run(&["ip", "-n", ns, "link", "set", "eth0", "address", &node_mac(if *i == 0 { 0x99 } else { *i })]);
            run(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            run(&["ip", "-n", ns, "addr", "add", &format!("{v4}/24"), "dev", "eth0"]);
            run(&["ip", "-n", ns, "addr", "add", &format!("{v6}/64"), "dev", "eth0", "nodad"]);
        }
        for (ns, i, _, _) in &nodes {
            run(&[
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.all.arp_announce=2",
            ]);
            run(&["ip", "-n", ns, "addr", "add", &format!("{VIP4}/32"), "dev", "lo"]);
            run(&["ip", "-n", ns, "addr", "add", &format!("{VIP6}/128"), "dev", "lo", "nodad"]);
            self.start_backend(ns, NODES[i - 1]);
        }
        for (ns, ..) in clients.iter().chain(&nodes) {
            wait_link_local(ns);
        }
    }

    fn start_backend(&mut self, ns: &str, name: &str) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/backend.py");
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, "python3", "-u"])
            .arg(&script)
            .arg(name)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the backend");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
        }
        assert!(line.contains("backend ready"), "the backend in {ns} did not start: {line:?}");
        self.backends.push(child);
    }

    /// Writes the cluster state the speakers read: the lab's pool, Nodes, and one Service per family
    /// with its address already in its status and an endpoint on every node.
    pub fn write_state(&self, extra: &str) -> PathBuf {
        let path = self.state.path().join("cluster.yaml");
        std::fs::write(&path, cluster_state(extra)).expect("write the cluster state");
        path
    }

    /// Starts the three speakers.
    pub fn start_speakers(&mut self, options: &SpeakerOptions) {
        let path = self.write_state("");
        for i in 1..=3 {
            let process = self.speaker(i, &path, options);
            self.speakers.push(Some(process));
        }
    }

    /// Starts speaker `i` (1-based) reading `path`.
    pub fn speaker(&self, i: usize, path: &Path, options: &SpeakerOptions) -> ServerProcess {
        let mut command = clean_command("ip");
        command.args(["netns", "exec", &self.nodes[i - 1], env!("CARGO_BIN_EXE_mini-lb"), "speaker"]);
        command.args(["--node-name", NODES[i - 1], "--from-file"]).arg(path);
        command.args(["--admin-addr", "127.0.0.1:7472", "--shutdown-grace", "2s"]);
        if options.gossip {
            command.args(["--bind", &format!("{}:7946", node_ip(i)), "--join", &format!("{}:7946", node_ip(1))]);
            command.args(["--join", &format!("{}:7946", node_ip(2))]);
        }
        if let Some(secret) = &options.secret {
            command.env("METALLB_ML_SECRET_KEY", secret);
        }
        command.args(&options.extra);
        ServerProcess::start(command, &["admin"])
    }

    /// The node whose name the backend behind `vip` answers from the client, if any answers.
    pub fn fetch(&self, vip: &str) -> Option<String> {
        let url = if vip.contains(':') { format!("http://[{vip}]/") } else { format!("http://{vip}/") };
        let (ok, body) = try_run(&["ip", "netns", "exec", &self.client, "curl", "-s", "--max-time", "0.5", &url]);
        ok.then_some(body).filter(|b| !b.is_empty())
    }

    /// The MAC the client's neighbour table holds for `ip`, if any.
    pub fn neighbour(&self, ip: &str) -> Option<String> {
        let out = run(&["ip", "-n", &self.client, "neigh", "show", ip]);
        let mut words = out.split_whitespace();
        words.find(|w| *w == "lladdr")?;
        words.next().map(String::from)
    }

    /// Sends one ARP request from the client; true if answered.
    pub fn arping(&self, ip: &str) -> bool {
        try_run(&["ip", "netns", "exec", &self.client, "arping", "-c", "1", "-w", "1", "-I", "eth0", ip]).0
    }

    /// Unplugs (false) or plugs back (true) node `i`'s cable: its port on the bridge.
    pub fn set_link(&self, i: usize, up: bool) {
        run(&["ip", "-n", &self.bridge, "link", "set", &self.port(i), if up { "up" } else { "down" }]);
    }

    /// The status report (`/status`) of speaker `i`, read inside its namespace.
    pub fn status(&self, i: usize) -> String {
        self.admin(i, "status")
    }

    /// The metrics of speaker `i`.
    pub fn metrics(&self, i: usize) -> String {
        self.admin(i, "metrics")
    }

    /// One admin route of speaker `i` (its admin listener is on the namespace's loopback).
    fn admin(&self, i: usize, route: &str) -> String {
        let url = format!("http://127.0.0.1:7472/{route}");
        try_run(&["ip", "netns", "exec", &self.nodes[i - 1], "curl", "-s", "--max-time", "1", &url]).1
    }

    /// Waits until the client reaches `vip` on `node`, returning how long it took.
    pub fn wait_served_by(&self, vip: &str, node: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if self.fetch(vip).as_deref() == Some(node) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "{vip} not served by {node} within {limit:?}; last answer {:?}; statuses:\n{}",
                self.fetch(vip),
                self.statuses()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every speaker's report, for failure messages.
    pub fn statuses(&self) -> String {
        (1..=3).map(|i| format!("== node-{i}\n{}", self.status(i))).collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.speakers.clear();
        for child in &mut self.backends {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.client, &self.bridge].into_iter().chain(&self.nodes) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Waits until `ns`'s eth0 has its link-local address (the speaker needs it for NDP).
fn wait_link_local(ns: &str) {
    let start = Instant::now();
    while !run(&["ip", "-n", ns, "-6", "addr", "show", "dev", "eth0", "scope", "link"]).contains("fe80") {
        assert!(start.elapsed() < Duration::from_secs(5), "no link-local address on {ns} eth0");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A lab whose speakers run with `options`, once `vip` is served by its elected node: the lab, that
/// node, and the node elected when it is gone.
pub fn serving(options: &SpeakerOptions, vip: &str) -> (Lab, &'static str, &'static str) {
    let mut lab = Lab::new();
    lab.start_speakers(options);
    let owner = winner(vip, &NODES);
    lab.wait_served_by(vip, owner, Duration::from_secs(15));
    let rest: Vec<&'static str> = NODES.iter().copied().filter(|n| *n != owner).collect();
    (lab, owner, winner(vip, &rest))
}

/// Speaker `node`'s index (1-based).
pub fn index(node: &str) -> usize {
    NODES.iter().position(|n| *n == node).expect("a lab node") + 1
}

/// The node that MetalLB's election picks for `vip` among `nodes`.
pub fn winner(vip: &str, nodes: &[&'static str]) -> &'static str {
    let ip: IpAddr = vip.parse().expect("an address");
    mini_lb::elect::winner(nodes, ip).expect("a winner")
}

fn cluster_state(extra: &str) -> String {
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: metallb-system\n  name: config\ndata:\n  config: |\n    address-pools:\n    - name: default\n      protocol: layer2\n      addresses:\n      - 172.31.0.200-172.31.0.250\n      - fd31::c8-fd31::ff\n",
    );
    for node in NODES {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\nstatus:\n  conditions:\n  - type: Ready\n    status: \"True\"\n"
        ));
    }
    for (name, vip, family) in [("web-v4", VIP4, "IPv4"), ("web-v6", VIP6, "IPv6")] {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  type: LoadBalancer\n  ipFamilies: [{family}]\n  selector: {{app: web}}\n  ports:\n  - port: 80\n    protocol: TCP\nstatus:\n  loadBalancer:\n    ingress:\n    - ip: \"{vip}\"\n"
        ));
        text.push_str(&format!(
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}-x\n  namespace: default\n  labels:\n    kubernetes.io/service-name: {name}\naddressType: {family}\nendpoints:\n"
        ));
        for (at, node) in NODES.iter().enumerate() {
            text.push_str(&format!(
                "- addresses: [\"10.244.{at}.5\"]\n  conditions: {{ready: true}}\n  nodeName: {node}\n"
            ));
        }
    }
    text.push_str(extra);
    text
}
