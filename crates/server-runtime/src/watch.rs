//! Noticing that files in a directory may have changed: configuration, credentials, state files.
//!
//! The directory is watched, not the file: editors save by writing a new file and renaming it over the old
//! one, `kubectl get ... > file` truncates and rewrites, Kubernetes swaps a mounted ConfigMap or Secret by
//! renaming a symlinked directory. A watch on the file itself would lose track after the first rename; one
//! on the directory sees all of these. Every change in the directory counts (readers compare what they read
//! with what they had, so unrelated changes cost one cheap read), but reads do not: inotify also reports a
//! file being opened, or closed unwritten, and the reader's own read would then wake it again, for ever.
//! Changes are debounced: after the first, [`DirWatch::changed`] waits until the directory has been quiet
//! for [`QUIET`], so a file written in several steps is read once, whole.

use std::path::Path;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind};
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
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // An error (the kernel's queue overflowed, say) may hide a change: read again to be safe.
            if event.as_ref().map_or(true, |event| is_change(event.kind)) {
                let _ = sender.try_send(());
            }
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

/// Whether an event may mean new content: anything but a file opened, read or closed without writing.
fn is_change(kind: EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
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

    /// Reading the files does not wake the watch: otherwise each reload would cause the next.
    #[tokio::test]
    async fn reads_do_not_wake_the_watch() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let file = directory.path().join("tls.crt");
        std::fs::write(&file, "x").expect("write a file");
        let mut watch = DirWatch::start(directory.path()).expect("watch the directory");
        for _ in 0..3 {
            assert_eq!(std::fs::read(&file).expect("read the file"), b"x");
        }
        let woke = tokio::time::timeout(QUIET * 5, watch.changed()).await;
        assert!(woke.is_err(), "a read woke the watch");
        std::fs::write(&file, "y").expect("rewrite the file");
        let woke = tokio::time::timeout(Duration::from_secs(5), watch.changed()).await;
        assert_eq!(woke, Ok(true), "a write after the reads still wakes it");
    }
}
