//! The inbound policy: which connections reach the app. Linkerd's default policies, chosen for the
//! whole proxy and overridable per port:
//! - `all-unauthenticated` (Linkerd's default): everyone, meshed or not;
//! - `all-authenticated`: only clients that proved a mesh identity over mutual TLS;
//! - `deny`: no one.
//!
//! A denied plaintext or TLS connection that speaks HTTP gets `403 Forbidden` per request (so the client
//! sees why); one that does not is closed. Either way nothing reaches the app.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::metrics::labels::ServerTls;

/// One of Linkerd's default inbound policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultPolicy {
    /// Every client.
    AllUnauthenticated,
    /// Clients with a verified mesh identity.
    AllAuthenticated,
    /// No client.
    Deny,
}

impl DefaultPolicy {
    /// The name Linkerd gives it, also the `srv_name` label.
    pub fn name(self) -> &'static str {
        match self {
            DefaultPolicy::AllUnauthenticated => "all-unauthenticated",
            DefaultPolicy::AllAuthenticated => "all-authenticated",
            DefaultPolicy::Deny => "deny",
        }
    }

    /// Whether a connection with this TLS state may reach the app.
    pub fn allows(self, tls: &ServerTls) -> bool {
        match self {
            DefaultPolicy::AllUnauthenticated => true,
            DefaultPolicy::AllAuthenticated => matches!(tls, ServerTls::Established { client_id: Some(_) }),
            DefaultPolicy::Deny => false,
        }
    }
}

impl fmt::Display for DefaultPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy name that is not one of the three.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an inbound policy; use all-unauthenticated, all-authenticated or deny")]
pub struct BadPolicy(pub String);

impl FromStr for DefaultPolicy {
    type Err = BadPolicy;

    fn from_str(text: &str) -> Result<DefaultPolicy, BadPolicy> {
        match text.trim() {
            "all-unauthenticated" => Ok(DefaultPolicy::AllUnauthenticated),
            "all-authenticated" => Ok(DefaultPolicy::AllAuthenticated),
            "deny" => Ok(DefaultPolicy::Deny),
            other => Err(BadPolicy(other.to_string())),
        }
    }
}

/// The policy of every inbound port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundPolicy {
    /// Ports without their own.
    pub default: DefaultPolicy,
    /// Ports with their own.
    pub ports: HashMap<u16, DefaultPolicy>,
}

impl InboundPolicy {
    /// The policy that applies to `port`.
    pub fn for_port(&self, port: u16) -> DefaultPolicy {
        self.ports.get(&port).copied().unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;
    use crate::metrics::labels::NoServerTls;

    /// Each policy admits exactly the clients it names.
    #[test]
    fn decisions() {
        let meshed = ServerTls::Established { client_id: Some(Identity::parse("a.b.c").expect("id")) };
        let anonymous_tls = ServerTls::Established { client_id: None };
        let plaintext = ServerTls::NoIdentity(NoServerTls::NoTlsFromRemote);
        let foreign = ServerTls::Opaque { sni: "example.com".into() };
        let cases = [
            (DefaultPolicy::AllUnauthenticated, [true, true, true, true]),
            (DefaultPolicy::AllAuthenticated, [true, false, false, false]),
            (DefaultPolicy::Deny, [false, false, false, false]),
        ];
        for (policy, expected) in cases {
            let got = [&meshed, &anonymous_tls, &plaintext, &foreign].map(|tls| policy.allows(tls));
            assert_eq!(got, expected, "{policy}");
        }
    }

    /// Names parse back; a bad one is quoted with the choices.
    #[test]
    fn names() {
        for policy in [DefaultPolicy::AllUnauthenticated, DefaultPolicy::AllAuthenticated, DefaultPolicy::Deny] {
            assert_eq!(policy.name().parse::<DefaultPolicy>().ok(), Some(policy));
        }
        let error = "cluster-only".parse::<DefaultPolicy>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("\"cluster-only\" is not an inbound policy"), "{error}");
        let policy = InboundPolicy {
            default: DefaultPolicy::Deny,
            ports: HashMap::from([(8080, DefaultPolicy::AllAuthenticated)]),
        };
        assert_eq!(policy.for_port(8080), DefaultPolicy::AllAuthenticated);
        assert_eq!(policy.for_port(9090), DefaultPolicy::Deny);
    }
}
