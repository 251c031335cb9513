//! The host's upstream resolvers from `/etc/resolv.conf`, as CoreDNS's `forward . /etc/resolv.conf`
//! reads them: every `nameserver` line, on port 53, in file order.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// Port every `nameserver` line means.
const DNS_PORT: u16 = 53;

/// A resolv.conf that cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ResolvConfError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}; give the upstream resolvers with --upstream IP:PORT instead")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The `nameserver` addresses of the resolv.conf text, ignoring lines it cannot use (comments,
/// `search`, `options`, a scoped IPv6 address it cannot route to).
pub fn nameservers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => words.next()?.parse::<IpAddr>().ok(),
                _ => None,
            }
        })
        .map(|ip| SocketAddr::new(ip, DNS_PORT))
        .collect()
}

/// Reads `path` and returns its nameservers.
pub fn read(path: &Path) -> Result<Vec<SocketAddr>, ResolvConfError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ResolvConfError::Read { path: path.display().to_string(), source })?;
    Ok(nameservers(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nameserver lines in order; comments, search and options lines, and unparsable addresses skipped.
    #[test]
    fn reads_nameservers() {
        let text = "# generated\nsearch default.svc.cluster.local\nnameserver 10.96.0.10\n; old\nnameserver fd00::53\nnameserver fe80::1%eth0\noptions ndots:5\n";
        let servers: Vec<String> = nameservers(text).iter().map(ToString::to_string).collect();
        assert_eq!(servers, ["10.96.0.10:53", "[fd00::53]:53"]);
    }
}
