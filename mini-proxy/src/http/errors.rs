//! Errors into responses, as Linkerd's proxy answers them: the client gets a status that says which side
//! failed and an `l5d-proxy-error` header (and body) saying what happened, and the proxy keeps serving
//! the connection.
//! - the upstream could not be reached (refused, TLS refused, connection failed): `502 Bad Gateway`;
//! - it was not reached in time, or its response headers did not come in time: `504 Gateway Timeout`.

use std::convert::Infallible;
use std::task::{Context, Poll};

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use tracing::debug;

use super::{BoxFuture, ProxyBody, ProxyError, fixed_body};
use crate::transport::connect::ConnectError;

/// The header naming the proxy's error.
pub const PROXY_ERROR: HeaderName = HeaderName::from_static("l5d-proxy-error");

/// The status `error` is reported with.
pub fn status_of(error: &ProxyError) -> StatusCode {
    match error {
        ProxyError::Connect(ConnectError::Timeout { .. }) | ProxyError::ResponseTimeout(_) => {
            StatusCode::GATEWAY_TIMEOUT
        }
        ProxyError::Connect(ConnectError::NoCredentials { .. }) => StatusCode::SERVICE_UNAVAILABLE,
        ProxyError::Connect(_) | ProxyError::Upstream(_) => StatusCode::BAD_GATEWAY,
    }
}

/// The response for `error`.
pub fn response_for(error: &ProxyError) -> Response<ProxyBody> {
    let message = error.to_string();
    let mut response = Response::new(fixed_body(format!("{message}\n")));
    *response.status_mut() = status_of(error);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&message) {
        headers.insert(PROXY_ERROR, value);
    }
    response
}

/// The layer's service: never fails; errors become responses.
#[derive(Clone, Debug)]
pub struct ErrorResponses<S>(pub S);

impl<S, B> tower::Service<Request<B>> for ErrorResponses<S>
where
    S: tower::Service<Request<B>, Response = Response<ProxyBody>, Error = ProxyError>,
    S::Future: Send + 'static,
{
    type Response = Response<ProxyBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<ProxyBody>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The stack below is always ready (forwarding waits inside `call`), so its errors surface there.
        match self.0.poll_ready(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let response = self.0.call(request);
        Box::pin(async move {
            Ok(response.await.unwrap_or_else(|error| {
                debug!(%error, "request failed");
                response_for(&error)
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Timeouts are 504, unreachable upstreams 502, and the header says why.
    #[test]
    fn statuses_and_reasons() {
        let timeout = ProxyError::Connect(ConnectError::Timeout {
            addr: "10.0.0.1:80".parse().expect("addr"),
            timeout: Duration::from_secs(1),
        });
        let response = response_for(&timeout);
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(
            response.headers().get(PROXY_ERROR).and_then(|v| v.to_str().ok()),
            Some("connect to 10.0.0.1:80 timed out after 1s")
        );
        let refused = ProxyError::Connect(ConnectError::Io {
            addr: "10.0.0.1:80".parse().expect("addr"),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        });
        assert_eq!(response_for(&refused).status(), StatusCode::BAD_GATEWAY);
        assert_eq!(
            response_for(&ProxyError::ResponseTimeout(Duration::from_millis(500))).status(),
            StatusCode::GATEWAY_TIMEOUT
        );
    }
}
