//! The coverage matrix over the real operation table.

use kconform_harness::coverage::{Column, Matrix};
use kconform_harness::model::{CheckMeta, Level};

#[test]
fn an_empty_suite_covers_nothing_and_every_operation_has_cells() {
    let m = Matrix::compute(&endpoints_v1::RESOURCE, &[]);
    assert!(m.total() > 100, "{} cells", m.total());
    assert_eq!(m.covered_count(), 0);
    let ops: std::collections::BTreeSet<&str> = m.cells.iter().map(|c| c.operation).collect();
    assert_eq!(ops.len(), 11);
    for op in &ops {
        assert!(
            m.cell(op, Column::Status(401)).is_some(),
            "{op} declares 401"
        );
    }
}

#[test]
fn a_check_covers_exactly_the_cells_it_names() {
    const META: CheckMeta = CheckMeta {
        id: "EP-LIST-999",
        level: Level::Must,
        requirement: "r",
        spec_ref: "s",
        operations: &["listCoreV1NamespacedEndpoints"],
        params: &["limit", "continue"],
        statuses: &[410],
        since: None,
        until: None,
        features: &[],
    };
    let m = Matrix::compute(&endpoints_v1::RESOURCE, &[META]);
    assert_eq!(m.covered_count(), 3);
    let cell = m
        .cell("listCoreV1NamespacedEndpoints", Column::Status(410))
        .expect("410 cell");
    assert_eq!(cell.checks, ["EP-LIST-999"]);
    assert!(
        m.cell(
            "listCoreV1EndpointsForAllNamespaces",
            Column::Param("limit")
        )
        .expect("cell")
        .checks
        .is_empty()
    );
}
