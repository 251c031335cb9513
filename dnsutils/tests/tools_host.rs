//! `host` end to end: the built binary against in-test fake servers on loopback.

mod fake_server;

use std::time::{Duration, Instant};

use fake_server::{Behaviour, FakeServer, run_tool};

/// An answer prints the server block and a `has address` line, exit 0.
#[test]
fn prints_address_with_server_block() {
    let server = FakeServer::start(Behaviour::Answer);
    let (stdout, code) = run_tool("host", &["-t", "A", "-p", &server.port(), "web.test", "127.0.0.1"]);
    let expected = format!(
        "Using domain server:\nName: 127.0.0.1\nAddress: 127.0.0.1#{}\nAliases: \n\nweb.test has address 10.0.0.1\n",
        server.port()
    );
    assert_eq!((stdout.as_str(), code), (expected.as_str(), 0));
}

/// A silent server gives one timeout line per try, then `no servers could be reached`, exit 1, in bounded time.
#[test]
fn silent_server_times_out() {
    let server = FakeServer::start(Behaviour::Silent);
    let started = Instant::now();
    let (stdout, code) = run_tool("host", &["-W", "1", "-R", "1", "-p", &server.port(), "web.test", "127.0.0.1"]);
    let timeout = format!(";; communications error to 127.0.0.1#{}: timed out\n", server.port());
    assert_eq!(stdout, format!("{timeout}{timeout};; no servers could be reached\n"));
    assert_eq!(code, 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A malformed reply is reported with its reason and a hex dump, exit 1.
#[test]
fn garbage_is_a_bad_packet() {
    let server = FakeServer::start(Behaviour::Garbage);
    let (stdout, code) = run_tool("host", &["-W", "1", "-p", &server.port(), "web.test", "127.0.0.1"]);
    assert!(stdout.starts_with(";; Got bad packet: unexpected end of input\n18 bytes\n"), "{stdout}");
    assert_eq!(code, 1);
}

/// A truncated UDP answer is retried over TCP and the full answer printed.
#[test]
fn truncation_falls_back_to_tcp() {
    let server = FakeServer::start(Behaviour::Truncate);
    let (stdout, code) = run_tool("host", &["-t", "A", "-p", &server.port(), "web.test", "127.0.0.1"]);
    assert!(stdout.ends_with("web.test has address 10.0.0.2\nweb.test has address 10.0.0.3\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// A reply with a foreign ID is warned about and skipped; the right one is used.
#[test]
fn warns_on_id_mismatch() {
    let server = FakeServer::start(Behaviour::WrongIdFirst);
    let (stdout, code) = run_tool("host", &["-t", "A", "-p", &server.port(), "web.test", "127.0.0.1"]);
    assert!(stdout.starts_with(";; Warning: ID mismatch: expected ID "), "{stdout}");
    assert!(stdout.ends_with("web.test has address 10.0.0.1\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// NXDOMAIN names the user's text and exits 1.
#[test]
fn nxdomain_is_not_found() {
    let server = FakeServer::start(Behaviour::NxDomain);
    let (stdout, code) = run_tool("host", &["-p", &server.port(), "nosuch.test.", "127.0.0.1"]);
    assert!(stdout.ends_with("Host nosuch.test. not found: 3(NXDOMAIN)\n"), "{stdout}");
    assert_eq!(code, 1);
}

/// A follow-up (AAAA, MX) whose reply is malformed is reported and skipped, as BIND does: both follow-ups are
/// asked and the exit status stays 0.
#[test]
fn bad_follow_up_reply_is_skipped() {
    let server = FakeServer::start(Behaviour::BadFollowUps);
    let (stdout, code) = run_tool("host", &["-W", "1", "-p", &server.port(), "web.test", "127.0.0.1"]);
    assert!(
        stdout.contains("\nweb.test has address 10.0.0.1\n;; Got bad packet: unexpected end of input\n"),
        "{stdout}"
    );
    assert_eq!(stdout.matches(";; Got bad packet: unexpected end of input\n36 bytes\n").count(), 2, "{stdout}");
    assert_eq!(code, 0);
}

/// A record of a meta type (AXFR) in an answer prints in RFC 3597 form, exit 0, as BIND does.
#[test]
fn meta_type_answer_prints_as_unknown() {
    let server = FakeServer::start(Behaviour::MetaAnswer);
    let (stdout, code) = run_tool("host", &["-t", "A", "-p", &server.port(), "web.test", "127.0.0.1"]);
    assert!(stdout.ends_with("\nweb.test has AXFR record \\# 4 0A000001\n"), "{stdout}");
    assert_eq!(code, 0);
}
