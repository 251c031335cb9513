//! One speaker's gossip member: foca (sans-IO SWIM) driven over a UDP socket. Received packets and timer
//! events go into foca; what foca asks for (packets to send, timers to set, membership notifications)
//! comes out of an accumulating runtime and is carried out here. The live node names are published on a
//! watch channel the speaker's reconcile loop follows.
//!
//! Joining: until foca reports the member active it announces itself to every join address every
//! [`JOIN_RETRY`]; after that every [`REJOIN`], which also heals a partition. Leaving: [`Gossip::leave`]
//! sends foca's leave to the cluster, which peers act on at once.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use foca::{
    AccumulatingRuntime, Config, Foca, NoCustomBroadcast, OwnedNotification, PeriodicParams, PostcardCodec, Timer,
};
use rand::rngs::StdRng;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::crypto::{OVERHEAD, SecretKey};
use super::identity::Member;

/// How often joins are retried while alone.
pub const JOIN_RETRY: Duration = Duration::from_millis(500);
/// How often the join addresses are announced to once joined.
pub const REJOIN: Duration = Duration::from_secs(10);
/// Largest UDP payload sent, memberlist's `UDPBufferSize`.
const MAX_DATAGRAM: usize = 1400;

/// The probe and suspicion timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GossipTimers {
    /// How often each member probes another.
    pub probe_interval: Duration,
    /// How long a probe waits for a direct answer before asking others.
    pub probe_timeout: Duration,
    /// How long a suspect has to refute before it is declared down.
    pub suspicion: Duration,
}

/// The names of the members alive now (this one included).
pub type LiveMembers = watch::Receiver<BTreeSet<String>>;

type Swim = Foca<Member, PostcardCodec, StdRng, NoCustomBroadcast>;

/// A running member: the live set and the means to leave.
#[derive(Debug)]
pub struct Gossip {
    live: LiveMembers,
    leave: CancellationToken,
    done: tokio::task::JoinHandle<()>,
}

impl Gossip {
    /// Starts a member on `socket` as `name`, joining `joins` (which may change, as speaker Pods come
    /// and go), sealing packets with `key` when given.
    pub fn start(
        socket: UdpSocket,
        name: &str,
        key: Option<SecretKey>,
        timers: GossipTimers,
        joins: watch::Receiver<Vec<SocketAddr>>,
    ) -> std::io::Result<Gossip> {
        let me = Member::local(name, socket.local_addr()?);
        let (live_tx, live) = watch::channel(BTreeSet::from([name.to_string()]));
        let leave = CancellationToken::new();
        let foca = Foca::new(me.clone(), foca_config(timers, key.is_some()), rand::make_rng(), PostcardCodec);
        let member =
            Runner { foca, socket: Arc::new(socket), key, me, live: live_tx, runtime: AccumulatingRuntime::new() };
        let done = tokio::spawn(member.run(joins, leave.clone()));
        Ok(Gossip { live, leave, done })
    }

    /// The live member names, updated on every change.
    pub fn live(&self) -> LiveMembers {
        self.live.clone()
    }

    /// Leaves the cluster (peers learn it at once) and stops.
    pub async fn leave(self) {
        self.leave.cancel();
        let _ = self.done.await;
    }
}

/// foca's LAN configuration with our timers: gossip and down-member announcements frequent enough for a
/// sub-second failover and a quick rejoin after a partition.
fn foca_config(timers: GossipTimers, sealed: bool) -> Config {
    let mut config = Config::new_lan(NonZeroU32::MIN.saturating_add(2));
    config.probe_period = timers.probe_interval;
    config.probe_rtt = timers.probe_timeout;
    config.suspect_to_down_after = timers.suspicion;
    let three = NonZeroUsize::MIN.saturating_add(2);
    config.periodic_gossip = Some(PeriodicParams { frequency: timers.probe_interval / 2, num_members: three });
    config.periodic_announce =
        Some(PeriodicParams { frequency: Duration::from_secs(5), num_members: NonZeroUsize::MIN });
    config.periodic_announce_to_down_members =
        Some(PeriodicParams { frequency: Duration::from_secs(1), num_members: three });
    let room = if sealed { MAX_DATAGRAM - OVERHEAD } else { MAX_DATAGRAM };
    config.max_packet_size = NonZeroUsize::new(room).unwrap_or(NonZeroUsize::MIN);
    config
}

