//! Bad configuration fails at start with one clear line and exit code 64.

mod support;

use support::run_to_exit_with_env;

fn assert_config_error(env: &[(&str, &str)], must_contain: &[&str]) -> String {
    let finished = run_to_exit_with_env(env);
    let (status, stdout, stderr) = (finished.status, finished.stdout, finished.stderr);
    assert_eq!(status.code(), Some(64), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "exactly one line expected: {stderr:?}");
    for needle in must_contain {
        assert!(stderr.contains(needle), "{needle:?} missing from {stderr:?}");
    }
    stderr
}

/// DB_PORT=abc names the variable and the value.
#[test]
fn non_numeric_db_port() {
    assert_config_error(&[("DB_PORT", "abc")], &["DB_PORT", "\"abc\""]);
}

/// A port out of range is refused.
#[test]
fn out_of_range_db_port() {
    assert_config_error(&[("DB_PORT", "70000")], &["DB_PORT", "70000"]);
}

/// Pool size, timeout, listen address and log format are all checked.
#[test]
fn other_bad_settings() {
    assert_config_error(&[("DB_POOL_SIZE", "0")], &["DB_POOL_SIZE"]);
    assert_config_error(&[("DB_TIMEOUT", "forever")], &["DB_TIMEOUT", "forever"]);
    assert_config_error(&[("LISTEN_ADDR", "8080")], &["LISTEN_ADDR", "8080"]);
    assert_config_error(&[("LOG_FORMAT", "xml")], &["LOG_FORMAT", "xml"]);
    assert_config_error(&[("DB_SSLMODE", "verify-full")], &["DB_SSLMODE", "verify-full"]);
    assert_config_error(&[("SHUTDOWN_DELAY", "soon")], &["SHUTDOWN_DELAY", "soon"]);
    assert_config_error(&[("SHUTDOWN_GRACE", "0s")], &["SHUTDOWN_GRACE", "0s"]);
    assert_config_error(&[("RUST_LOG", "info,=[")], &["RUST_LOG"]);
}

/// A malformed DATABASE_URL is reported without echoing its password.
#[test]
fn bad_database_url_hides_password() {
    let stderr = assert_config_error(&[("DATABASE_URL", "postgres://u:s3cr3t-pw@h:port/db")], &["DATABASE_URL"]);
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
}

/// An unknown flag is a configuration error too, in one line.
#[test]
fn unknown_flag() {
    let finished = support::run_to_exit_with_args(&["--no-such-flag"]);
    let (status, stderr) = (finished.status, finished.stderr);
    assert_eq!(status.code(), Some(64));
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}
