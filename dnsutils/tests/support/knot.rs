//! A real authoritative server for the parity rows: knotd serving the zones in `tests/fixtures/` from its own
//! temporary directory, on 127.0.0.1 and ::1 at a free port and on a private 127.x.y.z address at port 53
//! (for rows whose server comes from `/etc/resolv.conf`), and allowing zone transfers to loopback clients.
//! Killed when dropped.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use test_support::dns::wire;
use test_support::network as loopback;

/// Where Debian's `knot` package installs the daemon.
pub const KNOTD: &str = "/usr/sbin/knotd";

/// The zones served, each read from `tests/fixtures/<zone>.zone`.
pub const ZONES: &[&str] = &["cluster.local", "github.com", "10.in-addr.arpa", "ip6.arpa"];

/// A running knotd; the process is killed and its directory removed on drop.
pub struct Knot {
    /// The port it listens on at 127.0.0.1 (and ::1 when [`Knot::has_ipv6`]).
    pub port: u16,
    /// A loopback address of its own where it listens on port 53.
    pub addr53: Ipv4Addr,
    /// Whether it also listens on `[::1]:port`.
    pub has_ipv6: bool,
    child: Child,
    dir: tempfile::TempDir,
}

impl Knot {
    /// Starts knotd and waits until it answers for every zone; panics naming the Debian package if missing.
    pub fn start() -> Knot {
        assert!(
            Path::new(KNOTD).exists(),
            "{KNOTD} not found: install the Debian package `knot` (apt-get install knot)"
        );
        let dir = tempfile::tempdir().expect("create knotd's temporary directory");
        // Below the ephemeral range: the tools' own query sockets, opened by the hundred while rows run,
        // can never be handed this port between our check and knotd's bind.
        let port = loopback::free_fixed_port(Ipv4Addr::LOCALHOST);
        let addr53 = loopback::claim_port53_address();
        let has_ipv6 = UdpSocket::bind("[::1]:0").is_ok();
        for zone in ZONES {
            std::fs::copy(fixture(&format!("{zone}.zone")), dir.path().join(format!("{zone}.zone")))
                .expect("copy a zone file into knotd's directory");
        }
        let conf = dir.path().join("knot.conf");
        std::fs::write(&conf, config(dir.path(), port, addr53, has_ipv6)).expect("write knot.conf");
        let log = std::fs::File::create(dir.path().join("knotd.log")).expect("create knotd.log");
        let child = Command::new(KNOTD)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .expect("start knotd");
        let mut knot = Knot { port, addr53, has_ipv6, child, dir };
        knot.wait_until_serving();
        knot
    }

    /// The UDP/TCP address on 127.0.0.1.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn wait_until_serving(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let targets = [self.addr(), SocketAddr::from((self.addr53, 53))];
        for zone in ZONES {
            for target in targets {
                while !answers_soa(target, zone) {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!("knotd exited with {status}; its log:\n{}", self.log());
                    }
                    assert!(
                        Instant::now() < deadline,
                        "knotd not serving {zone} at {target} within 10 s:\n{}",
                        self.log()
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default()
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn config(dir: &Path, port: u16, addr53: Ipv4Addr, ipv6: bool) -> String {
    let d = dir.display();
    let v6 = if ipv6 { format!(", \"::1@{port}\"") } else { String::new() };
    let zones: String = ZONES.iter().map(|z| format!("  - domain: {z}\n")).collect();
    format!(
        "server:\n    rundir: \"{d}\"\n    listen: [ \"127.0.0.1@{port}\", \"{addr53}@53\"{v6} ]\n    \
         udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n\
         log:\n  - target: stderr\n    any: warning\n\
         database:\n    storage: \"{d}/db\"\n\
         acl:\n  - id: loopback-transfers\n    address: [ 127.0.0.0/8, ::1 ]\n    action: transfer\n\
         template:\n  - id: default\n    storage: \"{d}\"\n    semantic-checks: off\n    acl: loopback-transfers\n\
         zone:\n{zones}"
    )
}

/// Whether `server` answers an SOA query for `zone` with NOERROR (the zone is loaded).
fn answers_soa(server: SocketAddr, zone: &str) -> bool {
    let Ok(socket) = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    if socket.send_to(&wire::query(0x4b4e, zone, 6), server).is_err() {
        return false;
    }
    let mut buf = [0u8; 2048];
    matches!(socket.recv(&mut buf), Ok(n) if n >= 12 && buf[..2] == [0x4b, 0x4e] && buf[3] & 0x0f == 0 && buf[7] > 0)
}
