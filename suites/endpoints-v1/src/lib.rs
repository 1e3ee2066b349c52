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

/// Every check of the suite, in a stable order (by area, then id).
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend(crud::checks());
    all.extend(validation::checks());
    all.extend(fixtures::checks());
    all.extend(options::checks());
    all.extend(patch::checks());
    all.extend(delete::checks());
    all.extend(list::checks());
    all.extend(watch::checks());
    all.extend(auth::checks());
    all
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
    fn ids_are_unique_and_well_formed() {
        let re = regex::Regex::new(r"^EP-[A-Z]+-[0-9]{3}$").expect("regex");
        let mut seen = BTreeSet::new();
        for c in checks() {
            assert!(re.is_match(c.meta.id), "malformed id {}", c.meta.id);
            assert!(seen.insert(c.meta.id), "duplicate id {}", c.meta.id);
            assert!(
                !c.meta.requirement.is_empty() && !c.meta.spec_ref.is_empty(),
                "{}",
                c.meta.id
            );
            assert!(
                !c.meta.operations.is_empty(),
                "{} names no operation",
                c.meta.id
            );
        }
    }
}
