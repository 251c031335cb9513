//! The proxy's identity client: certificates from the identity service instead of a directory, as
//! Linkerd's proxy gets them (proxy `linkerd/proxy/identity-client/src/certify.rs`).
//!
//! At start the proxy makes an ECDSA P-256 key, which stays in memory, and a CSR for its identity
//! ([`IdentityClient::new`]). [`maintain`] then certifies: it reads the ServiceAccount token afresh
//! (the kubelet rotates the projected file), calls `Certify` over TLS on HTTP/2, checks the answer (the
//! chain leads to the trust anchors, the leaf names this proxy, it has not expired) and swaps the new
//! credentials in whole, so new handshakes use them and open connections keep theirs. Readiness opens
//! with the first certificate.
//!
//! Linkerd's schedule: the next certify comes at 70 % of the held certificate's remaining life, kept
//! within 10 s and 24 h. A failed certify changes nothing held: with no certificate yet the next try
//! is after 10 s; with one, at 70 % of what is left of it (about 16.8 h, then 5 h, ... for a 24 h leaf,
//! never under 10 s). A certificate that runs out closes readiness until a new one arrives.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::RootCertStore;
use rustls::client::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use server_runtime::{ConfigError, ReadyGate};
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::creds::{self, Credentials};
use super::csr;
use super::files::{CurrentCredentials, REFRESH_BOUNDS, ROOTS_FILE, refresh_after};
use super::name::Identity;
use super::proto::{self, CERTIFY_PATH, CertifyRequest, CertifyResponse, Code, GRPC_CONTENT_TYPE, MAX_MESSAGE};

/// How long one Certify call may take, connecting included.
pub const CERTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to certify, from `LINKERD2_PROXY_IDENTITY_*`.
#[derive(Clone, Debug)]
pub struct ServiceSource {
    /// The service's address, `HOST:PORT` (`linkerd-identity-headless.linkerd.svc.cluster.local.:8080`).
    pub addr: String,
    /// The identity the service's certificate must name (`LINKERD2_PROXY_IDENTITY_SVC_NAME`).
    pub name: Identity,
    /// The projected ServiceAccount token, re-read at every certify.
    pub token_file: PathBuf,
    /// This proxy's identity (`LINKERD2_PROXY_IDENTITY_LOCAL_NAME`).
    pub identity: Identity,
    /// The trust anchors, PEM.
    pub roots_pem: String,
}

/// The settings `run` was given, before checking.
#[derive(Clone, Debug)]
pub struct ServiceSettings<'a> {
    /// `LINKERD2_PROXY_IDENTITY_SVC_ADDR`.
    pub addr: &'a str,
    /// `LINKERD2_PROXY_IDENTITY_SVC_NAME`.
    pub name: Option<&'a str>,
    /// `LINKERD2_PROXY_IDENTITY_TOKEN_FILE`.
    pub token_file: Option<&'a std::path::Path>,
    /// `LINKERD2_PROXY_IDENTITY_LOCAL_NAME`, checked already.
    pub identity: Option<&'a Identity>,
    /// `LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS`.
    pub roots_pem: Option<&'a str>,
    /// `LINKERD2_PROXY_IDENTITY_DIR`, whose `ca.crt` stands in for inline anchors.
    pub dir: &'a std::path::Path,
}

