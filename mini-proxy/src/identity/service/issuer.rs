//! The issuer the service signs with, kept where Linkerd keeps it: the `kubernetes.io/tls` Secret
//! `linkerd-identity-issuer` (`tls.crt` the issuer, `tls.key` its key, `ca.crt` the trust anchor), and
//! the trust anchors proxies verify with in the ConfigMap `linkerd-identity-trust-roots`
//! (`ca-bundle.crt`).
//!
//! Linkerd's installer makes both; ours are made by the service at its first start when the Secret is
//! absent: a new trust anchor signs a new issuer, the Secret is created, then the ConfigMap. The anchor's
//! key is not kept, as `linkerd install` does not keep it in the cluster either: nothing needs it until
//! the issuer is replaced. Later starts (and other replicas) read what is there. If two replicas race at
//! the first start, the API server keeps one Secret and the loser reads the winner's.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ObjectMeta, PostParams};
use tracing::info;

use crate::identity::issue::{ANCHOR_LIFETIME, Authority};

/// Linkerd's issuer Secret.
pub const ISSUER_SECRET: &str = "linkerd-identity-issuer";
/// Linkerd's trust-roots ConfigMap.
pub const TRUST_ROOTS_CONFIG_MAP: &str = "linkerd-identity-trust-roots";
/// The ConfigMap key of the PEM bundle.
pub const TRUST_ROOTS_KEY: &str = "ca-bundle.crt";
/// A Secret of type `kubernetes.io/tls`.
const TLS_SECRET_TYPE: &str = "kubernetes.io/tls";
/// HTTP 409, what the API server answers a create of a name that exists.
const CONFLICT: u16 = 409;

/// Where the issuer and the anchors live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerObjects {
    /// The namespace of both objects (`linkerd`).
    pub namespace: String,
    /// The Secret's name.
    pub secret: String,
    /// The ConfigMap's name.
    pub config_map: String,
}

impl IssuerObjects {
    /// Linkerd's names in `namespace`.
    pub fn linkerd(namespace: &str) -> IssuerObjects {
        IssuerObjects {
            namespace: namespace.to_string(),
            secret: ISSUER_SECRET.to_string(),
            config_map: TRUST_ROOTS_CONFIG_MAP.to_string(),
        }
    }
}

/// The issuer and the trust anchors its leaves are verified against.
pub struct IssuerState {
    /// The issuer (an intermediate CA).
    pub authority: Authority,
    /// The trust anchors, PEM.
    pub anchors_pem: String,
}

/// The issuer could not be loaded or made; the message names the object and what to do.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The API call failed.
    #[error("{action} {object}: {source}")]
    Api {
        /// What was being done.
        action: &'static str,
        /// `secret linkerd/linkerd-identity-issuer`.
        object: String,
        /// What kube said.
        source: kube::Error,
    },
    /// The object is there but its content is unusable.
    #[error("{object}: {problem}; fix or delete it (deleting the Secret makes a new trust anchor at the next start)")]
    Invalid {
        /// The object.
        object: String,
        /// What is wrong.
        problem: String,
    },
}

