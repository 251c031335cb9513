//! The one way a long-running binary starts and stops, so every `main.rs` is a few lines:
//!
//! ```text
//! fn main() -> ExitCode {
//!     server_runtime::run_binary(Config::from_cli, |config, lifecycle| async move {
//!         let app = server_runtime::bind_tcp("app", config.listen, "LISTEN_ADDR").await?;
//!         let admin = server_runtime::bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?;
//!         Ok(my_server::run(app, admin, config, lifecycle).await)
//!     })
//! }
//! ```
//!
//! [`run_binary`] parses the command line, checks it, sets up logging, starts the tokio runtime, installs
//! the signal handlers and runs the program to the end of its drain, then turns the outcome into the exit
//! code: 0 after a clean drain, 1 when work was cut off or the program failed, 64 for bad configuration.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use clap::Parser;
use tracing::{error, info};

use crate::config::args::RuntimeSettings;
use crate::config::error::ConfigError;
use crate::lifecycle::{Drained, Lifecycle, signals};
use crate::telemetry;

/// BSD's `EX_USAGE`: the configuration is wrong, so restarting will not help.
pub const EXIT_CONFIG: u8 = 64;

/// Runs a binary whose command line is `C`, checked into `T` by `configure`, as `program`.
///
/// `program` gets the checked configuration and the process's [`Lifecycle`] (SIGTERM and SIGINT already
/// wired to it) and returns how its drain ended, or the error that stopped it.
pub fn run_binary<C, T, E, Fut>(
    configure: impl FnOnce(C) -> Result<T, ConfigError>,
    program: impl FnOnce(T, Lifecycle) -> Fut,
) -> ExitCode
where
    C: Parser,
    T: AsRef<RuntimeSettings>,
    E: Display,
    Fut: Future<Output = Result<Drained, E>>,
{
    let name = C::command().get_name().to_string();
    let config = match parse_and_check(configure) {
        Ok(config) => config,
        Err(Stop::Exit(code)) => return code,
        Err(Stop::Config(e)) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let settings = config.as_ref().clone();
    telemetry::init(&settings.log);
    let mut builder = match settings.worker_threads {
        1 => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    if settings.worker_threads > 1 {
        builder.worker_threads(settings.worker_threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        let lifecycle = Lifecycle::new(settings.drain);
        let signals = match signals::forward_signals(lifecycle.clone()) {
            Ok(task) => task,
            Err(e) => return Err(format!("cannot install the SIGTERM/SIGINT handlers: {e}")),
        };
        let trimming = tokio::spawn(crate::memory::keep_trimmed(crate::memory::TRIM_INTERVAL));
        let outcome = program(config, lifecycle).await.map_err(|e| format!("{e:#}"));
        signals.abort();
        trimming.abort();
        outcome
    });
    match outcome {
        Ok(drained) => {
            info!(?drained, "stopped");
            drained.exit_code()
        }
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Why a binary stops before it starts.
enum Stop {
    /// `--help` or `--version` was printed: exit with this code.
    Exit(ExitCode),
    /// A bad command line or setting.
    Config(ConfigError),
}

fn parse_and_check<C: Parser, T>(configure: impl FnOnce(C) -> Result<T, ConfigError>) -> Result<T, Stop> {
    let cli = C::try_parse().map_err(|e| {
        if e.use_stderr() {
            Stop::Config(ConfigError::Usage(first_line(&e.to_string())))
        } else {
            // --help and --version print to stdout and succeed.
            let _ = e.print();
            Stop::Exit(ExitCode::SUCCESS)
        }
    })?;
    configure(cli).map_err(Stop::Config)
}

/// The first line of clap's message, without its `error: ` prefix, so a usage error stays one line.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clap's multi-line usage error becomes its first line, without the prefix.
    #[test]
    fn usage_errors_are_one_line() {
        let message = "error: unexpected argument '--nope' found\n\nUsage: go-web [OPTIONS]\n";
        assert_eq!(first_line(message), "unexpected argument '--nope' found");
    }
}
