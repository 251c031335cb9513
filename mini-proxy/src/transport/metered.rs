//! A socket whose bytes are counted into `tcp_read_bytes_total` and `tcp_write_bytes_total` as they move,
//! and whose close is counted (with the errno it failed with, if any) when it is dropped.
//!
//! An accepted inbound connection's labels depend on what its first bytes say (TLS or not, and which
//! client identity), so a stream can start unlabelled: its bytes are kept aside and added to the series
//! once the labels are known ([`Metered::attach`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::metrics::ConnectionMeter;

/// `io`, counted through `meter`.
#[derive(Debug)]
pub struct Metered<I> {
    io: I,
    meter: Option<ConnectionMeter>,
    /// Bytes read and written before the meter was attached.
    unattributed: (u64, u64),
}

impl<I> Metered<I> {
    /// Counts `io`'s traffic; `meter` was opened for it.
    pub fn new(io: I, meter: ConnectionMeter) -> Metered<I> {
        Metered { io, meter: Some(meter), unattributed: (0, 0) }
    }

    /// Counts `io`'s traffic once a meter is attached.
    pub fn unlabelled(io: I) -> Metered<I> {
        Metered { io, meter: None, unattributed: (0, 0) }
    }

    /// Attaches `meter`, counting the bytes that moved before it.
    pub fn attach(&mut self, meter: ConnectionMeter) {
        meter.read.inc_by(self.unattributed.0);
        meter.write.inc_by(self.unattributed.1);
        self.unattributed = (0, 0);
        self.meter = Some(meter);
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &I {
        &self.io
    }

    /// The stream underneath, to change.
    pub fn get_mut(&mut self) -> &mut I {
        &mut self.io
    }

    fn note<T>(&mut self, result: &io::Result<T>) {
        if let (Err(e), Some(meter)) = (result, self.meter.as_mut()) {
            meter.failed_with(e);
        }
    }

    fn count_read(&mut self, n: usize) {
        match &self.meter {
            Some(meter) => {
                meter.read.inc_by(n as u64);
            }
            None => self.unattributed.0 += n as u64,
        }
    }

    fn count_write(&mut self, n: usize) {
        match &self.meter {
            Some(meter) => {
                meter.write.inc_by(n as u64);
            }
            None => self.unattributed.1 += n as u64,
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Metered<I> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = ready!(Pin::new(&mut self.io).poll_read(cx, buf));
        self.note(&result);
        self.count_read(buf.filled().len() - before);
        Poll::Ready(result)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Metered<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = ready!(Pin::new(&mut self.io).poll_write(cx, buf));
        self.note(&result);
        if let Ok(n) = result {
            self.count_write(n);
        }
        Poll::Ready(result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = ready!(Pin::new(&mut self.io).poll_write_vectored(cx, bufs));
        self.note(&result);
        if let Ok(n) = result {
            self.count_write(n);
        }
        Poll::Ready(result)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = ready!(Pin::new(&mut self.io).poll_flush(cx));
        self.note(&result);
        Poll::Ready(result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::registry::Registry;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::metrics::ProxyMetrics;

    /// Bytes each way are counted exactly, and the gauge falls when the stream is dropped.
    #[tokio::test]
    async fn counts_bytes_and_close() {
        let metrics = ProxyMetrics::new(&mut Registry::default());
        let labels = vec![("peer", "src".to_string())];
        let (near, mut far) = tokio::io::duplex(1024);
        let mut metered = Metered::new(near, metrics.open_connection(labels.clone()));
        metered.write_all(b"hello").await.expect("write");
        far.write_all(b"four").await.expect("write");
        let mut buf = [0u8; 4];
        metered.read_exact(&mut buf).await.expect("read");
        assert_eq!(metrics.tcp_write_bytes.get_or_create(&labels).get(), 5);
        assert_eq!(metrics.tcp_read_bytes.get_or_create(&labels).get(), 4);
        assert_eq!(metrics.tcp_open_connections.get_or_create(&labels).get(), 1);
        drop(metered);
        assert_eq!(metrics.tcp_open_connections.get_or_create(&labels).get(), 0);
    }

    /// Bytes moved before the labels were known are counted when they are.
    #[tokio::test]
    async fn late_attach() {
        let metrics = ProxyMetrics::new(&mut Registry::default());
        let labels = vec![("peer", "src".to_string())];
        let (near, mut far) = tokio::io::duplex(1024);
        let mut metered = Metered::unlabelled(near);
        far.write_all(b"early").await.expect("write");
        let mut buf = [0u8; 5];
        metered.read_exact(&mut buf).await.expect("read");
        metered.attach(metrics.open_connection(labels.clone()));
        assert_eq!(metrics.tcp_read_bytes.get_or_create(&labels).get(), 5);
    }
}
