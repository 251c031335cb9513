//! An immutable, cheaply cloned view of every requested kind's objects at one moment.
//!
//! A [`Snapshot`] is an `Arc` around a small map from kind to that kind's objects, and each kind's objects
//! sit behind their own `Arc` as a `BTreeMap` of `Arc`ed objects, sorted by namespace and name. Cloning a
//! snapshot bumps one counter. Changing one object copies only that kind's map of pointers
//! (`Arc::make_mut`), never the objects themselves, and leaves every snapshot already handed out as it was.
//! The edit methods are crate-private: only the sources, through [`Publisher`](crate::publish::Publisher),
//! change state.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::kind::{Kind, ObjectKey};

/// The objects of one kind, by namespace and name.
pub(crate) type KindMap<K> = BTreeMap<ObjectKey, Arc<K>>;

/// One kind's objects, type-erased so one snapshot can hold many kinds, and whether they were listed yet.
#[derive(Clone, Default)]
pub(crate) struct KindSlot {
    synced: bool,
    objects: Option<Arc<dyn Any + Send + Sync>>,
}

impl KindSlot {
    /// A slot holding a complete list of the kind's objects.
    pub fn listed<K: Kind>(objects: KindMap<K>) -> Self {
        Self { synced: true, objects: Some(Arc::new(objects)) }
    }

    fn map<K: Kind>(&self) -> Option<&KindMap<K>> {
        self.objects.as_deref()?.downcast_ref()
    }

    /// Change the kind's map, copying it first if an older snapshot still shares it.
    fn edit<K: Kind, R>(&mut self, change: impl FnOnce(&mut KindMap<K>) -> R) -> R {
        let mut map: Arc<KindMap<K>> =
            self.objects.take().and_then(|erased| erased.downcast().ok()).unwrap_or_default();
        let result = change(Arc::make_mut(&mut map));
        self.objects = Some(map);
        result
    }
}

/// Every requested kind's objects at one moment.
///
/// Immutable and cheap to clone (one `Arc`): hand it to a reconcile function, keep it across `.await`s,
/// compare two of them by [`generation`](Snapshot::generation). Objects are shared between snapshots, not
/// copied, so a new snapshot after one change costs one map of pointers for that kind.
#[derive(Clone)]
pub struct Snapshot {
    inner: Arc<Contents>,
}

#[derive(Clone, Default)]
struct Contents {
    generation: u64,
    kinds: HashMap<TypeId, KindSlot>,
}

impl Snapshot {
    /// The state before anything was read: every requested kind present, empty and not yet listed.
    pub(crate) fn unsynced(kinds: impl IntoIterator<Item = TypeId>) -> Self {
        let kinds = kinds.into_iter().map(|kind| (kind, KindSlot::default())).collect();
        Self { inner: Arc::new(Contents { generation: 0, kinds }) }
    }

    /// A counter that grows with every published change: handy in logs and tests to tell states apart.
    pub fn generation(&self) -> u64 {
        self.inner.generation
    }

    /// Whether every requested kind has had its first full list (or the file its first good read).
    ///
    /// Until then a component should not act on absences: an object missing from an unsynced snapshot
    /// may simply not have been listed yet.
    pub fn is_synced(&self) -> bool {
        self.inner.kinds.values().all(|slot| slot.synced)
    }

    /// The objects of kind `K`; empty if `K` was not requested or not listed yet.
    pub fn objects<K: Kind>(&self) -> Objects<'_, K> {
        Objects { map: self.inner.kinds.get(&TypeId::of::<K>()).and_then(KindSlot::map) }
    }

    /// Replace all objects of `K` with a fresh full list, marking the kind listed.
    pub(crate) fn replace_kind<K: Kind>(&mut self, objects: KindMap<K>) -> bool {
        self.edit_slot(TypeId::of::<K>(), |slot| {
            *slot = KindSlot::listed(objects);
            true
        })
    }

    /// Add or replace one object of `K`.
    pub(crate) fn upsert<K: Kind>(&mut self, object: K) -> bool {
        let key = ObjectKey::of(&object);
        self.edit_slot(TypeId::of::<K>(), |slot| {
            slot.edit::<K, _>(|map| map.insert(key, Arc::new(object)));
            true
        })
    }

    /// Remove one object of `K`; false if it was not there.
    pub(crate) fn remove<K: Kind>(&mut self, key: &ObjectKey) -> bool {
        self.edit_slot(TypeId::of::<K>(), |slot| slot.edit::<K, _>(|map| map.remove(key).is_some()))
    }

    /// Replace every kind at once with complete lists, as a file read does.
    pub(crate) fn replace_all(&mut self, slots: Vec<(TypeId, KindSlot)>) -> bool {
        let contents = Arc::make_mut(&mut self.inner);
        for (kind, slot) in slots {
            if let Some(current) = contents.kinds.get_mut(&kind) {
                *current = slot;
            }
        }
        contents.generation += 1;
        true
    }

    /// Run `change` on one requested kind's slot, counting a generation if it changed anything.
    fn edit_slot(&mut self, kind: TypeId, change: impl FnOnce(&mut KindSlot) -> bool) -> bool {
        if !self.inner.kinds.contains_key(&kind) {
            return false;
        }
        let contents = Arc::make_mut(&mut self.inner);
        let changed = contents.kinds.get_mut(&kind).is_some_and(change);
        if changed {
            contents.generation += 1;
        }
        changed
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("generation", &self.generation())
            .field("synced", &self.is_synced())
            .field("kinds", &self.inner.kinds.len())
            .finish()
    }
}

