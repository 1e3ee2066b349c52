//! The suite this CLI runs: the one place that names it, so adding a suite is a change here.

use std::sync::OnceLock;

use kconform_harness::model::CheckMeta;
use kconform_harness::resource::Resource;
use kconform_harness::runner::Check;

/// The suite's name, as reports show it.
pub const NAME: &str = "endpoints-v1";

/// The resource the suite exercises; the harness derives every path it builds from it.
pub const RESOURCE: Resource = endpoints_v1::RESOURCE;

/// discovery.k8s.io/v1 EndpointSlice, which the reference server serves and `kconform replay`
/// replays; its suite is not written yet.
pub const ENDPOINT_SLICES: Resource = Resource {
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
    operations: kconform_spec::endpointslice::ops::operations,
};

/// The resource recordings exercise, by the `api` their `index.json` names (k8s-transcript writes
/// `"api": "endpointslices"` for that scenario set, nothing for Endpoints).
pub fn resource_named(api: Option<&str>) -> anyhow::Result<Resource> {
    match api {
        None | Some("endpoints") => Ok(RESOURCE),
        Some("endpointslices") => Ok(ENDPOINT_SLICES),
        Some(other) => anyhow::bail!("recordings of the API {other:?} cannot be replayed"),
    }
}

/// Every check of the suite, in registry order (built once per process).
pub fn checks() -> &'static [Check] {
    static CHECKS: OnceLock<Vec<Check>> = OnceLock::new();
    CHECKS.get_or_init(endpoints_v1::checks)
}

/// The metadata of a check id.
pub fn meta(id: &str) -> Option<CheckMeta> {
    checks().iter().find(|c| c.meta.id == id).map(|c| c.meta)
}
