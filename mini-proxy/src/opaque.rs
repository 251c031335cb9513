//! Opaque TCP: connect to the upstream and copy bytes both ways until both sides have finished. A
//! half-close is passed on (the client's FIN becomes the proxy's FIN to the upstream, and the other way
//! round), so protocols that signal "done sending" by shutting down their write side keep working.

use tracing::debug;

use crate::balance::Loads;
use crate::transport::Io;
use crate::transport::connect::{ConnectError, Connector, Upstream};

/// Connects to one of `endpoints` (balanced by connect latency when there are several) and joins it
/// with `client` until both directions are done.
pub async fn forward<I: Io>(
    mut client: I,
    endpoints: &[Upstream],
    labels: &[(&'static str, String)],
    connector: &Connector,
    loads: &Loads,
) -> Result<(u64, u64), ConnectError> {
    let (index, in_flight) = if endpoints.len() > 1 {
        let addrs: Vec<_> = endpoints.iter().map(|e| e.addr).collect();
        let (index, in_flight) = loads.choose(&addrs);
        (index, Some(in_flight))
    } else {
        (0, None)
    };
    let mut server = connector.connect(&endpoints[index], labels).await?;
    if let Some(in_flight) = in_flight {
        in_flight.responded();
    }
    match tokio::io::copy_bidirectional(&mut client, &mut server).await {
        Ok(copied) => Ok(copied),
        Err(e) => {
            debug!(error = %e, upstream = %endpoints[index].addr, "opaque connection ended with an error");
            Ok((0, 0))
        }
    }
}
