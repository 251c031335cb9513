//! Every DNS observation of the lab, against the real server serving the lab's objects from a file,
//! through real clients: BIND's `host`, `dig` and `nslookup`, whose output is checked, and ours, whose
//! output must equal BIND's (after masking query IDs and timings).

mod support;

use support::*;

/// Query IDs, timings, dates and dig's version differ from run to run and tool to tool.
fn mask(text: &str) -> String {
    let patterns = [
        (r"id: \d+", "id: ID"),
        (r"in \d+ ms", "in T ms"),
        (r"Query time: \d+ msec", "Query time: T msec"),
        (r";; WHEN: .*", ";; WHEN: W"),
        (r"<<>> DiG \S+ <<>>", "<<>> DiG V <<>>"),
    ];
    let mut text = text.to_string();
    for (pattern, replacement) in patterns {
        text = regex::Regex::new(pattern).expect("a pattern").replace_all(&text, replacement).into_owned();
    }
    text
}

/// Runs `tool args` with BIND's tool and ours; both must print the same and exit the same. Returns
/// BIND's stdout.
fn both(tool: &str, args: &[&str]) -> String {
    let theirs = bind(tool, args);
    let mine = ours(tool, args);
    assert_eq!(mask(&mine.stdout), mask(&theirs.stdout), "{tool} {args:?}: ours differs from BIND's");
    assert_eq!(mine.status.code(), theirs.status.code(), "{tool} {args:?}: exit codes differ");
    theirs.stdout
}

fn host(dns: &Dns, args: &[&str]) -> String {
    let port = dns.port();
    let mut all = vec!["-p", port.as_str()];
    all.extend_from_slice(args);
    all.push("127.0.0.1");
    both("host", &all)
}

/// A line the output must hold.
fn has(output: &str, line: &str) {
    assert!(output.lines().any(|l| l == line), "missing {line:?} in:\n{output}");
}

/// A record line the output must hold, whatever tabs or spaces dig's columns put between its fields.
fn has_record(output: &str, words: &str) {
    let found = output.lines().any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == words);
    assert!(found, "missing {words:?} in:\n{output}");
}

/// The StatefulSet's pods by name, and the postgres Service by its ClusterIP.
#[test]
fn statefulset_and_cluster_ip_names() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    has(
        &host(&dns, &["postgres-0.postgres.default.svc.cluster.local."]),
        "postgres-0.postgres.default.svc.cluster.local has address 10.244.1.3",
    );
    has(
        &host(&dns, &["postgres-1.postgres.default.svc.cluster.local."]),
        "postgres-1.postgres.default.svc.cluster.local has address 10.244.2.3",
    );
    has(
        &host(&dns, &["postgres.default.svc.cluster.local."]),
        "postgres.default.svc.cluster.local has address 10.105.214.153",
    );
    has(
        &host(&dns, &["-t", "AAAA", "postgres.default.svc.cluster.local."]),
        "postgres.default.svc.cluster.local has no AAAA record",
    );
}

/// The headless Service's four ready pods, in the lab's own `host -v` transcript shape: flags `qr aa rd`,
/// four A records with TTL 30, and 292 bytes received (CoreDNS sends names uncompressed when they fit).
#[test]
fn headless_service_verbose() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let output = host(&dns, &["-v", "-t", "a", "headless-service.default.svc.cluster.local"]);
    has(&output, ";; flags: qr aa rd; QUERY: 1, ANSWER: 4, AUTHORITY: 0, ADDITIONAL: 0");
    has(&output, "headless-service.default.svc.cluster.local. 30 IN A 10.244.2.4");
    has(&output, "headless-service.default.svc.cluster.local. 30 IN A 10.244.3.4");
    let received = format!("Received 292 bytes from 127.0.0.1#{} in", dns.port());
    assert!(output.lines().any(|l| l.starts_with(&received)), "{output}");
}

/// A pod IP's reverse name, one PTR per Service selecting the pod, as CoreDNS answers.
#[test]
fn pod_ip_reverse_lookup() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let output = host(&dns, &["10.244.1.4"]);
    has(&output, "4.1.244.10.in-addr.arpa domain name pointer 10-244-1-4.clusterip-service.default.svc.cluster.local.");
    has(&output, "4.1.244.10.in-addr.arpa domain name pointer 10-244-1-4.headless-service.default.svc.cluster.local.");
}

/// The ExternalName Service: its CNAME, and github.com's address from the upstream.
#[test]
fn external_name_through_the_upstream() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let output = host(&dns, &["-t", "A", "external-service.default.svc.cluster.local."]);
    has(&output, "external-service.default.svc.cluster.local is an alias for github.com.");
    has(&output, "github.com has address 140.82.112.3");
}

/// Names outside the cluster go to the upstream: found and not found.
#[test]
fn names_outside_the_cluster() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    has(&host(&dns, &["-t", "A", "github.com."]), "github.com has address 140.82.112.3");
    has(&host(&dns, &["-t", "A", "no-such-name.example."]), "Host no-such-name.example. not found: 3(NXDOMAIN)");
}

