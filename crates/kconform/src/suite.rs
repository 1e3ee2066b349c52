//! The suites this CLI runs: the one place that names them, so adding a suite is a change here.

use std::sync::OnceLock;

use kconform_harness::model::CheckMeta;
use kconform_harness::resource::Resource;
use kconform_harness::runner::Check;

/// A conformance suite: the checks of one API.
#[derive(Debug)]
pub struct Suite {
    /// Its name, as `--suite` and the reports spell it.
    pub name: &'static str,
    /// The prefix of its check ids (`EP`, `ES`).
    pub id_prefix: &'static str,
    /// The resource it exercises; the harness derives every path it builds from it.
    pub resource: Resource,
    /// The name recordings of this API give in their `index.json` (`api`), if any.
    pub recorded_api: &'static str,
    /// The request model of `kconform diff` for this API.
    pub sequence: kconform_harness::diff::ModelFactory,
    checks: fn() -> Vec<Check>,
    cache: OnceLock<Vec<Check>>,
}

impl Suite {
    /// Every check of the suite, in registry order (built once per process).
    pub fn checks(&self) -> &[Check] {
        self.cache.get_or_init(self.checks)
    }
}

/// core/v1 Endpoints.
pub static ENDPOINTS: Suite = Suite {
    name: "endpoints-v1",
    id_prefix: "EP",
    resource: endpoints_v1::RESOURCE,
    recorded_api: "endpoints",
    sequence: endpoints_v1::sequence::model,
    checks: endpoints_v1::checks,
    cache: OnceLock::new(),
};

/// discovery.k8s.io/v1 EndpointSlice.
pub static ENDPOINT_SLICES: Suite = Suite {
    name: "endpointslice-v1",
    id_prefix: "ES",
    resource: endpointslice_v1::RESOURCE,
    recorded_api: "endpointslices",
    sequence: endpointslice_v1::sequence::model,
    checks: endpointslice_v1::checks,
    cache: OnceLock::new(),
};

/// Every suite, in the order runs and reports take them.
pub static SUITES: [&Suite; 2] = [&ENDPOINTS, &ENDPOINT_SLICES];

/// The names `--suite` accepts, for messages.
pub fn names() -> Vec<&'static str> {
    SUITES.iter().map(|s| s.name).collect()
}

/// The suite called `name`.
///
/// # Errors
/// When no suite has that name.
pub fn named(name: &str) -> anyhow::Result<&'static Suite> {
    SUITES
        .iter()
        .copied()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--suite {name:?} names no suite (the suites are {})",
                names().join(", ")
            )
        })
}

/// The suites a command selects: the named one, or all of them.
///
/// # Errors
/// When `name` names no suite.
pub fn selected(name: Option<&str>) -> anyhow::Result<Vec<&'static Suite>> {
    match name {
        Some(name) => Ok(vec![named(name)?]),
        None => Ok(SUITES.to_vec()),
    }
}

/// Every check of every suite, with its suite, in suite then registry order.
pub fn all_checks() -> impl Iterator<Item = (&'static Suite, &'static Check)> {
    SUITES
        .iter()
        .copied()
        .flat_map(|s| s.checks().iter().map(move |c| (s, c)))
}

/// The metadata of a check id, in whichever suite has it.
pub fn meta(id: &str) -> Option<CheckMeta> {
    all_checks()
        .find(|(_, c)| c.meta.id == id)
        .map(|(_, c)| c.meta)
}

/// The resource recordings exercise, by the `api` their `index.json` names (k8s-transcript writes
/// `"api": "endpointslices"` for that scenario set, nothing for Endpoints).
///
/// # Errors
/// When no suite checks that API.
pub fn resource_named(api: Option<&str>) -> anyhow::Result<Resource> {
    let api = api.unwrap_or(ENDPOINTS.recorded_api);
    SUITES
        .iter()
        .find(|s| s.recorded_api == api)
        .map(|s| s.resource)
        .ok_or_else(|| anyhow::anyhow!("recordings of the API {api:?} cannot be replayed"))
}
