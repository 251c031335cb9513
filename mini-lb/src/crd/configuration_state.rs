//! `ConfigurationState`: whether the configuration a component runs with is valid (MetalLB 0.15.3+), one
//! object per component (`controller`, `speaker-<node>`), so a bad pool shows in `kubectl get` instead
//! of only in a log.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The label saying which component reports (`controller` or `speaker`).
pub const COMPONENT_TYPE_LABEL: &str = "metallb.io/component-type";
/// The label naming a speaker's node.
pub const NODE_NAME_LABEL: &str = "metallb.io/node-name";

/// MetalLB's `ConfigurationState` has no spec: this empty struct is flattened away (`no_spec`).
#[derive(CustomResource, Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "metallb.io",
    version = "v1beta1",
    kind = "ConfigurationState",
    namespaced,
    no_spec,
    status = "ConfigurationStateStatus",
    printcolumn = r#"{"name":"Result","type":"string","jsonPath":".status.result"}"#,
    printcolumn = r#"{"name":"ErrorSummary","type":"string","jsonPath":".status.errorSummary"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
pub struct ConfigurationStateSpec {}

/// The verdict on a configuration.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum ConfigurationResult {
    /// The configuration in force is the one the cluster holds.
    Valid,
    /// The cluster holds a configuration that was refused; the last good one stays in force.
    Invalid,
    /// Nothing has been checked yet.
    #[default]
    Unknown,
}

/// The status MetalLB reports: a result and the errors behind it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationStateStatus {
    /// Valid, Invalid or Unknown.
    #[serde(default)]
    pub result: ConfigurationResult,
    /// Every error found, one per line; empty when valid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error_summary: String,
}
