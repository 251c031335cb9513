//! Writing the reports into the Kubernetes API, as MetalLB keeps them: the component's
//! `ConfigurationState` and, for a speaker, one `ServiceL2Status` per announced Service (deleted when it
//! stops). Objects are written by server-side apply (the object, then its status subresource), each
//! only when it changed, from a task of its own, so a slow API server never delays an announcement.

use std::collections::BTreeMap;

use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::crd::{ConfigurationState, ServiceL2Status};

/// What a component reports at one moment.
#[derive(Clone, Debug, Default)]
pub struct Reports {
    /// The component's ConfigurationState.
    pub configuration: Option<ConfigurationState>,
    /// A speaker's ServiceL2Status objects.
    pub services: Vec<ServiceL2Status>,
}

/// Starts the writer task; send it the latest reports, it writes what changed.
pub fn spawn_writer(client: Client, manager: &'static str) -> watch::Sender<Reports> {
    let (sender, mut latest) = watch::channel(Reports::default());
    tokio::spawn(async move {
        let mut written = Written::default();
        while latest.changed().await.is_ok() {
            let reports = latest.borrow_and_update().clone();
            written.write(&client, manager, reports).await;
        }
    });
    sender
}

/// What was last written, by object name.
#[derive(Default)]
struct Written {
    configuration: Option<Value>,
    services: BTreeMap<(String, String), Value>,
}

impl Written {
    async fn write(&mut self, client: &Client, manager: &'static str, reports: Reports) {
        if let Some(state) = reports.configuration {
            let value = serde_json::to_value(&state).unwrap_or_default();
            if self.configuration.as_ref() != Some(&value) && apply(client, manager, &state).await {
                self.configuration = Some(value);
            }
        }
        let mut wanted = BTreeMap::new();
        for status in reports.services {
            let key = (status.namespace().unwrap_or_default(), status.name_any());
            let value = serde_json::to_value(&status).unwrap_or_default();
            if self.services.get(&key) != Some(&value) && !apply(client, manager, &status).await {
                continue;
            }
            wanted.insert(key, value);
        }
        for (namespace, name) in self.services.keys().filter(|key| !wanted.contains_key(*key)) {
            let api: Api<ServiceL2Status> = Api::namespaced(client.clone(), namespace);
            if let Err(error) = api.delete(name, &DeleteParams::default()).await {
                debug!(%error, %namespace, %name, "cannot delete a ServiceL2Status");
            }
        }
        self.services = wanted;
    }
}

/// Server-side applies `object` and then its status; false (logged) when the API refused either.
async fn apply<K>(client: &Client, manager: &'static str, object: &K) -> bool
where
    K: Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Serialize
        + DeserializeOwned
        + Clone
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), &object.namespace().unwrap_or_default());
    let name = object.name_any();
    let params = PatchParams::apply(manager).force();
    let mut body = serde_json::to_value(object).unwrap_or_default();
    let status = body.as_object_mut().and_then(|fields| fields.remove("status"));
    let result = match api.patch(&name, &params, &Patch::Apply(&body)).await {
        Ok(_) => match status {
            Some(status) => {
                body["status"] = status;
                api.patch_status(&name, &params, &Patch::Apply(&body)).await.map(|_| ())
            }
            None => Ok(()),
        },
        Err(error) => Err(error),
    };
    if let Err(error) = &result {
        warn!(%error, kind = %K::kind(&()), %name, "cannot write a report to the API");
    }
    result.is_ok()
}
