//! Which programs each subcommand runs, and, for those missing from PATH, one line saying what to install.

use std::env;
use std::path::Path;

use crate::cli::Verb;

/// A program the runner starts, and what to install to get it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tool {
    /// The program's name on PATH.
    pub program: &'static str,
    /// What to install.
    pub install: &'static str,
}

const DOCKER: Tool =
    Tool { program: "docker", install: "Docker Engine (docs.docker.com/engine/install), with a running daemon" };
const KIND: Tool =
    Tool { program: "kind", install: "kind v0.33.0 or newer (kind.sigs.k8s.io/docs/user/quick-start/#installation)" };
const KUBECTL: Tool =
    Tool { program: "kubectl", install: "kubectl 1.33 or newer, with kustomize (kubernetes.io/docs/tasks/tools)" };

/// The programs `verb` runs.
pub fn needed(verb: &Verb) -> &'static [Tool] {
    match verb {
        Verb::Up => &[DOCKER, KIND, KUBECTL],
        Verb::Check => &[DOCKER, KUBECTL],
        Verb::Bench => &[DOCKER, KIND, KUBECTL],
        Verb::Down => &[KIND],
        // The bench scripts install what they need themselves.
        Verb::Local { then: Some(_), .. } => &[],
        Verb::Local { .. } => &[KUBECTL],
    }
}

/// The tools of `verb` that `found` does not find.
pub fn missing(verb: &Verb, found: impl Fn(&str) -> bool) -> Vec<Tool> {
    needed(verb).iter().copied().filter(|tool| !found(tool.program)).collect()
}

/// Whether `program` is an executable file in a directory of PATH.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = env::var_os("PATH") else { return false };
    env::split_paths(&path).any(|dir| {
        let candidate = Path::new(&dir).join(program);
        candidate.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    })
}

/// The one line for a missing tool.
pub fn advice(tool: &Tool) -> String {
    format!("{} is not on PATH: install {}", tool.program, tool.install)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each missing tool is named once, with what to install; present ones are not mentioned.
    #[test]
    fn missing_tools_get_one_line_each() {
        let missing = missing(&Verb::Up, |program| program == "docker");
        let lines: Vec<String> = missing.iter().map(advice).collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("kind is not on PATH: install kind v0.33.0"), "{}", lines[0]);
        assert!(lines[1].starts_with("kubectl is not on PATH: install kubectl"), "{}", lines[1]);
        assert!(super::missing(&Verb::Down, |_| true).is_empty());
    }

    /// `lab bench` builds and loads an image and applies overlays: it needs all three tools, while `lab
    /// local bench` needs none of them (its scripts install what they use).
    #[test]
    fn bench_tools() {
        let programs = |verb: &Verb| needed(verb).iter().map(|tool| tool.program).collect::<Vec<_>>();
        assert_eq!(programs(&Verb::Bench), ["docker", "kind", "kubectl"]);
        let local_bench = crate::cli::LocalVerb::Bench { only: vec![], quick: false, report_only: true };
        assert!(programs(&Verb::Local { keep: false, clean: false, then: Some(local_bench) }).is_empty());
    }

    /// A program on PATH is found; a made-up one is not.
    #[test]
    fn path_lookup() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-program-for-the-lab"));
    }
}
