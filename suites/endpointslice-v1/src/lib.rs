//! The conformance checks for the Kubernetes discovery.k8s.io/v1 EndpointSlice API.
//!
//! Every check has a stable id `ES-<AREA>-<NNN>` (never reused), a level, the requirement it verifies
//! (a sentence written like the specification) and a reference to the recorded kube-apiserver
//! scenario that is its ground truth.
//!
//! **Invariant:** the suite knows the target only through HTTP (via `kconform-harness`); it never links
//! the reference server.

mod fixtures;
mod options;
mod protobuf;
mod recorded;
pub mod sequence;

/// OpenAPI operationIds, so typos are compile errors.
pub(crate) mod op {
    pub(crate) const LIST_ALL: &str = "listDiscoveryV1EndpointSliceForAllNamespaces";
    pub(crate) const WATCH_ALL: &str = "watchDiscoveryV1EndpointSliceListForAllNamespaces";
    pub(crate) const LIST: &str = "listDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const CREATE: &str = "createDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const DELETE_COLLECTION: &str = "deleteDiscoveryV1CollectionNamespacedEndpointSlice";
    pub(crate) const READ: &str = "readDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const REPLACE: &str = "replaceDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const PATCH: &str = "patchDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const DELETE: &str = "deleteDiscoveryV1NamespacedEndpointSlice";
    pub(crate) const WATCH_LIST: &str = "watchDiscoveryV1NamespacedEndpointSliceList";
    pub(crate) const WATCH: &str = "watchDiscoveryV1NamespacedEndpointSlice";
    /// `GET /apis/`.
    pub(crate) const API_VERSIONS: &str = "getAPIVersions";
    /// `GET /apis/discovery.k8s.io/`.
    pub(crate) const API_GROUP: &str = "getDiscoveryAPIGroup";
    /// `GET /apis/discovery.k8s.io/v1/`.
    pub(crate) const API_RESOURCES: &str = "getDiscoveryV1APIResources";
    /// The OpenAPI v3 document of the group-version has no operationId; its path names it.
    pub(crate) const OPENAPI_V3: &str = "GET /openapi/v3/apis/discovery.k8s.io/v1";
}

use kconform_harness::resource::Resource;
use kconform_harness::runner::Check;

/// The resource this suite exercises: discovery.k8s.io/v1 EndpointSlice, namespaced, with the
/// operations of the recorded OpenAPI v3 document.
pub const RESOURCE: Resource = Resource {
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
    operations: kconform_spec::endpointslice::ops::operations,
};

/// The registry: every check of the suite, in a stable order (by area, then id).
pub fn checks() -> Vec<Check> {
    [
        recorded::RECORDED,
        options::CHECKS,
        protobuf::CHECKS,
        fixtures::CHECKS,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::{RESOURCE, checks};

    #[test]
    fn every_cell_of_the_api_is_covered() {
        let metas: Vec<_> = checks().iter().map(|c| c.meta).collect();
        let matrix = kconform_harness::coverage::Matrix::compute(&RESOURCE, &metas);
        let uncovered: Vec<String> = matrix
            .uncovered()
            .iter()
            .map(|c| format!("{} × {}", c.operation, c.column))
            .collect();
        assert!(
            uncovered.is_empty(),
            "{} of {} cells uncovered: {uncovered:#?}",
            uncovered.len(),
            matrix.total()
        );
    }

    #[test]
    fn ids_are_well_formed_and_follow_the_ledger() {
        let metas: Vec<_> = checks().iter().map(|c| c.meta).collect();
        let problems =
            kconform_harness::kit::ledger::problems("ES", include_str!("../ids.txt"), &metas);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_recorded_scenario_has_its_check() {
        // The recordings' index lists every scenario; a scenario without a check is a behaviour
        // the suite forgot.
        let index: serde_json::Value = serde_json::from_str(include_str!(
            "../../../transcripts/endpointslice/kube-apiserver-v1.36.2/index.json"
        ))
        .expect("index.json is JSON");
        let scenarios = index["scenarios"].as_array().expect("scenarios");
        let refs: Vec<&str> = checks().iter().map(|c| c.meta.spec_ref).collect();
        for s in scenarios {
            let id = s["id"].as_str().expect("id");
            let wanted = format!("recorded scenario {id} (");
            assert!(
                refs.iter().any(|r| r.starts_with(&wanted)),
                "no check replays {id}"
            );
        }
        let recorded = checks()
            .iter()
            .filter(|c| c.meta.spec_ref.starts_with("recorded scenario "))
            .count();
        assert_eq!(scenarios.len(), recorded);
    }
}
