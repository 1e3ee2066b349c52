//! The conformance checks for the Kubernetes core/v1 Endpoints API.
//!
//! Every check has a stable id `EP-<AREA>-<NNN>` (never reused), a level, the requirement it verifies
//! (a sentence written like the specification) and a reference to where kube-apiserver's behaviour is
//! described, by name.
//! Expectations come from the behaviour document and, where they disagree, from the recordings of real
//! kube-apiserver servers (`transcripts/`), which win.
//!
//! **Invariant:** the suite knows the target only through HTTP (via `kconform-harness`); it never links
//! the reference server.

mod auth;
mod crud;
mod delete;
mod fixtures;
mod list;
mod options;
mod patch;
mod protobuf;
pub mod sequence;
mod support;
mod validation;
mod watch;

use kconform_harness::resource::Resource;
use kconform_harness::runner::Check;

/// The resource this suite exercises: core/v1 Endpoints, namespaced, with the operations of the
/// vendored OpenAPI subset.
pub const RESOURCE: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    namespaced: true,
    operations: kconform_spec::ops::operations,
};

/// The registry: every check of the suite, in a stable order (by area, then id). Each entry is the
/// constant named after the check's id, declared directly above the check's body.
pub fn checks() -> Vec<Check> {
    [
        &[
            crud::EP_CREATE_001,
            crud::EP_CREATE_002,
            crud::EP_CREATE_003,
            crud::EP_CREATE_004,
            crud::EP_CREATE_005,
            crud::EP_CREATE_006,
            crud::EP_CREATE_007,
            crud::EP_CREATE_008,
            crud::EP_CREATE_009,
            crud::EP_CREATE_010,
            crud::EP_CREATE_011,
            crud::EP_CREATE_012,
            crud::EP_CREATE_013,
            crud::EP_READ_001,
            crud::EP_READ_002,
            crud::EP_READ_003,
            crud::EP_READ_004,
            crud::EP_REPLACE_001,
            crud::EP_REPLACE_002,
            crud::EP_REPLACE_003,
            crud::EP_REPLACE_004,
            crud::EP_REPLACE_005,
            crud::EP_REPLACE_006,
            crud::EP_REPLACE_007,
            crud::EP_REPLACE_008,
            crud::EP_REPLACE_009,
            crud::EP_REPLACE_010,
            crud::EP_REPLACE_011,
            crud::EP_REPLACE_012,
            crud::EP_REPLACE_013,
            crud::EP_REPLACE_014,
        ],
        validation::RECORDED,
        &[fixtures::EP_VALID_100, fixtures::EP_VALID_101],
        &[
            options::EP_OPTS_001,
            options::EP_OPTS_002,
            options::EP_OPTS_003,
            options::EP_OPTS_004,
            options::EP_OPTS_005,
            options::EP_OPTS_006,
            options::EP_OPTS_007,
            options::EP_OPTS_008,
            options::EP_OPTS_010,
            options::EP_WARN_001,
            options::EP_WARN_002,
        ],
        &[
            patch::EP_PATCH_001,
            patch::EP_PATCH_002,
            patch::EP_PATCH_003,
            patch::EP_PATCH_004,
            patch::EP_PATCH_005,
            patch::EP_PATCH_006,
            patch::EP_PATCH_007,
            patch::EP_PATCH_008,
            patch::EP_PATCH_009,
            patch::EP_PATCH_010,
            patch::EP_PATCH_011,
            patch::EP_PATCH_012,
            patch::EP_APPLY_001,
            patch::EP_APPLY_002,
            patch::EP_APPLY_003,
            patch::EP_APPLY_004,
            patch::EP_APPLY_005,
            patch::EP_APPLY_006,
            patch::EP_APPLY_007,
            patch::EP_APPLY_008,
            patch::EP_APPLY_009,
            patch::EP_PATCH_013,
            patch::EP_PATCH_014,
        ],
        &[
            delete::EP_DELETE_001,
            delete::EP_DELETE_002,
            delete::EP_DELETE_003,
            delete::EP_DELETE_004,
            delete::EP_DELETE_005,
            delete::EP_DELETE_006,
            delete::EP_DELETE_007,
            delete::EP_DELETE_008,
            delete::EP_DELETE_009,
            delete::EP_DELETE_010,
            delete::EP_DELETE_011,
            delete::EP_DELETE_012,
            delete::EP_DELCOL_001,
            delete::EP_DELCOL_002,
            delete::EP_DELCOL_003,
            delete::EP_DELCOL_004,
            delete::EP_DELCOL_005,
            delete::EP_DELCOL_006,
            delete::EP_DELCOL_007,
        ],
        &[
            list::basics::EP_LIST_001,
            list::basics::EP_LIST_002,
            list::basics::EP_LIST_003,
            list::pagination::EP_LIST_004,
            list::pagination::EP_LIST_005,
            list::pagination::EP_LIST_006,
            list::selectors::EP_LIST_007,
            list::selectors::EP_LIST_008,
            list::selectors::EP_LIST_009,
            list::selectors::EP_LIST_010,
            list::resource_versions::EP_LIST_011,
            list::resource_versions::EP_LIST_012,
            list::resource_versions::EP_LIST_013,
            list::resource_versions::EP_LIST_014,
            list::pagination::EP_LIST_015,
            list::pagination::EP_LIST_016,
            list::pagination::EP_LIST_017,
            list::options::EP_LIST_018,
            list::options::EP_LIST_019,
            list::resource_versions::EP_LIST_020,
            list::options::EP_LIST_021,
            list::options::EP_LIST_022,
            list::options::EP_LIST_023,
            list::pagination::EP_LIST_024,
        ],
        &[
            watch::lifecycle::EP_WATCH_001,
            watch::lifecycle::EP_WATCH_002,
            watch::lifecycle::EP_WATCH_003,
            watch::lifecycle::EP_WATCH_004,
            watch::deprecated_paths::EP_WATCH_005,
            watch::deprecated_paths::EP_WATCH_006,
            watch::deprecated_paths::EP_WATCH_007,
            watch::deprecated_paths::EP_WATCH_008,
            watch::selectors::EP_WATCH_009,
            watch::lifecycle::EP_WATCH_010,
            watch::selectors::EP_WATCH_011,
            watch::selectors::EP_WATCH_012,
            watch::lifecycle::EP_WATCH_013,
            watch::too_old::EP_WATCH_014,
            watch::too_old::EP_WATCH_015,
            watch::bookmarks::EP_WATCH_016,
            watch::initial_events::EP_WATCH_017,
            watch::initial_events::EP_WATCH_018,
            watch::options::EP_WATCH_019,
            watch::lifecycle::EP_WATCH_020,
            watch::options::EP_WATCH_021,
            watch::lifecycle::EP_WATCH_022,
            watch::bookmarks::EP_WATCH_023,
        ],
        &[
            auth::EP_AUTH_001,
            auth::EP_AUTH_002,
            auth::EP_AUTH_003,
            auth::EP_DISC_001,
            auth::EP_DISC_002,
            auth::EP_DISC_003,
        ],
        &[
            protobuf::EP_PROTO_001,
            protobuf::EP_PROTO_002,
            protobuf::EP_PROTO_003,
            protobuf::EP_PROTO_004,
            protobuf::EP_PROTO_005,
            protobuf::EP_PROTO_006,
            protobuf::EP_PROTO_007,
            protobuf::EP_PROTO_008,
            protobuf::EP_PROTO_009,
            protobuf::EP_PROTO_010,
            protobuf::EP_PROTO_011,
            protobuf::EP_PROTO_012,
            protobuf::EP_PROTO_013,
            protobuf::EP_PROTO_014,
        ],
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

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
    fn checks_name_only_real_operations() {
        let known: BTreeSet<&str> = kconform_spec::ops::operations()
            .iter()
            .map(|o| o.id)
            .collect();
        for c in checks() {
            for op in c.meta.operations {
                assert!(
                    known.contains(op),
                    "{} names unknown operation {op}",
                    c.meta.id
                );
            }
        }
    }

    #[test]
    fn ids_are_well_formed_and_follow_the_ledger() {
        let metas: Vec<_> = checks().iter().map(|c| c.meta).collect();
        let problems =
            kconform_harness::kit::ledger::problems("EP", include_str!("../ids.txt"), &metas);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
