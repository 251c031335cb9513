//! The identity service's servers: Certify over gRPC on HTTP/2 over TLS, and the admin listener.
//!
//! Proxies that have no certificate yet call Certify, so the TLS server asks for no client certificate;
//! they verify ours against the trust anchors and the name they were given
//! (`LINKERD2_PROXY_IDENTITY_SVC_NAME`), so ours is a leaf for the service's own identity,
//! `linkerd-identity.linkerd.serviceaccount.identity.linkerd.<domain>`, signed by the issuer like any
//! proxy's, and renewed at 70 % of its life like theirs. HTTP/2 is spoken with or without ALPN, as
//! gRPC clients differ there.
//!
//! Metrics are Linkerd identity's names: `grpc_server_handled_total` (go-grpc-prometheus's labels) and
//! `issuer_cert_ttl_seconds`.

use std::convert::Infallible;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use rustls::ServerConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use server_runtime::http::{Admin, Limits};
use server_runtime::{Drained, Lifecycle, WorkGroup};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use super::certify::{Certifier, Refusal};
use super::config::ServeConfig;
use super::issuer::{self, IssuerError, IssuerObjects};
use crate::identity::creds::{Credentials, verify_chain};
use crate::identity::files::{REFRESH_BOUNDS, refresh_in};
use crate::identity::issue::Authority;
use crate::identity::name::Identity;
use crate::identity::proto::{self, CERTIFY_PATH, CertifyRequest, Code, GRPC_CONTENT_TYPE, MAX_MESSAGE};

/// Connections served at once; proxies certify once a day each, so this is generous.
const MAX_CONNECTIONS: usize = 256;
/// Time allowed for a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed to receive a request's body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The gRPC service name, for metrics.
const GRPC_SERVICE: &str = "io.linkerd.proxy.identity.Identity";

/// The two listeners, bound by `main`.
#[derive(Debug)]
pub struct Listeners {
    /// Certify.
    pub certify: TcpListener,
    /// `/metrics`, `/livez`, `/readyz`.
    pub admin: TcpListener,
}

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The issuer could not be read or made.
    #[error("issuer: {0}")]
    Issuer(#[from] IssuerError),
    /// The issuer cannot give the service a usable certificate (it does not chain to the anchors, say).
    #[error("the service's own certificate: {0}")]
    OwnCertificate(String),
}

/// A body of gRPC frames then trailers.
type GrpcBody = StreamBody<futures::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Handled {
    grpc_code: &'static str,
    grpc_method: &'static str,
    grpc_service: &'static str,
    grpc_type: &'static str,
}

/// `issuer_cert_ttl_seconds`, computed at each scrape once the issuer is known.
#[derive(Debug, Default)]
struct IssuerTtl(OnceLock<SystemTime>);

