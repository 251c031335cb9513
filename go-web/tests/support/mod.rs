//! go-web's test support: the real binary with a clean environment on port 0, on top of the workspace's
//! `test-support` (process harness, throwaway postgres, HTTP client, network stand-ins, bounded waits).
#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;
use std::process::{Command, ExitStatus};
use std::time::Duration;

pub use test_support::http_client::{Reply, get, request, try_request};
pub use test_support::network::{blackhole, delaying_proxy, free_port};
pub use test_support::postgres::{Postgres, psql, shared_database_url};
pub use test_support::process::Finished;
use test_support::process::{ServerProcess, clean_command, run_to_exit};
pub use test_support::wait::{wait_for, wait_until};

/// A running go-web; killed on drop.
pub struct GoWeb {
    process: ServerProcess,
    /// Address of the lab's routes.
    pub app: SocketAddr,
    /// Address of /metrics and the probes.
    pub admin: SocketAddr,
}

fn command(env: &[(&str, &str)]) -> Command {
    let mut command = clean_command(env!("CARGO_BIN_EXE_go-web"));
    command.env("LISTEN_ADDR", "127.0.0.1:0").env("ADMIN_ADDR", "127.0.0.1:0");
    command.envs(env.iter().copied());
    command
}

impl GoWeb {
    /// Starts go-web with only `env` set (plus PATH and port-0 addresses) and waits for both listeners.
    pub fn start(env: &[(&str, &str)]) -> GoWeb {
        let process = ServerProcess::start(command(env), &["app", "admin"]);
        let (app, admin) = (process.addr("app"), process.addr("admin"));
        GoWeb { process, app, admin }
    }

    /// Sends SIGTERM, as the kubelet does.
    pub fn sigterm(&self) {
        self.process.sigterm();
    }

    /// Waits for the process to exit, failing the test after `limit`.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        self.process.wait(limit)
    }

    /// Everything the process logged so far.
    pub fn output(&self) -> String {
        self.process.output()
    }

    /// The value of a metric line (`name{labels}` exactly as exposed) on the admin port.
    pub fn metric(&self, series: &str) -> Option<f64> {
        let text = get(self.admin, "/metrics").body;
        text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }
}

/// Runs go-web with only `env` set and returns how it exited.
pub fn run_to_exit_with_env(env: &[(&str, &str)]) -> Finished {
    run_to_exit(command(env))
}

/// Runs go-web with command-line `args` and an otherwise clean environment, to its exit.
pub fn run_to_exit_with_args(args: &[&str]) -> Finished {
    let mut command = command(&[]);
    command.args(args);
    run_to_exit(command)
}

/// Connections go-web holds, as postgres itself counts them.
pub fn go_web_connections(url: &str) -> usize {
    psql(url, "select count(*) from pg_stat_activity where application_name = 'go-web'").parse().unwrap_or(0)
}
