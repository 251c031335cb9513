//! Objects the unit tests build their states from.

use k8s_openapi::api::core::v1::Service;
use kube::api::ObjectMeta;

/// A Service with nothing but a namespace and a name.
pub(crate) fn service(namespace: &str, name: &str) -> Service {
    Service {
        metadata: ObjectMeta { namespace: Some(namespace.into()), name: Some(name.into()), ..ObjectMeta::default() },
        ..Service::default()
    }
}