/// The member's loop state.
struct Runner {
    foca: Swim,
    socket: Arc<UdpSocket>,
    key: Option<SecretKey>,
    me: Member,
    live: watch::Sender<BTreeSet<String>>,
    runtime: AccumulatingRuntime<Member>,
}

impl Runner {
    async fn run(mut self, mut joins: watch::Receiver<Vec<SocketAddr>>, leave: CancellationToken) {
        let (timer_tx, mut timers) = mpsc::unbounded_channel::<Timer<Member>>();
        let mut buffer = vec![0u8; 65_536];
        let mut active = false;
        let mut next_join = tokio::time::Instant::now();
        info!(member = %self.me.name, addr = %self.me.addr, sealed = self.key.is_some(), "gossip started");
        loop {
            tokio::select! {
                () = leave.cancelled() => break,
                received = self.socket.recv_from(&mut buffer) => match received {
                    Ok((len, from)) => self.receive(&buffer[..len], from),
                    Err(error) => warn!(%error, "gossip receive failed"),
                },
                Some(timer) = timers.recv() => {
                    if let Err(error) = self.foca.handle_timer(timer, &mut self.runtime) {
                        debug!(%error, "gossip timer");
                    }
                }
                () = tokio::time::sleep_until(next_join) => {
                    for addr in joins.borrow_and_update().iter().filter(|a| **a != self.me.addr) {
                        let _ = self.foca.announce(Member::seed(*addr), &mut self.runtime);
                    }
                    next_join = tokio::time::Instant::now() + if active { REJOIN } else { JOIN_RETRY };
                }
                Ok(()) = joins.changed() => next_join = tokio::time::Instant::now(),
            }
            active |= self.flush(&timer_tx).await;
        }
        if let Err(error) = self.foca.leave_cluster(&mut self.runtime) {
            warn!(%error, "gossip leave failed");
        }
        self.flush(&timer_tx).await;
        info!(member = %self.me.name, "left the gossip");
    }

    /// Feeds one datagram to foca (after opening it when sealed; forged ones are dropped).
    fn receive(&mut self, data: &[u8], from: SocketAddr) {
        let opened;
        let plain = match &self.key {
            Some(key) => match key.open(data) {
                Ok(bytes) => {
                    opened = bytes;
                    &opened[..]
                }
                Err(error) => {
                    debug!(%from, %error, "dropped a gossip packet");
                    return;
                }
            },
            None => data,
        };
        if let Err(error) = self.foca.handle_data(plain, &mut self.runtime) {
            debug!(%from, %error, "gossip packet refused");
        }
    }