impl ServiceSource {
    /// Checks the settings the client needs once the service's address is given; the first missing or
    /// bad one is named. Like Linkerd's proxy, an unreadable or empty token file stops the start.
    pub fn check(settings: ServiceSettings<'_>) -> Result<ServiceSource, ConfigError> {
        const ADDR: &str = "LINKERD2_PROXY_IDENTITY_SVC_ADDR";
        let required = |setting: &'static str| {
            ConfigError::invalid(setting, "", format!("required with {ADDR} (the identity service is used)"))
        };
        match settings.addr.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {}
            _ => {
                return Err(ConfigError::invalid(
                    ADDR,
                    settings.addr,
                    "expected HOST:PORT such as linkerd-identity-headless.linkerd.svc.cluster.local.:8080",
                ));
            }
        }
        let name_text = settings.name.ok_or_else(|| required("LINKERD2_PROXY_IDENTITY_SVC_NAME"))?;
        let name = Identity::parse(name_text)
            .map_err(|e| ConfigError::invalid("LINKERD2_PROXY_IDENTITY_SVC_NAME", name_text, e.reason))?;
        let identity = settings.identity.cloned().ok_or_else(|| required("LINKERD2_PROXY_IDENTITY_LOCAL_NAME"))?;
        let token_file = settings.token_file.ok_or_else(|| required("LINKERD2_PROXY_IDENTITY_TOKEN_FILE"))?;
        let path = token_file.display().to_string();
        match std::fs::metadata(token_file) {
            Ok(meta) if meta.len() > 0 => {}
            Ok(_) => {
                return Err(ConfigError::invalid("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", &path, "the file is empty"));
            }
            Err(e) => return Err(ConfigError::invalid("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", &path, e.to_string())),
        }
        let roots_pem = match settings.roots_pem {
            Some(pem) => pem.to_string(),
            None => std::fs::read_to_string(settings.dir.join(ROOTS_FILE)).map_err(|_| ConfigError::Invalid {
                setting: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
                value: String::new(),
                expected: format!(
                    "required with {ADDR}: give the anchors' PEM, or put them in {}",
                    settings.dir.join(ROOTS_FILE).display()
                )
                .into(),
            })?,
        };
        creds::roots_from_pem(roots_pem.as_bytes()).map_err(|e| ConfigError::Invalid {
            setting: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
            value: String::new(),
            expected: format!("{e}; expected PEM certificates").into(),
        })?;
        Ok(ServiceSource {
            addr: settings.addr.to_string(),
            name,
            token_file: token_file.to_path_buf(),
            identity,
            roots_pem,
        })
    }
}

/// A certify that did not give usable credentials; the message names the service and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    /// The token file cannot be read or is empty.
    #[error("token file {path}: {reason}")]
    Token {
        /// The file.
        path: String,
        /// Why (never its content).
        reason: String,
    },
    /// The service could not be reached or spoke no HTTP/2 over TLS.
    #[error("identity service {addr}: {reason}")]
    Connect {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The service refused, with this gRPC status.
    #[error("identity service {addr} refused: {code}: {message}")]
    Refused {
        /// The address.
        addr: String,
        /// The status code's name or number.
        code: String,
        /// Its message.
        message: String,
    },
    /// The answer is not a usable certificate.
    #[error("identity service {addr} answered with an unusable certificate: {reason}")]
    Certificate {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// The key, the CSR and the TLS configuration for talking to the service.
pub struct IdentityClient {
    source: ServiceSource,
    roots: Arc<RootCertStore>,
    tls: Arc<ClientConfig>,
    request: csr::Request,
}

impl std::fmt::Debug for IdentityClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityClient").field("source", &self.source).finish_non_exhaustive()
    }
}

impl IdentityClient {
    /// Makes the key and CSR for `source.identity`.
    pub fn new(source: ServiceSource) -> Result<IdentityClient, CertifyError> {
        let unusable = |reason: String| CertifyError::Certificate { addr: source.addr.clone(), reason };
        let roots = creds::roots_from_pem(source.roots_pem.as_bytes()).map_err(|e| unusable(e.to_string()))?;
        let tls = creds::anonymous_client_config(roots.clone()).map_err(|e| unusable(e.to_string()))?;
        let request = csr::Request::new(&source.identity).map_err(|e| unusable(format!("cannot make a CSR: {e}")))?;
        Ok(IdentityClient { source, roots, tls: Arc::new(tls), request })
    }

    /// One Certify call: the credentials it gives, checked.
    pub async fn certify(&self) -> Result<Credentials, CertifyError> {
        let token = self.token()?;
        let request = CertifyRequest {
            identity: self.source.identity.to_string(),
            token,
            certificate_signing_request: self.request.csr_der().to_vec(),
        };
        let response = self.send(request).await?;
        self.credentials(response)
    }

    /// Sends `request` as it is and returns the answer, within [`CERTIFY_TIMEOUT`]. [`certify`] builds
    /// the request from this proxy's own identity, token and CSR; tools and tests may craft others.
    ///
    /// [`certify`]: IdentityClient::certify
    pub async fn send(&self, request: CertifyRequest) -> Result<CertifyResponse, CertifyError> {
        tokio::time::timeout(CERTIFY_TIMEOUT, self.call(request)).await.map_err(|_| CertifyError::Connect {
            addr: self.source.addr.clone(),
            reason: format!("no answer within {CERTIFY_TIMEOUT:?}"),
        })?
    }

