//! The volumes an injected pod gets, and where its containers mount them.
//!
//! - `linkerd-proxy-init-xtables-lock`: an emptyDir at `/run` in the init container, so iptables can
//!   take its lock with a read-only root filesystem.
//! - `linkerd-identity-end-entity`: the proxy's key and certificate, in memory only.
//! - `linkerd-identity-token`: a ServiceAccount token projected for the identity service's audience
//!   (`identity.l5d.io`), which the identity service checks with a TokenReview before it signs.

use super::yaml::Node;

/// The init container's writable `/run`.
pub const XTABLES_LOCK: &str = "linkerd-proxy-init-xtables-lock";
/// The proxy's credentials directory.
pub const END_ENTITY: &str = "linkerd-identity-end-entity";
/// Where the proxy finds its credentials (its `LINKERD2_PROXY_IDENTITY_DIR`).
pub const END_ENTITY_PATH: &str = "/var/run/linkerd/identity/end-entity";
/// The projected token's volume, and its file name inside it.
pub const TOKEN: &str = "linkerd-identity-token";
/// Where the token volume is mounted.
pub const TOKEN_DIR: &str = "/var/run/secrets/tokens";
/// The audience the identity service accepts tokens for.
pub const TOKEN_AUDIENCE: &str = "identity.l5d.io";
/// A day, as Linkerd projects it; the kubelet renews the token well before.
pub const TOKEN_SECONDS: u32 = 86_400;

/// The three volumes, in the order Linkerd lists them.
pub fn volumes() -> Vec<Node> {
    let token = Node::map([
        ("audience", Node::str(TOKEN_AUDIENCE)),
        ("expirationSeconds", Node::plain(TOKEN_SECONDS)),
        ("path", Node::str(TOKEN)),
    ]);
    vec![
        Node::map([("name", Node::str(XTABLES_LOCK)), ("emptyDir", Node::map::<&str>([]))]),
        Node::map([("name", Node::str(END_ENTITY)), ("emptyDir", Node::map([("medium", Node::str("Memory"))]))]),
        Node::map([
            ("name", Node::str(TOKEN)),
            ("projected", Node::map([("sources", Node::seq([Node::map([("serviceAccountToken", token)])]))])),
        ]),
    ]
}

/// A `volumeMounts` item.
pub fn mount(name: &str, path: &str) -> Node {
    Node::map([("name", Node::str(name)), ("mountPath", Node::str(path))])
}
