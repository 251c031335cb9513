//! Minting certificates with rcgen: a trust anchor, and leaf certificates for identities, shaped like
//! Linkerd's identity service issues them (ECDSA P-256, the identity as the only DNS SAN, server and
//! client auth, a 20 s clock-skew allowance before now, never outliving the issuer).
//!
//! `mini-proxy identity issue` uses this for standalone meshes and tests; `mini-proxy identity serve`
//! makes its trust anchor and issuer (an intermediate CA, as Linkerd installs one) here and signs the
//! proxies' CSRs with the same leaf parameters ([`Authority::sign`]).

use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData,
};
use rustls::pki_types::CertificateDer;
use time::OffsetDateTime;

use super::name::Identity;

/// How far back a leaf's validity starts, Linkerd's `clockSkewAllowance`.
pub const CLOCK_SKEW: Duration = Duration::from_secs(20);
/// A leaf's default lifetime, Linkerd's `issuanceLifetime`.
pub const LEAF_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// A trust anchor's default lifetime, Linkerd's default of a year.
pub const ANCHOR_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// Minting failed (rcgen's reason).
#[derive(Debug, thiserror::Error)]
#[error("cannot issue a certificate: {0}")]
pub struct IssueError(String);

impl From<rcgen::Error> for IssueError {
    fn from(e: rcgen::Error) -> Self {
        IssueError(e.to_string())
    }
}

