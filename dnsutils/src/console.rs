//! Writing tool output without ever panicking.
//!
//! `print!` panics when stdout is a closed pipe (`host x | head -1`); BIND just exits. These helpers
//! write and flush, and ignore write errors, so a tool never dies on its output.

use std::io::Write;

use crate::transport::Notice;

/// Writes `text` to stdout as-is.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` to stderr as-is.
pub fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints what happened while waiting; what a TCP fallback prints differs per tool, so the tool says.
pub fn notices(notices: &[Notice], mut on_truncated: impl FnMut()) {
    for notice in notices {
        match notice {
            Notice::Line(line) => out(&format!("{line}\n")),
            Notice::Truncated => on_truncated(),
        }
    }
}
