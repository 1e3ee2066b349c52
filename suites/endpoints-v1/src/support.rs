//! What the Endpoints checks need beyond the harness's [`kconform_harness::kit`]: the
//! operationIds, the deprecation warning, Endpoints objects and Endpoints' own Status bodies.

pub(crate) use kconform_harness::check;
use kconform_harness::client::Response;
pub(crate) use kconform_harness::kit::*;
use kconform_harness::model::Outcome;
use kconform_harness::runner::Ctx;
use serde_json::{Value, json};

/// OpenAPI operationIds, so typos are compile errors.
pub(crate) mod op {
    pub(crate) const LIST_ALL: &str = "listCoreV1EndpointsForAllNamespaces";
    pub(crate) const WATCH_ALL: &str = "watchCoreV1EndpointsListForAllNamespaces";
    pub(crate) const LIST: &str = "listCoreV1NamespacedEndpoints";
    pub(crate) const CREATE: &str = "createCoreV1NamespacedEndpoints";
    pub(crate) const DELETE_COLLECTION: &str = "deleteCoreV1CollectionNamespacedEndpoints";
    pub(crate) const READ: &str = "readCoreV1NamespacedEndpoints";
    pub(crate) const REPLACE: &str = "replaceCoreV1NamespacedEndpoints";
    pub(crate) const PATCH: &str = "patchCoreV1NamespacedEndpoints";
    pub(crate) const DELETE: &str = "deleteCoreV1NamespacedEndpoints";
    pub(crate) const WATCH_LIST: &str = "watchCoreV1NamespacedEndpointsList";
    pub(crate) const WATCH: &str = "watchCoreV1NamespacedEndpoints";
}

/// The deprecation warning kube-apiserver 1.33+ adds to every Endpoints route.
pub(crate) const DEPRECATION_WARNING: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// The warnings a response must carry: the deprecation warning first on 1.33+, then `extra`.
pub(crate) fn warnings_for(ctx: &Ctx, extra: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    if ctx.version.at_least(33) {
        v.push(DEPRECATION_WARNING.to_owned());
    }
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

/// Fails unless the response's warnings are exactly the deprecation warning (1.33+) and `extra`.
pub(crate) fn expect_warnings(ctx: &Ctx, resp: &Response, extra: &[&str]) -> Verdict {
    expect_eq(
        ctx,
        "Warning headers",
        warnings_for(ctx, extra),
        resp.warnings(),
    )
}

/// A valid Endpoints object: one address, one named port (protocol given).
pub(crate) fn endpoints(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    })
}

/// [`endpoints`] with labels.
pub(crate) fn endpoints_labelled(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut o = endpoints(name);
    let map: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    o["metadata"]["labels"] = Value::Object(map);
    o
}

/// POST a plain object named `name` and return it.
pub(crate) async fn create_named(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    create(ctx, &endpoints(name)).await
}

/// The 409 kube-apiserver answers a write of Endpoints `name` carrying an outdated resourceVersion.
pub(crate) fn conflict_modified(name: &str) -> Value {
    conflict_modified_status("endpoints", name)
}

/// 404 NotFound for an Endpoints name.
pub(crate) fn not_found(name: &str) -> Value {
    not_found_status("endpoints", name)
}
