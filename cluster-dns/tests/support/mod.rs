//! cluster-dns's test support: the real binary on a loopback port serving a file of the lab's objects,
//! the DNS clients that talk to it (BIND's `dig` and `host`, ours, and a byte-exact one built here), and
//! a scripted upstream standing for the internet.
#![allow(dead_code, unused_imports)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::rdata::{A, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinEncodable};
pub use test_support::dns::{Response, ScriptedDns, Transport};
pub use test_support::http_client::get;
use test_support::process::{Finished, ServerProcess, clean_command, run_to_exit};
pub use test_support::wait::{wait_for, wait_until};

/// The lab fixture.
pub const LAB: &str = include_str!("../fixtures/lab.yaml");

/// A running cluster-dns; killed on drop, its state file removed.
pub struct Dns {
    process: ServerProcess,
    /// DNS address, UDP and TCP.
    pub addr: SocketAddr,
    /// Admin address.
    pub admin: SocketAddr,
    /// The state file it reads (a copy the test may edit).
    pub file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Dns {
    /// Serves `yaml` (written to a fresh file) with `args`, address shuffling off so answers have a
    /// fixed order, and `upstream` as the only upstream (or none: `127.0.0.1:1` refuses).
    pub fn start(yaml: &str, upstream: Option<SocketAddr>, args: &[&str]) -> Dns {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("cluster.yaml");
        std::fs::write(&file, yaml).expect("write the state file");
        let upstream = upstream.map_or("127.0.0.1:1".to_string(), |a| a.to_string());
        let mut command = clean_command(env!("CARGO_BIN_EXE_cluster-dns"));
        command
            .args(["--listen", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--loadbalance", "false"])
            .args(["--upstream", &upstream, "--from-file"])
            .arg(&file)
            .args(args);
        let process = ServerProcess::start(command, &["dns-udp", "admin"]);
        let dns = Dns { addr: process.addr("dns-udp"), admin: process.addr("admin"), process, file, _dir: dir };
        wait_until(Duration::from_secs(10), "cluster-dns to be ready", || get(dns.admin, "/ready").status == 200);
        dns
    }

    /// The lab with an internet stand-in upstream.
    pub fn lab(upstream: &ScriptedDns) -> Dns {
        Dns::start(LAB, Some(upstream.addr), &[])
    }

    /// Everything it logged.
    pub fn output(&self) -> String {
        self.process.output()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.process.sigterm();
        self.process.wait(Duration::from_secs(10))
    }

    /// The port as text, for `-p`.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }
}

/// An upstream standing for the internet: `github.com` has 140.82.112.3, everything else is NXDOMAIN
/// with an SOA; it counts nothing and keeps no state.
pub fn internet() -> ScriptedDns {
    ScriptedDns::start(|query, _| {
        let Ok(message) = Message::from_bytes(query) else { return Response::Silence };
        let mut reply = message.clone();
        reply.metadata.message_type = hickory_proto::op::MessageType::Response;
        reply.metadata.recursion_available = true;
        let Some(question) = message.queries.first() else { return Response::Silence };
        let github = Name::from_ascii("github.com.").expect("name");
        if question.name() == &github && question.query_type() == RecordType::A {
            reply.answers.push(Record::from_rdata(github, 60, RData::A(A::new(140, 82, 112, 3))));
        } else if question.name() != &github {
            reply.metadata.response_code = hickory_proto::op::ResponseCode::NXDomain;
            let soa = SOA::new(
                Name::from_ascii("a.root-servers.net.").expect("name"),
                Name::from_ascii("nstld.verisign-grs.com.").expect("name"),
                1,
                1800,
                900,
                604800,
                86400,
            );
            reply.authorities.push(Record::from_rdata(Name::root(), 86400, RData::SOA(soa)));
        }
        Response::message(reply.to_bytes().expect("encode"))
    })
}

/// Runs BIND's `tool` (`dig`, `host`) with `args`.
pub fn bind(tool: &str, args: &[&str]) -> Finished {
    let mut command = Command::new(format!("/usr/bin/{tool}"));
    command.args(args);
    run_to_exit(command)
}

/// Runs our `tool` (the dnsutils multi-call binary) with `args`.
pub fn ours(tool: &str, args: &[&str]) -> Finished {
    let mut command = Command::new(dnsutils_binary());
    command.arg(tool).args(args);
    run_to_exit(command)
}

/// The dnsutils binary of this workspace, built if `cargo test` has not built it already.
fn dnsutils_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let binary = target.join("debug/dnsutils");
    if !binary.exists() {
        let status = Command::new(env!("CARGO")).args(["build", "-q", "-p", "dnsutils"]).status().expect("run cargo");
        assert!(status.success(), "building dnsutils for the client tests failed");
    }
    binary
}

/// Sends `query` over UDP and returns the reply's bytes (none within 2 s: `None`).
pub fn udp_exchange(server: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    udp_exchange_within(server, query, Duration::from_secs(2))
}

/// Like [`udp_exchange`], waiting at most `limit`.
pub fn udp_exchange_within(server: SocketAddr, query: &[u8], limit: Duration) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(limit)).expect("timeout");
    socket.send_to(query, server).expect("send");
    let mut buffer = vec![0u8; 65535];
    socket.recv(&mut buffer).ok().map(|n| buffer[..n].to_vec())
}

/// A query for `name`/`qtype` with RD set, EDNS (1232) if `edns`.
pub fn query(id: u16, name: &str, qtype: RecordType, edns: bool) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = id;
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).expect("a name"), qtype));
    if edns {
        let mut opt = Edns::new();
        opt.set_max_payload(1232);
        message.set_edns(opt);
    }
    message.to_bytes().expect("encode a query")
}

/// Asks over UDP and parses the reply.
pub fn ask(server: SocketAddr, name: &str, qtype: RecordType) -> Message {
    let reply = udp_exchange(server, &query(0x4242, name, qtype, false)).expect("a reply");
    Message::from_bytes(&reply).expect("a reply that parses")
}
