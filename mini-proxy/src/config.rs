//! `mini-proxy run`'s settings. Flags fall back to the environment variables Linkerd's injector sets on
//! its proxy (`LINKERD2_PROXY_*`) where ours mean the same thing, so an injected pod configures either
//! proxy the same way; the values stay strings until [`RunConfig::from_args`] checks them.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cluster_state::SourceArgs;
use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

use crate::identity::client::{ServiceSettings, ServiceSource};
use crate::identity::{Identity, IdentitySource};
use crate::policy::{DefaultPolicy, InboundPolicy};

/// Linkerd's default opaque ports: SMTP, MySQL, Galera, Postgres, Redis, Elasticsearch, Memcached.
pub const DEFAULT_OPAQUE_PORTS: &str = "25,587,3306,4444,5432,6379,9300,11211";

/// The flags of `mini-proxy run`.
#[derive(Clone, Debug, clap::Args)]
#[command(mut_arg("admin_addr", |a| a.default_value("0.0.0.0:4191").env("LINKERD2_PROXY_ADMIN_LISTEN_ADDR")))]
#[command(mut_arg("shutdown_grace", |a| a.default_value("120s").env("LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD")))]
#[command(mut_arg("worker_threads", |a| a.default_value("1").env("LINKERD2_PROXY_CORES")))]
pub struct RunArgs {
    /// Where redirected inbound connections arrive.
    #[arg(long, env = "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", default_value = "0.0.0.0:4143")]
    pub inbound_addr: String,
    /// Where redirected outbound connections arrive (loopback only).
    #[arg(long, env = "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", default_value = "127.0.0.1:4140")]
    pub outbound_addr: String,
    /// The directory holding tls.crt, tls.key and (unless given inline) ca.crt; reloaded on change.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_DIR", default_value = "/var/run/linkerd/identity/end-entity")]
    pub identity_dir: PathBuf,
    /// This proxy's identity; the certificate must name it. Default: whatever the certificate names.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_LOCAL_NAME")]
    pub identity: Option<String>,
    /// The trust anchors as PEM text, instead of the directory's ca.crt.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", hide_env_values = true)]
    pub trust_anchors: Option<String>,
    /// The trust domain peers' identities are named in.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_TRUST_DOMAIN", default_value = "cluster.local")]
    pub trust_domain: String,
    /// The identity service, HOST:PORT: when set, the proxy makes its key and CSR and certifies there
    /// instead of reading certificates from the identity directory.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_SVC_ADDR")]
    pub identity_svc_addr: Option<String>,
    /// The identity the identity service's certificate names.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_SVC_NAME")]
    pub identity_svc_name: Option<String>,
    /// The ServiceAccount token sent with every certify, re-read each time.
    #[arg(long, env = "LINKERD2_PROXY_IDENTITY_TOKEN_FILE")]
    pub identity_token_file: Option<PathBuf>,
    /// Inbound policy for ports without their own: all-unauthenticated, all-authenticated or deny.
    #[arg(long, env = "LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", default_value = "all-unauthenticated")]
    pub default_policy: String,
    /// Per-port inbound policies, `PORT=POLICY,...` (for example `8080=all-authenticated`).
    #[arg(long, env = "MINI_PROXY_INBOUND_PORT_POLICIES", default_value = "")]
    pub port_policies: String,
    /// Inbound ports whose traffic is forwarded without protocol detection.
    #[arg(long, env = "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", default_value = DEFAULT_OPAQUE_PORTS)]
    pub inbound_opaque_ports: String,
    /// Outbound destination ports forwarded without protocol detection.
    #[arg(long, env = "MINI_PROXY_OUTBOUND_OPAQUE_PORTS", default_value = DEFAULT_OPAQUE_PORTS)]
    pub outbound_opaque_ports: String,
    /// How long to wait for a client's first bytes before treating the connection as opaque.
    #[arg(long, env = "LINKERD2_PROXY_DETECT_TIMEOUT", default_value = "10s")]
    pub detect_timeout: String,
    /// How long connecting to the local app may take.
    #[arg(long, env = "LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", default_value = "100ms")]
    pub inbound_connect_timeout: String,
    /// How long connecting to a peer (TCP and TLS) may take.
    #[arg(long, env = "LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", default_value = "1s")]
    pub outbound_connect_timeout: String,
    /// How long response headers may take, per request (0: no limit, Linkerd's default).
    #[arg(long, env = "MINI_PROXY_RESPONSE_TIMEOUT", default_value = "0")]
    pub response_timeout: String,
    /// Where Pods, Services and EndpointSlices come from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Admin address (default :4191), logs, the drain (default grace 120 s, Linkerd's), threads (default
    /// one, as a sidecar's CPU share is usually a core or less).
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Checked settings.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Inbound listener.
    pub inbound_addr: SocketAddr,
    /// Outbound listener.
    pub outbound_addr: SocketAddr,
    /// Where the credentials come from.
    pub identity: IdentitySource,
    /// The identity service to certify with instead, when configured.
    pub certify: Option<ServiceSource>,
    /// Trust domain for peers' identities.
    pub trust_domain: String,
    /// Inbound policy.
    pub policy: InboundPolicy,
    /// Inbound opaque ports.
    pub inbound_opaque_ports: HashSet<u16>,
    /// Outbound opaque ports.
    pub outbound_opaque_ports: HashSet<u16>,
    /// Detection timeout.
    pub detect_timeout: Duration,
    /// Connect timeout to the app.
    pub inbound_connect_timeout: Duration,
    /// Connect timeout to peers.
    pub outbound_connect_timeout: Duration,
    /// Response timeout (zero: none).
    pub response_timeout: Duration,
    /// The cluster-state source flags.
    pub source: SourceArgs,
    /// Admin address, logs, drain.
    pub runtime: RuntimeSettings,
}

