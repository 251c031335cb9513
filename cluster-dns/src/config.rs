//! Configuration: flags with environment fallbacks, defaults as kubeadm's CoreDNS Corefile sets them
//! (zone `cluster.local`, TTL 30, `pods insecure`, `cache 30`, `forward . /etc/resolv.conf
//! { max_concurrent 1000 }`, `loadbalance`, `loop`), checked once at start.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use cluster_state::SourceArgs;
use hickory_proto::rr::Name;
use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

use crate::answer::lookup::PodMode;
use crate::upstream::resolv;

/// Command-line flags; each falls back to the environment variable named in `--help`.
#[derive(Debug, Parser)]
#[command(
    name = "cluster-dns",
    version,
    about = "The lab's cluster DNS: Kubernetes DNS-Based Service Discovery as CoreDNS's kubernetes plugin serves it",
    mut_arg("admin_addr", |a| a.default_value("0.0.0.0:9153"))
)]
pub struct Cli {
    /// Address the DNS server listens on, UDP and TCP.
    #[arg(long, env = "LISTEN_ADDR", default_value = "0.0.0.0:53")]
    pub listen: String,
    /// The cluster domain.
    #[arg(long, env = "CLUSTER_DOMAIN", default_value = "cluster.local")]
    pub zone: String,
    /// TTL of cluster records, in seconds (0..=3600).
    #[arg(long, env = "DNS_TTL", default_value = "30")]
    pub ttl: String,
    /// Upstream resolver for names outside the cluster (IP or IP:PORT, repeatable); default: the
    /// nameservers of --resolv-conf.
    #[arg(long = "upstream", env = "UPSTREAMS", value_delimiter = ',')]
    pub upstreams: Vec<String>,
    /// The resolv.conf whose nameservers are the upstream when no --upstream is given.
    #[arg(long, env = "RESOLV_CONF", default_value = "/etc/resolv.conf")]
    pub resolv_conf: PathBuf,
    /// How `<dashed-ip>.<namespace>.pod.<zone>` names are answered: disabled, insecure or verified.
    #[arg(long, env = "PODS_MODE", default_value = "insecure")]
    pub pods: String,
    /// This server's own pod IP, to find the Service fronting it for the NS record's glue.
    #[arg(long, env = "MY_POD_IP")]
    pub pod_ip: Option<String>,
    /// Most entries in each half (success, denial) of the upstream answer cache; 0 turns it off.
    #[arg(long, env = "CACHE_SIZE", default_value = "9984")]
    pub cache_size: String,
    /// Longest an upstream answer is cached.
    #[arg(long, env = "CACHE_TTL", default_value = "30s")]
    pub cache_ttl: String,
    /// UDP payload size advertised in EDNS and kept to in responses (512..=4096).
    #[arg(long, env = "EDNS_UDP_SIZE", default_value = "1232")]
    pub edns_udp_size: String,
    /// Most exchanges with the upstream at once; more are refused.
    #[arg(long, env = "MAX_CONCURRENT_FORWARDS", default_value = "1000")]
    pub max_concurrent: String,
    /// Shuffle address records in responses (CoreDNS's loadbalance).
    #[arg(long, env = "LOADBALANCE", default_value = "true")]
    pub loadbalance: String,
    /// Refuse to run when queries sent upstream come back here (CoreDNS's loop).
    #[arg(long, env = "LOOP_CHECK", default_value = "true")]
    pub loop_check: String,
    /// Tasks reading the UDP socket; default one per CPU.
    #[arg(long, env = "UDP_WORKERS")]
    pub udp_workers: Option<String>,
    /// Most TCP connections served at once.
    #[arg(long, env = "MAX_TCP_CONNECTIONS", default_value = "1000")]
    pub max_tcp_connections: String,
    /// How long a TCP connection may go without a complete query.
    #[arg(long, env = "TCP_IDLE_TIMEOUT", default_value = "10s")]
    pub tcp_idle_timeout: String,
    /// Where the cluster state comes from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// What every server shares: admin address (default :9153, CoreDNS's metrics port), logs, the drain.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Checked settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// DNS listen address (UDP and TCP).
    pub listen: SocketAddr,
    /// The cluster domain, fully qualified, lower case.
    pub zone: Name,
    /// TTL of cluster records.
    pub ttl: u32,
    /// The upstream resolvers.
    pub upstreams: Vec<SocketAddr>,
    /// Pod name mode.
    pub pods: PodMode,
    /// This server's own IPs.
    pub own_ips: Vec<IpAddr>,
    /// Cache entries per half.
    pub cache_size: usize,
    /// Longest cache lifetime.
    pub cache_ttl: Duration,
    /// EDNS UDP size.
    pub edns_udp_size: u16,
    /// Forwarding concurrency.
    pub max_concurrent: usize,
    /// Address shuffling.
    pub loadbalance: bool,
    /// Start-up loop check.
    pub loop_check: bool,
    /// UDP reader tasks.
    pub udp_workers: usize,
    /// TCP connection cap.
    pub max_tcp_connections: usize,
    /// TCP idle timeout.
    pub tcp_idle_timeout: Duration,
    /// Cluster-state source flags.
    pub source: SourceArgs,
    /// Admin address, logs and the drain.
    pub runtime: RuntimeSettings,
}

