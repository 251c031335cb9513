//! Writing a status back into the cluster state file, touching nothing else.
//!
//! [`patch_status`] is pure: it finds the one object (apiVersion, kind, namespace, name) in the text,
//! merges the status into it with the API server's merge-patch rules, re-serialises that document alone
//! and splices it back, so every other document keeps its bytes (comments included). When the object is
//! an item of a `List`, the List is that document and is re-serialised whole, every other item and field
//! kept. [`replace_file`] then swaps the new text in atomically: a temporary file in the same directory,
//! given the old file's permissions, renamed over it, so a reader never sees half a file.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::objects::{Place, list_parts, objects_of};
use super::route::effective_namespace;
use super::stream::{Document, split};
use crate::error::FileProblem;
use crate::kind::KindSpec;
use crate::merge_patch::merge_patch;

/// The object a status is written to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    /// Its kind.
    pub spec: &'a KindSpec,
    /// Its namespace (`None` for cluster-scoped kinds).
    pub namespace: Option<&'a str>,
    /// Its name.
    pub name: &'a str,
}

/// Why a status could not be written into the text.
#[derive(Debug, PartialEq)]
pub(crate) enum PatchFailure {
    /// A document before the object does not parse.
    Invalid(FileProblem),
    /// The object is not in the file.
    NotFound,
    /// The patched document could not be written as YAML.
    Serialize(String),
}

/// The file's text with `status` merged into the target object's `.status`.
pub(crate) fn patch_status(text: &str, target: Target<'_>, status: &Value) -> Result<String, PatchFailure> {
    let patch = json!({ "status": status });
    for document in split(text) {
        let place = Place { document: document.index, line: document.line, item: None };
        let parsed = document.parse().map_err(|reason| PatchFailure::Invalid(place.problem(None, reason)))?;
        let Some(mut value) = parsed else {
            continue;
        };
        let Some(item) = find(&value, target, place)? else {
            continue;
        };
        match item {
            Some(at) => merge_patch(&mut value["items"][at], &patch),
            None => merge_patch(&mut value, &patch),
        }
        let yaml = serde_saphyr::to_string(&value).map_err(|error| PatchFailure::Serialize(error.to_string()))?;
        return Ok(splice(text, &document, &yaml));
    }
    Err(PatchFailure::NotFound)
}

/// Where the target is in one document's value: `Some(None)` for the document itself, `Some(Some(i))` for
/// item `i` of a list, `None` if it is not there.
fn find(value: &Value, target: Target<'_>, place: Place) -> Result<Option<Option<usize>>, PatchFailure> {
    let is_list = list_parts(value).is_some();
    let objects = objects_of(value.clone(), place).map_err(PatchFailure::Invalid)?;
    let found = objects.iter().position(|object| {
        object.api_version == target.spec.api_version
            && object.kind == target.spec.kind
            && object.name == target.name
            && effective_namespace(target.spec, object.namespace.as_deref()) == target.namespace
    });
    Ok(found.map(|at| is_list.then_some(at)))
}

/// `text` with one document's content replaced by `yaml`.
fn splice(text: &str, document: &Document<'_>, yaml: &str) -> String {
    let mut spliced = String::with_capacity(text.len() + yaml.len());
    spliced.push_str(&text[..document.range.start]);
    if document.range.start > 0 {
        // The content follows a `---` marker: start the document on its own line.
        spliced.push('\n');
    }
    spliced.push_str(yaml);
    if !yaml.ends_with('\n') {
        spliced.push('\n');
    }
    spliced.push_str(&text[document.range.end..]);
    spliced
}

/// Replace the file at `path` with `text` atomically, keeping its permissions.
///
/// A symlink is followed, so the file it points to is replaced and the link stays.
pub(crate) fn replace_file(path: &Path, text: &str) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let directory = target.parent().unwrap_or(Path::new("."));
    let permissions = fs::metadata(&target)?.permissions();
    let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
    temporary.write_all(text.as_bytes())?;
    temporary.as_file().set_permissions(permissions)?;
    temporary.as_file().sync_all()?;
    temporary.persist(&target).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Service};

    use super::*;

    fn target<'a>(spec: &'a KindSpec, namespace: Option<&'a str>, name: &'a str) -> Target<'a> {
        Target { spec, namespace, name }
    }

    const INGRESS: &str = r#"{"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}}"#;

    /// Only the patched document changes; the others keep every byte, comments included.
    #[test]
    fn other_documents_keep_their_bytes() {
        let first = "# the database\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: default}   # odd spacing kept\n";
        let third = "\napiVersion: v1\nkind: Node\nmetadata:\n    name: kind-worker\n";
        let text = format!(
            "{first}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n---{third}"
        );
        let spec = KindSpec::of::<Service>();
        let status: Value = serde_json::from_str(INGRESS).expect("valid JSON");
        let patched = patch_status(&text, target(&spec, Some("default"), "web"), &status).expect("web is in the file");
        assert!(patched.starts_with(&format!("{first}---\n")), "{patched}");
        assert!(patched.ends_with(&format!("---{third}")), "{patched}");
        let web = &split(&patched)[1];
        let value = web.parse().expect("valid YAML").expect("an object");
        assert_eq!(value["spec"]["type"], "LoadBalancer");
        assert_eq!(value["status"]["loadBalancer"]["ingress"][0]["ip"], "172.18.255.200");
    }

    /// An item of a `v1 List` is patched in place, every other item and field kept.
    #[test]
    fn list_item_is_patched_in_place() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a, namespace: x}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b, namespace: x}\n  spec: {type: LoadBalancer}\nkind: List\nmetadata: {resourceVersion: \"\"}\n";
        let spec = KindSpec::of::<Service>();
        let status: Value = serde_json::from_str(INGRESS).expect("valid JSON");
        let patched = patch_status(text, target(&spec, Some("x"), "b"), &status).expect("b is in the list");
        let list = split(&patched)[0].parse().expect("valid YAML").expect("a list");
        let mut expected = split(text)[0].parse().expect("valid YAML").expect("a list");
        expected["items"][1]["status"] = status;
        assert_eq!(list, expected);
    }

    /// A missing object, a wrong namespace or a wrong kind is not found.
    #[test]
    fn other_objects_are_not_found() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n";
        let service = KindSpec::of::<Service>();
        let node = KindSpec::of::<Node>();
        let status = Value::Null;
        assert!(patch_status(text, target(&service, Some("default"), "web"), &status).is_ok());
        assert_eq!(patch_status(text, target(&service, Some("other"), "web"), &status), Err(PatchFailure::NotFound));
        assert_eq!(patch_status(text, target(&node, None, "web"), &status), Err(PatchFailure::NotFound));
    }

    /// The file is replaced whole, with its permissions kept.
    #[test]
    fn replace_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().expect("a temporary directory");
        let path = directory.path().join("cluster.yaml");
        fs::write(&path, "old").expect("write the file");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        replace_file(&path, "new").expect("replace the file");
        assert_eq!(fs::read_to_string(&path).expect("read back"), "new");
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
