//! 120,000 random and mutated packets through the request path (in-process, no sockets): none may
//! panic, every reply must be a DNS message with the query's ID, and no UDP reply may be larger than the
//! client allowed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use arc_swap::ArcSwap;
use cluster_dns::answer::Settings;
use cluster_dns::answer::lookup::PodMode;
use cluster_dns::metrics::DnsMetrics;
use cluster_dns::server::{Handled, Handler};
use cluster_dns::upstream::Upstream;
use cluster_dns::upstream::cache::{Cache, CacheLimits};
use cluster_dns::upstream::forward::Forwarder;
use cluster_dns::upstream::loop_probe::LoopProbe;
use cluster_dns::{follow, wire};
use cluster_state::{ClusterState, Source};
use hickory_proto::op::Header;
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use hickory_server::net::xfer::Protocol;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

/// A deterministic random source, so a failure is reproducible from its iteration number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

async fn handler() -> Handler {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("lab.yaml");
    std::fs::write(&file, include_str!("fixtures/lab.yaml")).expect("write");
    let stop = CancellationToken::new();
    let state = ClusterState::start("robustness", Source::File(file), follow::query(PodMode::Insecure), stop.clone())
        .await
        .expect("the lab file loads");
    let index = follow::index_of(&state.snapshot());
    stop.cancel();
    let mut registry = Registry::default();
    let metrics = DnsMetrics::new(&mut registry, 53);
    let limits = CacheLimits {
        capacity: 100,
        max_ttl: std::time::Duration::from_secs(30),
        min_ttl: std::time::Duration::from_secs(5),
    };
    let upstream =
        Arc::new(Upstream::new(Arc::new(Cache::new(limits, limits)), Forwarder::new(Vec::new(), 10), metrics.clone()));
    Handler {
        index: Arc::new(ArcSwap::from_pointee(index)),
        settings: Settings {
            zone: Name::from_ascii("cluster.local.").expect("zone"),
            ttl: 30,
            pods: PodMode::Insecure,
            own_ips: Vec::new(),
        },
        upstream,
        metrics,
        udp_size: 1232,
        loadbalance: true,
        probe: Arc::new(LoopProbe::new()),
        responses: AtomicU64::new(1),
    }
}

/// Valid queries the mutations start from: the lab's names, every interesting type, with and without EDNS.
fn seeds() -> Vec<Vec<u8>> {
    let names = [
        "postgres.default.svc.cluster.local.",
        "headless-service.default.svc.cluster.local.",
        "_postgres._tcp.postgres.default.svc.cluster.local.",
        "4.1.244.10.in-addr.arpa.",
        "external-service.default.svc.cluster.local.",
        "dns-version.cluster.local.",
        "10-244-1-4.default.pod.cluster.local.",
        "cluster.local.",
    ];
    let types = [
        RecordType::A,
        RecordType::AAAA,
        RecordType::SRV,
        RecordType::PTR,
        RecordType::TXT,
        RecordType::ANY,
        RecordType::SOA,
    ];
    let mut seeds = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (j, qtype) in types.iter().enumerate() {
            let mut query = test_support::dns::wire::query((i * 16 + j) as u16, name, u16::from(*qtype));
            if (i + j) % 2 == 0 {
                // An OPT record: root name, type 41, payload 1232, no extended flags, no options.
                query.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
                query[11] = 1;
            }
            seeds.push(query);
        }
    }
    seeds
}

/// One damaged packet: random bytes, or a seed cut, flipped, overwritten, extended or with lying counts.
fn damaged(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if rng.below(5) == 0 {
        let length = rng.below(600);
        return (0..length).map(|_| rng.next() as u8).collect();
    }
    let mut packet = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !packet.is_empty() => packet.truncate(rng.below(packet.len())),
            1 if !packet.is_empty() => {
                let at = rng.below(packet.len());
                packet[at] ^= 1 << rng.below(8);
            }
            2 if !packet.is_empty() => {
                let at = rng.below(packet.len());
                packet[at] = rng.next() as u8;
            }
            3 => packet.extend((0..rng.below(40)).map(|_| rng.next() as u8)),
            _ if packet.len() >= 12 => {
                let at = 4 + 2 * rng.below(4);
                packet[at + 1] = rng.next() as u8;
            }
            _ => {}
        }
    }
    packet
}

/// No panic, well-formed replies with the query's ID, UDP replies within the client's limit.
#[tokio::test]
async fn random_and_mutated_packets() {
    const PACKETS: usize = 120_000;
    let handler = handler().await;
    let seeds = seeds();
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let src: SocketAddr = "10.244.3.2:40000".parse().expect("addr");
    let (mut replies, mut drops) = (0, 0);
    for iteration in 0..PACKETS {
        let packet = damaged(&mut rng, &seeds);
        let protocol = if iteration % 4 == 0 { Protocol::Tcp } else { Protocol::Udp };
        let reply = match handler.handle_local(packet.clone(), src, protocol) {
            Handled::Drop => {
                drops += 1;
                continue;
            }
            Handled::Reply(reply) => reply,
            // Names for the upstream: with no upstream configured this answers SERVFAIL at once.
            Handled::Upstream(work) => handler.finish(work).await,
        };
        replies += 1;
        let header = Header::read(&mut BinDecoder::new(&reply))
            .unwrap_or_else(|e| panic!("iteration {iteration}: reply header: {e}"));
        assert_eq!(header.metadata.id, u16::from_be_bytes([packet[0], packet[1]]), "iteration {iteration}: ID");
        if protocol == Protocol::Udp {
            let limit = match wire::read(packet.clone(), src, protocol) {
                wire::Incoming::Query(request) => wire::size_limit(&request, protocol, 1232),
                _ => 512,
            };
            assert!(
                reply.len() <= usize::from(limit),
                "iteration {iteration}: {} bytes over a {limit}-byte limit",
                reply.len()
            );
        }
    }
    assert!(replies > PACKETS / 2 && drops > 1000, "replies {replies}, drops {drops}: the mix should exercise both");
}
