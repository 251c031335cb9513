//! `nslookup` end to end: the built binary against in-test fake servers on loopback.

mod fake_server;

use fake_server::{Behaviour, FakeServer, run_tool};

/// A default lookup prints the server header and both A and AAAA follow-up answers.
#[test]
fn prints_server_header_and_address() {
    let server = FakeServer::start(Behaviour::Answer);
    let port = format!("-port={}", server.port());
    let (stdout, code) = run_tool("nslookup", &[&port, "web.test", "127.0.0.1"]);
    let header = format!("Server:\t\t127.0.0.1\nAddress:\t127.0.0.1#{}\n\n", server.port());
    assert_eq!(stdout, format!("{header}Name:\tweb.test\nAddress: 10.0.0.1\nName:\tweb.test\nAddress: 10.0.0.1\n\n"));
    assert_eq!(code, 0);
}

/// NXDOMAIN prints `** server can't find` and exits 1.
#[test]
fn nxdomain_cannot_find() {
    let server = FakeServer::start(Behaviour::NxDomain);
    let port = format!("-port={}", server.port());
    let (stdout, code) = run_tool("nslookup", &[&port, "nosuch.test", "127.0.0.1"]);
    assert!(stdout.ends_with("** server can't find nosuch.test: NXDOMAIN\n\n"), "{stdout}");
    assert_eq!(code, 1);
}

/// Silence with `-retry=1` gives one timeout line and exit 1.
#[test]
fn silence_is_reported() {
    let server = FakeServer::start(Behaviour::Silent);
    let port = format!("-port={}", server.port());
    let (stdout, code) = run_tool("nslookup", &[&port, "-timeout=1", "-retry=1", "web.test", "127.0.0.1"]);
    let expected = format!(
        ";; communications error to 127.0.0.1#{}: timed out\n;; no servers could be reached\n\n",
        server.port()
    );
    assert_eq!((stdout.as_str(), code), (expected.as_str(), 1));
}

/// An AAAA follow-up whose reply is malformed is reported after the A answer; the exit status stays 0, as BIND's.
#[test]
fn bad_follow_up_reply_keeps_exit_zero() {
    let server = FakeServer::start(Behaviour::BadFollowUps);
    let port = format!("-port={}", server.port());
    let (stdout, code) = run_tool("nslookup", &[&port, "-timeout=1", "web.test", "127.0.0.1"]);
    assert!(stdout.contains("Address: 10.0.0.1\n;; Got bad packet: unexpected end of input\n36 bytes\n"), "{stdout}");
    assert_eq!(code, 0);
}
