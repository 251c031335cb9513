//! Robustness: `host`, `dig` and `nslookup` against a server that answers every query with a damaged copy of
//! a valid reply (truncated, bit-flipped, overwritten, looping or forward compression pointers, lying counts
//! and lengths, foreign IDs, opcodes and questions, broken TCP fallbacks). Whatever arrives, each run must end
//! by itself within [`TIME_LIMIT`], without a panic or a signal, with an exit code BIND's tool uses; on the
//! structural damage, BIND's own tool is run too and the exit codes must match.
//!
//! Each case is one entry of [`support::mutation::catalogue`]; the query name carries the case number, so one
//! server serves all runs in parallel and knows which damage to apply. Failures are collected, never stopped
//! at, and each is reported with the damage, the bytes sent, the command line and the output.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use support::damage_run::{Outcome, Run, TIME_LIMIT, Tool, case_label, run_bounded};
use support::full_reply::full_reply;
use support::mutation::{Case, catalogue, damaged, respond};
use support::tools::Impl;
use support::wire_layout::Layout;
use test_support::dns::wire::query;
use test_support::dns::{Response, ScriptedDns, Transport};

/// Seeds the random choices of the catalogue; `ROBUSTNESS_SEED=N` explores other damage, and a failure
/// report names its seed so that the same run can be repeated.
const SEED: u64 = 0x5eed_0003;

/// [`SEED`], or `ROBUSTNESS_SEED` (decimal or 0x-hex) when set.
fn seed() -> u64 {
    let parse = |text: String| match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    std::env::var("ROBUSTNESS_SEED").ok().and_then(parse).unwrap_or(SEED)
}

/// Runs in flight at once: most runs wait on a 1-second timeout, not the CPU.
const WORKERS: usize = 12;

/// What is wrong with how a run of `tool` ended, or `None` when it ended the way BIND's could.
fn verdict(tool: Tool, outcome: &Outcome) -> Option<String> {
    if outcome.timed_out {
        return Some(format!("hung: still running after {TIME_LIMIT:?}, killed"));
    }
    if outcome.code == Some(101) || outcome.stderr.contains("panicked") {
        return Some(format!("panicked (exit code {:?})", outcome.code));
    }
    let Some(code) = outcome.code else {
        return Some(format!("killed by signal {:?}", outcome.signal));
    };
    (!tool.exit_codes().contains(&code))
        .then(|| format!("exit code {code}, which BIND's {} never uses ({:?})", tool.name(), tool.exit_codes()))
}

/// Everything the server sent, by query label (`c0042d`), for the failure reports.
type SentLog = Mutex<HashMap<String, Vec<(Transport, Vec<u8>)>>>;

/// A server that answers each query with its case's damage applied to the valid reply, logging what it sent.
fn start_server(cases: Arc<Vec<Case>>, sent: Arc<SentLog>) -> ScriptedDns {
    ScriptedDns::start(move |query: &[u8], transport| {
        let (Some((label, index)), Some(reply)) = (case_label(query), full_reply(query)) else {
            return Response::Silence;
        };
        let Some(case) = cases.get(index) else { return Response::Silence };
        let response = respond(&case.damage, &reply, transport);
        let bytes = match &response {
            Response::Silence => Vec::new(),
            Response::Messages(messages) => messages.concat(),
            Response::Stream { bytes, .. } => bytes.clone(),
        };
        sent.lock().expect("the sent log").entry(label).or_default().push((transport, bytes));
        response
    })
}

/// The canonical reply the catalogue's offsets are taken from: a reply to a query shaped like the tools'.
fn canonical_reply() -> Vec<u8> {
    full_reply(&query(1, "c0000h.robust.test", 1)).expect("a reply to the canonical query")
}

/// The whole catalogue for [`seed`].
fn all_cases() -> Vec<Case> {
    catalogue(&canonical_reply(), seed())
}

/// A run that has ended, with what the server sent it.
struct Finished {
    run: Run,
    program: String,
    args: Vec<String>,
    outcome: Outcome,
    sent: Vec<(Transport, Vec<u8>)>,
}

/// The cases of `classes`, in catalogue order, with their numbers.
fn cases_of(classes: &[&str]) -> Vec<usize> {
    let cases = all_cases();
    let picked: Vec<usize> = (0..cases.len()).filter(|&i| classes.contains(&cases[i].class)).collect();
    assert!(!picked.is_empty(), "no case in the catalogue belongs to {classes:?}");
    picked
}

