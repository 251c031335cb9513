//! The Kubernetes objects in a parsed YAML stream, each with where it came from.
//!
//! A document is either one object (a mapping with `apiVersion` and `kind`) or a list: the `v1 List` that
//! `kubectl get ... -o yaml` prints, whose items carry their own `apiVersion` and `kind`, or a typed list
//! such as `ServiceList` (what the API itself returns), whose items inherit them from the list. Empty
//! documents are skipped. Every object, requested or not, comes out here; routing to kinds comes next.

use serde_json::Value;

use super::stream::Document;
use crate::error::FileProblem;

/// One object found in the file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FileObject {
    /// Where it is.
    pub place: Place,
    /// Its `apiVersion`.
    pub api_version: String,
    /// Its `kind`.
    pub kind: String,
    /// Its `metadata.namespace`, if given.
    pub namespace: Option<String>,
    /// Its `metadata.name`.
    pub name: String,
    /// The whole object, with `apiVersion` and `kind` filled in for items of a typed list.
    pub value: Value,
}

/// Where an object sits in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// The document's number, counting from 1.
    pub document: usize,
    /// The line the document starts on.
    pub line: usize,
    /// The item's number when the document is a list, counting from 1.
    pub item: Option<usize>,
}

impl Place {
    /// A problem at this place.
    pub fn problem(self, object: Option<String>, reason: impl Into<String>) -> FileProblem {
        FileProblem { document: self.document, line: self.line, item: self.item, object, reason: reason.into() }
    }
}

/// Every object in the documents, in file order.
#[cfg(test)]
pub(crate) fn objects_in(documents: &[Document<'_>]) -> Result<Vec<FileObject>, FileProblem> {
    let mut objects = Vec::new();
    for document in documents {
        objects.extend(objects_in_document(document)?);
    }
    Ok(objects)
}

/// The objects of one document, in order.
pub(crate) fn objects_in_document(document: &Document<'_>) -> Result<Vec<FileObject>, FileProblem> {
    let place = Place { document: document.index, line: document.line, item: None };
    match document.parse().map_err(|reason| place.problem(None, reason))? {
        Some(value) => objects_of(value, place),
        None => Ok(Vec::new()),
    }
}

/// The objects of one document's value: itself, or its items when it is a list.
pub(crate) fn objects_of(mut value: Value, place: Place) -> Result<Vec<FileObject>, FileProblem> {
    let Some((list_api_version, item_kind, _)) = list_parts(&value) else {
        return Ok(vec![object_of(value, None, place)?]);
    };
    let inherited = item_kind.map(|kind| (list_api_version.to_string(), kind.to_string()));
    // The items are moved out, not copied: a large list is held once.
    let Value::Array(items) = value["items"].take() else { return Ok(Vec::new()) };
    let mut objects = Vec::with_capacity(items.len());
    for (at, item) in items.into_iter().enumerate() {
        let place = Place { item: Some(at + 1), ..place };
        objects.push(object_of(item, inherited.clone(), place)?);
    }
    Ok(objects)
}

/// For a list: its apiVersion, the kind its items inherit (none for `v1 List`) and its items.
pub(crate) fn list_parts(value: &Value) -> Option<(&str, Option<&str>, &Vec<Value>)> {
    let kind = value.get("kind")?.as_str()?;
    let api_version = value.get("apiVersion")?.as_str()?;
    let items = value.get("items")?.as_array()?;
    let item_kind = kind.strip_suffix("List")?;
    Some((api_version, (!item_kind.is_empty()).then_some(item_kind), items))
}

/// Check one object's identity; `inherited` fills in apiVersion and kind for typed-list items.
fn object_of(mut value: Value, inherited: Option<(String, String)>, place: Place) -> Result<FileObject, FileProblem> {
    if !value.is_object() {
        return Err(place.problem(None, "not a Kubernetes object (a mapping with apiVersion, kind and metadata)"));
    }
    if let Some((api_version, kind)) = inherited {
        value["apiVersion"] = value.get("apiVersion").cloned().unwrap_or(Value::String(api_version));
        value["kind"] = value.get("kind").cloned().unwrap_or(Value::String(kind));
    }
    let text = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_string);
    let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) else {
        return Err(place.problem(None, "not a Kubernetes object: apiVersion or kind is missing"));
    };
    let metadata = |field: &str| value.get("metadata")?.get(field)?.as_str().map(str::to_string);
    let namespace = metadata("namespace");
    let Some(name) = metadata("name") else {
        return Err(place.problem(Some(format!("{api_version} {kind}")), "metadata.name is missing"));
    };
    Ok(FileObject { place, api_version, kind, namespace, name, value })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::stream::split;
    use super::*;

    fn identities(objects: &[FileObject]) -> Vec<String> {
        objects
            .iter()
            .map(|o| {
                format!(
                    "{} {} {}/{} @{}.{:?}",
                    o.api_version,
                    o.kind,
                    o.namespace.as_deref().unwrap_or("-"),
                    o.name,
                    o.place.document,
                    o.place.item
                )
            })
            .collect()
    }

    /// A multi-document stream gives one object per non-empty document.
    #[test]
    fn multi_document_stream() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n---\n---\napiVersion: v1\nkind: Node\nmetadata: {name: kind-worker}\n";
        let objects = objects_in(&split(text)).expect("valid stream");
        assert_eq!(identities(&objects), ["v1 Service default/web @1.None", "v1 Node -/kind-worker @3.None"]);
    }

    /// A `v1 List` gives its items, each knowing its item number.
    #[test]
    fn v1_list() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a, namespace: x}}\n- {apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: a-1, namespace: x}}\nmetadata: {resourceVersion: \"\"}\n";
        let objects = objects_in(&split(text)).expect("valid list");
        assert_eq!(
            identities(&objects),
            ["v1 Service x/a @1.Some(1)", "discovery.k8s.io/v1 EndpointSlice x/a-1 @1.Some(2)"]
        );
    }

    /// Items of a typed list such as `ServiceList` inherit apiVersion and kind.
    #[test]
    fn typed_list_items_inherit_their_kind() {
        let list = json!({"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "web", "namespace": "default"}}]});
        let objects = objects_of(list, Place { document: 1, line: 1, item: None }).expect("valid list");
        assert_eq!(identities(&objects), ["v1 Service default/web @1.Some(1)"]);
        assert_eq!(objects[0].value["kind"], "Service");
    }

    /// A document that is not an object, or an object without a name, is a problem naming its place.
    #[test]
    fn refuses_non_objects() {
        let problem = objects_in(&split("a: 1\n---\n- just\n- a list\n")).expect_err("not objects");
        assert_eq!((problem.document, problem.line), (1, 1));
        let problem = objects_in(&split("---\napiVersion: v1\nkind: Service\nmetadata: {}\n")).expect_err("no name");
        assert_eq!(problem.to_string(), "document 1 (line 1) (v1 Service): metadata.name is missing");
    }
}
