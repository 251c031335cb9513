//! `mini-proxy identity serve` for real on loopback: the service runs in-process with a kube client
//! over the mocked API server (every Secret, ConfigMap and TokenReview request asserted and answered as
//! the API server would), and the proxy's own identity client certifies with it over TLS and HTTP/2;
//! last, as root, in a mesh of network namespaces where two proxies certify and then talk mutual TLS.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Parser;
use cluster_state::testing::{ApiServer, mock_client};
use http::{Method, StatusCode};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use mini_proxy::identity::Identity;
use mini_proxy::identity::client::{CertifyError, IdentityClient, ServiceSource};
use mini_proxy::identity::csr;
use mini_proxy::identity::proto::CertifyRequest;
use mini_proxy::identity::service::{self, Listeners, ServeArgs, ServeConfig, ServeError};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};
use server_runtime::{DrainTimes, Drained, Lifecycle};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.web-token.c2lnbmF0dXJl";
const WEB: &str = "web.default.serviceaccount.identity.linkerd.cluster.local";
const SERVICE_NAME: &str = "linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local";
const SECRET: &str = "/api/v1/namespaces/linkerd/secrets/linkerd-identity-issuer";
const CONFIG_MAP: &str = "/api/v1/namespaces/linkerd/configmaps/linkerd-identity-trust-roots";
const REVIEWS: &str = "/apis/authentication.k8s.io/v1/tokenreviews?";

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

/// A running service.
struct Running {
    addr: SocketAddr,
    admin: SocketAddr,
    lifecycle: Lifecycle,
    task: JoinHandle<Result<Drained, ServeError>>,
}

impl Running {
    async fn stop(self) {
        self.lifecycle.request_shutdown();
        let drained = self.task.await.expect("the service task").expect("the service ran");
        assert_eq!(drained, Drained::Clean);
    }
}

async fn start(client: kube::Client) -> Running {
    start_on(client, TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
}

/// The service, answering Certify on `certify`.
async fn start_on(client: kube::Client, certify: TcpListener) -> Running {
    let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let (addr, admin_addr) = (certify.local_addr().expect("addr"), admin.local_addr().expect("addr"));
    let cli = Cli::try_parse_from(["identity", "--shutdown-grace", "5s"]).expect("flags");
    let config = ServeConfig::from_args(cli.serve).expect("config");
    let lifecycle = Lifecycle::new(DrainTimes { delay: Duration::ZERO, grace: Duration::from_secs(5) });
    let task = tokio::spawn(service::run(Listeners { certify, admin }, config, client, lifecycle.clone()));
    Running { addr, admin: admin_addr, lifecycle, task }
}

fn not_found(kind: &str, name: &str) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("{kind} \"{name}\" not found"), "reason": "NotFound", "code": 404,
    })
}

/// Answers a first start: neither object exists, both are created. Returns them as created.
async fn answer_first_start(api: &mut ApiServer) -> (Secret, ConfigMap) {
    let get = api.next_request().await;
    assert_eq!((get.method(), get.path()), (&Method::GET, SECRET));
    get.respond_with(StatusCode::NOT_FOUND, &not_found("secrets", "linkerd-identity-issuer"));
    let create = api.next_request().await.expect(Method::POST, "/api/v1/namespaces/linkerd/secrets?");
    let secret = create.body().clone();
    create.respond(secret.clone());
    let get = api.next_request().await;
    assert_eq!((get.method(), get.path()), (&Method::GET, CONFIG_MAP));
    get.respond_with(StatusCode::NOT_FOUND, &not_found("configmaps", "linkerd-identity-trust-roots"));
    let create = api.next_request().await.expect(Method::POST, "/api/v1/namespaces/linkerd/configmaps?");
    let map = create.body().clone();
    create.respond(map.clone());
    (serde_json::from_value(secret).expect("a Secret"), serde_json::from_value(map).expect("a ConfigMap"))
}

