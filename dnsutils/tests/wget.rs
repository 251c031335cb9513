//! Our `wget` against an in-test HTTP server on 127.0.0.1, with GNU wget (`/usr/bin/wget`, Debian package
//! `wget`) as the oracle for exit statuses and for what `-q`, `-S` and `--spider` print.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::knot::{Knot, fixture};
use support::tools::{Impl, Runner};

/// The body the lab's `/host` route returns.
const HOST_BODY: &str = "NODE: kind-worker2, POD IP:10.244.1.4\n";

/// Starts the test HTTP server on 127.0.0.1 and returns its address; it serves until the test process exits.
fn serve() -> SocketAddr {
    serve_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
}

/// Starts the test HTTP server on `addr` (port 0 for any) and returns the bound address.
fn serve_on(addr: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind(addr).expect("bind the test HTTP server");
    let addr = listener.local_addr().expect("local address of the test HTTP server");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    addr
}

/// Answers requests by path (see the match arms for the routes); paths under `/ka/` keep the connection open
/// for the next request, all others close it after one response.
fn answer(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the connection"));
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let keep_alive = path.starts_with("/ka/");
        let Some(reply) = route(&path, request_line.starts_with("HEAD"), keep_alive) else { return };
        if stream.write_all(reply.as_bytes()).is_err() || !keep_alive {
            return;
        }
    }
}

/// The full response for `path`, or `None` for the route that never answers.
fn route(path: &str, head_only: bool, keep_alive: bool) -> Option<String> {
    let connection = if keep_alive { "" } else { "Connection: close\r\n" };
    let fixed = |status: &str, extra: &str, body: &str| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{extra}{connection}\r\n",
            body.len()
        );
        if head_only { head } else { head + body }
    };
    Some(match path {
        "/host" | "/ka/host" => fixed("200 OK", "", HOST_BODY),
        "/r/target" => fixed("200 OK", "", "target\n"),
        "/chunked" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                       7\r\nhello, \r\n6\r\nworld\n\r\n0\r\n\r\n"
            .to_owned(),
        "/unframed" => "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close\n".to_owned(),
        "/redirect" => fixed("302 Found", "Location: /host\r\n", ""),
        "/ka/redirect" => fixed("302 Found", "Location: /ka/host\r\n", "moved\n"),
        "/r/relative" => fixed("301 Moved Permanently", "Location: target\r\n", ""),
        "/loop" => fixed("302 Found", "Location: /loop\r\n", ""),
        "/error" => fixed("500 Internal Server Error", "", "boom\n"),
        "/silent" => {
            std::thread::sleep(Duration::from_secs(10));
            return None;
        }
        _ => fixed("404 Not Found", "", "not found\n"),
    })
}

fn ours(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnsutils"))
        .arg("wget")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run our wget")
}

fn gnu(args: &[String]) -> Output {
    assert!(Path::new("/usr/bin/wget").exists(), "/usr/bin/wget not found: install the Debian package `wget`");
    Command::new("/usr/bin/wget").args(args).env("LC_ALL", "C").output().expect("run GNU wget")
}

fn args(line: &str, server: SocketAddr) -> Vec<String> {
    line.replace("{url}", &format!("http://{server}")).split_whitespace().map(str::to_owned).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `line` with ours and GNU's and asserts equal stdout, stderr and exit status; returns ours.
fn same_as_gnu(line: &str, server: SocketAddr) -> Output {
    let a = args(line, server);
    let (o, g) = (ours(&a), gnu(&a));
    assert_eq!(text(&o.stdout), text(&g.stdout), "stdout of wget {line}");
    assert_eq!(text(&o.stderr), text(&g.stderr), "stderr of wget {line}");
    assert_eq!(o.status.code(), g.status.code(), "exit status of wget {line}");
    o
}

/// The lab's command prints the body and nothing else, like GNU.
#[test]
fn quiet_body_to_stdout() {
    let server = serve();
    let o = same_as_gnu("-q -O- {url}/host", server);
    assert_eq!(text(&o.stdout), HOST_BODY);
}

/// An IPv6 literal URL (`http://[::1]:PORT/host`) works, with GNU's log.
#[test]
fn ipv6_literal_url() {
    let server = serve_on("[::1]:0".parse().expect("IPv6 loopback address"));
    let o = same_as_gnu("-q -O- {url}/host", server);
    assert_eq!(text(&o.stdout), HOST_BODY);
}

/// `-O FILE` writes the body to the file; without `-O` the file is named after the URL.
#[test]
fn body_to_file() {
    let server = serve();
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("out.txt");
    let o = ours(&args(&format!("-q -O {} {{url}}/host", file.display()), server));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).ok().as_deref(), Some(HOST_BODY));
    let o = Command::new(env!("CARGO_BIN_EXE_dnsutils"))
        .args(["wget", "-q", &format!("http://{server}/host")])
        .current_dir(dir.path())
        .output()
        .expect("run our wget");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.path().join("host")).ok().as_deref(), Some(HOST_BODY));
}

