//! When gratuitous ARP / unsolicited NA go out, MetalLB's `spamLoop` timetable: the first time an
//! address is (re)confirmed it is announced at once; then every 1.1 s (so the second lands after a Linux
//! neighbour's 1 s `locktime`) until 5 s after the last confirmation: at 0, 1.1, 2.2, 3.3 and 4.4 s for
//! one takeover. Every confirmation (each reconcile that keeps the address) pushes the end out again
//! without sending a burst. With a refresh period (off by default, MetalLB #1761) the address is
//! announced again every period after that, for as long as it is owned.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

/// Between rounds (MetalLB issue #172).
pub const ROUND_INTERVAL: Duration = Duration::from_millis(1100);
/// How long after the last confirmation rounds go on.
pub const WINDOW: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    next: Instant,
    until: Instant,
}

/// The addresses with rounds still to send.
#[derive(Clone, Debug, Default)]
pub struct GratuitousSchedule {
    entries: BTreeMap<IpAddr, Entry>,
    refresh: Option<Duration>,
}

impl GratuitousSchedule {
    /// A schedule; `refresh` keeps owned addresses announced every period after the first window.
    pub fn new(refresh: Option<Duration>) -> Self {
        GratuitousSchedule { entries: BTreeMap::new(), refresh }
    }

    /// An address is (still) ours at `now`: returns true when a round must go out at once (it was not
    /// being announced), otherwise only extends the window.
    pub fn confirm(&mut self, ip: IpAddr, now: Instant) -> bool {
        match self.entries.get_mut(&ip) {
            Some(entry) => {
                entry.until = entry.until.max(now + WINDOW);
                false
            }
            None => {
                self.entries.insert(ip, Entry { next: now + ROUND_INTERVAL, until: now + WINDOW });
                true
            }
        }
    }

    /// The address is no longer ours: no more rounds.
    pub fn forget(&mut self, ip: IpAddr) {
        self.entries.remove(&ip);
    }

    /// The addresses whose round is due at `now`; advances them, and drops those past their window
    /// (or moves them to the refresh period).
    pub fn due(&mut self, now: Instant) -> Vec<IpAddr> {
        let refresh = self.refresh;
        let mut due = Vec::new();
        self.entries.retain(|ip, entry| {
            if entry.next > now {
                return true;
            }
            if now > entry.until {
                return match refresh {
                    Some(period) => {
                        entry.next = now + period;
                        entry.until = now;
                        due.push(*ip);
                        true
                    }
                    None => false,
                };
            }
            due.push(*ip);
            // Like a ticker, a late wake-up sends one round, not the ones it missed.
            while entry.next <= now {
                entry.next += ROUND_INTERVAL;
            }
            true
        });
        due
    }

    /// When [`GratuitousSchedule::due`] next has something to do.
    pub fn next_wake(&self) -> Option<Instant> {
        self.entries.values().map(|entry| entry.next).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a schedule with tokio's paused clock and returns when rounds went out, in ms from start.
    async fn rounds(schedule: &mut GratuitousSchedule, ip: IpAddr, until: Duration) -> Vec<u128> {
        let start = Instant::now();
        let mut sent = Vec::new();
        if schedule.confirm(ip, start) {
            sent.push(0);
        }
        while let Some(wake) = schedule.next_wake().filter(|wake| wake.duration_since(start) <= until) {
            tokio::time::sleep_until(wake).await;
            let elapsed = start.elapsed().as_millis();
            if schedule.due(Instant::now()).contains(&ip) {
                sent.push(elapsed);
            }
        }
        sent
    }

    /// A takeover sends rounds at 0, 1.1, 2.2, 3.3 and 4.4 s, and no more.
    #[tokio::test(start_paused = true)]
    async fn takeover_sends_five_rounds() {
        let mut schedule = GratuitousSchedule::new(None);
        let ip = "172.18.255.200".parse().expect("ip");
        let sent = rounds(&mut schedule, ip, Duration::from_secs(60)).await;
        assert_eq!(sent, [0, 1100, 2200, 3300, 4400]);
        assert!(schedule.next_wake().is_none());
    }

    /// Re-confirming while announcing extends the window without an extra burst.
    #[tokio::test(start_paused = true)]
    async fn confirmations_extend_without_bursts() {
        let mut schedule = GratuitousSchedule::new(None);
        let ip: IpAddr = "172.18.255.200".parse().expect("ip");
        let start = Instant::now();
        let mut sent = vec![0];
        assert!(schedule.confirm(ip, start));
        let mut confirmed = false;
        while let Some(wake) = schedule.next_wake() {
            tokio::time::sleep_until(wake).await;
            if !confirmed && start.elapsed() >= Duration::from_millis(3000) {
                assert!(!schedule.confirm(ip, Instant::now()), "a re-sync sends nothing at once");
                confirmed = true;
            }
            if !schedule.due(Instant::now()).is_empty() {
                sent.push(start.elapsed().as_millis());
            }
        }
        assert_eq!(sent, [0, 1100, 2200, 3300, 4400, 5500, 6600, 7700]);
    }

    /// A late wake-up sends one round, not a burst of the missed ones.
    #[tokio::test(start_paused = true)]
    async fn late_wake_ups_do_not_burst() {
        let mut schedule = GratuitousSchedule::new(None);
        let ip: IpAddr = "172.18.255.200".parse().expect("ip");
        schedule.confirm(ip, Instant::now());
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(schedule.due(Instant::now()), [ip]);
        assert!(schedule.due(Instant::now()).is_empty());
    }

    /// Forgetting an address (ownership lost) stops its rounds at once.
    #[tokio::test(start_paused = true)]
    async fn losing_ownership_stops_rounds() {
        let mut schedule = GratuitousSchedule::new(None);
        let ip = "fc00::c8".parse().expect("ip");
        schedule.confirm(ip, Instant::now());
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(schedule.due(Instant::now()), [ip]);
        schedule.forget(ip);
        assert!(schedule.next_wake().is_none());
    }

    /// With a refresh period, owned addresses are announced again every period after the window.
    #[tokio::test(start_paused = true)]
    async fn refresh_keeps_announcing() {
        let mut schedule = GratuitousSchedule::new(Some(Duration::from_secs(30)));
        let ip = "172.18.255.200".parse().expect("ip");
        let sent = rounds(&mut schedule, ip, Duration::from_secs(70)).await;
        assert_eq!(sent, [0, 1100, 2200, 3300, 4400, 5500, 35500, 65500]);
    }
}
