//! `dig` end to end: the built binary against in-test fake servers on loopback.

mod fake_server;

use fake_server::{Behaviour, FakeServer, run_tool};

/// `+short` prints only the rdata.
#[test]
fn short_prints_rdata_only() {
    let server = FakeServer::start(Behaviour::Answer);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+short", "web.test"]);
    assert_eq!((stdout.as_str(), code), ("10.0.0.1\n", 0));
}

/// `MSG SIZE rcvd` is the exact size of the reply (23-byte question + 16-byte record + 12-byte header).
#[test]
fn msg_size_is_reply_length() {
    let server = FakeServer::start(Behaviour::Answer);
    let (stdout, _) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+noall", "+stats", "+noedns", "web.test"]);
    assert!(stdout.contains(";; MSG SIZE  rcvd: 42\n"), "{stdout}");
    assert!(stdout.contains(&format!(";; SERVER: 127.0.0.1#{}(127.0.0.1) (UDP)\n", server.port())), "{stdout}");
}

/// No reply: timeouts, the greeting, `no servers could be reached`, exit 9.
#[test]
fn silence_exits_nine() {
    let server = FakeServer::start(Behaviour::Silent);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+time=1", "+tries=1", "web.test"]);
    assert!(
        stdout
            .starts_with(&format!(";; communications error to 127.0.0.1#{}: timed out\n\n; <<>> DiG ", server.port()))
    );
    assert!(stdout.ends_with(";; global options: +cmd\n;; no servers could be reached\n"), "{stdout}");
    assert_eq!(code, 9);
}

/// A truncated UDP answer says so and is retried over TCP.
#[test]
fn truncation_retries_over_tcp() {
    let server = FakeServer::start(Behaviour::Truncate);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "web.test"]);
    assert!(stdout.starts_with(";; Truncated, retrying in TCP mode.\n"), "{stdout}");
    assert!(stdout.contains("(TCP)\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// Malformed replies are shown best-effort with BIND's warnings.
#[test]
fn garbage_is_shown_best_effort() {
    let server = FakeServer::start(Behaviour::Garbage);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+time=1", "web.test"]);
    assert!(stdout.starts_with(";; Warning: Message parser reports malformed message packet.\n"), "{stdout}");
    assert!(stdout.contains(";; WARNING: Message has 6 extra bytes at end\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// An unknown `+option` is a usage error.
#[test]
fn unknown_option_is_usage_error() {
    let (stdout, code) = run_tool("dig", &["+bogus", "@127.0.0.1", "x"]);
    assert_eq!((stdout.as_str(), code), ("", 1));
}

/// A zone transfer in two messages prints every record and the transfer's size.
#[test]
fn transfer_spans_messages() {
    let server = FakeServer::start(Behaviour::Transfer);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+nocmd", "axfr", "zone.test"]);
    let records: Vec<&str> = stdout.lines().filter(|line| line.starts_with("zone.test.")).collect();
    assert_eq!(records.len(), 4, "{stdout}");
    assert!(records[0].contains("\tSOA\t") && records[3].contains("\tSOA\t"), "{stdout}");
    assert!(stdout.contains(";; XFR size: 4 records (messages 2, bytes "), "{stdout}");
    assert_eq!(code, 0);
}

/// A reply that answers another question and does not parse is a bad packet (BIND parses before it compares
/// questions): reported at once, exit 0, no timeout.
#[test]
fn unparsable_reply_to_other_question_is_bad_packet() {
    let server = FakeServer::start(Behaviour::OtherQuestionBrokenBody);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+time=1", "+tries=1", "web.test"]);
    assert!(stdout.starts_with(";; Got bad packet: extra input data\n41 bytes\n"), "{stdout}");
    assert!(!stdout.contains("mismatch"), "{stdout}");
    assert_eq!(code, 0);
}

/// A record of a meta type (AXFR) in an answer prints in RFC 3597 form.
#[test]
fn meta_type_answer_prints_as_unknown() {
    let server = FakeServer::start(Behaviour::MetaAnswer);
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &server.port(), "+noall", "+answer", "web.test"]);
    assert_eq!((stdout.as_str(), code), ("web.test.\t\t5\tIN\tAXFR\t\\# 4 0A000001\n", 0));
}

/// A refused TCP connection names the lookup as typed, final dot included, as BIND's dig does.
#[test]
fn refused_tcp_names_lookup_as_typed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let port = port.to_string();
    let (stdout, code) = run_tool("dig", &["@127.0.0.1", "-p", &port, "+tcp", "+time=1", "+tries=1", "web.test."]);
    let line = format!(";; Connection to 127.0.0.1#{port}(127.0.0.1) for web.test. failed: connection refused.\n");
    assert!(stdout.starts_with(&line), "{stdout}");
    assert_eq!(code, 9);
}
