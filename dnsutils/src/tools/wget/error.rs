//! Every way a `wget` run can fail, each mapped to GNU wget's exit status.

use std::io;

/// A failure of one download (or of the command line), with the exit status GNU wget gives it.
#[derive(Debug, thiserror::Error)]
pub enum WgetError {
    /// The URL cannot be used (bad host, port, or a scheme other than http).
    #[error("{url}: {why}")]
    Url {
        /// The URL as given.
        url: String,
        /// GNU's reason, e.g. `Invalid host name.`
        why: String,
    },
    /// The host name did not resolve.
    #[error("unable to resolve host address {}", crate::tools::locale::quote(host))]
    Resolve {
        /// The name that failed.
        host: String,
        /// The resolver's reason, printed after `failed:` in verbose mode.
        reason: String,
    },
    /// Connecting failed (refused, unreachable, timed out).
    #[error("{0}")]
    Connect(io::Error),
    /// The connection broke or timed out while sending or receiving.
    #[error("{0}")]
    Network(io::Error),
    /// The server's reply is not HTTP wget can read.
    #[error("{0}")]
    Protocol(String),
    /// The server answered with an error status (4xx/5xx) or too many redirects.
    #[error("{0}")]
    Server(String),
    /// Writing the body (or opening the output) failed.
    #[error("{0}")]
    Output(io::Error),
}

impl WgetError {
    /// GNU wget's exit status for this failure (`man wget`, EXIT STATUS).
    pub fn exit_code(&self) -> i32 {
        match self {
            WgetError::Url { .. } => 1,
            WgetError::Output(_) => 3,
            WgetError::Resolve { .. } | WgetError::Connect(_) | WgetError::Network(_) => 4,
            WgetError::Protocol(_) => 7,
            WgetError::Server(_) => 8,
        }
    }

    /// Whether GNU wget would try this download again (timeouts and broken connections, not refusals).
    pub fn is_retryable(&self) -> bool {
        match self {
            WgetError::Network(_) => true,
            WgetError::Connect(e) => e.kind() != io::ErrorKind::ConnectionRefused,
            _ => false,
        }
    }
}

/// Combines exit statuses the way GNU wget does: apart from 0 and 1, the lowest status wins.
pub fn combine(current: i32, new: i32) -> i32 {
    match (current, new) {
        (0, n) | (n, 0) => n,
        (1, n) | (n, 1) => n,
        (a, b) => a.min(b),
    }
}
