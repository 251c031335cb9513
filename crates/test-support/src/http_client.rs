//! A minimal HTTP/1.1 client over std sockets, so tests see exactly the bytes on the wire (status line,
//! header spelling, `content-length`) without a client library normalising them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One parsed response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Header lines as sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes as text.
    pub body: String,
}

impl Reply {
    /// Value of the first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Sends `METHOD path` with `Connection: close` and reads the whole response (10 s read timeout).
pub fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    try_request(addr, method, path).unwrap_or_else(|e| panic!("{method} {path} to {addr}: {e}"))
}

/// Like [`request`], but a refused or reset connection is an error the test can expect (a server that has
/// stopped accepting) instead of a failure.
pub fn try_request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    if raw.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed without a response"));
    }
    Ok(parse(&raw))
}

/// `GET path`.
pub fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path)
}

/// Parses one HTTP/1.1 response read to connection close.
pub fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no end of head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status code in {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply { status, headers, body: body.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Status, lower-cased header names and the body come out of a raw response.
    #[test]
    fn parses_a_response() {
        let reply = parse(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nshutting down\n");
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header("content-type"), Some("text/plain"));
        assert_eq!(reply.body, "shutting down\n");
    }
}
