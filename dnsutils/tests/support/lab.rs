//! The parity lab: one knotd, one fake server per failure behaviour (plus a silent one on port 53 for
//! resolv.conf to name), the resolv.conf files of [`Resolv`], and the runner. A [`Row`] is one command line; [`Lab::check`] runs it with BIND's
//! tool and ours and describes every difference that survives masking.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fake_dns::{Behaviour, FakeServer};
use super::knot::{Knot, fixture};
use super::tools::{Impl, Outcome, Runner};
use super::{diff, mask};

/// Which resolv.conf a row runs under (files in `tests/fixtures/`, where `NAMESERVER` becomes knotd's
/// port-53 address and `DEAD` the silent server's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolv {
    /// `resolv-pod.conf`: a pod in `default`, ndots 5, knotd only.
    Pod,
    /// `resolv-quirky.conf`: comments, `domain`, two `search` lines, ndots 2.
    Quirky,
    /// `resolv-failover.conf`: a silent server first, then knotd; timeout 1, attempts 1.
    Failover,
    /// `resolv-dead.conf`: only the silent server; timeout 1, attempts 1.
    Dead,
}

impl Resolv {
    const ALL: [Resolv; 4] = [Resolv::Pod, Resolv::Quirky, Resolv::Failover, Resolv::Dead];

    fn file_name(self) -> &'static str {
        match self {
            Resolv::Pod => "resolv-pod.conf",
            Resolv::Quirky => "resolv-quirky.conf",
            Resolv::Failover => "resolv-failover.conf",
            Resolv::Dead => "resolv-dead.conf",
        }
    }
}

/// One command line run with both implementations.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// `host`, `dig` or `nslookup`.
    pub tool: &'static str,
    /// Arguments separated by spaces, with `{placeholders}` filled in by [`Lab::expand`].
    pub args: &'static str,
    /// The resolv.conf mounted for both runs.
    pub resolv: Resolv,
}

/// A row under the pod resolv.conf.
pub const fn row(tool: &'static str, args: &'static str) -> Row {
    Row { tool, args, resolv: Resolv::Pod }
}

/// A row under the quirky resolv.conf.
pub const fn quirky(tool: &'static str, args: &'static str) -> Row {
    Row { tool, args, resolv: Resolv::Quirky }
}

/// A row under any resolv.conf.
pub const fn under(resolv: Resolv, tool: &'static str, args: &'static str) -> Row {
    Row { tool, args, resolv }
}

/// Everything the rows talk to; dropping it stops all servers.
pub struct Lab {
    /// The authoritative server.
    pub knot: Knot,
    fakes: Vec<(&'static str, FakeServer)>,
    silent53: FakeServer,
    runner: Runner,
    resolv_dir: tempfile::TempDir,
}

/// Rows run at once by [`Lab::failures`].
const WORKERS: usize = 8;

/// Placeholder name of each fake server's port in row arguments.
const FAKES: &[(&str, Behaviour)] = &[
    ("servfail", Behaviour::ServFail),
    ("refused", Behaviour::Refused),
    ("nxdomain", Behaviour::NxDomain),
    ("garbage", Behaviour::Garbage),
    ("malformed", Behaviour::Malformed),
    ("wrongid", Behaviour::WrongId),
    ("silence", Behaviour::Silence),
    ("tc", Behaviour::TruncatedWithoutTcp),
];

impl Lab {
    /// Checks prerequisites, then starts knotd and the fake servers and writes the resolv.conf files.
    pub fn start() -> Lab {
        let runner = Runner::new();
        let knot = Knot::start();
        let fakes = FAKES.iter().map(|&(name, b)| (name, FakeServer::start(b))).collect();
        let silent53 = FakeServer::start_on_port53(Behaviour::Silence);
        let resolv_dir = tempfile::tempdir().expect("create the resolv.conf directory");
        for resolv in Resolv::ALL {
            let text = std::fs::read_to_string(fixture(resolv.file_name())).expect("read a resolv.conf fixture");
            let text =
                text.replace("NAMESERVER", &knot.addr53.to_string()).replace("DEAD", &silent53.addr.ip().to_string());
            std::fs::write(resolv_dir.path().join(resolv.file_name()), text).expect("write a resolv.conf");
        }
        Lab { knot, fakes, silent53, runner, resolv_dir }
    }

