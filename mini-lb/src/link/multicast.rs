//! Solicited-node multicast groups, joined per interface and address so neighbour solicitations for an
//! announced IPv6 address reach the interface (switches snooping MLD forward them only to members). The
//! groups are joined on an ordinary IPv6 UDP socket (`IPV6_ADD_MEMBERSHIP`, safe in socket2): the kernel
//! then programs the NIC's multicast filter and sends the MLD report, and the AF_PACKET socket sees the
//! frames; the kernel itself ignores solicitations for addresses it does not hold. Groups are refcounted
//! per interface, as several announced addresses can share one group.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};

/// Joined groups: one socket holds every membership.
#[derive(Debug)]
pub struct Memberships {
    socket: Socket,
    joined: BTreeMap<(u32, Ipv6Addr), usize>,
}

impl Memberships {
    /// A holder with no group joined.
    pub fn new() -> io::Result<Memberships> {
        let socket = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_only_v6(true)?;
        socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)).into())?;
        Ok(Memberships { socket, joined: BTreeMap::new() })
    }

    /// One more user of `group` on interface `index`; joins on the first.
    pub fn join(&mut self, index: u32, group: Ipv6Addr) -> io::Result<()> {
        let users = self.joined.entry((index, group)).or_insert(0);
        if *users == 0 {
            self.socket.join_multicast_v6(&group, index)?;
        }
        *users += 1;
        Ok(())
    }

    /// One less user; leaves on the last.
    pub fn leave(&mut self, index: u32, group: Ipv6Addr) -> io::Result<()> {
        let Some(users) = self.joined.get_mut(&(index, group)) else { return Ok(()) };
        *users -= 1;
        if *users == 0 {
            self.joined.remove(&(index, group));
            self.socket.leave_multicast_v6(&group, index)?;
        }
        Ok(())
    }

    /// Forgets an interface that went away (the kernel dropped its memberships with it).
    pub fn forget_interface(&mut self, index: u32) {
        self.joined.retain(|(i, _), _| *i != index);
    }

    /// The groups joined on interface `index`.
    pub fn groups(&self, index: u32) -> Vec<Ipv6Addr> {
        self.joined.keys().filter(|(i, _)| *i == index).map(|(_, g)| *g).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group is joined once for two users and left with the last (on loopback, which takes joins).
    #[test]
    fn refcounted_groups() {
        let mut memberships = Memberships::new().expect("an IPv6 socket");
        let group: Ipv6Addr = "ff02::1:ff00:c8".parse().expect("ip");
        let lo = 1;
        memberships.join(lo, group).expect("join");
        memberships.join(lo, group).expect("second user");
        assert_eq!(memberships.groups(lo), [group]);
        memberships.leave(lo, group).expect("leave");
        assert_eq!(memberships.groups(lo), [group]);
        memberships.leave(lo, group).expect("last leave");
        assert!(memberships.groups(lo).is_empty());
    }
}
