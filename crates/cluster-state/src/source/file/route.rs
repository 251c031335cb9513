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

/// Starts a [`KindBuilder`] for one kind; a plain function pointer, so a type-erased query can hold it.
pub(crate) type DecodeFn = fn(&KindSpec, &Selection) -> Box<dyn KindBuilder>;

/// Decodes one kind's objects as the file is read, document by document, so a document's parsed YAML is
/// dropped as soon as its objects are decoded (the whole file's parse tree is never held at once).
pub(crate) trait KindBuilder: Send {
    /// Decodes `object` (one of this kind) and keeps it if the selection wants it.
    fn add(&mut self, object: FileObject) -> Result<(), FileProblem>;
    /// The kind's objects, fully listed.
    fn finish(self: Box<Self>) -> KindSlot;
}

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

/// Sends each object of the file to the builder of its kind; objects of kinds nobody asked for are left.
pub(crate) struct Router<'r> {
    routes: &'r [Route],
    builders: Vec<Box<dyn KindBuilder>>,
}

impl<'r> Router<'r> {
    /// A router with an empty builder per requested kind.
    pub fn new(routes: &'r [Route]) -> Router<'r> {
        Router { routes, builders: routes.iter().map(|route| (route.decode)(&route.spec, &route.selection)).collect() }
    }

    /// Decodes `object` into its kind, if it is of a requested kind.
    pub fn add(&mut self, object: FileObject) -> Result<(), FileProblem> {
        let kind = self
            .routes
            .iter()
            .position(|route| object.api_version == route.spec.api_version && object.kind == route.spec.kind);
        match kind {
            Some(at) => self.builders[at].add(object),
            None => Ok(()),
        }
    }

    /// Every requested kind's objects.
    pub fn finish(self) -> Vec<(TypeId, KindSlot)> {
        self.routes.iter().zip(self.builders).map(|(route, builder)| (route.spec.type_id, builder.finish())).collect()
    }
}

/// The namespace an object of this kind is in: its own, `default` if namespaced and unset, none otherwise.
pub(crate) fn effective_namespace<'a>(spec: &KindSpec, namespace: Option<&'a str>) -> Option<&'a str> {
    spec.namespaced.then(|| namespace.unwrap_or(DEFAULT_NAMESPACE))
}

/// A builder for kind `K`.
pub(crate) fn decode<K: Kind>(spec: &KindSpec, selection: &Selection) -> Box<dyn KindBuilder> {
    Box::new(TypedBuilder::<K> {
        spec: spec.clone(),
        selection: selection.clone(),
        map: KindMap::new(),
        places: BTreeMap::new(),
    })
}

/// Decodes objects of kind `K`, refusing the same object twice.
struct TypedBuilder<K> {
    spec: KindSpec,
    selection: Selection,
    map: KindMap<K>,
    /// Where each object was, to name both places of a duplicate.
    places: BTreeMap<ObjectKey, Place>,
}

impl<K: Kind> KindBuilder for TypedBuilder<K> {
    fn add(&mut self, object: FileObject) -> Result<(), FileProblem> {
        let FileObject { place, namespace, name, mut value, .. } = object;
        let namespace = effective_namespace(&self.spec, namespace.as_deref()).map(str::to_string);
        let describe = || Some(self.spec.describe(namespace.as_deref(), &name));
        if let Some(namespace) = &namespace {
            value["metadata"]["namespace"] = Value::String(namespace.clone());
        }
        let decoded: K = serde_json::from_value(value).map_err(|error| place.problem(describe(), error.to_string()))?;
        let key = ObjectKey { namespace: namespace.clone().unwrap_or_default(), name: name.clone() };
        match self.places.entry(key.clone()) {
            Entry::Occupied(first) => {
                let first = first.get();
                return Err(place.problem(
                    describe(),
                    format!("the same object is also document {} (line {}); keep one", first.document, first.line),
                ));
            }
            Entry::Vacant(slot) => slot.insert(place),
        };
        if self.selection.matches(decoded.meta()) {
            self.map.insert(key, decoded.into());
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> KindSlot {
        KindSlot::listed(self.map)
    }
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
        let mut router = Router::new(routes);
        for object in objects_in(&split(text)).expect("valid stream") {
            router.add(object)?;
        }
        let slots = router.finish();
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
