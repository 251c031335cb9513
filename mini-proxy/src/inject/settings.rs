//! `mini-proxy inject`'s flags, named as `linkerd inject`'s where they mean the same, and the checked
//! settings they become.

use server_runtime::ConfigError;

use super::overrides::Setting;
use crate::identity::Identity;

/// The flags of `mini-proxy inject`.
#[derive(Clone, Debug, clap::Args)]
pub struct InjectArgs {
    /// The manifests to inject: a file, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: String,
    /// The proxy image, without its tag [default: lab/mini-proxy].
    #[arg(long)]
    pub image: Option<String>,
    /// The proxy image's tag, also written as `linkerd.io/proxy-version` [default: dev].
    #[arg(long)]
    pub tag: Option<String>,
    /// The UID the proxy runs as [default: 2102].
    #[arg(long)]
    pub proxy_uid: Option<String>,
    /// Inbound ports not redirected to the proxy, besides its own 4190 and 4191 [default: 4567,4568].
    #[arg(long)]
    pub ignore_inbound_ports: Option<String>,
    /// Outbound ports not redirected to the proxy [default: 4567,4568].
    #[arg(long)]
    pub ignore_outbound_ports: Option<String>,
    /// Inbound ports forwarded without protocol detection; also annotated on Services in the input
    /// [default: 25,587,3306,4444,5432,6379,9300,11211].
    #[arg(long)]
    pub opaque_ports: Option<String>,
    /// The inbound policy for ports without their own: all-unauthenticated, all-authenticated or deny.
    #[arg(long)]
    pub default_inbound_policy: Option<String>,
    /// The proxy's CPU request [default: 10m].
    #[arg(long)]
    pub proxy_cpu_request: Option<String>,
    /// The proxy's memory request [default: 20Mi].
    #[arg(long)]
    pub proxy_memory_request: Option<String>,
    /// The namespace of the mesh's control plane (the identity service).
    #[arg(long, short = 'L', default_value = "linkerd")]
    pub linkerd_namespace: String,
    /// The trust domain identities are named in.
    #[arg(long, default_value = "cluster.local")]
    pub trust_domain: String,
    /// The cluster's DNS domain, for the identity service's address.
    #[arg(long, default_value = "cluster.local")]
    pub cluster_domain: String,
    /// A PEM file of trust anchors, written into each proxy's environment as Linkerd's injector does
    /// (default: none, the proxy reads `ca.crt` from its identity directory).
    #[arg(long)]
    pub identity_trust_anchors_file: Option<std::path::PathBuf>,
    /// Or: a ConfigMap in each pod's own namespace whose `ca-bundle.crt` holds the trust anchors, which
    /// the proxy's environment then refers to (for manifests kept in git, where the anchors, made per
    /// cluster, cannot be written in).
    #[arg(long, conflicts_with = "identity_trust_anchors_file")]
    pub identity_trust_anchors_config_map: Option<String>,
}

/// What injection needs to know beyond each pod's own annotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectSettings {
    /// Annotations written onto every pod template: the flags that differ from their defaults.
    pub overrides: Vec<(&'static str, String)>,
    /// The control plane's namespace.
    pub linkerd_namespace: String,
    /// The identities' trust domain.
    pub trust_domain: String,
    /// The cluster's DNS domain.
    pub cluster_domain: String,
    /// Trust anchors as PEM text, if given.
    pub trust_anchors: Option<String>,
    /// Or the ConfigMap, in the pod's namespace, whose `ca-bundle.crt` holds them.
    pub trust_anchors_config_map: Option<String>,
}

impl Default for InjectSettings {
    fn default() -> InjectSettings {
        InjectSettings {
            overrides: Vec::new(),
            linkerd_namespace: "linkerd".into(),
            trust_domain: "cluster.local".into(),
            cluster_domain: "cluster.local".into(),
            trust_anchors: None,
            trust_anchors_config_map: None,
        }
    }
}

