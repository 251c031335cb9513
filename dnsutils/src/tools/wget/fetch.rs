//! One URL from start to finish, as GNU wget does it: log the attempt, resolve, connect to each address in
//! turn, send the request, read the head; retry timeouts and broken connections (waiting 1 s, 2 s, ... up to
//! 10 s between tries); follow up to `--max-redirect` redirects; then save or check the body. Like GNU, it
//! asks for keep-alive and sends the next request (after a redirect, or for the next URL) over the same
//! connection when the server allows it.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::error::WgetError;
use super::http::{self, Head};
use super::log::{Log, length_line, rate, timestamp};
use super::options::{Options, Output};
use super::progress::DotProgress;
use super::url::Url;
use crate::tools::locale::quote;

/// GNU wget's default read timeout when `-T` is not given.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(900);
/// What GNU prints before each URL it checks in `--spider` mode.
pub const SPIDER_MODE: &str = "Spider mode enabled. Check if remote file exists.\n";
/// Longest wait between two tries (GNU's `--waitretry` default).
const MAX_RETRY_WAIT: u64 = 10;

/// What one successful download moved, for GNU's closing summary over several URLs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Saved {
    /// Body bytes written.
    pub bytes: u64,
    /// Time spent receiving them.
    pub took: Duration,
}

/// An open connection to `host:port`, positioned at the start of the next response.
pub struct Connection {
    host: String,
    port: u16,
    reader: BufReader<TcpStream>,
}

/// Downloads (or, with `--spider`, checks) `url`, following redirects; `file` is the `-O FILE` output and
/// `kept` a connection the previous response left open, taken if it goes to the same place and refilled
/// when this one may persist.
pub fn fetch(
    url: &Url,
    opts: &Options,
    log: &Log,
    mut file: Option<&mut File>,
    kept: &mut Option<Connection>,
) -> Result<Saved, WgetError> {
    let mut url = url.clone();
    let mut redirects = 0;
    loop {
        let (mut conn, head) = exchange_with_retries(&url, opts, log, kept)?;
        let location = head.header("Location").filter(|_| matches!(head.code, 301 | 302 | 303 | 307 | 308));
        if let Some(location) = location {
            log.print(&format!("Location: {location} [following]\n"));
            redirects += 1;
            if redirects > opts.max_redirect {
                log.print(&format!("{} redirections exceeded.\n", opts.max_redirect));
                return Err(WgetError::Server(format!("{} redirections exceeded", opts.max_redirect)));
            }
            url = url.join(location)?;
            if opts.spider {
                // GNU announces spider mode again for the new URL and does not reuse a HEAD connection.
                log.print(SPIDER_MODE);
            } else {
                *kept = keep(conn, &head, opts);
            }
            continue;
        }
        if !(200..300).contains(&head.code) {
            *kept = keep(conn, &head, opts);
            if opts.spider {
                log.print("Remote file does not exist -- broken link!!!\n\n");
            } else {
                log.print(&format!("{} ERROR {}: {}.\n\n", timestamp(SystemTime::now()), head.code, head.reason));
            }
            return Err(WgetError::Server(format!("ERROR {}: {}", head.code, head.reason)));
        }
        log.print(&length_line(head.content_length(), head.content_type()));
        if opts.spider {
            if head.content_type() == Some("text/html") {
                log.print("Remote file exists and could contain further links,\nbut recursion is disabled -- not retrieving.\n\n");
            } else {
                log.print("Remote file exists.\n\n");
            }
            *kept = keep(conn, &head, opts);
            return Ok(Saved::default());
        }
        let saved = save(&url, &head, &mut conn.reader, opts, log, file.as_deref_mut())?;
        // The body was read to its framed end, so nothing is left to drain.
        *kept = head.keeps_alive().then_some(conn);
        return Ok(saved);
    }
}

/// `conn` after reading and discarding the rest of this response, if the server lets it persist.
fn keep(mut conn: Connection, head: &Head, opts: &Options) -> Option<Connection> {
    if !head.keeps_alive() {
        return None;
    }
    if !opts.spider && http::has_body(head.code) {
        http::copy_body(&mut conn.reader, head, &mut io::sink()).ok()?;
    }
    Some(conn)
}

/// Writes the body where `-O` says and logs GNU's closing line.
fn save(
    url: &Url,
    head: &Head,
    reader: &mut BufReader<TcpStream>,
    opts: &Options,
    log: &Log,
    file: Option<&mut File>,
) -> Result<Saved, WgetError> {
    let started = Instant::now();
    let mut stdout;
    let mut created;
    let (name, sink): (String, &mut dyn Write) = match (&opts.output, file) {
        (Output::Stdout, _) => {
            stdout = io::stdout().lock();
            ("-".to_owned(), &mut stdout)
        }
        (Output::File(path), Some(f)) => (path.display().to_string(), f),
        _ => {
            let name = local_name(url);
            created = File::create(&name).map_err(|e| {
                log.print(&format!("{name}: {}\n", strerror(&e)));
                WgetError::Output(e)
            })?;
            (name, &mut created)
        }
    };
    let shown = if name == "-" { "STDOUT" } else { name.as_str() };
    log.print(&format!("Saving to: {}\n\n", quote(shown)));
    let mut progress = DotProgress::new(sink, log, head.content_length());
    let copied = if http::has_body(head.code) {
        http::copy_body(reader, head, &mut progress).and_then(|n| flushed(&mut progress, n))
    } else {
        Ok(0)
    };
    progress.finish();
    let copied = copied.inspect_err(|e| match e {
        WgetError::Output(io) => log.print(&format!("\n\nCannot write to {} ({}).\n", quote(&name), strerror(io))),
        other => log.print(&format!("\n\nRead error ({other}). Giving up.\n\n")),
    })?;
    let total = head.content_length().map_or(copied.to_string(), |len| format!("{copied}/{len}"));
    let what = if name == "-" { "written to stdout".to_owned() } else { format!("{} saved", quote(&name)) };
    let now = timestamp(SystemTime::now());
    log.print(&format!("\n{now} ({}) - {what} [{total}]\n\n", rate(copied, started.elapsed())));
    Ok(Saved { bytes: copied, took: started.elapsed() })
}

