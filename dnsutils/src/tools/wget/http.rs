//! The HTTP/1.1 wire format wget needs: the GET/HEAD request it sends, the response head it reads, and the
//! body framings a server may use (Content-Length, chunked, or until close). Works over any `BufRead`, so
//! tests feed it bytes without a socket.

use std::io::{self, BufRead, Read, Write};

use super::error::WgetError;
use super::url::Url;

/// Longest response head accepted; a server sending more is not speaking HTTP to us.
const MAX_HEAD: usize = 64 * 1024;

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The status line as received, without CRLF (printed by `-S`).
    pub status_line: String,
    /// The status code, e.g. 404.
    pub code: u16,
    /// The reason phrase, e.g. `Not Found`.
    pub reason: String,
    /// Header lines as received (name, value), in order.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The media type without parameters (`text/plain` of `text/plain; charset=utf-8`), as GNU's log shows it.
    pub fn content_type(&self) -> Option<&str> {
        self.header("Content-Type").map(|t| t.split(';').next().unwrap_or_default().trim())
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The declared body length, if any and not overridden by chunked encoding.
    pub fn content_length(&self) -> Option<u64> {
        if self.is_chunked() {
            return None;
        }
        self.header("Content-Length").and_then(|v| v.trim().parse().ok())
    }

    /// Whether the connection may carry another request after this response: the server did not ask to
    /// close it (HTTP/1.1) or asked to keep it (HTTP/1.0), and the body's end is known without a close.
    pub fn keeps_alive(&self) -> bool {
        let connection = self.header("Connection").unwrap_or_default().to_ascii_lowercase();
        let persistent = if self.status_line.starts_with("HTTP/1.0") {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        };
        persistent && (self.content_length().is_some() || self.is_chunked() || !has_body(self.code))
    }

    fn is_chunked(&self) -> bool {
        self.header("Transfer-Encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }
}

/// The request wget sends for `url` (`HEAD` in spider mode), with GNU wget's default headers; a `--header`
/// naming one of them (e.g. `Host:`) replaces it, as in GNU wget.
pub fn request(method: &str, url: &Url, user_agent: &str, extra: &[String]) -> String {
    let overridden =
        |name: &str| extra.iter().any(|h| h.split_once(':').is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name)));
    let defaults = [
        ("Host", url.host_header()),
        ("User-Agent", user_agent.to_owned()),
        ("Accept", "*/*".to_owned()),
        ("Accept-Encoding", "identity".to_owned()),
        ("Connection", "Keep-Alive".to_owned()),
    ];
    let mut text = format!("{method} {} HTTP/1.1\r\n", url.path);
    for (name, value) in defaults.iter().filter(|(name, _)| !overridden(name)) {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    for header in extra {
        text.push_str(header.trim_end());
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text
}

/// Reads the status line and headers.
pub fn read_head(reader: &mut impl BufRead) -> Result<Head, WgetError> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(read_error)?;
        if n == 0 {
            return Err(WgetError::Network(io::Error::new(io::ErrorKind::UnexpectedEof, "No data received")));
        }
        total += n;
        if total > MAX_HEAD {
            return Err(WgetError::Protocol("response head over 64 KiB".into()));
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line);
    }
    let status_line = lines.remove(0);
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    let Some(code) = code.filter(|_| version.starts_with("HTTP/")) else {
        return Err(WgetError::Protocol(format!(
            "Malformed status line {}",
            crate::tools::locale::quote(&status_line)
        )));
    };
    let reason = parts.next().unwrap_or_default().to_owned();
    let headers = lines
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Head { status_line, code, reason, headers })
}

/// Whether a response to GET with this status carries a body at all (1xx, 204 and 304 never do).
pub fn has_body(code: u16) -> bool {
    !(100..200).contains(&code) && code != 204 && code != 304
}

