//! Configuration: flags with environment fallbacks, including the lab's own variables (`DB_HOST`,
//! `DB_USER`, `DB_PASSWORD`, `DB_PORT`, `MY_NODE_NAME`, `MY_POD_IP`, ...), validated once at start.
//!
//! [`Cli`] is what clap parses, with the settings every server shares flattened in from `server-runtime`;
//! [`Config::from_cli`] turns it into checked, typed settings or a [`ConfigError`] whose message names the
//! bad setting and value (never a password) in one line.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use clap::Parser;
use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

/// Command-line flags; every one falls back to an environment variable so a Kubernetes manifest can set it.
#[derive(Debug, Parser)]
#[command(name = "go-web", version, about = "Drop-in replacement for the lab's Go web server")]
pub struct Cli {
    /// Address the lab's HTTP routes listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "0.0.0.0:8080")]
    pub listen: String,
    /// Postgres host (the lab sets `postgres`, its Service name).
    #[arg(long, env = "DB_HOST", default_value = "localhost")]
    pub db_host: String,
    /// Postgres port.
    #[arg(long, env = "DB_PORT", default_value = "5432")]
    pub db_port: String,
    /// Postgres user.
    #[arg(long, env = "DB_USER", default_value = "postgres")]
    pub db_user: String,
    /// Postgres password; never logged or echoed.
    #[arg(long, env = "DB_PASSWORD", default_value = "", hide_env_values = true, hide_default_value = true)]
    pub db_password: String,
    /// Database name.
    #[arg(long, env = "DB_NAME", default_value = "postgres")]
    pub db_name: String,
    /// TLS to postgres: only `disable` and `prefer` (which falls back to plain) are supported by this build.
    #[arg(long, env = "DB_SSLMODE", default_value = "disable")]
    pub db_sslmode: String,
    /// One libpq-style URL or key=value string instead of the DB_* variables; never logged unredacted.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Most postgres connections the server ever holds.
    #[arg(long, env = "DB_POOL_SIZE", default_value = "10")]
    pub db_pool_size: String,
    /// Deadline for /data: waiting for a pooled connection, connecting and pinging all fit inside it.
    #[arg(long, env = "DB_TIMEOUT", default_value = "2s")]
    pub db_timeout: String,
    /// Most client connections served at once; further connections wait in the kernel's backlog.
    #[arg(long, env = "MAX_CONNECTIONS", default_value = "4096")]
    pub max_connections: String,
    /// How long a client may take to send the request head before the connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value = "10s")]
    pub header_read_timeout: String,
    /// Log one line per request.
    #[arg(long, env = "ACCESS_LOG", default_value = "false")]
    pub access_log: String,
    /// Node name shown by /host (the lab sets it from `spec.nodeName`).
    #[arg(long, env = "MY_NODE_NAME", default_value = "")]
    pub node_name: String,
    /// Pod IP shown by /host (the lab sets it from `status.podIP`).
    #[arg(long, env = "MY_POD_IP", default_value = "")]
    pub pod_ip: String,
    /// Pod name, logged at start.
    #[arg(long, env = "MY_POD_NAME", default_value = "")]
    pub pod_name: String,
    /// Pod namespace, logged at start.
    #[arg(long, env = "MY_POD_NAMESPACE", default_value = "")]
    pub pod_namespace: String,
    /// Pod service account, logged at start.
    #[arg(long, env = "MY_POD_SERVICE_ACCOUNT", default_value = "")]
    pub pod_service_account: String,
    /// What every server shares: admin address, logs, the drain after SIGTERM.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Checked settings the server runs with.
#[derive(Clone)]
pub struct Config {
    /// App listener address.
    pub listen: SocketAddr,
    /// Postgres connection settings (holds the password; its Debug output is redacted by tokio-postgres).
    pub db: tokio_postgres::Config,
    /// Pool size: the ceiling on postgres connections.
    pub db_pool_size: usize,
    /// Deadline for one /data request.
    pub db_timeout: Duration,
    /// Ceiling on concurrent client connections.
    pub max_connections: usize,
    /// Request-head read timeout.
    pub header_read_timeout: Duration,
    /// Whether to log every request.
    pub access_log: bool,
    /// What the pod knows about itself, from the downward API.
    pub pod: PodInfo,
    /// Admin address, logging and the drain, shared with every server.
    pub runtime: RuntimeSettings,
}

impl AsRef<RuntimeSettings> for Config {
    fn as_ref(&self) -> &RuntimeSettings {
        &self.runtime
    }
}

/// The downward-API values the lab passes in.
#[derive(Clone, Debug, Default)]
pub struct PodInfo {
    /// `MY_NODE_NAME`.
    pub node_name: String,
    /// `MY_POD_IP`.
    pub pod_ip: String,
    /// `MY_POD_NAME`.
    pub pod_name: String,
    /// `MY_POD_NAMESPACE`.
    pub namespace: String,
    /// `MY_POD_SERVICE_ACCOUNT`.
    pub service_account: String,
}

impl Config {
    /// Validates every setting; the first bad one is reported.
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        let mut db = match &cli.database_url {
            Some(url) => {
                let mut db = tokio_postgres::Config::from_str(url).map_err(|e| ConfigError::Secret {
                    setting: "DATABASE_URL",
                    reason: e.to_string(),
                    expected: "expected postgres://user:password@host:port/dbname or key=value pairs",
                })?;
                if db.get_hosts().is_empty() {
                    db.host("localhost");
                }
                db
            }
            None => {
                let port = values::port("DB_PORT", &cli.db_port)?;
                let mut db = tokio_postgres::Config::new();
                db.host(&cli.db_host).port(port).user(&cli.db_user).dbname(&cli.db_name);
                if !cli.db_password.is_empty() {
                    db.password(&cli.db_password);
                }
                db.ssl_mode(parse_sslmode(&cli.db_sslmode)?);
                db
            }
        };
        db.application_name("go-web");
        Ok(Config {
            listen: values::socket_addr("LISTEN_ADDR", &cli.listen)?,
            db,
            db_pool_size: values::count("DB_POOL_SIZE", &cli.db_pool_size)?,
            db_timeout: values::duration("DB_TIMEOUT", &cli.db_timeout)?,
            max_connections: values::count("MAX_CONNECTIONS", &cli.max_connections)?,
            header_read_timeout: values::duration("HEADER_READ_TIMEOUT", &cli.header_read_timeout)?,
            access_log: values::switch("ACCESS_LOG", &cli.access_log)?,
            runtime: cli.runtime.settings()?,
            pod: PodInfo {
                node_name: cli.node_name,
                pod_ip: cli.pod_ip,
                pod_name: cli.pod_name,
                namespace: cli.pod_namespace,
                service_account: cli.pod_service_account,
            },
        })
    }
}

