//! What a "kind" is to this crate: any typed Kubernetes object a component can ask for.
//!
//! [`Kind`] is the one bound every generic function here takes. k8s-openapi's types (Service, Pod, ...) and
//! kube's `#[derive(CustomResource)]` types both satisfy it without any code of their own. [`KindScope`]
//! carries, at compile time, whether a kind lives in namespaces, which decides both how its API URL is
//! built and whether a [`Scope`](crate::Scope) may name a namespace for it. [`ObjectKey`] is how objects of
//! one kind are told apart and ordered; [`KindSpec`] is the type-erased description the sources route by.

use std::any::TypeId;
use std::fmt::Debug;

use kube::core::{ClusterResourceScope, NamespaceResourceScope};
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The namespace Kubernetes puts a namespaced object in when none is given (as `kubectl apply` does).
pub(crate) const DEFAULT_NAMESPACE: &str = "default";

/// A kind of Kubernetes object that can be asked for in a [`Query`](crate::Query).
///
/// Implemented for every type that has what reading and writing it needs: static type information
/// (`DynamicType = ()`), a known scope, serde both ways, and being shareable between tasks.
pub trait Kind:
    Resource<DynamicType = (), Scope: KindScope> + Clone + Debug + DeserializeOwned + Serialize + Send + Sync + 'static
{
}

impl<K> Kind for K where
    K: Resource<DynamicType = (), Scope: KindScope>
        + Clone
        + Debug
        + DeserializeOwned
        + Serialize
        + Send
        + Sync
        + 'static
{
}

/// Whether a kind lives in namespaces, known at compile time.
///
/// Implemented for kube's two static scopes and sealed: a kind's scope comes from its type, never from
/// this crate's users.
pub trait KindScope: sealed::Sealed {
    /// True for namespaced kinds (Service, Pod, ...), false for cluster-scoped ones (Node, Namespace, ...).
    const NAMESPACED: bool;

    /// The API handle for a kind of this scope, in one namespace or across all of them.
    ///
    /// `namespace` is ignored for cluster-scoped kinds, which have no namespaced URL.
    fn api<K: Resource<Scope = Self, DynamicType = ()>>(client: Client, namespace: Option<&str>) -> Api<K>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for kube::core::NamespaceResourceScope {}
    impl Sealed for kube::core::ClusterResourceScope {}
}

impl KindScope for NamespaceResourceScope {
    const NAMESPACED: bool = true;

    fn api<K: Resource<Scope = Self, DynamicType = ()>>(client: Client, namespace: Option<&str>) -> Api<K> {
        match namespace {
            Some(namespace) => Api::namespaced(client, namespace),
            None => Api::all(client),
        }
    }
}

impl KindScope for ClusterResourceScope {
    const NAMESPACED: bool = false;

    fn api<K: Resource<Scope = Self, DynamicType = ()>>(client: Client, _namespace: Option<&str>) -> Api<K> {
        Api::all(client)
    }
}

/// How objects of one kind are told apart: namespace (empty for cluster-scoped kinds) and name.
///
/// Ordered by namespace, then name, which is the order a [`Snapshot`](crate::Snapshot) iterates in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// The object's namespace, or `""` for a cluster-scoped object.
    pub namespace: String,
    /// The object's name.
    pub name: String,
}

impl ObjectKey {
    /// The key of an object as it stands (an object without a name gets an empty one).
    pub fn of<K: Kind>(object: &K) -> Self {
        let meta = object.meta();
        Self { namespace: meta.namespace.clone().unwrap_or_default(), name: meta.name.clone().unwrap_or_default() }
    }
}

/// A type-erased description of a kind: what the sources match objects and build URLs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KindSpec {
    /// Which Rust type the kind is, to find its objects in a snapshot again.
    pub type_id: TypeId,
    /// `v1`, `discovery.k8s.io/v1`, `metallb.io/v1beta1`, ...
    pub api_version: String,
    /// `Service`, `EndpointSlice`, `IPAddressPool`, ...
    pub kind: String,
    /// Whether objects of this kind live in namespaces.
    pub namespaced: bool,
}

impl KindSpec {
    /// The description of `K`.
    pub fn of<K: Kind>() -> Self {
        Self {
            type_id: TypeId::of::<K>(),
            api_version: K::api_version(&()).into_owned(),
            kind: K::kind(&()).into_owned(),
            namespaced: <K::Scope as KindScope>::NAMESPACED,
        }
    }

    /// `v1 Service`: how messages name the kind.
    pub fn label(&self) -> String {
        format!("{} {}", self.api_version, self.kind)
    }

    /// `v1 Service default/web` (or `v1 Node worker-1`): how messages name one object of the kind.
    pub fn describe(&self, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(namespace) if !namespace.is_empty() => format!("{} {namespace}/{name}", self.label()),
            _ => format!("{} {name}", self.label()),
        }
    }

    /// How messages name one object of this kind.
    pub fn describe_object<K: Kind>(&self, object: &K) -> String {
        let meta = object.meta();
        self.describe(meta.namespace.as_deref(), meta.name.as_deref().unwrap_or("<unnamed>"))
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Service};
    use k8s_openapi::api::discovery::v1::EndpointSlice;

    use super::*;

    /// A kind's spec carries its apiVersion, kind and scope from the type.
    #[test]
    fn spec_comes_from_the_type() {
        let slice = KindSpec::of::<EndpointSlice>();
        assert_eq!(
            (slice.api_version.as_str(), slice.kind.as_str(), slice.namespaced),
            ("discovery.k8s.io/v1", "EndpointSlice", true)
        );
        assert!(!KindSpec::of::<Node>().namespaced);
    }

    /// Messages name namespaced objects with their namespace and cluster-scoped ones without.
    #[test]
    fn objects_are_described_like_kubectl_names_them() {
        assert_eq!(KindSpec::of::<Service>().describe(Some("default"), "web"), "v1 Service default/web");
        assert_eq!(KindSpec::of::<Node>().describe(None, "worker-1"), "v1 Node worker-1");
    }
}
