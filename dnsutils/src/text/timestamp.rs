//! Wall-clock times as dig prints them, in UTC (what the lab's containers run in), without a time-zone
//! library: the statistics footer's `strftime("%a %b %d %H:%M:%S %Z %Y")` and YAML's ISO 8601 timestamps
//! with milliseconds (`isc_time_formatISO8601ms`).

use std::time::SystemTime;

/// Seconds and milliseconds since the epoch (0 for a time before it).
fn since_epoch(at: SystemTime) -> (u64, u32) {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or((0, 0), |d| (d.as_secs(), d.subsec_millis()))
}

/// `%a %b %d %H:%M:%S %Z %Y` in UTC.
pub fn when(at: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (seconds, _) = since_epoch(at);
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

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso8601_ms(at: SystemTime) -> String {
    let (seconds, millis) = since_epoch(at);
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let rest = seconds % 86_400;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
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

    /// YAML timestamps carry milliseconds and a Z, leap days included.
    #[test]
    fn iso8601_with_milliseconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_689_520_042);
        assert_eq!(iso8601_ms(at), "2026-11-26T10:38:40.042Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601_ms(leap), "2000-02-29T00:00:00.000Z");
    }
}
