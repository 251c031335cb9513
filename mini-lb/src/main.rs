//! `mini-lb` binary: parse the subcommand, bind the listeners (admin; the speaker's gossip socket), pick
//! the cluster-state source, and run the controller or a speaker until SIGTERM has drained; or print the
//! CRDs (`crdgen`).

use std::process::ExitCode;

use mini_lb::settings::Settings;
use mini_lb::{controller, crd, speaker};
use server_runtime::{bind_tcp, bind_udp};

fn main() -> ExitCode {
    server_runtime::run_binary(Settings::from_cli, |settings: Settings, lifecycle| async move {
        match settings {
            Settings::Crdgen(_) => {
                print!("{}", crd::crd_yaml()?);
                lifecycle.request_shutdown();
                Ok::<_, anyhow::Error>(lifecycle.drain().await)
            }
            Settings::Controller(settings) => {
                let settings = *settings;
                let source = settings.common.source.source().await?;
                let admin = bind_tcp("admin", settings.common.runtime.admin_addr, "ADMIN_ADDR").await?;
                Ok(controller::run(settings, source, admin, lifecycle).await?)
            }
            Settings::Speaker(settings) => {
                let settings = *settings;
                let source = settings.common.source.source().await?;
                let admin = bind_tcp("admin", settings.common.runtime.admin_addr, "ADMIN_ADDR").await?;
                let gossip = match &settings.gossip {
                    Some(gossip) => Some(bind_udp("gossip", gossip.bind, "METALLB_ML_BIND_ADDR").await?),
                    None => None,
                };
                Ok(speaker::run(settings, source, admin, gossip, lifecycle).await?)
            }
        }
    })
}