fn anchors(map: &ConfigMap) -> String {
    map.data.as_ref().and_then(|d| d.get("ca-bundle.crt")).cloned().expect("ca-bundle.crt")
}

fn secret_field(secret: &Secret, key: &str) -> String {
    let bytes = secret.data.as_ref().and_then(|d| d.get(key)).map(|b| b.0.clone()).expect(key);
    String::from_utf8(bytes).expect("PEM text")
}

/// A service started for the first time, and the trust anchors it published.
async fn started() -> (Running, ApiServer, String) {
    let (client, mut api) = mock_client();
    let running = start(client).await;
    let (_, map) = answer_first_start(&mut api).await;
    (running, api, anchors(&map))
}

/// A token file holding [`TOKEN`].
fn token_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("linkerd-identity-token");
    std::fs::write(&path, TOKEN).expect("token");
    (dir, path)
}

fn client(addr: SocketAddr, name: &str, identity: &str, anchors: &str, token_file: PathBuf) -> IdentityClient {
    IdentityClient::new(ServiceSource {
        addr: addr.to_string(),
        name: Identity::parse(name).expect("name"),
        token_file,
        identity: Identity::parse(identity).expect("identity"),
        roots_pem: anchors.to_string(),
    })
    .expect("client")
}

/// The TokenReview the service sends: its token and audiences asserted, answered with `status`.
async fn answer_review(api: &mut ApiServer, audiences: Option<Value>, status: Value) {
    let review = api.next_request().await.expect(Method::POST, REVIEWS);
    assert_eq!(review.body()["spec"]["token"], TOKEN);
    assert_eq!(review.body()["spec"].get("audiences"), audiences.as_ref(), "{}", review.body());
    let mut answer = review.body().clone();
    answer["status"] = status;
    review.respond(answer);
}

fn service_account(name: &str) -> Value {
    json!({ "authenticated": true, "user": { "username": format!("system:serviceaccount:default:{name}") } })
}

fn audience() -> Option<Value> {
    Some(json!(["identity.l5d.io"]))
}

