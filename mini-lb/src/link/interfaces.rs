//! Interfaces and MetalLB's rules for which ones get responders (`announcer.go` `updateInterfaces`, run
//! every 10 s): not excluded by name (the `excludel2` list), UP, not enslaved to a bond or bridge (no
//! `master`), without NOARP; ARP where the interface has BROADCAST, NDP where it has an IPv6 link-local
//! address. Reading is split from deciding so the rules are tested on plain values.

use std::fs;
use std::net::Ipv6Addr;
use std::path::Path;

use regex::Regex;

use crate::packet::Mac;

/// MetalLB's shipped `announcedInterfacesToExclude`.
pub const DEFAULT_EXCLUDED: &[&str] = &[
    "^docker.*",
    "^cbr.*",
    "^dummy.*",
    "^virbr.*",
    "^lxcbr.*",
    "^veth.*",
    "^lo$",
    "^cali.*",
    "^tunl.*",
    "^flannel.*",
    "^kube-ipvs.*",
    "^cni.*",
    "^nodelocaldns.*",
    "^lxc.*",
];

const IFF_UP: u32 = 0x1;
const IFF_BROADCAST: u32 = 0x2;
const IFF_NOARP: u32 = 0x80;

/// One interface as the kernel describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Its name.
    pub name: String,
    /// Its index.
    pub index: u32,
    /// Its MAC.
    pub mac: Mac,
    /// Its `IFF_*` flags.
    pub flags: u32,
    /// Enslaved to a bond or bridge.
    pub has_master: bool,
    /// Its IPv6 link-local address, if any.
    pub link_local: Option<Ipv6Addr>,
}

/// Which responders an interface gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Eligibility {
    /// An ARP responder.
    pub arp: bool,
    /// An NDP responder.
    pub ndp: bool,
}

impl Interface {
    /// MetalLB's rules.
    pub fn eligibility(&self, exclude: &Regex) -> Eligibility {
        if exclude.is_match(&self.name) || self.flags & IFF_UP == 0 || self.has_master || self.flags & IFF_NOARP != 0 {
            return Eligibility::default();
        }
        Eligibility { arp: self.flags & IFF_BROADCAST != 0, ndp: self.link_local.is_some() }
    }
}

/// Every interface of this network namespace; unreadable ones are skipped.
pub fn scan() -> Vec<Interface> {
    let link_locals = fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
    let Ok(entries) = fs::read_dir("/sys/class/net") else { return Vec::new() };
    let mut found: Vec<Interface> =
        entries.flatten().filter_map(|entry| read_interface(&entry.path(), &link_locals)).collect();
    found.sort_by_key(|interface| interface.index);
    found
}

fn read_interface(path: &Path, link_locals: &str) -> Option<Interface> {
    let name = path.file_name()?.to_str()?.to_string();
    let read = |file: &str| fs::read_to_string(path.join(file)).ok().map(|s| s.trim().to_string());
    let index = read("ifindex")?.parse().ok()?;
    let flags = u32::from_str_radix(read("flags")?.trim_start_matches("0x"), 16).ok()?;
    let mac = read("address")?.parse().unwrap_or_default();
    let link_local = link_local_of(link_locals, &name);
    Some(Interface { name, index, mac, flags, has_master: path.join("master").exists(), link_local })
}

/// The link-local address of `name` in `/proc/net/if_inet6` (address, index, prefix, scope, flags, name).
pub fn link_local_of(if_inet6: &str, name: &str) -> Option<Ipv6Addr> {
    if_inet6.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [hex, _, _, _, _, interface] = fields.as_slice() else { return None };
        if *interface != name || hex.len() != 32 {
            return None;
        }
        let value = u128::from_str_radix(hex, 16).ok()?;
        let address = Ipv6Addr::from(value);
        (address.segments()[0] & 0xffc0 == 0xfe80).then_some(address)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(name: &str, flags: u32, has_master: bool, link_local: bool) -> Interface {
        Interface {
            name: name.into(),
            index: 2,
            mac: Mac([2, 0, 0, 0, 0, 1]),
            flags,
            has_master,
            link_local: link_local.then(|| "fe80::1".parse().expect("ip")),
        }
    }

    fn default_exclude() -> Regex {
        Regex::new(&DEFAULT_EXCLUDED.join("|")).expect("the default list is a valid regex")
    }

    /// An UP broadcast interface with link-local gets both responders; without link-local only ARP.
    #[test]
    fn eligible_interfaces() {
        let exclude = default_exclude();
        assert_eq!(interface("eth0", 0x1003, false, true).eligibility(&exclude), Eligibility { arp: true, ndp: true });
        assert_eq!(
            interface("eth0", 0x1003, false, false).eligibility(&exclude),
            Eligibility { arp: true, ndp: false }
        );
    }

    /// Down, NOARP, enslaved and excluded interfaces get none.
    #[test]
    fn ineligible_interfaces() {
        let exclude = default_exclude();
        for candidate in [
            interface("eth0", 0x1002, false, true),
            interface("eth0", 0x1083, false, true),
            interface("eth0", 0x1003, true, true),
            interface("veth12ab", 0x1003, false, true),
            interface("lo", 0x9, false, true),
            interface("docker0", 0x1003, false, true),
        ] {
            assert_eq!(candidate.eligibility(&exclude), Eligibility::default(), "{candidate:?}");
        }
    }

    /// The link-local address is read from /proc/net/if_inet6's format; global addresses are ignored.
    #[test]
    fn link_local_from_if_inet6() {
        let text = "fc0000000000000000000000000000c8 03 40 00 80     eth0\nfe80000000000000003c0bfffe1e2f3a 03 40 20 80     eth0\nfe800000000000000000000000000001 04 40 20 80     eth1\n";
        assert_eq!(link_local_of(text, "eth0"), Some("fe80::3c:bff:fe1e:2f3a".parse().expect("ip")));
        assert_eq!(link_local_of(text, "eth2"), None);
    }

    /// Scanning this machine finds the loopback interface with its flags.
    #[test]
    fn scan_finds_loopback() {
        let found = scan();
        let lo = found.iter().find(|i| i.name == "lo").expect("every namespace has lo");
        assert!(lo.flags & IFF_UP != 0);
    }
}
