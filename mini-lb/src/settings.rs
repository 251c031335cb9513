//! The command line of `mini-lb`: `controller`, `speaker` and `crdgen`, each flag with an environment
//! fallback. MetalLB's own flags and variables are accepted where they mean the same thing (`--port`,
//! `--config`, `--lb-class`, `--ignore-exclude-lb`, `METALLB_NODE_NAME`, `METALLB_ML_BIND_ADDR`,
//! `METALLB_ML_BIND_PORT`, `METALLB_ML_LABELS`, `METALLB_ML_NAMESPACE`, `METALLB_ML_SECRET_KEY`,
//! `METALLB_ML_SECRET_KEY_PATH`), so the lab's manifest runs unchanged. Values are checked once, into
//! [`Settings`]; a bad one is one line and exit code 64.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use cluster_state::SourceArgs;
use regex::Regex;
use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

use crate::allocate::LbClass;
use crate::config::ConfigLocation;
use crate::link::interfaces::DEFAULT_EXCLUDED;
use crate::members::{GossipTimers, SecretKey};

/// memberlist's port, which MetalLB's speakers gossip on.
pub const GOSSIP_PORT: u16 = 7946;

/// `mini-lb`.
#[derive(Debug, Parser)]
#[command(name = "mini-lb", version, about = "A MetalLB-compatible layer-2 LoadBalancer: controller, speaker, crdgen")]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Allocate LoadBalancer addresses from pools and write them into Service statuses (a Deployment).
    #[command(mut_arg("admin_addr", |a| a.default_value("0.0.0.0:7472")))]
    Controller(Box<ControllerArgs>),
    /// Elect one node per address and answer ARP/NDP for it there (a DaemonSet with host networking).
    #[command(mut_arg("admin_addr", |a| a.default_value("0.0.0.0:7472")))]
    Speaker(Box<SpeakerArgs>),
    /// Print the CustomResourceDefinitions of MetalLB's resources as YAML.
    Crdgen,
}

/// What both programs share.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// MetalLB's namespace: pools, advertisements and the legacy ConfigMap are read there.
    #[arg(long, env = "METALLB_NAMESPACE", default_value = "metallb-system")]
    pub namespace: String,
    /// The legacy ConfigMap holding `address-pools` (MetalLB ≤ 0.12's `--config`).
    #[arg(long = "config", env = "METALLB_CONFIGMAP", default_value = "config")]
    pub configmap: String,
    /// Handle only Services of this spec.loadBalancerClass (without it: only Services with none).
    #[arg(long = "lb-class", env = "METALLB_LB_CLASS")]
    pub lb_class: Option<String>,
    /// The admin port (MetalLB's `--port`); overrides the port of --admin-addr.
    #[arg(long, env = "METALLB_PORT")]
    pub port: Option<String>,
    /// Where the cluster state comes from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Admin address (default :7472, MetalLB's monitoring port), logs, the drain.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// `mini-lb controller`.
