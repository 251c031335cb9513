//! One Certify call, decided: the checks Linkerd's identity service makes, in its order and with its
//! gRPC codes (l2 `pkg/identity/service.go`), then the signature.
//!
//! 1. The request is complete: an identity name, a token, a CSR that parses (`InvalidArgument`).
//! 2. The issuer has not expired (`Unavailable`: nothing can be issued until it is replaced).
//! 3. The CSR asks for exactly the identity requested, and only it (`FailedPrecondition`).
//! 4. The token is authenticated by a TokenReview (`FailedPrecondition` when it is not,
//!    `InvalidArgument` when it is not a ServiceAccount's, `Internal` when the review fails).
//! 5. The token's ServiceAccount is the identity requested (`FailedPrecondition`).
//!
//! Every refusal says what was wrong with which name; none repeats the token.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tracing::info;

use super::tokens::{self, TokenError};
use crate::identity::csr::{self, CsrError};
use crate::identity::issue::Authority;
use crate::identity::name::Identity;
use crate::identity::proto::{CertifyRequest, CertifyResponse, Code, Timestamp};

/// What signing needs.
pub struct Certifier {
    /// The issuer.
    pub authority: Arc<Authority>,
    /// The Kubernetes API, for TokenReviews.
    pub client: kube::Client,
    /// The trust domain of ServiceAccount identities.
    pub trust_domain: String,
    /// How long a leaf is valid (capped at the issuer's expiry).
    pub lifetime: Duration,
}

/// A refused request: the gRPC status to answer with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The code.
    pub code: Code,
    /// What was wrong, for the caller.
    pub message: String,
}

impl Refusal {
    fn new(code: Code, message: impl Into<String>) -> Refusal {
        Refusal { code, message: message.into() }
    }
}

impl Certifier {
    /// Checks `request` and signs its CSR, or says why not.
    pub async fn certify(&self, request: CertifyRequest) -> Result<CertifyResponse, Refusal> {
        let invalid = |message: String| Refusal::new(Code::InvalidArgument, message);
        if request.identity.is_empty() {
            return Err(invalid("missing identity".into()));
        }
        let identity = Identity::parse(&request.identity).map_err(|e| invalid(e.to_string()))?;
        if request.token.is_empty() {
            return Err(invalid("missing token".into()));
        }
        if request.certificate_signing_request.is_empty() {
            return Err(invalid("missing certificate signing request".into()));
        }
        let key = match csr::check(&request.certificate_signing_request, &identity) {
            Err(e @ CsrError::Malformed(_)) => return Err(invalid(e.to_string())),
            checked => checked,
        };
        if SystemTime::now() >= self.authority.not_after() {
            return Err(Refusal::new(
                Code::Unavailable,
                "the issuer certificate has expired; replace the linkerd-identity-issuer Secret",
            ));
        }
        let key = key.map_err(|e| Refusal::new(Code::FailedPrecondition, e.to_string()))?;

        let owner = tokens::review(&self.client, &request.token, &self.trust_domain).await.map_err(|e| {
            let code = match e {
                TokenError::NotAuthenticated => Code::FailedPrecondition,
                TokenError::Invalid(_) => Code::InvalidArgument,
                TokenError::Api(_) => Code::Internal,
            };
            info!(%identity, error = %e, "refused a certificate");
            Refusal::new(code, format!("{e} (requested {identity})"))
        })?;
        if owner != identity {
            let message = format!("requested identity {identity}, but the token is for {owner}");
            info!(%identity, %owner, "refused a certificate: the token is another ServiceAccount's");
            return Err(Refusal::new(Code::FailedPrecondition, message));
        }

        let signed = self
            .authority
            .sign(&identity, &key, self.lifetime)
            .map_err(|e| Refusal::new(Code::Internal, e.to_string()))?;
        info!(%identity, valid_until = ?signed.not_after, "issued a certificate");
        Ok(CertifyResponse {
            leaf_certificate: signed.leaf.to_vec(),
            intermediate_certificates: vec![self.authority.cert_der().to_vec()],
            valid_until: Some(Timestamp::from_system_time(signed.not_after)),
        })
    }
}
