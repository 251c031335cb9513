//! Starts the go-web binary with a clean environment and reads its bound addresses from its log.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running go-web process; killed on drop.
pub struct GoWeb {
    child: Child,
    /// Address of the lab's routes.
    pub app: SocketAddr,
    /// Address of /metrics and the probes.
    pub admin: SocketAddr,
    output: Arc<Mutex<String>>,
}

/// Runs go-web with only `env` (plus PATH) set and returns its exit status, stdout and stderr.
pub fn run_to_exit(env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let output = command(env).output().expect("run go-web");
    (output.status, String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
}

fn command(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_go-web"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("ADMIN_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

impl GoWeb {
    /// Starts go-web and waits (at most 10 s) until both listeners are bound.
    pub fn start(env: &[(&str, &str)]) -> GoWeb {
        let mut child = command(env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn go-web");
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("lock").push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            sink.lock().expect("lock").push_str(&text);
        });
        let (mut app, mut admin) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.is_none() || admin.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                // Kill it before failing: a panic here would otherwise leak the process (no GoWeb to drop).
                let _ = child.kill();
                let _ = child.wait();
                panic!("go-web did not report its listeners; output so far:\n{}", output.lock().expect("lock"));
            };
            // Text logs print `addr=IP:PORT`, JSON logs `"addr":"IP:PORT"`.
            let addr = || {
                let rest = line.split("addr=").nth(1).or_else(|| line.split("\"addr\":\"").nth(1))?;
                rest.split(|c: char| c.is_whitespace() || c == '"').next()?.parse().ok()
            };
            if line.contains("serving app") {
                app = addr();
            } else if line.contains("serving admin") {
                admin = addr();
            }
        }
        GoWeb { child, app: app.expect("app addr"), admin: admin.expect("admin addr"), output }
    }

    /// Sends SIGTERM, as the kubelet does.
    pub fn sigterm(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit, failing the test after `limit`.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "go-web did not exit within {limit:?}:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the process logged so far (stdout, then stderr once it closes).
    pub fn output(&self) -> String {
        self.output.lock().expect("lock").clone()
    }
}

impl Drop for GoWeb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs go-web with command-line `args` and an otherwise clean environment, to its exit.
pub fn run_to_exit_with_args(args: &[&str]) -> (ExitStatus, String, String) {
    let output = command(&[]).args(args).output().expect("run go-web");
    (output.status, String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
}
