//! Reading proxies' metrics: `GET /metrics` on an admin address over plain HTTP/1.0, bounded in time and
//! size, parsed into samples. `stat` and the dashboard scrape with it; a round scrapes many proxies at
//! once, so a round takes as long as the slowest proxy, not the sum of them.

use std::time::Duration;

use futures::future::{join_all, try_join_all};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::exposition::{self, Sample};

/// How long one scrape may take, connecting included.
pub const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest metrics page read; a proxy's is a few hundred kilobytes at most.
pub const MAX_PAGE_BYTES: u64 = 64 << 20;

/// A scrape failed; the message names the address and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("cannot scrape {addr}: {problem}")]
pub struct ScrapeError {
    /// The admin address.
    pub addr: String,
    /// What went wrong.
    pub problem: String,
}

/// The samples at the admin address `addr` (`HOST:PORT`).
pub async fn scrape(addr: &str) -> Result<Vec<Sample>, ScrapeError> {
    let failed = |problem: String| ScrapeError { addr: addr.to_string(), problem };
    let page = tokio::time::timeout(SCRAPE_TIMEOUT, fetch(addr))
        .await
        .map_err(|_| failed(format!("no answer within {SCRAPE_TIMEOUT:?}")))?
        .map_err(|e| failed(e.to_string()))?;
    let text = String::from_utf8_lossy(&page);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| failed("no HTTP response".into()))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(failed(format!("/metrics answered {status:?}")));
    }
    exposition::parse(body).map_err(|e| failed(e.to_string()))
}

/// The whole response to one `GET /metrics` (HTTP/1.0: the server closes when done).
async fn fetch(addr: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\nAccept: text/plain\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut page = Vec::new();
    stream.take(MAX_PAGE_BYTES).read_to_end(&mut page).await?;
    Ok(page)
}

/// Scrapes every address at once; the samples come back in `addrs`' order, or the first failure.
pub async fn round(addrs: &[String]) -> Result<Vec<Vec<Sample>>, ScrapeError> {
    try_join_all(addrs.iter().map(|addr| scrape(addr))).await
}

/// Scrapes every address at once and keeps each outcome, in `addrs`' order: for the dashboard, where one
/// unreachable proxy must not hide the others.
pub async fn each(addrs: &[String]) -> Vec<Result<Vec<Sample>, ScrapeError>> {
    join_all(addrs.iter().map(|addr| scrape(addr))).await
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    /// A server answering every connection with `response`, then closing.
    async fn serve(response: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = [0_u8; 512];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn reads_a_page_and_names_failures() {
        let good =
            serve("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nrequest_total{direction=\"inbound\"} 7\n").await;
        let pages = round(&[good.clone(), good.clone()]).await.expect("scraped");
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1][0].value, 7.0);

        let missing = serve("HTTP/1.0 404 Not Found\r\n\r\n").await;
        let error = round(&[good.clone(), missing.clone()]).await.expect_err("a 404");
        assert_eq!(error.to_string(), format!("cannot scrape {missing}: /metrics answered \"HTTP/1.0 404 Not Found\""));

        let outcomes = each(&[good, missing.clone()]).await;
        assert_eq!(outcomes[0].as_ref().map(Vec::len).ok(), Some(1), "the good proxy is read despite the bad one");
        assert_eq!(outcomes[1].as_ref().map_err(|e| e.addr.clone()).err(), Some(missing.clone()));

        let garbage = serve("HTTP/1.0 200 OK\r\n\r\nthis is not prometheus\n").await;
        assert!(
            scrape(&garbage).await.expect_err("bad text").to_string().starts_with(&format!("cannot scrape {garbage}:"))
        );
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr").to_string();
        // Bound and dropped: nothing listens there any more.
        assert!(scrape(&closed).await.is_err());
    }
}
