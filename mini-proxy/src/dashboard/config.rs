//! `mini-proxy dashboard`'s flags, checked once at start so a bad value stops it with one line naming
//! it (exit 64): where the page is served, how often the proxies are scraped and over which window, and
//! where the proxies are found (named on the command line, or the cluster's meshed Deployments).

use std::net::SocketAddr;
use std::time::Duration;

use cluster_state::SourceArgs;
use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

use super::rounds::MAX_ROUNDS;
use crate::stat::targets;

/// The flags of `mini-proxy dashboard`.
#[derive(Clone, Debug, clap::Args)]
#[command(mut_arg("admin_addr", |a| a.default_value("127.0.0.1:9994")))]
pub struct DashboardArgs {
    /// Where the page and `/api/stat` are served (loopback by default: the page has no login).
    #[arg(long, env = "DASHBOARD_ADDR", default_value = "127.0.0.1:8084")]
    pub listen: String,
    /// How often every proxy is scraped and the page's figures move.
    #[arg(long, env = "DASHBOARD_INTERVAL", default_value = "2s")]
    pub interval: String,
    /// The window the figures are computed over, as `stat -t`: from the scrape this long ago to the newest.
    #[arg(long, env = "DASHBOARD_WINDOW", default_value = "1m")]
    pub window: String,
    /// The namespace of the deployments shown.
    #[arg(short, long, default_value = "default")]
    pub namespace: String,
    /// Deployments in every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Instead of the cluster, scrape this proxy, `NAME=HOST:PORT` (its admin address); targets sharing
    /// a NAME are the pods of one deployment. Repeatable.
    #[arg(long = "target", value_name = "NAME=HOST:PORT")]
    pub targets: Vec<String>,
    /// Where the cluster's Pods and Deployments are read from (without `--target`).
    #[command(flatten)]
    pub source: SourceArgs,
    /// Admin address (default 127.0.0.1:9994, Linkerd viz web's admin port), logs, the drain.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Checked settings.
#[derive(Clone, Debug)]
pub struct DashboardConfig {
    /// The page's listener.
    pub listen: SocketAddr,
    /// Time between rounds of scrapes.
    pub interval: Duration,
    /// The window figures span.
    pub window: Duration,
    /// The namespace shown, or every one.
    pub namespace: Option<String>,
    /// `--target` deployments and their proxies; empty to read the cluster.
    pub targets: Vec<(String, Vec<String>)>,
    /// The cluster-state source's flags.
    pub source: SourceArgs,
    /// Admin address, logs, drain.
    pub runtime: RuntimeSettings,
}

impl AsRef<RuntimeSettings> for DashboardConfig {
    fn as_ref(&self) -> &RuntimeSettings {
        &self.runtime
    }
}

impl DashboardConfig {
    /// Checks every setting; the first bad one is reported.
    pub fn from_args(args: DashboardArgs) -> Result<DashboardConfig, ConfigError> {
        let interval = values::duration("DASHBOARD_INTERVAL", &args.interval)?;
        if interval < Duration::from_secs(1) {
            return Err(ConfigError::invalid("DASHBOARD_INTERVAL", &args.interval, "expected at least 1s"));
        }
        let window = values::duration("DASHBOARD_WINDOW", &args.window)?;
        if window < interval || window > interval * (MAX_ROUNDS as u32 - 1) {
            return Err(ConfigError::invalid(
                "DASHBOARD_WINDOW",
                &args.window,
                format!("expected between the interval ({}) and {} intervals", args.interval.trim(), MAX_ROUNDS - 1),
            ));
        }
        Ok(DashboardConfig {
            listen: values::socket_addr("DASHBOARD_ADDR", &args.listen)?,
            interval,
            window,
            namespace: (!args.all_namespaces).then_some(args.namespace),
            targets: targets::named(&args.targets).map_err(ConfigError::Usage)?,
            source: args.source,
            runtime: args.runtime.settings()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        dashboard: DashboardArgs,
    }

    fn parse(args: &[&str]) -> Result<DashboardConfig, String> {
        let cli =
            Cli::try_parse_from(std::iter::once("dashboard").chain(args.iter().copied())).map_err(|e| e.to_string())?;
        DashboardConfig::from_args(cli.dashboard).map_err(|e| e.to_string())
    }

    /// The defaults: loopback on Linkerd viz web's ports, a round every 2 s over a 1 m window, `default`.
    #[test]
    fn defaults() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.listen, "127.0.0.1:8084".parse().expect("addr"));
        assert_eq!(config.runtime.admin_addr, "127.0.0.1:9994".parse().expect("addr"));
        assert_eq!((config.interval, config.window), (Duration::from_secs(2), Duration::from_secs(60)));
        assert_eq!(config.namespace.as_deref(), Some("default"));
        assert!(config.targets.is_empty());
        let all = parse(&["-A", "--target", "web=10.0.0.2:4191"]).expect("valid");
        assert_eq!(all.namespace, None);
        assert_eq!(all.targets, [("web".to_string(), vec!["10.0.0.2:4191".to_string()])]);
    }

    /// Each bad value is named with what would do.
    #[test]
    fn bad_values_are_named() {
        for (args, message) in [
            (&["--interval", "500ms"][..], "invalid DASHBOARD_INTERVAL \"500ms\": expected at least 1s"),
            (&["--interval", "soon"], "invalid DASHBOARD_INTERVAL \"soon\": expected a duration"),
            (&["--window", "1s"], "invalid DASHBOARD_WINDOW \"1s\": expected between the interval (2s) and 599"),
            (&["--interval", "1s", "--window", "1h"], "invalid DASHBOARD_WINDOW \"1h\""),
            (&["--listen", "8084"], "invalid DASHBOARD_ADDR \"8084\": expected IP:PORT"),
            (&["--target", "web"], "--target \"web\": use NAME=HOST:PORT"),
        ] {
            let error = parse(args).err().unwrap_or_default();
            assert!(error.starts_with(message), "{args:?}: {error}");
        }
    }
}
