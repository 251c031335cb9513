//! HTTP detection, Linkerd's rule: one read of at most 1 KiB under a timeout; 14 bytes or more starting
//! with the HTTP/2 preface is HTTP/2; 14 bytes or more that parse as an HTTP/1 request head (complete or
//! not) is HTTP/1; anything else is not HTTP and is forwarded as opaque TCP. One read only: a client that
//! dribbles its request a byte at a time is treated as opaque rather than waited for, which favours
//! availability over precision.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

/// How much one detection read takes.
pub const READ_CAPACITY: usize = 1024;
/// The fewest bytes detection decides on: `GET / HTTP/1.1` is 14 bytes, as is `PRI * HTTP/2.0`.
pub const MIN_BYTES: usize = 14;
/// The start of the HTTP/2 connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// Which HTTP a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/1.x.
    Http1,
    /// HTTP/2 with prior knowledge.
    H2,
}

/// What detection concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    /// The connection speaks HTTP.
    Http(HttpVersion),
    /// Bytes arrived and they are not HTTP.
    NotHttp,
    /// Nothing arrived within the timeout (a server-speaks-first protocol, most likely).
    ReadTimeout,
}

/// The verdict on a prefix of the connection's bytes.
pub fn classify(prefix: &[u8]) -> Detected {
    if prefix.len() < MIN_BYTES {
        return Detected::NotHttp;
    }
    if prefix.starts_with(H2_PREFACE) {
        return Detected::Http(HttpVersion::H2);
    }
    let mut headers = [httparse::EMPTY_HEADER; 16];
    match httparse::Request::new(&mut headers).parse(prefix) {
        Ok(_) | Err(httparse::Error::TooManyHeaders) => Detected::Http(HttpVersion::Http1),
        Err(_) => Detected::NotHttp,
    }
}

/// Detection failed because the peer closed before sending anything.
#[derive(Debug, thiserror::Error)]
#[error("socket closed before protocol detection")]
pub struct ClosedBeforeDetection;

/// Reads once from `io` (after `buffered`, bytes already read) and decides. Returns the verdict and every
/// byte read, to replay in front of the stream.
pub async fn detect<I: AsyncRead + Unpin>(
    io: &mut I,
    mut buffered: BytesMut,
    timeout: Duration,
) -> std::io::Result<(Detected, BytesMut)> {
    if buffered.len() < MIN_BYTES {
        buffered.reserve(READ_CAPACITY);
        match tokio::time::timeout(timeout, io.read_buf(&mut buffered)).await {
            Err(_) => return Ok((Detected::ReadTimeout, buffered)),
            Ok(Ok(0)) if buffered.is_empty() => {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, ClosedBeforeDetection));
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
        }
    }
    Ok((classify(&buffered), buffered))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preface is HTTP/2, a request line is HTTP/1, whatever the headers' state.
    #[test]
    fn versions() {
        assert_eq!(classify(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Detected::Http(HttpVersion::H2));
        assert_eq!(classify(b"PRI * HTTP/2.0"), Detected::Http(HttpVersion::H2));
        assert_eq!(classify(b"GET / HTTP/1.1\r\n"), Detected::Http(HttpVersion::Http1));
        assert_eq!(classify(b"POST /x HTTP/1.0\r\nHost: a\r\n\r\n"), Detected::Http(HttpVersion::Http1));
        let many: String = (0..40).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(classify(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()), Detected::Http(HttpVersion::Http1));
    }

    /// Fewer than 14 bytes is never HTTP, even a true prefix of a request.
    #[test]
    fn short_prefixes_are_not_http() {
        let request = b"GET / HTTP/1.1\r\n";
        for end in 0..MIN_BYTES {
            assert_eq!(classify(&request[..end]), Detected::NotHttp, "{end}");
        }
        assert_eq!(classify(&H2_PREFACE[..13]), Detected::NotHttp);
    }

    /// Binary protocols and TLS are not HTTP.
    #[test]
    fn garbage_is_not_http() {
        assert_eq!(classify(&[0u8, 0, 0, 8, 4, 210, 22, 47, 0, 0, 0, 0, 0, 0, 0]), Detected::NotHttp);
        assert_eq!(classify(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03abcdef"), Detected::NotHttp);
        assert_eq!(classify(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Detected::NotHttp);
    }

    /// A peer that closes at once is an error; one that says nothing is a read timeout (paused clock).
    #[tokio::test(start_paused = true)]
    async fn closed_and_silent_peers() {
        let mut closed: &[u8] = b"";
        let error = detect(&mut closed, BytesMut::new(), Duration::from_secs(10)).await.err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some("socket closed before protocol detection"));

        let (_client, mut server) = tokio::io::duplex(64);
        let started = tokio::time::Instant::now();
        let (verdict, bytes) = detect(&mut server, BytesMut::new(), Duration::from_secs(10)).await.expect("no error");
        assert_eq!((verdict, bytes.len()), (Detected::ReadTimeout, 0));
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    /// One read decides, and the bytes read come back for replay.
    #[tokio::test]
    async fn bytes_are_returned() {
        let mut input: &[u8] = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
        let (verdict, bytes) = detect(&mut input, BytesMut::new(), Duration::from_secs(1)).await.expect("read");
        assert_eq!(verdict, Detected::Http(HttpVersion::Http1));
        assert_eq!(&bytes[..], b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    }
}
