//! SIGTERM and SIGINT, turned into a [`Lifecycle`]'s shutdown request.
//!
//! Kubernetes sends SIGTERM to start a graceful shutdown; SIGINT (Ctrl-C) does the same for someone running
//! a binary by hand. A second signal of either kind hurries the drain along, so a stuck drain never needs
//! a SIGKILL at a terminal.

use std::io;

use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::drain::Lifecycle;

/// Installs both handlers now (so a signal that arrives as soon as the server announces itself already
/// drains instead of killing the process) and returns the task that forwards them to `lifecycle`.
///
/// Must be called inside a tokio runtime.
pub fn forward_signals(lifecycle: Lifecycle) -> io::Result<JoinHandle<()>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::spawn(async move {
        let mut received = 0;
        loop {
            let name = tokio::select! {
                Some(()) = term.recv() => "SIGTERM",
                Some(()) = int.recv() => "SIGINT",
                else => return,
            };
            received += 1;
            if received == 1 {
                info!(signal = name, "received {name}, starting shutdown");
                lifecycle.request_shutdown();
            } else {
                warn!(signal = name, "received {name} again, cutting the drain short");
                lifecycle.hurry();
            }
        }
    }))
}
