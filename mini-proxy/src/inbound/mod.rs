//! The inbound proxy (`0.0.0.0:4143`): connections from peers, redirected here by `init`'s PREROUTING
//! rules, on their way to this pod's app.
//!
//! For each connection ([`connection`]):
//! 1. the original destination is read; one aimed at the inbound port itself is refused (the loop
//!    guard);
//! 2. TLS is detected: a ClientHello naming this proxy's identity is terminated here and the client's
//!    identity recorded; a ClientHello for any other name is someone else's TLS and passes through
//!    untouched; anything else is plaintext;
//! 3. the port's policy ([`crate::policy`]) admits the connection or not;
//! 4. on an opaque port, or when the bytes are not HTTP, it is forwarded as TCP; otherwise HTTP is served
//!    through the request stack to the app, with `l5d-client-id` set from the verified identity, or
//!    refused with 403 ([`forbidden`]).

pub mod connection;
pub mod forbidden;

use std::collections::HashSet;
use std::time::Duration;

use crate::balance::Loads;
use crate::detect::tls::{ClientHello, Peek};
use crate::http::pool::Pool;
use crate::identity::{CurrentCredentials, Identity};
use crate::metrics::ProxyMetrics;
use crate::metrics::labels::NoServerTls;
use crate::policy::InboundPolicy;

/// How the inbound side behaves.
#[derive(Clone, Debug)]
pub struct InboundSettings {
    /// The inbound listener's port, which no connection may target (the loop guard).
    pub proxy_port: u16,
    /// Who may reach the app, per port.
    pub policy: InboundPolicy,
    /// Ports whose traffic is forwarded without HTTP detection (server-speaks-first protocols).
    pub opaque_ports: HashSet<u16>,
    /// How long TLS and HTTP detection each wait for the first bytes.
    pub detect_timeout: Duration,
    /// How long the app may take to send response headers (zero: no limit).
    pub response_timeout: Duration,
}

/// Everything inbound connections share.
#[derive(Clone, Debug)]
pub struct Inbound {
    /// Settings.
    pub settings: InboundSettings,
    /// This proxy's credentials.
    pub credentials: CurrentCredentials,
    /// Metrics.
    pub metrics: ProxyMetrics,
    /// Connections to the app.
    pub pool: Pool,
    /// Unused inbound (one endpoint), kept for the shared forwarding code.
    pub loads: Loads,
}

/// What to do with a connection's TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsRoute {
    /// A ClientHello for this proxy's identity: terminate.
    Terminate,
    /// A ClientHello for another name (or none): pass through as opaque TCP.
    Passthrough {
        /// The name asked for (empty when none).
        sni: String,
    },
    /// No TLS.
    Plaintext(NoServerTls),
    /// A ClientHello for this proxy's identity before any credentials are loaded: refuse.
    NotReady,
}

/// Decides from the detected bytes, this proxy's identity (if loaded) and whether the client is local.
pub fn route_tls(peek: &Peek, own: Option<&Identity>, from_loopback: bool) -> TlsRoute {
    match peek {
        Peek::ClientHello(ClientHello { sni: Some(sni), .. }) => match own {
            Some(own) if own.as_str() == sni => TlsRoute::Terminate,
            None if sni.contains(".serviceaccount.identity.") => TlsRoute::NotReady,
            _ => TlsRoute::Passthrough { sni: sni.clone() },
        },
        Peek::ClientHello(ClientHello { sni: None, .. }) => TlsRoute::Passthrough { sni: String::new() },
        Peek::NotTls | Peek::Incomplete if from_loopback => TlsRoute::Plaintext(NoServerTls::Loopback),
        Peek::NotTls | Peek::Incomplete => TlsRoute::Plaintext(NoServerTls::NoTlsFromRemote),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(sni: Option<&str>) -> Peek {
        Peek::ClientHello(ClientHello { sni: sni.map(str::to_string), offers_tls13: true })
    }

    /// Only our own name is terminated; other TLS passes; plaintext is labelled by where it came from.
    #[test]
    fn routes() {
        let me = Identity::parse("b.ns.serviceaccount.identity.linkerd.cluster.local").expect("id");
        assert_eq!(route_tls(&hello(Some(me.as_str())), Some(&me), false), TlsRoute::Terminate);
        assert_eq!(
            route_tls(&hello(Some("c.ns.serviceaccount.identity.linkerd.cluster.local")), Some(&me), false),
            TlsRoute::Passthrough { sni: "c.ns.serviceaccount.identity.linkerd.cluster.local".into() }
        );
        assert_eq!(
            route_tls(&hello(Some("example.com")), Some(&me), false),
            TlsRoute::Passthrough { sni: "example.com".into() }
        );
        assert_eq!(route_tls(&hello(None), Some(&me), false), TlsRoute::Passthrough { sni: String::new() });
        assert_eq!(route_tls(&Peek::NotTls, Some(&me), false), TlsRoute::Plaintext(NoServerTls::NoTlsFromRemote));
        assert_eq!(route_tls(&Peek::NotTls, Some(&me), true), TlsRoute::Plaintext(NoServerTls::Loopback));
    }

    /// Mesh TLS that arrives before the credentials is refused, not passed to the app.
    #[test]
    fn mesh_tls_before_credentials() {
        let sni = "b.ns.serviceaccount.identity.linkerd.cluster.local";
        assert_eq!(route_tls(&hello(Some(sni)), None, false), TlsRoute::NotReady);
        assert_eq!(
            route_tls(&hello(Some("example.com")), None, false),
            TlsRoute::Passthrough { sni: "example.com".into() }
        );
    }
}
