//! The one-shot subcommands: `init` (the iptables rules), `inject` (meshing manifests), `identity issue`
//! (minting credentials) and `identity install` (the identity service's issuer, as objects to create). `run`, the proxy itself, is in [`crate::config`] and [`crate::run`]; `stat` in
//! [`crate::stat::command`].

use std::path::PathBuf;
use std::time::Duration;

use server_runtime::values;

use crate::identity::Identity;
use crate::identity::files::{self, replace_file};
use crate::identity::issue::{ANCHOR_LIFETIME, Authority};
use crate::identity::name::DEFAULT_TRUST_DOMAIN;
use crate::init::apply::{Action, Firewall, simulate};
use crate::init::{InitSettings, plan, ports};
use crate::inject::{InjectArgs, InjectSettings};

/// `mini-proxy init`: Linkerd proxy-init's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct InitArgs {
    /// The inbound proxy port connections into the pod are redirected to.
    #[arg(long, default_value_t = 4143)]
    pub incoming_proxy_port: u16,
    /// The outbound proxy port connections out of the pod are redirected to.
    #[arg(long, default_value_t = 4140)]
    pub outgoing_proxy_port: u16,
    /// The UID the proxy runs as; its own connections are not redirected.
    #[arg(long, default_value_t = 2102)]
    pub proxy_uid: u32,
    /// The GID the proxy runs as, also exempted when given.
    #[arg(long)]
    pub proxy_gid: Option<u32>,
    /// Inbound ports not redirected (the proxy's admin port among them).
    #[arg(long, default_value = "4190,4191,4567,4568")]
    pub inbound_ports_to_ignore: String,
    /// Outbound ports not redirected.
    #[arg(long, default_value = "4567,4568")]
    pub outbound_ports_to_ignore: String,
    /// Redirect only these inbound ports (default: all).
    #[arg(long, default_value = "")]
    pub ports_to_redirect: String,
    /// Source subnets whose inbound connections are not redirected, comma-separated CIDRs.
    #[arg(long, default_value = "")]
    pub subnets_to_ignore: String,
    /// Apply the rules with ip6tables as well.
    #[arg(long)]
    pub ipv6: bool,
    /// The iptables binary (`iptables`, `iptables-legacy`, `iptables-nft`).
    #[arg(long, default_value = "iptables")]
    pub firewall_bin_path: String,
    /// The ip6tables binary.
    #[arg(long, default_value = "ip6tables")]
    pub firewall_bin_path_ipv6: String,
    /// Take the rules out instead of putting them in.
    #[arg(long)]
    pub remove: bool,
    /// Print the commands instead of running them.
    #[arg(long)]
    pub simulate: bool,
}

/// Runs `init`; returns the process exit code (64 for bad flags).
pub fn init(args: InitArgs) -> u8 {
    let settings = match init_settings(&args) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("mini-proxy init: {message}");
            return server_runtime::EXIT_CONFIG;
        }
    };
    let plan = plan(&settings);
    let action = if args.remove { Action::Remove } else { Action::Install };
    let mut binaries = vec![args.firewall_bin_path.clone()];
    if args.ipv6 {
        binaries.push(args.firewall_bin_path_ipv6.clone());
    }
    for binary in binaries {
        if args.simulate {
            for rule in simulate(&plan, action) {
                println!("{binary} {rule}");
            }
            continue;
        }
        match (Firewall { binary: binary.clone() }).apply(&plan, action) {
            Ok(ran) => {
                for rule in ran {
                    println!("{binary} {rule}");
                }
            }
            Err(e) => {
                eprintln!("mini-proxy init: {e}");
                return 1;
            }
        }
    }
    0
}

fn init_settings(args: &InitArgs) -> Result<InitSettings, String> {
    let subnets: Vec<String> =
        args.subnets_to_ignore.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    for subnet in &subnets {
        if subnet.parse::<ipnet::IpNet>().is_err() {
            return Err(format!(
                "{subnet:?} in --subnets-to-ignore is not a CIDR; expected a list such as 10.0.0.0/8,fd00::/8"
            ));
        }
    }
    Ok(InitSettings {
        incoming_proxy_port: args.incoming_proxy_port,
        outgoing_proxy_port: args.outgoing_proxy_port,
        proxy_uid: args.proxy_uid,
        proxy_gid: args.proxy_gid,
        inbound_ports_to_ignore: ports("inbound-ports-to-ignore", &args.inbound_ports_to_ignore)
            .map_err(|e| e.to_string())?,
        outbound_ports_to_ignore: ports("outbound-ports-to-ignore", &args.outbound_ports_to_ignore)
            .map_err(|e| e.to_string())?,
        ports_to_redirect: ports("ports-to-redirect", &args.ports_to_redirect).map_err(|e| e.to_string())?,
        subnets_to_ignore: subnets,
    })
}

