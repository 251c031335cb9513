//! `wget`'s command line, read the way GNU wget's `getopt_long` reads it: short options may be bundled
//! (`-qO-`), long options take `=VALUE` or the next argument and may be abbreviated, options and URLs mix.

use std::path::PathBuf;
use std::time::Duration;

/// Where the body goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// GNU's default: a file named after the URL's last path segment (`index.html` for `/`).
    FromUrl,
    /// `-O -`: standard output.
    Stdout,
    /// `-O FILE`: this file, truncated once at start, all bodies appended.
    File(PathBuf),
}

/// Everything a run needs from the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `-q`: no log at all (the `-S` headers still print, as in GNU wget).
    pub quiet: bool,
    /// `-O`: where bodies go.
    pub output: Output,
    /// `-T`: limit on each DNS lookup, connect and read.
    pub timeout: Option<Duration>,
    /// `-S`: print each response's status line and headers to stderr.
    pub server_response: bool,
    /// `--spider`: only check that the URL exists (HEAD), never save.
    pub spider: bool,
    /// `-U`: the User-Agent header.
    pub user_agent: String,
    /// `--header`: extra request headers, as given.
    pub headers: Vec<String>,
    /// `-t`: attempts per URL for retryable failures (GNU default 20; 0 means unlimited).
    pub tries: u32,
    /// `--max-redirect`: redirects followed per URL (GNU default 20).
    pub max_redirect: u32,
    /// The URLs, in order.
    pub urls: Vec<String>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Download these URLs (boxed: the other variants are small).
    Run(Box<Options>),
    /// `--help`.
    Help,
    /// `--version`.
    Version,
    /// A usage error: print `wget: MESSAGE`, the usage hint, and exit with this status.
    Usage(String, i32),
    /// An option with a bad value: print `wget: MESSAGE` alone and exit 2, as GNU does.
    BadValue(String),
}

/// Short options that take a value.
const SHORT_WITH_VALUE: &str = "OTUt";
/// Long options: (name, takes a value).
const LONG: &[(&str, bool)] = &[
    ("quiet", false),
    ("output-document", true),
    ("timeout", true),
    ("server-response", false),
    ("spider", false),
    ("user-agent", true),
    ("header", true),
    ("tries", true),
    ("max-redirect", true),
    ("help", false),
    ("version", false),
];

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Command {
    let mut opts = Options {
        quiet: false,
        output: Output::FromUrl,
        timeout: None,
        server_response: false,
        spider: false,
        user_agent: format!("Wget/1.21.3 (dnsutils {})", env!("CARGO_PKG_VERSION")),
        headers: Vec::new(),
        tries: 20,
        max_redirect: 20,
        urls: Vec::new(),
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let step = if arg == "--" {
            opts.urls.extend(rest.by_ref().cloned());
            Ok(None)
        } else if let Some(long) = arg.strip_prefix("--") {
            parse_long(long, &mut rest).and_then(|(name, value)| apply(&mut opts, name, value))
        } else if arg.len() > 1 && arg.starts_with('-') {
            parse_short(&arg[1..], &mut rest, &mut opts)
        } else {
            opts.urls.push(arg.clone());
            Ok(None)
        };
        match step {
            Ok(None) => {}
            Ok(Some(command)) | Err(command) => return command,
        }
    }
    if opts.urls.is_empty() {
        return Command::Usage("missing URL".into(), 1);
    }
    Command::Run(Box::new(opts))
}

type Step = Result<Option<Command>, Command>;

fn parse_long<'a>(
    text: &str,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<(&'static str, Option<String>), Command> {
    let (name, inline) = match text.split_once('=') {
        Some((n, v)) => (n, Some(v.to_owned())),
        None => (text, None),
    };
    let matches: Vec<_> = LONG.iter().filter(|(long, _)| long.starts_with(name)).collect();
    let &(long, takes_value) = match matches.as_slice() {
        [one] => *one,
        _ => match LONG.iter().find(|(long, _)| *long == name) {
            Some(exact) => exact,
            None if matches.is_empty() => return Err(Command::Usage(format!("unrecognized option '--{text}'"), 2)),
            None => return Err(Command::Usage(format!("option '--{name}' is ambiguous"), 2)),
        },
    };
    match (takes_value, inline) {
        (false, Some(_)) => Err(Command::Usage(format!("option '--{long}' doesn't allow an argument"), 2)),
        (true, None) => match rest.next() {
            Some(v) => Ok((long, Some(v.clone()))),
            None => Err(Command::Usage(format!("option '--{long}' requires an argument"), 2)),
        },
        (_, value) => Ok((long, value)),
    }
}

