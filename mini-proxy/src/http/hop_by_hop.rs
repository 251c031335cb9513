//! Hop-by-hop headers describe one connection, not the message, so a proxy must not pass them on (RFC
//! 9110 §7.6.1): `Connection` and every header it names, `Keep-Alive`, `Proxy-Connection`, `TE` (except
//! `TE: trailers`, which gRPC needs end to end over HTTP/2), `Transfer-Encoding` (each hop frames the body
//! its own way) and `Upgrade`. An upgrade request and its `101` answer keep `Connection: upgrade` and
//! `Upgrade`, since the upgrade itself is what is being forwarded.

use std::task::{Context, Poll};

use http::header::{CONNECTION, HeaderMap, HeaderName, HeaderValue, TE, TRANSFER_ENCODING, UPGRADE};
use http::{Method, Request, Response, StatusCode};

use super::BoxFuture;

const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Whether `request` asks to switch protocols (or tunnel), which keeps its upgrade headers.
pub fn is_upgrade<B>(request: &Request<B>) -> bool {
    request.method() == Method::CONNECT
        || (request.headers().contains_key(UPGRADE) && connection_has(request.headers(), "upgrade"))
}

fn connection_has(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Removes the hop-by-hop headers from `headers`; `upgrading` keeps `Connection: upgrade` and `Upgrade`.
pub fn strip(headers: &mut HeaderMap, upgrading: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        if !(upgrading && name == UPGRADE) {
            headers.remove(name);
        }
    }
    for name in [KEEP_ALIVE, PROXY_CONNECTION, TRANSFER_ENCODING] {
        headers.remove(name);
    }
    let trailers_only = headers.get_all(TE).iter().all(|v| v.as_bytes().eq_ignore_ascii_case(b"trailers"));
    if !trailers_only {
        headers.remove(TE);
    }
    headers.remove(CONNECTION);
    if upgrading {
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    } else {
        headers.remove(UPGRADE);
    }
}

/// The layer's service: strips requests on the way in and responses on the way out.
#[derive(Clone, Debug)]
pub struct HopByHop<S>(pub S);

impl<S, B, R> tower::Service<Request<B>> for HopByHop<S>
where
    S: tower::Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<R>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let upgrading = is_upgrade(&request) && request.method() != Method::CONNECT;
        strip(request.headers_mut(), upgrading);
        let response = self.0.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
            strip(response.headers_mut(), switching);
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    fn names(map: &HeaderMap) -> Vec<&str> {
        let mut names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Connection, the headers it names, and the fixed hop-by-hop set go; end-to-end headers stay.
    #[test]
    fn strips_connection_headers() {
        let mut map = headers(&[
            ("connection", "keep-alive, x-hop"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"),
            ("te", "gzip"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("x-end", "2"),
            ("content-type", "text/plain"),
        ]);
        strip(&mut map, false);
        assert_eq!(names(&map), ["content-type", "x-end"]);
    }

    /// `TE: trailers` survives (gRPC); an upgrade keeps its two headers.
    #[test]
    fn keeps_trailers_and_upgrades() {
        let mut map = headers(&[("te", "trailers"), ("grpc-timeout", "1S")]);
        strip(&mut map, false);
        assert_eq!(names(&map), ["grpc-timeout", "te"]);
        let mut map = headers(&[("connection", "Upgrade"), ("upgrade", "websocket"), ("sec-websocket-key", "k")]);
        strip(&mut map, true);
        assert_eq!(names(&map), ["connection", "sec-websocket-key", "upgrade"]);
        assert_eq!(map.get(CONNECTION).map(HeaderValue::as_bytes), Some(&b"upgrade"[..]));
    }

    /// Upgrade requests are recognised by Connection: upgrade plus Upgrade, or CONNECT.
    #[test]
    fn recognises_upgrades() {
        let mut request = Request::new(());
        *request.headers_mut() = headers(&[("connection", "keep-alive, Upgrade"), ("upgrade", "websocket")]);
        assert!(is_upgrade(&request));
        request.headers_mut().remove(UPGRADE);
        assert!(!is_upgrade(&request));
        *request.method_mut() = Method::CONNECT;
        assert!(is_upgrade(&request));
    }
}
