//! Host name to addresses for `wget`, through the same `/etc/resolv.conf` search walk (`search`, `ndots`) as
//! the pod's other tools, so `wget clusterip-service/host` works in a pod. hickory-resolver implements that
//! walk and `/etc/hosts`; it needs an async runtime, so one lookup runs on a throwaway current-thread runtime.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;

use super::error::WgetError;

/// How long a lookup may take when `-T` is not given (hickory's own per-query timeouts apply inside it).
const DEFAULT_LIMIT: Duration = Duration::from_secs(30);

/// The addresses of `host`, an IP literal or a name resolved via /etc/hosts and /etc/resolv.conf.
pub fn resolve(host: &str, timeout: Option<Duration>) -> Result<Vec<IpAddr>, WgetError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let failed = |reason: &str| WgetError::Resolve { host: host.to_owned(), reason: reason.to_owned() };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed(&format!("cannot start the resolver runtime: {e}")))?;
    runtime.block_on(async {
        let resolver = TokioResolver::builder_tokio()
            .and_then(|b| b.build())
            .map_err(|e| failed(&format!("cannot read /etc/resolv.conf: {e}")))?;
        let lookup = tokio::time::timeout(timeout.unwrap_or(DEFAULT_LIMIT), resolver.lookup_ip(host))
            .await
            .map_err(|_| failed("Temporary failure in name resolution"))?
            .map_err(|e| {
                let text = e.to_string().to_ascii_lowercase();
                if text.contains("timed out") || text.contains("timeout") {
                    failed("Temporary failure in name resolution")
                } else {
                    failed("Name or service not known")
                }
            })?;
        // IPv4 first, as GNU wget ends up trying them on a dual-stack pod; order within a family is kept.
        let mut addresses: Vec<IpAddr> = lookup.iter().collect();
        addresses.sort_by_key(IpAddr::is_ipv6);
        if addresses.is_empty() { Err(failed("Name or service not known")) } else { Ok(addresses) }
    })
}