/// The refusal's gRPC code name and message; the token must not be in either.
fn refusal(result: Result<impl std::fmt::Debug, CertifyError>) -> (String, String) {
    match result {
        Err(CertifyError::Refused { code, message, .. }) => {
            assert!(!message.contains(TOKEN), "the token leaked: {message}");
            (code, message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn get(addr: SocketAddr, path: &'static str) -> test_support::http_client::Reply {
    tokio::task::spawn_blocking(move || test_support::http_client::get(addr, path)).await.expect("GET")
}

/// At first start the service makes an anchor and issuer, stores them in Linkerd's Secret and
/// ConfigMap, turns ready, and a proxy's client certifies over TLS: the token is reviewed for
/// identity.l5d.io and the proxy gets a 24 h leaf for its identity, chained to the published anchor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_the_issuer_and_certifies() {
    let (client_to_api, mut api) = mock_client();
    let running = start(client_to_api).await;
    let (secret, map) = answer_first_start(&mut api).await;
    assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
    assert_eq!(secret_field(&secret, "ca.crt"), anchors(&map), "the ConfigMap publishes the Secret's anchor");
    assert!(secret_field(&secret, "tls.key").contains("PRIVATE KEY"));

    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors(&map), token);
    let certifying = tokio::spawn(async move { proxy.certify().await });
    answer_review(&mut api, audience(), service_account("web")).await;
    let creds = certifying.await.expect("task").expect("certified");
    assert_eq!(creds.identity.as_str(), WEB);
    let now = SystemTime::now();
    let life = creds.not_after.duration_since(now).expect("in the future");
    assert!(life > Duration::from_secs(24 * 3600 - 60) && life <= Duration::from_secs(24 * 3600), "{life:?}");
    let skew = now.duration_since(creds.not_before).expect("backdated");
    assert!(skew >= Duration::from_secs(19) && skew < Duration::from_secs(30), "{skew:?}");

    let ready = get(running.admin, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    let metrics = get(running.admin, "/metrics").await.body;
    assert!(
        metrics.contains(
            "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Certify\",grpc_service=\"io.linkerd.proxy.identity.Identity\",grpc_type=\"unary\"} 1"
        ),
        "{metrics}"
    );
    let ttl = metrics.lines().find_map(|l| l.strip_prefix("issuer_cert_ttl_seconds ")).expect("issuer TTL");
    assert!(ttl.parse::<f64>().expect("a number") > 364.0 * 24.0 * 3600.0, "{ttl}");
    running.stop().await;
}

/// The leaf is shaped like Linkerd's: the identity as its only DNS SAN, server and client auth,
/// digital signature, not a CA; the chain holds the issuer from the Secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaf_is_shaped_like_linkerds() {
    use x509_parser::prelude::*;
    let (client_to_api, mut api) = mock_client();
    let running = start(client_to_api).await;
    let (secret, map) = answer_first_start(&mut api).await;
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors(&map), token);
    let request = csr::Request::new(&Identity::parse(WEB).expect("id")).expect("csr");
    let sending = tokio::spawn(async move {
        proxy
            .send(CertifyRequest {
                identity: WEB.into(),
                token: TOKEN.into(),
                certificate_signing_request: request.csr_der().to_vec(),
            })
            .await
    });
    answer_review(&mut api, audience(), service_account("web")).await;
    let response = sending.await.expect("task").expect("certified");
    let (_, leaf) = X509Certificate::from_der(&response.leaf_certificate).expect("a certificate");
    let names = leaf.subject_alternative_name().expect("SAN").expect("present").value.general_names.clone();
    assert_eq!(names, vec![GeneralName::DNSName(WEB)]);
    let eku = leaf.extended_key_usage().expect("EKU").expect("present").value;
    assert!(eku.server_auth && eku.client_auth);
    assert!(leaf.key_usage().expect("KU").expect("present").value.digital_signature());
    assert!(!leaf.is_ca());
    let issuer = CertificateDer::from_pem_slice(secret_field(&secret, "tls.crt").as_bytes()).expect("PEM");
    assert_eq!(response.intermediate_certificates, vec![issuer.to_vec()]);
    let valid_until = response.valid_until.and_then(|t| t.to_system_time()).expect("valid_until");
    assert_eq!(valid_until, SystemTime::UNIX_EPOCH + Duration::from_secs(leaf.validity().not_after.timestamp() as u64));
    running.stop().await;
}

/// A second start reads the stored Secret and ConfigMap and creates nothing; its leaves chain to the
/// same issuer and anchor as the first start's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_start_reuses_the_issuer() {
    let (client_to_api, mut api) = mock_client();
    let first = start(client_to_api).await;
    let (secret, map) = answer_first_start(&mut api).await;
    first.stop().await;

    let (client_to_api, mut api) = mock_client();
    let second = start(client_to_api).await;
    let get_secret = api.next_request().await;
    assert_eq!((get_secret.method(), get_secret.path()), (&Method::GET, SECRET));
    get_secret.respond(serde_json::to_value(&secret).expect("json"));
    let get_map = api.next_request().await;
    assert_eq!((get_map.method(), get_map.path()), (&Method::GET, CONFIG_MAP));
    get_map.respond(serde_json::to_value(&map).expect("json"));

    let (_dir, token) = token_file();
    let proxy = client(second.addr, SERVICE_NAME, WEB, &anchors(&map), token);
    let request = csr::Request::new(&Identity::parse(WEB).expect("id")).expect("csr");
    let sending = tokio::spawn(async move {
        let request = CertifyRequest {
            identity: WEB.into(),
            token: TOKEN.into(),
            certificate_signing_request: request.csr_der().to_vec(),
        };
        proxy.send(request).await
    });
    // The next request is the TokenReview: nothing was created.
    answer_review(&mut api, audience(), service_account("web")).await;
    let response = sending.await.expect("task").expect("certified");
    let issuer = CertificateDer::from_pem_slice(secret_field(&secret, "tls.crt").as_bytes()).expect("PEM");
    assert_eq!(response.intermediate_certificates, vec![issuer.to_vec()]);
    second.stop().await;
}

