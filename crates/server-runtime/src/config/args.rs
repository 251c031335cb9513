//! The settings every long-running binary shares, as one clap block each binary flattens into its CLI.
//!
//! ```text
//! #[derive(clap::Parser)]
//! #[command(mut_arg("admin_addr", |a| a.default_value("0.0.0.0:4191")))]   // a binary's own default
//! struct Cli {
//!     #[command(flatten)]
//!     runtime: server_runtime::RuntimeArgs,
//!     ...
//! }
//! ```
//!
//! Every flag falls back to an environment variable, so a manifest sets them in `env:`. The values stay
//! strings until [`RuntimeArgs::settings`] checks them, so a bad one gives the same one-line error as every
//! other setting.

use std::net::SocketAddr;

use super::error::ConfigError;
use super::values;
use crate::lifecycle::DrainTimes;
use crate::telemetry::{LogFormat, LogSettings};

/// The shared flags. The ids (`admin_addr`, `shutdown_delay`, ...) are stable so a binary can change a
/// default with `#[command(mut_arg(...))]`.
#[derive(Clone, Debug, clap::Args)]
pub struct RuntimeArgs {
    /// Address of the admin server (/metrics, /livez, /readyz), kept off the app's ports.
    #[arg(long = "admin-addr", id = "admin_addr", env = "ADMIN_ADDR", default_value = "0.0.0.0:9090")]
    pub admin_addr: String,
    /// Log format: `text` or `json` (one JSON object per line).
    #[arg(long = "log-format", id = "log_format", env = "LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Which log lines to keep, in tracing's filter syntax: `info`, `debug`, `info,hyper=warn`.
    #[arg(long = "log", id = "log_filter", env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
    /// After SIGTERM, how long the app keeps accepting new work while /readyz already fails, so that
    /// endpoints and load balancers drop the pod before it stops listening (0 turns it off).
    #[arg(long = "shutdown-delay", id = "shutdown_delay", env = "SHUTDOWN_DELAY", default_value = "0s")]
    pub shutdown_delay: String,
    /// After it stops accepting, how long in-flight work may take before the process exits anyway.
    #[arg(long = "shutdown-grace", id = "shutdown_grace", env = "SHUTDOWN_GRACE", default_value = "20s")]
    pub shutdown_grace: String,
    /// Threads running the server's work: 0 for one per CPU; 1 runs everything on one thread, the
    /// leanest choice for a sidecar.
    #[arg(long = "worker-threads", id = "worker_threads", env = "WORKER_THREADS", default_value = "0")]
    pub worker_threads: String,
}

/// The shared settings, checked.
#[derive(Clone, Debug)]
pub struct RuntimeSettings {
    /// Where the admin listener binds.
    pub admin_addr: SocketAddr,
    /// How logs are written.
    pub log: LogSettings,
    /// The delay and grace of the drain after SIGTERM.
    pub drain: DrainTimes,
    /// Threads for the async runtime; 0 means one per CPU.
    pub worker_threads: usize,
}

impl RuntimeArgs {
    /// Checks every shared setting; the first bad one is reported.
    pub fn settings(&self) -> Result<RuntimeSettings, ConfigError> {
        let format = match self.log_format.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(ConfigError::invalid("LOG_FORMAT", other, "expected text or json")),
        };
        let filter = LogSettings::check_filter(&self.log_filter).map_err(|reason| {
            ConfigError::invalid(
                "RUST_LOG",
                &self.log_filter,
                format!("{reason}; expected a level such as info or a filter such as info,hyper=warn"),
            )
        })?;
        Ok(RuntimeSettings {
            admin_addr: values::socket_addr("ADMIN_ADDR", &self.admin_addr)?,
            log: LogSettings { format, filter },
            drain: DrainTimes {
                delay: values::duration_or_zero("SHUTDOWN_DELAY", &self.shutdown_delay)?,
                grace: values::duration("SHUTDOWN_GRACE", &self.shutdown_grace)?,
            },
            worker_threads: self.worker_threads.trim().parse::<usize>().ok().filter(|n| *n <= 1024).ok_or_else(
                || ConfigError::invalid("WORKER_THREADS", &self.worker_threads, "expected 0 (one per CPU) to 1024"),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;

    /// A binary that flattens the block and changes one default, as mini-proxy will (admin on 4191).
    #[derive(Debug, Parser)]
    #[command(name = "example", mut_arg("admin_addr", |a| a.default_value("0.0.0.0:4191")))]
    struct ExampleCli {
        #[command(flatten)]
        runtime: RuntimeArgs,
    }

    fn parse(args: &[&str]) -> Result<RuntimeSettings, String> {
        let mut all = vec!["example"];
        all.extend_from_slice(args);
        let cli = ExampleCli::try_parse_from(all).map_err(|e| e.to_string())?;
        cli.runtime.settings().map_err(|e| e.to_string())
    }

    /// The defaults: a binary's own admin port, text logs at info, no delay, a 20 s grace.
    #[test]
    fn defaults_and_a_binary_specific_admin_port() {
        let settings = parse(&[]).expect("defaults are valid");
        assert_eq!(settings.admin_addr.to_string(), "0.0.0.0:4191");
        assert_eq!(settings.log.format, LogFormat::Text);
        assert_eq!(settings.drain, DrainTimes { delay: Duration::ZERO, grace: Duration::from_secs(20) });
    }

    /// Flags override the defaults.
    #[test]
    fn flags_set_every_value() {
        let settings = parse(&[
            "--admin-addr",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--shutdown-delay",
            "1s",
            "--shutdown-grace",
            "500ms",
        ])
        .expect("valid");
        assert_eq!(settings.admin_addr.to_string(), "127.0.0.1:0");
        assert_eq!(settings.log.format, LogFormat::Json);
        assert_eq!(settings.drain, DrainTimes { delay: Duration::from_secs(1), grace: Duration::from_millis(500) });
    }

    /// Each bad value names its environment variable.
    #[test]
    fn bad_values_name_their_setting() {
        for (flag, value, setting) in [
            ("--admin-addr", "9090", "ADMIN_ADDR"),
            ("--log-format", "xml", "LOG_FORMAT"),
            ("--log", "info,=[", "RUST_LOG"),
            ("--shutdown-delay", "soon", "SHUTDOWN_DELAY"),
            ("--shutdown-grace", "0", "SHUTDOWN_GRACE"),
        ] {
            let error = parse(&[flag, value]).err().unwrap_or_default();
            assert!(error.starts_with(&format!("invalid {setting} ")), "{flag} {value}: {error}");
        }
    }
}
