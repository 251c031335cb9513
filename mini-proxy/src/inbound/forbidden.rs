//! What a client the inbound policy refuses gets, when it speaks HTTP: `403 Forbidden` for every request,
//! with an `l5d-proxy-error` header naming the policy, counted in `inbound_http_authz_deny_total`.
//! Nothing reaches the app.

use std::convert::Infallible;
use std::task::{Context, Poll};

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Request, Response, StatusCode};

use crate::http::errors::PROXY_ERROR;
use crate::http::{BoxFuture, ProxyBody, fixed_body};
use crate::metrics::Counter;
use crate::policy::DefaultPolicy;

/// Answers every request with 403.
#[derive(Clone, Debug)]
pub struct Forbidden {
    /// The policy that refused the connection.
    pub policy: DefaultPolicy,
    /// `inbound_http_authz_deny_total` for the connection's labels.
    pub denied: Counter,
}

impl<B> tower::Service<Request<B>> for Forbidden {
    type Response = Response<ProxyBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<ProxyBody>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<B>) -> Self::Future {
        self.denied.inc();
        let message = format!("unauthorized connection on server {}", self.policy);
        let mut response = Response::new(fixed_body(format!("{message}\n")));
        *response.status_mut() = StatusCode::FORBIDDEN;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        if let Ok(value) = HeaderValue::from_str(&message) {
            response.headers_mut().insert(PROXY_ERROR, value);
        }
        Box::pin(async move { Ok(response) })
    }
}
