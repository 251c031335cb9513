//! MetalLB's ordering of candidate nodes for one address: by `sha256(node + "#" + ip)`, compared as
//! bytes, smallest first. The address is written the way Go's `net.IP.String()` writes it, which for
//! IPv4 and IPv6 (RFC 5952) is what Rust's `Display` writes, so the hash input is byte-identical.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

/// The hash a node sorts by for `ip`.
fn ballot_hash(node: &str, ip: IpAddr) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(node.as_bytes());
    hasher.update(b"#");
    hasher.update(ip.to_string().as_bytes());
    hasher.finalize().into()
}

/// `nodes` in MetalLB's order for `ip` (ties, which need a hash collision, keep input order).
pub fn hash_order<'a>(nodes: &[&'a str], ip: IpAddr) -> Vec<&'a str> {
    let mut keyed: Vec<([u8; 32], &str)> = nodes.iter().map(|node| (ballot_hash(node, ip), *node)).collect();
    keyed.sort_by_key(|a| a.0);
    keyed.into_iter().map(|(_, node)| node).collect()
}

/// The node that announces `ip` among `nodes`.
pub fn winner<'a>(nodes: &[&'a str], ip: IpAddr) -> Option<&'a str> {
    nodes.iter().copied().min_by_key(|node| ballot_hash(node, ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vectors computed outside this code (Python's hashlib over `node#ip`), for the lab's names.
    #[test]
    fn golden_vectors() {
        let kind = ["kind-worker", "kind-worker2", "kind-worker3", "kind-control-plane"];
        for (ip, expected) in [
            ("172.18.255.200", ["kind-worker2", "kind-worker", "kind-worker3", "kind-control-plane"]),
            ("172.18.255.201", ["kind-worker2", "kind-worker3", "kind-control-plane", "kind-worker"]),
            ("fc00:f853:ccd:e793::c8", ["kind-worker3", "kind-worker", "kind-worker2", "kind-control-plane"]),
        ] {
            assert_eq!(hash_order(&kind, ip.parse().expect("ip")), expected, "{ip}");
        }
        let abc = ["node-a", "node-b", "node-c"];
        assert_eq!(hash_order(&abc, "10.99.0.100".parse().expect("ip")), ["node-b", "node-c", "node-a"]);
        assert_eq!(hash_order(&abc, "10.99.0.101".parse().expect("ip")), ["node-c", "node-a", "node-b"]);
        assert_eq!(hash_order(&abc, "fd99::64".parse().expect("ip")), ["node-a", "node-c", "node-b"]);
    }

    /// The first 8 bytes of the winning hash, as `sha256sum` prints them, tie the vector to the definition.
    #[test]
    fn hash_input_is_node_hash_ip() {
        let hash = ballot_hash("kind-worker2", "172.18.255.200".parse().expect("ip"));
        let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "3599cdb10075a8fd");
    }

    /// The winner is the same whatever the input order, and an empty set has none.
    #[test]
    fn order_does_not_depend_on_input_order() {
        let ip = "172.18.255.200".parse().expect("ip");
        assert_eq!(winner(&["kind-worker3", "kind-worker", "kind-worker2"], ip), Some("kind-worker2"));
        assert_eq!(winner(&["kind-worker2", "kind-worker3", "kind-worker"], ip), Some("kind-worker2"));
        assert_eq!(winner(&[], ip), None);
    }
}