fn flushed(out: &mut impl Write, copied: u64) -> Result<u64, WgetError> {
    out.flush().map_err(WgetError::Output)?;
    Ok(copied)
}

/// GNU's default file name: the last path segment, `index.html` for a directory, `.1`, `.2`... if taken.
fn local_name(url: &Url) -> String {
    let path = url.path.split('?').next().unwrap_or_default();
    let base = match path.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => "index.html".to_owned(),
    };
    let mut name = base.clone();
    let mut n = 0;
    while Path::new(&name).exists() {
        n += 1;
        name = format!("{base}.{n}");
    }
    name
}

/// Runs [`exchange`] until it succeeds, fails for good, or `-t` tries are used up.
fn exchange_with_retries(
    url: &Url,
    opts: &Options,
    log: &Log,
    kept: &mut Option<Connection>,
) -> Result<(Connection, Head), WgetError> {
    let mut attempt = 1u32;
    loop {
        match exchange(url, opts, log, attempt, kept.take()) {
            Ok(done) => return Ok(done),
            Err(e) if e.is_retryable() && (opts.tries == 0 || attempt < opts.tries) => {
                log.print("Retrying.\n\n");
                std::thread::sleep(Duration::from_secs(u64::from(attempt).min(MAX_RETRY_WAIT)));
                attempt += 1;
            }
            Err(e) => {
                if e.is_retryable() {
                    log.print("Giving up.\n\n");
                }
                return Err(e);
            }
        }
    }
}

/// One try: reuse `kept` if it goes to the same place, else resolve and connect; send the request and read
/// the response head, logging each step.
fn exchange(
    url: &Url,
    opts: &Options,
    log: &Log,
    attempt: u32,
    kept: Option<Connection>,
) -> Result<(Connection, Head), WgetError> {
    let now = timestamp(SystemTime::now());
    let tried = if attempt > 1 { format!("(try:{attempt:2})  ") } else { String::new() };
    log.print(&format!("--{now}--  {tried}{url}\n"));
    let mut reader = match kept {
        Some(conn) if conn.host == url.host && conn.port == url.port => {
            log.print(&format!("Reusing existing connection to {}.\n", addr_text(&url.host, url.port)));
            conn.reader
        }
        _ => BufReader::new(connect(url, opts, log)?),
    };
    let stream = reader.get_ref();
    let timeout = opts.timeout.unwrap_or(DEFAULT_READ_TIMEOUT);
    stream.set_read_timeout(Some(timeout)).map_err(WgetError::Network)?;
    stream.set_write_timeout(Some(timeout)).map_err(WgetError::Network)?;
    let method = if opts.spider { "HEAD" } else { "GET" };
    let mut writer = stream;
    writer
        .write_all(http::request(method, url, &opts.user_agent, &opts.headers).as_bytes())
        .map_err(WgetError::Network)?;
    log.print("HTTP request sent, awaiting response... ");
    let head = http::read_head(&mut reader).inspect_err(|e| match e {
        WgetError::Network(io) => log.print(&format!("Read error ({}) in headers.\n", strerror(io))),
        other => log.print(&format!("{other}\n")),
    })?;
    if opts.server_response {
        log.print("\n");
        let mut lines = format!("  {}\n", head.status_line);
        for (name, value) in &head.headers {
            lines.push_str(&format!("  {name}: {value}\n"));
        }
        // `-S` output is not silenced by `-q` in GNU wget.
        eprint!("{lines}");
    } else {
        log.print(&format!("{} {}\n", head.code, head.reason));
    }
    Ok((Connection { host: url.host.clone(), port: url.port, reader }, head))
}

/// Resolves the host (logging `Resolving ...` for names) and connects to its addresses in order.
fn connect(url: &Url, opts: &Options, log: &Log) -> Result<TcpStream, WgetError> {
    let literal = url.host.parse::<IpAddr>().is_ok();
    if !literal {
        log.print(&format!("Resolving {0} ({0})... ", url.host));
    }
    let addresses = super::resolve::resolve(&url.host, opts.timeout).inspect_err(|e| {
        if let WgetError::Resolve { reason, .. } = e {
            log.print(&format!("failed: {reason}.\nwget: {e}\n"));
        }
    })?;
    if !literal {
        let list: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
        log.print(&format!("{}\n", list.join(", ")));
    }
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for ip in addresses {
        let addr = SocketAddr::new(ip, url.port);
        if literal {
            log.print(&format!("Connecting to {}... ", addr_text(&url.host, url.port)));
        } else {
            log.print(&format!("Connecting to {0} ({0})|{ip}|:{1}... ", url.host, url.port));
        }
        let attempt = match opts.timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                log.print("connected.\n");
                return Ok(stream);
            }
            Err(e) => {
                log.print(&format!("failed: {}.\n", strerror(&e)));
                last = e;
            }
        }
    }
    Err(WgetError::Connect(last))
}

/// `host:port` with IPv6 hosts bracketed, as in GNU's `Connecting to` line.
fn addr_text(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// The C library's text for an I/O error (`Connection refused`), as GNU prints it, without Rust's suffix.
pub fn strerror(e: &io::Error) -> String {
    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
        return "Connection timed out".to_owned();
    }
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