impl AsRef<RuntimeSettings> for RunConfig {
    fn as_ref(&self) -> &RuntimeSettings {
        &self.runtime
    }
}

impl RunConfig {
    /// Checks every setting; the first bad one is reported.
    pub fn from_args(args: RunArgs) -> Result<RunConfig, ConfigError> {
        let expected = match &args.identity {
            Some(name) => Some(
                Identity::parse(name)
                    .map_err(|e| ConfigError::invalid("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", name, e.reason))?,
            ),
            None => None,
        };
        Identity::parse(&args.trust_domain)
            .map_err(|e| ConfigError::invalid("LINKERD2_PROXY_IDENTITY_TRUST_DOMAIN", &args.trust_domain, e.reason))?;
        let certify = match args.identity_svc_addr.as_deref().filter(|addr| !addr.is_empty()) {
            Some(addr) => Some(ServiceSource::check(ServiceSettings {
                addr,
                name: args.identity_svc_name.as_deref(),
                token_file: args.identity_token_file.as_deref(),
                identity: expected.as_ref(),
                roots_pem: args.trust_anchors.as_deref(),
                dir: &args.identity_dir,
            })?),
            None => None,
        };
        let default = args.default_policy.parse::<DefaultPolicy>().map_err(|_| {
            ConfigError::invalid("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", &args.default_policy, POLICY_CHOICES)
        })?;
        Ok(RunConfig {
            inbound_addr: values::socket_addr("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", &args.inbound_addr)?,
            outbound_addr: values::socket_addr("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", &args.outbound_addr)?,
            identity: IdentitySource { dir: args.identity_dir, expected, roots_pem: args.trust_anchors },
            certify,
            trust_domain: args.trust_domain.to_ascii_lowercase(),
            policy: InboundPolicy { default, ports: port_policies(&args.port_policies)? },
            inbound_opaque_ports: port_list(
                "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION",
                &args.inbound_opaque_ports,
            )?,
            outbound_opaque_ports: port_list("MINI_PROXY_OUTBOUND_OPAQUE_PORTS", &args.outbound_opaque_ports)?,
            detect_timeout: values::duration("LINKERD2_PROXY_DETECT_TIMEOUT", &args.detect_timeout)?,
            inbound_connect_timeout: values::duration(
                "LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT",
                &args.inbound_connect_timeout,
            )?,
            outbound_connect_timeout: values::duration(
                "LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT",
                &args.outbound_connect_timeout,
            )?,
            response_timeout: values::duration_or_zero("MINI_PROXY_RESPONSE_TIMEOUT", &args.response_timeout)?,
            source: args.source,
            runtime: args.runtime.settings()?,
        })
    }
}

