//! Identity names, as Linkerd writes them: `<serviceaccount>.<namespace>.serviceaccount.identity.<control
//! plane namespace>.<trust domain>`, for example `default.default.serviceaccount.identity.linkerd.cluster.local`.
//!
//! An identity is a DNS name: it is what a proxy's certificate carries as its DNS SAN, and what a client
//! sends as SNI to reach it, so the server can tell a TLS connection meant for itself from one passing
//! through.

use std::fmt;
use std::sync::Arc;

/// The control-plane namespace in identity names, Linkerd's default, so names read like Linkerd's.
pub const CONTROL_PLANE_NAMESPACE: &str = "linkerd";
/// The default trust domain.
pub const DEFAULT_TRUST_DOMAIN: &str = "cluster.local";

/// A checked identity name: a lower-case DNS name of at most 253 bytes. Shared, not copied: every
/// request to a meshed endpoint carries its identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity(Arc<str>);

/// A name that cannot be an identity.
#[derive(Debug, thiserror::Error)]
#[error(
    "{name:?} is not an identity name ({reason}); expected a DNS name such as default.default.serviceaccount.identity.linkerd.cluster.local"
)]
pub struct BadIdentity {
    /// The name given.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Identity {
    /// Checks `name` (case is folded).
    pub fn parse(name: &str) -> Result<Identity, BadIdentity> {
        let bad = |reason| BadIdentity { name: name.to_string(), reason };
        let lower = name.trim_end_matches('.').to_ascii_lowercase();
        if lower.is_empty() || lower.len() > 253 {
            return Err(bad("empty or longer than 253 bytes"));
        }
        for label in lower.split('.') {
            let valid = !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return Err(bad("each label must be 1 to 63 letters, digits or inner dashes"));
            }
        }
        Ok(Identity(lower.into()))
    }

    /// The identity of a service account, as Linkerd's proxy injector names it.
    pub fn of_service_account(
        service_account: &str,
        namespace: &str,
        trust_domain: &str,
    ) -> Result<Identity, BadIdentity> {
        let service_account = if service_account.is_empty() { "default" } else { service_account };
        Identity::parse(&format!(
            "{service_account}.{namespace}.serviceaccount.identity.{CONTROL_PLANE_NAMESPACE}.{trust_domain}"
        ))
    }

    /// The name, as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service account's identity reads exactly like Linkerd's.
    #[test]
    fn service_account_names() {
        let id = Identity::of_service_account("web", "emojivoto", DEFAULT_TRUST_DOMAIN).expect("valid");
        assert_eq!(id.as_str(), "web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
        let default = Identity::of_service_account("", "default", "example.org").expect("valid");
        assert_eq!(default.as_str(), "default.default.serviceaccount.identity.linkerd.example.org");
    }

    /// Case folds, a final dot is dropped, and bad labels are refused with the name quoted.
    #[test]
    fn parsing() {
        assert_eq!(Identity::parse("A.B.C.").expect("valid").as_str(), "a.b.c");
        for bad in ["", "a..b", "-a.b", "a_b.c", &"x".repeat(64)] {
            let error = Identity::parse(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains("is not an identity name"), "{bad:?}: {error}");
        }
    }
}