#[derive(Debug, Args)]
pub struct ControllerArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `mini-lb speaker`.
#[derive(Debug, Args)]
pub struct SpeakerArgs {
    /// The node this speaker runs on (spec.nodeName); the name it gossips and is elected under.
    #[arg(long = "node-name", env = "METALLB_NODE_NAME")]
    pub node_name: Option<String>,
    /// Gossip address, ADDR or ADDR:PORT (port 7946 by default); without it gossip is off and liveness
    /// comes from the Nodes' Ready condition.
    #[arg(long = "bind", env = "METALLB_ML_BIND_ADDR")]
    pub bind: Option<String>,
    /// Gossip port when --bind has none.
    #[arg(long = "bind-port", env = "METALLB_ML_BIND_PORT", default_value = "7946")]
    pub bind_port: String,
    /// A speaker to join, ADDR:PORT (repeatable, or comma separated).
    #[arg(long = "join", env = "METALLB_ML_JOIN", value_delimiter = ',')]
    pub join: Vec<String>,
    /// Label selector of the speaker Pods, whose IPs are joined when reading the Kubernetes API.
    #[arg(long = "ml-labels", env = "METALLB_ML_LABELS", default_value = "app=metallb,component=speaker")]
    pub ml_labels: String,
    /// Namespace of the speaker Pods (default: --namespace).
    #[arg(long = "ml-namespace", env = "METALLB_ML_NAMESPACE")]
    pub ml_namespace: Option<String>,
    /// Pre-shared key that encrypts and authenticates gossip (the lab's `memberlist` secret).
    #[arg(long = "secret-key", env = "METALLB_ML_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// A file holding the pre-shared key.
    #[arg(long = "secret-key-path", env = "METALLB_ML_SECRET_KEY_PATH")]
    pub secret_key_path: Option<PathBuf>,
    /// How often each speaker probes another.
    #[arg(long = "probe-interval", env = "PROBE_INTERVAL", default_value = "100ms")]
    pub probe_interval: String,
    /// How long a probe waits for its direct answer before asking others to probe.
    #[arg(long = "probe-timeout", env = "PROBE_TIMEOUT", default_value = "40ms")]
    pub probe_timeout: String,
    /// How long a suspected speaker has to refute before it is declared dead.
    #[arg(long = "suspicion-timeout", env = "SUSPICION_TIMEOUT", default_value = "250ms")]
    pub suspicion_timeout: String,
    /// Announce nodes labelled node.kubernetes.io/exclude-from-external-load-balancers too.
    #[arg(long = "ignore-exclude-lb", env = "METALLB_IGNORE_EXCLUDE_LB")]
    pub ignore_exclude_lb: bool,
    /// Interfaces never announced from, as regular expressions (MetalLB's excludel2 list by default).
    #[arg(long = "exclude-interfaces", env = "EXCLUDE_INTERFACES", value_delimiter = ',')]
    pub exclude_interfaces: Option<Vec<String>>,
    /// Re-announce owned addresses this often after the takeover rounds (0: never, MetalLB's behaviour).
    #[arg(long = "garp-refresh", env = "GARP_REFRESH", default_value = "0s")]
    pub garp_refresh: String,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What a subcommand runs with, checked.
#[derive(Clone, Debug)]
pub enum Settings {
    /// The controller.
    Controller(Box<ControllerSettings>),
    /// A speaker.
    Speaker(Box<SpeakerSettings>),
    /// Print the CRDs.
    Crdgen(RuntimeSettings),
}

/// Both programs' checked shared settings.
#[derive(Clone, Debug)]
pub struct CommonSettings {
    /// Where the configuration is.
    pub location: ConfigLocation,
    /// Which Services are ours.
    pub lb_class: LbClass,
    /// Where cluster state comes from.
    pub source: SourceArgs,
    /// Admin address, logs, drain.
    pub runtime: RuntimeSettings,
}

/// The controller's settings.
#[derive(Clone, Debug)]
pub struct ControllerSettings {
    /// Shared settings.
    pub common: CommonSettings,
}

/// A speaker's settings.
#[derive(Clone, Debug)]
pub struct SpeakerSettings {
    /// This node.
    pub node_name: String,
    /// Gossip, when on.
    pub gossip: Option<GossipSettings>,
    /// `--ignore-exclude-lb`.
    pub ignore_exclude_lb: bool,
    /// Interfaces never announced from.
    pub exclude: Regex,
    /// Periodic re-announcement.
    pub garp_refresh: Option<Duration>,
    /// Shared settings.
    pub common: CommonSettings,
}

/// How a speaker gossips.
#[derive(Clone, Debug)]
pub struct GossipSettings {
    /// Where it listens (UDP).
    pub bind: SocketAddr,
    /// Who it joins.
    pub join: Vec<SocketAddr>,
    /// Label selector and namespace of speaker Pods to join (API mode).
    pub pods: (String, String),
    /// The pre-shared key, if any.
    pub key: Option<SecretKey>,
    /// Probe and suspicion timers.
    pub timers: GossipTimers,
}

impl AsRef<RuntimeSettings> for Settings {
    fn as_ref(&self) -> &RuntimeSettings {
        match self {
            Settings::Controller(c) => &c.common.runtime,
            Settings::Speaker(s) => &s.common.runtime,
            Settings::Crdgen(runtime) => runtime,
        }
    }
}

impl Settings {
    /// Checks every setting; the first bad one is reported.
    pub fn from_cli(cli: Cli) -> Result<Settings, ConfigError> {
        match cli.command {
            Command::Controller(args) => {
                Ok(Settings::Controller(Box::new(ControllerSettings { common: common(args.common)? })))
            }
            Command::Speaker(args) => speaker(*args).map(|s| Settings::Speaker(Box::new(s))),
            Command::Crdgen => quiet_runtime().map(Settings::Crdgen),
        }
    }
}

/// The shared settings `crdgen` runs with: the defaults, but only warnings logged, since logs go to
/// stdout beside the YAML. Parsed rather than built, so new shared settings keep their defaults.
fn quiet_runtime() -> Result<RuntimeSettings, ConfigError> {
    #[derive(Parser)]
    struct Quiet {
        #[command(flatten)]
        runtime: RuntimeArgs,
    }
    let quiet = Quiet::try_parse_from(["mini-lb", "--log", "warn", "--shutdown-grace", "1s"])
        .map_err(|e| ConfigError::Usage(e.to_string()))?;
    quiet.runtime.settings()
}

fn common(args: CommonArgs) -> Result<CommonSettings, ConfigError> {
    let mut runtime = args.runtime.settings()?;
    if let Some(port) = &args.port {
        runtime.admin_addr.set_port(values::port("METALLB_PORT", port)?);
    }
    if args.namespace.trim().is_empty() {
        return Err(ConfigError::invalid("METALLB_NAMESPACE", &args.namespace, "expected a namespace name"));
    }
    Ok(CommonSettings {
        location: ConfigLocation { namespace: args.namespace, configmap: args.configmap },
        lb_class: LbClass(args.lb_class.filter(|c| !c.is_empty())),
        source: args.source,
        runtime,
    })
}

fn speaker(args: SpeakerArgs) -> Result<SpeakerSettings, ConfigError> {
    let node_name = args.node_name.clone().filter(|n| !n.trim().is_empty()).ok_or_else(|| {
        ConfigError::invalid("METALLB_NODE_NAME", "", "expected this node's name (--node-name or METALLB_NODE_NAME)")
    })?;
    let patterns =
        args.exclude_interfaces.clone().unwrap_or_else(|| DEFAULT_EXCLUDED.iter().map(|p| p.to_string()).collect());
    let joined = patterns.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join("|");
    let exclude = Regex::new(if joined.is_empty() { "$^" } else { &joined })
        .map_err(|e| ConfigError::invalid("EXCLUDE_INTERFACES", &joined, format!("not a regular expression: {e}")))?;
    let refresh = values::duration_or_zero("GARP_REFRESH", &args.garp_refresh)?;
    let gossip = gossip(&args)?;
    Ok(SpeakerSettings {
        node_name,
        gossip,
        ignore_exclude_lb: args.ignore_exclude_lb,
        exclude,
        garp_refresh: (!refresh.is_zero()).then_some(refresh),
        common: common(args.common)?,
    })
}

fn gossip(args: &SpeakerArgs) -> Result<Option<GossipSettings>, ConfigError> {
    let Some(bind) = args.bind.as_deref().filter(|b| !b.trim().is_empty()) else { return Ok(None) };
    let port = values::port("METALLB_ML_BIND_PORT", &args.bind_port)?;
    let bind = match bind.trim().parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(_) => values::socket_addr("METALLB_ML_BIND_ADDR", bind)?,
    };
    let join = args
        .join
        .iter()
        .filter(|j| !j.trim().is_empty())
        .map(|j| match j.trim().parse::<IpAddr>() {
            Ok(ip) => Ok(SocketAddr::new(ip, port)),
            Err(_) => values::socket_addr("METALLB_ML_JOIN", j),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let key = match (&args.secret_key, &args.secret_key_path) {
        (Some(secret), _) if !secret.is_empty() => Some(SecretKey::from_secret(secret.as_bytes())),
        (_, Some(path)) => {
            let secret = std::fs::read(path).map_err(|e| ConfigError::Secret {
                setting: "METALLB_ML_SECRET_KEY_PATH",
                reason: format!("cannot read {}: {e}", path.display()),
                expected: "expected a readable file holding the memberlist secret",
            })?;
            Some(SecretKey::from_secret(&secret))
        }
        _ => None,
    };
    let timers = GossipTimers {
        probe_interval: values::duration("PROBE_INTERVAL", &args.probe_interval)?,
        probe_timeout: values::duration("PROBE_TIMEOUT", &args.probe_timeout)?,
        suspicion: values::duration("SUSPICION_TIMEOUT", &args.suspicion_timeout)?,
    };
    if timers.probe_timeout >= timers.probe_interval {
        return Err(ConfigError::invalid("PROBE_TIMEOUT", &args.probe_timeout, "expected less than PROBE_INTERVAL"));
    }
    let namespace = args.ml_namespace.clone().unwrap_or_else(|| args.common.namespace.clone());
    Ok(Some(GossipSettings { bind, join, pods: (args.ml_labels.clone(), namespace), key, timers }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, String> {
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        Settings::from_cli(cli).map_err(|e| e.to_string())
    }

    /// The lab's manifest arguments (`--port=7472 --config=config`) and defaults work for the controller.
    #[test]
    fn lab_controller_arguments() {
        let Ok(Settings::Controller(c)) = parse(&["mini-lb", "controller", "--port=7472", "--config=config"]) else {
            panic!("the lab's arguments parse");
        };
        assert_eq!(c.common.runtime.admin_addr.to_string(), "0.0.0.0:7472");
        assert_eq!(
            c.common.location,
            ConfigLocation { namespace: "metallb-system".into(), configmap: "config".into() }
        );
        assert_eq!(c.common.lb_class, LbClass(None));
    }

    /// A speaker needs its node name; --bind turns gossip on with port 7946 by default.
    #[test]
    fn speaker_arguments() {
        assert!(parse(&["mini-lb", "speaker"]).expect_err("no node").contains("METALLB_NODE_NAME"));
        let Ok(Settings::Speaker(s)) = parse(&[
            "mini-lb",
            "speaker",
            "--node-name",
            "n1",
            "--bind",
            "10.0.0.1",
            "--join",
            "10.0.0.2:7000",
            "--join",
            "10.0.0.3",
        ]) else {
            panic!("valid");
        };
        let gossip = s.gossip.expect("gossip on");
        assert_eq!(gossip.bind.to_string(), "10.0.0.1:7946");
        assert_eq!(gossip.join, ["10.0.0.2:7000".parse().expect("addr"), "10.0.0.3:7946".parse().expect("addr")]);
        assert!(s.exclude.is_match("veth1234") && s.exclude.is_match("lo") && !s.exclude.is_match("eth0"));
        let Ok(Settings::Speaker(off)) = parse(&["mini-lb", "speaker", "--node-name", "n1"]) else { panic!("valid") };
        assert!(off.gossip.is_none());
    }

    /// Bad values name their setting.
    #[test]
    fn bad_values() {
        let error = parse(&["mini-lb", "speaker", "--node-name", "n", "--bind", "10.0.0.1", "--probe-timeout", "1s"])
            .expect_err("slow probe");
        assert!(error.starts_with("invalid PROBE_TIMEOUT"), "{error}");
        assert!(
            parse(&["mini-lb", "controller", "--port", "0"]).expect_err("port").starts_with("invalid METALLB_PORT")
        );
        let error = parse(&["mini-lb", "speaker", "--node-name", "n", "--exclude-interfaces", "("]).expect_err("regex");
        assert!(error.starts_with("invalid EXCLUDE_INTERFACES"), "{error}");
    }
}
