//! The speaker's link plane: one responder task per eligible interface answering from the shared
//! announce table, the solicited-node groups of announced IPv6 addresses, and the gratuitous rounds.
//! [`Plane::apply`] makes the table what the election decided; [`Plane::rescan`] follows interfaces
//! coming and going (MetalLB rescans every 10 s); [`Plane::send_due`] sends the rounds the schedule says.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};

use regex::Regex;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::desired::Announcement;
use crate::allocate::ServiceKey;
use crate::announce::gratuitous::round;
use crate::announce::{AnnounceTable, GratuitousSchedule, LinkIdentity, Response, respond};
use crate::link::interfaces::Eligibility;
use crate::link::{LinkSocket, Memberships, scan};
use crate::metrics::SpeakerMetrics;
use crate::packet::ndp::solicited_node_group;

/// The largest frame read (a jumbo frame's worth).
const FRAME_BUFFER: usize = 9216;

/// One interface with a responder.
struct Responder {
    link: LinkIdentity,
    eligibility: Eligibility,
    socket: Arc<LinkSocket>,
    task: JoinHandle<()>,
}

/// The link plane.
pub struct Plane {
    table: Arc<RwLock<AnnounceTable>>,
    responders: BTreeMap<u32, Responder>,
    memberships: Option<Memberships>,
    joined: BTreeSet<(u32, IpAddr)>,
    schedule: GratuitousSchedule,
    metrics: SpeakerMetrics,
    exclude: Regex,
}

impl Plane {
    /// A plane with no responder yet; call [`Plane::rescan`] to open them.
    pub fn new(exclude: Regex, refresh: Option<std::time::Duration>, metrics: SpeakerMetrics) -> Plane {
        let memberships = Memberships::new()
            .map_err(|error| warn!(%error, "no IPv6 socket: solicited-node groups will not be joined"))
            .ok();
        Plane {
            table: Arc::new(RwLock::new(AnnounceTable::default())),
            responders: BTreeMap::new(),
            memberships,
            joined: BTreeSet::new(),
            schedule: GratuitousSchedule::new(refresh),
            metrics,
            exclude,
        }
    }

