//! Capturing a test's log lines, to assert what a component told its operator.
//!
//! The subscriber is the thread's default for as long as the guard lives; tokio tests run on one thread,
//! so the background tasks a test starts log into the same capture.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;

/// Log lines written while the guard lives.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Start capturing this thread's logs (info and above, no colours).
    pub fn capture() -> (Self, DefaultGuard) {
        let logs = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().expect("the log buffer is not poisoned");
        String::from_utf8_lossy(&bytes).lines().map(String::from).collect()
    }

    /// The lines containing `needle`.
    pub fn matching(&self, needle: &str) -> Vec<String> {
        self.lines().into_iter().filter(|line| line.contains(needle)).collect()
    }

    /// The first line containing `needle`, waiting up to five seconds for it to be logged.
    pub async fn wait_for(&self, needle: &str) -> String {
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if let Some(line) = self.matching(needle).into_iter().next() {
                    return line;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no log line containing {needle:?}; logged:\n{}", self.lines().join("\n")))
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("the log buffer is not poisoned").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
