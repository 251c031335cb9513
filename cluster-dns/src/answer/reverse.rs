//! Reverse names: the address an `in-addr.arpa` or `ip6.arpa` name stands for.
//!
//! `4.1.244.10.in-addr.arpa.` is 10.244.1.4: four decimal labels, reversed. `ip6.arpa` names are 32
//! hexadecimal nibbles, reversed. A partial name (`244.10.in-addr.arpa.`) stands for no single address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::Name;

/// The address `name` is the reverse name of, if it is a complete one.
pub fn address(name: &Name) -> Option<IpAddr> {
    let labels: Vec<String> = name.iter().map(|l| String::from_utf8_lossy(l).to_ascii_lowercase()).collect();
    match labels.as_slice() {
        [octets @ .., zone, arpa] if zone == "in-addr" && arpa == "arpa" && octets.len() == 4 => {
            let text: Vec<&str> = octets.iter().rev().map(String::as_str).collect();
            text.join(".").parse::<Ipv4Addr>().ok().map(IpAddr::V4)
        }
        [nibbles @ .., zone, arpa] if zone == "ip6" && arpa == "arpa" && nibbles.len() == 32 => {
            let mut value: u128 = 0;
            for nibble in nibbles.iter().rev() {
                let digit = match nibble.as_bytes() {
                    [c] => char::from(*c).to_digit(16)?,
                    _ => return None,
                };
                value = (value << 4) | u128::from(digit);
            }
            Some(IpAddr::V6(Ipv6Addr::from(value)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<IpAddr> {
        address(&Name::from_ascii(text).expect("a name"))
    }

    /// Complete IPv4 and IPv6 reverse names give their address, in any case.
    #[test]
    fn complete_names() {
        assert_eq!(parse("4.1.244.10.in-addr.arpa."), Some("10.244.1.4".parse().expect("ip")));
        assert_eq!(parse("4.1.244.10.IN-ADDR.ARPA."), Some("10.244.1.4".parse().expect("ip")));
        let v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.";
        assert_eq!(parse(v6), Some("fd00::1".parse().expect("ip")));
    }

    /// Partial names, bad labels and other zones give nothing.
    #[test]
    fn incomplete_or_bad_names() {
        assert_eq!(parse("1.244.10.in-addr.arpa."), None);
        assert_eq!(parse("4.1.244.300.in-addr.arpa."), None);
        assert_eq!(parse("4.1.244.010.in-addr.arpa."), None);
        assert_eq!(parse("x.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."), None);
        assert_eq!(parse("4.1.244.10.cluster.local."), None);
    }
}