const POLICY_CHOICES: &str = "expected all-unauthenticated, all-authenticated or deny";

/// Parses `25,587,4000-4010`: ports and inclusive ranges, commas between.
pub fn port_list(setting: &'static str, text: &str) -> Result<HashSet<u16>, ConfigError> {
    let mut ports = HashSet::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let bad = || ConfigError::invalid(setting, item, "expected ports or ranges such as 25,587,4000-4010");
        match item.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (values::port(setting, low.trim())?, values::port(setting, high.trim())?);
                if low > high {
                    return Err(bad());
                }
                ports.extend(low..=high);
            }
            None => {
                ports.insert(values::port(setting, item).map_err(|_| bad())?);
            }
        }
    }
    Ok(ports)
}

fn port_policies(text: &str) -> Result<HashMap<u16, DefaultPolicy>, ConfigError> {
    const SETTING: &str = "MINI_PROXY_INBOUND_PORT_POLICIES";
    let mut policies = HashMap::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((port, policy)) = item.split_once('=') else {
            return Err(ConfigError::invalid(SETTING, item, "expected PORT=POLICY, such as 8080=all-authenticated"));
        };
        let port = values::port(SETTING, port.trim())?;
        let policy =
            policy.parse::<DefaultPolicy>().map_err(|_| ConfigError::invalid(SETTING, item, POLICY_CHOICES))?;
        policies.insert(port, policy);
    }
    Ok(policies)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        run: RunArgs,
    }

    fn parse(args: &[&str]) -> Result<RunConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("mini-proxy").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        RunConfig::from_args(cli.run).map_err(|e| e.to_string())
    }

    /// Linkerd's ports, opaque ports and policy by default.
    #[test]
    fn defaults() {
        let config = parse(&[]).expect("defaults");
        assert_eq!(config.inbound_addr, "0.0.0.0:4143".parse().expect("addr"));
        assert_eq!(config.outbound_addr, "127.0.0.1:4140".parse().expect("addr"));
        assert_eq!(config.runtime.admin_addr, "0.0.0.0:4191".parse().expect("addr"));
        assert_eq!(config.runtime.drain.grace, Duration::from_secs(120));
        let mut opaque: Vec<u16> = config.inbound_opaque_ports.into_iter().collect();
        opaque.sort_unstable();
        assert_eq!(opaque, [25, 587, 3306, 4444, 5432, 6379, 9300, 11211]);
        assert_eq!(config.policy.default, DefaultPolicy::AllUnauthenticated);
        assert_eq!(config.response_timeout, Duration::ZERO);
    }

    /// Per-port policies and port ranges parse; bad values are named with the setting.
    #[test]
    fn lists_and_errors() {
        let config =
            parse(&["--port-policies", "8080=all-authenticated, 9090=deny", "--inbound-opaque-ports", "7000-7002"])
                .expect("valid");
        assert_eq!(config.policy.for_port(8080), DefaultPolicy::AllAuthenticated);
        assert_eq!(config.policy.for_port(9090), DefaultPolicy::Deny);
        assert_eq!(config.inbound_opaque_ports.len(), 3);
        for (args, expected) in [
            (&["--default-policy", "open"][..], "invalid LINKERD2_PROXY_INBOUND_DEFAULT_POLICY \"open\""),
            (&["--port-policies", "8080"][..], "invalid MINI_PROXY_INBOUND_PORT_POLICIES \"8080\""),
            (
                &["--inbound-opaque-ports", "5-2"][..],
                "invalid LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION \"5-2\"",
            ),
            (&["--identity", "not an id"][..], "invalid LINKERD2_PROXY_IDENTITY_LOCAL_NAME \"not an id\""),
        ] {
            let error = parse(args).err().unwrap_or_default();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
