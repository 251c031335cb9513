//! Which names a lookup queries, in order: BIND's search-list walk and reverse names.
//!
//! BIND (`dighost.c` `setup_lookup`/`next_origin`): an absolute name, or any name when searching is
//! off, is queried as-is. A name with at least `ndots` dots is queried as-is only (its as-is NXDOMAIN
//! ends the walk, because it has more labels than `ndots`). A shorter name is tried with each search
//! domain in turn and finally as-is. Only NXDOMAIN moves the walk on; the tools do that part.

use std::net::IpAddr;

/// The names to try for `name`, each written absolute (with a final dot).
pub fn names_to_try(name: &str, search: &[String], ndots: u32, use_search: bool) -> Vec<String> {
    let absolute = |text: &str| {
        if text.ends_with('.') { text.to_string() } else { format!("{text}.") }
    };
    if name.ends_with('.') || !use_search {
        return vec![absolute(name)];
    }
    let dots = name.bytes().filter(|&b| b == b'.').count();
    if dots >= ndots as usize {
        return vec![absolute(name)];
    }
    let mut names: Vec<String> = search.iter().map(|domain| format!("{name}.{domain}.")).collect();
    names.push(absolute(name));
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

    /// A short name walks every search domain, then itself.
    #[test]
    fn short_name_walks_search_then_as_is() {
        assert_eq!(
            names_to_try("kubernetes.default", &pod_search(), 5, true),
            [
                "kubernetes.default.default.svc.cluster.local.",
                "kubernetes.default.svc.cluster.local.",
                "kubernetes.default.cluster.local.",
                "kubernetes.default.",
            ]
        );
    }

    /// A name with at least ndots dots is tried as-is only.
    #[test]
    fn dotted_name_is_tried_as_is_only() {
        assert_eq!(names_to_try("a.b.c", &pod_search(), 2, true), ["a.b.c."]);
    }

    /// A trailing dot or search off means no search at all.
    #[test]
    fn absolute_or_no_search_is_single() {
        assert_eq!(names_to_try("web.", &pod_search(), 5, true), ["web."]);
        assert_eq!(names_to_try("web", &pod_search(), 5, false), ["web."]);
    }

    /// Without search domains a short name is tried as-is.
    #[test]
    fn empty_search_list() {
        assert_eq!(names_to_try("web", &[], 1, true), ["web."]);
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