/// Runs `inject`: reads the file (or stdin for `-`), writes the injected YAML to stdout and the summary to
/// stderr; returns 64 for bad flags and 1 for input that cannot be read or injected.
pub fn inject(args: InjectArgs) -> u8 {
    let read = |path: &std::path::Path| std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let anchors = match args.identity_trust_anchors_file.as_deref().map(read).transpose() {
        Ok(anchors) => anchors,
        Err(message) => {
            eprintln!("mini-proxy inject: --identity-trust-anchors-file {message}");
            return server_runtime::EXIT_CONFIG;
        }
    };
    let settings = match InjectSettings::from_args(&args, anchors) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("mini-proxy inject: {e}");
            return server_runtime::EXIT_CONFIG;
        }
    };
    let input = if args.file == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))
    } else {
        read(std::path::Path::new(&args.file))
    };
    match input.map(|text| crate::inject::inject(&text, &settings).map_err(|e| e.to_string())) {
        Ok(Ok(injected)) => {
            print!("{}", injected.yaml);
            eprint!("{}", crate::inject::summary(&injected.reports));
            0
        }
        Ok(Err(message)) | Err(message) => {
            eprintln!("mini-proxy inject: {message}");
            1
        }
    }
}

/// `mini-proxy identity issue`: a leaf certificate for one identity, signed by a trust anchor kept in a
/// directory (created there on first use).
#[derive(Clone, Debug, clap::Args)]
pub struct IssueArgs {
    /// The directory of the trust anchor (`ca.crt`, `ca.key`); a new anchor is made if it holds none.
    #[arg(long)]
    pub ca_dir: PathBuf,
    /// The identity to issue for, such as web.default.serviceaccount.identity.linkerd.cluster.local.
    #[arg(long, conflicts_with = "service_account")]
    pub name: Option<String>,
    /// Or: the service account whose identity to issue for (with --namespace).
    #[arg(long, requires = "namespace")]
    pub service_account: Option<String>,
    /// The service account's namespace.
    #[arg(long)]
    pub namespace: Option<String>,
    /// The trust domain of service-account identities and of a new anchor.
    #[arg(long, default_value = DEFAULT_TRUST_DOMAIN)]
    pub trust_domain: String,
    /// Where to write tls.crt, tls.key and ca.crt (a proxy's --identity-dir).
    #[arg(long)]
    pub out: PathBuf,
    /// How long the certificate is valid.
    #[arg(long, default_value = "24h")]
    pub lifetime: String,
}

/// Runs `identity issue`; returns the process exit code.
pub fn issue(args: IssueArgs) -> u8 {
    match issue_files(&args) {
        Ok(identity) => {
            println!("issued {identity} into {}", args.out.display());
            0
        }
        Err(IssueFailure::Config(message)) => {
            eprintln!("mini-proxy identity issue: {message}");
            server_runtime::EXIT_CONFIG
        }
        Err(IssueFailure::Failed(message)) => {
            eprintln!("mini-proxy identity issue: {message}");
            1
        }
    }
}

enum IssueFailure {
    Config(String),
    Failed(String),
}

