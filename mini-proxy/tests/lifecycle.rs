//! Opaque TCP, `init`'s rules and the proxy's lifecycle, for real: echo with half-close, server-first
//! protocols with and without detection, PostgreSQL through the mesh, the iptables rules applied twice
//! and removed, the admin `/shutdown`, the SIGTERM drain, and a thousand concurrent connections.

mod support;

use std::process::Command;
use std::time::Duration;

use support::{BIN, Mesh, PodSpec, sample, stdout_of};
use test_support::netns::{Namespace, can_create};
use test_support::postgres::{Postgres, script};
use test_support::wait::wait_until;

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };

/// Two meshed pods with proxies (server flags given) and credentials.
fn meshed_pair(server_apps: &[&[&str]], server_flags: &[&str]) -> Option<Mesh> {
    let mut mesh = Mesh::new(&[CLIENT, SERVER], "")?;
    mesh.issue("client");
    mesh.issue("server");
    for app in server_apps {
        mesh.app("server", app);
    }
    mesh.start_proxy("server", server_flags);
    mesh.start_proxy("client", &[]);
    Some(mesh)
}

/// Runs a Python program in `pod` and returns what it printed.
fn python(mesh: &Mesh, pod: &str, program: &str) -> String {
    stdout_of(&mesh.exec(pod, "python3", &["-c", program]))
}

/// Bytes are echoed exactly through both proxies, and the client's half-close comes back as one.
#[test]
fn opaque_tcp_echoes_with_half_close() {
    let Some(mesh) = meshed_pair(&[&["echo", "9000"]], &[]) else { return };
    let program = format!(
        "import socket\ns=socket.create_connection(('{}',9000))\ndata=bytes(range(256))*400\ns.sendall(data)\ns.shutdown(socket.SHUT_WR)\ngot=b''\nwhile True:\n c=s.recv(65536)\n if not c: break\n got+=c\nprint(got==data, len(got))\n",
        mesh.pod("server").ip
    );
    assert_eq!(python(&mesh, "client", &program), "True 102400\n");
    let metrics = mesh.metrics("server");
    let labels = [("direction", "inbound"), ("peer", "src"), ("target_port", "9000"), ("tls", "true")];
    wait_until(Duration::from_secs(5), "the inbound connection to close", || {
        sample(&mesh.metrics("server"), "tcp_close_total", &labels) == Some(1.0)
    });
    assert!(sample(&metrics, "tcp_read_bytes_total", &labels).is_some_and(|n| n > 102400.0), "{metrics}");
}

/// A server that speaks first answers at once on an opaque port; on another port it waits for the
/// detection timeout, then the connection is forwarded as opaque TCP.
#[test]
fn server_first_protocols() {
    let Some(mesh) = meshed_pair(
        &[&["banner", "25", "220 smtp ready"], &["banner", "2525", "220 slow"]],
        &["--detect-timeout", "1s"],
    ) else {
        return;
    };
    let banner = |port: u16| {
        let program = format!(
            "import socket,time\nt=time.monotonic()\ns=socket.create_connection(('{}',{port}))\nline=s.makefile().readline().strip()\nprint(line, round(time.monotonic()-t,2))\n",
            mesh.pod("server").ip
        );
        let output = python(&mesh, "client", &program);
        let (line, seconds) = output.trim().rsplit_once(' ').expect("line and time");
        (line.to_string(), seconds.parse::<f64>().expect("seconds"))
    };
    let (line, fast) = banner(25);
    assert_eq!(line, "220 smtp ready");
    assert!(fast < 0.9, "an opaque port never waits for detection: {fast}s");
    let (line, slow) = banner(2525);
    assert_eq!(line, "220 slow");
    assert!(slow >= 0.9, "a detected port waits for the client's first bytes: {slow}s");
}

/// PostgreSQL, on its opaque port, works through the mesh over mutual TLS.
#[test]
fn postgres_through_the_mesh() {
    let Some(mesh) = meshed_pair(&[], &[]) else { return };
    let server_ip = mesh.pod("server").ip.to_string();
    let mut command = mesh.pod("server").ns.command("env");
    command.arg(format!("PG_LISTEN={server_ip}")).args(["PG_PORT=5432", "bash"]).arg(script());
    let postgres = Postgres::start_with(command);
    let output = mesh.exec(
        "client",
        "psql",
        &[&postgres.url, "-tAc", "select 'through the mesh', inet_client_addr() is not null"],
    );
    assert_eq!(stdout_of(&output), "through the mesh|t\n");
    let metrics = mesh.metrics("server");
    let labels = [("direction", "inbound"), ("target_port", "5432"), ("tls", "true")];
    assert!(sample(&metrics, "tcp_open_total", &labels).is_some_and(|n| n >= 1.0), "{metrics}");
    assert_eq!(sample(&metrics, "request_total", &[]), None, "postgres is never parsed as HTTP: {metrics}");
}

