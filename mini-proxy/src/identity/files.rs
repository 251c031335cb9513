//! Credentials from a directory, reloaded when it changes.
//!
//! The directory holds what a `kubernetes.io/tls` Secret holds: `tls.crt` (the leaf, then any
//! intermediates), `tls.key` and `ca.crt` (the trust anchors; `LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS`
//! may give them inline instead). [`follow`] loads it at start and again whenever the directory changes
//! or 70 % of the certificate's remaining life has passed, and swaps the result in whole: new handshakes
//! use the new certificate, connections already open keep theirs. A reload that fails keeps the last good
//! credentials; readiness holds while there are none, or while the ones held are not valid now.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use server_runtime::ReadyGate;
use server_runtime::watch::DirWatch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::creds::{Credentials, CredsError};
use super::name::Identity;

/// The certificate chain's file name.
pub const CERT_FILE: &str = "tls.crt";
/// The private key's file name.
pub const KEY_FILE: &str = "tls.key";
/// The trust anchors' file name.
pub const ROOTS_FILE: &str = "ca.crt";

/// The shortest and longest waits before looking at the credentials again, Linkerd's refresh bounds.
pub const REFRESH_BOUNDS: (Duration, Duration) = (Duration::from_secs(10), Duration::from_secs(24 * 3600));

/// The credentials in use, replaced whole on every reload; empty until the first good load.
pub type CurrentCredentials = Arc<ArcSwapOption<Credentials>>;

/// Where credentials come from.
#[derive(Clone, Debug)]
pub struct IdentitySource {
    /// The directory with `tls.crt`, `tls.key` and (unless `roots_pem` is given) `ca.crt`.
    pub dir: PathBuf,
    /// The identity this proxy must hold, when configured; otherwise the certificate's.
    pub expected: Option<Identity>,
    /// Trust anchors given inline (PEM), instead of `ca.crt`.
    pub roots_pem: Option<String>,
}

/// Loading failed; the message names the file and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said (in the message, so not also a source).
        source: std::io::Error,
    },
    /// The files were read but do not make credentials.
    #[error("identity in {dir}: {problem}")]
    Invalid {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        problem: CredsError,
    },
}

/// Loads the credentials now.
pub fn load(source: &IdentitySource) -> Result<Credentials, LoadError> {
    let read = |name: &str| {
        let path = source.dir.join(name);
        std::fs::read(&path).map_err(|e| LoadError::Read { path, source: e })
    };
    let chain = read(CERT_FILE)?;
    let key = read(KEY_FILE)?;
    let roots = match &source.roots_pem {
        Some(pem) => pem.clone().into_bytes(),
        None => read(ROOTS_FILE)?,
    };
    Credentials::from_pem(&chain, &key, &roots, source.expected.as_ref())
        .map_err(|problem| LoadError::Invalid { dir: source.dir.clone(), problem })
}

/// How long until the credentials should be looked at again: 70 % of the remaining lifetime, kept
/// within [`REFRESH_BOUNDS`] (an expired certificate is retried after the shortest wait).
pub fn refresh_in(now: SystemTime, not_after: SystemTime) -> Duration {
    refresh_after(not_after.duration_since(now).unwrap_or(Duration::ZERO))
}

/// 70 % of `remaining`, kept within [`REFRESH_BOUNDS`]: Linkerd's schedule (proxy `certify.rs`
/// `refresh_in`), shared by the credentials directory and the identity client.
pub fn refresh_after(remaining: Duration) -> Duration {
    remaining.mul_f64(0.7).clamp(REFRESH_BOUNDS.0, REFRESH_BOUNDS.1)
}

/// Loads and reloads the credentials into `current` until `shutdown`, opening `ready` while valid ones
/// are held.
pub async fn follow(
    source: IdentitySource,
    current: CurrentCredentials,
    ready: ReadyGate,
    shutdown: CancellationToken,
) {
    let mut watch = match DirWatch::start(&source.dir) {
        Ok(watch) => Some(watch),
        Err(e) => {
            warn!(dir = %source.dir.display(), error = %e, "cannot watch the identity directory; reloading on a timer only");
            None
        }
    };
    loop {
        reload(&source, &current);
        let next = match current.load().as_ref() {
            Some(creds) if creds.valid_at(SystemTime::now()) => {
                ready.open();
                refresh_in(SystemTime::now(), creds.not_after)
            }
            // Not valid (yet, or any more): look again soon; a certificate that becomes valid later is
            // picked up within the shortest refresh.
            _ => {
                ready.close();
                REFRESH_BOUNDS.0
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(next) => {}
            changed = changed(&mut watch) => if !changed { watch = None },
        }
    }
}

async fn changed(watch: &mut Option<DirWatch>) -> bool {
    match watch {
        Some(watch) => watch.changed().await,
        None => std::future::pending().await,
    }
}

/// One load attempt: the new credentials replace the old, or the old stay with a warning.
fn reload(source: &IdentitySource, current: &CurrentCredentials) {
    match load(source) {
        Ok(creds) => {
            let same = current
                .load()
                .as_ref()
                .is_some_and(|old| old.not_after == creds.not_after && old.identity == creds.identity);
            if !same {
                info!(identity = %creds.identity, dir = %source.dir.display(), "identity loaded");
            }
            current.store(Some(Arc::new(creds)));
        }
        Err(e) if current.load().is_some() => warn!(error = %e, "identity reload failed; keeping the credentials held"),
        Err(e) => warn!(error = %e, "no identity yet; meshed TLS is refused until it loads"),
    }
}

/// Writes a certificate, its key and the anchors into `dir` as [`CERT_FILE`], [`KEY_FILE`] and
/// [`ROOTS_FILE`]. The key is written first and the certificate last, so a watching proxy that sees the
/// new certificate also finds its key.
pub fn write(dir: &Path, cert_pem: &str, key_pem: &str, roots_pem: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in [(ROOTS_FILE, roots_pem), (KEY_FILE, key_pem), (CERT_FILE, cert_pem)] {
        replace_file(&dir.join(name), text, name == KEY_FILE)?;
    }
    Ok(())
}

/// Replaces `path` atomically (written beside it, then renamed), so a reader never sees half a file;
/// `private` files are readable by their owner only.
pub fn replace_file(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.new"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 70 % of what is left, never under 10 s or over 24 h.
    #[test]
    fn refresh_schedule() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(refresh_in(now, now + Duration::from_secs(24 * 3600)), Duration::from_secs(60480));
        assert_eq!(refresh_in(now, now + Duration::from_secs(5)), Duration::from_secs(10));
        assert_eq!(refresh_in(now, now - Duration::from_secs(5)), Duration::from_secs(10));
        assert_eq!(refresh_in(now, now + Duration::from_secs(10 * 24 * 3600)), Duration::from_secs(24 * 3600));
    }
}