impl Collector for IssuerTtl {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(expiry) = self.0.get() {
            let ttl = expiry.duration_since(SystemTime::now()).unwrap_or_default().as_secs_f64();
            let gauge = ConstGauge::new(ttl);
            let help = "The remaining seconds until the issuer certificate expires";
            gauge.encode(encoder.encode_descriptor("issuer_cert_ttl_seconds", help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

/// Serves Certify on `listeners` until `lifecycle` has drained. The issuer is read (or made) first, while
/// `/readyz` says `issuer`; a failure there stops the service.
pub async fn run(
    listeners: Listeners,
    config: ServeConfig,
    client: kube::Client,
    lifecycle: Lifecycle,
) -> Result<Drained, ServeError> {
    let mut registry = Registry::default();
    let handled = Family::<Handled, Counter>::default();
    registry.register("grpc_server_handled", "Certify calls answered, by gRPC status", handled.clone());
    let ttl = Arc::new(IssuerTtl::default());
    registry.register_collector(Box::new(ttl.clone()));
    let ready = lifecycle.readiness().gate("issuer");
    let admin = Admin::new(registry, lifecycle.readiness().clone());
    server_runtime::http::serve("admin", listeners.admin, admin, Limits::ADMIN, lifecycle.admin());

    let objects = IssuerObjects::linkerd(&config.namespace);
    let loaded = tokio::select! {
        loaded = issuer::load_or_create(&client, &objects, &config.trust_domain) => loaded?,
        _ = lifecycle.shutdown_requested() => return Ok(lifecycle.drain().await),
    };
    let _ = ttl.0.set(loaded.authority.not_after());
    let authority = Arc::new(loaded.authority);
    let own = OwnCertificate {
        authority: authority.clone(),
        anchors_pem: loaded.anchors_pem,
        identity: config.identity,
        lifetime: config.issuance_lifetime,
    };
    let (tls, not_after) = own.issue().map_err(ServeError::OwnCertificate)?;
    info!(identity = %own.identity, issuer_expires = ?authority.not_after(), "serving Certify");
    let tls = Arc::new(ArcSwap::new(tls));
    lifecycle.app().spawn(own.renew(tls.clone(), not_after, lifecycle.app().clone()));

    let certifier = Arc::new(Certifier {
        authority,
        client,
        trust_domain: config.trust_domain,
        lifetime: config.issuance_lifetime,
    });
    lifecycle.app().spawn(accept(listeners.certify, tls, certifier, handled, lifecycle.app().clone()));
    ready.open();
    Ok(lifecycle.drain().await)
}

/// The service's own certificate, made from the issuer.
struct OwnCertificate {
    authority: Arc<Authority>,
    anchors_pem: String,
    identity: Identity,
    lifetime: Duration,
}

impl OwnCertificate {
    /// A fresh leaf and the TLS configuration serving it, checked against the anchors as proxies will.
    fn issue(&self) -> Result<(Arc<ServerConfig>, SystemTime), String> {
        let leaf = self.authority.issue(&self.identity, self.lifetime).map_err(|e| e.to_string())?;
        let chain_pem = format!("{}{}", leaf.cert_pem, self.authority.minted.cert_pem);
        let creds = Credentials::from_pem(
            chain_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            self.anchors_pem.as_bytes(),
            Some(&self.identity),
        )
        .map_err(|e| e.to_string())?;
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        verify_chain(creds.roots.clone(), &chain, &self.identity).map_err(|e| {
            format!("the issuer in the linkerd-identity-issuer Secret does not lead to the trust anchors published in linkerd-identity-trust-roots: {e}")
        })?;
        let mut server = (*creds.server_config()).clone();
        server.alpn_protocols = vec![b"h2".to_vec()];
        Ok((Arc::new(server), creds.not_after))
    }

    /// Replaces the certificate at 70 % of its remaining life until `group` stops; a failure keeps the
    /// one held and tries again after the shortest refresh.
    async fn renew(self, tls: Arc<ArcSwap<ServerConfig>>, mut not_after: SystemTime, group: WorkGroup) {
        loop {
            let wait = refresh_in(SystemTime::now(), not_after);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = group.stopping() => return,
            }
            match self.issue() {
                Ok((config, expiry)) => {
                    tls.store(config);
                    not_after = expiry;
                    debug!(identity = %self.identity, "renewed the service's own certificate");
                }
                Err(e) => {
                    warn!(error = %e, "cannot renew the service's own certificate; keeping the current one");
                    not_after = SystemTime::now() + REFRESH_BOUNDS.0;
                }
            }
        }
    }
}

async fn accept(
    listener: TcpListener,
    tls: Arc<ArcSwap<ServerConfig>>,
    certifier: Arc<Certifier>,
    handled: Family<Handled, Counter>,
    group: WorkGroup,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => tokio::select! {
                    accepted = listener.accept() => accepted.map(|pair| (pair, permit)),
                    _ = group.stopping() => break,
                },
                Err(_) => break,
            },
            _ = group.stopping() => break,
        };
        match accepted {
            Ok(((stream, peer), permit)) => {
                let connection = connection(stream, tls.load_full(), certifier.clone(), handled.clone(), group.clone());
                group.spawn(async move {
                    let _permit = permit;
                    if let Err(e) = connection.await {
                        debug!(%peer, error = %e, "identity connection ended with an error");
                    }
                });
            }
            Err(e) => {
                warn!(error = %e, "accept failed; retrying shortly");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// One connection: the TLS handshake, then HTTP/2 until the peer closes or the drain ends it.
async fn connection(
    stream: TcpStream,
    tls: Arc<ServerConfig>,
    certifier: Arc<Certifier>,
    handled: Family<Handled, Counter>,
    group: WorkGroup,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _ = stream.set_nodelay(true);
    let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, TlsAcceptor::from(tls).accept(stream))
        .await
        .map_err(|_| "the TLS handshake timed out")??;
    let service = hyper::service::service_fn(move |request| {
        let (certifier, handled) = (certifier.clone(), handled.clone());
        async move { Ok::<_, Infallible>(handle(request, &certifier, &handled).await) }
    });
    let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    builder.timer(TokioTimer::new());
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    tokio::select! {
        done = connection.as_mut() => return Ok(done?),
        _ = group.stopping() => connection.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        done = connection.as_mut() => Ok(done?),
        _ = group.cut_off() => Ok(()),
    }
}

/// Answers one request: Certify, or a gRPC `Unimplemented` for any other path.
async fn handle(
    request: Request<Incoming>,
    certifier: &Certifier,
    handled: &Family<Handled, Counter>,
) -> Response<GrpcBody> {
    let is_grpc = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(GRPC_CONTENT_TYPE));
    if !is_grpc {
        let text = Bytes::from_static(b"expected content-type application/grpc\n");
        let mut response = Response::new(StreamBody::new(futures::stream::iter(vec![Ok(Frame::data(text))])));
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return response;
    }
    if request.method() != http::Method::POST || request.uri().path() != CERTIFY_PATH {
        let message = format!("{} is not served here; the one method is {CERTIFY_PATH}", request.uri().path());
        return grpc_response(None, Code::Unimplemented, &message);
    }
    let outcome = match read_request(request).await {
        Ok(certify) => certifier.certify(certify).await,
        Err(refusal) => Err(refusal),
    };
    let code = outcome.as_ref().err().map_or(Code::Ok, |refusal| refusal.code);
    let labels =
        Handled { grpc_code: code.name(), grpc_method: "Certify", grpc_service: GRPC_SERVICE, grpc_type: "unary" };
    handled.get_or_create(&labels).inc();
    match outcome {
        Ok(response) => grpc_response(Some(proto::frame(&response.encode())), Code::Ok, ""),
        Err(refusal) => grpc_response(None, refusal.code, &refusal.message),
    }
}

/// The request's one message, read within the time and size limits.
async fn read_request(request: Request<Incoming>) -> Result<CertifyRequest, Refusal> {
    let invalid = |message: String| Refusal { code: Code::InvalidArgument, message };
    let body = Limited::new(request.into_body(), MAX_MESSAGE + 5);
    let collected = tokio::time::timeout(BODY_TIMEOUT, body.collect())
        .await
        .map_err(|_| invalid(format!("the request body did not arrive within {BODY_TIMEOUT:?}")))?
        .map_err(|e| invalid(format!("cannot read the request body: {e}")))?
        .to_bytes();
    let message = proto::unframe(&collected).map_err(|e| invalid(e.to_string()))?;
    CertifyRequest::decode(message).map_err(|e| invalid(format!("not a CertifyRequest: {e}")))
}

/// A gRPC response: the message if any, then `grpc-status` (and `grpc-message`) as trailers.
fn grpc_response(message: Option<Bytes>, code: Code, text: &str) -> Response<GrpcBody> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static(code.value()));
    if let Some(value) =
        Some(text).filter(|t| !t.is_empty()).and_then(|t| HeaderValue::from_str(&proto::encode_message(t)).ok())
    {
        trailers.insert("grpc-message", value);
    }
    let mut frames: Vec<Result<Frame<Bytes>, Infallible>> = message.map(|m| Ok(Frame::data(m))).into_iter().collect();
    frames.push(Ok(Frame::trailers(trailers)));
    let mut response = Response::new(StreamBody::new(futures::stream::iter(frames)));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(GRPC_CONTENT_TYPE));
    response
}
