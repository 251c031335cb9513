//! A small meshed cluster in network namespaces: each pod is a namespace on one bridge with its own
//! address; a meshed pod gets credentials from the test's trust anchor, `mini-proxy init`'s iptables
//! rules and a `mini-proxy run` as UID 2102, exactly as an injected pod would, so the apps and clients
//! in it are unaware of the proxy. Discovery reads a cluster-state file naming every pod.
//!
//! Needs root (namespaces, iptables); [`Mesh::new`] returns `None` and says so otherwise.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use mini_proxy::identity::Identity;
use mini_proxy::identity::files;
use mini_proxy::identity::issue::{ANCHOR_LIFETIME, Authority, LEAF_LIFETIME};
use test_support::netns::{Lan, Namespace, can_create};
use test_support::process::ServerProcess;
use test_support::wait::wait_until;

/// The proxy's UID, the one `init` exempts.
pub const PROXY_UID: u32 = 2102;
/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mini-proxy");

/// A pod to create.
#[derive(Clone, Copy, Debug)]
pub struct PodSpec {
    /// Its name (and service account).
    pub name: &'static str,
    /// Whether discovery lists it as running a proxy.
    pub meshed: bool,
}

/// A pod of the mesh.
pub struct Pod {
    /// Its name.
    pub name: &'static str,
    /// Its network namespace.
    pub ns: Namespace,
    /// Its address.
    pub ip: Ipv4Addr,
    /// The identity discovery gives it.
    pub identity: Identity,
    /// Where its proxy reads credentials.
    pub identity_dir: PathBuf,
    /// Its proxy, once started.
    pub proxy: Option<ServerProcess>,
}

/// The cluster.
pub struct Mesh {
    lan: Lan,
    /// The pods, in the order given.
    pub pods: Vec<Pod>,
    /// The test's trust anchor.
    pub authority: Authority,
    dir: tempfile::TempDir,
    /// The cluster-state file every proxy reads.
    pub state_file: PathBuf,
    apps: Mutex<Vec<Child>>,
}

