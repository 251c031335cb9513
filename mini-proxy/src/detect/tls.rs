//! TLS detection on the inbound side: read enough of the connection to see whether it opens with a TLS
//! ClientHello, and if so which server name (SNI) it asks for and whether it offers TLS 1.3. The inbound
//! proxy terminates TLS only when the SNI is its own identity; any other ClientHello is someone else's
//! TLS and passes through untouched.
//!
//! Only the first record is parsed (every TLS stack sends its ClientHello in one), and reading stops at
//! 8 KiB or the timeout, whichever comes first, so a slow or hostile client costs a bounded buffer.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The most detection buffers before giving up on a ClientHello (Linkerd's `BUFFER_CAPACITY`).
pub const MAX_CLIENT_HELLO: usize = 8 * 1024;

const CONTENT_HANDSHAKE: u8 = 22;
const HANDSHAKE_CLIENT_HELLO: u8 = 1;
const EXTENSION_SERVER_NAME: u16 = 0;
const EXTENSION_SUPPORTED_VERSIONS: u16 = 43;
const SERVER_NAME_HOST: u8 = 0;
const TLS13: u16 = 0x0304;

/// A ClientHello's fields the proxy routes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// The server name asked for, if any.
    pub sni: Option<String>,
    /// Whether TLS 1.3 is among the versions offered.
    pub offers_tls13: bool,
}

/// What the bytes so far are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peek {
    /// A complete ClientHello.
    ClientHello(ClientHello),
    /// Not TLS (or TLS we cannot read, which is treated the same: passed on as it is).
    NotTls,
    /// Could be TLS; more bytes are needed.
    Incomplete,
}

/// Classifies a connection's first bytes.
pub fn peek(bytes: &[u8]) -> Peek {
    let Some(&content) = bytes.first() else { return Peek::Incomplete };
    if content != CONTENT_HANDSHAKE {
        return Peek::NotTls;
    }
    if bytes.len() < 5 {
        return Peek::Incomplete;
    }
    // The record version's major byte is 3 for every SSL/TLS version.
    if bytes[1] != 3 {
        return Peek::NotTls;
    }
    let length = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
    if bytes.len() < 5 + length {
        return if 5 + length > MAX_CLIENT_HELLO { Peek::NotTls } else { Peek::Incomplete };
    }
    match parse_client_hello(&bytes[5..5 + length]) {
        Some(hello) => Peek::ClientHello(hello),
        None => Peek::NotTls,
    }
}

/// A cursor over a byte slice; every read is checked, so malformed input ends in `None`, never a panic.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Option<usize> {
        self.take(3).map(|b| usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A block prefixed by its length in `width` bytes.
    fn block(&mut self, width: usize) -> Option<Reader<'a>> {
        let length = match width {
            1 => usize::from(self.u8()?),
            2 => usize::from(self.u16()?),
            _ => self.u24()?,
        };
        self.take(length).map(Reader)
    }
}

fn parse_client_hello(record: &[u8]) -> Option<ClientHello> {
    let mut record = Reader(record);
    if record.u8()? != HANDSHAKE_CLIENT_HELLO {
        return None;
    }
    let mut hello = record.block(3)?;
    let legacy_version = hello.u16()?;
    hello.take(32)?; // random
    hello.block(1)?; // session id
    hello.block(2)?; // cipher suites
    hello.block(1)?; // compression methods
    let mut found = ClientHello { sni: None, offers_tls13: false };
    // A hello without extensions is SSL 3 or TLS 1.0-1.2 without SNI.
    let Some(mut extensions) = hello.block(2) else { return Some(found) };
    while !extensions.0.is_empty() {
        let kind = extensions.u16()?;
        let mut data = extensions.block(2)?;
        match kind {
            EXTENSION_SERVER_NAME => {
                let mut names = data.block(2)?;
                while !names.0.is_empty() {
                    let name_type = names.u8()?;
                    let name = names.block(2)?;
                    if name_type == SERVER_NAME_HOST {
                        found.sni = Some(String::from_utf8(name.0.to_vec()).ok()?.to_ascii_lowercase());
                    }
                }
            }
            EXTENSION_SUPPORTED_VERSIONS => {
                let mut versions = data.block(1)?;
                while let Some(version) = versions.u16() {
                    found.offers_tls13 |= version == TLS13;
                }
            }
            _ => {}
        }
    }
    found.offers_tls13 |= legacy_version >= TLS13;
    Some(found)
}

