//! The servers a lookup asks: the one named on the command line (an address, or a name the system
//! resolves), or resolv.conf's list filtered by `-4`/`-6`. Each keeps how the user named it, because BIND
//! prints that label (`;; SERVER: ip#port(label)`, `Name: label`).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::protocol::codes::Family;
use crate::resolver::conf::ResolvConf;

/// A server to ask and how the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Where to send queries.
    pub address: SocketAddr,
    /// The operand as typed, or the address as resolv.conf lists it.
    pub label: String,
}

/// Why a server name gave no address, in BIND's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    /// The name does not exist (`EAI_NONAME`, `EAI_NODATA`).
    #[error("not found")]
    NotFound,
    /// Anything else (no answer, SERVFAIL).
    #[error("failure")]
    Failure,
}

/// The addresses of a server given on the command line: an IP literal, or every address of a name the
/// system resolves, in the system's order.
pub fn resolve_server(text: &str, port: u16) -> Result<Vec<SocketAddr>, Unresolved> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match (text, port).to_socket_addrs() {
        Ok(addresses) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() { Err(Unresolved::NotFound) } else { Ok(addresses) }
        }
        // std only keeps glibc's gai_strerror text; EAI_NONAME and EAI_NODATA are "not found".
        Err(error) if error.to_string().contains("not known") || error.to_string().contains("No address") => {
            Err(Unresolved::NotFound)
        }
        Err(_) => Err(Unresolved::Failure),
    }
}

/// Every address of the server operand `label`, each labelled as typed.
pub fn named_servers(label: &str, port: u16) -> Result<Vec<Server>, Unresolved> {
    let addresses = resolve_server(label, port)?;
    Ok(addresses.into_iter().map(|address| Server { address, label: label.to_string() }).collect())
}

/// resolv.conf's servers on `port`, those of `family` only when one is given.
pub fn conf_servers(conf: &ResolvConf, port: u16, family: Option<Family>) -> Vec<Server> {
    conf.servers()
        .into_iter()
        .map(|ip| Server { address: SocketAddr::new(ip, port), label: ip.to_string() })
        .filter(|server| family.is_none_or(|family| family.admits(&server.address)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Address literals need no lookup and keep the operand as their label.
    #[test]
    fn literals_resolve_to_themselves() {
        let servers = named_servers("::1", 5353).expect("a literal");
        assert_eq!(servers, [Server { address: "[::1]:5353".parse().expect("addr"), label: "::1".into() }]);
    }

    /// resolv.conf's servers are filtered by family and labelled by address.
    #[test]
    fn conf_servers_filter_by_family() {
        let conf = ResolvConf::parse("nameserver 10.0.0.1\nnameserver fd00::1\n");
        assert_eq!(conf_servers(&conf, 53, None).len(), 2);
        let v6 = conf_servers(&conf, 53, Some(Family::V6));
        assert_eq!(v6, [Server { address: "[fd00::1]:53".parse().expect("addr"), label: "fd00::1".into() }]);
    }
}