/// Reads the issuer, or makes and stores it at the first start.
pub async fn load_or_create(
    client: &kube::Client,
    objects: &IssuerObjects,
    trust_domain: &str,
) -> Result<IssuerState, IssuerError> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &objects.namespace);
    let secret_name = format!("secret {}/{}", objects.namespace, objects.secret);
    let api = |action, source| IssuerError::Api { action, object: secret_name.clone(), source };
    let secret = match secrets.get_opt(&objects.secret).await.map_err(|e| api("cannot read", e))? {
        Some(secret) => secret,
        None => {
            let new = new_issuer_secret(objects, trust_domain)
                .map_err(|problem| IssuerError::Invalid { object: secret_name.clone(), problem })?;
            match secrets.create(&PostParams::default(), &new).await {
                Ok(created) => {
                    info!(secret = %secret_name, "made a new trust anchor and issuer");
                    created
                }
                // Another replica made it first: use theirs.
                Err(kube::Error::Api(status)) if status.code == CONFLICT => {
                    secrets.get(&objects.secret).await.map_err(|e| api("cannot read", e))?
                }
                Err(e) => return Err(api("cannot create", e)),
            }
        }
    };
    let invalid = |problem: String| IssuerError::Invalid { object: secret_name.clone(), problem };
    let field = |key: &str| -> Result<String, IssuerError> {
        let bytes = secret.data.as_ref().and_then(|data| data.get(key)).map(|b| b.0.clone()).unwrap_or_default();
        let text = String::from_utf8(bytes).map_err(|_| invalid(format!("{key} is not PEM text")))?;
        if text.trim().is_empty() { Err(invalid(format!("{key} is missing or empty"))) } else { Ok(text) }
    };
    let authority = Authority::load(&field("tls.crt")?, &field("tls.key")?)
        .map_err(|e| invalid(format!("tls.crt and tls.key are not a usable issuer: {e}")))?;
    let anchors_pem = publish_anchors(client, objects, &field("ca.crt")?).await?;
    Ok(IssuerState { authority, anchors_pem })
}

/// The trust anchors from the ConfigMap, creating it from the Secret's `ca.crt` when absent.
async fn publish_anchors(
    client: &kube::Client,
    objects: &IssuerObjects,
    secret_anchors: &str,
) -> Result<String, IssuerError> {
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), &objects.namespace);
    let object = format!("configmap {}/{}", objects.namespace, objects.config_map);
    let api = |action, source| IssuerError::Api { action, object: object.clone(), source };
    let map = match maps.get_opt(&objects.config_map).await.map_err(|e| api("cannot read", e))? {
        Some(map) => map,
        None => {
            let new = trust_roots_config_map(&objects.namespace, &objects.config_map, secret_anchors);
            match maps.create(&PostParams::default(), &new).await {
                Ok(created) => {
                    info!(configmap = %object, "published the trust anchors");
                    created
                }
                Err(kube::Error::Api(status)) if status.code == CONFLICT => {
                    maps.get(&objects.config_map).await.map_err(|e| api("cannot read", e))?
                }
                Err(e) => return Err(api("cannot create", e)),
            }
        }
    };
    map.data
        .and_then(|mut data| data.remove(TRUST_ROOTS_KEY))
        .filter(|pem| !pem.trim().is_empty())
        .ok_or_else(|| IssuerError::Invalid { object, problem: format!("{TRUST_ROOTS_KEY} is missing or empty") })
}

/// The ConfigMap `name` in `namespace` publishing `anchors_pem` under [`TRUST_ROOTS_KEY`].
pub fn trust_roots_config_map(namespace: &str, name: &str, anchors_pem: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.to_string()),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(TRUST_ROOTS_KEY.to_string(), anchors_pem.to_string())])),
        ..Default::default()
    }
}

/// A new anchor and issuer, as the Secret to store; `mini-proxy identity install` prints the same.
pub fn new_issuer_secret(objects: &IssuerObjects, trust_domain: &str) -> Result<Secret, String> {
    let anchor = Authority::new_anchor(trust_domain, ANCHOR_LIFETIME).map_err(|e| e.to_string())?;
    let issuer = anchor.new_issuer(trust_domain, ANCHOR_LIFETIME).map_err(|e| e.to_string())?;
    let bytes = |text: &str| ByteString(text.as_bytes().to_vec());
    Ok(Secret {
        metadata: ObjectMeta {
            name: Some(objects.secret.clone()),
            namespace: Some(objects.namespace.clone()),
            ..Default::default()
        },
        type_: Some(TLS_SECRET_TYPE.to_string()),
        data: Some(BTreeMap::from([
            ("tls.crt".to_string(), bytes(&issuer.minted.cert_pem)),
            ("tls.key".to_string(), bytes(&issuer.minted.key_pem)),
            ("ca.crt".to_string(), bytes(&anchor.minted.cert_pem)),
        ])),
        ..Default::default()
    })
}