/// Copies the body framed as `head` says into `sink`; returns the bytes written.
pub fn copy_body(reader: &mut impl BufRead, head: &Head, sink: &mut impl Write) -> Result<u64, WgetError> {
    if head.is_chunked() {
        copy_chunked(reader, sink)
    } else if let Some(length) = head.content_length() {
        let copied = copy_all(&mut reader.take(length), sink)?;
        if copied < length {
            let why = format!("Read error at byte {copied}/{length} (Connection closed early).");
            return Err(WgetError::Network(io::Error::new(io::ErrorKind::UnexpectedEof, why)));
        }
        Ok(copied)
    } else {
        copy_all(reader, sink)
    }
}

fn copy_chunked(reader: &mut impl BufRead, sink: &mut impl Write) -> Result<u64, WgetError> {
    let mut total = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(read_error)?;
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| WgetError::Protocol(format!("bad chunk size {}", crate::tools::locale::quote(line.trim()))))?;
        if size == 0 {
            // Trailers, if any, end with an empty line; a server closing right away is fine too.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer).map_err(read_error)? == 0 || trailer.trim().is_empty() {
                    return Ok(total);
                }
            }
        }
        let copied = copy_all(&mut reader.take(size), sink)?;
        total += copied;
        if copied < size {
            return Err(WgetError::Network(io::Error::new(io::ErrorKind::UnexpectedEof, "chunk cut short")));
        }
        let mut crlf = String::new();
        reader.read_line(&mut crlf).map_err(read_error)?;
    }
}

/// Copies until EOF, telling read errors (network, exit 4) from write errors (output, exit 3) apart.
fn copy_all(reader: &mut impl Read, sink: &mut impl Write) -> Result<u64, WgetError> {
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        sink.write_all(&buf[..n]).map_err(WgetError::Output)?;
        total += n as u64;
    }
}

fn read_error(e: io::Error) -> WgetError {
    WgetError::Network(e)
}

#[cfg(test)]
mod tests {
    use super::{Head, copy_body, read_head, request};
    use crate::tools::wget::url::Url;

    fn head(text: &str) -> Head {
        read_head(&mut text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The request names the path, the Host with its port, and the extra headers.
    #[test]
    fn builds_request() {
        let url = Url { host: "h".into(), port: 8080, path: "/host".into() };
        let text = request("GET", &url, "UA", &["X-A: b".into()]);
        assert!(text.starts_with("GET /host HTTP/1.1\r\nHost: h:8080\r\nUser-Agent: UA\r\n"));
        assert!(text.ends_with("X-A: b\r\n\r\n"));
    }

    /// A `--header` for a default header replaces it instead of sending it twice.
    #[test]
    fn extra_header_replaces_default() {
        let url = Url { host: "h".into(), port: 80, path: "/".into() };
        let text = request("GET", &url, "UA", &["host: other".into()]);
        assert!(!text.contains("Host: h") && text.contains("host: other\r\n"));
    }

    /// Status code, reason and headers are read; header lookup ignores case.
    #[test]
    fn reads_head() {
        let h = head("HTTP/1.1 404 Not Found\r\nContent-length: 3\r\n\r\nabc");
        assert_eq!((h.code, h.reason.as_str(), h.content_length()), (404, "Not Found", Some(3)));
    }

    /// Chunked bodies are decoded, chunk extensions and trailers ignored.
    #[test]
    fn decodes_chunked() {
        let raw =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n7\r\n, world\r\n0\r\nT: v\r\n\r\n";
        let mut reader = raw.as_bytes();
        let h = read_head(&mut reader).unwrap_or_else(|e| panic!("{e}"));
        let mut body = Vec::new();
        assert_eq!(copy_body(&mut reader, &h, &mut body).ok(), Some(12));
        assert_eq!(body, b"hello, world");
    }

    /// A body shorter than its Content-Length is a network error (exit 4), not success.
    #[test]
    fn short_body_is_an_error() {
        let mut reader = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".as_bytes();
        let h = read_head(&mut reader).unwrap_or_else(|e| panic!("{e}"));
        let err = copy_body(&mut reader, &h, &mut Vec::new()).err().map(|e| e.exit_code());
        assert_eq!(err, Some(4));
    }

    /// A reply that is not HTTP is a protocol error.
    #[test]
    fn rejects_non_http() {
        assert!(read_head(&mut "SSH-2.0-OpenSSH\r\n\r\n".as_bytes()).is_err());
    }
}
