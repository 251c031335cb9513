//! Host name to addresses for `wget`, through the same `/etc/resolv.conf` search walk (`search`, `ndots`) as
//! the pod's other tools, so `wget clusterip-service/host` works in a pod. hickory-resolver implements that
//! walk and `/etc/hosts`; it needs an async runtime, so one lookup runs on a throwaway current-thread runtime.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;

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
            .map_err(|e| failed(gai_reason(&e)))?;
        // IPv4 first, as GNU wget ends up trying them on a dual-stack pod; order within a family is kept.
        let mut addresses: Vec<IpAddr> = lookup.iter().collect();
        addresses.sort_by_key(IpAddr::is_ipv6);
        if addresses.is_empty() { Err(failed("Name or service not known")) } else { Ok(addresses) }
    })
}

/// The glibc `getaddrinfo` text GNU wget would print for this failure: a name that cleanly does not exist
/// (NXDOMAIN or no address records) is `Name or service not known` (EAI_NONAME); a server that refused,
/// failed or did not answer is `Temporary failure in name resolution` (EAI_AGAIN).
fn gai_reason(error: &NetError) -> &'static str {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(none))
            if matches!(none.response_code, ResponseCode::NXDomain | ResponseCode::NoError) =>
        {
            "Name or service not known"
        }
        _ => "Temporary failure in name resolution",
    }
}

#[cfg(test)]
mod tests {
    use super::gai_reason;
    use hickory_resolver::net::{DnsError, NetError, NoRecords};
    use hickory_resolver::proto::op::{Query, ResponseCode};

    /// NXDOMAIN reads as a missing name; REFUSED and timeouts read as temporary failures, as in glibc.
    #[test]
    fn maps_failures_to_glibc_texts() {
        let none = |code| NetError::Dns(DnsError::NoRecordsFound(NoRecords::new(Query::default(), code)));
        assert_eq!(gai_reason(&none(ResponseCode::NXDomain)), "Name or service not known");
        assert_eq!(
            gai_reason(&NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused))),
            "Temporary failure in name resolution"
        );
        assert_eq!(gai_reason(&NetError::Timeout), "Temporary failure in name resolution");
    }
}
