//! A file source running on a copy of a fixture, for the file tests.
//!
//! The fixtures in `tests/fixtures` are the lab's objects as `kubectl get -o yaml` prints them. Each test
//! gets its own temporary directory, so file-system events from one test never reach another.

#![allow(dead_code, reason = "each test binary uses its own part of this module")]

use std::fs;
use std::path::{Path, PathBuf};

use cluster_state::{ClusterState, Query, Source};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// A running file source; its background work stops when it is dropped.
pub struct Lab {
    _directory: TempDir,
    /// The state file.
    pub path: PathBuf,
    /// The state read from it.
    pub state: ClusterState,
    /// Stops the state.
    pub shutdown: CancellationToken,
}

impl Lab {
    /// Write `text` to a fresh state file and start reading `query` from it.
    pub async fn start(text: &str, query: Query) -> Self {
        let (directory, path) = state_file(text);
        let shutdown = CancellationToken::new();
        let state = ClusterState::start("mini-lb-controller", Source::File(path.clone()), query, shutdown.clone())
            .await
            .expect("the file source starts");
        Self { _directory: directory, path, state, shutdown }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A state file holding `text`, in a temporary directory that lives as long as the returned guard.
pub fn state_file(text: &str) -> (TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("lab.yaml");
    fs::write(&path, text).expect("write the state file");
    (directory, path)
}

/// The text of a fixture.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("fixture {}: {error}", path.display()))
}
