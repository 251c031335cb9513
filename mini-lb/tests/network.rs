//! Speakers for real, in network namespaces this test builds (see `lab`): three nodes on a bridge and a
//! client, ARP and NDP answered from AF_PACKET sockets, failover by gossip. Needs root, `ip`, `arping`,
//! `curl` and `python3` (scripts/test installs them).

mod lab;

use std::time::{Duration, Instant};

use test_support::wait::wait_until;

use lab::{NODES, SpeakerOptions, UNOWNED4, VIP4, VIP6, index, node_mac, serving};

/// The client's neighbour entry for the address holds the elected node's MAC, its traffic reaches that
/// node, and an address nobody announces gets no ARP reply.
#[test]
fn client_reaches_the_elected_node() {
    let (lab, owner, _) = serving(&SpeakerOptions::default(), VIP4);
    assert_eq!(lab.neighbour(VIP4).as_deref(), Some(node_mac(index(owner)).as_str()));
    assert!(lab.arping(VIP4), "the announced address answers ARP");
    assert!(!lab.arping(UNOWNED4), "an address nobody announces got an ARP reply");
    let metrics = lab.metrics(index(owner));
    assert!(metrics.contains(&format!("metallb_speaker_announced{{service=\"default/web-v4\",protocol=\"layer2\",node=\"{owner}\",ip=\"{VIP4}\"}} 1")), "{metrics}");
    assert!(metrics.contains(&format!("metallb_layer2_requests_received{{ip=\"{VIP4}\"}}")), "{metrics}");
    assert!(metrics.contains(&format!("metallb_layer2_gratuitous_sent{{ip=\"{VIP4}\"}}")), "{metrics}");
    let status = lab.status(index(owner));
    assert!(status.contains("serviceName: web-v4") && status.contains(&format!("node: {owner}")), "{status}");
    for other in NODES.iter().filter(|n| **n != owner) {
        assert!(
            !lab.metrics(index(other)).contains("metallb_speaker_announced{service=\"default/web-v4\""),
            "{other} announces too"
        );
    }
}

/// IPv6: a neighbour solicitation from the client is answered by the node elected for the IPv6
/// address, and the client's traffic reaches it.
#[test]
fn ipv6_works() {
    let (lab, owner, _) = serving(&SpeakerOptions::default(), VIP6);
    assert_eq!(lab.neighbour(VIP6).as_deref(), Some(node_mac(index(owner)).as_str()));
}

/// Unplugging the owner's cable moves the address and the client's traffic to the next node in hash
/// order within a second or two; plugging it back moves it back, as MetalLB's failback does.
#[test]
fn cutting_the_owners_link_moves_the_address_and_back() {
    let (lab, owner, next) = serving(&SpeakerOptions::default(), VIP4);
    lab.set_link(index(owner), false);
    let moved = lab.wait_served_by(VIP4, next, Duration::from_secs(5));
    assert!(moved < Duration::from_secs(2), "failover took {moved:?}");
    assert_eq!(lab.neighbour(VIP4).as_deref(), Some(node_mac(index(next)).as_str()));
    lab.set_link(index(owner), true);
    lab.wait_served_by(VIP4, owner, Duration::from_secs(15));
    assert_eq!(lab.neighbour(VIP4).as_deref(), Some(node_mac(index(owner)).as_str()));
}

/// SIGTERM on the owner's speaker hands the address over at once (it withdraws, then leaves the
/// gossip), and the speaker exits 0.
#[test]
fn sigterm_hands_over_at_once() {
    let (mut lab, owner, next) = serving(&SpeakerOptions::default(), VIP4);
    let mut speaker = lab.speakers[index(owner) - 1].take().expect("the owner's speaker");
    let start = Instant::now();
    speaker.sigterm();
    assert!(speaker.wait(Duration::from_secs(5)).success(), "{}", speaker.output());
    let moved = start.elapsed() + lab.wait_served_by(VIP4, next, Duration::from_secs(5));
    assert!(moved < Duration::from_secs(1), "handover took {moved:?}");
    assert!(speaker.output().contains("announcements withdrawn"), "{}", speaker.output());
}

/// A partition is split brain, as MetalLB documents it: the cut-off owner keeps announcing on its side
/// while the others elect a new owner; once healed, exactly one node announces again.
#[test]
fn partition_is_split_brain_until_healed() {
    let (lab, owner, next) = serving(&SpeakerOptions::default(), VIP4);
    lab.set_link(index(owner), false);
    lab.wait_served_by(VIP4, next, Duration::from_secs(5));
    let announces = |i: usize| lab.metrics(i).contains("metallb_speaker_announced{service=\"default/web-v4\"");
    assert!(announces(index(owner)) && announces(index(next)), "both sides announce during a partition");
    lab.set_link(index(owner), true);
    lab.wait_served_by(VIP4, owner, Duration::from_secs(15));
    let start = Instant::now();
    while announces(index(next)) {
        assert!(start.elapsed() < Duration::from_secs(10), "the interim owner never stopped announcing");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Gossip off: liveness comes from the Nodes' Ready condition; the elected node still answers.
#[test]
fn without_gossip_nodes_ready_decide() {
    let (lab, owner, _) = serving(&SpeakerOptions { gossip: false, secret: None, extra: Vec::new() }, VIP4);
    assert!(lab.metrics(index(owner)).contains("metallb_speaker_announced{service=\"default/web-v4\""));
}

/// A new interface gets a responder within one 10 s rescan; an excluded one (`dummy*`) and a bridge
/// port never do; a removed one's responder stops.
#[test]
fn interfaces_are_rescanned() {
    let (lab, _, _) = serving(&SpeakerOptions::default(), VIP4);
    let node = lab.nodes[0].as_str();
    for args in [
        &["link", "add", "eth1", "type", "veth", "peer", "name", "dummy0"][..],
        &["link", "add", "br9", "type", "bridge"],
        &["link", "add", "eth2", "type", "veth", "peer", "name", "dummy1"],
        &["link", "set", "eth2", "master", "br9"],
    ] {
        lab::run(&[&["ip", "-n", node][..], args].concat());
    }
    for interface in ["eth1", "dummy0", "br9", "eth2", "dummy1"] {
        lab::run(&["ip", "-n", node, "link", "set", interface, "up"]);
    }
    let speaker = lab.speakers[0].as_ref().expect("node-1's speaker");
    let started = |name: &str| speaker.output().contains(&format!("responder started interface={name} "));
    wait_until(Duration::from_secs(15), "a responder on eth1", || started("eth1"));
    assert!(!started("dummy0"), "an excluded interface got a responder");
    assert!(!started("eth2"), "a bridge port got a responder");
    lab::run(&["ip", "-n", node, "link", "del", "eth1"]);
    wait_until(Duration::from_secs(15), "eth1's responder stopped", || {
        speaker.output().contains("responder stopped interface=eth1")
    });
}