/// A certificate and its key, both PEM.
#[derive(Clone, Debug)]
pub struct Minted {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

/// A CA that signs leaf certificates.
pub struct Authority {
    /// The CA's own certificate and key.
    pub minted: Minted,
    issuer: Issuer<'static, KeyPair>,
    cert_der: CertificateDer<'static>,
    not_after: SystemTime,
}

/// A leaf signed for a key the holder keeps (from its CSR).
#[derive(Clone, Debug)]
pub struct Signed {
    /// The leaf certificate.
    pub leaf: CertificateDer<'static>,
    /// When it expires.
    pub not_after: SystemTime,
}

impl Authority {
    /// A fresh self-signed trust anchor for `trust_domain`, valid from now for `lifetime`.
    pub fn new_anchor(trust_domain: &str, lifetime: Duration) -> Result<Authority, IssueError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, format!("root.{trust_domain}"));
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = SystemTime::now();
        params.not_before = to_time(now - CLOCK_SKEW);
        params.not_after = to_time(now + lifetime);
        let cert = params.self_signed(&key)?;
        let minted = Minted { cert_pem: cert.pem(), key_pem: key.serialize_pem() };
        let cert_der = cert.der().clone();
        Ok(Authority { minted, issuer: Issuer::new(params, key), cert_der, not_after: now + lifetime })
    }

    /// A fresh intermediate CA signed by this one, Linkerd's `identity.linkerd.<trust domain>` issuer,
    /// valid from now for `lifetime` (capped at this CA's expiry).
    pub fn new_issuer(&self, trust_domain: &str, lifetime: Duration) -> Result<Authority, IssueError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, format!("identity.{}.{trust_domain}", super::name::CONTROL_PLANE_NAMESPACE));
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = SystemTime::now();
        let not_after = (now + lifetime).min(self.not_after);
        params.not_before = to_time(now - CLOCK_SKEW);
        params.not_after = to_time(not_after);
        let cert = params.signed_by(&key, &self.issuer)?;
        let minted = Minted { cert_pem: cert.pem(), key_pem: key.serialize_pem() };
        let cert_der = cert.der().clone();
        Ok(Authority { minted, issuer: Issuer::new(params, key), cert_der, not_after })
    }

    /// Loads an existing CA from its certificate and key.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Authority, IssueError> {
        let der = rustls::pki_types::CertificateDer::from(
            rcgen_pem_contents(cert_pem).ok_or_else(|| IssueError("the CA certificate is not PEM".into()))?,
        );
        let (_, parsed) = x509_parser::parse_x509_certificate(der.as_ref()).map_err(|e| IssueError(e.to_string()))?;
        let seconds = u64::try_from(parsed.validity().not_after.timestamp()).unwrap_or(0);
        if !parsed.is_ca() {
            return Err(IssueError("the certificate is not a CA (basicConstraints CA:FALSE or missing)".into()));
        }
        let issuer = Issuer::from_ca_cert_pem(cert_pem, KeyPair::from_pem(key_pem)?)?;
        let minted = Minted { cert_pem: cert_pem.to_string(), key_pem: key_pem.to_string() };
        let not_after = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        Ok(Authority { minted, issuer, cert_der: der, not_after })
    }

    /// The CA's certificate, DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// When the CA's certificate expires; no leaf it signs outlives it.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// A leaf for `identity` over `public_key` (a CSR's), valid from 20 s ago for `lifetime`, capped at
    /// the CA's own expiry: what the identity service answers a Certify request with.
    pub fn sign(
        &self,
        identity: &Identity,
        public_key: &impl PublicKeyData,
        lifetime: Duration,
    ) -> Result<Signed, IssueError> {
        let now = SystemTime::now();
        // Certificates hold whole seconds; the reported expiry must be the certificate's own.
        let not_after = whole_seconds((now + lifetime).min(self.not_after));
        let cert = leaf_params(identity, now - CLOCK_SKEW, not_after)?.signed_by(public_key, &self.issuer)?;
        Ok(Signed { leaf: cert.der().clone(), not_after })
    }

    /// A leaf for `identity`, valid from 20 s ago for `lifetime`, capped at the CA's own expiry.
    pub fn issue(&self, identity: &Identity, lifetime: Duration) -> Result<Minted, IssueError> {
        let now = SystemTime::now();
        let not_after = (now + lifetime).min(self.not_after);
        self.issue_between(identity, now - CLOCK_SKEW, not_after)
    }

    /// A leaf for `identity` valid exactly from `not_before` to `not_after` (tests mint expired and
    /// not-yet-valid certificates with it).
    pub fn issue_between(
        &self,
        identity: &Identity,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Minted, IssueError> {
        let key = KeyPair::generate()?;
        let cert = leaf_params(identity, not_before, not_after)?.signed_by(&key, &self.issuer)?;
        Ok(Minted { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

/// A leaf's parameters, as Linkerd's CA writes them (l2 `pkg/tls/ca.go`): the identity as the only DNS
/// SAN, no subject, not a CA, key usage DigitalSignature and KeyEncipherment, extended key usage server
/// and client auth.
fn leaf_params(
    identity: &Identity,
    not_before: SystemTime,
    not_after: SystemTime,
) -> Result<CertificateParams, IssueError> {
    let mut params = CertificateParams::new(vec![identity.to_string()])?;
    params.distinguished_name = DistinguishedName::new();
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = to_time(not_before);
    params.not_after = to_time(not_after);
    Ok(params)
}

fn whole_seconds(at: SystemTime) -> SystemTime {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn to_time(at: SystemTime) -> OffsetDateTime {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).unwrap_or(0)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The DER inside the first PEM block of `pem`.
fn rcgen_pem_contents(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).ok().map(|der| der.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::creds::{Credentials, leaf_identity};

    /// A minted leaf names its identity, chains to its anchor, and makes usable credentials.
    #[test]
    fn minted_leaf_makes_credentials() {
        let anchor = Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor");
        let identity = Identity::parse("web.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let leaf = anchor.issue(&identity, LEAF_LIFETIME).expect("leaf");
        let creds = Credentials::from_pem(
            leaf.cert_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            anchor.minted.cert_pem.as_bytes(),
            Some(&identity),
        )
        .expect("credentials");
        assert_eq!(creds.identity, identity);
        let remaining = creds.not_after.duration_since(SystemTime::now()).expect("in the future");
        assert!(remaining > Duration::from_secs(23 * 3600) && remaining <= LEAF_LIFETIME, "{remaining:?}");
    }

    /// A leaf never outlives its issuer.
    #[test]
    fn leaf_is_capped_at_the_issuer() {
        let anchor = Authority::new_anchor("cluster.local", Duration::from_secs(3600)).expect("anchor");
        let identity = Identity::parse("a.b.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let leaf = anchor.issue(&identity, LEAF_LIFETIME).expect("leaf");
        let der = rcgen_pem_contents(&leaf.cert_pem).expect("pem");
        let leaf = leaf_identity(&der.into()).expect("leaf");
        assert!(leaf.not_after <= SystemTime::now() + Duration::from_secs(3601));
        assert!(leaf.not_before <= SystemTime::now() - CLOCK_SKEW + Duration::from_secs(1));
    }

    /// An anchor written out loads back and still signs.
    #[test]
    fn anchors_load_back() {
        let anchor = Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor");
        let loaded = Authority::load(&anchor.minted.cert_pem, &anchor.minted.key_pem).expect("load");
        let identity = Identity::parse("a.b.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let leaf = loaded.issue(&identity, LEAF_LIFETIME).expect("leaf");
        Credentials::from_pem(
            leaf.cert_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            anchor.minted.cert_pem.as_bytes(),
            None,
        )
        .expect("chains");
    }

    /// A certificate naming another identity is refused, naming both.
    #[test]
    fn wrong_identity_is_refused() {
        let anchor = Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor");
        let other = Identity::parse("other.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let me = Identity::parse("me.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let leaf = anchor.issue(&other, LEAF_LIFETIME).expect("leaf");
        let error = Credentials::from_pem(
            leaf.cert_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            anchor.minted.cert_pem.as_bytes(),
            Some(&me),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(error.contains("names other.default") && error.contains("me.default"), "{error}");
    }
}
