//! A proxy's credentials and the TLS configurations made from them.
//!
//! Credentials are a certificate chain naming this proxy's identity, its private key and the trust
//! anchors. From them come the two rustls configurations the mesh uses, both TLS 1.3 only with ECDSA
//! P-256 keys (rustls's ring provider):
//! - the server side asks for a client certificate but does not require one at the TLS layer (Linkerd's
//!   `allow_unauthenticated`): a client without one is "no identity", and the inbound policy decides;
//!   a client certificate that does not chain to the trust anchors fails the handshake;
//! - the client side presents this proxy's certificate and verifies the server's chain against the trust
//!   anchors and its DNS name against the SNI, which is the identity the client expects, so a server
//!   holding another identity, even from the right CA, is refused.

use std::sync::Arc;
use std::time::SystemTime;

use rustls::client::ClientConfig;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{RootCertStore, version};

use super::name::Identity;

/// Credentials that cannot be used; the message says which part and why.
#[derive(Debug, thiserror::Error)]
pub enum CredsError {
    /// A PEM document did not parse or held nothing of the expected kind.
    #[error("{what}: {reason}")]
    Pem {
        /// Which document (`tls.crt`, `tls.key`, `ca.crt`).
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The leaf certificate does not parse, or names no identity.
    #[error("tls.crt: {0}")]
    Leaf(String),
    /// The leaf names another identity than the configured one.
    #[error("tls.crt names {found}, not this proxy's identity {expected}")]
    WrongIdentity {
        /// The configured identity.
        expected: Identity,
        /// What the certificate names.
        found: String,
    },
    /// rustls refused the material (a key that does not match the certificate, say).
    #[error("the TLS configuration was refused: {0}")]
    Tls(String),
}

/// One proxy's identity material and TLS configurations; cheap to share behind an `Arc`.
pub struct Credentials {
    /// Who this proxy is.
    pub identity: Identity,
    /// When the leaf certificate becomes valid.
    pub not_before: SystemTime,
    /// When the leaf certificate expires.
    pub not_after: SystemTime,
    /// The trust anchors, for tools that verify on their own.
    pub roots: Arc<RootCertStore>,
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("identity", &self.identity)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// The crypto provider every mesh connection uses.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Trust anchors from PEM text (`ca.crt`, `LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS`, the
/// `linkerd-identity-trust-roots` ConfigMap's `ca-bundle.crt`); at least one is required.
pub fn roots_from_pem(pem: &[u8]) -> Result<Arc<RootCertStore>, CredsError> {
    let mut store = RootCertStore::empty();
    for root in CertificateDer::pem_slice_iter(pem) {
        let root = root.map_err(|e| CredsError::Pem { what: "ca.crt", reason: e.to_string() })?;
        store.add(root).map_err(|e| CredsError::Pem { what: "ca.crt", reason: e.to_string() })?;
    }
    if store.is_empty() {
        return Err(CredsError::Pem { what: "ca.crt", reason: "no trust anchor in it".into() });
    }
    Ok(Arc::new(store))
}

/// A TLS 1.3 client configuration that verifies servers against `roots` and presents no certificate:
/// how a proxy reaches the identity service before it has one. ALPN offers HTTP/2, which gRPC needs.
pub fn anonymous_client_config(roots: Arc<RootCertStore>) -> Result<ClientConfig, CredsError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&version::TLS13])
        .map_err(|e| CredsError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Checks that `chain` (leaf first) leads to one of `roots`, is valid now and that its leaf names
/// `identity` and may serve TLS: what every peer will check, so a certificate that fails here would
/// make every handshake fail. The reason is rustls's.
pub fn verify_chain(
    roots: Arc<RootCertStore>,
    chain: &[CertificateDer<'static>],
    identity: &Identity,
) -> Result<(), CredsError> {
    use rustls::client::WebPkiServerVerifier;
    use rustls::pki_types::{ServerName, UnixTime};
    let (leaf, intermediates) =
        chain.split_first().ok_or(CredsError::Pem { what: "tls.crt", reason: "no certificate in it".into() })?;
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .map_err(|e| CredsError::Tls(e.to_string()))?;
    let name = ServerName::try_from(identity.as_str().to_string()).map_err(|e| CredsError::Tls(e.to_string()))?;
    verifier
        .verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| CredsError::Tls(format!("the chain does not verify against the trust anchors: {e}")))
}

impl Credentials {
    /// Builds credentials from PEM text: the chain (leaf first), its key, and the trust anchors. The
    /// identity is the leaf's first DNS SAN, which must equal `expected` when one is configured.
    pub fn from_pem(
        chain: &[u8],
        key: &[u8],
        roots: &[u8],
        expected: Option<&Identity>,
    ) -> Result<Credentials, CredsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain)
            .collect::<Result<_, _>>()
            .map_err(|e| CredsError::Pem { what: "tls.crt", reason: e.to_string() })?;
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|e| CredsError::Pem { what: "tls.key", reason: e.to_string() })?;
        Credentials::from_der(chain, key, roots_from_pem(roots)?, expected)
    }

    /// Builds credentials from DER: the chain (leaf first), its key and parsed trust anchors, as the
    /// identity service returns them to a proxy that kept its key in memory.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        roots: Arc<RootCertStore>,
        expected: Option<&Identity>,
    ) -> Result<Credentials, CredsError> {
        let leaf = chain.first().ok_or(CredsError::Pem { what: "tls.crt", reason: "no certificate in it".into() })?;
        let Leaf { identity: found, not_before, not_after } = leaf_identity(leaf).map_err(CredsError::Leaf)?;
        let identity = match expected {
            Some(expected) if *expected != found => {
                return Err(CredsError::WrongIdentity { expected: expected.clone(), found: found.to_string() });
            }
            _ => found,
        };
        let tls = |e: rustls::Error| CredsError::Tls(e.to_string());
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider())
            .allow_unauthenticated()
            .build()
            .map_err(|e| CredsError::Tls(e.to_string()))?;
        let server = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&version::TLS13])
            .map_err(tls)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain.clone(), key.clone_key())
            .map_err(tls)?;
        let client = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&version::TLS13])
            .map_err(tls)?
            .with_root_certificates(roots.clone())
            .with_client_auth_cert(chain, key)
            .map_err(tls)?;
        Ok(Credentials { identity, not_before, not_after, roots, server: Arc::new(server), client: Arc::new(client) })
    }

    /// Whether the certificate is valid at `now`.
    pub fn valid_at(&self, now: SystemTime) -> bool {
        self.not_before <= now && now < self.not_after
    }

    /// The configuration inbound connections meant for this identity are accepted with.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.server.clone()
    }

    /// The configuration connections to meshed peers are made with (the SNI names the peer).
    pub fn client_config(&self) -> Arc<ClientConfig> {
        self.client.clone()
    }
}