/// `identity install` prints the Secret and ConfigMaps a service then starts from without creating
/// anything: its issuer signs, chained to the anchor every printed ConfigMap (the control plane's and
/// each meshed namespace's copy) publishes. Bad namespaces are refused with exit 64.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installed_objects_are_what_the_service_reads() {
    let install = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mini-proxy"))
            .args(["identity", "install"])
            .args(args)
            .output()
            .expect("mini-proxy runs")
    };
    let printed = install(&["--trust-roots-namespace", "default", "--trust-roots-namespace", "emojivoto"]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let list: Value = serde_json::from_slice(&printed.stdout).expect("a JSON List");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items");
    let placed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|item| {
            let field = |path: &str| item.pointer(path).and_then(Value::as_str).unwrap_or_default();
            (field("/kind"), field("/metadata/namespace"), field("/metadata/name"))
        })
        .collect();
    assert_eq!(
        placed,
        [
            ("Secret", "linkerd", "linkerd-identity-issuer"),
            ("ConfigMap", "linkerd", "linkerd-identity-trust-roots"),
            ("ConfigMap", "default", "linkerd-identity-trust-roots"),
            ("ConfigMap", "emojivoto", "linkerd-identity-trust-roots"),
        ]
    );
    let secret: Secret = serde_json::from_value(items[0].clone()).expect("a Secret");
    let maps: Vec<ConfigMap> =
        items[1..].iter().map(|m| serde_json::from_value(m.clone()).expect("a ConfigMap")).collect();
    assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
    assert!(maps.iter().all(|map| anchors(map) == secret_field(&secret, "ca.crt")));

    let (client_to_api, mut api) = mock_client();
    let running = start(client_to_api).await;
    let get_secret = api.next_request().await;
    assert_eq!((get_secret.method(), get_secret.path()), (&Method::GET, SECRET));
    get_secret.respond(items[0].clone());
    let get_map = api.next_request().await;
    assert_eq!((get_map.method(), get_map.path()), (&Method::GET, CONFIG_MAP));
    get_map.respond(items[1].clone());
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors(&maps[1]), token);
    let certifying = tokio::spawn(async move { proxy.certify().await });
    // The next request is the TokenReview: nothing was created.
    answer_review(&mut api, audience(), service_account("web")).await;
    assert_eq!(certifying.await.expect("task").expect("certified").identity.as_str(), WEB);
    running.stop().await;

    let refused = install(&["--trust-roots-namespace", "Default"]);
    assert_eq!(refused.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--trust-roots-namespace \"Default\""));
}

/// A token the API server does not authenticate is refused with FailedPrecondition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_tokens_are_refused() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors, token);
    let certifying = tokio::spawn(async move { proxy.certify().await });
    answer_review(&mut api, audience(), json!({ "user": {} })).await;
    let (code, message) = refusal(certifying.await.expect("task"));
    assert_eq!(code, "FailedPrecondition");
    assert!(message.contains("could not be authenticated") && message.contains(WEB), "{message}");
    running.stop().await;
}

/// A token of another ServiceAccount cannot get this identity; the refusal names both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_service_accounts_token_is_refused() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors, token);
    let certifying = tokio::spawn(async move { proxy.certify().await });
    answer_review(&mut api, audience(), service_account("db")).await;
    let (code, message) = refusal(certifying.await.expect("task"));
    assert_eq!(code, "FailedPrecondition");
    assert!(
        message.contains(&format!("requested identity {WEB}"))
            && message.contains("db.default.serviceaccount.identity.linkerd.cluster.local"),
        "{message}"
    );
    running.stop().await;
}

