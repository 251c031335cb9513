//! Our `sleep` against GNU coreutils' `/usr/bin/sleep`: same messages and exit codes for bad arguments, and a
//! prompt exit on SIGTERM when it is PID 1 as in the lab's pod.

use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn ours(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnsutils"))
        .arg("sleep")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run our sleep")
}

fn gnu(args: &[&str]) -> Output {
    Command::new("/usr/bin/sleep")
        .arg0("sleep")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run /usr/bin/sleep (package coreutils)")
}

/// Bad intervals, bad options and a missing operand print GNU's exact stderr and exit 1.
#[test]
fn errors_match_gnu() {
    for args in [&["x"][..], &["1", "x", "y"], &[], &["-1"], &["--foo"], &["1ms"], &["nan"]] {
        let (o, g) = (ours(args), gnu(args));
        assert_eq!(String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&g.stderr), "sleep {args:?}");
        assert_eq!(o.status.code(), g.status.code(), "sleep {args:?}");
        assert_eq!(o.status.code(), Some(1), "sleep {args:?}");
    }
}

/// `--help` prints GNU's usage text up to its links section and exits 0.
#[test]
fn help_matches_gnu_usage() {
    let (o, g) = (ours(&["--help"]), gnu(&["--help"]));
    let gnu_text = String::from_utf8_lossy(&g.stdout);
    let usage = gnu_text.split("\nGNU coreutils").next().unwrap_or_default();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim_end(), usage.trim_end());
    assert_eq!(o.status.code(), Some(0));
}

/// Fractional operands with suffixes are summed: `0.1 0.002m` sleeps about 0.22 s.
#[test]
fn sleeps_for_the_sum() {
    let start = Instant::now();
    let o = ours(&["0.1", "0.002m"]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(0));
    assert!(took >= Duration::from_millis(220) && took < Duration::from_secs(2), "took {took:?}");
}

/// As PID 1 of a new PID namespace (the pod's `sleep 3600`), SIGTERM ends it at once with status 143.
#[test]
fn exits_143_on_sigterm_as_pid1() {
    let mut unshare = Command::new("/usr/bin/unshare")
        .args(["--pid", "--fork", "--kill-child"])
        .arg(env!("CARGO_BIN_EXE_dnsutils"))
        .args(["sleep", "3600"])
        .stdin(Stdio::null())
        .spawn()
        .expect("run unshare --pid (needs root and util-linux)");
    let children = format!("/proc/{}/task/{}/children", unshare.id(), unshare.id());
    let deadline = Instant::now() + Duration::from_secs(5);
    let pid1 = loop {
        let text = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(pid) = text.split_whitespace().next() {
            break pid.to_owned();
        }
        assert!(Instant::now() < deadline, "the sleep never started under unshare");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Give it a moment to install its handler, as a pod would have long before `kubectl delete`.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &pid1]).status().expect("run kill");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = unshare.try_wait().expect("poll unshare") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = unshare.kill();
            panic!("sleep as PID 1 ignored SIGTERM for 5 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(143));
    assert!(start.elapsed() < Duration::from_secs(1));
}
