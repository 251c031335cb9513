//! `mini-proxy stat` against real proxies carrying real traffic: two meshed pods, a client sending
//! requests over mutual TLS while `stat` scrapes the proxies across its window, given as targets or
//! found in the cluster's objects, in both directions.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{BIN, Mesh, PodSpec, stdout_of};

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };
/// An unmeshed pod: its own row (0/1), and where `stat` runs from, outside every proxy's rules.
const OBSERVER: PodSpec = PodSpec { name: "observer", meshed: false };

/// Runs `stat` for the server's proxy over a 4 s window while the client sends 15 good requests and 5
/// that fail (500); returns stat's output.
fn stat_during_traffic(mesh: &Mesh, output: &str) -> std::process::Output {
    let args = ["stat", "deployment", "--target", "server=127.0.0.1:4191", "-t", "4s", "-o", output];
    stats_during_traffic(mesh, "server", &[&args]).pop().expect("one output")
}

/// Runs each of `commands` (mini-proxy's arguments) in `pod` at once while the client sends 15 good
/// requests and 5 that fail to the server; returns their outputs.
fn stats_during_traffic(mesh: &Mesh, pod: &str, commands: &[&[&str]]) -> Vec<std::process::Output> {
    let stats: Vec<_> = commands
        .iter()
        .map(|args| {
            let mut command = mesh.pod(pod).ns.command(BIN);
            command.args(*args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start stat")
        })
        .collect();
    // Let the first scrape happen before the traffic starts.
    std::thread::sleep(Duration::from_millis(800));
    mesh.fifteen_good_five_failed("client", "server");
    stats.into_iter().map(|stat| stat.wait_with_output().expect("stat ends")).collect()
}

/// The success rate, request rate and latencies of the server's inbound traffic, in JSON and as
/// Linkerd's table.
#[test]
fn stat_reads_the_proxies() {
    let Some(mesh) = Mesh::client_and_server(&[CLIENT, SERVER]) else { return };
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

/// The rows of `stat`'s JSON output as `name meshed success rps-in-range`, `-` for no traffic.
fn rows(output: &std::process::Output) -> Vec<String> {
    let rows: serde_json::Value = serde_json::from_str(&stdout_of(output)).expect("JSON");
    let rows = rows.as_array().expect("an array").iter();
    rows.map(|row| {
        let figures = match (row["success"].as_f64(), row["rps"].as_f64()) {
            (Some(success), Some(rps)) => format!("{success} {}", (4.0..=5.1).contains(&rps)),
            _ => "-".to_string(),
        };
        format!("{} {} {figures}", row["name"].as_str().unwrap_or("?"), row["meshed"].as_str().unwrap_or("?"))
    })
    .collect()
}

/// With the pods found in the cluster's objects (a cluster-state file here): every Deployment is a row
/// with its MESHED count, the server's inbound traffic is in its row, and the same requests read from
/// the client's side, `--to deploy/server` and `--from deploy/client`, give the same figures: the
/// client's proxy labels them with the server's Deployment.
#[test]
fn stat_finds_the_proxies_and_reads_both_directions() {
    let Some(mesh) = Mesh::client_and_server(&[CLIENT, SERVER, OBSERVER]) else { return };
    let state = mesh.state_file.to_string_lossy().into_owned();
    let stat = |extra: &[&'static str]| -> Vec<String> {
        let mut args = vec!["stat".to_string(), "deploy".into(), "--from-file".into(), state.clone()];
        args.extend(["-t", "4s", "-o", "json"].iter().chain(extra).map(|a| a.to_string()));
        args
    };
    let commands = [stat(&[]), stat(&["--to", "deploy/server"]), stat(&["--from", "deploy/client"])];
    let commands: Vec<Vec<&str>> = commands.iter().map(|c| c.iter().map(String::as_str).collect()).collect();
    let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
    let outputs = stats_during_traffic(&mesh, "observer", &commands);
    assert_eq!(rows(&outputs[0]), ["client 1/1 -", "observer 0/1 -", "server 1/1 0.75 true"], "inbound");
    assert_eq!(rows(&outputs[1]), ["client 1/1 0.75 true", "observer 0/1 -", "server 1/1 -"], "--to deploy/server");
    assert_eq!(rows(&outputs[2]), ["client 1/1 -", "observer 0/1 -", "server 1/1 0.75 true"], "--from deploy/client");

    // One deployment, as a table; a namespace with nothing in it is an error, not an empty table.
    let output = mesh.exec("observer", BIN, &["stat", "deploy/server", "--from-file", &state, "-t", "1s"]);
    let text = stdout_of(&output);
    assert_eq!(text.lines().count(), 2, "a header and one row: {text}");
    assert!(text.lines().nth(1).is_some_and(|row| row.starts_with("server ")), "{text}");
    let output = mesh.exec("observer", BIN, &["stat", "deploy", "-n", "nowhere", "--from-file", &state, "-t", "1s"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "mini-proxy stat: no deployment found in namespace nowhere\n");
}

/// Bad flags and an unreachable proxy get one line each, not a panic.
#[test]
fn bad_input_is_named() {
    let run = |args: &[&str]| std::process::Command::new(BIN).arg("stat").args(args).output().expect("run stat");
    let cases: [(&[&str], i32, &str); 7] = [
        (&["--target", "nonsense"], 64, "--target \"nonsense\": use NAME=HOST:PORT"),
        (&["services", "--target", "a=127.0.0.1:1"], 64, "\"services\": use deploy, pod or ns"),
        (&["--to", "web", "--target", "a=127.0.0.1:1"], 64, "--to \"web\": use deploy/NAME, po/NAME or ns/NAME"),
        (&["--from", "deploy/b", "--target", "a=127.0.0.1:1"], 1, "--from: no --target is named \"b\""),
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
