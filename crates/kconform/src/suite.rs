//! The suite this CLI runs: the one place that names it, so adding a suite is a change here.

use std::sync::OnceLock;

use kconform_harness::model::CheckMeta;
use kconform_harness::resource::Resource;
use kconform_harness::runner::Check;

/// The suite's name, as reports show it.
pub const NAME: &str = "endpoints-v1";

/// The resource the suite exercises; the harness derives every path it builds from it.
pub const RESOURCE: Resource = endpoints_v1::RESOURCE;

/// Every check of the suite, in registry order (built once per process).
pub fn checks() -> &'static [Check] {
    static CHECKS: OnceLock<Vec<Check>> = OnceLock::new();
    CHECKS.get_or_init(endpoints_v1::checks)
}

/// The metadata of a check id.
pub fn meta(id: &str) -> Option<CheckMeta> {
    checks().iter().find(|c| c.meta.id == id).map(|c| c.meta)
}
