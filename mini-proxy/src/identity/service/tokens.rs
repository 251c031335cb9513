//! Who a ServiceAccount token belongs to, asked of the Kubernetes API with a TokenReview, as Linkerd's
//! identity controller asks (l2 `controller/identity/validator.go`): first for the audience the injected
//! projected token is made for, `identity.l5d.io`; if the API server says the token's audiences do not
//! match (an old-style token without that audience), again without an audience.
//!
//! The token is sent to the API server and nowhere else: it is not logged, and it is cut out of any
//! message the API server returns before that message reaches a log or a gRPC status.

use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec, TokenReviewStatus};
use kube::api::{Api, PostParams};

use crate::identity::name::Identity;

/// The audience of the projected token the injector mounts, Linkerd's `LinkerdAudienceKey`.
pub const AUDIENCE: &str = "identity.l5d.io";

/// The text in a TokenReview's error that means "wrong audience", Linkerd's test for falling back.
const AUDIENCE_ERROR: &str = "token audiences";

/// Why a token gives no identity.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The API server does not accept the token (expired, revoked, forged).
    #[error("the token could not be authenticated")]
    NotAuthenticated,
    /// The token was reviewed but is not a ServiceAccount's, or the review says why it is refused.
    #[error("the token is invalid: {0}")]
    Invalid(String),
    /// The review itself failed; trying again may help.
    #[error("the TokenReview failed: {0}")]
    Api(String),
}

/// Asks the API server whose `token` is; the answer is that ServiceAccount's identity in `trust_domain`.
pub async fn review(client: &kube::Client, token: &[u8], trust_domain: &str) -> Result<Identity, TokenError> {
    let text = std::str::from_utf8(token).map_err(|_| TokenError::Invalid("the token is not text".into()))?;
    let mut status = create(client, text, Some(AUDIENCE)).await?;
    if status.error.as_deref().is_some_and(|e| e.contains(AUDIENCE_ERROR)) {
        tracing::debug!("the TokenReview for {AUDIENCE} failed on the audience; trying again without one");
        status = create(client, text, None).await?;
    }
    if let Some(error) = status.error.as_deref().filter(|e| !e.is_empty()) {
        return Err(TokenError::Invalid(scrub(error, text)));
    }
    if status.authenticated != Some(true) {
        return Err(TokenError::NotAuthenticated);
    }
    let username = status.user.and_then(|user| user.username).unwrap_or_default();
    service_account_identity(&scrub(&username, text), trust_domain)
}

async fn create(client: &kube::Client, token: &str, audience: Option<&str>) -> Result<TokenReviewStatus, TokenError> {
    let reviews: Api<TokenReview> = Api::all(client.clone());
    let review = TokenReview {
        spec: TokenReviewSpec { token: Some(token.to_string()), audiences: audience.map(|a| vec![a.to_string()]) },
        ..Default::default()
    };
    let reviewed = reviews
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| TokenError::Api(scrub(&e.to_string(), token)))?;
    Ok(reviewed.status.unwrap_or_default())
}

/// The identity of a ServiceAccount user name, `system:serviceaccount:NAMESPACE:NAME`.
pub fn service_account_identity(username: &str, trust_domain: &str) -> Result<Identity, TokenError> {
    let invalid = |why: &str| TokenError::Invalid(format!("user {username:?} {why}"));
    let parts: Vec<&str> = username.split(':').collect();
    let ["system", "serviceaccount", namespace, name] = parts[..] else {
        return Err(invalid("is not a ServiceAccount (expected system:serviceaccount:NAMESPACE:NAME)"));
    };
    if ![namespace, name].iter().all(|label| is_dns_label(label)) {
        return Err(invalid("has a namespace or name that is not a DNS label"));
    }
    Identity::of_service_account(name, namespace, trust_domain).map_err(|e| invalid(e.reason))
}

/// RFC 1123 label: lower-case letters, digits and inner dashes, at most 63.
fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// `message` with every occurrence of `token` replaced, so the token cannot leak through an error.
fn scrub(message: &str, token: &str) -> String {
    if token.is_empty() { message.to_string() } else { message.replace(token, "<token>") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ServiceAccount user names become Linkerd's identity names; anything else is refused, naming it.
    #[test]
    fn user_names() {
        let identity = service_account_identity("system:serviceaccount:emojivoto:web", "cluster.local").expect("SA");
        assert_eq!(identity.as_str(), "web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
        for bad in ["system:node:worker", "alice", "system:serviceaccount:ns:Web", "system:serviceaccount:ns:a:b"] {
            let error = service_account_identity(bad, "cluster.local").err().map(|e| e.to_string());
            assert!(error.as_deref().is_some_and(|e| e.contains(&format!("{bad:?}"))), "{bad}: {error:?}");
        }
    }

    /// The token is cut out of messages.
    #[test]
    fn scrubbing() {
        assert_eq!(scrub("bad token eyJabc here", "eyJabc"), "bad token <token> here");
    }
}
