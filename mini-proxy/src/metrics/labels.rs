//! Linkerd's label sets, spelled exactly as its proxy writes them, so Linkerd's Prometheus queries and
//! `linkerd viz stat` select our series unchanged:
//! - `direction="inbound"|"outbound"`;
//! - `authority="<host>"` on outbound requests (inbound omits it, Linkerd's cardinality default);
//! - `target_addr="ip:port",target_ip="ip",target_port="port"`;
//! - the TLS of the connection, server side `tls="true",client_id="…"`, `tls="no_identity",
//!   no_tls_reason="no_tls_from_remote"|"loopback"|"port_skipped"`, `tls="opaque",sni="…"`, client side
//!   `tls="true",server_id="…"` or `tls="no_identity",no_tls_reason="not_provided_by_service_discovery"`;
//! - inbound, the policy that admitted the connection: `srv_group="",srv_kind="default",srv_name="<policy>",
//!   srv_port="<port>"`;
//! - transport series add `peer="src"` (accepted) or `peer="dst"` (opened); responses add
//!   `status_code`, `classification="success"|"failure"`, `grpc_status` and `error`.

use std::fmt;
use std::net::SocketAddr;

use crate::identity::Identity;

/// One series' labels in Linkerd's order; prometheus-client encodes a `Vec` of pairs as a label set.
pub type Labels = Vec<(&'static str, String)>;

/// Which listener a connection came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a peer to this pod's app.
    Inbound,
    /// From this pod's app to the world.
    Outbound,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        })
    }
}

/// Why an accepted connection carries no mesh identity (Linkerd's `NoServerTls`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoServerTls {
    /// The connection came from this host's loopback.
    Loopback,
    /// The port is configured to skip TLS detection.
    PortSkipped,
    /// The client sent no ClientHello: plaintext.
    NoTlsFromRemote,
}

impl fmt::Display for NoServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoServerTls::Loopback => "loopback",
            NoServerTls::PortSkipped => "port_skipped",
            NoServerTls::NoTlsFromRemote => "no_tls_from_remote",
        })
    }
}

/// The TLS state of a connection this proxy accepted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerTls {
    /// Terminated here; the client presented this identity (or none).
    Established {
        /// The verified client identity.
        client_id: Option<Identity>,
    },
    /// Plaintext, for this reason.
    NoIdentity(NoServerTls),
    /// TLS meant for someone else, passed through untouched.
    Opaque {
        /// The name the client asked for.
        sni: String,
    },
}

/// The TLS state of a connection this proxy opened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientTls {
    /// Mutual TLS to a peer that proved this identity.
    Established {
        /// The verified server identity.
        server_id: Identity,
    },
    /// Plaintext: discovery named no identity for the destination.
    NotMeshed,
    /// Plaintext to this pod's own app (the inbound side's last hop).
    Loopback,
}

/// What a connection's series are labelled with before any request.
#[derive(Clone, Debug)]
pub enum Tls {
    /// An accepted connection.
    Server(ServerTls),
    /// An opened connection.
    Client(ClientTls),
}

/// The inbound policy that admitted a connection, as Linkerd labels its default servers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerLabel {
    /// The policy's name (`all-unauthenticated`, `all-authenticated`, `deny`).
    pub name: &'static str,
    /// The port it applies to.
    pub port: u16,
}

/// Everything a connection's series share.
#[derive(Clone, Debug)]
pub struct ConnectionLabels {
    /// Inbound or outbound.
    pub direction: Direction,
    /// Where the connection is going.
    pub target: SocketAddr,
    /// Its TLS.
    pub tls: Tls,
    /// Inbound only: the policy that admitted it.
    pub server: Option<ServerLabel>,
    /// Outbound only: what discovery knows of the destination (`dst_namespace`, `dst_service`, …).
    pub destination: Vec<(&'static str, String)>,
}

impl ConnectionLabels {
    /// The labels of HTTP series (`request_total`, `response_*`) for a request to `authority`.
    pub fn http(&self, authority: Option<&str>) -> Labels {
        let mut labels = vec![("direction", self.direction.to_string())];
        if let Some(authority) = authority {
            labels.push(("authority", authority.to_string()));
        }
        self.push_target_and_tls(&mut labels);
        labels
    }

    /// The labels of transport series; `peer` is `src` for accepted connections, `dst` for opened ones.
    pub fn transport(&self, authority: Option<&str>) -> Labels {
        let peer = match self.tls {
            Tls::Server(_) => "src",
            Tls::Client(_) => "dst",
        };
        let mut labels = vec![("direction", self.direction.to_string()), ("peer", peer.to_string())];
        if let Some(authority) = authority {
            labels.push(("authority", authority.to_string()));
        }
        self.push_target_and_tls(&mut labels);
        labels
    }

