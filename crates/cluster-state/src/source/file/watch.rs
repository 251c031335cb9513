//! Noticing that the cluster state file may have changed.
//!
//! The file's directory is watched, not the file: editors save by writing a new file and renaming it over
//! the old one, `kubectl get ... > file` truncates and rewrites, Kubernetes swaps a mounted ConfigMap by
//! renaming a symlinked directory. A watch on the file itself would lose track after the first rename;
//! one on the directory sees all of these. Every event in the directory counts (the reader compares the
//! text with what it saw last, so unrelated events cost one cheap read), and events are debounced: after
//! the first, [`FileWatch::changed`] waits until the directory has been quiet for [`QUIET`], so a file
//! written in several steps is read once, whole.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::error::Error;

/// How long the directory must be quiet before the file is read again.
pub(crate) const QUIET: Duration = Duration::from_millis(100);

/// A live watch on the directory of the cluster state file.
pub(crate) struct FileWatch {
    /// Kept alive: dropping it stops the watch.
    _watcher: RecommendedWatcher,
    events: mpsc::Receiver<()>,
}

impl FileWatch {
    /// Start watching the directory `file` is in.
    pub fn start(file: &Path) -> Result<Self, Error> {
        let directory = directory_of(file);
        // One slot is enough: a pending wake-up already means "read again".
        let (sender, events) = mpsc::channel(1);
        let watch_error = |source| Error::WatchFile { dir: directory.clone(), source };
        let mut watcher = notify::recommended_watcher(move |_event: notify::Result<notify::Event>| {
            let _ = sender.try_send(());
        })
        .map_err(watch_error)?;
        watcher.watch(&directory, RecursiveMode::NonRecursive).map_err(watch_error)?;
        Ok(Self { _watcher: watcher, events })
    }

    /// Wait for the next burst of changes to end; false if the watch has stopped.
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

/// The directory a file is in (`.` for a bare file name).
fn directory_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare file name is watched in the current directory.
    #[test]
    fn bare_name_lives_in_the_current_directory() {
        assert_eq!(directory_of(Path::new("cluster.yaml")), PathBuf::from("."));
        assert_eq!(directory_of(Path::new("/etc/lab/cluster.yaml")), PathBuf::from("/etc/lab"));
    }

    /// A write into the directory wakes the watch once the writes have stopped.
    #[tokio::test]
    async fn writes_wake_the_watch() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let path = directory.path().join("cluster.yaml");
        let mut watch = FileWatch::start(&path).expect("watch the directory");
        std::fs::write(&path, "a: 1\n").expect("write the file");
        let woke = tokio::time::timeout(Duration::from_secs(5), watch.changed()).await;
        assert_eq!(woke, Ok(true));
    }
}
