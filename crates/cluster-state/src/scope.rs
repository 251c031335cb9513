//! Which objects of a kind a component wants: all namespaces or one, and optionally a label selector.
//!
//! [`Scope`] is what a component writes in its [`Query`](crate::Query); it holds text as given. At start
//! it is checked against its kind and becomes a [`Selection`], which both sources use: the API source
//! turns it into a namespaced URL and a `labelSelector`, the file source applies it to the file's objects
//! with [`Selection::matches`]. That way one scope selects the same objects from either source.

use std::collections::BTreeMap;

use kube::core::{ObjectMeta, Selector, SelectorExt};

use crate::error::Error;
use crate::kind::KindSpec;
use crate::selector;

/// Where to look for objects of one kind.
///
/// ```
/// use cluster_state::Scope;
/// let everywhere = Scope::all();
/// let metallb_config = Scope::namespace("metallb-system").labels("app=metallb");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    namespace: Option<String>,
    labels: Option<String>,
}

impl Scope {
    /// Every namespace (and the only choice for cluster-scoped kinds such as Node and Namespace).
    pub fn all() -> Self {
        Self::default()
    }

    /// One namespace only, as `kubectl -n NAMESPACE` reads.
    pub fn namespace(namespace: impl Into<String>) -> Self {
        Self { namespace: Some(namespace.into()), labels: None }
    }

    /// Only objects whose labels match `selector`, in kubectl's syntax (`app=web,tier in (a,b),!legacy`).
    ///
    /// The selector is checked when the state starts; a bad one fails [`ClusterState::start`](crate::ClusterState::start).
    #[must_use]
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.labels = Some(selector.into());
        self
    }

    /// Check this scope against its kind: the selector parses, a namespace is only given to a namespaced kind.
    pub(crate) fn resolve(&self, kind: &KindSpec) -> Result<Selection, Error> {
        if let (Some(namespace), false) = (&self.namespace, kind.namespaced) {
            return Err(Error::ClusterScoped { kind: kind.label(), namespace: namespace.clone() });
        }
        let text = self.labels.as_deref().unwrap_or_default();
        let selector = selector::parse(text).map_err(|reason| Error::BadSelector {
            kind: kind.label(),
            selector: text.to_string(),
            reason,
        })?;
        Ok(Selection { namespace: self.namespace.clone(), selector })
    }
}

/// A checked [`Scope`]: what the sources select objects with.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Selection {
    /// The one namespace to look in, or `None` for all of them.
    pub namespace: Option<String>,
    /// The label selector; empty selects everything.
    pub selector: Selector,
}

impl Selection {
    /// The selector as the API's `labelSelector` parameter, or `None` when it selects everything.
    pub fn label_selector(&self) -> Option<String> {
        (!self.selector.selects_all()).then(|| self.selector.to_string())
    }

    /// Whether an object with this metadata is in scope.
    pub fn matches(&self, meta: &ObjectMeta) -> bool {
        if let Some(namespace) = &self.namespace
            && meta.namespace.as_ref() != Some(namespace)
        {
            return false;
        }
        let no_labels = BTreeMap::new();
        self.selector.matches(meta.labels.as_ref().unwrap_or(&no_labels))
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Service};

    use super::*;

    fn meta(namespace: &str, labels: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            namespace: Some(namespace.into()),
            labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ..ObjectMeta::default()
        }
    }

    /// A namespaced scope with a selector matches only objects in that namespace with matching labels.
    #[test]
    fn namespace_and_labels_both_apply() {
        let selection = Scope::namespace("metallb-system")
            .labels("app=metallb")
            .resolve(&KindSpec::of::<Service>())
            .expect("a valid scope");
        assert!(selection.matches(&meta("metallb-system", &[("app", "metallb")])));
        assert!(!selection.matches(&meta("default", &[("app", "metallb")])));
        assert!(!selection.matches(&meta("metallb-system", &[("app", "other")])));
        assert_eq!(selection.label_selector().as_deref(), Some("app=metallb"));
    }

    /// A cluster-scoped kind cannot be asked for in a namespace.
    #[test]
    fn cluster_scoped_kind_refuses_a_namespace() {
        let error = Scope::namespace("default").resolve(&KindSpec::of::<Node>()).expect_err("Node is cluster-scoped");
        assert!(error.to_string().contains("v1 Node is cluster-scoped"), "{error}");
    }

    /// A bad selector fails with the kind, the selector and the reason.
    #[test]
    fn bad_selector_is_named() {
        let error = Scope::all().labels("tier in (a").resolve(&KindSpec::of::<Service>()).expect_err("bad selector");
        let message = error.to_string();
        assert!(message.contains("\"tier in (a\" for v1 Service"), "{message}");
        assert!(message.contains("unbalanced"), "{message}");
    }
}
