//! `go-web` binary: parse configuration, bind both listeners, run until SIGTERM has drained.

use std::process::ExitCode;

use go_web::config::{Config, redacted_target};
use server_runtime::bind_tcp;
use tracing::info;

fn main() -> ExitCode {
    server_runtime::run_binary(Config::from_cli, |config: Config, lifecycle| async move {
        let app = bind_tcp("app", config.listen, "LISTEN_ADDR").await?;
        let admin = bind_tcp("admin", config.runtime.admin_addr, "ADMIN_ADDR").await?;
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
        Ok::<_, server_runtime::BindError>(go_web::run(app, admin, config, lifecycle).await)
    })
}
