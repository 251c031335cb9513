//! A Service's endpoints as the election needs them: on which node each is, and whether it can serve,
//! by MetalLB's `EndpointCanServe` rule (ready unset or true, or serving true).

use cluster_state::k8s_openapi::api::discovery::v1::EndpointSlice;

/// The label linking an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// One endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The node it runs on, if known.
    pub node: Option<String>,
    /// Whether it can take traffic.
    pub can_serve: bool,
}

/// Every endpoint of the slices that belong to Service `namespace/name`.
pub fn endpoints_of<'a>(
    slices: impl IntoIterator<Item = &'a EndpointSlice>,
    namespace: &str,
    name: &str,
) -> Vec<Endpoint> {
    slices
        .into_iter()
        .filter(|slice| slice.metadata.namespace.as_deref() == Some(namespace))
        .filter(|slice| {
            slice.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)).map(String::as_str) == Some(name)
        })
        .flat_map(|slice| slice.endpoints.iter())
        .map(|endpoint| {
            let conditions = endpoint.conditions.as_ref();
            let ready = conditions.and_then(|c| c.ready);
            let serving = conditions.and_then(|c| c.serving);
            Endpoint { node: endpoint.node_name.clone(), can_serve: ready.unwrap_or(true) || serving == Some(true) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use cluster_state::k8s_openapi::api::discovery::v1::{Endpoint as SliceEndpoint, EndpointConditions};
    use kube::api::ObjectMeta;

    use super::*;

    fn slice(service: &str, conditions: &[(Option<bool>, Option<bool>)]) -> EndpointSlice {
        EndpointSlice {
            metadata: ObjectMeta {
                namespace: Some("default".into()),
                labels: Some([(SERVICE_NAME_LABEL.to_string(), service.to_string())].into()),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            endpoints: conditions
                .iter()
                .map(|&(ready, serving)| SliceEndpoint {
                    addresses: vec!["10.244.1.5".into()],
                    conditions: Some(EndpointConditions { ready, serving, terminating: None }),
                    node_name: Some("n".into()),
                    ..Default::default()
                })
                .collect(),
            ports: None,
        }
    }

    /// ready unset counts as ready; ready=false with serving=true can serve; otherwise not.
    #[test]
    fn endpoint_can_serve_rule() {
        let slices =
            [slice("web", &[(None, None), (Some(false), Some(true)), (Some(false), None), (Some(true), None)])];
        let serving: Vec<bool> = endpoints_of(&slices, "default", "web").iter().map(|e| e.can_serve).collect();
        assert_eq!(serving, [true, true, false, true]);
    }

    /// Only the slices of the named Service, in its namespace, count.
    #[test]
    fn only_the_services_slices() {
        let slices = [slice("web", &[(None, None)]), slice("db", &[(None, None)])];
        assert_eq!(endpoints_of(&slices, "default", "web").len(), 1);
        assert!(endpoints_of(&slices, "other", "web").is_empty());
    }
}
