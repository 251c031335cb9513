//! Our binaries as real processes: started with a clean environment, their ephemeral ports read from the
//! `serving <name> addr=<ip:port>` lines every server logs (text or JSON), their output kept for asserts,
//! and the child always killed, whether the test passes, fails, or fails before the server came up.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a server may take to announce its listeners (a debug build on a loaded 2-core machine).
const START_LIMIT: Duration = Duration::from_secs(20);

/// A command for one of our binaries with an empty environment but `PATH`, logging at info, so only
/// what a test sets reaches it.
pub fn clean_command(binary: &str) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "info");
    command
}

/// A finished run: exit status and everything printed.
#[derive(Debug)]
pub struct Finished {
    /// How it exited.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `command` to its end (no time limit: for commands that exit at once, such as a bad config).
pub fn run_to_exit(mut command: Command) -> Finished {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A running server process; killed on drop.
pub struct ServerProcess {
    child: Child,
    listeners: Vec<(String, SocketAddr)>,
    output: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `command` and waits until it has announced every listener in `names` ("app", "admin"...).
    pub fn start(mut command: Command, names: &[&str]) -> ServerProcess {
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines) = mpsc::channel::<String>();
        if let Some(stdout) = child.stdout.take() {
            collect(stdout, output.clone(), Some(lines_tx));
        }
        if let Some(stderr) = child.stderr.take() {
            collect(stderr, output.clone(), None);
        }
        let mut server = ServerProcess { child, listeners: Vec::new(), output };
        let deadline = Instant::now() + START_LIMIT;
        while let Some(missing) = names.iter().find(|n| !server.listeners.iter().any(|(l, _)| l == *n)) {
            let left = deadline.saturating_duration_since(Instant::now());
            // A panic here drops `server`, which kills the child: nothing leaks.
            let line = lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!("the server did not announce its {missing} listener; output so far:\n{}", server.output())
            });
            if let Some(listener) = announced(&line) {
                server.listeners.push(listener);
            }
        }
        server
    }

    /// Where the listener `name` is bound.
    pub fn addr(&self, name: &str) -> SocketAddr {
        self.listeners
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, addr)| *addr)
            .unwrap_or_else(|| panic!("no listener named {name}; announced: {:?}", self.listeners))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (`TERM`, `INT`), as the kubelet or a terminal would.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name} {} failed", self.pid());
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        self.signal("TERM");
    }

    /// Waits for the process to exit, failing the test (with its output) after `limit`.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit within {limit:?}:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything the process printed so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a pipe into `output` line by line on a thread of its own, also sending each line to `lines`.
fn collect(pipe: impl Read + Send + 'static, output: Arc<Mutex<String>>, lines: Option<mpsc::Sender<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut all = output.lock().unwrap_or_else(PoisonError::into_inner);
            all.push_str(&line);
            all.push('\n');
            drop(all);
            if let Some(lines) = &lines {
                let _ = lines.send(line);
            }
        }
    });
}

/// The listener a log line announces: `serving app addr=1.2.3.4:80` (text) or
/// `"message":"serving app","addr":"1.2.3.4:80"` (JSON).
fn announced(line: &str) -> Option<(String, SocketAddr)> {
    let name = line.split("serving ").nth(1)?.split(|c: char| c.is_whitespace() || c == '"').next()?;
    let rest = line.split("addr=").nth(1).or_else(|| line.split("\"addr\":\"").nth(1))?;
    let addr = rest.split(|c: char| c.is_whitespace() || c == '"').next()?.parse().ok()?;
    Some((name.to_string(), addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both log formats announce a listener the harness can read.
    #[test]
    fn reads_text_and_json_announcements() {
        let text = "2026-12-01T14:20:46Z  INFO serving app addr=127.0.0.1:4321";
        let json = r#"{"level":"INFO","fields":{"message":"serving admin","addr":"127.0.0.1:9"}}"#;
        assert_eq!(announced(text), Some(("app".into(), "127.0.0.1:4321".parse().expect("addr"))));
        assert_eq!(announced(json), Some(("admin".into(), "127.0.0.1:9".parse().expect("addr"))));
        assert_eq!(announced("INFO configured pool_size=10"), None);
    }

    /// A process that never announces is killed and the test fails with its output.
    #[test]
    #[should_panic(expected = "did not announce its app listener")]
    fn a_silent_process_fails_the_start() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo starting; exit 3"]);
        ServerProcess::start(command, &["app"]);
    }
}
