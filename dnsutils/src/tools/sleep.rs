//! `sleep`: GNU coreutils' `sleep`, because the lab's pod spec runs `sleep 3600` as its command.
//!
//! Arguments are `NUMBER[SUFFIX]...` (suffix `s`, `m`, `h` or `d`), summed; numbers are C `strtod` numbers
//! (fractions, exponents, hex, `inf`/`infinity`), never negative or NaN. Errors, options and messages match
//! coreutils 9.1, including its locale-dependent quotes around a bad interval.
//!
//! Signals: as PID 1 (the container's command) the kernel delivers no signal whose action is the default,
//! so a plain sleep would ignore `kubectl delete`'s SIGTERM and wait out the 30 s grace period. As PID 1 only,
//! we therefore handle SIGTERM, SIGINT and SIGHUP by exiting with 128 + the signal number, the status a shell
//! reports for a process killed by that signal. Anywhere else the default actions stay, exactly like GNU.

use std::ffi::OsString;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The `--help` text of coreutils 9.1's `sleep`.
const HELP: &str = "Usage: sleep NUMBER[SUFFIX]...
  or:  sleep OPTION
Pause for NUMBER seconds.  SUFFIX may be 's' for seconds (the default),
'm' for minutes, 'h' for hours or 'd' for days.  NUMBER need not be an
integer.  Given two or more arguments, pause for the amount of time
specified by the sum of their values.

      --help        display this help and exit
      --version     output version information and exit
";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Request {
    /// Pause for this many seconds (possibly infinite).
    Sleep(f64),
    /// Print the help text and exit 0.
    Help,
    /// Print the version and exit 0.
    Version,
    /// Print these error lines, then the `Try` hint, and exit 1.
    Usage(Vec<String>),
}

/// Runs `sleep` with `args` (the arguments after the program name) and returns its exit code.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    match parse(&args, crate::tools::locale::quotes()) {
        Request::Help => {
            print!("{HELP}");
            0
        }
        Request::Version => {
            println!("sleep (dnsutils) {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Request::Usage(errors) => {
            for error in errors {
                eprintln!("sleep: {error}");
            }
            eprintln!("Try 'sleep --help' for more information.");
            1
        }
        Request::Sleep(seconds) => {
            if std::process::id() == 1 {
                exit_on_termination_signals();
            }
            pause(seconds);
            0
        }
    }
}

/// Reads the command line the way GNU `getopt_long` does (options anywhere, `--` ends them, unique prefixes of
/// long options) and then the operands; `quotes` go around a bad operand (see [`crate::tools::locale::quotes`]).
pub fn parse(args: &[String], quotes: (char, char)) -> Request {
    let mut operands = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            operands.extend(rest.by_ref());
        } else if let Some(long) = arg.strip_prefix("--") {
            if !long.is_empty() && "help".starts_with(long) {
                return Request::Help;
            } else if !long.is_empty() && "version".starts_with(long) {
                return Request::Version;
            }
            return Request::Usage(vec![format!("unrecognized option '{arg}'")]);
        } else if let Some(short) = arg.strip_prefix('-').and_then(|s| s.chars().next()) {
            return Request::Usage(vec![format!("invalid option -- '{short}'")]);
        } else {
            operands.push(arg);
        }
    }
    if operands.is_empty() {
        return Request::Usage(vec!["missing operand".to_owned()]);
    }
    let (open, close) = quotes;
    let mut total = 0.0;
    let mut errors = Vec::new();
    for operand in operands {
        match interval(operand) {
            Some(seconds) => total += seconds,
            None => errors.push(format!("invalid time interval {open}{operand}{close}")),
        }
    }
    if errors.is_empty() { Request::Sleep(total) } else { Request::Usage(errors) }
}

/// Seconds in one `NUMBER[SUFFIX]` operand, or `None` if GNU `sleep` would reject it.
pub fn interval(operand: &str) -> Option<f64> {
    let text = operand.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    // strtod is greedy, so the whole text wins over number + suffix (`0x1d` is 29 seconds, not 1 day).
    let seconds = c_number(text).or_else(|| {
        let (at, suffix) = text.char_indices().last()?;
        let scale = match suffix {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            _ => return None,
        };
        Some(c_number(&text[..at])? * scale)
    })?;
    (seconds >= 0.0).then_some(seconds)
}

