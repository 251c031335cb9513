//! `cluster-dns` binary: parse configuration, bind DNS (UDP and TCP) and the admin listener, pick the
//! cluster-state source, run until SIGTERM has drained.

use std::process::ExitCode;

use cluster_dns::config::Config;
use cluster_dns::{Listeners, bind_dns, run};
use server_runtime::bind_tcp;

fn main() -> ExitCode {
    server_runtime::run_binary(Config::from_cli, |config: Config, lifecycle| async move {
        let source = config.source.source().await?;
        let (udp, tcp) = bind_dns(config.listen).await?;
        let admin = bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?;
        let listeners = Listeners { udp, tcp, admin };
        Ok::<_, anyhow::Error>(run(listeners, config, source, lifecycle).await?)
    })
}
