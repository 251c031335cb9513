//! Logging: `tracing` to stdout, as text (coloured on a terminal) or one JSON object per line, filtered by
//! `RUST_LOG`-style directives.
//!
//! Binaries log their bound addresses as `serving <name> addr=<ip:port>` (see [`crate::listen`]); test
//! harnesses read ephemeral ports from those lines, so they keep that shape in both formats.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines: `2026-12-01T14:20:46Z  INFO serving app addr=0.0.0.0:8080`.
    Text,
    /// One JSON object per line, for log collectors in a cluster.
    Json,
}

/// Format and filter, checked.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// Text or JSON.
    pub format: LogFormat,
    /// A filter [`LogSettings::check_filter`] accepted.
    pub filter: String,
}

impl LogSettings {
    /// Returns `filter` if tracing can use it, or the reason it cannot.
    pub fn check_filter(filter: &str) -> Result<String, String> {
        EnvFilter::builder().parse(filter).map(|_| filter.to_string()).map_err(|e| e.to_string())
    }
}

/// Installs the global subscriber. A second call (tests running several servers in one process) keeps
/// the first subscriber and returns quietly.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::builder().parse_lossy(&settings.filter);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stdout().is_terminal());
    let _already_installed = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Levels and per-target directives pass; malformed directives are refused with a reason.
    #[test]
    fn filters_are_checked() {
        assert!(LogSettings::check_filter("info").is_ok());
        assert!(LogSettings::check_filter("info,hyper=warn,go_web=debug").is_ok());
        assert!(LogSettings::check_filter("info,=[").is_err());
    }
}
