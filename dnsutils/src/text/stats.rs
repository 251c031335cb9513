//! dig's statistics footer: query time, server and transport, date, reply size.
//!
//! The date is printed in UTC (what the lab's containers run in), formatted like dig's
//! `strftime("%a %b %d %H:%M:%S %Z %Y")` without pulling in a time-zone library.

use std::time::SystemTime;

use crate::net::event::{Protocol, Received};
use crate::text::notice::server_text;

/// The statistics footer and its trailing blank line.
pub fn stats(received: &Received, label: &str) -> String {
    footer(received, label, &format!(";; MSG SIZE  rcvd: {}", received.reply.bytes.len()))
}

/// The footer of a zone transfer: its size in records, messages and bytes instead of MSG SIZE.
pub fn transfer_stats(last: &Received, label: &str, records: usize, messages: usize, bytes: usize) -> String {
    footer(last, label, &format!(";; XFR size: {records} records (messages {messages}, bytes {bytes})"))
}

fn footer(received: &Received, label: &str, size_line: &str) -> String {
    let protocol = match received.protocol {
        Protocol::Udp => "UDP",
        Protocol::Tcp => "TCP",
    };
    format!(
        ";; Query time: {} msec\n;; SERVER: {}({label}) ({protocol})\n;; WHEN: {}\n{size_line}\n\n",
        received.elapsed.as_millis(),
        server_text(received.server),
        when(SystemTime::now()),
    )
}

/// `%a %b %d %H:%M:%S %Z %Y` in UTC (the time zone of the lab's containers).
fn when(now: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let seconds = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = seconds / 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    let rest = seconds % 86_400;
    format!(
        "{} {} {day:02} {:02}:{:02}:{:02} UTC {year}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Dates print like dig's strftime format.
    #[test]
    fn when_matches_strftime() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_689_520);
        assert_eq!(when(at), "Thu Nov 26 10:38:40 UTC 2026");
    }
}
