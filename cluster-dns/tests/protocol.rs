//! The wire, against the real server: TCP with pipelined queries, UDP truncation and EDNS, and the
//! malformed input of research/dns.md §7 item 18, each answered (or dropped) as listed.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use hickory_proto::serialize::binary::BinDecodable;
use support::*;
use test_support::dns::wire;

/// A headless Service with `n` ready endpoints, for answers too big for one datagram.
fn big_headless(n: usize) -> String {
    let endpoints: String = (0..n)
        .map(|i| format!("- addresses: [10.250.{}.{}]\n  conditions: {{ready: true}}\n", i / 200, i % 200 + 1))
        .collect();
    format!(
        "{LAB}---\napiVersion: v1\nkind: Service\nmetadata: {{name: big, namespace: default}}\nspec:\n  clusterIP: None\n  ports: [{{port: 80}}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: big-1\n  namespace: default\n  labels: {{kubernetes.io/service-name: big}}\naddressType: IPv4\nendpoints:\n{endpoints}ports: [{{port: 80, protocol: TCP}}]\n"
    )
}

fn tcp_exchange(stream: &mut TcpStream, queries: &[Vec<u8>]) -> Vec<Message> {
    let framed: Vec<u8> = queries.iter().flat_map(|q| wire::framed(q)).collect();
    stream.write_all(&framed).expect("send the queries");
    queries
        .iter()
        .map(|_| {
            let mut prefix = [0u8; 2];
            stream.read_exact(&mut prefix).expect("a length prefix");
            let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
            stream.read_exact(&mut reply).expect("a reply");
            Message::from_bytes(&reply).expect("a reply that parses")
        })
        .collect()
}

fn rcode_of(reply: &[u8]) -> u8 {
    reply[3] & 0x0f
}

