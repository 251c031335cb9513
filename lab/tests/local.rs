//! `lab local` run for real, as root: the whole slice (topology, postgres, cluster-dns, dnsutils,
//! go-web behind mini-proxy, kube-proxy's rules, the relabel, mini-lb's address and failover, the
//! ingress, every walkthrough check) must pass within a bound and leave nothing behind; a dead run's leftovers are removed first; SIGTERM mid-run removes everything. Without root
//! (or without kubectl, knotd or PostgreSQL) each test prints SKIPPED. The tests share the `lab-` names,
//! so they take turns.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The bound on one run (it takes about 30 s on a 2-core machine).
const RUN_BOUND: Duration = Duration::from_secs(100);

static TURN: Mutex<()> = Mutex::new(());

/// Whether this machine can run `lab local`; prints SKIPPED with the reason when not.
fn can_run() -> bool {
    let root = lab::local::host::running_as_root();
    let missing = ["kubectl", "knotd", "nginx", "ip", "iptables-restore"].into_iter().find(|p| {
        !Command::new("sh")
            .args(["-c", &format!("command -v {p} || test -x /usr/sbin/{p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let reason = if !root {
        Some("lab local needs root".to_string())
    } else if let Some(program) = missing {
        Some(format!("{program} is not installed"))
    } else if !Path::new("/usr/lib/postgresql").is_dir() {
        Some("Debian's postgresql is not installed".to_string())
    } else {
        None
    };
    if let Some(reason) = &reason {
        println!("SKIPPED: {reason}");
    }
    reason.is_none()
}

/// The directory of our binaries, built when needed. `cargo test` of the five packages, not `cargo build`:
/// it resolves features as `cargo test --workspace` does (dev-dependencies included), so after that run it
/// is a no-op, where `cargo build` would compile the parts again with other features and replace their
/// binaries.
fn bin_dir() -> PathBuf {
    let lab = PathBuf::from(env!("CARGO_BIN_EXE_lab"));
    let dir = lab.parent().expect("the lab binary has a directory").to_path_buf();
    let status = Command::new(env!("CARGO"))
        .args(["test", "--no-run", "-p", "go-web", "-p", "cluster-dns", "-p", "dnsutils", "-p", "mini-lb"])
        .args(["-p", "mini-proxy"])
        .current_dir(workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build of go-web, cluster-dns, dnsutils, mini-lb and mini-proxy failed");
    dir
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("lab/ is in the workspace").to_path_buf()
}

fn lab(bin_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command.args(args).arg("--bin-dir").arg(bin_dir).arg("--workspace").arg(workspace());
    command
}

/// Waits for `child` at most `bound`, killing it past that.
fn finish(mut child: Child, bound: Duration) -> Output {
    let deadline = Instant::now() + bound;
    while child.try_wait().expect("waitable").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("collectable");
            panic!("lab local took more than {bound:?}; it printed:\n{}", String::from_utf8_lossy(&output.stdout));
        }
        thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().expect("collectable")
}

/// The network namespaces, /etc/netns entries and state directory a run may leave.
fn leftovers() -> Vec<String> {
    let listed = Command::new("ip").args(["netns", "list"]).output().expect("ip runs");
    let mut left: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("lab-"))
        .map(str::to_string)
        .collect();
    for entry in std::fs::read_dir("/etc/netns").into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("lab-") {
            left.push(entry.path().display().to_string());
        }
    }
    if Path::new("/run/lab-local").exists() {
        left.push("/run/lab-local".into());
    }
    left
}

/// The whole slice passes: the walkthrough's answers come back from the real servers, a dead run's
/// namespace is removed first, and nothing is left afterwards.
#[test]
fn walkthrough_passes_and_leaves_nothing() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !can_run() {
        return;
    }
    let bin_dir = bin_dir();
    let made = Command::new("ip").args(["netns", "add", "lab-left-by-a-dead-run"]).status().expect("ip runs");
    assert!(made.success());
    let started = Instant::now();
    let child = lab(&bin_dir, &["local"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("lab starts");
    let output = finish(child, RUN_BOUND);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "lab local failed: {stderr}\n{stdout}");
    println!("lab local took {:.1} s", started.elapsed().as_secs_f64());
    assert!(stdout.contains("# removed what an earlier run left: lab-left-by-a-dead-run"), "{stdout}");
    for expected in [
        "has address 10.244.",
        "is an alias for github.com.",
        "github.com has address",
        "Database Connected",
        "KUBE-SEP-",
        "app=nope --overwrite",
        "left the EndpointSlices in",
        "mini-lb's controller wrote 172.18.255.200",
        "the speakers elected",
        "moved to kind-worker",
        "$ curl 172.18.0.2/data\n# here: ip netns exec lab-client dnsutils wget -q -O- http://172.18.0.2/data\nDatabase Connected",
        "every step passed",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    // The relabelled pod left every view within the step's bound, as the run measured it.
    let line = stdout.lines().find(|l| l.contains("left the EndpointSlices in")).expect("the relabel's timings");
    let millis: Vec<u64> = line.split(" in ").skip(1).filter_map(|t| t.split(" ms").next()?.parse().ok()).collect();
    assert!(millis.len() == 3 && millis.iter().all(|ms| *ms <= 1000), "{line}");
    // Step 7: stat reads the meshed app (every pod meshed, every request of the client's loop a success)
    // and the app's proxy saw the client's identity over mutual TLS.
    let row: Vec<&str> =
        stdout.lines().find(|l| l.starts_with("app ")).expect("stat's app row").split_whitespace().collect();
    assert!(row.len() == 8 && row[1] == "4/4" && row[2] == "100.00%" && row[3] != "0.0rps", "{row:?}");
    assert!(
        stdout.contains("tls=\"true\",client_id=\"default.default.serviceaccount.identity.linkerd.cluster.local\""),
        "no mTLS from the client in:\n{stdout}"
    );
    assert_eq!(leftovers(), Vec::<String>::new());
}

/// SIGTERM in the middle of a run stops it with 143 and removes everything it had made.
#[test]
fn sigterm_removes_the_lab() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    if !can_run() {
        return;
    }
    let bin_dir = bin_dir();
    let mut child =
        lab(&bin_dir, &["local"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("lab starts");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    // Wait until the nodes exist and pods are being started: the middle of the run.
    let reached = lines.by_ref().map_while(Result::ok).any(|line| line.starts_with("== step 1"));
    assert!(reached, "lab local ended before step 1");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let drain = thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let output = finish(child, RUN_BOUND);
    let _ = drain.join();
    assert_eq!(output.status.code(), Some(143), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SIGTERM: removing the lab"));
    assert_eq!(leftovers(), Vec::<String>::new());
}