/// The postgres target for logs: user, hosts, port and database, with the password replaced.
pub fn redacted_target(db: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = db
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = db.get_ports().first().copied().unwrap_or(5432);
    let password = if db.get_password().is_some() { ":****" } else { "" };
    format!(
        "postgres://{}{}@{}:{}/{}",
        db.get_user().unwrap_or(""),
        password,
        hosts.join(","),
        port,
        db.get_dbname().unwrap_or("")
    )
}

fn parse_sslmode(value: &str) -> Result<tokio_postgres::config::SslMode, ConfigError> {
    use tokio_postgres::config::SslMode;
    match value {
        "disable" => Ok(SslMode::Disable),
        "prefer" | "allow" => Ok(SslMode::Prefer),
        _ => Err(ConfigError::invalid(
            "DB_SSLMODE",
            value,
            "expected disable or prefer (this build has no TLS to postgres)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["go-web"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("flags parse")
    }

    /// A non-numeric DB_PORT is rejected with the setting and value named.
    #[test]
    fn bad_port_names_setting_and_value() {
        let err = Config::from_cli(cli(&["--db-port", "abc"])).err().expect("must fail");
        assert_eq!(err.to_string(), "invalid DB_PORT \"abc\": expected a TCP port number between 1 and 65535");
    }

    /// The logged target never carries the password.
    #[test]
    fn redacted_target_hides_password() {
        let config =
            Config::from_cli(cli(&["--db-host", "postgres", "--db-password", "mysecretpassword"])).expect("valid");
        let shown = redacted_target(&config.db);
        assert_eq!(shown, "postgres://postgres:****@postgres:5432/postgres");
        assert!(!format!("{:?}", config.db).contains("mysecretpassword"));
    }

    /// A bad DATABASE_URL is reported without echoing it.
    #[test]
    fn bad_database_url_is_not_echoed() {
        let err =
            Config::from_cli(cli(&["--database-url", "postgres://u:hunter2@h:notaport/db"])).err().expect("must fail");
        assert!(err.to_string().starts_with("invalid DATABASE_URL"));
        assert!(!err.to_string().contains("hunter2"));
    }

    /// A pool of zero connections could never serve /data, so it is refused.
    #[test]
    fn zero_pool_size_is_rejected() {
        let err = Config::from_cli(cli(&["--db-pool-size", "0"])).err().expect("must fail");
        assert!(err.to_string().contains("DB_POOL_SIZE"));
    }
}
