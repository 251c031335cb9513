//! The init container: `mini-proxy init` with proxy-init's flags, which installs the iptables rules
//! that send the pod's traffic through the proxy. It runs as root (iptables needs it) with only
//! `NET_ADMIN` and `NET_RAW`, a read-only root filesystem and a writable `/run` for the xtables lock.

use super::overrides::PodSettings;
use super::proxy::{INBOUND_PORT, OUTBOUND_PORT, resources};
use super::volumes::{XTABLES_LOCK, mount};
use super::yaml::Node;

/// The init container's name, Linkerd's, by which a second injection knows the first.
pub const INIT_CONTAINER: &str = "linkerd-init";

/// The init container for a pod with `pod`'s settings.
pub fn container(pod: &PodSettings) -> Node {
    let mut args = vec![
        "init".to_string(),
        "--incoming-proxy-port".into(),
        INBOUND_PORT.to_string(),
        "--outgoing-proxy-port".into(),
        OUTBOUND_PORT.to_string(),
        "--proxy-uid".into(),
        pod.uid.clone(),
        "--inbound-ports-to-ignore".into(),
        pod.inbound_ports_to_ignore.clone(),
    ];
    if !pod.outbound_ports_to_ignore.is_empty() {
        args.extend(["--outbound-ports-to-ignore".into(), pod.outbound_ports_to_ignore.clone()]);
    }
    let capabilities = Node::map([
        ("add", Node::seq([Node::str("NET_ADMIN"), Node::str("NET_RAW")])),
        ("drop", Node::seq([Node::str("ALL")])),
    ]);
    Node::map([
        ("name", Node::str(INIT_CONTAINER)),
        ("image", Node::str(&pod.image)),
        ("imagePullPolicy", Node::str("IfNotPresent")),
        ("args", Node::seq(args.into_iter().map(Node::str))),
        ("resources", resources(pod)),
        (
            "securityContext",
            Node::map([
                ("allowPrivilegeEscalation", Node::plain(false)),
                ("capabilities", capabilities),
                ("privileged", Node::plain(false)),
                ("readOnlyRootFilesystem", Node::plain(true)),
                ("runAsNonRoot", Node::plain(false)),
                ("runAsUser", Node::plain(0)),
                ("seccompProfile", Node::map([("type", Node::str("RuntimeDefault"))])),
            ]),
        ),
        ("terminationMessagePolicy", Node::str("FallbackToLogsOnError")),
        ("volumeMounts", Node::seq([mount(XTABLES_LOCK, "/run")])),
    ])
}