/// A CSR naming another identity than the one requested is refused before any TokenReview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csr_naming_another_identity_is_refused() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors, token);
    let other = "db.default.serviceaccount.identity.linkerd.cluster.local";
    let request = csr::Request::new(&Identity::parse(other).expect("id")).expect("csr");
    let outcome = proxy
        .send(CertifyRequest {
            identity: WEB.into(),
            token: TOKEN.into(),
            certificate_signing_request: request.csr_der().to_vec(),
        })
        .await;
    let (code, message) = refusal(outcome);
    assert_eq!(code, "FailedPrecondition");
    assert!(message.contains(&format!("names {other}, not the requested identity {WEB}")), "{message}");
    api.assert_no_request(Duration::from_millis(200)).await;
    running.stop().await;
}

/// When the API server refuses the identity.l5d.io audience, the review is asked again without one,
/// as Linkerd does, and the certificate is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_error_falls_back_to_no_audience() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let proxy = client(running.addr, SERVICE_NAME, WEB, &anchors, token);
    let certifying = tokio::spawn(async move { proxy.certify().await });
    let wrong_audience = json!({
        "user": {},
        "error": "[invalid bearer token, token audiences [\"identity.l5d.io\"] is invalid for the target audiences [\"https://kubernetes.default.svc.cluster.local\"]]",
    });
    answer_review(&mut api, audience(), wrong_audience).await;
    answer_review(&mut api, None, service_account("web")).await;
    let creds = certifying.await.expect("task").expect("certified after the fallback");
    assert_eq!(creds.identity.as_str(), WEB);
    running.stop().await;
}

/// A review error is passed on as InvalidArgument with the token cut out; an API failure is Internal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_errors_are_named_without_the_token() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let proxy = std::sync::Arc::new(client(running.addr, SERVICE_NAME, WEB, &anchors, token));
    let first = proxy.clone();
    let certifying = tokio::spawn(async move { first.certify().await });
    answer_review(&mut api, audience(), json!({ "user": {}, "error": format!("token {TOKEN} has expired") })).await;
    let (code, message) = refusal(certifying.await.expect("task"));
    assert_eq!(code, "InvalidArgument");
    assert!(message.contains("token <token> has expired"), "{message}");

    let certifying = tokio::spawn(async move { proxy.certify().await });
    let review = api.next_request().await.expect(Method::POST, REVIEWS);
    let forbidden = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": "tokenreviews.authentication.k8s.io is forbidden: User \"system:serviceaccount:linkerd:linkerd-identity\" cannot create resource \"tokenreviews\"",
    });
    review.respond_with(StatusCode::FORBIDDEN, &forbidden);
    let (code, message) = refusal(certifying.await.expect("task"));
    assert_eq!(code, "Internal");
    assert!(message.contains("cannot create resource"), "{message}");
    running.stop().await;
}

/// The client verifies the service's certificate against the name it was given: a service holding
/// another identity is refused at the TLS handshake, and no token is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_checks_the_services_name() {
    let (running, mut api, anchors) = started().await;
    let (_dir, token) = token_file();
    let other = "linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local";
    let proxy = client(running.addr, other, WEB, &anchors, token);
    let error = proxy.certify().await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("TLS handshake as linkerd-destination"), "{error}");
    api.assert_no_request(Duration::from_millis(200)).await;
    running.stop().await;
}

