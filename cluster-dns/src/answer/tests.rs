//! The record table of the Kubernetes DNS specification, row by row, against the lab's objects
//! (`tests/fixtures/lab.yaml`), with NXDOMAIN and NODATA told apart as CoreDNS tells them.

use std::fmt::Write;

use cluster_state::k8s_openapi::api::core::v1::{Namespace, Service};
use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;
use hickory_proto::rr::{Name, RecordType};

use super::*;
use crate::cluster::Objects;

/// The lab fixture as typed objects.
struct Lab {
    services: Vec<Service>,
    slices: Vec<EndpointSlice>,
    namespaces: Vec<Namespace>,
}

fn lab() -> Lab {
    let text = include_str!("../../tests/fixtures/lab.yaml");
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(text).expect("the fixture is YAML");
    let mut lab = Lab { services: Vec::new(), slices: Vec::new(), namespaces: Vec::new() };
    for document in documents {
        match document["kind"].as_str() {
            Some("Service") => lab.services.push(serde_json::from_value(document).expect("a Service")),
            Some("EndpointSlice") => lab.slices.push(serde_json::from_value(document).expect("an EndpointSlice")),
            Some("Namespace") => lab.namespaces.push(serde_json::from_value(document).expect("a Namespace")),
            other => panic!("unexpected kind {other:?} in the fixture"),
        }
    }
    lab
}

fn index(synced: bool) -> ClusterIndex {
    let lab = lab();
    let objects = Objects {
        services: lab.services.iter().collect(),
        slices: lab.slices.iter().collect(),
        namespaces: lab.namespaces.iter().collect(),
        pods: Vec::new(),
    };
    ClusterIndex::from_objects(&objects, synced, 1_700_000_000)
}

fn settings() -> Settings {
    Settings {
        zone: Name::from_ascii("cluster.local.").expect("zone"),
        ttl: 30,
        pods: PodMode::Insecure,
        own_ips: Vec::new(),
    }
}

fn ask_with(name: &str, qtype: RecordType, index: &ClusterIndex, settings: &Settings) -> String {
    let qname = Name::from_ascii(name).expect("a query name");
    render(&answer(&qname, qtype, index, settings))
}

fn ask(name: &str, qtype: RecordType) -> String {
    ask_with(name, qtype, &index(true), &settings())
}

/// An outcome as lines: `RCODE [aa]`, then `section: owner ttl TYPE rdata` per record.
fn render(outcome: &Outcome) -> String {
    let answer = match outcome {
        Outcome::Forward => return "forward".into(),
        Outcome::Chase(chase) => {
            let mut out = format!("chase {} {}", chase.target, chase.qtype);
            for record in &chase.chain {
                write!(out, "\nchain: {} {} {} {}", record.name, record.ttl, record.record_type(), record.data).ok();
            }
            return out;
        }
        Outcome::Answer(answer) => answer,
    };
    let mut out = format!("{}{}", answer.rcode, if answer.authoritative { " aa" } else { "" });
    for (section, records) in [("an", &answer.answers), ("ns", &answer.authority), ("ad", &answer.additionals)] {
        for record in records {
            let line = format!("{section}: {} {} {} {}", record.name, record.ttl, record.record_type(), record.data);
            out.push('\n');
            out.push_str(&line);
        }
    }
    out
}

const SOA: &str =
    "ns: cluster.local. 30 SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30";

fn nodata() -> String {
    format!("No Error aa\n{SOA}")
}

fn nxdomain() -> String {
    format!("Non-Existent Domain aa\n{SOA}")
}

/// A ClusterIP Service's name answers its ClusterIP with the configured TTL, authoritatively.
#[test]
fn cluster_ip_a() {
    assert_eq!(
        ask("postgres.default.svc.cluster.local.", RecordType::A),
        "No Error aa\nan: postgres.default.svc.cluster.local. 30 A 10.105.214.153"
    );
}

/// Names compare case-insensitively and answers keep the query's spelling.
#[test]
fn case_is_kept() {
    assert_eq!(
        ask("PoStGrEs.Default.SVC.Cluster.Local.", RecordType::A),
        "No Error aa\nan: PoStGrEs.Default.SVC.Cluster.Local. 30 A 10.105.214.153"
    );
}

