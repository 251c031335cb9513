//! Routing the file's objects to the requested kinds and decoding them into their Rust types.
//!
//! An object goes to the requested kind whose apiVersion and kind it has; objects of kinds nobody asked
//! for are left alone (they stay in the file for write-back). A namespaced object without a namespace is
//! put in `default`, as `kubectl apply` would. The kind's [`Selection`] then filters, so a file answers a
//! scoped query exactly as the API would. The same object twice is refused: a write-back could not know
//! which one to patch.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde_json::Value;

use super::objects::{FileObject, Place};
use crate::error::FileProblem;
use crate::kind::{DEFAULT_NAMESPACE, Kind, KindSpec, ObjectKey};
use crate::scope::Selection;
use crate::snapshot::{KindMap, KindSlot};

/// Decodes the objects of one kind; a plain function pointer, so a type-erased query can hold it.
pub(crate) type DecodeFn = fn(&KindSpec, &Selection, &[&FileObject]) -> Result<KindSlot, FileProblem>;

/// One requested kind, as the file source sees it.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    /// The kind.
    pub spec: KindSpec,
    /// Which of its objects are wanted.
    pub selection: Selection,
    /// How to decode them.
    pub decode: DecodeFn,
}

/// Every requested kind's objects from the file's objects.
pub(crate) fn route(objects: &[FileObject], routes: &[Route]) -> Result<Vec<(TypeId, KindSlot)>, FileProblem> {
    routes
        .iter()
        .map(|route| {
            let mine: Vec<&FileObject> = objects
                .iter()
                .filter(|object| object.api_version == route.spec.api_version && object.kind == route.spec.kind)
                .collect();
            Ok((route.spec.type_id, (route.decode)(&route.spec, &route.selection, &mine)?))
        })
        .collect()
}

/// The namespace an object of this kind is in: its own, `default` if namespaced and unset, none otherwise.
pub(crate) fn effective_namespace<'a>(spec: &KindSpec, namespace: Option<&'a str>) -> Option<&'a str> {
    spec.namespaced.then(|| namespace.unwrap_or(DEFAULT_NAMESPACE))
}

/// Decode the objects of kind `K` and keep those the selection wants.
pub(crate) fn decode<K: Kind>(
    spec: &KindSpec,
    selection: &Selection,
    objects: &[&FileObject],
) -> Result<KindSlot, FileProblem> {
    let mut map = KindMap::<K>::new();
    let mut places: BTreeMap<ObjectKey, Place> = BTreeMap::new();
    for object in objects {
        let namespace = effective_namespace(spec, object.namespace.as_deref());
        let describe = || Some(spec.describe(namespace, &object.name));
        let mut value = object.value.clone();
        if let Some(namespace) = namespace {
            value["metadata"]["namespace"] = Value::String(namespace.to_string());
        }
        let decoded: K =
            serde_json::from_value(value).map_err(|error| object.place.problem(describe(), error.to_string()))?;
        let key = ObjectKey { namespace: namespace.unwrap_or_default().to_string(), name: object.name.clone() };
        match places.entry(key.clone()) {
            Entry::Occupied(first) => {
                let first = first.get();
                return Err(object.place.problem(
                    describe(),
                    format!("the same object is also document {} (line {}); keep one", first.document, first.line),
                ));
            }
            Entry::Vacant(slot) => slot.insert(object.place),
        };
        if selection.matches(decoded.meta()) {
            map.insert(key, decoded.into());
        }
    }
    Ok(KindSlot::listed(map))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Service};

    use super::super::objects::objects_in;
    use super::super::stream::split;
    use super::*;
    use crate::Scope;
    use crate::snapshot::Snapshot;

    fn route_of<K: Kind>(scope: Scope) -> Route {
        let spec = KindSpec::of::<K>();
        Route { selection: scope.resolve(&spec).expect("valid scope"), spec, decode: decode::<K> }
    }

    fn load(text: &str, routes: &[Route]) -> Result<Snapshot, FileProblem> {
        let objects = objects_in(&split(text)).expect("valid stream");
        let slots = route(&objects, routes)?;
        let mut snapshot = Snapshot::unsynced(routes.iter().map(|r| r.spec.type_id));
        snapshot.replace_all(slots);
        Ok(snapshot)
    }

    const STREAM: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {app: web}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: data}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: kind-worker}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";

    /// Objects go to the kind with their apiVersion and kind; other kinds are ignored.
    #[test]
    fn routes_by_api_version_and_kind() {
        let snapshot =
            load(STREAM, &[route_of::<Service>(Scope::all()), route_of::<Node>(Scope::all())]).expect("valid");
        assert_eq!(snapshot.objects::<Service>().len(), 2);
        assert!(snapshot.objects::<Node>().get("", "kind-worker").is_some());
        assert!(snapshot.is_synced());
    }

    /// A namespaced object without a namespace is in `default`, in its key and in its metadata.
    #[test]
    fn missing_namespace_is_default() {
        let snapshot = load(STREAM, &[route_of::<Service>(Scope::all())]).expect("valid");
        let web = snapshot.objects::<Service>().get("default", "web").cloned().expect("web is in default");
        assert_eq!(web.metadata.namespace.as_deref(), Some("default"));
    }

    /// Namespace and label scopes filter the file's objects.
    #[test]
    fn scope_filters() {
        let by_namespace = load(STREAM, &[route_of::<Service>(Scope::namespace("data"))]).expect("valid");
        assert_eq!(
            by_namespace.objects::<Service>().iter().map(|s| s.metadata.name.clone()).collect::<Vec<_>>(),
            [Some("db".to_string())]
        );
        let by_label = load(STREAM, &[route_of::<Service>(Scope::all().labels("app=web"))]).expect("valid");
        assert!(by_label.objects::<Service>().get("default", "web").is_some());
        assert_eq!(by_label.objects::<Service>().len(), 1);
    }

    /// An object whose fields do not fit its kind is a problem naming it.
    #[test]
    fn undecodable_object_is_named() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: 80}\n";
        let problem = load(text, &[route_of::<Service>(Scope::all())]).expect_err("ports is not a list");
        assert_eq!(problem.object.as_deref(), Some("v1 Service default/web"));
        assert_eq!(problem.document, 1);
    }

    /// The same object twice is refused, naming both places.
    #[test]
    fn duplicates_are_refused() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n";
        let problem = load(text, &[route_of::<Service>(Scope::all())]).expect_err("duplicate");
        assert_eq!(problem.document, 2);
        assert!(problem.reason.contains("also document 1 (line 1)"), "{problem}");
    }
}
