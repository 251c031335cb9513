//! Noticing that the cluster state file may have changed: its directory is watched (server-runtime's
//! [`DirWatch`], which explains why the directory and how changes are debounced).

use std::path::{Path, PathBuf};

use server_runtime::watch::DirWatch;

use crate::error::Error;

/// A live watch on the directory of the cluster state file.
pub(crate) struct FileWatch {
    watch: DirWatch,
}

impl FileWatch {
    /// Start watching the directory `file` is in.
    pub fn start(file: &Path) -> Result<Self, Error> {
        let directory = directory_of(file);
        let watch =
            DirWatch::start(&directory).map_err(|source| Error::WatchFile { dir: directory.clone(), source })?;
        Ok(Self { watch })
    }

    /// Wait for the next burst of changes to end; false if the watch has stopped.
    pub async fn changed(&mut self) -> bool {
        self.watch.changed().await
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
        let woke = tokio::time::timeout(std::time::Duration::from_secs(5), watch.changed()).await;
        assert_eq!(woke, Ok(true));
    }
}
