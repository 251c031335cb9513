//! What a component asks for: a list of kinds, each with its [`Scope`].
//!
//! `Query::with::<K>()` is the one place where a kind's Rust type is known; it records, next to the scope,
//! plain function pointers to the code each source runs for `K` (the API watcher, the file decoder). From
//! then on the crate handles kinds type-erased, so one `ClusterState` can hold any mix of kinds, built-in
//! or custom, without a registry or a trait object per kind.

use std::any::TypeId;

use crate::error::Error;
use crate::kind::{Kind, KindSpec};
use crate::scope::{Scope, Selection};
use crate::source::api::{WatchFn, watch_kind};
use crate::source::file::{DecodeFn, Route, decode};

/// The kinds a component wants, each with where to look.
///
/// ```
/// use cluster_state::k8s_openapi::api::core::v1::{ConfigMap, Node, Service};
/// use cluster_state::{Query, Scope};
///
/// let query = Query::new()
///     .with::<Service>(Scope::all())
///     .with::<Node>(Scope::all())
///     .with::<ConfigMap>(Scope::namespace("metallb-system").labels("app=metallb"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Query {
    kinds: Vec<KindQuery>,
}

/// One requested kind, type-erased.
#[derive(Clone, Debug)]
struct KindQuery {
    spec: KindSpec,
    scope: Scope,
    watch: WatchFn,
    decode: DecodeFn,
}

/// One requested kind with its scope checked: what [`ClusterState::start`](crate::ClusterState::start) runs.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedKind {
    /// The kind.
    pub spec: KindSpec,
    /// Which of its objects are wanted.
    pub selection: Selection,
    /// The API source's code for it.
    pub watch: WatchFn,
    /// The file source's code for it.
    pub decode: DecodeFn,
}

impl Query {
    /// A query for nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also ask for kind `K` within `scope`; asking for a kind again replaces its scope.
    #[must_use]
    pub fn with<K: Kind>(mut self, scope: Scope) -> Self {
        let query = KindQuery { spec: KindSpec::of::<K>(), scope, watch: watch_kind::<K>, decode: decode::<K> };
        match self.kinds.iter_mut().find(|kind| kind.spec.type_id == TypeId::of::<K>()) {
            Some(existing) => *existing = query,
            None => self.kinds.push(query),
        }
        self
    }

    /// Check every scope against its kind, failing on the first bad one.
    pub(crate) fn resolve(&self) -> Result<Vec<ResolvedKind>, Error> {
        self.kinds
            .iter()
            .map(|kind| {
                Ok(ResolvedKind {
                    spec: kind.spec.clone(),
                    selection: kind.scope.resolve(&kind.spec)?,
                    watch: kind.watch,
                    decode: kind.decode,
                })
            })
            .collect()
    }
}

impl ResolvedKind {
    /// This kind as the file source routes it.
    pub fn route(&self) -> Route {
        Route { spec: self.spec.clone(), selection: self.selection.clone(), decode: self.decode }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Service};

    use super::*;

    /// Asking for a kind twice keeps one entry with the last scope.
    #[test]
    fn asking_again_replaces_the_scope() {
        let query = Query::new()
            .with::<Service>(Scope::all())
            .with::<Node>(Scope::all())
            .with::<Service>(Scope::namespace("web"));
        let kinds = query.resolve().expect("valid scopes");
        assert_eq!(kinds.len(), 2);
        assert_eq!(kinds[0].selection.namespace.as_deref(), Some("web"));
    }

    /// A bad scope fails the whole query.
    #[test]
    fn bad_scope_fails_resolution() {
        let query = Query::new().with::<Service>(Scope::all()).with::<Node>(Scope::namespace("default"));
        assert!(matches!(query.resolve(), Err(Error::ClusterScoped { .. })));
    }
}
