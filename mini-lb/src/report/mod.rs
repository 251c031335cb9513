//! The reports MetalLB keeps in custom resources: the component's [`ConfigurationState`] and a speaker's
//! [`ServiceL2Status`] objects, one per Service it announces. Built here, served as YAML on the admin
//! listener's `/status` (which works without Kubernetes too), and, on the Kubernetes API, written as
//! objects by [`writer`].

pub mod writer;

use std::sync::{Arc, PoisonError, RwLock};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use kube::api::ObjectMeta;
use server_runtime::http::{Handler, text_response};

use crate::allocate::ServiceKey;
use crate::config::InvalidConfig;
use crate::crd::{
    COMPONENT_TYPE_LABEL, ConfigurationResult, ConfigurationState, ConfigurationStateSpec, ConfigurationStateStatus,
    InterfaceInfo, NODE_NAME_LABEL, ServiceL2Status, ServiceL2StatusSpec, ServiceL2StatusStatus,
};
use crate::elect::Interfaces;

/// Labels MetalLB puts on a ServiceL2Status.
pub const L2_NODE_LABEL: &str = "metallb.io/node";
/// The announced Service's name.
pub const L2_SERVICE_NAME_LABEL: &str = "metallb.io/service-name";
/// The announced Service's namespace.
pub const L2_SERVICE_NAMESPACE_LABEL: &str = "metallb.io/service-namespace";

/// The admin route serving the latest report.
#[derive(Clone, Debug, Default)]
pub struct StatusPage {
    body: Arc<RwLock<String>>,
}

impl StatusPage {
    /// Replaces the report with these objects, as a YAML stream.
    pub fn publish<T: serde::Serialize>(&self, objects: &[T]) {
        let mut text = String::new();
        for object in objects {
            text.push_str("---\n");
            text.push_str(&serde_saphyr::to_string(object).unwrap_or_default());
        }
        *self.body.write().unwrap_or_else(PoisonError::into_inner) = text;
    }

    /// Adds these objects after the report's current ones.
    pub fn append<T: serde::Serialize>(&self, objects: &[T]) {
        let mut body = self.body.write().unwrap_or_else(PoisonError::into_inner);
        for object in objects {
            body.push_str("---\n");
            body.push_str(&serde_saphyr::to_string(object).unwrap_or_default());
        }
    }

    /// The current report.
    pub fn text(&self) -> String {
        self.body.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Handler for StatusPage {
    async fn call(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match request.uri().path() {
            "/status" => text_response(StatusCode::OK, "application/yaml", self.text()),
            _ => text_response(
                StatusCode::NOT_FOUND,
                "text/plain",
                "not found: try /status, /metrics, /livez or /readyz\n",
            ),
        }
    }
}

/// A component's ConfigurationState: `controller` or `speaker-<node>`, Valid, Invalid (with every
/// problem, one per line) or Unknown before the first configuration.
pub fn configuration_state(
    namespace: &str,
    node: Option<&str>,
    loaded: bool,
    refused: Option<&InvalidConfig>,
) -> ConfigurationState {
    let (name, mut labels) = match node {
        Some(node) => (format!("speaker-{node}"), vec![(COMPONENT_TYPE_LABEL, "speaker"), (NODE_NAME_LABEL, node)]),
        None => ("controller".to_string(), vec![(COMPONENT_TYPE_LABEL, "controller")]),
    };
    labels.sort();
    let status = match refused {
        Some(invalid) => ConfigurationStateStatus {
            result: ConfigurationResult::Invalid,
            error_summary: invalid.problems.join("\n"),
        },
        None if loaded => ConfigurationStateStatus { result: ConfigurationResult::Valid, error_summary: String::new() },
        None => ConfigurationStateStatus::default(),
    };
    let mut state = ConfigurationState::new(&name, ConfigurationStateSpec {});
    state.metadata.namespace = Some(namespace.to_string());
    state.metadata.labels = Some(labels.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    state.status = Some(status);
    state
}

/// The ServiceL2Status of one announced Service on `node`, kept as MetalLB keeps it: in the speaker's own
/// `namespace`, found from the Service by its `metallb.io/service-*` labels.
pub fn service_l2_status(
    namespace: &str,
    node: &str,
    service: &ServiceKey,
    interfaces: &Interfaces,
    local: &[String],
) -> ServiceL2Status {
    let names: Vec<InterfaceInfo> = match interfaces {
        Interfaces::All => local.iter().map(|name| InterfaceInfo { name: name.clone() }).collect(),
        Interfaces::Named(named) => named.iter().map(|name| InterfaceInfo { name: name.clone() }).collect(),
    };
    let labels = [
        (L2_NODE_LABEL, node),
        (L2_SERVICE_NAME_LABEL, service.name.as_str()),
        (L2_SERVICE_NAMESPACE_LABEL, service.namespace.as_str()),
    ];
    ServiceL2Status {
        metadata: ObjectMeta {
            name: Some(format!("l2-{}-{}-{node}", service.namespace, service.name)),
            namespace: Some(namespace.to_string()),
            labels: Some(labels.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ..ObjectMeta::default()
        },
        spec: ServiceL2StatusSpec {},
        status: Some(ServiceL2StatusStatus {
            node: node.to_string(),
            service_name: service.name.clone(),
            service_namespace: service.namespace.clone(),
            interfaces: names,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused configuration reports Invalid with every problem; before any, Unknown.
    #[test]
    fn configuration_state_results() {
        let invalid = InvalidConfig { problems: vec!["a".into(), "b".into()] };
        let state = configuration_state("metallb-system", None, true, Some(&invalid));
        assert_eq!(state.metadata.name.as_deref(), Some("controller"));
        let status = state.status.expect("a status");
        assert_eq!((status.result, status.error_summary.as_str()), (ConfigurationResult::Invalid, "a\nb"));
        let speaker = configuration_state("metallb-system", Some("n1"), false, None);
        assert_eq!(speaker.metadata.name.as_deref(), Some("speaker-n1"));
        assert_eq!(speaker.status.expect("a status").result, ConfigurationResult::Unknown);
    }

    /// A ServiceL2Status names the node, the Service and the interfaces, and serves as YAML.
    #[test]
    fn service_l2_status_report() {
        let key = ServiceKey { namespace: "default".into(), name: "web".into() };
        let status = service_l2_status("metallb-system", "n1", &key, &Interfaces::All, &["eth0".to_string()]);
        assert_eq!(status.metadata.namespace.as_deref(), Some("metallb-system"), "the speaker's, not the Service's");
        let page = StatusPage::default();
        page.publish(&[status]);
        let text = page.text();
        for needle in [
            "kind: ServiceL2Status",
            "node: n1",
            "serviceName: web",
            "name: eth0",
            "metallb.io/node: n1",
            "metallb.io/service-namespace: default",
        ] {
            assert!(text.contains(needle), "{needle} missing in\n{text}");
        }
    }
}
