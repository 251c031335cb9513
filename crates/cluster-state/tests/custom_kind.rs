//! Custom resources are kinds like any other: MetalLB's `IPAddressPool`, from a file and from the API.
//!
//! The type below implements `kube::Resource` by hand, exactly as `#[derive(CustomResource)]` would
//! (static apiVersion, kind and plural; namespaced), so these tests show what mini-lb's CRD types get.

mod file_lab;

use std::borrow::Cow;

use cluster_state::k8s_openapi::NamespaceResourceScope;
use cluster_state::k8s_openapi::api::core::v1::Service;
use cluster_state::kube::Resource;
use cluster_state::kube::api::ObjectMeta;
use cluster_state::testing::{self, mock_client};
use cluster_state::{ClusterState, Query, Scope, Source};
use file_lab::{Lab, fixture};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// MetalLB's `metallb.io/v1beta1` `IPAddressPool`, reduced to what the tests read.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct IpAddressPool {
    metadata: ObjectMeta,
    spec: PoolSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PoolSpec {
    addresses: Vec<String>,
    #[serde(default)]
    auto_assign: Option<bool>,
}

impl Resource for IpAddressPool {
    type DynamicType = ();
    type Scope = NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        "IPAddressPool".into()
    }

    fn group(_: &()) -> Cow<'_, str> {
        "metallb.io".into()
    }

    fn version(_: &()) -> Cow<'_, str> {
        "v1beta1".into()
    }

    fn plural(_: &()) -> Cow<'_, str> {
        "ipaddresspools".into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// A custom kind is routed by its apiVersion and kind; another version of it is not the same kind.
#[tokio::test]
async fn custom_kind_from_a_file() {
    let query = Query::new().with::<IpAddressPool>(Scope::namespace("metallb-system")).with::<Service>(Scope::all());
    let lab = Lab::start(&fixture("metallb-pools.yaml"), query).await;
    let snapshot = lab.state.snapshot();
    let pools = snapshot.objects::<IpAddressPool>();
    assert_eq!(pools.len(), 1);
    let pool = pools.get("metallb-system", "kind-pool").expect("the pool");
    assert_eq!(pool.spec.addresses, ["172.18.255.200-172.18.255.250"]);
    assert_eq!(pool.spec.auto_assign, None);
    assert_eq!(snapshot.objects::<Service>().len(), 1);
}

/// A custom kind is listed and watched at its group's URL.
#[tokio::test]
async fn custom_kind_from_the_api() {
    let (client, mut server) = mock_client();
    let shutdown = CancellationToken::new();
    let query = Query::new().with::<IpAddressPool>(Scope::namespace("metallb-system"));
    let state = ClusterState::start("mini-lb-controller", Source::Api(client), query, shutdown.clone())
        .await
        .expect("the API source starts");
    let pool = json!({
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": { "name": "kind-pool", "namespace": "metallb-system", "resourceVersion": "5" },
        "spec": { "addresses": ["172.18.255.200/28"], "autoAssign": false },
    });
    server
        .next_request()
        .await
        .expect(Method::GET, "/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools?&limit=500")
        .respond(testing::list("metallb.io/v1beta1", "IPAddressPoolList", "9", vec![pool]));
    let snapshot = tokio::time::timeout(testing::REQUEST_WAIT, state.wait_synced())
        .await
        .expect("synced within the bound")
        .expect("running");
    let pool = snapshot.objects::<IpAddressPool>().get("metallb-system", "kind-pool").cloned().expect("the pool");
    assert_eq!(pool.spec.auto_assign, Some(false));
    let _watch = server.next_request().await.hold();
    shutdown.cancel();
}
