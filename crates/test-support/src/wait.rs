//! Bounded waits for a state a test can observe, instead of a sleep that guesses how long it takes.
//!
//! Each polls every 10 ms and fails the test with the thing it waited for once its limit passes, so a
//! test neither hangs nor passes on timing luck.

use std::time::{Duration, Instant};

/// How often conditions are checked.
const POLL: Duration = Duration::from_millis(10);

/// Waits until `condition` holds, failing the test after `limit` with "timed out after .. waiting for `what`".
pub fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    wait_for(limit, what, || condition().then_some(()));
}

/// Waits until `probe` returns a value and returns it, failing the test after `limit`.
pub fn wait_for<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A condition that becomes true ends the wait with the probe's value.
    #[test]
    fn returns_once_the_probe_answers() {
        let mut calls = 0;
        let value = wait_for(Duration::from_secs(5), "the third call", || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        assert_eq!(value, 3);
    }

    /// A condition that never holds fails the test, naming what it waited for.
    #[test]
    #[should_panic(expected = "waiting for a thing that never happens")]
    fn fails_after_the_limit() {
        wait_until(Duration::from_millis(50), "a thing that never happens", || false);
    }
}
