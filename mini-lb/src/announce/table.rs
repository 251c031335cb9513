//! The announced addresses: per Service, which addresses on which interfaces, with a refcount per
//! address so Services sharing one address announce it once and it stops only when the last goes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::allocate::ServiceKey;
use crate::elect::Interfaces;

/// Whether an address is answered for on an interface, as MetalLB's `shouldAnnounce` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Answer.
    Yes,
    /// Not announced at all (`dropReasonAnnounceIP`).
    NotAnnounced,
    /// Announced, but not on this interface (`dropReasonNotMatchInterface`).
    OtherInterface,
}

/// Every announcement of this speaker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnnounceTable {
    services: BTreeMap<ServiceKey, BTreeMap<IpAddr, Interfaces>>,
}

impl AnnounceTable {
    /// Makes `service` announce exactly `ips` on `interfaces`; returns the addresses that started being
    /// announced (no other Service had them) and those that stopped.
    pub fn set(&mut self, service: &ServiceKey, ips: &[IpAddr], interfaces: &Interfaces) -> (Vec<IpAddr>, Vec<IpAddr>) {
        let before = self.addresses();
        let entry: BTreeMap<IpAddr, Interfaces> = ips.iter().map(|ip| (*ip, interfaces.clone())).collect();
        if entry.is_empty() {
            self.services.remove(service);
        } else {
            self.services.insert(service.clone(), entry);
        }
        self.changes_since(&before)
    }

    /// Stops announcing `service`; returns the addresses no longer announced by anyone.
    pub fn remove(&mut self, service: &ServiceKey) -> Vec<IpAddr> {
        let before = self.addresses();
        self.services.remove(service);
        self.changes_since(&before).1
    }

    /// Stops everything (the first step of a graceful shutdown); returns what was announced.
    pub fn clear(&mut self) -> Vec<IpAddr> {
        let all = self.addresses().into_iter().collect();
        self.services.clear();
        all
    }

    /// Whether to answer for `ip` on the interface named `interface`.
    pub fn answer(&self, ip: IpAddr, interface: &str) -> Answer {
        let mut found = false;
        for ips in self.services.values() {
            if let Some(interfaces) = ips.get(&ip) {
                found = true;
                if matches(interfaces, interface) {
                    return Answer::Yes;
                }
            }
        }
        if found { Answer::OtherInterface } else { Answer::NotAnnounced }
    }

    /// Every announced address.
    pub fn addresses(&self) -> BTreeSet<IpAddr> {
        self.services.values().flat_map(|ips| ips.keys().copied()).collect()
    }

    /// The Services announced and their addresses and interfaces.
    pub fn services(&self) -> impl Iterator<Item = (&ServiceKey, &BTreeMap<IpAddr, Interfaces>)> {
        self.services.iter()
    }

    /// Whether `ip` is announced on the interface `interface` (for gratuitous rounds).
    pub fn announces_on(&self, ip: IpAddr, interface: &str) -> bool {
        self.answer(ip, interface) == Answer::Yes
    }

    fn changes_since(&self, before: &BTreeSet<IpAddr>) -> (Vec<IpAddr>, Vec<IpAddr>) {
        let after = self.addresses();
        (after.difference(before).copied().collect(), before.difference(&after).copied().collect())
    }
}

fn matches(interfaces: &Interfaces, name: &str) -> bool {
    match interfaces {
        Interfaces::All => true,
        Interfaces::Named(names) => names.contains(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> ServiceKey {
        ServiceKey { namespace: "default".into(), name: name.into() }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    /// A shared address starts with its first Service and stops only with its last.
    #[test]
    fn shared_addresses_are_refcounted() {
        let mut table = AnnounceTable::default();
        assert_eq!(table.set(&key("a"), &[ip("10.0.0.1")], &Interfaces::All), (vec![ip("10.0.0.1")], vec![]));
        assert_eq!(table.set(&key("b"), &[ip("10.0.0.1")], &Interfaces::All), (vec![], vec![]));
        assert_eq!(table.set(&key("a"), &[ip("10.0.0.1")], &Interfaces::All), (vec![], vec![]), "re-sync is a no-op");
        assert!(table.remove(&key("a")).is_empty());
        assert_eq!(table.remove(&key("b")), [ip("10.0.0.1")]);
        assert_eq!(table.answer(ip("10.0.0.1"), "eth0"), Answer::NotAnnounced);
    }

    /// An address announced on named interfaces is answered only there.
    #[test]
    fn interfaces_limit_answers() {
        let mut table = AnnounceTable::default();
        table.set(&key("a"), &[ip("10.0.0.1")], &Interfaces::Named(["eth1".to_string()].into()));
        assert_eq!(table.answer(ip("10.0.0.1"), "eth1"), Answer::Yes);
        assert_eq!(table.answer(ip("10.0.0.1"), "eth0"), Answer::OtherInterface);
        assert_eq!(table.clear(), [ip("10.0.0.1")]);
    }

    /// Changing a Service's address stops the old one and starts the new one.
    #[test]
    fn changed_addresses() {
        let mut table = AnnounceTable::default();
        table.set(&key("a"), &[ip("10.0.0.1")], &Interfaces::All);
        assert_eq!(
            table.set(&key("a"), &[ip("10.0.0.2")], &Interfaces::All),
            (vec![ip("10.0.0.2")], vec![ip("10.0.0.1")])
        );
    }
}
