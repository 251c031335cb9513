//! `mini-proxy init`: the iptables rules that make the proxy transparent, as Linkerd's proxy-init
//! writes them, all in the `nat` table of the pod's network namespace.
//!
//! - `PROXY_INIT_REDIRECT`, jumped to from `PREROUTING`: connections into the pod, except to ignored
//!   ports (the proxy's own admin port among them), are redirected to the inbound port (4143).
//! - `PROXY_INIT_OUTPUT`, jumped to from `OUTPUT`: connections out of the pod are redirected to the
//!   outbound port (4140), except the proxy's own (matched by its UID, which is what stops the proxy's
//!   connections from looping back into itself), those over loopback, and those to ignored ports.
//!
//! Port lists go into `multiport` matches of at most 15 ports, the kernel module's limit. Every rule is
//! commented `proxy-init/...` so it can be told apart. Applying twice flushes the chains and re-adds the
//! rules rather than duplicating them; `--remove` takes everything out again; `--simulate` prints the
//! commands without running them. [`plan`] is a pure function of the settings; [`apply`] runs it.

pub mod apply;

use std::fmt;

/// The chain for connections into the pod.
pub const REDIRECT_CHAIN: &str = "PROXY_INIT_REDIRECT";
/// The chain for connections out of the pod.
pub const OUTPUT_CHAIN: &str = "PROXY_INIT_OUTPUT";
/// The most ports one `multiport` match takes.
pub const MULTIPORT_LIMIT: usize = 15;

/// What the rules redirect and spare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitSettings {
    /// The inbound proxy port.
    pub incoming_proxy_port: u16,
    /// The outbound proxy port.
    pub outgoing_proxy_port: u16,
    /// The UID the proxy runs as; its connections are never redirected.
    pub proxy_uid: u32,
    /// Optionally its GID too.
    pub proxy_gid: Option<u32>,
    /// Inbound ports left alone (port numbers or ranges as `a:b`).
    pub inbound_ports_to_ignore: Vec<String>,
    /// Outbound ports left alone.
    pub outbound_ports_to_ignore: Vec<String>,
    /// Inbound ports to redirect; empty means all.
    pub ports_to_redirect: Vec<String>,
    /// Source subnets whose inbound connections are left alone.
    pub subnets_to_ignore: Vec<String>,
}

/// One iptables invocation: its arguments, after the binary's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule(pub Vec<String>);

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

fn rule(parts: &[&str]) -> Rule {
    Rule(parts.iter().map(|p| p.to_string()).collect())
}

fn comment(mut rule: Rule, name: &str) -> Rule {
    rule.0.extend(["-m".into(), "comment".into(), "--comment".into(), format!("proxy-init/{name}")]);
    rule
}

/// What [`plan`] produces: chains to create (or flush), the rules in them, and the jumps into them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The chains, created if missing and flushed if present.
    pub chains: Vec<&'static str>,
    /// The rules appended to them, in order.
    pub rules: Vec<Rule>,
    /// The jumps from the built-in chains, each added only if missing.
    pub jumps: Vec<Rule>,
}

/// The rules for `settings`, in the order they are applied.
pub fn plan(settings: &InitSettings) -> Plan {
    let mut rules = Vec::new();
    let redirect = ["-t", "nat", "-A", REDIRECT_CHAIN];
    for chunk in settings.inbound_ports_to_ignore.chunks(MULTIPORT_LIMIT) {
        let ports = chunk.join(",");
        let r =
            rule(&[&redirect[..], &["-p", "tcp", "--match", "multiport", "--dports", &ports, "-j", "RETURN"]].concat());
        rules.push(comment(r, &format!("ignore-port-{ports}")));
    }
    for subnet in &settings.subnets_to_ignore {
        let r = rule(&[&redirect[..], &["-p", "tcp", "-s", subnet, "-j", "RETURN"]].concat());
        rules.push(comment(r, &format!("ignore-subnet-{subnet}")));
    }
    let to_inbound = settings.incoming_proxy_port.to_string();
    if settings.ports_to_redirect.is_empty() {
        let r = rule(&[&redirect[..], &["-p", "tcp", "-j", "REDIRECT", "--to-port", &to_inbound]].concat());
        rules.push(comment(r, "redirect-all-incoming-to-proxy-port"));
    } else {
        for chunk in settings.ports_to_redirect.chunks(MULTIPORT_LIMIT) {
            let ports = chunk.join(",");
            let r = rule(
                &[
                    &redirect[..],
                    &[
                        "-p",
                        "tcp",
                        "--match",
                        "multiport",
                        "--dports",
                        &ports,
                        "-j",
                        "REDIRECT",
                        "--to-port",
                        &to_inbound,
                    ],
                ]
                .concat(),
            );
            rules.push(comment(r, &format!("redirect-port-{ports}")));
        }
    }

    let output = ["-t", "nat", "-A", OUTPUT_CHAIN];
    let uid = settings.proxy_uid.to_string();
    let r = rule(&[&output[..], &["-m", "owner", "--uid-owner", &uid, "-j", "RETURN"]].concat());
    rules.push(comment(r, "ignore-proxy-user-id"));
    if let Some(gid) = settings.proxy_gid {
        let gid = gid.to_string();
        let r = rule(&[&output[..], &["-m", "owner", "--gid-owner", &gid, "-j", "RETURN"]].concat());
        rules.push(comment(r, "ignore-proxy-group-id"));
    }
    rules.push(comment(rule(&[&output[..], &["-o", "lo", "-j", "RETURN"]].concat()), "ignore-loopback"));
    for chunk in settings.outbound_ports_to_ignore.chunks(MULTIPORT_LIMIT) {
        let ports = chunk.join(",");
        let r =
            rule(&[&output[..], &["-p", "tcp", "--match", "multiport", "--dports", &ports, "-j", "RETURN"]].concat());
        rules.push(comment(r, &format!("ignore-port-{ports}")));
    }
    let to_outbound = settings.outgoing_proxy_port.to_string();
    let r = rule(&[&output[..], &["-p", "tcp", "-j", "REDIRECT", "--to-port", &to_outbound]].concat());
    rules.push(comment(r, "redirect-all-outgoing-to-proxy-port"));

    let jumps = vec![
        comment(rule(&["-t", "nat", "-A", "PREROUTING", "-j", REDIRECT_CHAIN]), "install-proxy-init-prerouting"),
        comment(rule(&["-t", "nat", "-A", "OUTPUT", "-j", OUTPUT_CHAIN]), "install-proxy-init-output"),
    ];
    Plan { chains: vec![REDIRECT_CHAIN, OUTPUT_CHAIN], rules, jumps }
}

/// A port list entry that is not a port or range.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} in --{flag} is not a port or range; expected a list such as 4190,4191 or 8000-8100")]
pub struct BadPorts {
    /// The flag.
    pub flag: &'static str,
    /// The entry.
    pub value: String,
}

/// Parses a comma-separated port list into iptables' spelling (`8000-8100` becomes `8000:8100`).
pub fn ports(flag: &'static str, text: &str) -> Result<Vec<String>, BadPorts> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let bad = || BadPorts { flag, value: item.to_string() };
        let valid_port = |p: &str| p.trim().parse::<u16>().ok().filter(|p| *p > 0);
        match item.split_once('-') {
            Some((low, high)) => match (valid_port(low), valid_port(high)) {
                (Some(low), Some(high)) if low <= high => out.push(format!("{low}:{high}")),
                _ => return Err(bad()),
            },
            None => out.push(valid_port(item).ok_or_else(bad)?.to_string()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
