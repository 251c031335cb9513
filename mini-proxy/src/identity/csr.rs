//! Certificate signing requests: a proxy makes one for its identity over a key that never leaves it
//! ([`Request::new`]), and the identity service checks one before signing ([`check`]).
//!
//! The checks are Linkerd's (l2 `pkg/identity/service.go` `checkCSR`, `pkg/tls/ca.go`): exactly one DNS
//! name, equal to the identity asked for; a common name that is empty or that same name; no e-mail, IP
//! or URI names; an ECDSA key. We also require the P-256 curve (what every mesh key is) and a signature
//! that verifies with the CSR's own key, so the requester holds the private key it asks a certificate for.

use rcgen::{CertificateParams, DistinguishedName, KeyPair, PKCS_ECDSA_P256_SHA256, SubjectPublicKeyInfo};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::name::Identity;

/// A CSR the identity service will not sign; the message says what is wrong with it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// Not a PKCS#10 request.
    #[error("the certificate signing request does not parse as DER PKCS#10: {0}")]
    Malformed(String),
    /// The signature does not verify with the request's key.
    #[error("the certificate signing request's signature does not verify with its own public key")]
    Signature,
    /// Not an ECDSA P-256 key.
    #[error("the certificate signing request's key is not ECDSA P-256; generate a P-256 key")]
    KeyType,
    /// Zero or several DNS names.
    #[error("the certificate signing request must have exactly one DNS name, it has {0}")]
    DnsNameCount(usize),
    /// The DNS name is another identity than the one requested.
    #[error("the certificate signing request names {csr}, not the requested identity {requested}")]
    NameMismatch {
        /// What the CSR names.
        csr: String,
        /// What the request asked for.
        requested: Identity,
    },
    /// A common name other than the identity.
    #[error("the certificate signing request's common name {0:?} is not the requested identity")]
    CommonName(String),
    /// E-mail, IP or URI names, which cannot be validated.
    #[error("the certificate signing request has {0} names, which cannot be validated; ask for the DNS name only")]
    OtherNames(&'static str),
}

/// A proxy's key and the CSR for its identity.
pub struct Request {
    key: KeyPair,
    csr_der: Vec<u8>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("csr_der", &format_args!("<{} bytes>", self.csr_der.len())).finish()
    }
}

impl Request {
    /// A fresh ECDSA P-256 key and a CSR naming `identity` as its only DNS name and its common name,
    /// as Linkerd's `proxy-identity` makes them.
    pub fn new(identity: &Identity) -> Result<Request, rcgen::Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec![identity.to_string()])?;
        let mut name = DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, identity.as_str());
        params.distinguished_name = name;
        let csr_der = params.serialize_request(&key)?.der().to_vec();
        Ok(Request { key, csr_der })
    }

    /// The CSR, DER, as `CertifyRequest.certificate_signing_request` carries it.
    pub fn csr_der(&self) -> &[u8] {
        &self.csr_der
    }

    /// The private key, PKCS#8 DER, for the TLS configurations.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()))
    }
}

/// Checks `der` as a request for `requested`; returns the key to certify.
pub fn check(der: &[u8], requested: &Identity) -> Result<SubjectPublicKeyInfo, CsrError> {
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|e| CsrError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CsrError::Malformed(format!("{} bytes after the request", rest.len())));
    }
    let info = &csr.certification_request_info;
    let key = SubjectPublicKeyInfo::from_der(info.subject_pki.raw).map_err(|_| CsrError::KeyType)?;
    if rcgen::PublicKeyData::algorithm(&key) != &PKCS_ECDSA_P256_SHA256 {
        return Err(CsrError::KeyType);
    }
    csr.verify_signature().map_err(|_| CsrError::Signature)?;

    let mut dns = Vec::new();
    for extension in csr.requested_extensions().into_iter().flatten() {
        if let ParsedExtension::SubjectAlternativeName(names) = extension {
            for name in &names.general_names {
                match name {
                    GeneralName::DNSName(name) => dns.push(*name),
                    GeneralName::RFC822Name(_) => return Err(CsrError::OtherNames("e-mail")),
                    GeneralName::IPAddress(_) => return Err(CsrError::OtherNames("IP address")),
                    GeneralName::URI(_) => return Err(CsrError::OtherNames("URI")),
                    _ => return Err(CsrError::OtherNames("other")),
                }
            }
        }
    }
    let [name] = dns[..] else { return Err(CsrError::DnsNameCount(dns.len())) };
    if Identity::parse(name).ok().as_ref() != Some(requested) {
        return Err(CsrError::NameMismatch { csr: name.to_string(), requested: requested.clone() });
    }
    for common_name in info.subject.iter_common_name() {
        let text = common_name.as_str().map_err(|e| CsrError::Malformed(e.to_string()))?;
        if !text.is_empty() && Identity::parse(text).ok().as_ref() != Some(requested) {
            return Err(CsrError::CommonName(text.to_string()));
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(name: &str) -> Identity {
        Identity::parse(name).expect("valid identity")
    }

    /// A CSR with these names and this common name, over a key of `alg`.
    fn csr(names: Vec<rcgen::SanType>, common_name: Option<&str>, alg: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = KeyPair::generate_for(alg).expect("key");
        let mut params = CertificateParams::default();
        params.subject_alt_names = names;
        let mut name = DistinguishedName::new();
        if let Some(common_name) = common_name {
            name.push(rcgen::DnType::CommonName, common_name);
        }
        params.distinguished_name = name;
        params.serialize_request(&key).expect("csr").der().to_vec()
    }

    fn dns(name: &str) -> rcgen::SanType {
        rcgen::SanType::DnsName(name.try_into().expect("dns name"))
    }

    const WEB: &str = "web.default.serviceaccount.identity.linkerd.cluster.local";

    /// The proxy's own request passes the service's checks.
    #[test]
    fn own_requests_pass() {
        let request = Request::new(&identity(WEB)).expect("request");
        check(request.csr_der(), &identity(WEB)).expect("accepted");
    }

    /// Another identity, two names, no name, a foreign common name, IP and URI names are refused.
    #[test]
    fn refusals() {
        let p256 = &PKCS_ECDSA_P256_SHA256;
        let other = "db.default.serviceaccount.identity.linkerd.cluster.local";
        let cases = [
            (csr(vec![dns(other)], None, p256), "names db.default"),
            (csr(vec![dns(WEB), dns(other)], None, p256), "exactly one DNS name, it has 2"),
            (csr(vec![], None, p256), "exactly one DNS name, it has 0"),
            (csr(vec![dns(WEB)], Some("admin"), p256), "common name \"admin\""),
            (csr(vec![dns(WEB), rcgen::SanType::IpAddress([10, 0, 0, 1].into())], None, p256), "IP address"),
            (csr(vec![dns(WEB), rcgen::SanType::URI("spiffe://x/y".try_into().expect("uri"))], None, p256), "URI"),
            (csr(vec![dns(WEB)], None, &rcgen::PKCS_ECDSA_P384_SHA384), "not ECDSA P-256"),
            (vec![0x30, 0x03, 0x02, 0x01, 0x00], "does not parse"),
        ];
        for (der, expected) in cases {
            let error = check(&der, &identity(WEB)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    /// A request whose signature was tampered with is refused.
    #[test]
    fn tampered_signature() {
        let mut der = Request::new(&identity(WEB)).expect("request").csr_der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        assert_eq!(check(&der, &identity(WEB)).err(), Some(CsrError::Signature));
    }
}