/// `init` twice leaves each rule once; `--remove` takes them all out; `--simulate` prints without root.
#[test]
fn init_is_idempotent_and_removable() {
    if !can_create() {
        eprintln!("SKIPPED: init needs root");
        return;
    }
    let ns = Namespace::new("init");
    let rules = || stdout_of(&ns.run("iptables", &["-t", "nat", "-S"]));
    ns.run(BIN, &["init"]);
    let once = rules();
    ns.run(BIN, &["init", "--inbound-ports-to-ignore", "4190,4191,22"]);
    let twice = rules();
    let count = |text: &str, needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(count(&twice, "-j PROXY_INIT_REDIRECT"), 1, "{twice}");
    assert_eq!(count(&twice, "-j PROXY_INIT_OUTPUT"), 1, "{twice}");
    assert_eq!(count(&twice, "--to-ports 4143"), 1, "{twice}");
    assert_eq!(count(&twice, "--uid-owner 2102"), 1, "{twice}");
    assert!(
        twice.contains("--dports 4190,4191,22") && !twice.contains("--dports 4190,4191,4567"),
        "the second run replaced the first: {twice}"
    );
    assert_ne!(once, twice);
    ns.run(BIN, &["init", "--remove"]);
    assert!(!rules().contains("PROXY_INIT"), "{}", rules());
    ns.run(BIN, &["init", "--remove"]);

    let simulated = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups", BIN, "init", "--simulate"])
        .output()
        .expect("run");
    let text = stdout_of(&simulated);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "iptables -t nat -N PROXY_INIT_REDIRECT");
    let position = |needle: &str| {
        lines.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} missing: {text}"))
    };
    assert!(position("--uid-owner 2102") < position("-o lo -j RETURN"));
    assert!(position("-o lo -j RETURN") < position("--to-port 4140"));
    assert!(position("--dports 4190,4191,4567,4568 -j RETURN") < position("--to-port 4143"));
}

/// `/shutdown` is POST only and loopback only; from loopback it drains and the proxy exits cleanly.
#[test]
fn admin_shutdown() {
    let Some(mut mesh) = Mesh::new(&[PodSpec { name: "outsider", meshed: false }, SERVER], "") else { return };
    mesh.issue("server");
    mesh.start_proxy("server", &[]);
    let admin = format!("http://{}:4191/shutdown", mesh.pod("server").ip);
    assert_eq!(mesh.status("outsider", &admin), "405");
    assert_eq!(
        String::from_utf8_lossy(
            &mesh.curl("outsider", &["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", &admin]).stdout
        ),
        "403"
    );
    assert_eq!(
        String::from_utf8_lossy(&mesh.curl("server", &["-X", "POST", "http://127.0.0.1:4191/shutdown"]).stdout),
        "shutdown\n"
    );
    let status = mesh.pods[1].proxy.as_mut().expect("proxy").wait(Duration::from_secs(10));
    assert!(status.success(), "{status}");
}

/// SIGTERM: a request in flight finishes; then the inbound listener is closed and the proxy exits.
#[test]
fn sigterm_drains_in_flight_requests() {
    let Some(mut mesh) = meshed_pair(&[&["http", "8080", "server"]], &[]) else { return };
    let url = format!("http://{}:8080/slow/1500", mesh.pod("server").ip);
    let mut slow = mesh.pod("client").ns.command("curl");
    slow.args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", &url]);
    let in_flight = slow.stdout(std::process::Stdio::piped()).spawn().expect("curl");
    wait_until(Duration::from_secs(5), "the slow request to reach the server's proxy", || {
        sample(&mesh.metrics("server"), "request_total", &[("direction", "inbound")]) == Some(1.0)
    });
    mesh.proxy("server").sigterm();
    let done = in_flight.wait_with_output().expect("curl");
    assert_eq!(String::from_utf8_lossy(&done.stdout), "200", "the in-flight request finished");
    let status = mesh.pods[1].proxy.as_mut().expect("proxy").wait(Duration::from_secs(10));
    assert!(status.success(), "a clean drain exits 0: {status}");
    let after = format!("http://{}:8080/", mesh.pod("server").ip);
    assert_eq!(mesh.status("client", &after), "502", "nothing accepts for the app any more");
}

/// A thousand concurrent connections through both proxies all succeed, memory stays bounded, and every
/// connection is closed in the metrics afterwards, except the one HTTP/2 connection between the proxies
/// that carried them all.
#[test]
fn a_thousand_concurrent_connections() {
    let Some(mesh) = meshed_pair(&[&["http", "8080", "server"]], &[]) else { return };
    let program = format!(
        "import asyncio\nasync def one():\n r,w=await asyncio.open_connection('{}',8080)\n w.write(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n await w.drain()\n data=await r.read()\n w.close()\n return data.startswith(b'HTTP/1.1 200')\nasync def main():\n results=await asyncio.gather(*[one() for _ in range(1000)])\n print(sum(results))\nasyncio.run(main())\n",
        mesh.pod("server").ip
    );
    assert_eq!(python(&mesh, "client", &program), "1000\n");
    let open = |pod: &str, peer: &str| sample(&mesh.metrics(pod), "tcp_open_connections", &[("peer", peer)]);
    wait_until(Duration::from_secs(15), "every connection to close", || {
        (open("client", "src"), open("server", "src"), open("client", "dst"), open("server", "dst"))
            == (Some(0.0), Some(1.0), Some(1.0), Some(0.0))
    });
    for pod in ["client", "server"] {
        let status = std::fs::read_to_string(format!("/proc/{}/status", mesh.proxy(pod).pid())).expect("status");
        let peak_kb: u64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .expect("VmHWM");
        assert!(peak_kb < 96 * 1024, "{pod}'s proxy peaked at {peak_kb} kB");
    }
    let metrics = mesh.metrics("server");
    assert_eq!(
        sample(&metrics, "response_total", &[("direction", "inbound"), ("status_code", "200")]),
        Some(1000.0),
        "{metrics}"
    );
}
