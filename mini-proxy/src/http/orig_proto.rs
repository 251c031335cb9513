//! HTTP/1 between meshed proxies travels as HTTP/2, as Linkerd does it: the outbound proxy rewrites an
//! HTTP/1 request for a meshed peer into an HTTP/2 request carrying `l5d-orig-proto: HTTP/1.1` (or
//! `HTTP/1.0`), so every request to that peer shares one multiplexed mutual-TLS connection instead of
//! one handshake per concurrent request; the inbound proxy sees the header and restores the request to
//! HTTP/1 for the app. Upgrades (WebSocket, `CONNECT`) stay HTTP/1 end to end.

use std::net::SocketAddr;

use http::header::{HOST, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use http::{Request, Version};

/// The header naming the request's original protocol.
pub const ORIG_PROTO: HeaderName = HeaderName::from_static("l5d-orig-proto");

/// Rewrites an HTTP/1 `request` to travel as HTTP/2; `fallback` is the authority when the request has
/// neither an absolute URI nor a usable `Host` header (HTTP/1.0). It is written out only then: formatting
/// an address for every request cost more than the rest of this rewrite.
pub fn upgrade<B>(request: &mut Request<B>, fallback: SocketAddr) {
    let original = if request.version() == Version::HTTP_10 { "HTTP/1.0" } else { "HTTP/1.1" };
    request.headers_mut().insert(ORIG_PROTO, HeaderValue::from_static(original));
    if request.uri().authority().is_none() {
        let from_host = request.headers().get(HOST).and_then(|h| h.to_str().ok()).and_then(|h| h.parse().ok());
        let authority = from_host.or_else(|| fallback.to_string().parse::<Authority>().ok());
        if let Some(authority) = authority {
            let path = request.uri().path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
            if let Ok(uri) = Uri::builder().scheme(Scheme::HTTP).authority(authority).path_and_query(path).build() {
                *request.uri_mut() = uri;
            }
        }
    }
    *request.version_mut() = Version::HTTP_2;
}

/// Restores a request a peer upgraded; returns whether it was one.
pub fn downgrade<B>(request: &mut Request<B>) -> bool {
    let Some(original) = request.headers_mut().remove(ORIG_PROTO) else { return false };
    *request.version_mut() = if original.as_bytes() == b"HTTP/1.0" { Version::HTTP_10 } else { Version::HTTP_11 };
    if let Some(authority) = request.uri().authority().cloned() {
        if !request.headers().contains_key(HOST)
            && let Ok(host) = HeaderValue::from_str(authority.as_str())
        {
            request.headers_mut().insert(HOST, host);
        }
        let path = request.uri().path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
        *request.uri_mut() = Uri::from(path);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An origin-form HTTP/1.1 request goes out as HTTP/2 for its Host, and comes back unchanged.
    #[test]
    fn round_trip() {
        let mut request = Request::builder().uri("/a?b=c").header(HOST, "web.default:8080").body(()).expect("request");
        upgrade(&mut request, "10.0.0.1:8080".parse().expect("address"));
        assert_eq!(request.version(), Version::HTTP_2);
        assert_eq!(request.uri(), "http://web.default:8080/a?b=c");
        assert_eq!(request.headers()[&ORIG_PROTO], "HTTP/1.1");
        assert!(downgrade(&mut request));
        assert_eq!(request.version(), Version::HTTP_11);
        assert_eq!(request.uri(), "/a?b=c");
        assert_eq!(request.headers()[HOST], "web.default:8080");
        assert!(!request.headers().contains_key(ORIG_PROTO));
    }

    /// HTTP/1.0 without Host uses the address and is restored as 1.0; plain HTTP/2 is left alone.
    #[test]
    fn http10_and_native_h2() {
        let mut request = Request::builder().version(Version::HTTP_10).uri("/").body(()).expect("request");
        upgrade(&mut request, "10.0.0.1:8080".parse().expect("address"));
        assert_eq!(request.uri(), "http://10.0.0.1:8080/");
        assert!(downgrade(&mut request));
        assert_eq!(request.version(), Version::HTTP_10);
        assert_eq!(request.headers()[HOST], "10.0.0.1:8080");
        let mut native = Request::builder().version(Version::HTTP_2).uri("http://a/").body(()).expect("request");
        assert!(!downgrade(&mut native));
        assert_eq!(native.uri(), "http://a/");
    }

    /// A Host header that is no authority gives way to the address.
    #[test]
    fn unusable_host_falls_back_to_the_address() {
        let mut request = Request::builder().uri("/x").header(HOST, "not a host").body(()).expect("request");
        upgrade(&mut request, "10.0.0.1:8080".parse().expect("address"));
        assert_eq!(request.uri(), "http://10.0.0.1:8080/x");
    }
}
