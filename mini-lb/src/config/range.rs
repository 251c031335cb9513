//! Address ranges as MetalLB writes them: a CIDR (`198.51.100.0/24`, `fc00::/124`) or an explicit range
//! (`192.168.1.240-192.168.1.250`, spaces allowed around the dash), turned into the minimal list of CIDRs
//! covering it, as MetalLB's `ParseCIDR` does with `ipaddr.Summarize`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Parses one `addresses` entry into CIDRs; the error is a reason without the entry itself.
pub fn parse_range(text: &str) -> Result<Vec<IpNet>, String> {
    let Some((start, end)) = text.split_once('-') else {
        // Like Go's net.ParseCIDR: host bits are dropped, a bare address is refused.
        let net: IpNet = text.trim().parse().map_err(|_| "not a CIDR (a.b.c.d/n) or a range (a.b.c.d-e.f.g.h)")?;
        return Ok(vec![net.trunc()]);
    };
    let start: IpAddr =
        start.trim().parse().map_err(|_| format!("range start {:?} is not an IP address", start.trim()))?;
    let end: IpAddr = end.trim().parse().map_err(|_| format!("range end {:?} is not an IP address", end.trim()))?;
    match (start, end) {
        (IpAddr::V4(start), IpAddr::V4(end)) if start <= end => Ok(summarize_v4(start, end)),
        (IpAddr::V6(start), IpAddr::V6(end)) if start <= end => Ok(summarize_v6(start, end)),
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => Err("range start is after its end".into()),
        _ => Err("range mixes IPv4 and IPv6".into()),
    }
}

/// The fewest CIDRs covering `start..=end`, in address order.
fn summarize_v4(start: Ipv4Addr, end: Ipv4Addr) -> Vec<IpNet> {
    summarize(u128::from(u32::from(start)), u128::from(u32::from(end)), 32)
        .into_iter()
        .filter_map(|(base, len)| {
            let base = u32::try_from(base).ok()?;
            Ipv4Net::new(Ipv4Addr::from(base), len).ok().map(IpNet::V4)
        })
        .collect()
}

fn summarize_v6(start: Ipv6Addr, end: Ipv6Addr) -> Vec<IpNet> {
    summarize(u128::from(start), u128::from(end), 128)
        .into_iter()
        .filter_map(|(base, len)| Ipv6Net::new(Ipv6Addr::from(base), len).ok().map(IpNet::V6))
        .collect()
}

/// Blocks `(base, prefix length)` covering `start..=end` in an address space of `bits` bits: at each step
/// the largest aligned block that starts at `start` and does not pass `end`.
fn summarize(mut start: u128, end: u128, bits: u8) -> Vec<(u128, u8)> {
    let mut blocks = Vec::new();
    loop {
        let aligned = if start == 0 { u32::from(bits) } else { start.trailing_zeros().min(u32::from(bits)) };
        let mut host_bits = aligned;
        while host_bits > 0 && block_end(start, host_bits) > end {
            host_bits -= 1;
        }
        let last = block_end(start, host_bits);
        blocks.push((start, bits - u8::try_from(host_bits).unwrap_or(bits)));
        if last >= end {
            return blocks;
        }
        start = last + 1;
    }
}

/// The last address of the block of `2^host_bits` addresses starting at `start` (saturating).
fn block_end(start: u128, host_bits: u32) -> u128 {
    let size_minus_one = if host_bits >= 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    start.saturating_add(size_minus_one)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(text: &str) -> Vec<String> {
        parse_range(text).expect(text).iter().map(ToString::to_string).collect()
    }

    /// The lab's range becomes the minimal CIDR list (.200/29, .208/28, .224/28, .240/29, .248/31, .250/32).
    #[test]
    fn lab_range_is_summarized() {
        assert_eq!(
            nets("172.18.255.200-172.18.255.250"),
            [
                "172.18.255.200/29",
                "172.18.255.208/28",
                "172.18.255.224/28",
                "172.18.255.240/29",
                "172.18.255.248/31",
                "172.18.255.250/32"
            ]
        );
    }

    /// Spaces around the dash and the ends are allowed; a single-address range is a /32.
    #[test]
    fn spaces_and_single_addresses() {
        assert_eq!(nets(" 10.0.0.1 - 10.0.0.5 "), ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31"]);
        assert_eq!(nets("10.0.0.7-10.0.0.7"), ["10.0.0.7/32"]);
    }

    /// CIDRs parse in both families and lose their host bits, as Go's ParseCIDR does.
    #[test]
    fn cidrs_in_both_families() {
        assert_eq!(nets("fc00::/124"), ["fc00::/124"]);
        assert_eq!(nets("198.51.100.7/24"), ["198.51.100.0/24"]);
        assert_eq!(nets("fc00::10-fc00::1f"), ["fc00::10/124"]);
        assert_eq!(nets("0.0.0.0-255.255.255.255"), ["0.0.0.0/0"]);
    }

    /// Reversed ranges, mixed families, bare addresses and garbage are refused with a reason.
    #[test]
    fn malformed_ranges_are_refused() {
        for (text, reason) in [
            ("10.0.0.5-10.0.0.1", "after its end"),
            ("10.0.0.1-fc00::1", "mixes IPv4 and IPv6"),
            ("10.0.0.1", "not a CIDR"),
            ("10.0.0.0/33", "not a CIDR"),
            ("banana-10.0.0.1", "range start"),
            ("10.0.0.1-x", "range end"),
        ] {
            let error = parse_range(text).expect_err(text);
            assert!(error.contains(reason), "{text}: {error}");
        }
    }
}