/// An IPv4-only Service answers AAAA with NOERROR, no records and the SOA: never NXDOMAIN.
#[test]
fn missing_family_is_nodata() {
    assert_eq!(ask("postgres.default.svc.cluster.local.", RecordType::AAAA), nodata());
}

/// A dual-stack Service answers each family with its own ClusterIP.
#[test]
fn dual_stack() {
    assert_eq!(
        ask("dual-stack.default.svc.cluster.local.", RecordType::A),
        "No Error aa\nan: dual-stack.default.svc.cluster.local. 30 A 10.96.50.1"
    );
    assert_eq!(
        ask("dual-stack.default.svc.cluster.local.", RecordType::AAAA),
        "No Error aa\nan: dual-stack.default.svc.cluster.local. 30 AAAA fd00:10:96::32"
    );
}

/// Missing Services and namespaces are NXDOMAIN with the SOA.
#[test]
fn missing_names_are_nxdomain() {
    assert_eq!(ask("nope.default.svc.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("postgres.nope.svc.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("nope.svc.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("foo.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("a.b.c.postgres.default.svc.cluster.local.", RecordType::A), nxdomain());
}

/// The apex, the `svc`/`pod` roots and existing namespaces exist and hold nothing: NODATA.
#[test]
fn structural_names_are_nodata() {
    for name in [
        "cluster.local.",
        "svc.cluster.local.",
        "pod.cluster.local.",
        "default.svc.cluster.local.",
        "empty-ns.svc.cluster.local.",
    ] {
        assert_eq!(ask(name, RecordType::A), nodata(), "{name}");
    }
}

/// A headless Service answers one record per ready endpoint; not-ready endpoints are left out.
#[test]
fn headless_ready_endpoints() {
    let answer = ask("headless-service.default.svc.cluster.local.", RecordType::A);
    let addresses: Vec<&str> = answer.lines().skip(1).filter_map(|l| l.rsplit(' ').next()).collect();
    assert_eq!(addresses, ["10.244.2.4", "10.244.3.5", "10.244.1.4", "10.244.3.4"], "{answer}");
}

/// A headless Service without ready endpoints is NXDOMAIN, as the specification says.
#[test]
fn empty_headless_is_nxdomain() {
    assert_eq!(ask("empty-headless.default.svc.cluster.local.", RecordType::A), nxdomain());
}

/// StatefulSet hostnames and dashed IPs name single endpoints, also under a ClusterIP Service.
#[test]
fn endpoint_names() {
    assert_eq!(
        ask("postgres-0.postgres.default.svc.cluster.local.", RecordType::A),
        "No Error aa\nan: postgres-0.postgres.default.svc.cluster.local. 30 A 10.244.1.3"
    );
    assert_eq!(
        ask("10-244-1-4.clusterip-service.default.svc.cluster.local.", RecordType::A),
        "No Error aa\nan: 10-244-1-4.clusterip-service.default.svc.cluster.local. 30 A 10.244.1.4"
    );
    assert_eq!(ask("postgres-9.postgres.default.svc.cluster.local.", RecordType::A), nxdomain());
}

/// A named port gives an SRV record to the Service with its address as glue; weights are 100/N.
#[test]
fn cluster_ip_srv() {
    assert_eq!(
        ask("_postgres._tcp.postgres.default.svc.cluster.local.", RecordType::SRV),
        "No Error aa\nan: _postgres._tcp.postgres.default.svc.cluster.local. 30 SRV 0 100 5432 postgres.default.svc.cluster.local.\nad: postgres.default.svc.cluster.local. 30 A 10.105.214.153"
    );
    assert_eq!(ask("_POSTGRES._TCP.postgres.default.svc.cluster.local.", RecordType::SRV).lines().count(), 3);
    assert_eq!(ask("_postgres._udp.postgres.default.svc.cluster.local.", RecordType::SRV), nxdomain());
    let dns = ask("_dns._udp.kube-dns.kube-system.svc.cluster.local.", RecordType::SRV);
    assert!(dns.contains("SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."), "{dns}");
}

/// A headless Service's bare SRV name lists every endpoint and port, targets named by dashed IP.
#[test]
fn headless_srv() {
    let answer = ask("headless-service.default.svc.cluster.local.", RecordType::SRV);
    assert!(answer.contains("an: headless-service.default.svc.cluster.local. 30 SRV 0 25 8080 10-244-2-4.headless-service.default.svc.cluster.local."), "{answer}");
    assert_eq!(answer.lines().filter(|l| l.starts_with("an:")).count(), 4, "{answer}");
    assert!(answer.contains("ad: 10-244-3-5.headless-service.default.svc.cluster.local. 30 A 10.244.3.5"), "{answer}");
}

/// A PTR for a ClusterIP names the Service; for an endpoint, one name per selecting Service.
#[test]
fn reverse_lookups() {
    assert_eq!(
        ask("153.214.105.10.in-addr.arpa.", RecordType::PTR),
        "No Error aa\nan: 153.214.105.10.in-addr.arpa. 30 PTR postgres.default.svc.cluster.local."
    );
    assert_eq!(
        ask("4.1.244.10.in-addr.arpa.", RecordType::PTR),
        "No Error aa\nan: 4.1.244.10.in-addr.arpa. 30 PTR 10-244-1-4.clusterip-service.default.svc.cluster.local.\nan: 4.1.244.10.in-addr.arpa. 30 PTR 10-244-1-4.headless-service.default.svc.cluster.local."
    );
    assert_eq!(
        ask("3.1.244.10.in-addr.arpa.", RecordType::PTR),
        "No Error aa\nan: 3.1.244.10.in-addr.arpa. 30 PTR postgres-0.postgres.default.svc.cluster.local."
    );
    let v6 = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa.";
    assert!(ask(v6, RecordType::PTR).ends_with("PTR fd00-10-244-1--7.dual-stack.default.svc.cluster.local."));
}

/// Unknown reverse names fall through to the upstream, as kubeadm's `fallthrough in-addr.arpa ip6.arpa`.
#[test]
fn unknown_reverse_names_fall_through() {
    assert_eq!(ask("1.1.168.192.in-addr.arpa.", RecordType::PTR), "forward");
    assert_eq!(ask("168.192.in-addr.arpa.", RecordType::PTR), "forward");
    assert_eq!(ask("4.1.244.10.in-addr.arpa.", RecordType::A), "forward");
}

/// The reverse zones' apexes are answered here, like any zone's.
#[test]
fn reverse_apex() {
    assert!(
        ask("in-addr.arpa.", RecordType::SOA).starts_with("No Error aa\nan: in-addr.arpa. 30 SOA ns.dns.in-addr.arpa.")
    );
    assert!(ask("in-addr.arpa.", RecordType::A).starts_with("No Error aa\nns: in-addr.arpa. 30 SOA"));
}

/// An ExternalName answers CNAME queries itself and hands A queries upstream after its CNAME.
#[test]
fn external_name() {
    assert_eq!(
        ask("external-service.default.svc.cluster.local.", RecordType::CNAME),
        "No Error aa\nan: external-service.default.svc.cluster.local. 30 CNAME github.com."
    );
    assert_eq!(
        ask("external-service.default.svc.cluster.local.", RecordType::A),
        "chase github.com. A\nchain: external-service.default.svc.cluster.local. 30 CNAME github.com."
    );
    assert_eq!(ask("x.external-service.default.svc.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("external-service.default.svc.cluster.local.", RecordType::SRV), nodata());
}

/// An ExternalName inside the zone is followed here; one pointing at itself answers nothing.
#[test]
fn in_zone_cname_chains() {
    assert_eq!(
        ask("internal-alias.default.svc.cluster.local.", RecordType::A),
        "No Error aa\nan: internal-alias.default.svc.cluster.local. 30 CNAME postgres.default.svc.cluster.local.\nan: postgres.default.svc.cluster.local. 30 A 10.105.214.153"
    );
    assert_eq!(ask("self-loop.default.svc.cluster.local.", RecordType::A), nodata());
}

/// `dns-version` TXT is the schema version with its long TTL; other TXT queries follow CoreDNS's rule.
#[test]
fn schema_version_and_txt() {
    assert_eq!(
        ask("dns-version.cluster.local.", RecordType::TXT),
        "No Error aa\nan: dns-version.cluster.local. 28800 TXT 1.1.0"
    );
    assert_eq!(ask("dns-version.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("postgres.default.svc.cluster.local.", RecordType::TXT), nodata());
    assert_eq!(ask("default.svc.cluster.local.", RecordType::TXT), nxdomain());
}

/// Pod names in `insecure` mode echo a well-formed dashed IP in an existing namespace.
#[test]
fn pods_insecure() {
    assert_eq!(
        ask("10-244-1-4.default.pod.cluster.local.", RecordType::A),
        "No Error aa\nan: 10-244-1-4.default.pod.cluster.local. 30 A 10.244.1.4"
    );
    assert_eq!(
        ask("fd00--1.default.pod.cluster.local.", RecordType::AAAA),
        "No Error aa\nan: fd00--1.default.pod.cluster.local. 30 AAAA fd00::1"
    );
    assert_eq!(ask("blah.default.pod.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("10-244-1-4.nope.pod.cluster.local.", RecordType::A), nxdomain());
    assert_eq!(ask("default.pod.cluster.local.", RecordType::A), nodata());
}

/// With pods disabled every pod name is NXDOMAIN, even the namespace's.
#[test]
fn pods_disabled() {
    let settings = Settings { pods: PodMode::Disabled, ..settings() };
    for name in ["10-244-1-4.default.pod.cluster.local.", "default.pod.cluster.local."] {
        assert_eq!(ask_with(name, RecordType::A, &index(true), &settings), nxdomain(), "{name}");
    }
}

/// The apex answers SOA and NS; the NS glue is the address of the Service fronting this server.
#[test]
fn apex_soa_and_ns() {
    assert_eq!(ask("cluster.local.", RecordType::SOA), format!("No Error aa\nan: {}", &SOA[4..]));
    assert_eq!(
        ask("cluster.local.", RecordType::NS),
        "No Error aa\nan: cluster.local. 30 NS ns.dns.cluster.local.\nad: ns.dns.cluster.local. 30 A 127.0.0.1"
    );
    let fronted = Settings { own_ips: vec!["10.244.0.2".parse().expect("ip")], ..settings() };
    assert!(
        ask_with("cluster.local.", RecordType::NS, &index(true), &fronted)
            .ends_with("ns.dns.cluster.local. 30 A 10.96.0.10")
    );
    assert_eq!(
        ask_with("ns.dns.cluster.local.", RecordType::A, &index(true), &fronted),
        "No Error aa\nan: ns.dns.cluster.local. 30 A 10.96.0.10"
    );
}

/// Zone transfers are refused, without the AA bit.
#[test]
fn transfers_are_refused() {
    assert_eq!(ask("cluster.local.", RecordType::AXFR), "Query Refused");
    assert_eq!(ask("cluster.local.", RecordType::IXFR), "Query Refused");
}

/// Other types on an existing name are NODATA, on a missing one NXDOMAIN (CoreDNS's fake A lookup).
#[test]
fn other_types() {
    for qtype in [RecordType::HINFO, RecordType::ANY, RecordType::MX, RecordType::CNAME, RecordType::Unknown(65280)] {
        assert_eq!(ask("postgres.default.svc.cluster.local.", qtype), nodata(), "{qtype}");
        assert_eq!(ask("nope.default.svc.cluster.local.", qtype), nxdomain(), "{qtype}");
    }
    assert_eq!(ask("nope.default.svc.cluster.local.", RecordType::SOA), nodata());
}

/// Before the first full sync, names that do not exist yet are SERVFAIL, not NXDOMAIN.
#[test]
fn unsynced_name_errors_are_servfail() {
    let unsynced = index(false);
    let answer = ask_with("nope.default.svc.cluster.local.", RecordType::A, &unsynced, &settings());
    assert_eq!(answer, format!("Server Failure aa\n{SOA}"));
    assert!(
        ask_with("postgres.default.svc.cluster.local.", RecordType::A, &unsynced, &settings())
            .contains("10.105.214.153")
    );
}

/// Names outside every served zone are forwarded.
#[test]
fn out_of_zone_names_are_forwarded() {
    assert_eq!(ask("github.com.", RecordType::A), "forward");
    assert_eq!(ask("local.", RecordType::A), "forward");
}
