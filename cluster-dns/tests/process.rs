//! The server as a process: a file edited while it serves, its admin endpoints, the loop check, bad
//! configuration, and SIGTERM.

mod support;

use std::time::{Duration, Instant};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use support::*;
use test_support::process::{clean_command, run_to_exit};

/// An edit of the state file is answered within a second: a new Service appears, a removed one is gone.
#[test]
fn file_edits_are_answered_within_a_second() {
    let dns = Dns::start(LAB, None, &[]);
    let added = format!(
        "{LAB}---\napiVersion: v1\nkind: Service\nmetadata: {{name: late, namespace: default}}\nspec:\n  clusterIP: 10.96.77.7\n  ports: [{{port: 80}}]\n"
    );
    let edited = Instant::now();
    std::fs::write(&dns.file, &added).expect("edit the file");
    wait_until(Duration::from_secs(5), "the new Service to answer", || {
        ask(dns.addr, "late.default.svc.cluster.local.", RecordType::A).answers.len() == 1
    });
    assert!(edited.elapsed() < Duration::from_secs(1), "answered {:?} after the edit", edited.elapsed());

    let without_postgres = LAB.replace("name: postgres, namespace: default", "name: gone, namespace: default");
    let edited = Instant::now();
    std::fs::write(&dns.file, without_postgres).expect("edit the file");
    wait_until(Duration::from_secs(5), "postgres to be gone", || {
        ask(dns.addr, "postgres.default.svc.cluster.local.", RecordType::A).metadata.response_code
            == ResponseCode::NXDomain
    });
    assert!(edited.elapsed() < Duration::from_secs(1), "gone {:?} after the edit", edited.elapsed());
}

/// The admin port: CoreDNS's metric names count the queries; health and readiness answer.
#[test]
fn admin_endpoints() {
    // Without the loop check's probe, the two queries below are all the server sees.
    let dns = Dns::start(LAB, None, &["--loop-check", "false"]);
    ask(dns.addr, "postgres.default.svc.cluster.local.", RecordType::A);
    ask(dns.addr, "nope.default.svc.cluster.local.", RecordType::AAAA);
    let metrics = get(dns.admin, "/metrics").body;
    let server = format!("server=\"dns://:{}\"", dns.port());
    for series in [
        format!("coredns_dns_requests_total{{{server},zone=\".\",view=\"\",proto=\"udp\",family=\"1\",type=\"A\"}} 1"),
        format!(
            "coredns_dns_requests_total{{{server},zone=\".\",view=\"\",proto=\"udp\",family=\"1\",type=\"AAAA\"}} 1"
        ),
        format!(
            "coredns_dns_responses_total{{{server},zone=\".\",view=\"\",rcode=\"NXDOMAIN\",plugin=\"kubernetes\"}} 1"
        ),
        format!("coredns_dns_request_duration_seconds_count{{{server},zone=\".\",view=\"\"}} 2"),
        format!("coredns_cache_entries{{{server},type=\"success\",zones=\".\",view=\"\"}} 0"),
    ] {
        assert!(metrics.lines().any(|l| l == series), "missing {series} in:\n{metrics}");
    }
    assert_eq!(get(dns.admin, "/health").status, 200);
    assert_eq!(get(dns.admin, "/ready").status, 200);
}

/// An upstream that is this server itself is found at start: the process exits 1 naming it.
#[test]
fn a_loop_through_the_upstream_stops_the_server() {
    let port = test_support::network::free_fixed_port(std::net::Ipv4Addr::LOCALHOST);
    let listen = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("lab.yaml");
    std::fs::write(&file, LAB).expect("write");
    let mut command = clean_command(env!("CARGO_BIN_EXE_cluster-dns"));
    command.args(["--listen", &listen, "--admin-addr", "127.0.0.1:0", "--upstream", &listen, "--from-file"]).arg(&file);
    let started = Instant::now();
    let finished = run_to_exit(command);
    assert_eq!(finished.status.code(), Some(1), "{}", finished.stdout);
    assert!(
        finished.stdout.contains(&format!("loop detected: a query forwarded to {listen} came back")),
        "{}",
        finished.stdout
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Bad settings stop it at start with one line and exit 64.
#[test]
fn bad_configuration_exits_64() {
    for (flag, value, setting) in [
        ("--ttl", "9999", "DNS_TTL"),
        ("--from-file", "/nonexistent.yaml", "CLUSTER_STATE_FILE"),
        ("--pods", "all", "PODS_MODE"),
    ] {
        let mut command = clean_command(env!("CARGO_BIN_EXE_cluster-dns"));
        command.args(["--upstream", "127.0.0.1:1", flag, value]);
        let finished = run_to_exit(command);
        assert_eq!(finished.status.code(), Some(64), "{flag} {value}: {}", finished.stderr);
        assert_eq!(finished.stderr.lines().count(), 1, "{:?}", finished.stderr);
        assert!(finished.stderr.contains(setting), "{}", finished.stderr);
    }
}

/// SIGTERM drains and exits 0.
#[test]
fn sigterm_exits_cleanly() {
    let dns = Dns::start(LAB, None, &[]);
    assert_eq!(dns.stop().code(), Some(0));
}
