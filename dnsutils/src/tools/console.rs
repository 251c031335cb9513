//! Where a tool's output goes: the process's stdout and stderr, or two buffers a test reads.
//!
//! `print!` panics when stdout is a closed pipe (`host x | head -1`); BIND just exits. The terminal
//! console writes and flushes, and ignores write errors, so a tool never dies on its output.

use std::io::Write;

/// A tool's stdout and stderr.
#[derive(Debug, Default)]
pub struct Console {
    /// `None` for the real streams; the captured stdout and stderr otherwise.
    captured: Option<(String, String)>,
}

impl Console {
    /// The process's own stdout and stderr.
    pub fn terminal() -> Console {
        Console { captured: None }
    }

    /// Buffers instead of streams, for tests.
    pub fn captured() -> Console {
        Console { captured: Some((String::new(), String::new())) }
    }

    /// Writes `text` to stdout as-is.
    pub fn out(&mut self, text: &str) {
        match &mut self.captured {
            Some((out, _)) => out.push_str(text),
            None => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
        }
    }

    /// Writes `text` to stderr as-is.
    pub fn err(&mut self, text: &str) {
        match &mut self.captured {
            Some((_, err)) => err.push_str(text),
            None => {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
        }
    }

    /// Everything written to stdout so far (empty for the real stdout).
    pub fn stdout(&self) -> &str {
        self.captured.as_ref().map_or("", |(out, _)| out)
    }

    /// Everything written to stderr so far (empty for the real stderr).
    pub fn stderr(&self) -> &str {
        self.captured.as_ref().map_or("", |(_, err)| err)
    }
}

/// `argv[0]` as the process was started, which BIND prefixes to its fatal messages.
pub fn progname() -> String {
    std::env::args_os().next().map(|arg| arg.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A captured console keeps stdout and stderr apart, in order.
    #[test]
    fn captures_both_streams() {
        let mut console = Console::captured();
        console.out("a\n");
        console.err("oops\n");
        console.out("b\n");
        assert_eq!((console.stdout(), console.stderr()), ("a\nb\n", "oops\n"));
    }
}
