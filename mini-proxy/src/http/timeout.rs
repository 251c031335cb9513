//! The response timeout: how long the upstream may take to send response headers (the body streams
//! without a limit). Off when zero, Linkerd's default; a timed-out request becomes a `504`.

use std::task::{Context, Poll};
use std::time::Duration;

use http::Request;

use super::{BoxFuture, ProxyError};

/// The layer's service.
#[derive(Clone, Debug)]
pub struct ResponseTimeout<S> {
    /// The next service.
    pub inner: S,
    /// The limit; zero means none.
    pub timeout: Duration,
}

impl<S, B> tower::Service<Request<B>> for ResponseTimeout<S>
where
    S: tower::Service<Request<B>, Error = ProxyError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = ProxyError;
    type Future = BoxFuture<Result<S::Response, ProxyError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ProxyError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let response = self.inner.call(request);
        let timeout = self.timeout;
        if timeout.is_zero() {
            return Box::pin(response);
        }
        Box::pin(async move {
            tokio::time::timeout(timeout, response).await.map_err(|_| ProxyError::ResponseTimeout(timeout))?
        })
    }
}