impl Mesh {
    /// Creates `pods` (addresses 10.77.0.2 on, in order) with `services` (YAML documents) beside them in
    /// the state file; `None` when this process cannot create namespaces.
    pub fn new(pods: &[PodSpec], services: &str) -> Option<Mesh> {
        if !can_create() {
            eprintln!("SKIPPED: mesh tests need root (network namespaces and iptables)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let lan = Lan::new();
        let authority = Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor");
        let mut state = String::new();
        let mut created = Vec::new();
        for (i, spec) in pods.iter().enumerate() {
            let ns = Namespace::new(spec.name);
            let ip = Ipv4Addr::new(10, 77, 0, 2 + i as u8);
            lan.attach(&ns, &format!("{ip}/24"));
            let identity = Identity::of_service_account(spec.name, "default", "cluster.local").expect("identity");
            // Each pod is the one pod of a Deployment of its name, labelled as `inject` labels it when meshed.
            let (containers, mesh_labels) = if spec.meshed {
                let proxy =
                    "{name: mini-proxy, image: lab/mini-proxy, ports: [{name: linkerd-admin, containerPort: 4191}]}";
                let labels =
                    format!(", linkerd.io/control-plane-ns: linkerd, linkerd.io/proxy-deployment: {}", spec.name);
                (format!("[{{name: app, image: app}}, {proxy}]"), labels)
            } else {
                ("[{name: app, image: app}]".to_string(), String::new())
            };
            state.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: default}}\n\
                 spec: {{selector: {{matchLabels: {{app: {name}}}}}, template: {{}}}}\n\
                 ---\napiVersion: v1\nkind: Pod\n\
                 metadata: {{name: {name}, namespace: default, labels: {{app: {name}, pod-template-hash: 5d4c3{mesh_labels}}},\n  \
                 ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: {name}-5d4c3, uid: {name}, controller: true}}]}}\n\
                 spec: {{serviceAccountName: {name}, containers: {containers}}}\n\
                 status: {{phase: Running, podIP: {ip}, podIPs: [{{ip: {ip}}}]}}\n",
                name = spec.name
            ));
            let identity_dir = dir.path().join(spec.name);
            created.push(Pod { name: spec.name, ns, ip, identity, identity_dir, proxy: None });
        }
        state.push_str(services);
        let state_file = dir.path().join("cluster.yaml");
        std::fs::write(&state_file, state).expect("state file");
        Some(Mesh { lan, pods: created, authority, dir, state_file, apps: Mutex::new(Vec::new()) })
    }

    /// The pod named `name`.
    pub fn pod(&self, name: &str) -> &Pod {
        self.pods.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no pod {name}"))
    }

    fn index(&self, name: &str) -> usize {
        self.pods.iter().position(|p| p.name == name).unwrap_or_else(|| panic!("no pod {name}"))
    }

    /// A scratch path in the test's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes credentials for `identity`, signed by `authority` and valid from `not_before` to
    /// `not_after`, into `dir`, readable by the proxy.
    pub fn write_credentials(
        dir: &Path,
        authority: &Authority,
        identity: &Identity,
        not_before: SystemTime,
        not_after: SystemTime,
        roots: &str,
    ) {
        let leaf = authority.issue_between(identity, not_before, not_after).expect("leaf");
        files::write(dir, &leaf.cert_pem, &leaf.key_pem, roots).expect("write credentials");
        chown(dir, Some(PROXY_UID), Some(PROXY_UID)).expect("chown");
        for file in [files::CERT_FILE, files::KEY_FILE, files::ROOTS_FILE] {
            chown(dir.join(file), Some(PROXY_UID), Some(PROXY_UID)).expect("chown");
        }
    }

    /// Valid credentials for `pod`'s own identity from the mesh's anchor.
    pub fn issue(&self, pod: &str) {
        let pod = self.pod(pod);
        let now = SystemTime::now();
        let roots = self.authority.minted.cert_pem.clone();
        Mesh::write_credentials(
            &pod.identity_dir,
            &self.authority,
            &pod.identity,
            now - Duration::from_secs(20),
            now + LEAF_LIFETIME,
            &roots,
        );
    }

    /// Installs `init`'s rules in `pod` and starts its proxy as UID 2102 with `extra` flags; waits for
    /// `/ready` when the pod has credentials.
    pub fn start_proxy(&mut self, pod: &str, extra: &[&str]) {
        let has_credentials = self.pod(pod).identity_dir.join(files::CERT_FILE).exists();
        self.start_proxy_no_wait(pod, extra);
        if has_credentials {
            self.wait_ready(pod);
        }
    }

    /// Like [`Mesh::start_proxy`] without waiting for readiness (credentials missing or expired).
    pub fn start_proxy_no_wait(&mut self, pod: &str, extra: &[&str]) {
        let index = self.index(pod);
        let ns = &self.pods[index].ns;
        ns.run(BIN, &["init"]);
        let mut command = ns.command("setpriv");
        command
            .args([
                "--reuid",
                &PROXY_UID.to_string(),
                "--regid",
                &PROXY_UID.to_string(),
                "--clear-groups",
                "--",
                BIN,
                "run",
            ])
            .arg("--from-file")
            .arg(&self.state_file)
            .arg("--identity-dir")
            .arg(&self.pods[index].identity_dir)
            .args(["--log", "info,mini_proxy=debug", "--shutdown-grace", "5s"])
            .args(extra);
        let proxy = ServerProcess::start(command, &["inbound", "outbound", "admin"]);
        self.pods[index].proxy = Some(proxy);
    }

    /// Waits until `pod`'s proxy answers `/ready` with 200.
    pub fn wait_ready(&self, pod: &str) {
        wait_until(Duration::from_secs(20), &format!("{pod}'s proxy to be ready"), || {
            self.curl(pod, &["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:4191/ready"]).stdout == b"200"
        });
    }

    /// `pod`'s proxy.
    pub fn proxy(&self, pod: &str) -> &ServerProcess {
        self.pod(pod).proxy.as_ref().unwrap_or_else(|| panic!("{pod} has no proxy"))
    }

    /// Starts `tests/support/app.py args` in `pod` and waits until it listens.
    pub fn app(&self, pod: &str, args: &[&str]) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/app.py");
        let mut child = self
            .pod(pod)
            .ns
            .command("python3")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the app");
        let stdout = child.stdout.take().expect("piped");
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).expect("read the app's first line");
        assert!(first.starts_with("listening"), "the app said {first:?}");
        self.apps.lock().expect("lock").push(child);
    }

    /// Runs `program args` in `pod`, whatever its exit status.
    pub fn exec(&self, pod: &str, program: &str, args: &[&str]) -> Output {
        self.pod(pod).ns.command(program).args(args).output().expect("run in the pod")
    }

    /// Runs curl in `pod` (silent, errors shown, 10 s limit).
    pub fn curl(&self, pod: &str, args: &[&str]) -> Output {
        let mut all = vec!["-sS", "--max-time", "10"];
        all.extend_from_slice(args);
        self.exec(pod, "curl", &all)
    }

    /// The HTTP status of `url` fetched from `pod` (`000` when no response came).
    pub fn status(&self, pod: &str, url: &str) -> String {
        String::from_utf8_lossy(&self.curl(pod, &["-o", "/dev/null", "-w", "%{http_code}", url]).stdout).into_owned()
    }

    /// The serial number of the certificate a TLS server at `addr` presents for `sni`, as seen from `pod`.
    pub fn served_serial(&self, pod: &str, addr: &str, sni: &str) -> String {
        let script = format!(
            "openssl s_client -connect {addr} -servername {sni} </dev/null 2>/dev/null | openssl x509 -noout -serial"
        );
        stdout_of(&self.exec(pod, "bash", &["-c", &script])).trim().to_string()
    }

    /// The traffic stat's and the dashboard's tests read: `client` sends 20 requests to the app on
    /// `server`:8080 over the mesh, 15 answered 200 and 5 (every fourth) answered 500.
    pub fn fifteen_good_five_failed(&self, client: &str, server: &str) {
        let base = format!("http://{}:8080", self.pod(server).ip);
        for i in 0..20 {
            let path = if i % 4 == 3 { "/status/500" } else { "/" };
            self.curl(client, &["-o", "/dev/null", &format!("{base}{path}")]);
        }
    }

    /// Credentials and a proxy for the pods named `client` and `server` (both in `pods`, meshed), and
    /// the test app on `server`:8080; `None` when namespaces cannot be made.
    pub fn client_and_server(pods: &[PodSpec]) -> Option<Mesh> {
        let mut mesh = Mesh::new(pods, "")?;
        mesh.issue("client");
        mesh.issue("server");
        mesh.app("server", &["http", "8080", "server"]);
        mesh.start_proxy("server", &[]);
        mesh.start_proxy("client", &[]);
        Some(mesh)
    }

    /// `pod`'s proxy's `/metrics`.
    pub fn metrics(&self, pod: &str) -> String {
        String::from_utf8_lossy(&self.curl(pod, &["http://127.0.0.1:4191/metrics"]).stdout).into_owned()
    }
}

impl Drop for Mesh {
    fn drop(&mut self) {
        for mut app in self.apps.lock().map(|mut a| std::mem::take(&mut *a)).unwrap_or_default() {
            let _ = app.kill();
            let _ = app.wait();
        }
        for pod in &mut self.pods {
            pod.proxy = None;
        }
    }
}

/// The value of the sample of `name` whose labels include every pair in `labels`; `None` if none does.
pub fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} ")))
        .filter(|line| labels.iter().all(|(k, v)| line.contains(&format!("{k}=\"{v}\""))))
        .map(|line| line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN))
        .reduce(|a, b| a + b)
}

/// Runs `command` and returns its stdout as text, failing on a non-zero exit.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
