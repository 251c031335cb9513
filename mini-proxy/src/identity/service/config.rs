//! `mini-proxy identity serve`'s settings: flags with environment fallbacks, checked once at start so a
//! bad value stops the service with one line naming it (exit 64).

use std::net::SocketAddr;
use std::time::Duration;

use server_runtime::{ConfigError, RuntimeArgs, RuntimeSettings, values};

use crate::identity::name::{CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN, Identity};

/// The ServiceAccount the service runs as, Linkerd's; its identity is the one proxies expect.
pub const SERVICE_ACCOUNT: &str = "linkerd-identity";

/// The flags of `mini-proxy identity serve`.
#[derive(Clone, Debug, clap::Args)]
#[command(mut_arg("admin_addr", |a| a.default_value("0.0.0.0:9990")))]
pub struct ServeArgs {
    /// Where proxies call Certify (gRPC over TLS), Linkerd's identity port.
    #[arg(long, env = "IDENTITY_ADDR", default_value = "0.0.0.0:8080")]
    pub addr: String,
    /// The trust domain identities are named in.
    #[arg(long, env = "IDENTITY_TRUST_DOMAIN", default_value = DEFAULT_TRUST_DOMAIN)]
    pub trust_domain: String,
    /// How long an issued certificate is valid (never past the issuer's own expiry).
    #[arg(long, env = "IDENTITY_ISSUANCE_LIFETIME", default_value = "24h")]
    pub issuance_lifetime: String,
    /// Admin address (default :9990, Linkerd identity's), logs, the drain.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Checked settings.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The Certify listener.
    pub addr: SocketAddr,
    /// The trust domain.
    pub trust_domain: String,
    /// The service's own identity, `linkerd-identity.linkerd.serviceaccount.identity.linkerd.<domain>`.
    pub identity: Identity,
    /// Leaf lifetime.
    pub issuance_lifetime: Duration,
    /// The namespace of the issuer Secret and trust-roots ConfigMap.
    pub namespace: String,
    /// Admin address, logs, drain.
    pub runtime: RuntimeSettings,
}

impl AsRef<RuntimeSettings> for ServeConfig {
    fn as_ref(&self) -> &RuntimeSettings {
        &self.runtime
    }
}

impl ServeConfig {
    /// Checks every setting; the first bad one is reported.
    pub fn from_args(args: ServeArgs) -> Result<ServeConfig, ConfigError> {
        let trust_domain = Identity::parse(&args.trust_domain)
            .map_err(|e| ConfigError::invalid("IDENTITY_TRUST_DOMAIN", &args.trust_domain, e.reason))?
            .to_string();
        let identity = Identity::of_service_account(SERVICE_ACCOUNT, CONTROL_PLANE_NAMESPACE, &trust_domain)
            .map_err(|e| ConfigError::invalid("IDENTITY_TRUST_DOMAIN", &args.trust_domain, e.reason))?;
        let issuance_lifetime = values::duration("IDENTITY_ISSUANCE_LIFETIME", &args.issuance_lifetime)?;
        if issuance_lifetime < Duration::from_secs(60) {
            return Err(ConfigError::invalid(
                "IDENTITY_ISSUANCE_LIFETIME",
                &args.issuance_lifetime,
                "expected at least 1m (proxies renew at 70% of it, no sooner than every 10s)",
            ));
        }
        Ok(ServeConfig {
            addr: values::socket_addr("IDENTITY_ADDR", &args.addr)?,
            trust_domain,
            identity,
            issuance_lifetime,
            namespace: CONTROL_PLANE_NAMESPACE.to_string(),
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
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<ServeConfig, String> {
        let cli =
            Cli::try_parse_from(std::iter::once("identity").chain(args.iter().copied())).map_err(|e| e.to_string())?;
        ServeConfig::from_args(cli.serve).map_err(|e| e.to_string())
    }

    /// Linkerd's port, lifetime and the service's own identity by default.
    #[test]
    fn defaults() {
        let config = parse(&[]).expect("defaults");
        assert_eq!(config.addr, "0.0.0.0:8080".parse().expect("addr"));
        assert_eq!(config.runtime.admin_addr, "0.0.0.0:9990".parse().expect("addr"));
        assert_eq!(config.issuance_lifetime, Duration::from_secs(24 * 3600));
        assert_eq!(config.identity.as_str(), "linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local");
    }

    /// Bad values are named with their setting.
    #[test]
    fn errors() {
        for (args, expected) in [
            (&["--issuance-lifetime", "10s"][..], "IDENTITY_ISSUANCE_LIFETIME \"10s\""),
            (&["--issuance-lifetime", "soon"][..], "IDENTITY_ISSUANCE_LIFETIME"),
            (&["--trust-domain", "bad domain"][..], "IDENTITY_TRUST_DOMAIN \"bad domain\""),
            (&["--addr", "nowhere"][..], "IDENTITY_ADDR"),
        ] {
            let error = parse(args).err().unwrap_or_default();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
