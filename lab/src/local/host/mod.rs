//! Everything `lab local` does to the machine, knowing nothing of Kubernetes: [`shell`] runs one
//! program (refusing to start anything once a stop was asked for), [`network`] builds namespaces,
//! bridges, veths, routes and nat tables, [`process`] starts long-running programs in a namespace with
//! their own log, [`cleanup`] removes everything of a run, or of a run that died, by the names'
//! prefix, and [`signals`] turns Ctrl-C and SIGTERM into that cleanup.

pub mod cleanup;
pub mod network;
pub mod process;
pub mod shell;
pub mod signals;

use std::path::PathBuf;

use thiserror::Error;

/// Why the machine could not be set up as asked.
#[derive(Debug, Error)]
pub enum HostError {
    /// A program could not be started.
    #[error("cannot start `{command}`: {source}")]
    Start {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program failed.
    #[error("`{command}` failed ({status}): {output}")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed on stderr (or stdout).
        output: String,
    },
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A stop was asked for (Ctrl-C, SIGTERM): nothing new is started.
    #[error("interrupted: the lab is being removed")]
    Interrupted,
}

impl HostError {
    /// A file error for `path`.
    pub fn file(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> HostError {
        let path = path.into();
        move |source| HostError::File { path, source }
    }
}

/// Whether this process runs as root (real user 0), which namespaces, iptables and the benchmarks need.
pub fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
}
