//! `mini-proxy stat` against real proxies carrying real traffic: two meshed pods, a client sending
//! requests over mutual TLS while `stat` scrapes the server's proxy across its window.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{BIN, Mesh, PodSpec, stdout_of};

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };

/// Runs `stat` for the server's proxy over a 4 s window while the client sends 15 good requests and 5
/// that fail (500); returns stat's output.
fn stat_during_traffic(mesh: &Mesh, output: &str) -> std::process::Output {
    let stat = mesh
        .pod("server")
        .ns
        .command(BIN)
        .args(["stat", "deployment", "--target", "server=127.0.0.1:4191", "-t", "4s", "-o", output])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stat");
    // Let the first scrape happen before the traffic starts.
    std::thread::sleep(Duration::from_millis(800));
    let base = format!("http://{}:8080", mesh.pod("server").ip);
    for i in 0..20 {
        let path = if i % 4 == 3 { "/status/500" } else { "/" };
        mesh.curl("client", &["-o", "/dev/null", &format!("{base}{path}")]);
    }
    stat.wait_with_output().expect("stat ends")
}

fn meshed_pair() -> Option<Mesh> {
    let mut mesh = Mesh::new(&[CLIENT, SERVER], "")?;
    mesh.issue("client");
    mesh.issue("server");
    mesh.app("server", &["http", "8080", "server"]);
    mesh.start_proxy("server", &[]);
    mesh.start_proxy("client", &[]);
    Some(mesh)
}

/// The success rate, request rate and latencies of the server's inbound traffic, in JSON and as
/// Linkerd's table.
#[test]
fn stat_reads_the_proxies() {
    let Some(mesh) = meshed_pair() else { return };
    let output = stat_during_traffic(&mesh, "json");
    assert!(output.status.success(), "stat failed: {}", String::from_utf8_lossy(&output.stderr));
    let rows: serde_json::Value = serde_json::from_str(&stdout_of(&output)).expect("JSON");
    let row = &rows[0];
    assert_eq!((row["name"].as_str(), row["meshed"].as_str()), (Some("server"), Some("1/1")), "{rows:#}");
    assert_eq!(row["success"].as_f64(), Some(0.75), "15 of 20 succeeded: {rows:#}");
    let rps = row["rps"].as_f64().expect("rps");
    assert!((4.0..=5.1).contains(&rps), "20 requests in a window of just over 4 s: {rps}");
    let p50 = row["latency_ms_p50"].as_u64().expect("p50");
    let p99 = row["latency_ms_p99"].as_u64().expect("p99");
    assert!(p50 <= p99 && p99 < 1000, "p50 {p50} ms, p99 {p99} ms");

    let output = stat_during_traffic(&mesh, "table");
    let text = stdout_of(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN"])
    );
    let row: Vec<&str> = lines.next().expect("a row").split_whitespace().collect();
    assert_eq!(&row[..3], ["server", "1/1", "75.00%"], "{text}");
    assert!(row[3].ends_with("rps") && row[4].ends_with("ms"), "{text}");
}

/// Bad flags and an unreachable proxy get one line each, not a panic.
#[test]
fn bad_input_is_named() {
    let run = |args: &[&str]| std::process::Command::new(BIN).arg("stat").args(args).output().expect("run stat");
    let cases: [(&[&str], i32, &str); 4] = [
        (&["--target", "nonsense"], 64, "--target \"nonsense\": use NAME=HOST:PORT"),
        (&["--target", "a=127.0.0.1:1", "-t", "500ms"], 64, "--time-window 500ms: use at least 1s"),
        (&["--target", "a=127.0.0.1:1", "-o", "yaml"], 64, "--output \"yaml\": use table, wide or json"),
        (&["--target", "a=127.0.0.1:1", "-t", "1s"], 1, "cannot scrape 127.0.0.1:1"),
    ];
    for (args, code, message) in cases {
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(message) && stderr.lines().count() == 1, "{args:?}: {stderr}");
    }
}
