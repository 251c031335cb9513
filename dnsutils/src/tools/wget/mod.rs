//! `wget`: the GNU wget subset the lab uses (`wget -q -O- clusterip-service/host`), as a one-shot blocking
//! HTTP/1.1 client with GNU's options, stderr log, redirects, retries and exit statuses.
//!
//! Layout: `options` reads the command line, `url` parses URLs, `resolve` turns names into addresses through
//! /etc/resolv.conf's search walk, `http` is the wire format, `fetch` drives one URL (connect or reuse,
//! retry, redirect, save), `log` formats GNU's log lines, `progress` draws its dot display, `error` maps
//! failures to exit statuses.
//!
//! Not supported: https (no TLS: reported as an unsupported scheme, exit 1, like a GNU wget built without
//! TLS), recursion, FTP, cookies and resuming.

mod error;
mod fetch;
mod http;
mod log;
mod options;
mod progress;
mod resolve;
mod url;

use std::ffi::OsString;
use std::fs::File;
use std::time::{Instant, SystemTime};

use error::combine;
use options::{Command, Output};

/// The usage hint GNU wget prints after a command-line error.
const TRY_HELP: &str = "Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.";

/// The `--help` text: the options this wget understands.
const HELP: &str = "GNU Wget 1.21.3 compatible subset (dnsutils), a non-interactive network retriever.
Usage: wget [OPTION]... [URL]...

  -h,  --help                      print this help
  -V,  --version                   display the version of Wget and exit
  -q,  --quiet                     quiet (no output)
  -O,  --output-document=FILE      write documents to FILE ('-' for standard output)
  -t,  --tries=NUMBER              set number of retries to NUMBER (0 unlimits)
  -T,  --timeout=SECONDS           set all timeout values to SECONDS
  -S,  --server-response           print server response
       --spider                    don't download anything
  -U,  --user-agent=AGENT          identify as AGENT instead of Wget/VERSION
       --header=STRING             insert STRING among the headers
       --max-redirect              maximum redirections allowed per page
";

/// Runs `wget` with `args` (the arguments after the program name) and returns GNU wget's exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    match options::parse(&args) {
        Command::Help => {
            print!("{HELP}");
            0
        }
        Command::Version => {
            println!("GNU Wget 1.21.3 compatible (dnsutils {}), http only.", env!("CARGO_PKG_VERSION"));
            0
        }
        Command::Usage(message, code) => {
            eprintln!("wget: {message}\n{TRY_HELP}");
            code
        }
        Command::BadValue(message) => {
            eprintln!("wget: {message}");
            2
        }
        Command::Run(opts) => run(&opts),
    }
}

/// Downloads every URL in order and combines their statuses as GNU does.
fn run(opts: &options::Options) -> i32 {
    let log = log::Log::new(opts.quiet);
    // GNU opens `-O FILE` once, before any download, and gives up at once if it cannot.
    let mut file = match &opts.output {
        Output::File(path) => match File::create(path) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("{}: {}", path.display(), fetch::strerror(&e));
                return 1;
            }
        },
        _ => None,
    };
    let started = Instant::now();
    let (mut status, mut files, mut total) = (0, 0, fetch::Saved::default());
    let mut kept = None;
    for text in &opts.urls {
        if opts.spider {
            log.print(fetch::SPIDER_MODE);
        }
        let result = url::Url::parse(text).and_then(|u| fetch::fetch(&u, opts, &log, file.as_mut(), &mut kept));
        let code = match result {
            Ok(saved) => {
                files += 1;
                total.bytes += saved.bytes;
                total.took += saved.took;
                0
            }
            Err(e) => {
                // Like GNU, even a bad URL is silent under `-q`; only the status tells.
                if let error::WgetError::Url { .. } = e {
                    log.print(&format!("{e}\n"));
                }
                e.exit_code()
            }
        };
        status = combine(status, code);
    }
    if opts.urls.len() > 1 && total.bytes > 0 {
        log.print(&format!(
            "FINISHED --{}--\nTotal wall clock time: {}\nDownloaded: {files} files, {} in {} ({})\n",
            log::timestamp(SystemTime::now()),
            log::duration_text(started.elapsed()),
            log::human_size(total.bytes),
            log::duration_text(total.took),
            log::rate(total.bytes, total.took),
        ));
    }
    status
}
