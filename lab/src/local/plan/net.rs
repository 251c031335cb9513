//! IPv4 subnets as the lab uses them: the kind network, the pod subnet and its per-node /24s, the
//! Service subnet ClusterIPs come from.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 subnet, `base/prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    /// Its first address.
    pub base: Ipv4Addr,
    /// Its prefix length, 0 to 32.
    pub prefix: u8,
}

impl Cidr {
    /// The `n`th address of the subnet (0 is the network address).
    pub fn host(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.base).wrapping_add(n))
    }

    /// How many addresses it holds.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
        u32::from(ip) & mask == u32::from(self.base)
    }

    /// The `index`th subnet of length `prefix` inside, if there is one.
    pub fn subnet(&self, prefix: u8, index: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let count = 1u64 << (prefix - self.prefix);
        if u64::from(index) >= count {
            return None;
        }
        let step = 1u64 << (32 - u32::from(prefix));
        let base = u64::from(u32::from(self.base)) + u64::from(index) * step;
        Some(Cidr { base: Ipv4Addr::from(u32::try_from(base).ok()?), prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (ip, prefix) = text.split_once('/').ok_or("expected ADDRESS/PREFIX such as 10.244.0.0/16")?;
        let base: Ipv4Addr = ip.parse().map_err(|_| format!("{ip:?} is not an IPv4 address"))?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or("the prefix must be 0 to 32")?;
        let cidr = Cidr { base, prefix };
        if !cidr.contains(base) {
            return Err(format!("{base} has host bits set for /{prefix}"));
        }
        Ok(cidr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Subnets parse, print, contain and split as expected; host bits and bad prefixes are refused.
    #[test]
    fn cidrs() {
        let pods: Cidr = "10.244.0.0/16".parse().expect("valid");
        assert_eq!(pods.subnet(24, 3).map(|c| c.to_string()).as_deref(), Some("10.244.3.0/24"));
        assert_eq!(pods.subnet(24, 256), None);
        assert!(pods.contains(Ipv4Addr::new(10, 244, 9, 9)) && !pods.contains(Ipv4Addr::new(10, 245, 0, 1)));
        assert_eq!(pods.host(258), Ipv4Addr::new(10, 244, 1, 2));
        assert_eq!(pods.size(), 65536);
        assert!("10.244.0.1/16".parse::<Cidr>().is_err());
        assert!("10.244.0.0/33".parse::<Cidr>().is_err());
        assert!("10.244.0.0".parse::<Cidr>().is_err());
    }
}
