//! Ctrl-C and SIGTERM while the lab runs: stop starting anything, remove the lab, exit 130 or 143 (as a
//! shell reports death by that signal). A thread waits for the signals, so the cleanup runs outside any
//! signal handler.

use std::path::PathBuf;
use std::process;
use std::thread;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::{cleanup, shell};

/// Installs the handler; `prefix` and `state_dir` are what [`cleanup::remove_all`] removes.
pub fn remove_on_signal(prefix: &'static str, state_dir: PathBuf) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            shell::stop();
            let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
            eprintln!("\nlab: {name}: removing the lab");
            let removed = cleanup::remove_all(prefix, &state_dir);
            eprintln!("lab: removed {} network namespaces", removed.len());
            process::exit(128 + signal);
        }
    });
    Ok(())
}
