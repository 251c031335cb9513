//! Who calls whom: the edges between deployments, read from the callers' outbound series. A proxy labels
//! each outbound request and connection with its destination's `dst_namespace` and `dst_deployment`, and
//! with `tls="true"` and the peer's `server_id` when the hop was mutual TLS; an edge is one caller's
//! traffic to one destination deployment, with `stat --to`'s figures for it.
//!
//! Pure: the caller's pairs of scrapes come in, the edges go out.

use std::collections::{BTreeMap, BTreeSet};

use crate::stat::targets::{ResourceKind, ResourceRef};
use crate::stat::window::{self, PodWindow, Selector};

/// A deployment, by namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Workload {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// One caller's traffic to one destination over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The caller.
    pub from: Workload,
    /// The destination.
    pub to: Workload,
    /// Classified responses per second.
    pub rps: f64,
    /// Successful responses over classified ones; `None` without responses.
    pub success: Option<f64>,
    /// Whether all of it went over mutual TLS: every response in the window or, without responses,
    /// every open connection.
    pub mtls: bool,
    /// The identities the destination's proxies proved (`server_id`), as the caller's metrics name them.
    pub server_ids: Vec<String>,
}

/// The edges from `from`, whose proxies' pairs of scrapes are `pods`, over `seconds`, by destination;
/// destinations without traffic in the window (no response, no open connection) are left out.
pub fn edges(from: &Workload, pods: &[&PodWindow], seconds: f64) -> Vec<Edge> {
    let mut destinations: BTreeMap<Workload, BTreeSet<String>> = BTreeMap::new();
    for sample in pods.iter().flat_map(|pod| &pod.after) {
        let counted = matches!(sample.name.as_str(), "response_total" | "tcp_open_connections");
        if !counted || sample.label("direction") != Some("outbound") {
            continue;
        }
        let (Some(namespace), Some(name)) = (sample.label("dst_namespace"), sample.label("dst_deployment")) else {
            continue;
        };
        let ids = destinations.entry(Workload { namespace: namespace.into(), name: name.into() }).or_default();
        if let Some(id) = sample.label("server_id").filter(|id| !id.is_empty() && sample.label("tls") == Some("true")) {
            ids.insert(id.to_string());
        }
    }
    destinations
        .into_iter()
        .filter_map(|(to, server_ids)| {
            let labels = ResourceRef { kind: ResourceKind::Deployment, name: Some(to.name.clone()) }
                .destination_labels(&to.namespace);
            let all = window::stats(pods, &Selector::outbound(labels.clone()), seconds)?;
            if all.rps == 0.0 && all.tcp_open_connections == 0 {
                return None;
            }
            let mut secured = labels;
            secured.push(("tls".to_string(), "true".to_string()));
            let mtls = match window::stats(pods, &Selector::outbound(secured), seconds) {
                Some(secured) if all.rps > 0.0 => secured.rps == all.rps,
                Some(secured) => secured.tcp_open_connections == all.tcp_open_connections,
                None => false,
            };
            Some(Edge {
                from: from.clone(),
                to,
                rps: all.rps,
                success: all.success,
                mtls,
                server_ids: server_ids.into_iter().collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::exposition::parse;

    const SERVER_ID: &str = "server.default.serviceaccount.identity.linkerd.cluster.local";

    fn workload(name: &str) -> Workload {
        Workload { namespace: "default".into(), name: name.into() }
    }

    /// A caller's series to `dst` with `tls` labels, `ok` good and `failed` failed responses.
    fn series(dst: &str, tls: &str, ok: u32, failed: u32) -> String {
        let labels = format!("direction=\"outbound\",{tls},dst_namespace=\"default\",dst_deployment=\"{dst}\"");
        format!(
            "response_total{{{labels},status_code=\"200\",classification=\"success\"}} {ok}\n\
             response_total{{{labels},status_code=\"500\",classification=\"failure\"}} {failed}\n\
             tcp_open_connections{{{labels},peer=\"dst\"}} 1\n"
        )
    }

    fn pod(before: &str, after: &str) -> PodWindow {
        PodWindow { before: parse(before).expect("valid"), after: parse(after).expect("valid") }
    }

    /// An mTLS edge and a plaintext one, each with its rate and success rate over the window; inbound
    /// series and outbound series without a destination deployment make no edge.
    #[test]
    fn edges_from_outbound_series() {
        let mtls = format!("tls=\"true\",server_id=\"{SERVER_ID}\"");
        let plain = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\"";
        let before = series("server", &mtls, 10, 0) + &series("db", plain, 0, 0);
        let after = series("server", &mtls, 25, 5)
            + &series("db", plain, 4, 0)
            + "response_total{direction=\"inbound\",tls=\"true\",classification=\"success\"} 99\n\
               response_total{direction=\"outbound\",authority=\"example.org\",classification=\"success\"} 50\n";
        let pod = pod(&before, &after);
        let found = edges(&workload("client"), &[&pod], 4.0);
        assert_eq!(
            found,
            [
                Edge {
                    from: workload("client"),
                    to: workload("db"),
                    rps: 1.0,
                    success: Some(1.0),
                    mtls: false,
                    server_ids: vec![],
                },
                Edge {
                    from: workload("client"),
                    to: workload("server"),
                    rps: 5.0,
                    success: Some(0.75),
                    mtls: true,
                    server_ids: vec![SERVER_ID.to_string()],
                },
            ]
        );
    }

    /// Part of the traffic in plaintext is not an mTLS edge; a destination whose series did not move and
    /// hold no connection is no edge at all.
    #[test]
    fn partly_plaintext_and_idle() {
        let mtls = format!("tls=\"true\",server_id=\"{SERVER_ID}\"");
        let plain = "tls=\"no_identity\",no_tls_reason=\"loopback\"";
        let before = series("server", &mtls, 0, 0) + &series("server", plain, 0, 0);
        let after = series("server", &mtls, 8, 0) + &series("server", plain, 2, 0);
        let mixed = edges(&workload("client"), &[&pod(&before, &after)], 2.0);
        assert_eq!((mixed.len(), mixed[0].rps, mixed[0].mtls), (1, 5.0, false));

        let idle = "response_total{direction=\"outbound\",dst_namespace=\"default\",dst_deployment=\"old\",\
                    classification=\"success\"} 7\n";
        assert!(edges(&workload("client"), &[&pod(idle, idle)], 2.0).is_empty());
    }
}
