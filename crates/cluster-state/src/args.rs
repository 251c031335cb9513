//! The command-line choice of source every binary shares: `--from-file PATH`, or the Kubernetes API.
//!
//! Binaries flatten [`SourceArgs`] into their clap config, so the flag, its environment fallback and its
//! help text are the same everywhere, and call [`SourceArgs::source`] once at start. Without a file, kube's
//! usual discovery applies: in-cluster service account, then `KUBECONFIG` or `~/.kube/config`.

use std::path::PathBuf;

use crate::error::Error;
use crate::source::Source;

/// The environment variable that stands in for `--from-file`.
pub const FROM_FILE_ENV: &str = "CLUSTER_STATE_FILE";

/// Where to read cluster state from, as flags.
///
/// ```
/// use clap::Parser;
/// use cluster_state::SourceArgs;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     source: SourceArgs,
/// }
///
/// let cli = Cli::parse_from(["mini-lb", "--from-file", "lab.yaml"]);
/// assert_eq!(cli.source.from_file.as_deref(), Some(std::path::Path::new("lab.yaml")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, clap::Args)]
pub struct SourceArgs {
    /// Read cluster state from this file of Kubernetes objects (a YAML stream or a v1 List, as
    /// `kubectl get ... -o yaml` prints) instead of the Kubernetes API; re-read when it changes.
    #[arg(long = "from-file", value_name = "PATH", env = FROM_FILE_ENV)]
    pub from_file: Option<PathBuf>,
}

impl SourceArgs {
    /// The source these flags choose: the file if one is given, otherwise the Kubernetes API.
    ///
    /// # Errors
    /// [`Error::NoSource`] when no file is given and kube finds no cluster configuration.
    pub async fn source(&self) -> Result<Source, Error> {
        match &self.from_file {
            Some(path) => Ok(Source::File(path.clone())),
            None => kube::Client::try_default().await.map(Source::Api).map_err(|source| Error::NoSource { source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        source: SourceArgs,
    }

    /// `--from-file` chooses the file source without touching the API.
    #[tokio::test]
    async fn from_file_chooses_the_file() {
        let cli = Cli::try_parse_from(["component", "--from-file", "/tmp/lab.yaml"]).expect("valid flags");
        let source = cli.source.source().await.expect("a file source");
        assert!(matches!(source, Source::File(path) if path == std::path::Path::new("/tmp/lab.yaml")));
    }

    /// The help text names the flag and its environment variable.
    #[test]
    fn help_names_flag_and_env() {
        use clap::CommandFactory;
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("--from-file <PATH>"), "{help}");
        assert!(help.contains("CLUSTER_STATE_FILE"), "{help}");
    }

    /// Without a file, the error says so and what to do.
    #[test]
    fn no_source_message_says_what_to_do() {
        let source = kube::Error::Service("no kubeconfig".into());
        let message = Error::NoSource { source }.to_string();
        assert!(message.starts_with("no --from-file given and no Kubernetes API reachable: "), "{message}");
        assert!(message.contains("pass --from-file PATH"), "{message}");
    }
}
