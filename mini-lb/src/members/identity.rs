//! A speaker's identity in the gossip: its node name (what the election hashes), its gossip address
//! (unique per member, foca's `Addr`) and an incarnation that grows on every restart or rejoin, so a
//! returning speaker replaces its own old, dead identity at once.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One speaker.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member {
    /// The node's name; empty for an address being joined whose name is not known yet.
    pub name: String,
    /// Where it gossips.
    pub addr: SocketAddr,
    /// Larger wins when two identities share an address.
    pub incarnation: u64,
}

impl Member {
    /// This speaker, with an incarnation taken from the clock so a restart beats the previous run.
    pub fn local(name: &str, addr: SocketAddr) -> Member {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Member { name: name.to_string(), addr, incarnation: u64::try_from(now).unwrap_or(u64::MAX) }
    }

    /// A peer known only by its address, to announce ourselves to.
    pub fn seed(addr: SocketAddr) -> Member {
        Member { name: String::new(), addr, incarnation: 0 }
    }
}

impl foca::Identity for Member {
    type Addr = SocketAddr;

    fn renew(&self) -> Option<Self> {
        Some(Member { incarnation: self.incarnation.saturating_add(1), ..self.clone() })
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        self.incarnation > adversary.incarnation
    }
}

#[cfg(test)]
mod tests {
    use foca::Identity;

    use super::*;

    /// A renewed identity keeps name and address and beats the old one.
    #[test]
    fn renewal_wins() {
        let old = Member::local("node-a", "10.0.0.1:7946".parse().expect("addr"));
        let new = old.renew().expect("renewable");
        assert_eq!((new.name.as_str(), new.addr()), ("node-a", old.addr()));
        assert!(new.win_addr_conflict(&old) && !old.win_addr_conflict(&new));
    }
}