impl AsRef<RuntimeSettings> for Config {
    fn as_ref(&self) -> &RuntimeSettings {
        &self.runtime
    }
}

impl Config {
    /// Checks every setting; the first bad one is reported.
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        let zone =
            Name::from_ascii(format!("{}.", cli.zone.trim_end_matches('.'))).ok().filter(|z| !z.is_root()).ok_or_else(
                || ConfigError::invalid("CLUSTER_DOMAIN", &cli.zone, "expected a domain such as cluster.local"),
            )?;
        let ttl = match cli.ttl.trim().parse::<u32>() {
            Ok(ttl) if ttl <= 3600 => ttl,
            _ => {
                return Err(ConfigError::invalid(
                    "DNS_TTL",
                    &cli.ttl,
                    "expected a whole number of seconds from 0 to 3600",
                ));
            }
        };
        let edns_udp_size = match cli.edns_udp_size.trim().parse::<u16>() {
            Ok(size) if (512..=4096).contains(&size) => size,
            _ => {
                return Err(ConfigError::invalid(
                    "EDNS_UDP_SIZE",
                    &cli.edns_udp_size,
                    "expected a size from 512 to 4096 bytes",
                ));
            }
        };
        if let Some(path) = &cli.source.from_file
            && std::fs::metadata(path).is_err()
        {
            let shown = path.display().to_string();
            return Err(ConfigError::invalid(
                "CLUSTER_STATE_FILE",
                &shown,
                "expected a readable file of Kubernetes objects (kubectl get ... -o yaml)",
            ));
        }
        Ok(Config {
            listen: values::socket_addr("LISTEN_ADDR", &cli.listen)?,
            zone: zone.to_lowercase(),
            ttl,
            upstreams: upstreams(&cli.upstreams, &cli.resolv_conf)?,
            pods: pod_mode(&cli.pods)?,
            own_ips: match &cli.pod_ip {
                Some(ip) if !ip.is_empty() => {
                    vec![ip.parse().map_err(|_| ConfigError::invalid("MY_POD_IP", ip, "expected an IP address"))?]
                }
                _ => Vec::new(),
            },
            cache_size: count_or_zero("CACHE_SIZE", &cli.cache_size)?,
            cache_ttl: values::duration("CACHE_TTL", &cli.cache_ttl)?,
            edns_udp_size,
            max_concurrent: values::count("MAX_CONCURRENT_FORWARDS", &cli.max_concurrent)?,
            loadbalance: values::switch("LOADBALANCE", &cli.loadbalance)?,
            loop_check: values::switch("LOOP_CHECK", &cli.loop_check)?,
            udp_workers: match &cli.udp_workers {
                Some(workers) => values::count("UDP_WORKERS", workers)?,
                None => std::thread::available_parallelism().map_or(1, usize::from),
            },
            max_tcp_connections: values::count("MAX_TCP_CONNECTIONS", &cli.max_tcp_connections)?,
            tcp_idle_timeout: values::duration("TCP_IDLE_TIMEOUT", &cli.tcp_idle_timeout)?,
            source: cli.source,
            runtime: cli.runtime.settings()?,
        })
    }
}