/// Several queries written at once on one TCP connection are all answered, in order.
#[test]
fn tcp_pipelining_answers_in_order() {
    let dns = Dns::start(LAB, None, &[]);
    let mut stream = TcpStream::connect(dns.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let names = [
        "postgres.default.svc.cluster.local.",
        "nope.default.svc.cluster.local.",
        "kubernetes.default.svc.cluster.local.",
    ];
    let queries: Vec<Vec<u8>> =
        names.iter().enumerate().map(|(i, n)| query(i as u16 + 1, n, RecordType::A, false)).collect();
    let replies = tcp_exchange(&mut stream, &queries);
    let ids: Vec<u16> = replies.iter().map(|r| r.metadata.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(replies[1].metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(replies[2].answers[0].data.to_string(), "10.96.0.1");
}

/// An answer too big for 512 bytes (100 addresses, 1.6 KB even compressed) sets TC over UDP without
/// EDNS, fills at most 1232 bytes with EDNS, and comes whole over TCP.
#[test]
fn truncation_and_edns_payload() {
    let dns = Dns::start(&big_headless(100), None, &[]);
    let name = "big.default.svc.cluster.local.";
    let plain = udp_exchange(dns.addr, &query(7, name, RecordType::A, false)).expect("a reply");
    let parsed = Message::from_bytes(&plain).expect("parses");
    assert!(
        plain.len() <= 512 && parsed.metadata.truncation,
        "{} bytes, tc={}",
        plain.len(),
        parsed.metadata.truncation
    );
    let edns = udp_exchange(dns.addr, &query(8, name, RecordType::A, true)).expect("a reply");
    let parsed = Message::from_bytes(&edns).expect("parses");
    assert!(edns.len() <= 1232 && parsed.metadata.truncation, "{} bytes", edns.len());
    assert_eq!(parsed.edns.as_ref().map(|e| e.max_payload()), Some(1232));
    let mut stream = TcpStream::connect(dns.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let whole = tcp_exchange(&mut stream, &[query(9, name, RecordType::A, false)]);
    assert_eq!(whole[0].answers.len(), 100);
    assert!(!whole[0].metadata.truncation);
}

/// An EDNS version other than 0 gets BADVERS with an OPT record; two OPT records get FORMERR.
#[test]
fn edns_version_and_duplicate_opt() {
    let dns = Dns::start(LAB, None, &[]);
    let mut bad_version = query(11, "postgres.default.svc.cluster.local.", RecordType::A, true);
    // The OPT record is last: ... version (1 byte), flags (2), RDLENGTH (2).
    let version_at = bad_version.len() - 5;
    bad_version[version_at] = 1;
    let reply = Message::from_bytes(&udp_exchange(dns.addr, &bad_version).expect("a reply")).expect("parses");
    // 16 is both BADVERS and BADSIG; hickory reads it as the latter.
    assert_eq!(u16::from(reply.metadata.response_code), 16, "BADVERS");
    assert!(reply.edns.is_some());

    let mut two_opt = query(12, "postgres.default.svc.cluster.local.", RecordType::A, true);
    let opt = two_opt[two_opt.len() - 11..].to_vec();
    two_opt.extend_from_slice(&opt);
    two_opt[11] = 2;
    let reply = udp_exchange(dns.addr, &two_opt).expect("a reply");
    assert_eq!(rcode_of(&reply), 1, "FORMERR expected");
}

/// Malformed datagrams: dropped when they are not queries, FORMERR (header only, ID echoed) when the
/// header is a query's but the rest is not, NOTIMP for other opcodes; the server keeps answering.
#[test]
fn malformed_datagrams() {
    let dns = Dns::start(LAB, None, &[]);
    let good = query(0x1234, "postgres.default.svc.cluster.local.", RecordType::A, false);
    // A drop shows as silence; half a second is far more than an answer takes on loopback.
    let quiet = Duration::from_millis(500);
    assert!(udp_exchange_within(dns.addr, &[], quiet).is_none(), "an empty datagram is dropped");
    assert!(udp_exchange_within(dns.addr, &good[..5], quiet).is_none(), "a datagram shorter than a header is dropped");
    let mut response = good.clone();
    response[2] |= 0x80;
    assert!(udp_exchange_within(dns.addr, &response, quiet).is_none(), "a response is never answered");

    let formerr = |bytes: &[u8], case: &str| {
        let reply = udp_exchange(dns.addr, bytes).unwrap_or_else(|| panic!("{case}: no reply"));
        assert_eq!((rcode_of(&reply), &reply[..2]), (1, &bytes[..2]), "{case}: FORMERR with the ID echoed");
        assert_eq!(reply.len(), 12, "{case}: only the header comes back");
    };
    let mut no_question = good.clone();
    no_question[5] = 0;
    formerr(&no_question[..12], "QDCOUNT 0");
    let mut two_questions = good.clone();
    two_questions[5] = 2;
    formerr(&two_questions, "QDCOUNT 2");
    formerr(&good[..good.len() - 3], "a cut question");
    let mut long_label = good[..12].to_vec();
    long_label.push(64);
    long_label.extend_from_slice(&[b'a'; 64]);
    long_label.extend_from_slice(&[0, 0, 1, 0, 1]);
    formerr(&long_label, "a 64-byte label");
    let mut long_name = good[..12].to_vec();
    for _ in 0..5 {
        long_name.push(60);
        long_name.extend_from_slice(&[b'a'; 60]);
    }
    long_name.extend_from_slice(&[0, 0, 1, 0, 1]);
    formerr(&long_name, "a name over 255 bytes");
    let mut pointer_loop = good[..12].to_vec();
    pointer_loop.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    formerr(&pointer_loop, "a pointer to itself");
    let mut forward_pointer = good[..12].to_vec();
    forward_pointer.extend_from_slice(&[0xc0, 20, 0, 1, 0, 1, 0, 0, 1, b'a', 0]);
    formerr(&forward_pointer, "a forward pointer");
    let mut lying_count = good.clone();
    lying_count[7] = 1;
    formerr(&lying_count, "an answer count with no answer");

    for opcode in [2u8, 5] {
        let mut other = good.clone();
        other[2] = (other[2] & 0x87) | (opcode << 3);
        let reply = udp_exchange(dns.addr, &other).expect("a reply");
        assert_eq!(rcode_of(&reply), 4, "opcode {opcode}: NOTIMP");
    }
    let mut huge = good.clone();
    huge.resize(6000, 0);
    let _ = udp_exchange_within(dns.addr, &huge, quiet);
    assert_eq!(ask(dns.addr, "postgres.default.svc.cluster.local.", RecordType::A).answers.len(), 1, "still serving");
}

/// In-zone names of a class other than IN are refused; an unknown type is NODATA or NXDOMAIN by name.
#[test]
fn classes_and_unknown_types() {
    let dns = Dns::start(LAB, None, &[]);
    let mut chaos = query(21, "postgres.default.svc.cluster.local.", RecordType::A, false);
    let class_at = chaos.len() - 1;
    chaos[class_at] = 3;
    assert_eq!(rcode_of(&udp_exchange(dns.addr, &chaos).expect("a reply")), 5, "REFUSED");
    let unknown = ask(dns.addr, "postgres.default.svc.cluster.local.", RecordType::Unknown(65280));
    assert_eq!((unknown.metadata.response_code, unknown.answers.len()), (ResponseCode::NoError, 0));
    let missing = ask(dns.addr, "nope.default.svc.cluster.local.", RecordType::Unknown(65280));
    assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
}

/// TCP misuse: a length prefix longer than what follows, a zero-length frame, and a client that sends
/// nothing all end their connection (the idle one within the idle timeout) and hurt nothing else.
#[test]
fn tcp_misuse_ends_the_connection() {
    let dns = Dns::start(LAB, None, &["--tcp-idle-timeout", "500ms"]);
    let mut short = TcpStream::connect(dns.addr).expect("connect");
    short.write_all(&[0x01, 0x00, 0x12, 0x34]).expect("a lying prefix");
    drop(short);
    let mut zero = TcpStream::connect(dns.addr).expect("connect");
    zero.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    zero.write_all(&[0, 0]).expect("a zero-length frame");
    assert_eq!(zero.read(&mut [0u8; 16]).expect("closed"), 0, "a zero-length frame closes the connection");
    let mut idle = TcpStream::connect(dns.addr).expect("connect");
    idle.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    idle.write_all(&[0x00]).expect("half a prefix");
    let started = Instant::now();
    assert_eq!(idle.read(&mut [0u8; 16]).expect("closed"), 0);
    assert!(started.elapsed() < Duration::from_secs(2), "idle connection open for {:?}", started.elapsed());
    let mut stream = TcpStream::connect(dns.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    assert_eq!(
        tcp_exchange(&mut stream, &[query(3, "postgres.default.svc.cluster.local.", RecordType::A, false)])[0]
            .answers
            .len(),
        1
    );
}
