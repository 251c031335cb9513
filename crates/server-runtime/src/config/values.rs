//! Parsers for the kinds of value every binary's settings hold: durations, addresses, ports, counts and
//! switches. Each takes the setting's name so its error can say which setting was wrong.
//!
//! Settings arrive as strings (clap reads them from flags or the environment) and are parsed here rather
//! than by clap's own value parsers, so that every bad value gives the same one-line message and exit code.

use std::net::SocketAddr;
use std::time::Duration;

use super::error::ConfigError;

/// The longest duration any setting accepts: a day. Longer is almost certainly a unit mistake.
const LONGEST: Duration = Duration::from_secs(86_400);

/// Parses `1.5`, `250ms`, `2s`, `1m` or `24h` (a bare number is seconds); zero and negative are refused.
pub fn duration(setting: &'static str, value: &str) -> Result<Duration, ConfigError> {
    parse_duration(value)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| ConfigError::invalid(setting, value, "expected a duration such as 2s, 500ms or 1m"))
}

/// Like [`duration`], but `0` (or `0s`) is allowed and means "none": for delays that are off by default.
pub fn duration_or_zero(setting: &'static str, value: &str) -> Result<Duration, ConfigError> {
    parse_duration(value)
        .ok_or_else(|| ConfigError::invalid(setting, value, "expected a duration such as 0s, 5s or 500ms"))
}

fn parse_duration(value: &str) -> Option<Duration> {
    let v = value.trim();
    let (number, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = v.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (v, 1.0)
    };
    let seconds: f64 = number.trim().parse().ok()?;
    let seconds = seconds * scale;
    (seconds.is_finite() && seconds >= 0.0 && seconds <= LONGEST.as_secs_f64())
        .then(|| Duration::from_secs_f64(seconds))
}

/// Parses `IP:PORT` (port 0 lets the kernel choose, which tests use).
pub fn socket_addr(setting: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::invalid(setting, value, "expected IP:PORT, for example 0.0.0.0:8080"))
}

/// Parses a TCP or UDP port a client connects to: 1..=65535.
pub fn port(setting: &'static str, value: &str) -> Result<u16, ConfigError> {
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(ConfigError::invalid(setting, value, "expected a TCP port number between 1 and 65535")),
    }
}

/// Parses a whole number of at least 1 (pool sizes, connection caps).
pub fn count(setting: &'static str, value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError::invalid(setting, value, "expected a whole number of at least 1")),
    }
}

/// Parses the switch spellings people write in manifests: true/false, 1/0, yes/no, on/off (empty is false).
pub fn switch(setting: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(ConfigError::invalid(setting, value, "expected true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Durations accept the suffixes people write in manifests, and refuse zero, words and huge values.
    #[test]
    fn durations_parse_with_units() {
        assert_eq!(duration("X", "250ms").ok(), Some(Duration::from_millis(250)));
        assert_eq!(duration("X", "2s").ok(), Some(Duration::from_secs(2)));
        assert_eq!(duration("X", "1.5").ok(), Some(Duration::from_millis(1500)));
        assert_eq!(duration("X", "1m").ok(), Some(Duration::from_secs(60)));
        assert_eq!(duration("X", "24h").ok(), Some(Duration::from_secs(86_400)));
        assert!(duration("X", "0s").is_err());
        assert!(duration("X", "soon").is_err());
        assert!(duration("X", "-1s").is_err());
        assert!(duration("X", "2d").is_err());
        assert!(duration("X", "90000").is_err());
        assert!(duration("X", "25h").is_err());
    }

    /// A delay may be zero, which turns it off.
    #[test]
    fn zero_is_a_valid_delay() {
        assert_eq!(duration_or_zero("SHUTDOWN_DELAY", "0").ok(), Some(Duration::ZERO));
        assert_eq!(duration_or_zero("SHUTDOWN_DELAY", "5s").ok(), Some(Duration::from_secs(5)));
        let e = duration_or_zero("SHUTDOWN_DELAY", "later").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("invalid SHUTDOWN_DELAY \"later\": expected a duration such as 0s, 5s or 500ms"));
    }

    /// Addresses need a port; bare ports and names are refused with the setting named.
    #[test]
    fn socket_addresses() {
        assert!(socket_addr("LISTEN_ADDR", "0.0.0.0:8080").is_ok());
        assert!(socket_addr("LISTEN_ADDR", "[::]:8080").is_ok());
        let e = socket_addr("LISTEN_ADDR", "8080").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("invalid LISTEN_ADDR \"8080\": expected IP:PORT, for example 0.0.0.0:8080"));
    }

    /// Ports are 1..=65535; counts at least 1; switches take the common spellings.
    #[test]
    fn ports_counts_and_switches() {
        assert_eq!(port("DB_PORT", "5432").ok(), Some(5432));
        assert!(port("DB_PORT", "0").is_err());
        assert!(port("DB_PORT", "70000").is_err());
        assert_eq!(count("N", "4").ok(), Some(4));
        assert!(count("N", "0").is_err());
        assert_eq!(switch("S", "Yes").ok(), Some(true));
        assert_eq!(switch("S", "").ok(), Some(false));
        assert!(switch("S", "maybe").is_err());
    }
}