/// Chunked bodies and bodies ended by closing the connection arrive whole.
#[test]
fn chunked_and_unframed_bodies() {
    let server = serve();
    assert_eq!(text(&same_as_gnu("-q -O- {url}/chunked", server).stdout), "hello, world\n");
    assert_eq!(text(&same_as_gnu("-q -O- {url}/unframed", server).stdout), "until close\n");
}

/// Absolute-path and relative redirects are followed to the final body.
#[test]
fn follows_redirects() {
    let server = serve();
    assert_eq!(text(&same_as_gnu("-q -O- {url}/redirect", server).stdout), HOST_BODY);
    assert_eq!(text(&same_as_gnu("-q -O- {url}/r/relative", server).stdout), "target\n");
}

/// A redirect loop stops after 20 redirects with GNU's status.
#[test]
fn redirect_loop_gives_up() {
    let server = serve();
    let o = same_as_gnu("-q -O- {url}/loop", server);
    assert_eq!(o.status.code(), Some(8));
}

/// A body that cannot be written (a full disk) exits 3, the file I/O status.
#[test]
fn write_failure_exits_3() {
    let server = serve();
    assert_eq!(same_as_gnu("-q -O /dev/full {url}/host", server).status.code(), Some(3));
}

/// 404 and 500 exit 8 with no body on stdout.
#[test]
fn error_status_exits_8() {
    let server = serve();
    for path in ["/missing", "/error"] {
        let o = same_as_gnu(&format!("-q -O- {{url}}{path}"), server);
        assert_eq!(o.status.code(), Some(8), "{path}");
    }
}

/// `-S` prints the status line and headers to stderr, even with `-q`, exactly as GNU does.
#[test]
fn server_response_headers() {
    let server = serve();
    let o = same_as_gnu("-q -S -O- {url}/redirect", server);
    assert!(text(&o.stderr).starts_with("  HTTP/1.1 302 Found\n"));
}

/// `--spider` checks without downloading: 0 for an existing page, 8 for a missing one.
#[test]
fn spider_checks_existence() {
    let server = serve();
    assert!(same_as_gnu("-q --spider {url}/host", server).stdout.is_empty());
    assert_eq!(same_as_gnu("-q --spider {url}/missing", server).status.code(), Some(8));
}

/// GNU's verbose log with what differs from run to run masked: timestamps, rates and durations.
fn mask_log(log: &str) -> String {
    let masks = [
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "DATE"),
        (r"(?m)(\.|K|%) +[0-9.]+[ KMG][= ][0-9.]*s$", "$1 RATE TIME"),
        (r"\([0-9.]+ [KMG]?B/s\)", "(RATE)"),
        (r"(clock time:| in) [0-9.]+s", "$1 TIME"),
    ];
    masks.iter().fold(log.to_owned(), |acc, (re, with)| {
        regex::Regex::new(re).expect("valid regex").replace_all(&acc, *with).into_owned()
    })
}