/// The schema version, an SRV record and a missing Service.
#[test]
fn txt_srv_and_nxdomain() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    has(
        &host(&dns, &["-t", "TXT", "dns-version.cluster.local"]),
        "dns-version.cluster.local descriptive text \"1.1.0\"",
    );
    has(
        &host(&dns, &["-t", "SRV", "_postgres._tcp.postgres.default.svc.cluster.local"]),
        "_postgres._tcp.postgres.default.svc.cluster.local has SRV record 0 100 5432 postgres.default.svc.cluster.local.",
    );
    has(&host(&dns, &["nope.default.svc.cluster.local"]), "Host nope.default.svc.cluster.local not found: 3(NXDOMAIN)");
}

/// dig's full output over UDP and TCP, and the Kubernetes e2e probe's form.
#[test]
fn dig_output() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let server = "@127.0.0.1";
    let port = dns.port();
    let output = both("dig", &[server, "-p", &port, "postgres.default.svc.cluster.local"]);
    has(&output, ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1");
    has(&output, ";; WARNING: recursion requested but not available");
    has(&output, "; EDNS: version: 0, flags:; udp: 1232");
    has_record(&output, "postgres.default.svc.cluster.local. 30 IN A 10.105.214.153");
    let tcp = both("dig", &[server, "-p", &port, "+tcp", "clusterip-service.default.svc.cluster.local"]);
    has_record(&tcp, "clusterip-service.default.svc.cluster.local. 30 IN A 10.98.252.195");
    has(&tcp, &format!(";; SERVER: 127.0.0.1#{port}(127.0.0.1) (TCP)"));
    let probe =
        both("dig", &[server, "-p", &port, "+notcp", "+noall", "+answer", "kubernetes.default.svc.cluster.local", "A"]);
    has_record(&probe, "kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1");
    assert_eq!(probe.lines().count(), 1, "{probe}");
}

/// The rows of the specification the lab's walkthrough does not touch, through dig (BIND's and ours,
/// which must agree): each name and type gives this status and these answer records.
#[test]
fn specification_rows_through_dig() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let port = dns.port();
    let rows: [(&str, &str, &str, &[&str]); 13] = [
        (
            "dual-stack.default.svc.cluster.local",
            "AAAA",
            "NOERROR",
            &["dual-stack.default.svc.cluster.local. 30 IN AAAA fd00:10:96::32"],
        ),
        (
            "dual-stack.default.svc.cluster.local",
            "A",
            "NOERROR",
            &["dual-stack.default.svc.cluster.local. 30 IN A 10.96.50.1"],
        ),
        ("empty-headless.default.svc.cluster.local", "A", "NXDOMAIN", &[]),
        (
            "10-244-1-4.clusterip-service.default.svc.cluster.local",
            "A",
            "NOERROR",
            &["10-244-1-4.clusterip-service.default.svc.cluster.local. 30 IN A 10.244.1.4"],
        ),
        ("kubernetes.default.svc.cluster.local", "AAAA", "NOERROR", &[]),
        ("default.svc.cluster.local", "A", "NOERROR", &[]),
        ("foo.cluster.local", "A", "NXDOMAIN", &[]),
        (
            "10-244-1-4.default.pod.cluster.local",
            "A",
            "NOERROR",
            &["10-244-1-4.default.pod.cluster.local. 30 IN A 10.244.1.4"],
        ),
        ("blah.default.pod.cluster.local", "A", "NXDOMAIN", &[]),
        ("cluster.local", "NS", "NOERROR", &["cluster.local. 30 IN NS ns.dns.cluster.local."]),
        (
            "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa",
            "PTR",
            "NOERROR",
            &[
                "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa. 30 IN PTR fd00-10-244-1--7.dual-stack.default.svc.cluster.local.",
            ],
        ),
        ("postgres.default.svc.cluster.local", "TYPE65280", "NOERROR", &[]),
        ("nope.default.svc.cluster.local", "TYPE65280", "NXDOMAIN", &[]),
    ];
    for (name, qtype, status, answers) in rows {
        let output = both("dig", &["@127.0.0.1", "-p", &port, name, qtype]);
        assert!(output.contains(&format!("status: {status},")), "{name} {qtype}: expected {status}:\n{output}");
        let section = output.split(";; ANSWER SECTION:\n").nth(1).unwrap_or("").split("\n\n").next().unwrap_or("");
        let got: Vec<String> = section.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        assert_eq!(got, answers, "{name} {qtype}:\n{output}");
    }
}

/// Zone transfers are refused, and dig says the transfer failed.
#[test]
fn transfers_are_refused() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let output = both("dig", &["@127.0.0.1", "-p", &dns.port(), "cluster.local", "AXFR"]);
    assert!(output.contains("; Transfer failed."), "{output}");
}

/// nslookup prints the answer without "Non-authoritative answer" (cluster answers are authoritative).
#[test]
fn nslookup_output() {
    let internet = internet();
    let dns = Dns::lab(&internet);
    let output =
        both("nslookup", &[&format!("-port={}", dns.port()), "postgres.default.svc.cluster.local", "127.0.0.1"]);
    has(&output, "Name:\tpostgres.default.svc.cluster.local");
    has(&output, "Address: 10.105.214.153");
    assert!(!output.contains("Non-authoritative"), "{output}");
}
