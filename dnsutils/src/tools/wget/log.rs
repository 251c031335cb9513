//! The progress log GNU wget writes to stderr (silenced by `-q`), and the pure formatters behind it:
//! timestamps, transfer rates and the `Length:` line. The dot display is in `progress`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Writes log lines to stderr unless quiet.
pub struct Log {
    quiet: bool,
}

impl Log {
    /// A log that prints nothing when `quiet` (`-q`).
    pub fn new(quiet: bool) -> Log {
        Log { quiet }
    }

    /// Prints `text` as is (callers include newlines, as GNU's messages are built from pieces).
    pub fn print(&self, text: &str) {
        if !self.quiet {
            eprint!("{text}");
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (pods run in UTC; GNU prints local time).
pub fn timestamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86400, secs % 86400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (era * 400 + yoe + i64::from(m <= 2), m, d)
}

/// GNU's rate text, e.g. `13.7 MB/s` or `133 KB/s`.
pub fn rate(bytes: u64, elapsed: Duration) -> String {
    let (value, unit, decimals) = scaled_rate(bytes, elapsed);
    format!("{value:.decimals$} {}", ["B/s", "KB/s", "MB/s", "GB/s"][unit])
}

/// A rate scaled as GNU wget scales it everywhere: (value, unit 0-3 for B/K/M/G in steps of 1024,
/// decimals 0-2 so that about three significant digits show).
pub fn scaled_rate(bytes: u64, elapsed: Duration) -> (f64, usize, usize) {
    let mut value = bytes as f64 / elapsed.as_secs_f64().max(1e-6);
    let mut unit = 0;
    while value >= 1024.0 && unit < 3 {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = if value >= 99.95 {
        0
    } else if value >= 9.995 {
        1
    } else {
        2
    };
    (value, unit, decimals)
}

/// The `Length:` line: size (with a 1024-based abbreviation from 1K up) or `unspecified`, and the type.
pub fn length_line(length: Option<u64>, content_type: Option<&str>) -> String {
    let size = match length {
        None => "unspecified".to_owned(),
        Some(n) if n < 1024 => n.to_string(),
        Some(n) => format!("{n} ({})", human_size(n)),
    };
    match content_type {
        Some(t) => format!("Length: {size} [{t}]\n"),
        None => format!("Length: {size}\n"),
    }
}

/// A byte count as GNU's `human_readable` shows it: `35`, `1.5K`, `120K`, `2.0M` (1024-based, one
/// decimal below 10).
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return bytes.to_string();
    }
    let (mut value, mut unit) = (bytes as f64, 0);
    while value >= 1024.0 && unit < 4 {
        value /= 1024.0;
        unit += 1;
    }
    let suffix = ["", "K", "M", "G", "T"][unit];
    if value >= 10.0 { format!("{value:.0}{suffix}") } else { format!("{value:.1}{suffix}") }
}

/// A duration as GNU prints download and wall-clock times: `0s`, `0.007s`, `1.5s`, `2m 5s`, `1h 2m 3s`.
pub fn duration_text(time: Duration) -> String {
    let secs = time.as_secs();
    if secs >= 3600 {
        return format!("{}h {}m {}s", secs / 3600, secs % 3600 / 60, secs % 60);
    }
    if secs >= 60 {
        return format!("{}m {}s", secs / 60, secs % 60);
    }
    let text = format!("{:.3}", time.as_secs_f64());
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::{duration_text, length_line, rate, timestamp};
    use std::time::{Duration, UNIX_EPOCH};

    /// Timestamps use GNU's layout; checked on a known instant.
    #[test]
    fn formats_timestamp() {
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(1_795_689_900)), "2026-11-26 10:45:00");
    }

    /// Rates pick the unit and precision GNU does.
    #[test]
    fn formats_rate() {
        assert_eq!(rate(38, Duration::from_millis(1000)), "38.0 B/s");
        assert_eq!(rate(136_192, Duration::from_secs(1)), "133 KB/s");
        assert_eq!(rate(14_365_491, Duration::from_secs(1)), "13.7 MB/s");
    }

    /// Length lines abbreviate from 1 KiB up and say `unspecified` without a length.
    #[test]
    fn formats_length() {
        assert_eq!(length_line(Some(38), Some("text/plain")), "Length: 38 [text/plain]\n");
        assert_eq!(length_line(Some(2048), Some("text/html")), "Length: 2048 (2.0K) [text/html]\n");
        assert_eq!(length_line(None, None), "Length: unspecified\n");
    }

    /// Durations drop trailing zeros under a minute and switch to minutes and hours above.
    #[test]
    fn formats_durations() {
        assert_eq!(duration_text(Duration::from_micros(400)), "0s");
        assert_eq!(duration_text(Duration::from_millis(7)), "0.007s");
        assert_eq!(duration_text(Duration::from_secs(125)), "2m 5s");
    }
}
