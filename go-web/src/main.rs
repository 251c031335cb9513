//! `go-web` binary: parse configuration, set up logging, bind both listeners, run until SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use go_web::config::{Cli, Config, redacted_target};
use tokio::net::TcpListener;
use tracing::{error, info};

/// BSD `EX_USAGE`: the configuration is wrong; restarting will not help.
const EXIT_CONFIG: u8 = 64;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            eprintln!("go-web: {}", text.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: "));
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let config = match Config::from_cli(cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("go-web: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    init_logging(config.log_json);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("go-web: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    use anyhow::Context;
    let shutdown = termination()?;
    let app = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (LISTEN_ADDR); is another process using it?", config.listen))?;
    let admin = TcpListener::bind(config.admin_listen).await.with_context(|| {
        format!("cannot listen on {} (ADMIN_ADDR); is another process using it?", config.admin_listen)
    })?;
    info!(addr = %app.local_addr()?, "serving app");
    info!(addr = %admin.local_addr()?, "serving admin");
    info!(
        database = %redacted_target(&config.db),
        pool_size = config.db_pool_size,
        timeout = ?config.db_timeout,
        node = %config.pod.node_name,
        pod = %config.pod.pod_name,
        namespace = %config.pod.namespace,
        pod_ip = %config.pod.pod_ip,
        service_account = %config.pod.service_account,
        "configured"
    );
    go_web::run(app, admin, config, shutdown).await;
    info!("stopped");
    Ok(())
}

/// Installs the SIGTERM (what the kubelet sends) and SIGINT (Ctrl-C) handlers now, and returns a future that
/// completes on either. Installing before the listeners are announced means a SIGTERM sent as soon as the
/// server says it is up already drains instead of killing the process.
fn termination() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use anyhow::Context;
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stdout().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
