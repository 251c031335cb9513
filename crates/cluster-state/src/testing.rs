//! A mocked Kubernetes API server for tests, the way kube-rs tests controllers (feature `testing`).
//!
//! [`mock_client`] returns a real [`kube::Client`] whose HTTP transport is a `tower_test` mock, and the
//! [`ApiServer`] on the other end. A test takes each request the client sends ([`ApiServer::next_request`]),
//! asserts its method, URI and body, and answers it like the API server would: a JSON object, a list, or
//! a watch response of newline-separated events ([`added`], [`modified`], [`deleted`], [`gone`]). A watch
//! response that ends is, to kube's watcher, a watch the server closed: it watches again from the last
//! resourceVersion, and that next request is the test's to answer or to [`hold`](ApiRequest::hold) open.
//!
//! Waits are bounded ([`REQUEST_WAIT`]), so a request that never comes fails the test instead of hanging it.
//! Like any test fixture, the assertions here panic.
//!
//! ```
//! use cluster_state::testing::{self, mock_client};
//! use http::Method;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (client, mut server) = mock_client();
//! let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "web");
//! let answered = tokio::spawn(async move {
//!     let request = server.next_request().await.expect(Method::GET, "/api/v1/namespaces/web/pods?");
//!     request.respond(testing::list("v1", "PodList", "7", vec![]));
//! });
//! let listed = pods.list(&Default::default()).await.expect("the mock answers");
//! assert!(listed.items.is_empty());
//! answered.await.expect("the mock server ran");
//! # }
//! ```

use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{Value, json};
use tower_test::mock::{self, Handle, SendResponse};

/// How long [`ApiServer::next_request`] waits before failing the test.
pub const REQUEST_WAIT: Duration = Duration::from_secs(5);

/// A kube client wired to a mocked API server, and that server.
pub fn mock_client() -> (kube::Client, ApiServer) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    (kube::Client::new(service, "default"), ApiServer { handle })
}

/// The test's end of the mocked API server.
pub struct ApiServer {
    handle: Handle<Request<Body>, Response<Body>>,
}

impl ApiServer {
    /// The next request the client sends; panics if none comes within [`REQUEST_WAIT`].
    pub async fn next_request(&mut self) -> ApiRequest {
        match tokio::time::timeout(REQUEST_WAIT, self.handle.next_request()).await {
            Ok(Some((request, respond))) => ApiRequest::read(request, respond).await,
            Ok(None) => panic!("the kube client was dropped before sending another request"),
            Err(_) => panic!("no request reached the mocked API server within {REQUEST_WAIT:?}"),
        }
    }

    /// Panics if the client sends a request within `period`.
    pub async fn assert_no_request(&mut self, period: Duration) {
        if let Ok(Some((request, _))) = tokio::time::timeout(period, self.handle.next_request()).await {
            panic!("unexpected request {} {}", request.method(), request.uri());
        }
    }
}

/// One request to the mocked API server, read, with the means to answer it.
pub struct ApiRequest {
    method: Method,
    uri: String,
    content_type: Option<String>,
    body: Value,
    respond: SendResponse<Response<Body>>,
}

impl ApiRequest {
    async fn read(request: Request<Body>, respond: SendResponse<Response<Body>>) -> Self {
        let (parts, body) = request.into_parts();
        let bytes = match body.collect_bytes().await {
            Ok(bytes) => bytes,
            Err(error) => panic!("cannot read the body of {} {}: {error}", parts.method, parts.uri),
        };
        let body = match serde_json::from_slice(&bytes) {
            Ok(body) => body,
            Err(_) if bytes.is_empty() => Value::Null,
            Err(error) => panic!("the body of {} {} is not JSON: {error}", parts.method, parts.uri),
        };
        let content_type =
            parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
        Self { method: parts.method, uri: parts.uri.to_string(), content_type, body, respond }
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query, exactly as sent (`/api/v1/services?&limit=500`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.uri.split_once('?').map_or(self.uri.as_str(), |(path, _)| path)
    }

    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The JSON body (`null` when there is none).
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// Assert the method and the exact path and query; returns the request to answer it.
    #[track_caller]
    pub fn expect(self, method: Method, uri: &str) -> Self {
        assert_eq!((&self.method, self.uri.as_str()), (&method, uri), "unexpected request");
        self
    }

    /// Answer `200 OK` with a JSON body.
    pub fn respond(self, body: Value) {
        self.respond_with(StatusCode::OK, &body);
    }

    /// Answer with a status code and a JSON body.
    pub fn respond_with(self, status: StatusCode, body: &Value) {
        let mut response = Response::new(Body::from(body.to_string().into_bytes()));
        *response.status_mut() = status;
        self.respond.send_response(response);
    }

    /// Answer a watch with these events, one JSON line each, then end the watch.
    pub fn respond_watch(self, events: impl IntoIterator<Item = Value>) {
        let lines: String = events.into_iter().map(|event| format!("{event}\n")).collect();
        self.respond.send_response(Response::new(Body::from(lines.into_bytes())));
    }

    /// Leave the request unanswered, like a watch with nothing to say, for as long as the result lives.
    pub fn hold(self) -> HeldRequest {
        HeldRequest { _respond: self.respond }
    }
}

/// A request left open; dropping it breaks the connection.
pub struct HeldRequest {
    _respond: SendResponse<Response<Body>>,
}

/// A list response, as `GET` on a collection returns it.
pub fn list(api_version: &str, list_kind: &str, resource_version: &str, items: Vec<Value>) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": list_kind,
        "metadata": { "resourceVersion": resource_version },
        "items": items,
    })
}

/// A watch event saying `object` was added.
pub fn added(object: Value) -> Value {
    json!({ "type": "ADDED", "object": object })
}

/// A watch event saying `object` was modified.
pub fn modified(object: Value) -> Value {
    json!({ "type": "MODIFIED", "object": object })
}

/// A watch event saying `object` was deleted.
pub fn deleted(object: Value) -> Value {
    json!({ "type": "DELETED", "object": object })
}

/// The watch error an API server sends when the watched resourceVersion is too old: relist.
pub fn gone() -> Value {
    json!({
        "type": "ERROR",
        "object": {
            "apiVersion": "v1",
            "kind": "Status",
            "metadata": {},
            "status": "Failure",
            "message": "too old resource version: 1 (2)",
            "reason": "Expired",
            "code": 410,
        },
    })
}