fn parse_short<'a>(flags: &str, rest: &mut impl Iterator<Item = &'a String>, opts: &mut Options) -> Step {
    for (at, flag) in flags.char_indices() {
        let name = match flag {
            'q' => "quiet",
            'O' => "output-document",
            'T' => "timeout",
            'S' => "server-response",
            'U' => "user-agent",
            't' => "tries",
            'h' => "help",
            'V' => "version",
            other => return Err(Command::Usage(format!("invalid option -- '{other}'"), 2)),
        };
        if SHORT_WITH_VALUE.contains(flag) {
            let inline = &flags[at + flag.len_utf8()..];
            let value = if inline.is_empty() { rest.next().cloned() } else { Some(inline.to_owned()) };
            let Some(value) = value else {
                return Err(Command::Usage(format!("option requires an argument -- '{flag}'"), 2));
            };
            return apply(opts, name, Some(value));
        }
        if let Some(command) = apply(opts, name, None)? {
            return Ok(Some(command));
        }
    }
    Ok(None)
}

/// Applies one recognised option; `Ok(Some)` ends parsing (help/version), `Err` is a usage error.
fn apply(opts: &mut Options, name: &str, value: Option<String>) -> Step {
    let value = value.unwrap_or_default();
    match name {
        "quiet" => opts.quiet = true,
        "output-document" => opts.output = if value == "-" { Output::Stdout } else { Output::File(value.into()) },
        "timeout" => opts.timeout = Some(seconds("timeout", &value)?).filter(|d| !d.is_zero()),
        "server-response" => opts.server_response = true,
        "spider" => opts.spider = true,
        "user-agent" => opts.user_agent = value,
        "header" => opts.headers.push(value),
        "tries" => opts.tries = number("tries", &value)?,
        "max-redirect" => opts.max_redirect = number("max-redirect", &value)?,
        "help" => return Ok(Some(Command::Help)),
        _ => return Ok(Some(Command::Version)),
    }
    Ok(None)
}

/// A `-T` value: seconds, fractions allowed, as GNU's `cmd_time` accepts them.
fn seconds(option: &str, value: &str) -> Result<Duration, Command> {
    value.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()).ok_or_else(|| {
        Command::BadValue(format!("--{option}: Invalid time period {}", crate::tools::locale::quote(value)))
    })
}

/// A count such as `-t 3`; `inf` means unlimited (0), as in GNU.
fn number(option: &str, value: &str) -> Result<u32, Command> {
    if value.eq_ignore_ascii_case("inf") {
        return Ok(0);
    }
    value
        .trim()
        .parse()
        .map_err(|_| Command::BadValue(format!("--{option}: Invalid number {}.", crate::tools::locale::quote(value))))
}

#[cfg(test)]
mod tests {
    use super::{Command, Output, parse};
    use std::time::Duration;

    fn run(line: &str) -> super::Options {
        match parse(&line.split_whitespace().map(str::to_owned).collect::<Vec<_>>()) {
            Command::Run(o) => *o,
            other => panic!("{line}: {other:?}"),
        }
    }

    /// The lab's command line: quiet, body to stdout, one URL.
    #[test]
    fn parses_lab_command() {
        let o = run("-q -O- clusterip-service/host");
        assert!(o.quiet);
        assert_eq!(o.output, Output::Stdout);
        assert_eq!(o.urls, ["clusterip-service/host"]);
    }

    /// Bundled short options, attached values and abbreviated long options all work.
    #[test]
    fn parses_bundles_and_long_forms() {
        let o = run("-qSO out.txt --spid -T1.5 --header=X-A:b --user-agent u --tries=3 u1 u2");
        assert!(o.quiet && o.server_response && o.spider);
        assert_eq!(o.output, Output::File("out.txt".into()));
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert_eq!((o.headers.as_slice(), o.user_agent.as_str(), o.tries), (&["X-A:b".to_owned()][..], "u", 3));
        assert_eq!(o.urls, ["u1", "u2"]);
    }

    /// Usage errors carry GNU's message and status: 1 for a missing URL, 2 for a bad option or value.
    #[test]
    fn reports_usage_errors() {
        let p = |s: &str| parse(&s.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(p(""), Command::Usage("missing URL".into(), 1));
        assert_eq!(p("-Z x"), Command::Usage("invalid option -- 'Z'".into(), 2));
        assert_eq!(p("--bogus x"), Command::Usage("unrecognized option '--bogus'".into(), 2));
        assert_eq!(p("x -O"), Command::Usage("option requires an argument -- 'O'".into(), 2));
        assert_eq!(p("x --help"), Command::Help);
        assert!(matches!(p("-T x u"), Command::BadValue(m) if m.starts_with("--timeout: Invalid time period")));
    }
}
