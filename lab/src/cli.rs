//! The command line: `lab up | check | bench | down | local`, with `--dry-run`, the image tag and the cluster name.
//! Values are checked as they are parsed, so a bad one is one clear line and no command runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// `lab`'s flags.
#[derive(Debug, Parser)]
#[command(
    name = "lab",
    version,
    about = "The networking lab on kind with our parts: build the images, create the cluster, apply deploy/, replay the walkthrough"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Verb,
    /// Print the exact commands instead of running them.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Tag of the images built and deployed (lab/<part>:TAG).
    #[arg(long, global = true, env = "LAB_TAG", default_value = "dev", value_parser = image_tag)]
    pub tag: String,
    /// Name of the kind cluster (its kubectl context is kind-NAME).
    #[arg(long, global = true, env = "LAB_CLUSTER", default_value = "kind", value_parser = cluster_name)]
    pub cluster: String,
    /// The workspace root (holding the Dockerfile and deploy/); default: found upward from the current directory.
    #[arg(long, global = true, env = "LAB_WORKSPACE")]
    pub workspace: Option<PathBuf>,
    /// Where `lab local` finds go-web, cluster-dns and dnsutils; default: beside the lab binary.
    #[arg(long, global = true, env = "LAB_BIN_DIR")]
    pub bin_dir: Option<PathBuf>,
}

/// The subcommands.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum Verb {
    /// Create the cluster if absent, build and load every image, apply deploy/, wait until ready.
    Up,
    /// Replay the walkthrough's outcomes against the running lab, one PASS/FAIL line per step.
    Check,
    /// Run our components against the upstream overlays and write a comparison (not yet).
    Bench,
    /// Delete the kind cluster.
    Down,
    /// The walkthrough on this machine, without kind: namespaces as nodes and pods (root, Linux).
    Local {
        /// Leave the lab up at the end, and print how to look around.
        #[arg(long)]
        keep: bool,
        /// Only remove a kept lab, or what a run that died left.
        #[arg(long, conflicts_with = "keep")]
        clean: bool,
        /// `lab local bench`: the benchmarks instead of the walkthrough.
        #[command(subcommand)]
        then: Option<LocalVerb>,
    },
}

/// What `lab local` does instead of the walkthrough.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum LocalVerb {
    /// Run every part's benchmark with its same-run peers on this machine (root, Linux; an otherwise idle
    /// machine), then write docs/benchmarks.md, its charts and the README's summary.
    Bench {
        /// Measure only this part (repeatable); the others keep their last figures in the report.
        #[arg(long, value_parser = ["go-web", "dnsutils", "cluster-dns", "mini-lb", "mini-proxy", "images"])]
        only: Vec<String>,
        /// A few seconds per measurement, to try the pipeline: figures are noisier.
        #[arg(long)]
        quick: bool,
        /// Measure nothing; rewrite the report from the figures kept in docs/bench/.
        #[arg(long, conflicts_with_all = ["only", "quick"])]
        report_only: bool,
    },
}

/// A Docker tag: letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters.
fn image_tag(value: &str) -> Result<String, String> {
    let valid = (1..=128).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !value.starts_with(['.', '-']);
    if valid { Ok(value.to_string()) } else { Err("expected a Docker tag such as dev or 0.1.0".to_string()) }
}

/// A kind cluster name: lower-case letters, digits and `-`, starting with a letter.
fn cluster_name(value: &str) -> Result<String, String> {
    let valid = value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && value.len() <= 50;
    if valid { Ok(value.to_string()) } else { Err("expected a kind cluster name such as kind or lab-1".to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("lab").chain(args.iter().copied())).map_err(|e| e.to_string())
    }

    /// The defaults are the walkthrough's: cluster `kind`, images tagged dev.
    #[test]
    fn defaults() {
        let cli = parse(&["up"]).expect("valid");
        assert_eq!(
            (cli.command, cli.tag.as_str(), cli.cluster.as_str(), cli.dry_run),
            (Verb::Up, "dev", "kind", false)
        );
        let cli = parse(&["down", "--dry-run", "--cluster", "lab-2"]).expect("valid");
        assert_eq!((cli.command, cli.cluster.as_str(), cli.dry_run), (Verb::Down, "lab-2", true));
    }

    /// A tag or cluster name a shell or Docker would misread is refused with what is expected.
    #[test]
    fn bad_values() {
        let error = parse(&["up", "--tag", "dev;rm -rf /"]).expect_err("refused");
        assert!(error.contains("expected a Docker tag"), "{error}");
        let error = parse(&["up", "--cluster", "Kind"]).expect_err("refused");
        assert!(error.contains("expected a kind cluster name"), "{error}");
        assert!(parse(&["up", "--tag", "-x"]).is_err());
        assert!(parse(&["sideways"]).is_err());
    }

    /// `lab local` takes --keep or --clean, not both.
    #[test]
    fn local_flags() {
        let local = |keep, clean| Verb::Local { keep, clean, then: None };
        assert_eq!(parse(&["local"]).expect("valid").command, local(false, false));
        assert_eq!(parse(&["local", "--keep"]).expect("valid").command, local(true, false));
        assert!(parse(&["local", "--keep", "--clean"]).is_err());
    }

    /// `lab local bench` names parts by the crates' names and refuses others.
    #[test]
    fn local_bench_flags() {
        let Verb::Local { then: Some(LocalVerb::Bench { only, quick, report_only }), .. } =
            parse(&["local", "bench", "--only", "mini-proxy", "--only", "go-web", "--quick"]).expect("valid").command
        else {
            panic!("not lab local bench");
        };
        assert_eq!((only, quick, report_only), (vec!["mini-proxy".to_string(), "go-web".to_string()], true, false));
        let parts: Vec<&str> = crate::bench::scripts::SCRIPTS.iter().map(|(part, ..)| *part).collect();
        for part in &parts {
            assert!(parse(&["local", "bench", "--only", part]).is_ok(), "{part} refused");
        }
        let error = parse(&["local", "bench", "--only", "coredns"]).expect_err("refused");
        assert!(error.contains("possible values"), "{error}");
        assert!(parse(&["local", "bench", "--report-only", "--quick"]).is_err());
    }
}
