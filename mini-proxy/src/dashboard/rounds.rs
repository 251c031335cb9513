//! The rolling window: every round of scrapes is kept until a newer round is itself a whole window old,
//! so the figures always come from one pair of scrapes per proxy, the one at the window's start and the
//! newest, exactly what `stat` takes over its window. The window slides by one interval per round.
//!
//! A proxy missing from the start round (found later, or unreachable then) is paired with the oldest
//! round that has it, counted over the whole window's seconds; a proxy seen only in the newest round has
//! no pair yet and is left out until the next one.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::stat::exposition::Sample;
use crate::stat::window::PodWindow;

/// The most rounds ever kept, whatever the window and interval (the flags allow no more than this).
pub const MAX_ROUNDS: usize = 600;

/// One round: when it started and each reachable proxy's samples, by admin address.
#[derive(Debug)]
struct Round {
    at: Instant,
    pages: HashMap<String, Vec<Sample>>,
}

/// The rounds a window spans.
#[derive(Debug)]
pub struct Rounds {
    window: Duration,
    kept: VecDeque<Round>,
}

/// Each proxy's pair of scrapes and the seconds between the window's first and last rounds.
#[derive(Debug)]
pub struct Windows {
    /// By admin address.
    pub pods: HashMap<String, PodWindow>,
    /// The window's length as measured.
    pub seconds: f64,
}

impl Rounds {
    /// No rounds yet; windows of `window`.
    pub fn new(window: Duration) -> Rounds {
        Rounds { window, kept: VecDeque::new() }
    }

    /// Adds the round started at `at`, and forgets rounds the window no longer needs.
    pub fn push(&mut self, at: Instant, pages: HashMap<String, Vec<Sample>>) {
        self.kept.push_back(Round { at, pages });
        // The second-oldest round is old enough to start the window: the oldest is not needed.
        while self.kept.len() > 2 && at.saturating_duration_since(self.kept[1].at) >= self.window {
            self.kept.pop_front();
        }
        while self.kept.len() > MAX_ROUNDS {
            self.kept.pop_front();
        }
    }

    /// How many rounds are kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no round has been pushed.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The pairs across the window; `None` until there are two rounds.
    pub fn windows(&self) -> Option<Windows> {
        let (first, last) = (self.kept.front()?, self.kept.back()?);
        if self.kept.len() < 2 {
            return None;
        }
        let earlier = ..self.kept.len() - 1;
        let pods = last
            .pages
            .iter()
            .filter_map(|(addr, after)| {
                let before = self.kept.range(earlier).find_map(|round| round.pages.get(addr))?;
                Some((addr.clone(), PodWindow { before: before.clone(), after: after.clone() }))
            })
            .collect();
        Some(Windows { pods, seconds: last.at.duration_since(first.at).as_secs_f64() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::exposition::parse;

    fn page(count: u32) -> Vec<Sample> {
        parse(&format!("response_total{{direction=\"inbound\",classification=\"success\"}} {count}\n")).expect("valid")
    }

    fn pages(entries: &[(&str, u32)]) -> HashMap<String, Vec<Sample>> {
        entries.iter().map(|(addr, count)| (addr.to_string(), page(*count))).collect()
    }

    fn counts(window: &PodWindow) -> (f64, f64) {
        (window.before[0].value, window.after[0].value)
    }

    /// Until the window is full the pair spans every round; then it slides, one interval per round, and
    /// old rounds are forgotten.
    #[test]
    fn the_window_slides() {
        let start = Instant::now();
        let second = |n: u64| start + Duration::from_secs(n);
        let mut rounds = Rounds::new(Duration::from_secs(4));
        rounds.push(second(0), pages(&[("a", 0)]));
        assert!(rounds.windows().is_none(), "one round is no window");
        for n in 1..=3 {
            rounds.push(second(2 * n), pages(&[("a", 10 * n as u32)]));
        }
        // Rounds at 0, 2, 4, 6 s: the window starts at 2 s, the newest round at least 4 s before 6 s.
        let windows = rounds.windows().expect("a window");
        assert_eq!(windows.seconds, 4.0);
        assert_eq!(counts(&windows.pods["a"]), (10.0, 30.0));
        assert_eq!(rounds.len(), 3);
        for n in 4..100 {
            rounds.push(second(2 * n), pages(&[("a", 10 * n as u32)]));
        }
        assert_eq!(rounds.len(), 3, "bounded by the window");
        assert_eq!(rounds.windows().expect("a window").seconds, 4.0);
    }

    /// A proxy missing from the first round pairs with the first round that has it; one seen only now
    /// waits for its next round.
    #[test]
    fn late_proxies() {
        let start = Instant::now();
        let mut rounds = Rounds::new(Duration::from_secs(60));
        rounds.push(start, pages(&[("a", 1)]));
        rounds.push(start + Duration::from_secs(2), pages(&[("a", 2), ("b", 5)]));
        rounds.push(start + Duration::from_secs(4), pages(&[("a", 3), ("b", 7), ("c", 9)]));
        let windows = rounds.windows().expect("a window");
        assert_eq!(windows.seconds, 4.0);
        assert_eq!(counts(&windows.pods["a"]), (1.0, 3.0));
        assert_eq!(counts(&windows.pods["b"]), (5.0, 7.0));
        assert!(!windows.pods.contains_key("c"));
    }

    /// However short the interval against the window, no more than [`MAX_ROUNDS`] are kept.
    #[test]
    fn bounded_in_count() {
        let start = Instant::now();
        let mut rounds = Rounds::new(Duration::from_secs(3600));
        for n in 0..(MAX_ROUNDS as u64 + 50) {
            rounds.push(start + Duration::from_millis(n), pages(&[("a", n as u32)]));
        }
        assert_eq!(rounds.len(), MAX_ROUNDS);
    }
}