/// Reads from `io` until the bytes are a ClientHello or clearly not one, or `timeout` passes (then the
/// connection is plaintext as far as TLS goes). Returns the verdict and every byte read, to replay.
pub async fn detect<I: AsyncRead + Unpin>(io: &mut I, timeout: Duration) -> std::io::Result<(Peek, BytesMut)> {
    let mut buffer = BytesMut::with_capacity(512);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match peek(&buffer) {
            Peek::Incomplete => {}
            decided => return Ok((decided, buffer)),
        }
        if buffer.capacity() == buffer.len() {
            buffer.reserve(MAX_CLIENT_HELLO - buffer.len());
        }
        match tokio::time::timeout_at(deadline, io.read_buf(&mut buffer)).await {
            // Silence: a plaintext client waiting for the server to speak first.
            Err(_) => return Ok((Peek::NotTls, buffer)),
            Ok(Ok(0)) if buffer.is_empty() => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "socket closed before TLS detection",
                ));
            }
            Ok(Ok(0)) => return Ok((Peek::NotTls, buffer)),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello as rustls writes it, for `name`, offering TLS 1.3 only when `tls13`.
    pub(crate) fn client_hello(name: Option<&str>, tls13: bool) -> Vec<u8> {
        let mut extensions = Vec::new();
        if let Some(name) = name {
            let mut entry = vec![SERVER_NAME_HOST];
            entry.extend((name.len() as u16).to_be_bytes());
            entry.extend(name.as_bytes());
            let mut list = (entry.len() as u16).to_be_bytes().to_vec();
            list.extend(entry);
            extensions.extend(EXTENSION_SERVER_NAME.to_be_bytes());
            extensions.extend((list.len() as u16).to_be_bytes());
            extensions.extend(list);
        }
        let versions: &[u8] = if tls13 { &[4, 0x03, 0x04, 0x03, 0x03] } else { &[2, 0x03, 0x03] };
        extensions.extend(EXTENSION_SUPPORTED_VERSIONS.to_be_bytes());
        extensions.extend((versions.len() as u16).to_be_bytes());
        extensions.extend(versions);
        let mut body = vec![0x03, 0x03];
        body.extend([7u8; 32]);
        body.extend([0, 0, 2, 0x13, 0x01, 1, 0]);
        body.extend((extensions.len() as u16).to_be_bytes());
        body.extend(extensions);
        let mut handshake = vec![HANDSHAKE_CLIENT_HELLO, 0, (body.len() >> 8) as u8, body.len() as u8];
        handshake.extend(body);
        let mut record = vec![CONTENT_HANDSHAKE, 3, 1];
        record.extend((handshake.len() as u16).to_be_bytes());
        record.extend(handshake);
        record
    }

    /// The SNI and the TLS 1.3 offer are read; case is folded.
    #[test]
    fn reads_sni_and_versions() {
        let hello = client_hello(Some("B.NS.serviceaccount.identity.linkerd.cluster.local"), true);
        assert_eq!(
            peek(&hello),
            Peek::ClientHello(ClientHello {
                sni: Some("b.ns.serviceaccount.identity.linkerd.cluster.local".into()),
                offers_tls13: true
            })
        );
        assert_eq!(peek(&client_hello(None, false)), Peek::ClientHello(ClientHello { sni: None, offers_tls13: false }));
    }

    /// Every strict prefix of a ClientHello asks for more; plaintext is decided on its first byte.
    #[test]
    fn prefixes_and_plaintext() {
        let hello = client_hello(Some("a.b"), true);
        for end in 0..hello.len() {
            assert_eq!(peek(&hello[..end]), Peek::Incomplete, "{end}");
        }
        assert_eq!(peek(b"GET / HTTP/1.1\r\n"), Peek::NotTls);
        assert_eq!(peek(b"\x16\x07\x01\x00\x05hello"), Peek::NotTls);
    }

    /// A record that claims more than 8 KiB, or lies about its inner lengths, is not read as TLS.
    #[test]
    fn malformed_records() {
        assert_eq!(peek(&[22, 3, 1, 0xff, 0xff]), Peek::NotTls);
        let mut hello = client_hello(Some("a.b"), true);
        hello[8] = 0xff; // the handshake length, now past the record's end
        assert_eq!(peek(&hello), Peek::NotTls);
        assert_eq!(peek(&[22, 3, 1, 0, 2, 1, 0]), Peek::NotTls);
    }

    /// A ClientHello trickling in byte by byte is assembled; silence ends as plaintext (paused clock).
    #[tokio::test(start_paused = true)]
    async fn reading() {
        let hello = client_hello(Some("a.b"), true);
        let mut io = tokio_test_reader(&hello);
        let (verdict, bytes) = detect(&mut io, Duration::from_secs(1)).await.expect("detect");
        assert!(matches!(verdict, Peek::ClientHello(_)));
        assert_eq!(&bytes[..], &hello[..]);

        let (_client, mut server) = tokio::io::duplex(64);
        let (verdict, bytes) = detect(&mut server, Duration::from_secs(1)).await.expect("detect");
        assert_eq!((verdict, bytes.len()), (Peek::NotTls, 0));
    }

    fn tokio_test_reader(bytes: &[u8]) -> impl AsyncRead + Unpin + use<> {
        let (mut client, server) = tokio::io::duplex(4);
        let bytes = bytes.to_vec();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for byte in bytes {
                if client.write_all(&[byte]).await.is_err() {
                    return;
                }
            }
            std::future::pending::<()>().await;
        });
        server
    }
}
