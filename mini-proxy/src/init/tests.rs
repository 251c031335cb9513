//! The rules, checked line by line against what Linkerd's injector asks proxy-init for.

use super::*;

fn injected() -> InitSettings {
    InitSettings {
        incoming_proxy_port: 4143,
        outgoing_proxy_port: 4140,
        proxy_uid: 2102,
        proxy_gid: None,
        inbound_ports_to_ignore: ports("inbound-ports-to-ignore", "4190,4191,4567,4568").expect("ports"),
        outbound_ports_to_ignore: ports("outbound-ports-to-ignore", "4567,4568").expect("ports"),
        ports_to_redirect: Vec::new(),
        subnets_to_ignore: Vec::new(),
    }
}

/// The order Linkerd applies: inbound ignores then the redirect; outbound UID, loopback, ignores, redirect.
#[test]
fn injected_rules_in_order() {
    let plan = plan(&injected());
    let lines: Vec<String> = plan.rules.iter().map(Rule::to_string).collect();
    assert_eq!(
        lines,
        [
            "-t nat -A PROXY_INIT_REDIRECT -p tcp --match multiport --dports 4190,4191,4567,4568 -j RETURN -m comment --comment proxy-init/ignore-port-4190,4191,4567,4568",
            "-t nat -A PROXY_INIT_REDIRECT -p tcp -j REDIRECT --to-port 4143 -m comment --comment proxy-init/redirect-all-incoming-to-proxy-port",
            "-t nat -A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 -j RETURN -m comment --comment proxy-init/ignore-proxy-user-id",
            "-t nat -A PROXY_INIT_OUTPUT -o lo -j RETURN -m comment --comment proxy-init/ignore-loopback",
            "-t nat -A PROXY_INIT_OUTPUT -p tcp --match multiport --dports 4567,4568 -j RETURN -m comment --comment proxy-init/ignore-port-4567,4568",
            "-t nat -A PROXY_INIT_OUTPUT -p tcp -j REDIRECT --to-port 4140 -m comment --comment proxy-init/redirect-all-outgoing-to-proxy-port",
        ]
    );
    assert_eq!(
        plan.jumps[0].to_string(),
        "-t nat -A PREROUTING -j PROXY_INIT_REDIRECT -m comment --comment proxy-init/install-proxy-init-prerouting"
    );
    assert_eq!(
        plan.jumps[1].to_string(),
        "-t nat -A OUTPUT -j PROXY_INIT_OUTPUT -m comment --comment proxy-init/install-proxy-init-output"
    );
}

/// Long port lists are cut into multiport matches of 15.
#[test]
fn multiport_chunks() {
    let mut settings = injected();
    settings.inbound_ports_to_ignore =
        ports("inbound-ports-to-ignore", &(1..=40).map(|p| p.to_string()).collect::<Vec<_>>().join(","))
            .expect("ports");
    let plan = plan(&settings);
    let ignores: Vec<&Rule> = plan
        .rules
        .iter()
        .filter(|r| r.0.contains(&REDIRECT_CHAIN.to_string()) && r.0.contains(&"RETURN".to_string()))
        .collect();
    assert_eq!(ignores.len(), 3);
    assert!(ignores[0].to_string().contains("--dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 "));
    assert!(ignores[2].to_string().contains("--dports 31,32,33,34,35,36,37,38,39,40 "));
}

/// Listed-port mode, subnets and the proxy's GID each add their rule.
#[test]
fn optional_rules() {
    let mut settings = injected();
    settings.ports_to_redirect = ports("ports-to-redirect", "8080,9000-9010").expect("ports");
    settings.subnets_to_ignore = vec!["10.0.0.0/8".into()];
    settings.proxy_gid = Some(2102);
    let text: Vec<String> = plan(&settings).rules.iter().map(Rule::to_string).collect();
    assert!(text.iter().any(|l| l.contains("--dports 8080,9000:9010 -j REDIRECT --to-port 4143")));
    assert!(!text.iter().any(|l| l.contains("redirect-all-incoming")));
    assert!(text.iter().any(|l| l.contains("-s 10.0.0.0/8 -j RETURN")));
    assert!(text.iter().any(|l| l.contains("--gid-owner 2102 -j RETURN")));
}

/// Bad port lists are refused, naming the flag and the entry.
#[test]
fn bad_ports() {
    for text in ["80,http", "0", "9-2", "70000"] {
        let error = ports("inbound-ports-to-ignore", text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("in --inbound-ports-to-ignore is not a port or range"), "{text}: {error}");
    }
}
