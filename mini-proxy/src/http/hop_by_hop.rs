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

/// The hop-by-hop headers every message loses (`Connection` names the rest); `TE: trailers` and an
/// upgrade's own two are kept, as [`strip`] says.
const FIXED: [HeaderName; 6] = [CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, TE, TRANSFER_ENCODING, UPGRADE];

/// Removes the hop-by-hop headers from `headers`; `upgrading` keeps `Connection: upgrade` and `Upgrade`.
///
/// Every request and response passes here twice per proxy, so it looks each header up only when it is
/// there: one pass over the names finds the fixed set's members (most messages carry none, or only
/// `Connection: keep-alive`), and a `Connection` token names a header to look for only when the fixed
/// set does not already cover it.
pub fn strip(headers: &mut HeaderMap, upgrading: bool) {
    let mut present = 0u8; // bit i: FIXED[i] is in `headers`
    for name in headers.keys() {
        if let Some(i) = FIXED.iter().position(|fixed| fixed == name) {
            present |= 1 << i;
        }
    }
    if present == 0 && !upgrading {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|token| !covered_by_fixed(token))
        .filter_map(|token| HeaderName::from_bytes(token.as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for (i, name) in FIXED.into_iter().enumerate() {
        if present & (1 << i) == 0 {
            continue;
        }
        let kept = (name == TE && te_is_trailers_only(headers)) || (upgrading && name == UPGRADE);
        if !kept {
            headers.remove(name);
        }
    }
    if upgrading {
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Whether every `TE` value is `trailers`, the one that passes (gRPC needs it end to end).
fn te_is_trailers_only(headers: &HeaderMap) -> bool {
    headers.get_all(TE).iter().all(|v| v.as_bytes().eq_ignore_ascii_case(b"trailers"))
}

/// Whether a `Connection` token needs no lookup of its own: it names a fixed hop-by-hop header, which
/// goes (or stays, `Upgrade` when upgrading) whether named or not. `TE` is not covered: named, it goes
/// even as `TE: trailers`.
fn covered_by_fixed(token: &str) -> bool {
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]
        .iter()
        .any(|fixed| token.eq_ignore_ascii_case(fixed))
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

    /// A message with none of them is left as it is; a `101` that omitted `Connection` gets it.
    #[test]
    fn end_to_end_headers_are_left_alone() {
        let mut map = headers(&[("host", "web"), ("x-end", "2"), ("te", "trailers")]);
        strip(&mut map, false);
        assert_eq!(names(&map), ["host", "te", "x-end"]);
        let mut map = headers(&[("upgrade", "websocket")]);
        strip(&mut map, true);
        assert_eq!(names(&map), ["connection", "upgrade"]);
    }

    /// `TE` named by `Connection` goes even as `TE: trailers`; so does any header a token names.
    #[test]
    fn connection_tokens() {
        let mut map = headers(&[("connection", "TE, close"), ("te", "trailers"), ("close", "x"), ("x-end", "1")]);
        strip(&mut map, false);
        assert_eq!(names(&map), ["x-end"]);
        let mut map = headers(&[("connection", "Keep-Alive"), ("x-end", "1")]);
        strip(&mut map, false);
        assert_eq!(names(&map), ["x-end"]);
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
