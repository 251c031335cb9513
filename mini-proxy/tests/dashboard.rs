//! `mini-proxy dashboard` against real proxies carrying real traffic: two meshed pods, a client sending
//! requests over mutual TLS while the dashboard, in an unmeshed pod, finds the proxies in the cluster's
//! objects and scrapes them every second. Its JSON is read with curl, and its page is loaded in a real
//! browser (Debian's headless Chromium), whose rendered DOM must show the same figures; the browser also
//! saves the screenshot the README shows.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BIN, Mesh, PodSpec, stdout_of};
use test_support::process::ServerProcess;
use test_support::wait::wait_for;

const CLIENT: PodSpec = PodSpec { name: "client", meshed: true };
const SERVER: PodSpec = PodSpec { name: "server", meshed: true };
/// An unmeshed pod: its own row (0/1), and where the dashboard and the browser run, outside every
/// proxy's rules.
const OBSERVER: PodSpec = PodSpec { name: "observer", meshed: false };

/// The browser the test drives, as Debian's `chromium-headless-shell` package installs it.
const BROWSER: &str = "chromium-headless-shell";
/// How long one browser run may take before the test fails.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);
/// The server's identity, as the client's proxy names it in `server_id`: its ServiceAccount's.
const SERVER_ID: &str = "server.default.serviceaccount.identity.linkerd.cluster.local";

/// The browser's path, if it is installed.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(BROWSER)).find(|candidate| candidate.is_file())
}

/// The dashboard's JSON, fetched from the observer pod.
fn api_stat(mesh: &Mesh, url: &str) -> Value {
    let text = stdout_of(&mesh.curl("observer", &[&format!("{url}/api/stat")]));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("/api/stat is not JSON ({e}): {text}"))
}

/// The element of `dom` that starts with `opening`, up to the end of `closing`.
fn element<'a>(dom: &'a str, opening: &str, closing: &str) -> &'a str {
    let start = dom.find(opening).unwrap_or_else(|| panic!("no {opening} in the page:\n{dom}"));
    let length = dom[start..].find(closing).unwrap_or_else(|| panic!("{opening} is not closed:\n{dom}"));
    &dom[start..start + length + closing.len()]
}