impl InjectSettings {
    /// Checks the flags; `trust_anchors` is the text of `--identity-trust-anchors-file`, read by the caller.
    pub fn from_args(args: &InjectArgs, trust_anchors: Option<String>) -> Result<InjectSettings, ConfigError> {
        let flags = [
            (Setting::ProxyImage, "--image", &args.image),
            (Setting::ProxyVersion, "--tag", &args.tag),
            (Setting::ProxyUid, "--proxy-uid", &args.proxy_uid),
            (Setting::SkipInboundPorts, "--ignore-inbound-ports", &args.ignore_inbound_ports),
            (Setting::SkipOutboundPorts, "--ignore-outbound-ports", &args.ignore_outbound_ports),
            (Setting::OpaquePorts, "--opaque-ports", &args.opaque_ports),
            (Setting::DefaultInboundPolicy, "--default-inbound-policy", &args.default_inbound_policy),
            (Setting::ProxyCpuRequest, "--proxy-cpu-request", &args.proxy_cpu_request),
            (Setting::ProxyMemoryRequest, "--proxy-memory-request", &args.proxy_memory_request),
        ];
        let mut overrides = Vec::new();
        for (setting, flag, value) in flags {
            if let Some(value) = value {
                let value = setting.check(flag, value)?;
                if value != setting.default() {
                    overrides.push((setting.annotation(), value));
                }
            }
        }
        if !is_dns_label(&args.linkerd_namespace) {
            return Err(ConfigError::invalid(
                "--linkerd-namespace",
                &args.linkerd_namespace,
                "expected a namespace name such as linkerd",
            ));
        }
        for (flag, domain) in [("--trust-domain", &args.trust_domain), ("--cluster-domain", &args.cluster_domain)] {
            Identity::parse(domain).map_err(|e| ConfigError::invalid(flag, domain, e.reason))?;
        }
        if let Some(pem) = &trust_anchors
            && !pem.contains("-----BEGIN CERTIFICATE-----")
        {
            return Err(ConfigError::invalid(
                "--identity-trust-anchors-file",
                &args.identity_trust_anchors_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                "expected a PEM file of CA certificates",
            ));
        }
        if let Some(name) = &args.identity_trust_anchors_config_map
            && !is_dns_subdomain(name)
        {
            return Err(ConfigError::invalid(
                "--identity-trust-anchors-config-map",
                name,
                "expected a ConfigMap name such as linkerd-identity-trust-roots",
            ));
        }
        Ok(InjectSettings {
            overrides,
            linkerd_namespace: args.linkerd_namespace.clone(),
            trust_domain: args.trust_domain.to_ascii_lowercase(),
            cluster_domain: args.cluster_domain.to_ascii_lowercase(),
            trust_anchors,
            trust_anchors_config_map: args.identity_trust_anchors_config_map.clone(),
        })
    }
}

/// A namespace name: one DNS label (RFC 1123), lower-case, at most 63 characters.
pub(crate) fn is_dns_label(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// An object name: DNS labels joined by dots, at most 253 characters.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        inject: InjectArgs,
    }

    fn settings(args: &[&str]) -> Result<InjectSettings, String> {
        let cli =
            Cli::try_parse_from(std::iter::once("inject").chain(args.iter().copied())).map_err(|e| e.to_string())?;
        InjectSettings::from_args(&cli.inject, None).map_err(|e| e.to_string())
    }

    /// Only flags that differ from their defaults become annotations.
    #[test]
    fn overrides_from_flags() {
        assert_eq!(settings(&[]).expect("defaults"), InjectSettings::default());
        let given =
            settings(&["--tag", "dev", "--proxy-uid", "3000", "--ignore-outbound-ports", "5432 ,6379"]).expect("valid");
        assert_eq!(
            given.overrides,
            [
                ("config.linkerd.io/proxy-uid", "3000".to_string()),
                ("config.linkerd.io/skip-outbound-ports", "5432,6379".to_string())
            ]
        );
    }

    /// Every bad flag value is named in the error.
    #[test]
    fn bad_flags() {
        for (args, expected) in [
            (&["--proxy-uid", "x"][..], "invalid --proxy-uid \"x\""),
            (&["--opaque-ports", "5432,pg"][..], "invalid --opaque-ports \"5432,pg\""),
            (&["--tag", "a b"][..], "invalid --tag \"a b\""),
            (&["--linkerd-namespace", "Linkerd"][..], "invalid --linkerd-namespace \"Linkerd\""),
            (&["--trust-domain", "bad domain"][..], "invalid --trust-domain \"bad domain\""),
            (&["--default-inbound-policy", "open"][..], "invalid --default-inbound-policy \"open\""),
            (
                &["--identity-trust-anchors-config-map", "Roots"][..],
                "invalid --identity-trust-anchors-config-map \"Roots\"",
            ),
        ] {
            let error = settings(args).expect_err("refused");
            assert!(error.starts_with(expected), "{args:?}: {error}");
        }
    }
}
