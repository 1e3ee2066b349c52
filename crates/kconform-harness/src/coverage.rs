//! The coverage matrix: operation × parameter and operation × status, each cell with the checks that
//! exercise it, computed from the API's operation table and the checks' metadata.
//!
//! Cells come from the specification of the suite's resource ([`Resource::operations`]): every declared query or body parameter
//! of an operation, and every declared response status, plus 410 Gone/Expired for the list and watch
//! operations (kube-apiserver answers 410 for compacted resourceVersions and continue tokens although
//! the OpenAPI document does not declare it).
//! Path parameters (`namespace`, `name`) are not cells: every request of the operation carries them.
//! A check covers a cell when its [`CheckMeta::operations`] names the operation and its
//! [`CheckMeta::params`] (or [`CheckMeta::statuses`]) names the column.

use std::fmt;

use kconform_spec::ops::{Operation, ParamIn};
use serde::Serialize;

use crate::model::CheckMeta;
use crate::resource::Resource;

/// The column of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Column {
    /// A query or body parameter.
    Param(&'static str),
    /// An HTTP status.
    Status(u16),
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Param(p) => f.write_str(p),
            Column::Status(s) => write!(f, "{s}"),
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The operationId.
    pub operation: &'static str,
    /// The parameter or status.
    pub column: Column,
    /// Ids of the checks that exercise the cell, in registry order.
    pub checks: Vec<&'static str>,
}

/// The operations and columns a matrix is built from (normally [`Matrix::compute`] takes them from
/// the specification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationColumns {
    /// The operationId.
    pub operation: &'static str,
    /// Query and body parameters.
    pub params: Vec<&'static str>,
    /// Statuses.
    pub statuses: Vec<u16>,
}

impl OperationColumns {
    /// The columns of a specification operation: query and body parameters, declared statuses, and
    /// 410 for list and watch actions.
    pub fn of(op: &Operation) -> OperationColumns {
        let params = op
            .params
            .iter()
            .filter(|p| p.location != ParamIn::Path)
            .map(|p| p.name)
            .collect();
        let mut statuses = op.responses.clone();
        if matches!(op.action, "list" | "watch" | "watchlist") && !statuses.contains(&410) {
            statuses.push(410);
        }
        statuses.sort_unstable();
        OperationColumns {
            operation: op.id,
            params,
            statuses,
        }
    }
}

/// The coverage matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// Every cell, operation by operation (specification order), parameters then statuses.
    pub cells: Vec<Cell>,
}

impl Matrix {
    /// The matrix of a resource's operations ([`Resource::operations`]) for these checks.
    pub fn compute(resource: &Resource, checks: &[CheckMeta]) -> Matrix {
        Matrix::from_operations(
            (resource.operations)().iter().map(OperationColumns::of),
            checks,
        )
    }

    /// The matrix of the given operations and columns for these checks.
    pub fn from_operations(
        operations: impl IntoIterator<Item = OperationColumns>,
        checks: &[CheckMeta],
    ) -> Matrix {
        let mut cells = Vec::new();
        for op in operations {
            let columns = op
                .params
                .iter()
                .map(|p| Column::Param(p))
                .chain(op.statuses.iter().map(|s| Column::Status(*s)));
            for column in columns {
                let covering = checks
                    .iter()
                    .filter(|c| c.operations.contains(&op.operation))
                    .filter(|c| match column {
                        Column::Param(p) => c.params.contains(&p),
                        Column::Status(s) => c.statuses.contains(&s),
                    })
                    .map(|c| c.id)
                    .collect();
                cells.push(Cell {
                    operation: op.operation,
                    column,
                    checks: covering,
                });
            }
        }
        Matrix { cells }
    }

    /// Cells no check exercises.
    pub fn uncovered(&self) -> Vec<&Cell> {
        self.cells.iter().filter(|c| c.checks.is_empty()).collect()
    }

    /// Number of cells some check exercises.
    pub fn covered_count(&self) -> usize {
        self.cells.len() - self.uncovered().len()
    }

    /// Number of cells.
    pub fn total(&self) -> usize {
        self.cells.len()
    }

    /// The cell of an operation and column, if the matrix has it.
    pub fn cell(&self, operation: &str, column: Column) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.operation == operation && c.column == column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    const fn meta(
        id: &'static str,
        operations: &'static [&'static str],
        params: &'static [&'static str],
        statuses: &'static [u16],
    ) -> CheckMeta {
        CheckMeta {
            id,
            level: Level::Must,
            requirement: "r",
            spec_ref: "s",
            operations,
            params,
            statuses,
            since: None,
            until: None,
            features: &[],
        }
    }

    #[test]
    fn cells_list_the_checks_that_name_operation_and_column() {
        let ops = vec![OperationColumns {
            operation: "op",
            params: vec!["limit", "pretty"],
            statuses: vec![200, 410],
        }];
        let checks = [
            meta("EP-A-001", &["op"], &["limit"], &[200]),
            meta("EP-A-002", &["other"], &["pretty"], &[410]),
        ];
        let m = Matrix::from_operations(ops, &checks);
        assert_eq!(m.total(), 4);
        assert_eq!(
            m.cell("op", Column::Param("limit"))
                .map(|c| c.checks.clone()),
            Some(vec!["EP-A-001"])
        );
        let uncovered: Vec<String> = m
            .uncovered()
            .iter()
            .map(|c| format!("{}/{}", c.operation, c.column))
            .collect();
        assert_eq!(uncovered, ["op/pretty", "op/410"]);
        assert_eq!(m.covered_count(), 2);
    }

    #[test]
    fn specification_adds_410_to_list_and_watch_only() {
        let m = Matrix::from_operations(
            kconform_spec::ops::operations()
                .iter()
                .map(OperationColumns::of),
            &[],
        );
        assert!(
            m.cell("listCoreV1NamespacedEndpoints", Column::Status(410))
                .is_some()
        );
        assert!(
            m.cell("watchCoreV1NamespacedEndpoints", Column::Status(410))
                .is_some()
        );
        assert!(
            m.cell("createCoreV1NamespacedEndpoints", Column::Status(410))
                .is_none()
        );
        assert!(
            m.cell("readCoreV1NamespacedEndpoints", Column::Param("namespace"))
                .is_none(),
            "path parameters are not cells"
        );
    }
}
