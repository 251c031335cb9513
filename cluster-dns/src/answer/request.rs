//! What a name under the zone asks for, read the way CoreDNS's `parseRequest` reads it.
//!
//! Right to left, below the zone: `svc` or `pod`, then the namespace, then the Service (or the pod's
//! dashed IP), then either one label (an endpoint hostname) or two (`_port._protocol`). Anything longer
//! is a name that cannot exist; `<zone>`, `svc.<zone>` and `pod.<zone>` exist but hold nothing.

/// Which tree of the zone a name is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// `*.svc.<zone>`: Services.
    Svc,
    /// `*.pod.<zone>`: pods by dashed IP.
    Pod,
}

/// A name below a namespace: `[<endpoint>|_<port>._<protocol>.]<name>.<namespace>.svc|pod`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectName<'a> {
    /// The namespace label.
    pub namespace: &'a str,
    /// The Service name (or, under `pod`, the dashed pod IP); none for `<namespace>.svc.<zone>` itself.
    pub name: Option<&'a str>,
    /// An endpoint hostname label (`postgres-0`, `10-244-1-4`).
    pub endpoint: Option<&'a str>,
    /// The port name of an SRV-shaped name, without its underscore.
    pub port: Option<&'a str>,
    /// The protocol of an SRV-shaped name, without its underscore.
    pub protocol: Option<&'a str>,
}

/// How a name under the zone parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameRequest<'a> {
    /// The zone apex, `svc.<zone>` or `pod.<zone>`: names that exist and hold no records.
    Empty,
    /// A name that cannot exist: a second label other than `svc`/`pod`, or too many labels.
    Invalid,
    /// A namespace or an object in it.
    Object(Space, ObjectName<'a>),
}

/// Parses `labels`: the labels below the zone, lower case, leftmost first
/// (`["_http", "_tcp", "web", "default", "svc"]` for `_http._tcp.web.default.svc.cluster.local`).
pub fn parse<'a>(labels: &[&'a str]) -> NameRequest<'a> {
    let mut rest = labels.iter().rev().copied();
    let space = match rest.next() {
        None => return NameRequest::Empty,
        Some("svc") => Space::Svc,
        Some("pod") => Space::Pod,
        Some(_) => return NameRequest::Invalid,
    };
    let Some(namespace) = rest.next() else { return NameRequest::Empty };
    let mut object = ObjectName { namespace, name: rest.next(), ..ObjectName::default() };
    // Right to left from here: `[endpoint]`, or `[protocol, port]` for `_port._protocol.<name>`.
    let remaining: Vec<&str> = rest.collect();
    match remaining.as_slice() {
        [] => {}
        [endpoint] => object.endpoint = Some(endpoint),
        [protocol, port] => {
            object.port = Some(strip_underscore(port));
            object.protocol = Some(strip_underscore(protocol));
        }
        _ => return NameRequest::Invalid,
    }
    NameRequest::Object(space, object)
}

fn strip_underscore(label: &str) -> &str {
    label.strip_prefix('_').unwrap_or(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(name: &str) -> Vec<&str> {
        name.split('.').filter(|l| !l.is_empty()).collect()
    }

    /// The apex and the two roots hold nothing; any other second label cannot exist.
    #[test]
    fn apex_roots_and_invalid_names() {
        assert_eq!(parse(&[]), NameRequest::Empty);
        assert_eq!(parse(&labels("svc")), NameRequest::Empty);
        assert_eq!(parse(&labels("pod")), NameRequest::Empty);
        assert_eq!(parse(&labels("foo")), NameRequest::Invalid);
        assert_eq!(parse(&labels("web.default.foo")), NameRequest::Invalid);
    }

    /// Namespace, Service, endpoint and SRV-shaped names.
    #[test]
    fn object_names() {
        let ns = ObjectName { namespace: "default", ..ObjectName::default() };
        assert_eq!(parse(&labels("default.svc")), NameRequest::Object(Space::Svc, ns.clone()));
        let svc = ObjectName { name: Some("postgres"), ..ns.clone() };
        assert_eq!(parse(&labels("postgres.default.svc")), NameRequest::Object(Space::Svc, svc.clone()));
        let endpoint = ObjectName { endpoint: Some("postgres-0"), ..svc.clone() };
        assert_eq!(parse(&labels("postgres-0.postgres.default.svc")), NameRequest::Object(Space::Svc, endpoint));
        let srv = ObjectName { port: Some("sql"), protocol: Some("tcp"), ..svc };
        assert_eq!(parse(&labels("_sql._tcp.postgres.default.svc")), NameRequest::Object(Space::Svc, srv));
    }

    /// Three labels left of the Service is too long (CoreDNS's "query too long").
    #[test]
    fn too_long_names_are_invalid() {
        assert_eq!(parse(&labels("a._http._tcp.web.default.svc")), NameRequest::Invalid);
    }

    /// Pod names parse like Service names, the dashed IP in the name position.
    #[test]
    fn pod_names() {
        let pod = ObjectName { namespace: "default", name: Some("10-244-1-4"), ..ObjectName::default() };
        assert_eq!(parse(&labels("10-244-1-4.default.pod")), NameRequest::Object(Space::Pod, pod));
    }
}
