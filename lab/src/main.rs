//! `lab`: parses the command line, finds the workspace, plans, then prints (`--dry-run`) or runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use lab::bench::scripts as bench;
use lab::cli::{Cli, LocalVerb, Verb};
use lab::plan::{self, Settings};
use lab::{check, images, runner, tools};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("lab: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the subcommand; false when it ran but found failures (`check`).
fn run(cli: &Cli) -> anyhow::Result<bool> {
    let workspace = workspace(cli.workspace.as_deref())?;
    let dockerfile = workspace.join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).with_context(|| format!("cannot read {}", dockerfile.display()))?;
    let settings = Settings { cluster: cli.cluster.clone(), tag: cli.tag.clone(), targets: images::targets(&text)? };
    let missing = tools::missing(&cli.command, tools::on_path);
    if cli.dry_run {
        print!("{}", dry_run(&cli.command, &settings, &workspace, &missing)?);
        return Ok(true);
    }
    if !missing.is_empty() {
        let lines: Vec<String> = missing.iter().map(tools::advice).collect();
        bail!("{}", lines.join("\nlab: "));
    }
    match &cli.command {
        Verb::Up => runner::run(&plan::up(&settings), &settings, &workspace)?,
        Verb::Down => runner::run(&plan::down(&settings), &settings, &workspace)?,
        Verb::Check => {
            let mut out = std::io::stdout().lock();
            let passed = check::run_all(&mut check::Live { settings: &settings }, &settings, &mut out)?;
            out.flush()?;
            return Ok(passed);
        }
        Verb::Bench => {
            runner::run(&plan::bench(&settings), &settings, &workspace)?;
            let mut cluster = check::Live { settings: &settings };
            lab::bench::cluster::run(&mut cluster, &mut lab::bench::cluster::SystemClock, &settings, &workspace)?;
        }
        Verb::Local { then: Some(LocalVerb::Bench { only, quick, report_only }), .. } => {
            let options = bench::Options { workspace, only: only.clone(), quick: *quick, report_only: *report_only };
            bench::run(&options)?;
        }
        Verb::Local { keep, clean, then: None } => return local(cli, workspace, *keep, *clean),
    }
    Ok(true)
}

/// `lab local`: the walkthrough in network namespaces on this machine (or `--clean`).
fn local(cli: &Cli, workspace: PathBuf, keep: bool, clean: bool) -> anyhow::Result<bool> {
    if cli.dry_run {
        bail!("lab local has no --dry-run: it prints every command it runs as it runs them");
    }
    if clean {
        let removed = lab::local::walk::clean();
        println!("removed {} network namespaces: {}", removed.len(), removed.join(" "));
        return Ok(true);
    }
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    let bin_dir = cli.bin_dir.clone().or(beside).context("cannot tell where the lab binary is: pass --bin-dir")?;
    lab::local::walk::run(&lab::local::walk::Options { workspace, bin_dir, keep })?;
    Ok(true)
}

/// What `--dry-run` prints for `verb`: where the commands run from, a note per missing tool, the plan.
fn dry_run(verb: &Verb, settings: &Settings, workspace: &Path, missing: &[tools::Tool]) -> anyhow::Result<String> {
    let mut text = format!("# lab {} --dry-run: run from {}\n", verb_name(verb), workspace.display());
    for tool in missing {
        text.push_str(&format!("# note: {}\n", tools::advice(tool)));
    }
    match verb {
        Verb::Up => text.push_str(&plan::render(&plan::up(settings))),
        Verb::Down => text.push_str(&plan::render(&plan::down(settings))),
        Verb::Check => {
            for step in check::walkthrough() {
                text.push_str(&format!("# check: {}\n", step.words));
            }
        }
        Verb::Bench => {
            text.push_str(&plan::render(&plan::bench(settings)));
            for line in lab::bench::cluster::describe(settings) {
                text.push_str(&format!("# then: {line}\n"));
            }
        }
        Verb::Local { .. } => bail!("lab local has no --dry-run: it prints every command it runs as it runs them"),
    }
    Ok(text)
}

fn verb_name(verb: &Verb) -> &'static str {
    match verb {
        Verb::Up => "up",
        Verb::Check => "check",
        Verb::Bench => "bench",
        Verb::Down => "down",
        Verb::Local { .. } => "local",
    }
}

/// The workspace root: the given one, or the first directory upward holding deploy/kustomization.yaml
/// and a Dockerfile.
fn workspace(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let is_root = |dir: &Path| dir.join("deploy/kustomization.yaml").is_file() && dir.join("Dockerfile").is_file();
    if let Some(dir) = given {
        if is_root(dir) {
            return Ok(dir.to_path_buf());
        }
        bail!("{} is not the lab's workspace (no deploy/kustomization.yaml and Dockerfile there)", dir.display());
    }
    let here = std::env::current_dir().context("cannot read the current directory")?;
    here.ancestors().find(|dir| is_root(dir)).map(Path::to_path_buf).with_context(|| {
        format!("{} is not inside the lab's workspace: run lab from it, or pass --workspace DIR", here.display())
    })
}
