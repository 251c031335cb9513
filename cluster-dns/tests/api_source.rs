//! The Kubernetes API path, in-process against kube's mocked API server: SERVFAIL and a failing
//! readiness until the first full list, answers once listed, and a Service deleted by a watch event
//! gone from DNS within a second.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Parser;
use cluster_dns::config::{Cli, Config};
use cluster_dns::{Listeners, bind_dns, run};
use cluster_state::Source;
use cluster_state::testing::{self, ApiServer, mock_client};
use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinEncodable};
use serde_json::{Value, json};
use server_runtime::{Drained, Lifecycle};
use test_support::http_client::parse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

const SERVICES: &str = "/api/v1/services?&limit=500";
const SLICES: &str = "/apis/discovery.k8s.io/v1/endpointslices?&limit=500";
const NAMESPACES: &str = "/api/v1/namespaces?&limit=500";

fn postgres() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "postgres", "namespace": "default", "resourceVersion": "5"},
        "spec": {"clusterIP": "10.105.214.153", "clusterIPs": ["10.105.214.153"], "ports": [{"name": "postgres", "port": 5432, "protocol": "TCP"}]}
    })
}

/// Answers the three initial lists, whatever order kube's watchers send them in.
async fn answer_lists(api: &mut ApiServer) {
    for _ in 0..3 {
        let request = api.next_request().await;
        let uri = request.uri().to_string();
        let body = match uri.as_str() {
            SERVICES => testing::list("v1", "ServiceList", "10", vec![postgres()]),
            SLICES => testing::list("discovery.k8s.io/v1", "EndpointSliceList", "10", vec![]),
            NAMESPACES => testing::list(
                "v1",
                "NamespaceList",
                "10",
                vec![
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "resourceVersion": "1"}}),
                ],
            ),
            other => panic!("unexpected request {other}"),
        };
        request.respond(body);
    }
}

async fn ask(server: SocketAddr, name: &str) -> ResponseCode {
    let mut message = Message::query();
    message.metadata.id = 99;
    message.add_query(Query::query(Name::from_ascii(name).expect("name"), RecordType::A));
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket.send_to(&message.to_bytes().expect("encode"), server).await.expect("send");
    let mut buffer = [0u8; 1500];
    let length =
        tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buffer)).await.expect("a reply").expect("recv");
    Message::from_bytes(&buffer[..length]).expect("parses").metadata.response_code
}

async fn ready_status(admin: SocketAddr) -> u16 {
    let mut stream = TcpStream::connect(admin).await.expect("connect");
    stream.write_all(b"GET /ready HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse(&raw).status
}

/// Until listed: SERVFAIL and not ready; listed: answers and ready; a DELETED event: NXDOMAIN within 1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_lists_watches_and_deletions() {
    let args = [
        "cluster-dns",
        "--listen",
        "127.0.0.1:0",
        "--admin-addr",
        "127.0.0.1:0",
        "--upstream",
        "127.0.0.1:1",
        "--loop-check",
        "false",
    ];
    let config = Config::from_cli(Cli::try_parse_from(args).expect("flags")).expect("config");
    let (udp, tcp) = bind_dns(config.listen).await.expect("bind dns");
    let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
    let (dns, admin_addr) = (udp.local_addr().expect("addr"), admin.local_addr().expect("addr"));
    let lifecycle = Lifecycle::new(config.runtime.drain);
    let (client, mut api) = mock_client();
    let server = tokio::spawn(run(Listeners { udp, tcp, admin }, config, Source::Api(client), lifecycle.clone()));

    assert_eq!(ask(dns, "postgres.default.svc.cluster.local.").await, ResponseCode::ServFail);
    assert_eq!(ready_status(admin_addr).await, 503);
    answer_lists(&mut api).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while ask(dns, "postgres.default.svc.cluster.local.").await != ResponseCode::NoError {
        assert!(Instant::now() < deadline, "postgres never answered after the lists");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ready_status(admin_addr).await, 200);
    assert_eq!(ask(dns, "nope.default.svc.cluster.local.").await, ResponseCode::NXDomain);

    // The three watches follow the lists; the Services watch reports the deletion.
    let mut held = Vec::new();
    for _ in 0..3 {
        let request = api.next_request().await;
        if request.uri().starts_with("/api/v1/services?&watch=true") {
            request.respond_watch([testing::deleted(postgres())]);
        } else {
            held.push(request.hold());
        }
    }
    let deleted = Instant::now();
    while ask(dns, "postgres.default.svc.cluster.local.").await != ResponseCode::NXDomain {
        assert!(
            deleted.elapsed() < Duration::from_secs(1),
            "postgres still answered {:?} after the event",
            deleted.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    lifecycle.request_shutdown();
    let drained = tokio::time::timeout(Duration::from_secs(10), server).await.expect("run ends").expect("task");
    assert_eq!(drained.expect("no run error"), Drained::Clean);
    drop(held);
}