/// What a leaf certificate says about its holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// Its first DNS SAN.
    pub identity: Identity,
    /// When it becomes valid.
    pub not_before: SystemTime,
    /// When it expires.
    pub not_after: SystemTime,
}

/// The identity a certificate names (its first DNS SAN) and its validity.
pub fn leaf_identity(certificate: &CertificateDer<'_>) -> Result<Leaf, String> {
    use x509_parser::extensions::GeneralName;
    let (_, parsed) =
        x509_parser::parse_x509_certificate(certificate.as_ref()).map_err(|e| format!("not a certificate: {e}"))?;
    let names = parsed.subject_alternative_name().map_err(|e| format!("bad subjectAltName: {e}"))?;
    let dns = names
        .and_then(|names| {
            names.value.general_names.iter().find_map(|n| if let GeneralName::DNSName(d) = n { Some(*d) } else { None })
        })
        .ok_or("the certificate names no DNS identity (subjectAltName)")?;
    let identity = Identity::parse(dns).map_err(|e| e.to_string())?;
    let instant = |time: x509_parser::time::ASN1Time| {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(time.timestamp()).unwrap_or(0))
    };
    Ok(Leaf {
        identity,
        not_before: instant(parsed.validity().not_before),
        not_after: instant(parsed.validity().not_after),
    })
}

/// The identity of a peer, from the certificate it presented (`None` without one, or if it names none).
pub fn peer_identity(certificates: Option<&[CertificateDer<'static>]>) -> Option<Identity> {
    leaf_identity(certificates?.first()?).ok().map(|leaf| leaf.identity)
}