    /// The table, for reports.
    pub fn table(&self) -> AnnounceTable {
        self.table.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The names of the interfaces with a responder.
    pub fn interface_names(&self) -> Vec<String> {
        self.responders.values().map(|r| r.link.name.clone()).collect()
    }

    /// Opens responders on new eligible interfaces and closes those of vanished or changed ones; a
    /// failure on one interface leaves the others working.
    pub fn rescan(&mut self) {
        let mut keep = BTreeSet::new();
        for interface in scan() {
            let eligibility = interface.eligibility(&self.exclude);
            if !eligibility.arp && !eligibility.ndp {
                continue;
            }
            let link =
                LinkIdentity { name: interface.name.clone(), mac: interface.mac, link_local: interface.link_local };
            if let Some(existing) = self.responders.get(&interface.index)
                && existing.link == link
                && existing.eligibility == eligibility
            {
                keep.insert(interface.index);
                continue;
            }
            match LinkSocket::open(&interface.name) {
                Ok(socket) => {
                    let socket = Arc::new(socket);
                    let task =
                        tokio::spawn(serve(socket.clone(), link.clone(), self.table.clone(), self.metrics.clone()));
                    info!(interface = %link.name, mac = %link.mac, arp = eligibility.arp, ndp = eligibility.ndp, "responder started");
                    if let Some(old) =
                        self.responders.insert(interface.index, Responder { link, eligibility, socket, task })
                    {
                        old.task.abort();
                    }
                    keep.insert(interface.index);
                }
                Err(error) => {
                    warn!(interface = %interface.name, %error, "cannot open a raw socket; not announcing on it")
                }
            }
        }
        let gone: Vec<u32> = self.responders.keys().filter(|i| !keep.contains(i)).copied().collect();
        for index in gone {
            if let Some(old) = self.responders.remove(&index) {
                old.task.abort();
                info!(interface = %old.link.name, "responder stopped");
            }
            if let Some(memberships) = &mut self.memberships {
                memberships.forget_interface(index);
            }
            self.joined.retain(|(i, _)| *i != index);
        }
        self.sync_groups();
    }

    /// Makes the table hold exactly `wanted`; returns the Services that started being announced.
    pub fn apply(&mut self, wanted: &[Announcement], now: Instant) -> Vec<ServiceKey> {
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        let current: BTreeSet<ServiceKey> = table.services().map(|(key, _)| key.clone()).collect();
        let wanted_keys: BTreeSet<ServiceKey> = wanted.iter().map(|a| a.key.clone()).collect();
        let mut stopped = Vec::new();
        for key in current.difference(&wanted_keys) {
            stopped.extend(table.remove(key));
        }
        for announcement in wanted {
            let (_, gone) = table.set(&announcement.key, &announcement.ips, &announcement.interfaces);
            stopped.extend(gone);
        }
        let owned = table.addresses();
        drop(table);
        for ip in stopped.into_iter().filter(|ip| !owned.contains(ip)) {
            self.schedule.forget(ip);
        }
        // Every pass that keeps an address confirms it, as MetalLB's SetBalancer does: new ones go out
        // at once, the others get their window extended.
        let fresh: Vec<IpAddr> = owned.iter().copied().filter(|ip| self.schedule.confirm(*ip, now)).collect();
        self.sync_groups();
        for ip in fresh {
            self.send_round(ip);
        }
        wanted_keys.difference(&current).cloned().collect()
    }

    /// Stops every announcement at once (the first step of a graceful shutdown).
    pub fn withdraw(&mut self) {
        let stopped = self.table.write().unwrap_or_else(PoisonError::into_inner).clear();
        for ip in stopped {
            self.schedule.forget(ip);
        }
        self.sync_groups();
    }

    /// When the next gratuitous round is due.
    pub fn next_round(&self) -> Option<Instant> {
        self.schedule.next_wake()
    }

    /// Sends the rounds due at `now`.
    pub fn send_due(&mut self, now: Instant) {
        for ip in self.schedule.due(now) {
            self.send_round(ip);
        }
    }

    /// One gratuitous round for `ip` on every interface it is announced on.
    fn send_round(&self, ip: IpAddr) {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        for responder in self.responders.values() {
            let family_ok = if ip.is_ipv4() { responder.eligibility.arp } else { responder.eligibility.ndp };
            if !family_ok || !table.announces_on(ip, &responder.link.name) {
                continue;
            }
            let frames = round(ip, &responder.link);
            let count = frames.len();
            let socket = responder.socket.clone();
            tokio::spawn(async move {
                for frame in frames {
                    if let Err(error) = socket.send(&frame).await {
                        debug!(%error, "gratuitous send failed");
                    }
                }
            });
            self.metrics.gratuitous(&ip.to_string(), count);
        }
    }

    /// Joins the solicited-node group of every announced IPv6 address on every NDP interface, and leaves
    /// the groups no longer needed.
    fn sync_groups(&mut self) {
        let Some(memberships) = &mut self.memberships else { return };
        let owned = self.table.read().unwrap_or_else(PoisonError::into_inner).addresses();
        let wanted: BTreeSet<(u32, IpAddr)> = self
            .responders
            .iter()
            .filter(|(_, r)| r.eligibility.ndp)
            .flat_map(|(index, _)| owned.iter().filter(|ip| ip.is_ipv6()).map(move |ip| (*index, *ip)))
            .collect();
        for (index, ip) in self.joined.difference(&wanted) {
            if let IpAddr::V6(v6) = ip
                && let Err(error) = memberships.leave(*index, solicited_node_group(*v6))
            {
                debug!(%error, %ip, "cannot leave a solicited-node group");
            }
        }
        for (index, ip) in wanted.difference(&self.joined) {
            if let IpAddr::V6(v6) = ip
                && let Err(error) = memberships.join(*index, solicited_node_group(*v6))
            {
                warn!(%error, %ip, "cannot join the solicited-node group; multicast solicitations may not arrive");
            }
        }
        self.joined = wanted;
    }
}

impl Drop for Plane {
    fn drop(&mut self) {
        for responder in self.responders.values() {
            responder.task.abort();
        }
    }
}

/// One interface's responder: read a frame, answer it from the table, count it.
async fn serve(
    socket: Arc<LinkSocket>,
    link: LinkIdentity,
    table: Arc<RwLock<AnnounceTable>>,
    metrics: SpeakerMetrics,
) {
    let mut buffer = vec![0u8; FRAME_BUFFER];
    loop {
        let len = match socket.recv(&mut buffer).await {
            Ok(len) => len,
            Err(error) => {
                warn!(interface = %link.name, %error, "raw socket read failed; responder stopped");
                return;
            }
        };
        let response = respond(&buffer[..len], &link, &table.read().unwrap_or_else(PoisonError::into_inner));
        match response {
            Response::Reply { ip, frame } => match socket.send(&frame).await {
                Ok(()) => metrics.answered(&ip.to_string()),
                Err(error) => warn!(interface = %link.name, %ip, %error, "cannot send a reply"),
            },
            Response::Drop(reason) => debug!(interface = %link.name, ?reason, "frame not answered"),
        }
    }
}