/// The objects of one kind in a [`Snapshot`], sorted by namespace and then name.
pub struct Objects<'a, K> {
    map: Option<&'a KindMap<K>>,
}

impl<'a, K: Kind> Objects<'a, K> {
    /// Every object, sorted by namespace and then name.
    pub fn iter(&self) -> impl Iterator<Item = &'a K> + 'a {
        self.map.into_iter().flat_map(BTreeMap::values).map(Arc::as_ref)
    }

    /// The objects of one namespace, sorted by name.
    pub fn in_namespace(&self, namespace: &str) -> impl Iterator<Item = &'a K> + 'a {
        let start = ObjectKey { namespace: namespace.to_string(), name: String::new() };
        let namespace = namespace.to_string();
        self.map
            .into_iter()
            .flat_map(move |map| map.range(start.clone()..))
            .take_while(move |(key, _)| key.namespace == namespace)
            .map(|(_, object)| object.as_ref())
    }

    /// One object by namespace and name; pass `""` as the namespace of a cluster-scoped object.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&'a K> {
        let key = ObjectKey { namespace: namespace.to_string(), name: name.to_string() };
        self.map?.get(&key).map(Arc::as_ref)
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.map.map_or(0, BTreeMap::len)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K> Clone for Objects<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Objects<'_, K> {}

impl<K> fmt::Debug for Objects<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Objects").field("len", &self.map.map_or(0, BTreeMap::len)).finish()
    }
}

impl<'a, K: Kind> IntoIterator for Objects<'a, K> {
    type Item = &'a K;
    type IntoIter = Box<dyn Iterator<Item = &'a K> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{ConfigMap, Node, Service};

    use super::*;
    use crate::fixtures::service;

    fn names<'a>(objects: impl Iterator<Item = &'a Service>) -> Vec<String> {
        objects.map(ObjectKey::of).map(|k| format!("{}/{}", k.namespace, k.name)).collect()
    }

    /// Objects iterate sorted by namespace then name, and can be looked up and filtered by namespace.
    #[test]
    fn objects_are_sorted_and_found() {
        let mut snapshot = Snapshot::unsynced([TypeId::of::<Service>()]);
        for (namespace, name) in [("web", "b"), ("default", "z"), ("web", "a")] {
            snapshot.upsert(service(namespace, name));
        }
        let services = snapshot.objects::<Service>();
        assert_eq!(names(services.iter()), ["default/z", "web/a", "web/b"]);
        assert_eq!(names(services.in_namespace("web")), ["web/a", "web/b"]);
        assert!(services.get("web", "a").is_some());
        assert!(services.get("default", "a").is_none());
        assert_eq!(services.len(), 3);
    }

    /// A kind nobody asked for reads as empty, and edits to it are ignored.
    #[test]
    fn unrequested_kind_is_empty() {
        let mut snapshot = Snapshot::unsynced([TypeId::of::<Service>()]);
        assert!(!snapshot.upsert(Node::default()));
        assert!(snapshot.objects::<Node>().is_empty());
        assert!(snapshot.objects::<ConfigMap>().iter().next().is_none());
    }

    /// The snapshot is synced only when every requested kind has been listed.
    #[test]
    fn synced_needs_every_kind() {
        let mut snapshot = Snapshot::unsynced([TypeId::of::<Service>(), TypeId::of::<Node>()]);
        snapshot.upsert(service("default", "web"));
        assert!(!snapshot.is_synced());
        snapshot.replace_kind::<Service>(KindMap::new());
        assert!(!snapshot.is_synced());
        snapshot.replace_kind::<Node>(KindMap::new());
        assert!(snapshot.is_synced());
    }

    /// A change leaves earlier snapshots alone and shares the unchanged objects instead of copying them.
    #[test]
    fn changes_copy_on_write() {
        let mut snapshot = Snapshot::unsynced([TypeId::of::<Service>()]);
        snapshot.upsert(service("default", "web"));
        let before = snapshot.clone();
        snapshot.upsert(service("default", "db"));
        assert!(snapshot.remove::<Service>(&ObjectKey { namespace: "default".into(), name: "db".into() }));
        assert!(!snapshot.remove::<Service>(&ObjectKey { namespace: "default".into(), name: "db".into() }));
        assert_eq!(before.objects::<Service>().len(), 1);
        assert_eq!(snapshot.generation(), before.generation() + 2);
        let shared = |s: &Snapshot| s.objects::<Service>().get("default", "web").map(|o| o as *const Service);
        assert_eq!(shared(&before), shared(&snapshot), "the unchanged object is shared, not copied");
    }
}
