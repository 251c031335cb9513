//! Network namespaces with real links between them, for tests that need what loopback cannot give:
//! iptables rules in a pod's own namespace, original destinations, ARP and NDP between hosts.
//!
//! A [`Lan`] is a bridge in a namespace of its own; [`Lan::attach`] plugs a [`Namespace`] into it with a
//! veth pair (`eth0` on the namespace's side), an address and a default route. Everything is created
//! under names unique to the test process and deleted on drop, so nothing touches the host's own
//! network and nothing outlives the test. Creating namespaces needs root; [`can_create`] says whether
//! this process may, so tests can say plainly that they were skipped.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Whether this process can create network namespaces (it runs as root and `ip` is installed).
pub fn can_create() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false);
    root && Command::new("ip").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Runs `ip` with `args`, failing the test with its stderr if it fails.
pub fn ip(args: &[&str]) {
    checked(Command::new("ip").args(args));
}

/// Runs `command`, failing the test with its output if it fails; returns the output.
pub fn checked(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A network namespace, deleted (with every interface in it) on drop.
#[derive(Debug)]
pub struct Namespace {
    /// Its name, for `ip netns exec`.
    pub name: String,
}

impl Namespace {
    /// A new namespace whose name ends in `tag`, with `lo` up.
    pub fn new(tag: &str) -> Namespace {
        let name = format!("t{}-{}-{tag}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        ip(&["netns", "add", &name]);
        let namespace = Namespace { name };
        ip(&["-n", &namespace.name, "link", "set", "lo", "up"]);
        namespace
    }

    /// `program` to run inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name, program]);
        command
    }

    /// Runs `program args` inside the namespace to its end, failing the test if it fails.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        checked(self.command(program).args(args))
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // Processes still inside keep it alive until they exit; deleting the name is all that is needed.
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

/// A bridge in a namespace of its own, the switch the attached namespaces share.
#[derive(Debug)]
pub struct Lan {
    switch: Namespace,
    ports: AtomicU32,
}

impl Lan {
    /// A new, empty switch.
    pub fn new() -> Lan {
        let switch = Namespace::new("lan");
        ip(&["-n", &switch.name, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &switch.name, "link", "set", "br0", "up"]);
        Lan { switch, ports: AtomicU32::new(0) }
    }

    /// Plugs `namespace` in as `eth0` with `cidr` (`10.77.0.2/24`) and a default route through it.
    pub fn attach(&self, namespace: &Namespace, cidr: &str) {
        let port = format!("p{}", self.ports.fetch_add(1, Ordering::Relaxed));
        let switch = &self.switch.name;
        ip(&["-n", switch, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &namespace.name]);
        ip(&["-n", switch, "link", "set", &port, "master", "br0", "up"]);
        ip(&["-n", &namespace.name, "addr", "add", cidr, "dev", "eth0"]);
        ip(&["-n", &namespace.name, "link", "set", "eth0", "up"]);
        ip(&["-n", &namespace.name, "route", "add", "default", "dev", "eth0"]);
    }
}

impl Default for Lan {
    fn default() -> Lan {
        Lan::new()
    }
}