/// The real `mini-proxy run`, given Linkerd's identity env: `/ready` stays 503 while its Certify waits
/// on the TokenReview and turns 200 once it is certified for its identity. (Serving that certificate
/// to peers needs redirected connections; the netns mesh tests cover the TLS side of credentials.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_certifies_before_it_is_ready() {
    use test_support::process::{ServerProcess, clean_command};
    let (running, mut api, anchors) = started().await;
    let (dir, token) = token_file();
    let state = dir.path().join("cluster.yaml");
    std::fs::write(&state, "apiVersion: v1\nkind: List\nitems: []\n").expect("state file");
    let mut command = clean_command(env!("CARGO_BIN_EXE_mini-proxy"));
    command
        .args(["run", "--inbound-addr", "127.0.0.1:0", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"])
        .arg("--from-file")
        .arg(&state)
        .env("LINKERD2_PROXY_IDENTITY_DIR", dir.path().join("end-entity"))
        .env("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", &token)
        .env("LINKERD2_PROXY_IDENTITY_SVC_ADDR", running.addr.to_string())
        .env("LINKERD2_PROXY_IDENTITY_SVC_NAME", SERVICE_NAME)
        .env("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", WEB)
        .env("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", &anchors);
    let proxy = tokio::task::spawn_blocking(move || ServerProcess::start(command, &["inbound", "outbound", "admin"]))
        .await
        .expect("the proxy started");
    let review = api.next_request().await.expect(Method::POST, REVIEWS);
    let waiting = get(proxy.addr("admin"), "/ready").await;
    assert_eq!(waiting.status, 503, "not ready while Certify waits: {}", waiting.body);
    let mut answer = review.body().clone();
    answer["status"] = service_account("web");
    review.respond(answer);
    let admin = proxy.addr("admin");
    tokio::task::spawn_blocking(move || {
        test_support::wait::wait_until(Duration::from_secs(10), "the proxy to be ready", || {
            test_support::http_client::get(admin, "/ready").status == 200
        })
    })
    .await
    .expect("ready");

    let output = proxy.output();
    assert!(output.contains(&format!("certified identity={WEB}")), "{output}");
    drop(proxy);
    running.stop().await;
}

/// Bad settings stop `identity serve` and `run` at start with one line naming the setting, exit 64.
#[test]
fn bad_settings_exit_64() {
    use test_support::process::{clean_command, run_to_exit};
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-token").display().to_string();
    // (arguments, environment, what the one line must name)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (&["identity", "serve", "--issuance-lifetime", "forever"], &[], "IDENTITY_ISSUANCE_LIFETIME \"forever\""),
        (&["identity", "serve"], &[("IDENTITY_TRUST_DOMAIN", "not a domain")], "IDENTITY_TRUST_DOMAIN"),
        (
            &["run"],
            &[
                ("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "localhost.:8080"),
                ("LINKERD2_PROXY_IDENTITY_SVC_NAME", SERVICE_NAME),
                ("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", WEB),
                ("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", &missing),
            ],
            "LINKERD2_PROXY_IDENTITY_TOKEN_FILE",
        ),
        (&["run"], &[("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "no-port")], "LINKERD2_PROXY_IDENTITY_SVC_ADDR \"no-port\""),
    ];
    for (args, env, expected) in cases {
        let mut command = clean_command(env!("CARGO_BIN_EXE_mini-proxy"));
        command.args(args).envs(env.iter().copied());
        let finished = run_to_exit(command);
        assert_eq!(finished.status.code(), Some(64), "{args:?}: {}", finished.stderr);
        assert!(finished.stderr.contains(expected), "{args:?}: {}", finished.stderr);
        assert_eq!(finished.stderr.trim_end().lines().count(), 1, "one line: {}", finished.stderr);
    }
}

/// A listener bound to `addr` inside the network namespace `namespace`, from this process: a thread
/// moves into the namespace, binds, and ends; the socket stays in the namespace it was made in.
fn bind_in(namespace: &str, addr: &str) -> TcpListener {
    let path = format!("/run/netns/{namespace}");
    let addr = addr.to_string();
    let listener = std::thread::spawn(move || {
        use std::os::fd::AsFd;
        let file = std::fs::File::open(&path).expect("the namespace's file");
        rustix::thread::move_into_link_name_space(file.as_fd(), Some(rustix::thread::LinkNameSpaceType::Network))
            .expect("setns");
        std::net::TcpListener::bind(&addr).expect("bind in the namespace")
    })
    .join()
    .expect("the binding thread");
    listener.set_nonblocking(true).expect("non-blocking");
    TcpListener::from_std(listener).expect("a tokio listener")
}

/// The whole path in a mesh of network namespaces: the identity service in a pod of its own, two
/// proxies with no certificate of their own that certify with it over the bridge (each token reviewed
/// as its ServiceAccount's), turn ready, and then carry a request over mutual TLS in which each side
/// knows the other by the identity the service issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_certified_by_the_service_talk_mutual_tls() {
    use support::{Mesh, PROXY_UID, PodSpec, sample};
    let pods = [
        PodSpec { name: "client", meshed: true },
        PodSpec { name: "server", meshed: true },
        PodSpec { name: "identity", meshed: false },
    ];
    let Some(mut mesh) = tokio::task::block_in_place(|| Mesh::new(&pods, "")) else { return };
    let (client, mut api) = mock_client();
    let running = start_on(client, bind_in(&mesh.pod("identity").ns.name, "0.0.0.0:8080")).await;
    let (_, map) = answer_first_start(&mut api).await;
    let anchors = anchors(&map);
    let service_addr = format!("{}:8080", mesh.pod("identity").ip);

    // Each pod's projected token, readable by the proxy's user only.
    let mut tokens = Vec::new();
    for pod in ["client", "server"] {
        let path = mesh.path(&format!("{pod}-token"));
        std::fs::write(&path, format!("token-of-{pod}")).expect("token");
        std::os::unix::fs::chown(&path, Some(PROXY_UID), Some(PROXY_UID)).expect("chown");
        tokens.push(path.display().to_string());
    }
    for (pod, token) in ["client", "server"].into_iter().zip(&tokens) {
        let identity = format!("{pod}.default.serviceaccount.identity.linkerd.cluster.local");
        // One word, `--flag=PEM`: the PEM text starts with dashes.
        let anchors_flag = format!("--trust-anchors={anchors}");
        let flags = [
            "--identity-svc-addr",
            &service_addr,
            "--identity-svc-name",
            SERVICE_NAME,
            "--identity-token-file",
            token,
            "--identity",
            &identity,
            &anchors_flag,
        ];
        tokio::task::block_in_place(|| mesh.start_proxy_no_wait(pod, &flags));
    }
    // Two reviews, in whichever order the proxies asked: each token is its own ServiceAccount's.
    for _ in 0..2 {
        let review = api.next_request().await.expect(Method::POST, REVIEWS);
        let token = review.body()["spec"]["token"].as_str().unwrap_or_default().to_string();
        let pod = token.strip_prefix("token-of-").unwrap_or_else(|| panic!("an unexpected token {token:?}"));
        let mut answer = review.body().clone();
        answer["status"] = service_account(pod);
        review.respond(answer);
    }
    tokio::task::block_in_place(|| {
        mesh.wait_ready("client");
        mesh.wait_ready("server");
        mesh.app("server", &["http", "8080", "server"]);
        let url = format!("http://{}:8080/", mesh.pod("server").ip);
        let reply = mesh.curl("client", &["-o", "/dev/null", "-w", "%{http_code}", &url]);
        assert_eq!(String::from_utf8_lossy(&reply.stdout), "200", "{}", String::from_utf8_lossy(&reply.stderr));
        let client_id = "client.default.serviceaccount.identity.linkerd.cluster.local";
        let server_id = "server.default.serviceaccount.identity.linkerd.cluster.local";
        let inbound = mesh.metrics("server");
        let labels = [("direction", "inbound"), ("tls", "true"), ("client_id", client_id)];
        assert_eq!(sample(&inbound, "request_total", &labels), Some(1.0), "{inbound}");
        let outbound = mesh.metrics("client");
        let labels = [("direction", "outbound"), ("tls", "true"), ("server_id", server_id)];
        assert_eq!(sample(&outbound, "response_total", &labels), Some(1.0), "{outbound}");
    });
    drop(mesh);
    running.stop().await;
}