    fn token(&self) -> Result<Vec<u8>, CertifyError> {
        let path = self.source.token_file.display().to_string();
        match std::fs::read(&self.source.token_file) {
            Ok(token) if !token.is_empty() => Ok(token),
            Ok(_) => Err(CertifyError::Token { path, reason: "the file is empty".into() }),
            Err(e) => Err(CertifyError::Token { path, reason: e.to_string() }),
        }
    }

    /// Connects, sends the request over a fresh HTTP/2 connection (certifying is rare, so no
    /// connection is kept) and reads the answer.
    async fn call(&self, request: CertifyRequest) -> Result<CertifyResponse, CertifyError> {
        let addr = &self.source.addr;
        let failed = |reason: String| CertifyError::Connect { addr: addr.clone(), reason };
        let tcp = tokio::net::TcpStream::connect(addr.as_str()).await.map_err(|e| failed(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let server = ServerName::try_from(self.source.name.to_string()).map_err(|e| failed(e.to_string()))?;
        let tls = TlsConnector::from(self.tls.clone())
            .connect(server, tcp)
            .await
            .map_err(|e| failed(format!("TLS handshake as {}: {e}", self.source.name)))?;
        let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .map_err(|e| failed(format!("HTTP/2: {e}")))?;
        let driver = tokio::spawn(connection);
        let http_request = Request::post(format!("https://{}{CERTIFY_PATH}", self.source.name))
            .header(header::CONTENT_TYPE, GRPC_CONTENT_TYPE)
            .header(header::TE, "trailers")
            .body(Full::new(proto::frame(&request.encode())))
            .map_err(|e| failed(e.to_string()))?;
        let response = sender.send_request(http_request).await.map_err(|e| failed(format!("HTTP/2: {e}")));
        let outcome = match response {
            Ok(response) => self.read(response).await,
            Err(e) => Err(e),
        };
        driver.abort();
        outcome
    }

    async fn read(&self, response: http::Response<hyper::body::Incoming>) -> Result<CertifyResponse, CertifyError> {
        let addr = self.source.addr.clone();
        let failed = |reason: String| CertifyError::Connect { addr: addr.clone(), reason };
        if response.status() != StatusCode::OK {
            return Err(failed(format!("answered HTTP {}, not a gRPC response", response.status())));
        }
        let headers = response.headers().clone();
        let collected = Limited::new(response.into_body(), MAX_MESSAGE + 5)
            .collect()
            .await
            .map_err(|e| failed(format!("reading the answer: {e}")))?;
        let trailers = collected.trailers().cloned().unwrap_or_default();
        let body = collected.to_bytes();
        // A refusal may come as trailers, or as headers alone ("trailers-only").
        let (code, message) =
            status(&trailers).or_else(|| status(&headers)).ok_or_else(|| failed("no grpc-status".into()))?;
        if code != Code::Ok.value() {
            let name = Code::from_value(&code).map_or(code.clone(), |c| c.name().to_string());
            return Err(CertifyError::Refused { addr: addr.clone(), code: name, message });
        }
        let message = proto::unframe(&body).map_err(|e| failed(e.to_string()))?;
        CertifyResponse::decode(message).map_err(|e| failed(format!("not a CertifyResponse: {e}")))
    }

    /// Credentials from an answer: the chain must lead to the anchors and the leaf must name this proxy
    /// and not have expired, or every peer would refuse it.
    fn credentials(&self, response: CertifyResponse) -> Result<Credentials, CertifyError> {
        let unusable = |reason: String| CertifyError::Certificate { addr: self.source.addr.clone(), reason };
        let valid_until =
            response.valid_until.and_then(|at| at.to_system_time()).ok_or_else(|| unusable("no valid_until".into()))?;
        if valid_until <= SystemTime::now() {
            return Err(unusable(format!("it expired at {valid_until:?}")));
        }
        let chain: Vec<CertificateDer<'static>> = std::iter::once(response.leaf_certificate)
            .chain(response.intermediate_certificates)
            .map(CertificateDer::from)
            .collect();
        creds::verify_chain(self.roots.clone(), &chain, &self.source.identity).map_err(|e| unusable(e.to_string()))?;
        Credentials::from_der(chain, self.request.key_der(), self.roots.clone(), Some(&self.source.identity))
            .map_err(|e| unusable(e.to_string()))
    }
}

/// `grpc-status` and the decoded `grpc-message` in `headers`, if there is a status.
fn status(headers: &HeaderMap) -> Option<(String, String)> {
    let code = headers.get("grpc-status")?.to_str().ok()?.trim().to_string();
    let message = headers.get("grpc-message").and_then(|v: &HeaderValue| v.to_str().ok()).map(proto::decode_message);
    Some((code, message.unwrap_or_default()))
}

/// When to certify next: at 70 % of what is left of the held certificate, or after the shortest wait
/// without one (or once it has run out).
pub fn next_certify(expiry: Option<Instant>, now: Instant) -> Duration {
    match expiry {
        Some(expiry) if expiry > now => refresh_after(expiry - now),
        _ => REFRESH_BOUNDS.0,
    }
}

/// Certifies with `certify` until `shutdown`, keeping `current` filled and `ready` open while a
/// certificate is held and unexpired. Times are tokio's, so tests run the schedule on a paused clock.
pub async fn maintain<F, Fut>(
    mut certify: F,
    current: CurrentCredentials,
    ready: ReadyGate,
    shutdown: CancellationToken,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Credentials, CertifyError>>,
{
    let mut expiry: Option<Instant> = None;
    loop {
        let attempt = tokio::select! {
            attempt = certify() => attempt,
            _ = shutdown.cancelled() => return,
        };
        let now = Instant::now();
        match attempt {
            Ok(creds) => {
                let remaining = creds.not_after.duration_since(SystemTime::now()).unwrap_or_default();
                info!(identity = %creds.identity, valid_for = ?remaining, "certified");
                expiry = Some(now + remaining);
                current.store(Some(Arc::new(creds)));
                ready.open();
            }
            Err(e) if expiry.is_some_and(|at| at > now) => {
                warn!(error = %e, "identity renewal failed; keeping the certificate held")
            }
            Err(e) => {
                warn!(error = %e, "no valid identity; meshed TLS is refused until certified");
                ready.close();
            }
        }
        let wait = next_certify(expiry, now);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule: 70 % of what is left, at least 10 s, at most 24 h; 10 s with nothing held.
    #[test]
    fn schedule() {
        let now = Instant::now();
        assert_eq!(next_certify(None, now), Duration::from_secs(10));
        assert_eq!(next_certify(Some(now + Duration::from_secs(24 * 3600)), now), Duration::from_secs(60480));
        assert_eq!(next_certify(Some(now + Duration::from_secs(5)), now), Duration::from_secs(10));
        assert_eq!(next_certify(Some(now), now), Duration::from_secs(10));
        assert_eq!(next_certify(Some(now + Duration::from_secs(40 * 3600)), now), Duration::from_secs(24 * 3600));
    }

    /// Missing or bad settings are named; a good set passes.
    #[test]
    fn settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let token = dir.path().join("token");
        std::fs::write(&token, "t").expect("token");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").expect("empty");
        let anchor =
            crate::identity::issue::Authority::new_anchor("cluster.local", Duration::from_secs(3600)).expect("anchor");
        let me = Identity::parse("web.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let good = ServiceSettings {
            addr: "localhost.:8080",
            name: Some("linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local"),
            token_file: Some(&token),
            identity: Some(&me),
            roots_pem: Some(&anchor.minted.cert_pem),
            dir: dir.path(),
        };
        ServiceSource::check(good.clone()).expect("valid");
        let cases = [
            (ServiceSettings { addr: "nowhere", ..good.clone() }, "LINKERD2_PROXY_IDENTITY_SVC_ADDR \"nowhere\""),
            (ServiceSettings { name: None, ..good.clone() }, "LINKERD2_PROXY_IDENTITY_SVC_NAME"),
            (ServiceSettings { identity: None, ..good.clone() }, "LINKERD2_PROXY_IDENTITY_LOCAL_NAME"),
            (ServiceSettings { token_file: Some(&empty), ..good.clone() }, "TOKEN_FILE"),
            (ServiceSettings { roots_pem: None, ..good.clone() }, "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS"),
            (ServiceSettings { roots_pem: Some("junk"), ..good.clone() }, "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS"),
        ];
        for (settings, expected) in cases {
            let error = ServiceSource::check(settings).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(expected), "{expected}: {error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }
}
