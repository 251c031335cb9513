//! `ServiceL2Status`: the speaker's report of which node announces a Service, on which interfaces
//! (MetalLB 0.14.2+), so `kubectl get servicel2statuses -A` answers "where does this IP live".

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// MetalLB's empty spec: the object is all status.
#[derive(CustomResource, Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "metallb.io",
    version = "v1beta1",
    kind = "ServiceL2Status",
    namespaced,
    status = "ServiceL2StatusStatus",
    printcolumn = r#"{"name":"Allocated Node","type":"string","jsonPath":".status.node"}"#,
    printcolumn = r#"{"name":"Service Name","type":"string","jsonPath":".status.serviceName"}"#,
    printcolumn = r#"{"name":"Service Namespace","type":"string","jsonPath":".status.serviceNamespace"}"#
)]
pub struct ServiceL2StatusSpec {}

/// Which node announces which Service, on which interfaces.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceL2StatusStatus {
    /// The node that receives the Service's traffic.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    /// The Service's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_name: String,
    /// The Service's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_namespace: String,
    /// The interfaces the node announces it on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<InterfaceInfo>,
}

/// One interface of an announcement.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct InterfaceInfo {
    /// The interface's name, as `ip link` prints it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}
