//! Noticing that files in a directory may have changed: configuration, credentials, state files.
//!
//! The directory is watched, not the file: editors save by writing a new file and renaming it over the old
//! one, `kubectl get ... > file` truncates and rewrites, Kubernetes swaps a mounted ConfigMap or Secret by
//! renaming a symlinked directory. A watch on the file itself would lose track after the first rename; one
//! on the directory sees all of these. Every event in the directory counts (readers compare what they read
//! with what they had, so unrelated events cost one cheap read), and events are debounced: after the
//! first, [`DirWatch::changed`] waits until the directory has been quiet for [`QUIET`], so a file written
//! in several steps is read once, whole.

use std::path::Path;
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long the directory must be quiet before a change is reported.
pub const QUIET: Duration = Duration::from_millis(100);

/// A live watch on one directory.
pub struct DirWatch {
    /// Kept alive: dropping it stops the watch.
    _watcher: RecommendedWatcher,
    events: mpsc::Receiver<()>,
}

impl DirWatch {
    /// Starts watching `directory` (not its subdirectories).
    pub fn start(directory: &Path) -> notify::Result<DirWatch> {
        // One slot is enough: a pending wake-up already means "read again".
        let (sender, events) = mpsc::channel(1);
        let mut watcher = notify::recommended_watcher(move |_event: notify::Result<notify::Event>| {
            let _ = sender.try_send(());
        })?;
        watcher.watch(directory, RecursiveMode::NonRecursive)?;
        Ok(DirWatch { _watcher: watcher, events })
    }

    /// Waits for the next burst of changes to end; false if the watch has stopped.
    pub async fn changed(&mut self) -> bool {
        if self.events.recv().await.is_none() {
            return false;
        }
        loop {
            match tokio::time::timeout(QUIET, self.events.recv()).await {
                Ok(Some(())) => continue,
                Ok(None) => return false,
                Err(_quiet) => return true,
            }
        }
    }
}

impl std::fmt::Debug for DirWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirWatch").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write into the directory wakes the watch once the writes have stopped.
    #[tokio::test]
    async fn writes_wake_the_watch() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut watch = DirWatch::start(directory.path()).expect("watch the directory");
        std::fs::write(directory.path().join("tls.crt"), "x").expect("write a file");
        let woke = tokio::time::timeout(Duration::from_secs(5), watch.changed()).await;
        assert_eq!(woke, Ok(true));
    }
}