fn pod_mode(value: &str) -> Result<PodMode, ConfigError> {
    match value.trim() {
        "disabled" => Ok(PodMode::Disabled),
        "insecure" => Ok(PodMode::Insecure),
        "verified" => Ok(PodMode::Verified),
        _ => Err(ConfigError::invalid("PODS_MODE", value, "expected disabled, insecure or verified")),
    }
}

fn count_or_zero(setting: &'static str, value: &str) -> Result<usize, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::invalid(setting, value, "expected a whole number (0 turns it off)"))
}

/// `--upstream` values (an IP means port 53), or else the resolv.conf's nameservers.
fn upstreams(given: &[String], resolv_conf: &std::path::Path) -> Result<Vec<SocketAddr>, ConfigError> {
    if given.is_empty() {
        let shown = resolv_conf.display().to_string();
        return resolv::read(resolv_conf).map_err(|e| ConfigError::invalid("RESOLV_CONF", &shown, e.to_string()));
    }
    given
        .iter()
        .map(|value| {
            let value = value.trim();
            value.parse::<SocketAddr>().or_else(|_| value.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53))).map_err(
                |_| {
                    ConfigError::invalid(
                        "UPSTREAMS",
                        value,
                        "expected IP or IP:PORT, for example 10.96.0.10 or 127.0.0.1:5353",
                    )
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let mut all = vec!["cluster-dns", "--resolv-conf", "/dev/null"];
        all.extend_from_slice(args);
        let cli = Cli::try_parse_from(all).map_err(|e| e.to_string())?;
        Config::from_cli(cli).map_err(|e| e.to_string())
    }

    /// kubeadm's defaults: cluster.local, TTL 30, pods insecure, admin on CoreDNS's metrics port.
    #[test]
    fn kubeadm_defaults() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.zone.to_string(), "cluster.local.");
        assert_eq!(config.ttl, 30);
        assert_eq!(config.pods, PodMode::Insecure);
        assert_eq!(config.listen.to_string(), "0.0.0.0:53");
        assert_eq!(config.runtime.admin_addr.to_string(), "0.0.0.0:9153");
        assert_eq!(config.edns_udp_size, 1232);
    }

    /// Upstreams take a bare IP (port 53) or IP:PORT.
    #[test]
    fn upstream_forms() {
        let config = parse(&["--upstream", "10.96.0.10", "--upstream", "127.0.0.1:5353"]).expect("valid");
        let shown: Vec<String> = config.upstreams.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.96.0.10:53", "127.0.0.1:5353"]);
    }

    /// Each bad value names its setting.
    #[test]
    fn bad_values_name_their_setting() {
        for (flag, value, setting) in [
            ("--ttl", "3601", "DNS_TTL"),
            ("--zone", ".", "CLUSTER_DOMAIN"),
            ("--pods", "sometimes", "PODS_MODE"),
            ("--upstream", "dns.google", "UPSTREAMS"),
            ("--edns-udp-size", "100", "EDNS_UDP_SIZE"),
            ("--from-file", "/nonexistent/lab.yaml", "CLUSTER_STATE_FILE"),
            ("--listen", "53", "LISTEN_ADDR"),
        ] {
            let error = parse(&[flag, value]).err().unwrap_or_default();
            assert!(error.starts_with(&format!("invalid {setting} ")), "{flag} {value}: {error}");
        }
    }
}
