//! Runs one command line with BIND's tool or ours under a given `/etc/resolv.conf`, bounded in time.
//!
//! BIND only reads `/etc/resolv.conf`, so each run gets a private mount namespace (`unshare --mount`, which
//! makes mounts private) where the test's file is bind-mounted over that path; the machine's own file is
//! never touched. Both run through a symlink named like the tool, found on PATH, so argv[0] is the bare
//! tool name, as in a pod (BIND prints argv[0] in some errors).

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Which implementation of a tool to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// Debian's BIND 9 binaries in /usr/bin.
    Bind,
    /// Our multi-call `dnsutils` binary.
    Ours,
}

/// What one run printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// The exit code, or `None` when killed by a signal (including our time limit).
    pub code: Option<i32>,
    /// Whether the run hit the time limit and was killed.
    pub timed_out: bool,
}

/// Runs tools; owns one directory of tool-named symlinks per implementation.
pub struct Runner {
    bind_links: tempfile::TempDir,
    our_links: tempfile::TempDir,
}

/// Longest any single row may run; BIND's slowest rows (timeouts) stay well under it.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// The Debian package providing each BIND tool.
pub fn bind_package(tool: &str) -> &'static str {
    if tool == "host" { "bind9-host" } else { "bind9-dnsutils" }
}

impl Runner {
    /// Checks the prerequisites (root, unshare, BIND's tools) and creates the tool symlinks.
    pub fn new() -> Runner {
        let uid = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(str::to_owned))
            .unwrap_or_default();
        assert!(
            uid.split_whitespace().nth(1) == Some("0"),
            "the parity tests need root (they bind-mount a test resolv.conf in a private mount namespace and bind port 53 on loopback)"
        );
        assert!(
            Path::new("/usr/bin/unshare").exists(),
            "/usr/bin/unshare not found: install the Debian package `util-linux`"
        );
        for tool in ["host", "dig", "nslookup"] {
            assert!(
                Path::new("/usr/bin").join(tool).exists(),
                "/usr/bin/{tool} not found: install the Debian package `{}`",
                bind_package(tool)
            );
        }
        let bind_links = tempfile::tempdir().expect("create the BIND symlink directory");
        let our_links = tempfile::tempdir().expect("create our symlink directory");
        for tool in ["host", "dig", "nslookup", "wget", "sleep"] {
            std::os::unix::fs::symlink(Path::new("/usr/bin").join(tool), bind_links.path().join(tool))
                .expect("symlink a BIND tool");
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dnsutils"), our_links.path().join(tool))
                .expect("symlink our binary under a tool name");
        }
        Runner { bind_links, our_links }
    }

    /// The directory whose `tool` symlink runs `which`; it goes first on PATH so that both
    /// implementations see the bare tool name in argv[0], as in a pod (BIND prints argv[0] in errors).
    pub fn links(&self, which: Impl) -> &Path {
        match which {
            Impl::Bind => self.bind_links.path(),
            Impl::Ours => self.our_links.path(),
        }
    }

    /// Runs `tool args` with `resolv_conf` mounted over /etc/resolv.conf, killed after [`TIME_LIMIT`].
    pub fn run(&self, which: Impl, tool: &str, args: &[String], resolv_conf: &Path) -> Outcome {
        let mut command = Command::new("/usr/bin/unshare");
        command
            .arg("--mount")
            .arg("sh")
            .arg("-c")
            .arg("mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"")
            .arg(resolv_conf)
            .arg(tool)
            .args(args)
            .env("PATH", format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", self.links(which).display()))
            .env("LC_ALL", "C");
        let run = run_collecting(&mut command, TIME_LIMIT);
        Outcome { stdout: run.stdout, stderr: run.stderr, code: run.status.code(), timed_out: run.timed_out }
    }
}

/// What [`run_collecting`] saw of one process.
pub struct Collected {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// How it ended (killed by us when `timed_out`).
    pub status: ExitStatus,
    /// Whether it passed the limit and was killed.
    pub timed_out: bool,
}

/// Runs `command` with stdin closed and both outputs captured, killing it once `limit` has passed.
pub fn run_collecting(command: &mut Command, limit: Duration) -> Collected {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {:?}: {error}", command.get_program()));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, timed_out) = wait_bounded(&mut child, limit);
    Collected {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        status,
        timed_out,
    }
}

/// Waits for `child` to exit, killing it once `limit` has passed; says whether it had to be killed.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> (ExitStatus, bool) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("poll the tool") {
            return (status, false);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return (child.wait().expect("reap the killed tool"), true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads a pipe to the end on its own thread so a chatty tool never blocks on a full pipe.
pub fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
