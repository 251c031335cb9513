//! `mini-proxy`: `run` the sidecar, `init` its iptables rules, `inject` manifests, `stat` the proxies or
//! watch them on a `dashboard`, or `identity issue` credentials, or `identity serve` them to proxies as
//! Linkerd's identity service does.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mini_proxy::commands::{self, InitArgs, InstallArgs, IssueArgs};
use mini_proxy::config::{RunArgs, RunConfig};
use mini_proxy::dashboard::{self, DashboardArgs, DashboardConfig};
use mini_proxy::identity::service::{self, ServeArgs, ServeConfig};
use mini_proxy::inject::InjectArgs;
use mini_proxy::stat::command::StatArgs;
use mini_proxy::{Listeners, run};
use server_runtime::bind_tcp;

/// The lab's service-mesh sidecar, a small drop-in for Linkerd's proxy.
#[derive(Parser)]
#[command(name = "mini-proxy", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the proxy: inbound :4143, outbound 127.0.0.1:4140, admin :4191.
    Run(Box<RunArgs>),
    /// Install (or --remove, or --simulate) the iptables rules that redirect a pod's traffic to the proxy.
    Init(InitArgs),
    /// Add the proxy to every pod template of a YAML stream (a file, or - for stdin), like `linkerd inject`.
    Inject(InjectArgs),
    /// Success rate, request rate and latency per resource, like `linkerd viz stat`, from the proxies' metrics.
    Stat(StatArgs),
    /// The same figures live in a browser, with the edges between deployments: 127.0.0.1:8084.
    Dashboard(Box<DashboardArgs>),
    /// Credentials for standalone meshes and tests.
    #[command(subcommand)]
    Identity(IdentityCommand),
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Issue a certificate for one identity into a proxy's identity directory.
    Issue(IssueArgs),
    /// Print a new trust anchor and issuer as the Secret and ConfigMaps `identity serve` reads (a v1 List).
    Install(InstallArgs),
    /// Run the identity service: sign proxies' CSRs for their ServiceAccount's identity (Certify, :8080).
    Serve(Box<ServeArgs>),
}

/// What `run_binary` parses for `identity serve`: the same flags, under the same names.
#[derive(Parser)]
#[command(name = "mini-proxy")]
struct ServeCli {
    #[command(subcommand)]
    command: ServeOnly,
}

#[derive(Subcommand)]
enum ServeOnly {
    /// The identity service.
    #[command(subcommand)]
    Identity(ServeIdentity),
}

#[derive(Subcommand)]
enum ServeIdentity {
    /// Run the identity service.
    Serve(Box<ServeArgs>),
}

/// `mini-proxy identity serve`: binds, finds the Kubernetes API, and serves until drained.
fn identity_serve() -> ExitCode {
    server_runtime::run_binary(
        |cli: ServeCli| match cli.command {
            ServeOnly::Identity(ServeIdentity::Serve(args)) => ServeConfig::from_args(*args),
        },
        |config: ServeConfig, lifecycle| async move {
            let listeners = service::Listeners {
                certify: bind_tcp("identity", config.addr, "IDENTITY_ADDR").await?,
                admin: bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?,
            };
            let client = kube::Client::try_default().await.map_err(|e| {
                anyhow::anyhow!(
                    "no Kubernetes API to reach ({e}); run in a pod with a ServiceAccount, or set KUBECONFIG"
                )
            })?;
            Ok::<_, anyhow::Error>(service::run(listeners, config, client, lifecycle).await?)
        },
    )
}

/// What `run_binary` parses for `dashboard`: the same flags, under the same name.
#[derive(Parser)]
#[command(name = "mini-proxy")]
struct DashboardCli {
    #[command(subcommand)]
    command: DashboardOnly,
}

#[derive(Subcommand)]
enum DashboardOnly {
    /// Serve the live page of the meshed deployments, their edges and latency.
    Dashboard(Box<DashboardArgs>),
}

/// `mini-proxy dashboard`: binds the page's and the admin listener, and serves until drained.
fn dashboard() -> ExitCode {
    server_runtime::run_binary(
        |cli: DashboardCli| match cli.command {
            DashboardOnly::Dashboard(args) => DashboardConfig::from_args(*args),
        },
        |config: DashboardConfig, lifecycle| async move {
            let listeners = dashboard::Listeners {
                dashboard: bind_tcp("dashboard", config.listen, "DASHBOARD_ADDR").await?,
                admin: bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?,
            };
            Ok::<_, anyhow::Error>(dashboard::run(listeners, config, lifecycle).await?)
        },
    )
}

/// What `run_binary` parses when the first argument is `run`: the same flags, under the same name.
#[derive(Parser)]
#[command(name = "mini-proxy")]
struct RunCli {
    #[command(subcommand)]
    command: RunOnly,
}

#[derive(Subcommand)]
enum RunOnly {
    /// Run the proxy.
    Run(Box<RunArgs>),
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("identity") && std::env::args().nth(2).as_deref() == Some("serve") {
        return identity_serve();
    }
    if std::env::args().nth(1).as_deref() == Some("dashboard") {
        return dashboard();
    }
    if std::env::args().nth(1).as_deref() == Some("run") {
        return server_runtime::run_binary(
            |cli: RunCli| match cli.command {
                RunOnly::Run(args) => RunConfig::from_args(*args),
            },
            |config: RunConfig, lifecycle| async move {
                let source = config.source.source().await?;
                let listeners = Listeners {
                    inbound: bind_tcp("inbound", config.inbound_addr, "LINKERD2_PROXY_INBOUND_LISTEN_ADDR").await?,
                    outbound: bind_tcp("outbound", config.outbound_addr, "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR").await?,
                    admin: bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?,
                };
                Ok::<_, anyhow::Error>(run(listeners, config, source, lifecycle).await?)
            },
        );
    }
    let code = match Cli::parse().command {
        // Reached only if `run` was not the first argument (after a global flag); parse it properly.
        Command::Run(_) => {
            eprintln!("mini-proxy: put `run` first: mini-proxy run [OPTIONS]");
            server_runtime::EXIT_CONFIG
        }
        Command::Init(args) => commands::init(args),
        Command::Inject(args) => commands::inject(args),
        Command::Stat(args) => mini_proxy::stat::command::stat(args),
        Command::Dashboard(_) => {
            eprintln!("mini-proxy: put `dashboard` first: mini-proxy dashboard [OPTIONS]");
            server_runtime::EXIT_CONFIG
        }
        Command::Identity(IdentityCommand::Issue(args)) => commands::issue(args),
        Command::Identity(IdentityCommand::Install(args)) => commands::install(args),
        Command::Identity(IdentityCommand::Serve(_)) => {
            eprintln!("mini-proxy: put `identity serve` first: mini-proxy identity serve [OPTIONS]");
            server_runtime::EXIT_CONFIG
        }
    };
    ExitCode::from(code)
}
