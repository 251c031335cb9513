//! Writing tool output without ever panicking.
//!
//! `print!` panics when stdout is a closed pipe (`host x | head -1`); BIND just exits. These helpers
//! write and flush, and ignore write errors, so a tool never dies on its output.

use std::io::Write;
use std::net::SocketAddr;

use crate::net::sockets::{Notice, connect_failed_text};

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

/// Prints what happened while waiting. What a TCP fallback prints differs per tool, so the tool
/// says; failed TCP connections need the server label and query name BIND puts in that message.
pub fn notices(
    notices: &[Notice],
    label_of: impl Fn(SocketAddr) -> String,
    qname: &str,
    mut on_truncated: impl FnMut(),
) {
    for notice in notices {
        match notice {
            Notice::Line(line) => out(&format!("{line}\n")),
            Notice::Truncated => on_truncated(),
            Notice::Abandoned => {}
            Notice::ConnectFailed { server, reason } => {
                out(&connect_failed_text(*server, &label_of(*server), qname, reason));
            }
        }
    }
}

/// Whether the exchange ended on a failed TCP connection, whose message already said that no
/// servers could be reached.
pub fn ended_on_connect_failure(notices: &[Notice]) -> bool {
    matches!(notices.last(), Some(Notice::ConnectFailed { .. }))
}

/// `argv[0]` as the process was started, which BIND prefixes to its fatal messages.
pub fn progname() -> String {
    std::env::args_os().next().map(|arg| arg.to_string_lossy().into_owned()).unwrap_or_default()
}
