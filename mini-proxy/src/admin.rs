//! The proxy's own admin routes, beside the runtime's `/metrics`, `/live` and `/ready` on `:4191`:
//! `POST /shutdown` starts the drain, as Linkerd's proxy does for jobs whose main container has finished.
//! Only a client on loopback (the pod itself) may ask; anyone else gets 403, and other methods 405.

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use server_runtime::Lifecycle;
use server_runtime::http::{Handler, PeerAddr, text_response};
use tracing::info;

const TEXT: &str = "text/plain; charset=utf-8";

/// The routes.
#[derive(Clone, Debug)]
pub struct AdminRoutes {
    /// Whose drain `/shutdown` starts.
    pub lifecycle: Lifecycle,
}

impl Handler for AdminRoutes {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.uri().path() != "/shutdown" {
            return text_response(
                StatusCode::NOT_FOUND,
                TEXT,
                "not found: try /metrics, /live, /ready or POST /shutdown\n",
            );
        }
        if request.method() != Method::POST {
            let mut response = text_response(StatusCode::METHOD_NOT_ALLOWED, TEXT, "use POST /shutdown\n");
            response.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
            return response;
        }
        let from_loopback =
            request.extensions().get::<PeerAddr>().is_some_and(|peer| peer.0.ip().to_canonical().is_loopback());
        if !from_loopback {
            return text_response(StatusCode::FORBIDDEN, TEXT, "shutdown is only allowed from localhost\n");
        }
        info!("shutdown requested on the admin port");
        self.lifecycle.request_shutdown();
        text_response(StatusCode::OK, TEXT, "shutdown\n")
    }
}