    /// Carries out what foca asked for; returns true if it reported the member active.
    async fn flush(&mut self, timer_tx: &mpsc::UnboundedSender<Timer<Member>>) -> bool {
        let mut active = false;
        let mut membership_changed = false;
        while let Some((to, data)) = self.runtime.to_send() {
            let packet = match &self.key {
                Some(key) => key.seal(&data, &mut rand::rng()),
                None => data.to_vec(),
            };
            if let Err(error) = self.socket.send_to(&packet, to.addr).await {
                debug!(to = %to.addr, %error, "gossip send failed");
            }
        }
        while let Some((after, timer)) = self.runtime.to_schedule() {
            let timer_tx = timer_tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = timer_tx.send(timer);
            });
        }
        while let Some(notification) = self.runtime.to_notify() {
            match notification {
                OwnedNotification::MemberUp(m) => info!(member = %m.name, addr = %m.addr, "member up"),
                OwnedNotification::MemberDown(m) => info!(member = %m.name, addr = %m.addr, "member down"),
                OwnedNotification::Active => active = true,
                OwnedNotification::Rejoin(m) => {
                    info!(incarnation = m.incarnation, "declared down by the cluster; rejoined")
                }
                OwnedNotification::Defunct => debug!("this member is out of the cluster"),
                OwnedNotification::Idle => {
                    warn!("every other member is down or gone: alone (isolated, or the last one)")
                }
                _ => {}
            }
            membership_changed = true;
        }
        if membership_changed {
            self.publish();
        }
        active
    }

    /// Publishes the live names: this member and every member foca holds active (suspects included).
    fn publish(&self) {
        let mut names: BTreeSet<String> =
            self.foca.iter_members().map(|m| m.id().name.clone()).filter(|n| !n.is_empty()).collect();
        names.insert(self.me.name.clone());
        self.live.send_if_modified(|current| {
            let changed = *current != names;
            *current = names;
            changed
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers() -> GossipTimers {
        GossipTimers {
            probe_interval: Duration::from_millis(100),
            probe_timeout: Duration::from_millis(40),
            suspicion: Duration::from_millis(250),
        }
    }

    async fn member(
        name: &str,
        key: Option<&[u8]>,
        joins: Vec<SocketAddr>,
    ) -> (Gossip, SocketAddr, watch::Sender<Vec<SocketAddr>>) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let addr = socket.local_addr().expect("addr");
        let (join_tx, join_rx) = watch::channel(joins);
        let gossip = Gossip::start(socket, name, key.map(SecretKey::from_secret), timers(), join_rx).expect("start");
        (gossip, addr, join_tx)
    }

    async fn wait_for(live: &mut LiveMembers, names: &[&str]) -> Duration {
        let start = tokio::time::Instant::now();
        let want: BTreeSet<String> = names.iter().map(ToString::to_string).collect();
        let reached = tokio::time::timeout(Duration::from_secs(10), live.wait_for(|now| *now == want)).await.is_ok();
        assert!(reached, "members never became {want:?}: {:?}", *live.borrow());
        start.elapsed()
    }

    /// Three members on loopback find each other; a killed one is declared down within a second; a
    /// leaving one is gone at once.
    #[tokio::test]
    async fn members_join_die_and_leave() {
        let (a, a_addr, _ja) = member("a", None, vec![]).await;
        let (b, _, _jb) = member("b", None, vec![a_addr]).await;
        let (c, _, _jc) = member("c", None, vec![a_addr]).await;
        let mut live = a.live();
        wait_for(&mut live, &["a", "b", "c"]).await;
        c.done.abort();
        let detected = wait_for(&mut live, &["a", "b"]).await;
        assert!(detected < Duration::from_secs(1), "dead member detected after {detected:?}");
        b.leave().await;
        let left = wait_for(&mut live, &["a"]).await;
        assert!(left < Duration::from_millis(300), "leave seen after {left:?}");
        a.leave().await;
    }

    /// Members with the same key gossip; a member with another key never joins them.
    #[tokio::test]
    async fn keys_must_match() {
        let (a, a_addr, _ja) = member("a", Some(b"lab secret lab secret lab secret!!"), vec![]).await;
        let (b, _, _jb) = member("b", Some(b"lab secret lab secret lab secret!!"), vec![a_addr]).await;
        let (c, _, _jc) = member("c", Some(b"other secret other secret other s"), vec![a_addr]).await;
        let mut live = a.live();
        wait_for(&mut live, &["a", "b"]).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(*c.live().borrow(), BTreeSet::from(["c".to_string()]));
        assert_eq!(*live.borrow(), BTreeSet::from(["a".to_string(), "b".to_string()]));
        for member in [a, b, c] {
            member.leave().await;
        }
    }
}