/// The verbose log (dot display, connection reuse and the multi-URL summary included) matches GNU's
/// apart from timestamps, rates and times.
#[test]
fn verbose_log_matches_gnu() {
    let server = serve();
    for line in [
        "-O- {url}/redirect",
        "-O- {url}/missing",
        "--spider {url}/host",
        "-S -O- {url}/chunked",
        "-O- {url}/ka/redirect",
        "-O- {url}/ka/host {url}/missing {url}/ka/host",
    ] {
        let a = args(line, server);
        let (o, g) = (ours(&a), gnu(&a));
        assert_eq!(mask_log(&text(&o.stderr)), mask_log(&text(&g.stderr)), "stderr of wget {line}");
        assert_eq!(o.status.code(), g.status.code(), "wget {line}");
    }
}

/// A refused connection exits 4 without retrying.
#[test]
fn connection_refused_exits_4() {
    // Below the ephemeral range, so nothing listens there and a connect cannot loop back onto itself.
    let closed = SocketAddr::from((Ipv4Addr::LOCALHOST, test_support::network::free_fixed_port(Ipv4Addr::LOCALHOST)));
    assert_eq!(same_as_gnu("-q -O- {url}/host", closed).status.code(), Some(4));
}

/// A server that never answers is abandoned after `-T 1` with status 4, within bounded time.
#[test]
fn timeout_exits_4() {
    let server = serve();
    let start = Instant::now();
    let o = ours(&args("-q -t 1 -T 1 -O- {url}/silent", server));
    assert_eq!(o.status.code(), Some(4));
    assert!(start.elapsed() < Duration::from_secs(4), "took {:?}", start.elapsed());
}

/// A timed-out try is retried after a 1 s wait, then abandoned, with GNU's log and status 4.
#[test]
fn retries_then_gives_up_like_gnu() {
    let server = serve();
    let a = args("-t 2 -T 1 -O- {url}/silent", server);
    let (o, g) = (ours(&a), gnu(&a));
    assert_eq!(mask_log(&text(&o.stderr)), mask_log(&text(&g.stderr)));
    assert_eq!((o.status.code(), g.status.code()), (Some(4), Some(4)));
}

/// Bad URLs get GNU's one-line error and status 1 (nothing under `-q`); https says that TLS is not supported.
#[test]
fn bad_urls_are_reported() {
    let server = serve();
    let o = same_as_gnu("http://", server);
    assert_eq!((text(&o.stderr).as_str(), o.status.code()), ("http://: Invalid host name.\n", Some(1)));
    assert!(same_as_gnu("-q http://", server).stderr.is_empty());
    let o = ours(&["https://clusterip-service/host".into()]);
    assert!(text(&o.stderr).contains("Unsupported scheme 'https'") && text(&o.stderr).contains("no TLS"));
    assert_eq!(o.status.code(), Some(1));
}

/// A short service name resolves through /etc/resolv.conf's search list, as `wget clusterip-service/host`
/// does in the lab's pod (knotd answers `wget-target.default.svc.cluster.local` with 127.0.0.1); a name that
/// is nowhere fails like GNU's: status 4 and the same log.
#[test]
fn resolves_through_search_list_like_gnu() {
    let server = serve();
    let runner = Runner::new();
    let knot = Knot::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    let resolv = dir.path().join("resolv.conf");
    let text_conf = std::fs::read_to_string(fixture("resolv-pod.conf")).expect("read resolv-pod.conf");
    std::fs::write(&resolv, text_conf.replace("NAMESERVER", &knot.addr53.to_string())).expect("write resolv.conf");
    let found = ["-q".to_owned(), "-O-".to_owned(), format!("wget-target:{}/host", server.port())];
    let o = runner.run(Impl::Ours, "wget", &found, &resolv);
    assert_eq!((o.stdout.as_str(), o.stderr.as_str(), o.code), (HOST_BODY, "", Some(0)));
    let missing = ["-O-".to_owned(), format!("nosuch-service:{}/host", server.port())];
    let (o, g) = (runner.run(Impl::Ours, "wget", &missing, &resolv), runner.run(Impl::Bind, "wget", &missing, &resolv));
    let date = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").expect("valid regex");
    assert_eq!(date.replace_all(&o.stderr, "DATE"), date.replace_all(&g.stderr, "DATE"));
    assert_eq!((o.code, g.code), (Some(4), Some(4)));
}
