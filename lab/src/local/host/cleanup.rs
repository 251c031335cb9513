//! Removing a lab: every network namespace whose name starts with the prefix (the processes inside
//! first: SIGTERM twice, which our servers take as "skip the drain", then SIGKILL for what is left
//! after a moment), its /etc/netns directory, and the run's state directory. It works from names
//! alone, so it removes the leftovers of a run that died as well as the current run.

use std::fs;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::shell::{cmd, run_anyway};

/// How long processes get to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// The network namespaces whose names start with `prefix`.
pub fn namespaces(prefix: &str) -> Vec<String> {
    let listed = run_anyway(&cmd("ip", ["netns", "list"])).unwrap_or_default();
    listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

/// Removes every namespace starting with `prefix`, its /etc/netns directory and `state_dir`; returns
/// what it removed, for the report. Failures are reported on stderr and the rest still removed.
pub fn remove_all(prefix: &str, state_dir: &Path) -> Vec<String> {
    let names = namespaces(prefix);
    let pids = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .flat_map(|n| {
                run_anyway(&cmd("ip", ["netns", "pids", n]))
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let running = pids(&names);
    if !running.is_empty() {
        signal("TERM", &running);
        sleep(Duration::from_millis(100));
        signal("TERM", &pids(&names));
        let deadline = Instant::now() + GRACE;
        while !pids(&names).is_empty() && Instant::now() < deadline {
            sleep(Duration::from_millis(50));
        }
        let left = pids(&names);
        if !left.is_empty() {
            signal("KILL", &left);
            let deadline = Instant::now() + GRACE;
            while !pids(&names).is_empty() && Instant::now() < deadline {
                sleep(Duration::from_millis(20));
            }
        }
    }
    for name in &names {
        if let Err(error) = run_anyway(&cmd("ip", ["netns", "del", name])) {
            eprintln!("lab: could not remove network namespace {name}: {error}");
        }
    }
    for entry in fs::read_dir("/etc/netns").into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    let _ = fs::remove_dir_all(state_dir);
    names
}

fn signal(name: &str, pids: &[String]) {
    let mut args = vec![format!("-{name}")];
    args.extend(pids.iter().cloned());
    // A process may exit between listing and signalling; that is the point, not an error.
    let _ = run_anyway(&cmd("kill", args));
}