    /// The resolv.conf file for `resolv`.
    pub fn resolv_conf(&self, resolv: Resolv) -> PathBuf {
        self.resolv_dir.path().join(resolv.file_name())
    }

    /// `row.args` split on spaces with `{port}` (knotd's), `{ns53}` (knotd's port-53 address), `{dead53}`
    /// (the silent port-53 server's address) and `{servfail}`, `{refused}`, ... (each fake server's port on
    /// 127.0.0.1) filled in.
    pub fn expand(&self, row: &Row) -> Vec<String> {
        let mut values: HashMap<&str, String> =
            self.fakes.iter().map(|(n, f)| (*n, f.addr.port().to_string())).collect();
        values.insert("port", self.knot.port.to_string());
        values.insert("ns53", self.knot.addr53.to_string());
        values.insert("dead53", self.silent53.addr.ip().to_string());
        row.args
            .split_whitespace()
            .map(|arg| values.iter().fold(arg.to_owned(), |a, (k, v)| a.replace(&format!("{{{k}}}"), v)))
            .collect()
    }

    /// Runs `row` with `which` under the row's resolv.conf.
    pub fn run(&self, row: &Row, which: Impl) -> Outcome {
        self.runner.run(which, row.tool, &self.expand(row), &self.resolv_conf(row.resolv))
    }

    /// The command line as a user would type it, for failure messages.
    pub fn describe(&self, row: &Row) -> String {
        format!("{} {}", row.tool, self.expand(row).join(" "))
    }

    /// `Ok` when ours matches BIND on `row` after masking, else a readable description of every difference.
    pub fn check(&self, row: &Row) -> Result<(), String> {
        let bind = self.run(row, Impl::Bind);
        let ours = self.run(row, Impl::Ours);
        compare(&self.describe(row), "BIND", &bind, "ours", &ours)
    }

    /// `Ok` when two runs of BIND's tool on `row` agree after masking (the masks hide all run-to-run noise).
    pub fn check_bind_stable(&self, row: &Row) -> Result<(), String> {
        let first = self.run(row, Impl::Bind);
        let second = self.run(row, Impl::Bind);
        compare(&self.describe(row), "BIND run 1", &first, "BIND run 2", &second)
    }

    /// Runs `check` on every row, [`WORKERS`] at a time (most of a row's time is spent waiting on a
    /// timeout, not on a CPU), and returns all failure descriptions in row order.
    pub fn failures(&self, rows: &[Row], check: fn(&Lab, &Row) -> Result<(), String>) -> Vec<String> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..WORKERS {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(row) = rows.get(i) else { break };
                        if let Err(report) = check(self, row) {
                            results.lock().unwrap_or_else(|p| p.into_inner()).push((i, report));
                        }
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, report)| report).collect()
    }
}

/// Describes how `b` differs from `a` (masked stdout, masked stderr, exit code), or `Ok` if it does not.
pub fn compare(command: &str, a_name: &str, a: &Outcome, b_name: &str, b: &Outcome) -> Result<(), String> {
    let mut problems = Vec::new();
    for (stream, x, y) in [("stdout", &a.stdout, &b.stdout), ("stderr", &a.stderr, &b.stderr)] {
        let (x, y) = (mask::mask(x), mask::mask(y));
        if x != y {
            problems.push(format!(" {stream} (- {a_name}, + {b_name}):\n{}", diff::lines(&x, &y)));
        }
    }
    if a.code != b.code {
        problems.push(format!(" exit code: {a_name} {:?}, {b_name} {:?}", a.code, b.code));
    }
    for (name, o) in [(a_name, a), (b_name, b)] {
        if o.timed_out {
            problems.push(format!(" {name} was killed after {:?}", super::tools::TIME_LIMIT));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(format!("`{command}` differs:\n{}", problems.join("\n"))) }
}

/// Panics listing every failure, or returns if there are none.
pub fn assert_no_failures(what: &str, total: usize, failures: &[String]) {
    assert!(failures.is_empty(), "{what}: {} of {total} rows differ\n\n{}", failures.len(), failures.join("\n"));
}
