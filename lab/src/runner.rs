//! Runs a plan from the workspace root: each step announced as `[n/N] title` with its command, skipped
//! when its condition holds, the command's own output passed through, and the first failure stopping the
//! rest with the command that failed.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{self, Stdio};

use thiserror::Error;

use crate::command::{Command, Input, base64};
use crate::plan::{Action, Settings, Skip, Step};

/// Why a plan stopped.
#[derive(Debug, Error)]
pub enum RunError {
    /// A command could not be started.
    #[error("step {step} ({title}): cannot start `{command}`: {source}")]
    Start {
        /// The step's number.
        step: usize,
        /// Its title.
        title: String,
        /// The command.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// A command exited unsuccessfully.
    #[error(
        "step {step} ({title}): `{command}` failed ({status}); fix the cause and run again, finished steps are kept"
    )]
    Failed {
        /// The step's number.
        step: usize,
        /// Its title.
        title: String,
        /// The command.
        command: String,
        /// Its exit status.
        status: process::ExitStatus,
    },
    /// A file could not be written.
    #[error("step {step}: cannot write {path}: {source}")]
    Write {
        /// The step's number.
        step: usize,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Runs `steps` from `workspace`, printing progress to stderr.
pub fn run(steps: &[Step], settings: &Settings, workspace: &Path) -> Result<(), RunError> {
    for (index, step) in steps.iter().enumerate() {
        let number = index + 1;
        eprintln!("[{number}/{}] {}", steps.len(), step.title);
        if should_skip(&step.skip, settings, workspace) {
            eprintln!("      skipped: already there");
            continue;
        }
        match &step.action {
            Action::Run(command) => {
                eprintln!("      $ {command}");
                execute(command, workspace).map_err(|failure| failure.into_error(number, &step.title, command))?;
            }
            Action::Write { path, contents } => {
                let target = workspace.join(path);
                let written =
                    target.parent().map_or(Ok(()), fs::create_dir_all).and_then(|()| fs::write(&target, contents));
                written.map_err(|source| RunError::Write { step: number, path: target, source })?;
            }
        }
    }
    Ok(())
}

/// A command's failure before it has a step to belong to.
enum Failure {
    Start(std::io::Error),
    Status(process::ExitStatus),
}

impl Failure {
    fn into_error(self, step: usize, title: &str, command: &Command) -> RunError {
        let (title, command) = (title.to_string(), command.to_string());
        match self {
            Failure::Start(source) => RunError::Start { step, title, command, source },
            Failure::Status(status) => RunError::Failed { step, title, command, status },
        }
    }
}

fn execute(command: &Command, workspace: &Path) -> Result<(), Failure> {
    let mut child = process::Command::new(&command.program);
    child.args(&command.args).current_dir(workspace);
    let status = match command.input {
        Input::Nothing => child.stdin(Stdio::null()).status().map_err(Failure::Start)?,
        Input::RandomKey => {
            let key = random_key().map_err(Failure::Start)?;
            let mut running = child.stdin(Stdio::piped()).spawn().map_err(Failure::Start)?;
            if let Some(mut stdin) = running.stdin.take() {
                stdin.write_all(key.as_bytes()).map_err(Failure::Start)?;
            }
            running.wait().map_err(Failure::Start)?
        }
        Input::OutputOf(ref source) => {
            let mut first = process::Command::new(&source.program);
            first.args(&source.args).current_dir(workspace).stdin(Stdio::null()).stdout(Stdio::piped());
            let mut feeding = first.spawn().map_err(Failure::Start)?;
            let output = feeding.stdout.take().map_or_else(Stdio::null, Stdio::from);
            let status = child.stdin(output).status().map_err(Failure::Start)?;
            let fed = feeding.wait().map_err(Failure::Start)?;
            // As under `set -o pipefail`: the first failure is the pipeline's.
            if !fed.success() { fed } else { status }
        }
    };
    if status.success() { Ok(()) } else { Err(Failure::Status(status)) }
}

/// 96 bytes from the kernel's random source, as 128 base64 characters.
fn random_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 96];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(base64(&bytes))
}

/// Whether a step's skip condition holds now; a query that cannot run counts as "not there".
fn should_skip(skip: &Skip, settings: &Settings, workspace: &Path) -> bool {
    match skip {
        Skip::Never => false,
        Skip::IfClusterExists => process::Command::new("kind")
            .args(["get", "clusters"])
            .current_dir(workspace)
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).lines().any(|line| line.trim() == settings.cluster)),
        Skip::IfSecretExists { namespace, name } => {
            let query = settings.kubectl(["get", "secret", "--namespace", namespace, name, "-o", "name"]);
            process::Command::new(&query.program)
                .args(&query.args)
                .current_dir(workspace)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings { cluster: "kind".into(), tag: "dev".into(), targets: vec![] }
    }

    fn step(command: Command) -> Step {
        Step { title: "pipe".into(), action: Action::Run(command), skip: Skip::Never }
    }

    /// A command reading another's output gets all of it; a failing source fails the step, as under
    /// `set -o pipefail`, even when the reader succeeds.
    #[test]
    fn pipelines() {
        let dir = std::env::temp_dir().join(format!("lab-runner-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("a scratch directory");
        let write = Command::new("sh", ["-c", "cat > piped"]);
        let piped = write.clone().reading_output_of(Command::new("printf", ["one\\ntwo\\n"]));
        run(&[step(piped)], &settings(), &dir).expect("the pipeline runs");
        assert_eq!(fs::read_to_string(dir.join("piped")).expect("written"), "one\ntwo\n");
        let failing = write.reading_output_of(Command::new("sh", ["-c", "echo partial; exit 3"]));
        let error = run(&[step(failing)], &settings(), &dir).expect_err("the source failed");
        assert!(matches!(error, RunError::Failed { status, .. } if status.code() == Some(3)), "{error}");
        fs::remove_dir_all(&dir).expect("cleaned up");
    }
}
