//! One run of a tool against one case of the robustness test's damage catalogue: the query label that tells
//! the server which case (`c0042d`), the command line, and its execution, killed past a time limit.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};

use super::tools::{Impl, run_collecting};

/// Longest one run may take; the slowest legitimate run (host's two 1-second tries) stays well under it.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// One of the three tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `host`.
    Host,
    /// `dig`.
    Dig,
    /// `nslookup`.
    Nslookup,
}

impl Tool {
    /// All three, in the order runs are listed.
    pub const ALL: [Tool; 3] = [Tool::Host, Tool::Dig, Tool::Nslookup];

    /// The tool's name, as typed.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Host => "host",
            Tool::Dig => "dig",
            Tool::Nslookup => "nslookup",
        }
    }

    /// The exit codes BIND 9.18's tool can return.
    pub fn exit_codes(self) -> &'static [i32] {
        match self {
            Tool::Host => &[0, 1, 2],
            Tool::Dig => &[0, 1, 8, 9, 10],
            Tool::Nslookup => &[0, 1],
        }
    }
}

/// One tool run against one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// The case's number in the catalogue.
    pub case: usize,
    /// The tool run.
    pub tool: Tool,
    /// Whose implementation of it.
    pub which: Impl,
}

impl Run {
    /// The query label that tells the server the case (`c0042d`; upper case for BIND's runs, so the
    /// two implementations' replies are logged apart).
    pub fn label(self) -> String {
        let letter = &self.tool.name()[..1];
        let letter = if self.which == Impl::Bind { letter.to_uppercase() } else { letter.to_string() };
        format!("c{:04}{letter}", self.case)
    }

    /// The program and its arguments, varied by case so that verbose and debug output, TCP, `+multiline`,
    /// `+short` and the query types all get their share of the damage.
    pub fn command(self, port: u16) -> (String, Vec<String>) {
        let name = format!("{}.robust.test.", self.label());
        let (port, port_option) = (port.to_string(), format!("-port={port}"));
        let mut args: Vec<&str> = match self.tool {
            Tool::Host => vec!["-W", "1", "-R", "1", "-p", &port],
            Tool::Dig => vec!["@127.0.0.1", "-p", &port, "+time=1", "+tries=1"],
            Tool::Nslookup => vec![&port_option, "-timeout=1", "-retry=1"],
        };
        match self.tool {
            Tool::Host if self.case % 2 == 1 => args.push("-v"),
            Tool::Nslookup if self.case % 2 == 1 => args.push("-debug"),
            _ => {}
        }
        if self.tool == Tool::Dig {
            args.extend((self.case % 3 == 2).then_some("+tcp"));
            args.extend([None, Some("+multiline"), None, Some("+short"), None][self.case % 5]);
        }
        args.push(&name);
        args.push(match self.tool {
            Tool::Dig => ["A", "AAAA", "MX", "TXT", "SRV", "CAA", "PTR", "SOA", "ANY"][self.case % 9],
            _ => "127.0.0.1",
        });
        let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        match self.which {
            Impl::Ours => {
                args.insert(0, self.tool.name().to_string());
                (env!("CARGO_BIN_EXE_dnsutils").to_string(), args)
            }
            Impl::Bind => (format!("/usr/bin/{}", self.tool.name()), args),
        }
    }
}

/// How one run ended.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// The signal that ended it, ours included when it hit the time limit.
    pub signal: Option<i32>,
    /// Whether it hit [`TIME_LIMIT`] and was killed.
    pub timed_out: bool,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Runs `program args` with stdin closed, killing it once it passes [`TIME_LIMIT`].
pub fn run_bounded(program: &str, args: &[String]) -> Outcome {
    let started = Instant::now();
    let mut command = Command::new(program);
    command.args(args).env("RUST_BACKTRACE", "1").env("LC_ALL", "C");
    let run = run_collecting(&mut command, TIME_LIMIT);
    Outcome {
        stdout: run.stdout,
        stderr: run.stderr,
        code: run.status.code(),
        signal: run.status.signal(),
        timed_out: run.timed_out,
        elapsed: started.elapsed(),
    }
}

/// The label naming the case in a query's question (`c0042d` in `www.c0042d.robust.test.`) and its number.
pub fn case_label(query: &[u8]) -> Option<(String, usize)> {
    let mut at = 12;
    loop {
        let length = usize::from(*query.get(at)?);
        let label = query.get(at + 1..at + 1 + length)?;
        if let [b'c', digits @ .., b'h' | b'd' | b'n' | b'H' | b'D' | b'N'] = label
            && let Some(index) = std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok())
        {
            return Some((String::from_utf8_lossy(label).into_owned(), index));
        }
        if length == 0 || length > 63 {
            return None;
        }
        at += 1 + length;
    }
}