/// Runs the browser in the observer pod with `args` and the page's URL, failing after [`BROWSER_LIMIT`];
/// returns what it printed.
fn run_browser(mesh: &Mesh, browser: &Path, args: &[&str], url: &str) -> String {
    let profile = mesh.path(&format!("browser-profile-{}", args.len()));
    let mut command = mesh.pod("observer").ns.command(&browser.to_string_lossy());
    // Root needs --no-sandbox; the virtual time budget lets the page fetch /api/stat and draw before the
    // DOM is dumped or the screenshot taken, without a real wait.
    command
        .args(["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start the browser");
    let started = Instant::now();
    while child.try_wait().expect("browser status").is_none() {
        if started.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within {BROWSER_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("browser output");
    assert!(output.status.success(), "the browser failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// With 15 good and 5 failed requests from client to server: `/api/stat` gives the server's row a 75%
/// success rate over exactly those 20 responses and an mTLS edge client → server naming the server's
/// ServiceAccount identity; the page, rendered by a real browser, shows 75.00% in the server's row, the
/// edge with its padlock, and a latency chart for the server; the screenshot is saved; SIGTERM stops it.
#[test]
fn the_dashboard_shows_the_mesh() {
    let Some(browser) = browser() else {
        eprintln!("SKIPPED: the dashboard test needs {BROWSER} (Debian package chromium-headless-shell)");
        return;
    };
    let Some(mesh) = Mesh::client_and_server(&[CLIENT, SERVER, OBSERVER]) else { return };

    let mut command = mesh.pod("observer").ns.command(BIN);
    command.arg("dashboard").arg("--from-file").arg(&mesh.state_file).args([
        "--listen",
        "127.0.0.1:0",
        "--admin-addr",
        "127.0.0.1:0",
        "--interval",
        "1s",
        "--window",
        "1m",
    ]);
    let mut dashboard = ServerProcess::start(command, &["dashboard", "admin"]);
    let url = format!("http://{}", dashboard.addr("dashboard"));

    // The window must start before the traffic: wait for a first round.
    wait_for(Duration::from_secs(10), "the dashboard's first round", || {
        (api_stat(&mesh, &url)["rounds"].as_u64() >= Some(1)).then_some(())
    });
    mesh.fifteen_good_five_failed("client", "server");
    // A round still running now may have started before the last response; the one after it has not.
    let rounds = api_stat(&mesh, &url)["rounds"].as_u64().expect("rounds");
    let board = wait_for(Duration::from_secs(10), "two more rounds", || {
        let board = api_stat(&mesh, &url);
        (board["rounds"].as_u64() >= Some(rounds + 2)).then_some(board)
    });

    let seconds = board["window_seconds"].as_f64().expect("a window");
    let rows = board["deployments"].as_array().expect("rows");
    let names: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["name"].as_str().unwrap_or("?"), r["meshed"].as_str().unwrap_or("?"))).collect();
    assert_eq!(names, [("client", "1/1"), ("observer", "0/1"), ("server", "1/1")], "{board:#}");
    let server = &rows[2];
    assert_eq!(server["success"].as_f64(), Some(0.75), "15 of 20 succeeded: {board:#}");
    let responses = server["rps"].as_f64().expect("rps") * seconds;
    assert!((responses - 20.0).abs() < 1e-6, "20 responses in the window, not {responses}: {board:#}");
    let (p50, p99) = (server["latency_ms_p50"].as_u64().expect("p50"), server["latency_ms_p99"].as_u64().expect("p99"));
    assert!(p50 <= p99 && p99 < 1000, "p50 {p50} ms, p99 {p99} ms");
    assert!(rows[0]["success"].is_null(), "the client received nothing: {board:#}");

    let edges = board["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1, "only the client calls anyone: {board:#}");
    let edge = &edges[0];
    assert_eq!((edge["from"]["name"].as_str(), edge["to"]["name"].as_str()), (Some("client"), Some("server")));
    assert_eq!((edge["mtls"].as_bool(), edge["success"].as_f64()), (Some(true), Some(0.75)), "{board:#}");
    assert_eq!(edge["server_ids"], serde_json::json!([SERVER_ID]), "the server's ServiceAccount identity");
    let sent = edge["rps"].as_f64().expect("rps") * seconds;
    assert!((sent - 20.0).abs() < 1e-6, "the client's proxy counted 20 responses, not {sent}");
    let charted = board["history"].as_array().expect("history").last().map(|point| &point["latency_ms"]);
    assert!(charted.is_some_and(|latency| latency["default/server"].is_array()), "{board:#}");

    // The page as a browser renders it, within the window that holds the traffic.
    let dom = run_browser(&mesh, &browser, &["--dump-dom"], &url);
    let row = element(&dom, "<tr data-deployment=\"default/server\"", "</tr>");
    assert!(row.contains(">75.00%<") && row.contains(">1/1<"), "the server's row: {row}");
    let item = element(&dom, "<li data-from=\"default/client\" data-to=\"default/server\"", "</li>");
    assert!(item.contains("data-mtls=\"true\"") && item.contains("mTLS") && item.contains("75.00%"), "{item}");
    assert!(item.contains(SERVER_ID), "the padlock names the server's identity: {item}");
    let chart = element(&dom, "<div class=\"chart\" data-chart=\"default/server\"", "</svg>");
    assert!(chart.contains("<polyline class=\"p99\" points=\"") && !chart.contains("points=\"\""), "{chart}");

    // Into the target directory, so a test run leaves the tree clean; `UPDATE_SCREENSHOT=1` writes the
    // README's copy instead.
    let screenshot = match std::env::var_os("UPDATE_SCREENSHOT") {
        Some(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/dashboard.png"),
        None => Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png"),
    };
    let _ = std::fs::remove_file(&screenshot);
    run_browser(&mesh, &browser, &[&format!("--screenshot={}", screenshot.display()), "--window-size=1200,800"], &url);
    let png = std::fs::read(&screenshot).expect("the screenshot was saved");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "a PNG of the page: {} bytes", png.len());

    dashboard.sigterm();
    assert!(dashboard.wait(Duration::from_secs(10)).success(), "a clean drain:\n{}", dashboard.output());
}

/// Bad flags get one line and exit 64, before anything is bound; so does `dashboard` after a flag.
#[test]
fn bad_flags_are_named() {
    for (args, message) in [
        (&["dashboard", "--interval", "soon"][..], "mini-proxy: invalid DASHBOARD_INTERVAL \"soon\""),
        (&["dashboard", "--window", "1s"], "mini-proxy: invalid DASHBOARD_WINDOW \"1s\""),
        (&["dashboard", "--target", "web"], "mini-proxy: --target \"web\": use NAME=HOST:PORT"),
        (&["dashboard", "--listen", "localhost"], "mini-proxy: invalid DASHBOARD_ADDR \"localhost\""),
    ] {
        let output = Command::new(BIN).args(args).env_remove("CLUSTER_STATE_FILE").output().expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(stderr.starts_with(message) && stderr.lines().count() == 1, "{args:?}: {stderr}");
    }
}