/// Starts one server for the whole catalogue and does `runs` on [`WORKERS`] threads.
fn run_all(runs: &[Run]) -> Vec<Finished> {
    let sent: Arc<SentLog> = Arc::default();
    let server = start_server(Arc::new(all_cases()), sent.clone());
    let next = AtomicUsize::new(0);
    let finished = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some(&run) = runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (program, args) = run.command(server.addr.port());
                    let outcome = run_bounded(&program, &args);
                    let sent = sent.lock().expect("the sent log").remove(&run.label()).unwrap_or_default();
                    finished.lock().expect("the results").push(Finished { run, program, args, outcome, sent });
                }
            });
        }
    });
    let mut finished = finished.into_inner().expect("the results");
    finished.sort_by_key(|f| (f.run.case, f.run.tool.name(), f.run.which == Impl::Bind));
    finished
}

/// One failing run, with everything needed to reproduce it.
fn report(finished: &Finished, problem: &str) -> String {
    let Finished { run, program, args, outcome, sent } = finished;
    let case = &all_cases()[run.case];
    let replies: Vec<String> = sent
        .iter()
        .map(|(transport, bytes)| format!("    {transport:?} {} bytes: {}", bytes.len(), hex(bytes)))
        .collect();
    format!(
        "[{}] case {} ({}), seed {:#x}: {} {problem} after {:?}\n  command: {program} {}\n  sent:\n{}\n  stdout:\n{}  stderr:\n{}",
        case.class,
        run.case,
        case.what,
        seed(),
        run.tool.name(),
        outcome.elapsed,
        args.join(" "),
        replies.join("\n"),
        indent(&outcome.stdout),
        indent(&outcome.stderr),
    )
}

fn hex(bytes: &[u8]) -> String {
    let shown: String = bytes.iter().take(600).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 600 { format!("{shown}... ({} more)", bytes.len() - 600) } else { shown }
}

fn indent(text: &str) -> String {
    text.lines().take(60).map(|line| format!("    {line}\n")).collect()
}

/// Runs our three tools on every case of `classes` and fails with a report for every run that hung, panicked,
/// died of a signal, exited with a code BIND never uses, or never reached the server.
fn assert_all_clean(classes: &[&str]) {
    let started = Instant::now();
    let runs: Vec<Run> = cases_of(classes)
        .into_iter()
        .flat_map(|case| Tool::ALL.map(|tool| Run { case, tool, which: Impl::Ours }))
        .collect();
    let finished = run_all(&runs);
    let mut codes: HashMap<(&str, Option<i32>), usize> = HashMap::new();
    let mut failures = Vec::new();
    for f in &finished {
        *codes.entry((f.run.tool.name(), f.outcome.code)).or_default() += 1;
        let problem = verdict(f.run.tool, &f.outcome).or_else(|| {
            f.sent.is_empty().then(|| "never reached the server, so the damage was not tested".to_string())
        });
        failures.extend(problem.map(|problem| report(f, &problem)));
    }
    let mut codes: Vec<_> = codes.into_iter().collect();
    codes.sort();
    eprintln!("{classes:?}: {} runs in {:?}, exit codes {codes:?}", runs.len(), started.elapsed());
    assert!(failures.is_empty(), "{} of {} runs failed:\n\n{}", failures.len(), runs.len(), failures.join("\n\n"));
}

/// The undamaged reply is accepted by every tool with exit 0, so the damage is all that differs in other cases.
#[test]
fn valid_reply_is_accepted() {
    let runs = Tool::ALL.map(|tool| Run { case: 0, tool, which: Impl::Ours });
    for f in run_all(&runs) {
        assert_eq!(f.outcome.code, Some(0), "{}", report(&f, "did not exit 0"));
    }
}

/// Replies cut at every field boundary, and empty datagrams, end every run cleanly.
#[test]
fn truncated_replies_end_cleanly() {
    assert_all_clean(&["truncation", "empty-datagram"]);
}

/// Seeded bit flips and byte overwrites end every run cleanly.
#[test]
fn corrupted_bytes_end_cleanly() {
    assert_all_clean(&["bit-flip", "overwrite"]);
}

/// Looping and forward compression pointers, labels over 63 and names over 255 bytes end every run cleanly.
#[test]
fn broken_names_end_cleanly() {
    assert_all_clean(&["pointer-loop", "pointer-forward", "label-too-long", "name-too-long"]);
}

/// Header counts and RDLENGTHs larger than what is there end every run cleanly.
#[test]
fn lying_lengths_end_cleanly() {
    assert_all_clean(&["count-too-large", "rdlength-past-end"]);
}

/// Records retyped to every type the tools print in a form of their own, with odd RDATA, end every run cleanly.
#[test]
fn retyped_records_end_cleanly() {
    assert_all_clean(&["retyped-record"]);
}

/// Replies with a wrong ID, QR=0, an unknown opcode or another question end every run cleanly.
#[test]
fn mismatched_replies_end_cleanly() {
    assert_all_clean(&["wrong-id", "not-a-response", "unknown-opcode", "question-mismatch"]);
}

/// A TC=1 reply followed by a broken TCP answer, lying length prefixes included, ends every run cleanly.
#[test]
fn broken_tcp_fallback_ends_cleanly() {
    assert_all_clean(&["tc-then-tcp-garbage", "tcp-length-lies"]);
}

