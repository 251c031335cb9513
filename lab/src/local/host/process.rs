//! Long-running programs inside a network namespace (`ip netns exec`, which also bind-mounts
//! /etc/netns/NAME/resolv.conf over /etc/resolv.conf for them): the environment exactly as given, output
//! to a log file, their own process group (so a Ctrl-C at the terminal reaches `lab` alone, which then
//! stops everything in order). They are stopped by [`super::cleanup`] through their namespace.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{self, Child, Stdio};

use super::HostError;
use super::shell::unless_stopping;

/// A program started in a namespace.
#[derive(Debug)]
pub struct Started {
    /// The running program.
    pub child: Child,
    /// Where its output goes.
    pub log: PathBuf,
}

impl Started {
    /// Whether it has exited, and how.
    pub fn exited(&mut self) -> Option<process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

/// Starts `program args` in `netns` with exactly `env` (plus PATH), output to `log`.
pub fn start(
    netns: &str,
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    path: &str,
    log: &Path,
) -> Result<Started, HostError> {
    let out = File::create(log).map_err(HostError::file(log))?;
    let err = out.try_clone().map_err(HostError::file(log))?;
    let mut command = process::Command::new("ip");
    command
        .args(["netns", "exec", netns])
        .arg(program)
        .args(args)
        .env_clear()
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let shown = format!("ip netns exec {netns} {}", program.display());
    let child = unless_stopping(|| command.spawn().map_err(|source| HostError::Start { command: shown, source }))?;
    Ok(Started { child, log: log.to_path_buf() })
}

/// The last `lines` lines of a log, for an error message.
pub fn tail(log: &Path, lines: usize) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
