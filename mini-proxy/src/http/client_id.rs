//! `l5d-client-id`: on inbound requests, the identity the client proved over mutual TLS, so the app can
//! trust it. Whatever a client sent under that name is removed first; a plaintext client's request
//! carries no such header at all.

use std::task::{Context, Poll};

use http::Request;
use http::header::{HeaderName, HeaderValue};

use crate::identity::Identity;

/// The header's name.
pub const CLIENT_ID: HeaderName = HeaderName::from_static("l5d-client-id");

/// The layer's service: sets `l5d-client-id` to `client` (or removes it) on every request.
#[derive(Clone, Debug)]
pub struct ClientId<S> {
    /// The next service.
    pub inner: S,
    /// The verified identity of the connection's client, as a header value.
    pub client: Option<HeaderValue>,
    /// Off on outbound, where the header is the app's business.
    pub enabled: bool,
}

impl<S> ClientId<S> {
    /// Sets the header from `client` in front of `inner`.
    pub fn new(inner: S, client: Option<&Identity>) -> ClientId<S> {
        let client = client.and_then(|id| HeaderValue::from_str(id.as_str()).ok());
        ClientId { inner, client, enabled: true }
    }

    /// Leaves the header alone.
    pub fn off(inner: S) -> ClientId<S> {
        ClientId { inner, client: None, enabled: false }
    }
}

impl<S: tower::Service<Request<B>>, B> tower::Service<Request<B>> for ClientId<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> S::Future {
        if !self.enabled {
            return self.inner.call(request);
        }
        let headers = request.headers_mut();
        headers.remove(CLIENT_ID);
        if let Some(client) = &self.client {
            headers.insert(CLIENT_ID, client.clone());
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::{Service, ServiceExt};

    use super::*;

    async fn seen(client: Option<&Identity>, sent: Option<&str>) -> Option<String> {
        let echo = tower::service_fn(|request: Request<()>| async move {
            Ok::<_, Infallible>(request.headers().get(CLIENT_ID).and_then(|v| v.to_str().ok()).map(str::to_string))
        });
        let mut service = ClientId::new(echo, client);
        let mut request = Request::new(());
        if let Some(sent) = sent {
            request.headers_mut().insert(CLIENT_ID, HeaderValue::from_str(sent).expect("value"));
        }
        service.ready().await.expect("ready").call(request).await.expect("infallible")
    }

    /// A spoofed header is replaced by the verified identity, or removed when there is none.
    #[tokio::test]
    async fn spoofing_is_undone() {
        let real = Identity::parse("web.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        assert_eq!(seen(Some(&real), Some("admin.kube-system")).await.as_deref(), Some(real.as_str()));
        assert_eq!(seen(None, Some("admin.kube-system")).await, None);
        assert_eq!(seen(None, None).await, None);
    }
}