/// Every case really changes the reply, and the canonical reply's layout is what the catalogue assumes.
#[test]
fn every_case_damages_the_reply() {
    let canonical = canonical_reply();
    let layout = Layout::of(&canonical).expect("well formed");
    assert_eq!(layout.records.len(), 12, "CNAME, 8 records at its target, SOA, glue, OPT");
    for case in all_cases().iter().filter(|case| case.class != "valid") {
        assert_ne!(
            damaged(&case.damage, &canonical),
            canonical,
            "{} ({}) leaves the reply valid",
            case.class,
            case.what
        );
    }
}

/// A follow-up query for the CNAME target gets a reply of the same structure, so it gets the same damage.
#[test]
fn follow_up_replies_share_the_structure() {
    let layout = |name: &str| {
        let reply = full_reply(&query(7, name, 28)).expect("a reply");
        Layout::of(&reply).expect("well formed")
    };
    let (first, follow_up) = (layout("c0000h.robust.test"), layout("www.c0000h.robust.test"));
    assert_eq!(first.boundaries.len(), follow_up.boundaries.len());
    assert_eq!(first.pointers.len(), follow_up.pointers.len());
    assert_eq!(
        first.records.iter().map(|r| r.rtype).collect::<Vec<_>>(),
        follow_up.records.iter().map(|r| r.rtype).collect::<Vec<_>>()
    );
}

/// The wire walker finds a small reply's labels, pointer and every field boundary.
#[test]
fn layout_walks_a_small_reply() {
    let reply = [
        &[0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0][..],
        &[1, b'a', 0, 0, 1, 0, 1],
        &[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 1],
    ]
    .concat();
    let layout = Layout::of(&reply).expect("well formed");
    assert_eq!((layout.labels, layout.pointers), (vec![12], vec![19]));
    assert_eq!(layout.records[0].rdata, 31);
    assert_eq!(layout.boundaries, vec![0, 2, 4, 6, 8, 10, 12, 15, 17, 19, 21, 23, 25, 29, 31, 35]);
}

/// The verdict catches a real panic, a signal, a hang and a foreign exit code from real processes.
#[test]
fn verdict_catches_panics_signals_hangs_and_foreign_codes() {
    let sh = |script: &str| run_bounded("/bin/sh", &["-c".into(), script.into()]);
    let panic = sh("echo \"thread 'main' panicked at src/reply.rs:1:1\" >&2; exit 101");
    let signal = sh("kill -SEGV $$");
    let hang = sh("exec sleep 30");
    let foreign = sh("exit 3");
    let fine = sh("exit 9");
    assert!(verdict(Tool::Dig, &panic).is_some_and(|v| v.starts_with("panicked")), "{panic:?}");
    assert!(verdict(Tool::Dig, &signal).is_some_and(|v| v.starts_with("killed by signal Some(11)")), "{signal:?}");
    assert!(verdict(Tool::Dig, &hang).is_some_and(|v| v.starts_with("hung")), "{hang:?}");
    assert!(verdict(Tool::Nslookup, &foreign).is_some_and(|v| v.starts_with("exit code 3")), "{foreign:?}");
    assert_eq!(verdict(Tool::Dig, &fine), None);
    assert!(verdict(Tool::Nslookup, &fine).is_some(), "nslookup never exits 9");
}

/// On the structural damage, random bit flips and overwrites, and records retyped to the types whose rdata BIND
/// checks, our exit code is BIND's.
#[test]
fn exit_codes_match_bind() {
    let classes = [
        "truncation",
        "empty-datagram",
        "pointer-loop",
        "pointer-forward",
        "label-too-long",
        "name-too-long",
        "count-too-large",
        "rdlength-past-end",
        "wrong-id",
        "not-a-response",
        "unknown-opcode",
        "question-mismatch",
        "tc-then-tcp-garbage",
        "tcp-length-lies",
        "bit-flip",
        "overwrite",
        "retyped-record",
    ];
    let runs: Vec<Run> = cases_of(&classes)
        .into_iter()
        .flat_map(|case| {
            Tool::ALL.into_iter().flat_map(move |tool| [Impl::Ours, Impl::Bind].map(|which| Run { case, tool, which }))
        })
        .collect();
    let finished = run_all(&runs);
    let mut differences = Vec::new();
    for pair in finished.chunks(2) {
        let [ours, bind] = pair else { continue };
        if ours.outcome.code != bind.outcome.code {
            let problem = format!("exits {:?} where BIND's exits {:?}", ours.outcome.code, bind.outcome.code);
            differences.push(format!("{}\n  BIND's:\n{}", report(ours, &problem), report(bind, "for comparison")));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} runs differ:\n\n{}",
        differences.len(),
        runs.len() / 2,
        differences.join("\n\n")
    );
}
