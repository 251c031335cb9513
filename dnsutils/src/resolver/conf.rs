//! `/etc/resolv.conf` as BIND's `irs_resconf` reads it.
//!
//! The tools read only this file (no NSS, no environment): up to three `nameserver` lines, the
//! search list from the last `search` or `domain` line, and `options ndots: timeout: attempts:`.
//! Comments start with `#` or `;`; unknown keywords and malformed values are ignored, as BIND does.

use std::net::IpAddr;

/// Where the tools read their resolver settings.
pub const PATH: &str = "/etc/resolv.conf";

/// BIND keeps at most this many name servers.
const MAX_NAMESERVERS: usize = 3;

/// BIND keeps at most this many search domains.
const MAX_SEARCH: usize = 8;

/// The resolver settings the tools use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvConf {
    /// Servers in file order; empty means "use the loopback defaults".
    pub nameservers: Vec<IpAddr>,
    /// Search domains without trailing dots, in order.
    pub search: Vec<String>,
    /// Names with at least this many dots are tried as-is first.
    pub ndots: u32,
    /// `options timeout:` in seconds, when set.
    pub timeout: Option<u32>,
    /// `options attempts:`, when set.
    pub attempts: Option<u32>,
}

impl Default for ResolvConf {
    fn default() -> Self {
        Self { nameservers: Vec::new(), search: Vec::new(), ndots: 1, timeout: None, attempts: None }
    }
}

impl ResolvConf {
    /// Parses the text of a resolv.conf file. Never fails: bad lines are skipped.
    pub fn parse(text: &str) -> Self {
        let mut conf = Self::default();
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword {
                "nameserver" => conf.add_nameserver(words.next()),
                "search" => conf.search = words.take(MAX_SEARCH).map(trim_dot).collect(),
                "domain" => conf.search = words.next().map(trim_dot).into_iter().collect(),
                "options" => words.for_each(|option| conf.apply_option(option)),
                _ => {}
            }
        }
        conf
    }

    /// Reads [`PATH`]; a missing or unreadable file gives the defaults, as in BIND.
    pub fn load() -> Self {
        std::fs::read_to_string(PATH).map(|text| Self::parse(&text)).unwrap_or_default()
    }

    /// The servers to query: the configured ones, or BIND's fallback of the loopback addresses.
    pub fn servers(&self) -> Vec<IpAddr> {
        if self.nameservers.is_empty() {
            vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])]
        } else {
            self.nameservers.clone()
        }
    }

    fn add_nameserver(&mut self, word: Option<&str>) {
        let Some(address) = word.and_then(|w| w.split('%').next()?.parse::<IpAddr>().ok()) else {
            return;
        };
        if self.nameservers.len() < MAX_NAMESERVERS {
            self.nameservers.push(address);
        }
    }

    fn apply_option(&mut self, option: &str) {
        let Some((key, value)) = option.split_once(':') else {
            return;
        };
        let Ok(value) = value.parse::<u32>() else {
            return;
        };
        match key {
            "ndots" => self.ndots = value.min(255),
            "timeout" => self.timeout = Some(value),
            "attempts" => self.attempts = Some(value),
            _ => {}
        }
    }
}

/// `default.svc.cluster.local.` and `default.svc.cluster.local` are the same search domain.
fn trim_dot(domain: &str) -> String {
    domain.strip_suffix('.').unwrap_or(domain).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kubelet-written pod file parses to its server, search list and ndots.
    #[test]
    fn parses_pod_resolv_conf() {
        let conf = ResolvConf::parse(
            "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
        );
        assert_eq!(conf.nameservers, vec![IpAddr::from([10, 96, 0, 10])]);
        assert_eq!(conf.search, ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]);
        assert_eq!(conf.ndots, 5);
    }

    /// The last `search` or `domain` line wins.
    #[test]
    fn last_search_or_domain_wins() {
        assert_eq!(ResolvConf::parse("search a b\nsearch c\n").search, ["c"]);
        assert_eq!(ResolvConf::parse("search a b\ndomain d.\n").search, ["d"]);
        assert_eq!(ResolvConf::parse("domain d\nsearch e f\n").search, ["e", "f"]);
    }

    /// Only three name servers are kept, IPv6 included, and junk is skipped.
    #[test]
    fn keeps_three_nameservers() {
        let conf = ResolvConf::parse(
            "nameserver ::1\nnameserver bogus\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n",
        );
        assert_eq!(conf.nameservers.len(), 3);
        assert_eq!(conf.nameservers[0], IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]));
    }

    /// `#` and `;` start comments, also mid-line.
    #[test]
    fn strips_comments() {
        let conf = ResolvConf::parse("# comment\n; other\nsearch a ; b\noptions ndots:2 # x\n");
        assert_eq!(conf.search, ["a"]);
        assert_eq!(conf.ndots, 2);
    }

    /// `timeout:` and `attempts:` are read; bad values are ignored.
    #[test]
    fn reads_timeout_and_attempts() {
        let conf = ResolvConf::parse("options timeout:3 attempts:4 ndots:x rotate\n");
        assert_eq!(conf.timeout, Some(3));
        assert_eq!(conf.attempts, Some(4));
        assert_eq!(conf.ndots, 1);
    }

    /// Without name servers the loopback addresses are used.
    #[test]
    fn defaults_to_loopback() {
        assert_eq!(ResolvConf::parse("").servers().len(), 2);
    }
}