fn issue_files(args: &IssueArgs) -> Result<Identity, IssueFailure> {
    let config = IssueFailure::Config;
    let identity = match (&args.name, &args.service_account, &args.namespace) {
        (Some(name), _, _) => Identity::parse(name).map_err(|e| config(e.to_string()))?,
        (None, Some(account), Some(namespace)) => {
            Identity::of_service_account(account, namespace, &args.trust_domain).map_err(|e| config(e.to_string()))?
        }
        _ => return Err(config("name the identity with --name, or --service-account and --namespace".into())),
    };
    let lifetime: Duration = values::duration("--lifetime", &args.lifetime).map_err(|e| config(e.to_string()))?;
    let failed = |what: &str, e: &dyn std::fmt::Display| IssueFailure::Failed(format!("{what}: {e}"));
    let (cert_path, key_path) = (args.ca_dir.join("ca.crt"), args.ca_dir.join("ca.key"));
    let authority = if cert_path.exists() && key_path.exists() {
        let cert = std::fs::read_to_string(&cert_path).map_err(|e| failed(&cert_path.display().to_string(), &e))?;
        let key = std::fs::read_to_string(&key_path).map_err(|e| failed(&key_path.display().to_string(), &e))?;
        Authority::load(&cert, &key).map_err(|e| failed(&format!("the anchor in {}", args.ca_dir.display()), &e))?
    } else {
        let authority =
            Authority::new_anchor(&args.trust_domain, ANCHOR_LIFETIME).map_err(|e| failed("new anchor", &e))?;
        std::fs::create_dir_all(&args.ca_dir).map_err(|e| failed(&args.ca_dir.display().to_string(), &e))?;
        replace_file(&key_path, &authority.minted.key_pem, true)
            .map_err(|e| failed(&key_path.display().to_string(), &e))?;
        replace_file(&cert_path, &authority.minted.cert_pem, false)
            .map_err(|e| failed(&cert_path.display().to_string(), &e))?;
        eprintln!("made a new trust anchor in {}", args.ca_dir.display());
        authority
    };
    let leaf = authority.issue(&identity, lifetime).map_err(|e| failed("issue", &e))?;
    files::write(&args.out, &leaf.cert_pem, &leaf.key_pem, &authority.minted.cert_pem)
        .map_err(|e| failed(&args.out.display().to_string(), &e))?;
    Ok(identity)
}

/// `mini-proxy identity install`: a new trust anchor and issuer as the objects the identity service reads,
/// printed as a `v1` List for `kubectl create -f -`, as `linkerd install` makes them in the CLI: the
/// `kubernetes.io/tls` Secret `linkerd-identity-issuer` and the ConfigMap `linkerd-identity-trust-roots`
/// in the control plane's namespace, and a copy of that ConfigMap in each namespace whose proxies refer to
/// it (`inject --identity-trust-anchors-config-map`). The anchor's key is not printed: nothing needs it
/// until the issuer is replaced.
#[derive(Clone, Debug, clap::Args)]
pub struct InstallArgs {
    /// The trust domain identities are named in.
    #[arg(long, default_value = DEFAULT_TRUST_DOMAIN)]
    pub trust_domain: String,
    /// A namespace of meshed pods that gets its own copy of the trust-roots ConfigMap (repeatable).
    #[arg(long = "trust-roots-namespace")]
    pub trust_roots_namespaces: Vec<String>,
}

/// Runs `identity install`; returns the process exit code.
pub fn install(args: InstallArgs) -> u8 {
    match install_list(&args) {
        Ok(list) => {
            println!("{list}");
            0
        }
        Err(message) => {
            eprintln!("mini-proxy identity install: {message}");
            server_runtime::EXIT_CONFIG
        }
    }
}

fn install_list(args: &InstallArgs) -> Result<serde_json::Value, String> {
    use crate::identity::service::issuer::{IssuerObjects, new_issuer_secret, trust_roots_config_map};
    let trust_domain = Identity::parse(&args.trust_domain)
        .map_err(|e| format!("invalid --trust-domain {:?}: {}", args.trust_domain, e.reason))?
        .to_string();
    if let Some(bad) = args.trust_roots_namespaces.iter().find(|n| !crate::inject::settings::is_dns_label(n)) {
        return Err(format!("invalid --trust-roots-namespace {bad:?}: expected a namespace name such as default"));
    }
    let objects = IssuerObjects::linkerd(crate::identity::name::CONTROL_PLANE_NAMESPACE);
    let secret = new_issuer_secret(&objects, &trust_domain)?;
    let anchors = secret.data.as_ref().and_then(|data| data.get("ca.crt")).map(|pem| pem.0.clone()).unwrap_or_default();
    let anchors = String::from_utf8(anchors).map_err(|e| e.to_string())?;
    let mut items = vec![serde_json::to_value(&secret).map_err(|e| e.to_string())?];
    let namespaces = std::iter::once(&objects.namespace).chain(&args.trust_roots_namespaces);
    for namespace in namespaces {
        let map = trust_roots_config_map(namespace, &objects.config_map, &anchors);
        items.push(serde_json::to_value(&map).map_err(|e| e.to_string())?);
    }
    Ok(serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items }))
}
