//! Runs one program to its end and returns what it printed; the command line is shown as a shell
//! would take it (the runner's [`Command`] quoting), in progress lines and in errors alike. Once a stop
//! has been asked for, nothing new starts, and the stop waits for the programs already running (an `ip
//! netns add` half done when SIGTERM came), so the cleanup that follows sees everything there is.

use std::io::Write;
use std::process::{self, Stdio};
use std::sync::RwLock;

use super::HostError;
use crate::command::Command;

/// Whether a stop was asked for. Every program run holds it for reading until it ends (many run side
/// by side: a client's request loop beside a `stat` window); a stop takes it for writing, so it waits
/// for those to end, and no program starts after it.
static STOPPING: RwLock<bool> = RwLock::new(false);

/// Marks the run as stopping, once every program running has ended.
pub fn stop() {
    *STOPPING.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
}

/// Whether a stop was asked for.
pub fn stopping() -> bool {
    *STOPPING.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` unless stopping, with no stop taking effect before it returns.
pub fn unless_stopping<T>(f: impl FnOnce() -> Result<T, HostError>) -> Result<T, HostError> {
    let stopping = STOPPING.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *stopping {
        return Err(HostError::Interrupted);
    }
    f()
}

/// Runs `command` (unless stopping) and returns its standard output; a failure carries its stderr.
pub fn run(command: &Command) -> Result<String, HostError> {
    run_with_input(command, None)
}

/// Runs `command` with `input` on its standard input, to its end, unless stopping.
pub fn run_with_input(command: &Command, input: Option<&str>) -> Result<String, HostError> {
    unless_stopping(|| {
        let child = start(command, input.is_some())?;
        finish(command, child, input)
    })
}

/// Runs `command` even while stopping: for the cleanup itself.
pub fn run_anyway(command: &Command) -> Result<String, HostError> {
    let child = start(command, false)?;
    finish(command, child, None)
}

fn start(command: &Command, with_input: bool) -> Result<process::Child, HostError> {
    process::Command::new(&command.program)
        .args(&command.args)
        .stdin(if with_input { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| HostError::Start { command: command.to_string(), source })
}

fn finish(command: &Command, mut child: process::Child, input: Option<&str>) -> Result<String, HostError> {
    let shown = command.to_string();
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes()).map_err(|source| HostError::Start { command: shown.clone(), source })?;
    }
    let out = child.wait_with_output().map_err(|source| HostError::Start { command: shown.clone(), source })?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said = if stderr.trim().is_empty() { stdout.trim().to_string() } else { stderr.trim().to_string() };
    Err(HostError::Failed { command: shown, status: out.status, output: said })
}

/// `program args...` as a [`Command`].
pub fn cmd<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Command::new(program, args)
}

/// `ip netns exec NETNS program args...`.
pub fn in_netns<I, S>(netns: &str, program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut all = vec!["netns".to_string(), "exec".into(), netns.into(), program.into()];
    all.extend(args.into_iter().map(Into::into));
    Command::new("ip", all)
}
