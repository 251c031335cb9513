//! Real PostgreSQL for tests, from `scripts/throwaway-postgres`: the same script `scripts/test`,
//! `scripts/run-go-web` and the benchmarks use, so there is one way to make a throwaway cluster.
//!
//! [`shared_database_url`] gives every test of a binary one cluster: the one `scripts/test` started (its
//! URL in `GO_WEB_TEST_DATABASE_URL`), or else one this test binary starts on first use. [`Postgres::start`]
//! gives a test a cluster of its own, to stop and restart. Either way the script stops the server and
//! removes its directory when the test process lets go of it, even if the process is killed.

use std::io::{BufRead, BufReader, Lines, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Environment variable through which `scripts/test` shares its cluster with every test binary.
pub const SHARED_URL_VAR: &str = "GO_WEB_TEST_DATABASE_URL";

/// The script, found from this crate's place in the workspace.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/throwaway-postgres")
}

/// A cluster owned by one test; stopped and removed when dropped.
pub struct Postgres {
    child: Child,
    commands: Option<ChildStdin>,
    replies: Lines<BufReader<ChildStdout>>,
    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// Password of the `postgres` user (scram-sha-256).
    pub password: String,
}

impl Postgres {
    /// initdb and start on a free port; about a second.
    pub fn start() -> Postgres {
        let mut command = Command::new("bash");
        command.arg(script());
        Postgres::start_with(command)
    }

    /// Like [`Postgres::start`], with `command` running the [`script`]: inside a network namespace, say,
    /// with `PG_LISTEN` and `PG_PORT` set.
    pub fn start_with(mut command: Command) -> Postgres {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
        let commands = child.stdin.take();
        let stdout = child.stdout.take().expect("the script's stdout is piped");
        let mut postgres = Postgres {
            child,
            commands,
            replies: BufReader::new(stdout).lines(),
            url: String::new(),
            port: 0,
            password: String::new(),
        };
        loop {
            let line = postgres.next_line("ready");
            match line.split_once('=') {
                Some(("url", url)) => postgres.url = url.to_string(),
                Some(("port", port)) => postgres.port = port.parse().expect("a numeric port"),
                Some(("password", password)) => postgres.password = password.to_string(),
                _ if line == "ready" => return postgres,
                _ => {}
            }
        }
    }

    /// Fast shutdown: postgres closes every client connection. Returns once it is down.
    pub fn stop(&mut self) {
        self.command("stop", "stopped");
    }

    /// Starts it again on the same port. Returns once it accepts connections.
    pub fn start_again(&mut self) {
        self.command("start", "started");
    }

    fn command(&mut self, command: &str, answer: &str) {
        let stdin = self.commands.as_mut().expect("the cluster is still held");
        writeln!(stdin, "{command}").expect("send a command to throwaway-postgres");
        let line = self.next_line(answer);
        assert_eq!(line, answer, "throwaway-postgres answered {command:?} with {line:?}");
    }

    fn next_line(&mut self, waiting_for: &str) -> String {
        match self.replies.next() {
            Some(Ok(line)) => line,
            _ => panic!(
                "throwaway-postgres ended before {waiting_for:?} (is postgresql installed? see its stderr above)"
            ),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing its stdin tells the script to stop the server and remove the directory.
        drop(self.commands.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

/// The cluster every test of this binary shares: `scripts/test`'s, or one started here on first use and
/// kept until the test binary exits.
pub fn shared_database_url() -> String {
    if let Ok(url) = std::env::var(SHARED_URL_VAR) {
        return url;
    }
    /// The URL, and the script's stdin, held open for the life of the process.
    static SHARED: OnceLock<(String, ChildStdin)> = OnceLock::new();
    let (url, _) = SHARED.get_or_init(|| {
        let mut postgres = Postgres::start();
        let stdin = postgres.commands.take().expect("a fresh cluster holds its stdin");
        let url = postgres.url.clone();
        // Forget the rest without running Drop: the script lives until the process exits and its stdin closes.
        std::mem::forget(postgres);
        (url, stdin)
    });
    url.clone()
}

/// Runs one SQL statement with psql and returns its unaligned output, trimmed.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-tAXc", sql])
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql (apt-get install postgresql-client): {e}"));
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cluster of its own answers queries, stops, starts again on the same port, and is gone after drop.
    #[test]
    fn a_cluster_stops_restarts_and_is_removed() {
        let mut pg = Postgres::start();
        assert_eq!(psql(&pg.url, "select 41 + 1"), "42");
        pg.stop();
        assert!(std::net::TcpStream::connect(("127.0.0.1", pg.port)).is_err(), "still listening after stop");
        pg.start_again();
        assert_eq!(psql(&pg.url, "select 1"), "1");
        let port = pg.port;
        drop(pg);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "still listening after drop");
    }

    /// The shared cluster answers, whoever started it.
    #[test]
    fn the_shared_cluster_answers() {
        assert_eq!(psql(&shared_database_url(), "select 'shared'"), "shared");
    }
}
