//! Writing back to the Kubernetes API: status patches and Events.
//!
//! A status patch is a JSON merge patch of `{"status": ...}` sent to the object's `status` subresource,
//! with the component's name as field manager, so `kubectl get -o yaml --show-managed-fields` says who
//! wrote it. Events go through kube's [`Recorder`], which creates `events.k8s.io/v1` Events and turns
//! repeats into a series instead of a flood; the reporting instance is the host name, which in a cluster
//! is the pod's name. Neither waits for the watch: the change comes back to the snapshot like any other.

use kube::Client;
use kube::api::{Patch, PatchParams};
use kube::runtime::events::{self, Recorder, Reporter};
use serde_json::{Value, json};

use crate::error::Error;
use crate::event::{Event, EventType};
use crate::kind::{Kind, KindScope, KindSpec};

/// The write-back half of the API source.
#[derive(Clone)]
pub(crate) struct ApiWriter {
    client: Client,
    recorder: Recorder,
    field_manager: String,
}

impl ApiWriter {
    /// A writer that signs its patches and events with `component`.
    pub fn new(client: Client, component: &str) -> Self {
        let recorder = Recorder::new(client.clone(), Reporter::from(component));
        Self { client, recorder, field_manager: component.to_string() }
    }

    /// Merge `status` into the object's `.status` through the status subresource.
    pub async fn patch_status<K: Kind>(&self, object: &K, status: Value) -> Result<(), Error> {
        let spec = KindSpec::of::<K>();
        let (namespace, name) = address(&spec, object)?;
        let api = <K::Scope as KindScope>::api::<K>(self.client.clone(), namespace);
        let params = PatchParams { field_manager: Some(self.field_manager.clone()), ..PatchParams::default() };
        api.patch_status(name, &params, &Patch::Merge(json!({ "status": status })))
            .await
            .map_err(|source| Error::PatchStatus { object: spec.describe_object(object), source })?;
        Ok(())
    }

    /// Create (or extend the series of) an Event about the object.
    pub async fn record_event<K: Kind>(&self, object: &K, event: &Event) -> Result<(), Error> {
        let spec = KindSpec::of::<K>();
        address(&spec, object)?;
        let published = events::Event {
            type_: match event.type_ {
                EventType::Normal => events::EventType::Normal,
                EventType::Warning => events::EventType::Warning,
            },
            reason: event.reason.clone(),
            note: event.note.clone(),
            action: event.action.clone(),
            secondary: None,
        };
        self.recorder.publish(&published, &object.object_ref(&())).await.map_err(|source| Error::PublishEvent {
            object: spec.describe_object(object),
            reason: event.reason.clone(),
            source,
        })
    }
}

/// The namespace (for namespaced kinds) and name an object is written back under.
fn address<'a, K: Kind>(spec: &KindSpec, object: &'a K) -> Result<(Option<&'a str>, &'a str), Error> {
    let meta = object.meta();
    let name = meta.name.as_deref().ok_or(Error::Incomplete { kind: spec.label(), missing: "metadata.name" })?;
    if !spec.namespaced {
        return Ok((None, name));
    }
    let namespace =
        meta.namespace.as_deref().ok_or(Error::Incomplete { kind: spec.label(), missing: "metadata.namespace" })?;
    Ok((Some(namespace), name))
}