    fn push_target_and_tls(&self, labels: &mut Labels) {
        labels.push(("target_addr", self.target.to_string()));
        labels.push(("target_ip", self.target.ip().to_string()));
        labels.push(("target_port", self.target.port().to_string()));
        push_tls(labels, &self.tls);
        if let Some(server) = &self.server {
            labels.push(("srv_group", String::new()));
            labels.push(("srv_kind", "default".to_string()));
            labels.push(("srv_name", server.name.to_string()));
            labels.push(("srv_port", server.port.to_string()));
        }
        labels.extend(self.destination.iter().cloned());
    }
}

fn push_tls(labels: &mut Labels, tls: &Tls) {
    match tls {
        Tls::Server(ServerTls::Established { client_id }) => {
            labels.push(("tls", "true".into()));
            labels.push(("client_id", client_id.as_ref().map(Identity::to_string).unwrap_or_default()));
        }
        Tls::Server(ServerTls::NoIdentity(reason)) => {
            labels.push(("tls", "no_identity".into()));
            labels.push(("no_tls_reason", reason.to_string()));
        }
        Tls::Server(ServerTls::Opaque { sni }) => {
            labels.push(("tls", "opaque".into()));
            labels.push(("sni", sni.clone()));
        }
        Tls::Client(ClientTls::Established { server_id }) => {
            labels.push(("tls", "true".into()));
            labels.push(("server_id", server_id.to_string()));
        }
        Tls::Client(ClientTls::NotMeshed) => {
            labels.push(("tls", "no_identity".into()));
            labels.push(("no_tls_reason", "not_provided_by_service_discovery".into()));
        }
        Tls::Client(ClientTls::Loopback) => {
            labels.push(("tls", "no_identity".into()));
            labels.push(("no_tls_reason", "loopback".into()));
        }
    }
}

/// How a response ended, for `classification`, `grpc_status` and `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status.
    pub status: u16,
    /// The gRPC status, from the `grpc-status` header or trailer, when there was one.
    pub grpc_status: Option<u32>,
    /// Set when the response stream failed, or the proxy answered for an upstream it could not reach.
    pub error: Option<String>,
}

impl Outcome {
    /// Linkerd's rule: a gRPC status other than 0 is a failure whatever the HTTP status; otherwise a 5xx
    /// or a stream error is.
    pub fn is_success(&self) -> bool {
        if self.error.is_some() {
            return false;
        }
        match self.grpc_status {
            Some(code) => code == 0,
            None => self.status < 500,
        }
    }

    /// `labels` (the request's) with this outcome's labels after them.
    pub fn labels(&self, mut labels: Labels) -> Labels {
        labels.push(("status_code", self.status.to_string()));
        labels.push(("classification", if self.is_success() { "success" } else { "failure" }.to_string()));
        labels.push(("grpc_status", self.grpc_status.map(|c| c.to_string()).unwrap_or_default()));
        labels.push(("error", self.error.clone().unwrap_or_default()));
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(labels: &Labels) -> String {
        labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect::<Vec<_>>().join(",")
    }

    /// Inbound mTLS labels read like Linkerd's, with the policy that admitted the connection.
    #[test]
    fn inbound_labels() {
        let client = Identity::parse("web.default.serviceaccount.identity.linkerd.cluster.local").expect("id");
        let labels = ConnectionLabels {
            direction: Direction::Inbound,
            target: "10.0.0.2:8080".parse().expect("addr"),
            tls: Tls::Server(ServerTls::Established { client_id: Some(client) }),
            server: Some(ServerLabel { name: "all-unauthenticated", port: 8080 }),
            destination: Vec::new(),
        };
        assert_eq!(
            render(&labels.http(None)),
            "direction=\"inbound\",target_addr=\"10.0.0.2:8080\",target_ip=\"10.0.0.2\",target_port=\"8080\",tls=\"true\",\
             client_id=\"web.default.serviceaccount.identity.linkerd.cluster.local\",srv_group=\"\",srv_kind=\"default\",\
             srv_name=\"all-unauthenticated\",srv_port=\"8080\""
        );
        assert!(render(&labels.transport(None)).starts_with("direction=\"inbound\",peer=\"src\",target_addr="));
    }

    /// Outbound labels carry the authority and the server's identity, or why there is none.
    #[test]
    fn outbound_labels() {
        let mut labels = ConnectionLabels {
            direction: Direction::Outbound,
            target: "10.96.0.10:80".parse().expect("addr"),
            tls: Tls::Client(ClientTls::NotMeshed),
            server: None,
            destination: vec![("dst_namespace", "default".into()), ("dst_service", "web".into())],
        };
        assert_eq!(
            render(&labels.http(Some("web.default.svc.cluster.local"))),
            "direction=\"outbound\",authority=\"web.default.svc.cluster.local\",target_addr=\"10.96.0.10:80\",\
             target_ip=\"10.96.0.10\",target_port=\"80\",tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\",\
             dst_namespace=\"default\",dst_service=\"web\""
        );
        labels.tls = Tls::Client(ClientTls::Established { server_id: Identity::parse("b.ns.x").expect("id") });
        assert!(render(&labels.transport(None)).contains("peer=\"dst\",target_addr=\"10.96.0.10:80\""));
        assert!(render(&labels.transport(None)).contains("tls=\"true\",server_id=\"b.ns.x\""));
    }

    /// 5xx fails, 4xx succeeds, a gRPC status decides over HTTP's, errors always fail.
    #[test]
    fn classification() {
        let outcome = |status, grpc_status, error: Option<&str>| Outcome {
            status,
            grpc_status,
            error: error.map(str::to_string),
        };
        assert!(outcome(200, None, None).is_success());
        assert!(outcome(404, None, None).is_success());
        assert!(!outcome(500, None, None).is_success());
        assert!(!outcome(200, Some(2), None).is_success());
        assert!(outcome(200, Some(0), None).is_success());
        assert!(!outcome(200, None, Some("stream reset")).is_success());
        assert_eq!(
            render(&outcome(500, None, None).labels(Vec::new())),
            "status_code=\"500\",classification=\"failure\",grpc_status=\"\",error=\"\""
        );
    }
}
