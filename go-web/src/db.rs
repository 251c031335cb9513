//! The one bounded postgres pool behind `/data`.
//!
//! The lab's Go server opened a new pool on every request and never closed it, so under load it held every
//! postgres connection and `/data` then failed for good. Here one pool is made at start (lazily: postgres
//! may come up later) and never holds more than `DB_POOL_SIZE` connections. Every wait inside a ping, for a
//! free connection, for a new one or for the reply, fits in one deadline, and a connection that fails is
//! dropped instead of going back to the pool, so the pool heals by itself when postgres comes back.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType, Timeouts};
use tokio_postgres::NoTls;

/// A ping that did not succeed; the text is what `/data` answers with, and it never holds the password.
#[derive(Debug, thiserror::Error)]
pub enum PingError {
    /// The whole ping, including waiting for a pooled connection, overran the deadline.
    #[error("database did not answer within {0:?}")]
    Deadline(Duration),
    /// No connection could be had from the pool.
    #[error("could not get a database connection: {0}")]
    Pool(String),
    /// The connection was made but the ping query failed.
    #[error("database ping failed: {0}")]
    Query(#[source] tokio_postgres::Error),
}

/// Pool occupancy, read at scrape time for the `/metrics` gauges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStatus {
    /// Configured ceiling.
    pub max_size: usize,
    /// Connections currently open.
    pub size: usize,
    /// Open connections checked out by a request.
    pub in_use: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
}

/// The postgres pool and the deadline every ping respects.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    deadline: Duration,
}

impl Database {
    /// Builds the pool without connecting: the first `/data` request opens the first connection.
    pub fn new(mut config: tokio_postgres::Config, max_size: usize, deadline: Duration) -> Database {
        config.connect_timeout(deadline);
        let manager = Manager::from_config(
            config,
            NoTls,
            // A closed connection is noticed without a round trip; a broken-but-open one fails its ping
            // and is then detached (see `ping`).
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let timeouts = Timeouts { wait: Some(deadline), create: Some(deadline), recycle: Some(deadline) };
        // Only fails without a runtime, and both arguments are always given here.
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .timeouts(timeouts)
            .runtime(Runtime::Tokio1)
            .build()
            .unwrap_or_else(|e| unreachable!("pool builder with runtime and timeouts set: {e}"));
        Database { pool, deadline }
    }

    /// Checks that postgres answers, like Go's `db.Ping()`: one empty query on a pooled connection.
    ///
    /// A pooled connection that turns out dead (postgres restarted) is dropped and the ping is tried once
    /// more on a fresh one, so the first request after a restart already succeeds.
    pub async fn ping(&self) -> Result<(), PingError> {
        let attempt = async {
            match self.ping_once().await {
                Err(PingError::Query(e)) if e.is_closed() || is_io(&e) => self.ping_once().await,
                other => other,
            }
        };
        tokio::time::timeout(self.deadline, attempt).await.map_err(|_| PingError::Deadline(self.deadline))?
    }

    async fn ping_once(&self) -> Result<(), PingError> {
        let client = self.pool.get().await.map_err(|e| self.pool_error(e))?;
        match client.simple_query("").await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Never hand a failed connection to the next request.
                let _ = deadpool_postgres::Object::take(client);
                Err(PingError::Query(e))
            }
        }
    }

    /// Current pool occupancy.
    pub fn status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            max_size: s.max_size,
            size: s.size,
            in_use: s.size.saturating_sub(s.available),
            waiting: s.waiting,
        }
    }
}

fn is_io(e: &tokio_postgres::Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

impl Database {
    /// Flattens the pool's error into one line, keeping the postgres cause (which never holds the password).
    fn pool_error(&self, e: PoolError) -> PingError {
        match e {
            PoolError::Timeout(TimeoutType::Wait) => PingError::Pool(format!(
                "no free connection within {:?}: all {} pooled connections are busy",
                self.deadline,
                self.pool.status().max_size
            )),
            PoolError::Timeout(_) => PingError::Deadline(self.deadline),
            PoolError::Backend(e) => PingError::Pool(error_chain(&e)),
            other => PingError::Pool(other.to_string()),
        }
    }
}

/// `outer: inner: root`, the way Go prints wrapped errors.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
