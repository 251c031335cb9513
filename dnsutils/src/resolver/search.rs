//! Which names a lookup queries, in order: BIND's search-list walk, and reverse names.
//!
//! BIND (`dighost.c` `setup_lookup`/`next_origin`): a name with at least `ndots` dots (a final dot
//! counts), or any name when searching is off, is queried as-is only (its as-is NXDOMAIN ends the walk,
//! because it has more labels than `ndots`). A shorter relative name is tried with each search domain in
//! turn and finally as-is; a shorter absolute name is queried once, in the search domain's place. Only
//! NXDOMAIN moves the walk on; the tools do that part. Where a name stands in the walk also decides how
//! often BIND reports the reply's arrival ([`Candidate::arrival_reports`]).

use std::net::IpAddr;

use crate::protocol::codes::Rcode;

/// One name of a search walk and its place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The name to query, absolute (with a final dot).
    pub name: String,
    /// It stands in a search domain's place (BIND's lookup has an `origin`).
    pub in_search: bool,
    /// It is queried as-is before any search domain would be (BIND's `need_search`).
    pub as_is_first: bool,
}

impl Candidate {
    /// A name queried as-is, outside any search walk.
    pub fn plain(name: String) -> Candidate {
        Candidate { name, in_search: false, as_is_first: false }
    }

    /// How many times BIND's `received` callback runs for a reply with `rcode` to this name (host's
    /// `Received N bytes` line, dig's statistics footer): once for NOERROR; for NXDOMAIN once when the walk
    /// stops here with a search domain or an as-is-first name, plus once for a name outside the search
    /// list; for any other rcode only for a name outside the search list. `walk_goes_on` says the walk
    /// moves to the next name; `showsearch` is dig's `+showsearch`.
    pub fn arrival_reports(&self, rcode: Rcode, walk_goes_on: bool, showsearch: bool) -> usize {
        let outside_search = usize::from(!self.in_search);
        match rcode {
            Rcode::NOERROR => 1,
            Rcode::NXDOMAIN => {
                let shown = (self.in_search || self.as_is_first) && (!walk_goes_on || showsearch);
                usize::from(shown) + outside_search
            }
            _ => outside_search,
        }
    }
}

/// The names to try for `name`, in order.
pub fn names_to_try(name: &str, search: &[String], ndots: u32, use_search: bool) -> Vec<Candidate> {
    let absolute = if name.ends_with('.') { name.to_string() } else { format!("{name}.") };
    if !use_search {
        return vec![Candidate::plain(absolute)];
    }
    let dots = name.bytes().filter(|&b| b == b'.').count();
    if dots >= ndots as usize {
        return vec![Candidate { name: absolute, in_search: false, as_is_first: true }];
    }
    if search.is_empty() {
        return vec![Candidate::plain(absolute)];
    }
    if name.ends_with('.') {
        return vec![Candidate { name: absolute, in_search: true, as_is_first: false }];
    }
    let mut names: Vec<Candidate> = search
        .iter()
        .map(|domain| Candidate { name: format!("{name}.{domain}."), in_search: true, as_is_first: false })
        .collect();
    names.push(Candidate::plain(absolute));
    names
}

/// The reverse-lookup name of an address: `d.c.b.a.in-addr.arpa.` or the ip6.arpa nibble form.
pub fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa.")
        }
        IpAddr::V6(v6) => {
            let mut out = String::new();
            for byte in v6.octets().iter().rev() {
                out.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            out.push_str("ip6.arpa.");
            out
        }
    }
}

/// `Some(address)` when `text` is an IPv4 or IPv6 address (what makes host and nslookup go reverse).
pub fn as_address(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_search() -> Vec<String> {
        ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"].map(String::from).to_vec()
    }

    fn names(candidates: Vec<Candidate>) -> Vec<String> {
        candidates.into_iter().map(|candidate| candidate.name).collect()
    }

    /// A short name walks every search domain, then itself.
    #[test]
    fn short_name_walks_search_then_as_is() {
        let candidates = names_to_try("kubernetes.default", &pod_search(), 5, true);
        assert!(candidates[..3].iter().all(|candidate| candidate.in_search));
        assert!(!candidates[3].in_search && !candidates[3].as_is_first);
        assert_eq!(
            names(candidates),
            [
                "kubernetes.default.default.svc.cluster.local.",
                "kubernetes.default.svc.cluster.local.",
                "kubernetes.default.cluster.local.",
                "kubernetes.default.",
            ]
        );
    }

    /// A name with at least ndots dots is tried as-is only, before any search would be.
    #[test]
    fn dotted_name_is_tried_as_is_only() {
        let candidates = names_to_try("a.b.c", &pod_search(), 2, true);
        assert_eq!(candidates, [Candidate { name: "a.b.c.".into(), in_search: false, as_is_first: true }]);
    }

    /// A final dot counts as a dot; a shorter absolute name stands in the search's place; search off
    /// means the name alone.
    #[test]
    fn absolute_or_no_search_is_single() {
        let deep = names_to_try("a.b.c.d.e.", &pod_search(), 5, true);
        assert_eq!(deep, [Candidate { name: "a.b.c.d.e.".into(), in_search: false, as_is_first: true }]);
        let short = names_to_try("web.", &pod_search(), 5, true);
        assert_eq!(short, [Candidate { name: "web.".into(), in_search: true, as_is_first: false }]);
        assert_eq!(names_to_try("web", &pod_search(), 5, false), [Candidate::plain("web.".into())]);
    }

    /// Without search domains a short name is tried as-is.
    #[test]
    fn empty_search_list() {
        assert_eq!(names_to_try("web", &[], 1, true), [Candidate::plain("web.".into())]);
    }

    /// BIND reports a reply's arrival once for NOERROR, twice for an as-is-first NXDOMAIN, and not at
    /// all for a REFUSED search name.
    #[test]
    fn arrival_reports_follow_dighost() {
        let search = Candidate { name: "x.a.".into(), in_search: true, as_is_first: false };
        let first = Candidate { name: "x.y.".into(), in_search: false, as_is_first: true };
        let last = Candidate::plain("x.".into());
        assert_eq!(search.arrival_reports(Rcode::NOERROR, false, false), 1);
        assert_eq!(search.arrival_reports(Rcode::REFUSED, false, false), 0);
        assert_eq!(search.arrival_reports(Rcode::NXDOMAIN, true, false), 0);
        assert_eq!(search.arrival_reports(Rcode::NXDOMAIN, true, true), 1);
        assert_eq!(first.arrival_reports(Rcode::NXDOMAIN, false, false), 2);
        assert_eq!(last.arrival_reports(Rcode::NXDOMAIN, false, false), 1);
        assert_eq!(last.arrival_reports(Rcode::SERVFAIL, false, false), 1);
    }

    /// IPv4 and IPv6 reverse names.
    #[test]
    fn reverse_names() {
        assert_eq!(reverse_name("10.96.0.1".parse().expect("ip")), "1.0.96.10.in-addr.arpa.");
        assert_eq!(
            reverse_name("fd00::20".parse().expect("ip")),
            "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."
        );
    }
}