/// A whole string as C `strtod` reads it: decimal or hex floating point, `inf`/`infinity`, with a sign.
fn c_number(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        hex_number(hex)?
    } else if unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || ["inf", "infinity"].contains(&unsigned.to_ascii_lowercase().as_str())
    {
        unsigned.parse::<f64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

/// A hex floating-point number after its `0x`: hex digits, an optional fraction, an optional `p` exponent.
fn hex_number(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.split_once(['p', 'P']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0.0f64;
    for (i, c) in whole.chars().chain(fraction.chars()).enumerate() {
        let digit = f64::from(c.to_digit(16)?);
        value = if i < whole.len() {
            value * 16.0 + digit
        } else {
            value + digit * 16f64.powi(-((i - whole.len() + 1) as i32))
        };
    }
    Some(value * 2f64.powi(exponent))
}

/// Sleeps for `seconds`; forever if the sum is infinite or too large for a `Duration`.
fn pause(seconds: f64) {
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) => std::thread::sleep(duration),
        Err(_) => loop {
            std::thread::sleep(Duration::from_secs(u64::from(u32::MAX)));
        },
    }
}

/// As PID 1, exits with 128 + signal on SIGTERM/SIGINT/SIGHUP (see the module docs for why only then).
fn exit_on_termination_signals() {
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    std::process::exit(128 + signal);
                }
            });
        }
        Err(e) => {
            eprintln!("sleep: cannot handle SIGTERM ({e}); the container will need SIGKILL to stop")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Request, interval, parse};

    const PLAIN: (char, char) = ('\'', '\'');
    const CURLY: (char, char) = ('‘', '’');

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    /// Operands with suffixes are converted to seconds and summed.
    #[test]
    fn sums_suffixed_operands() {
        assert_eq!(parse(&args("1 2m 0.5h 1d 3s"), PLAIN), Request::Sleep(1.0 + 120.0 + 1800.0 + 86400.0 + 3.0));
    }

    /// strtod forms GNU accepts: fractions, exponents, hex, signs, leading blanks, infinity.
    #[test]
    fn accepts_c_numbers() {
        assert_eq!(interval(".5"), Some(0.5));
        assert_eq!(interval("1."), Some(1.0));
        assert_eq!(interval("1e-3"), Some(0.001));
        assert_eq!(interval("0x0.8"), Some(0.5));
        assert_eq!(interval("0x10s"), Some(16.0));
        assert_eq!(interval("0x1d"), Some(29.0));
        assert_eq!(interval("+2m"), Some(120.0));
        assert_eq!(interval(" 3"), Some(3.0));
        assert_eq!(interval("infinity"), Some(f64::INFINITY));
        assert_eq!(interval("INFd"), Some(f64::INFINITY));
        assert_eq!(interval("1e400"), Some(f64::INFINITY));
    }

    /// Forms GNU rejects: units it lacks, NaN, negatives, commas, trailing blanks, empty strings.
    #[test]
    fn rejects_what_gnu_rejects() {
        for bad in ["x", "1ms", "nan", " -1", "0,5", "1 ", "", "s", "1e", "0x"] {
            assert_eq!(interval(bad), None, "{bad:?}");
        }
    }

    /// Every bad operand is reported, with quotes that follow the locale.
    #[test]
    fn reports_each_bad_operand() {
        assert_eq!(
            parse(&args("1 x y"), PLAIN),
            Request::Usage(vec!["invalid time interval 'x'".into(), "invalid time interval 'y'".into()])
        );
        assert_eq!(parse(&args("x"), CURLY), Request::Usage(vec!["invalid time interval ‘x’".into()]));
    }

    /// Options are found anywhere, abbreviated long options work, and a dash-number is an option.
    #[test]
    fn parses_options_like_getopt() {
        assert_eq!(parse(&args("1 --he"), PLAIN), Request::Help);
        assert_eq!(parse(&args("--v"), PLAIN), Request::Version);
        assert_eq!(parse(&args("-1"), PLAIN), Request::Usage(vec!["invalid option -- '1'".into()]));
        assert_eq!(parse(&args("--foo"), PLAIN), Request::Usage(vec!["unrecognized option '--foo'".into()]));
        assert_eq!(parse(&args("-- 0"), PLAIN), Request::Sleep(0.0));
        assert_eq!(parse(&[], PLAIN), Request::Usage(vec!["missing operand".into()]));
    }
}
