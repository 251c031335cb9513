//! Real PostgreSQL for tests: the cluster `scripts/test` started (shared), or a throwaway one a test owns
//! so it can stop and restart it. Plus two stand-ins for a sick network: a proxy that delays every
//! chunk, and a listener that accepts and never answers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Connection URL of the shared cluster `scripts/test` started.
pub fn shared_database_url() -> String {
    std::env::var("GO_WEB_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "GO_WEB_TEST_DATABASE_URL is not set: run the tests through scripts/test, which starts a throwaway postgres"
        )
    })
}

/// Runs one SQL statement with psql and returns its unaligned output.
pub fn psql(url: &str, sql: &str) -> String {
    let out =
        Command::new("psql").args([url, "-tAXc", sql]).output().expect("psql (apt-get install postgresql-client)");
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Connections go-web holds, as postgres itself counts them.
pub fn go_web_connections(url: &str) -> usize {
    psql(url, "select count(*) from pg_stat_activity where application_name = 'go-web'").parse().expect("count")
}

/// A throwaway cluster owned by one test; stopped and removed on drop.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// Password of the `postgres` user (scram-sha-256).
    pub password: String,
}

impl PgCluster {
    /// initdb + start on a free port; takes a couple of seconds.
    pub fn start() -> PgCluster {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let id = format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let dir = std::env::temp_dir().join(format!("go-web-pg-{id}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("pg dir");
        let bin = pg_bin();
        let port = free_port();
        let password =
            format!("pw-{id}-{:x}", std::time::SystemTime::now().elapsed().map(|d| d.as_nanos()).unwrap_or(7));
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).expect("pwfile");
        chown_to_postgres(&dir);
        let data = dir.join("data");
        run_as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().expect("utf8"),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                &format!("--pwfile={}", pwfile.display()),
            ],
        );
        let cluster = PgCluster { dir, bin, port, password };
        cluster.start_again();
        cluster
    }

    /// Connection URL (holds the password).
    pub fn url(&self) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/postgres", self.password, self.port)
    }

    /// Fast shutdown: postgres closes every client connection.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        run_as_postgres(&self.bin.join("pg_ctl"), &["-D", data.to_str().expect("utf8"), "-m", "fast", "-w", "stop"]);
    }

    /// Starts (again) on the same port.
    pub fn start_again(&self) {
        let data = self.dir.join("data");
        let log = self.dir.join("server.log");
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.display());
        run_as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().expect("utf8"),
                "-l",
                log.to_str().expect("utf8"),
                "-w",
                "-t",
                "30",
                "-o",
                &opts,
                "start",
            ],
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = command_as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap_or(""), "-m", "immediate", "stop"],
        )
        .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pg_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("no /usr/lib/postgresql: apt-get install postgresql")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("no PostgreSQL server binaries: apt-get install postgresql")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

/// initdb refuses to run as root, so as root every server command runs as the `postgres` user.
fn command_as_postgres(program: &std::path::Path, args: &[&str]) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program).args(args);
        cmd
    } else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }
}

fn run_as_postgres(program: &std::path::Path, args: &[&str]) {
    let out = command_as_postgres(program, args).output().expect("run postgres command");
    assert!(
        out.status.success(),
        "{} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chown_to_postgres(dir: &std::path::Path) {
    if is_root() {
        let status = Command::new("chown").args(["-R", "postgres"]).arg(dir).status().expect("chown");
        assert!(status.success());
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A listener that accepts connections and never sends a byte: a postgres that hangs.
pub fn blackhole() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(256) {
            held.push(stream);
        }
    });
    addr
}

/// A TCP proxy to `upstream` that waits `delay` before forwarding each chunk in either direction,
/// so every postgres round trip is slow but succeeds.
pub fn delaying_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for client in listener.incoming().take(256).flatten() {
            let Ok(server) = std::net::TcpStream::connect(upstream) else { continue };
            for (mut from, mut to) in
                [(client.try_clone().expect("clone"), server.try_clone().expect("clone")), (server, client)]
            {
                std::thread::spawn(move || {
                    use std::io::{Read, Write};
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        std::thread::sleep(delay);
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    addr
}
