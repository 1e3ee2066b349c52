//! Reports of a run: one versioned JSON document ([`Report`]) and three renderings of it
//! (JUnit XML, Markdown, a self-contained HTML page).
//!
//! The [`Report`] is the only input of every renderer, so the four files always agree.
//! Its serde shape is a public, versioned format ([`REPORT_SCHEMA_VERSION`], documented field by
//! field here and in `docs/report-schema.md`): add fields freely, but renaming or removing one, or
//! changing its meaning, requires a new schema version.
//!
//! [`normalized`] turns a report into JSON with everything that varies between runs replaced by a
//! placeholder (durations, timestamps, uids, resourceVersions, ports), for snapshot tests.

pub(crate) mod html;
mod junit;
mod markdown;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::baseline::{Baseline, BaselineKind, Gate, GateCounts, GateStatus, Verdict};
use crate::coverage::{Column, Matrix, OperationColumns};
use crate::model::{CheckMeta, CleanupOutcome, Level, Outcome, RunResults, TargetInfo};
use crate::resource::Resource;

pub use html::{CELL_COLOURS, render_html};
pub use junit::{JunitError, render_junit};
pub use markdown::render_markdown;

/// Version of the [`Report`] format. Bumped when a field is renamed, removed or changes meaning.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// `report.json`: everything about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA_VERSION`] for reports written by this code.
    pub schema_version: u32,
    /// The program that wrote the report.
    pub tool: Tool,
    /// The suites that ran, in run order, each with its API and coverage matrix (schema 2; schema 1
    /// had one `suite` name and one `coverage`).
    pub suites: Vec<SuiteReport>,
    /// The server under test.
    pub target: TargetInfo,
    /// Start of the run, RFC 3339 in UTC.
    pub started_at: String,
    /// Wall time of the whole run, in milliseconds.
    pub duration_ms: u64,
    /// The options that shaped the run.
    pub options: RunOptions,
    /// What the gate concluded: `clean`, `regression` or `error`.
    pub verdict: Verdict,
    /// Counts per gate status.
    pub summary: GateCounts,
    /// The baseline the run was gated with (absent when none was given).
    pub baseline: Option<BaselineSummary>,
    /// One entry per check that ran, in suite order.
    pub checks: Vec<CheckReport>,
}

/// One suite of a run: its name, the API it checks, and its coverage matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteReport {
    /// The suite, e.g. `endpoints-v1`.
    pub name: String,
    /// The API it checks, `<apiVersion> <Kind>`, e.g. `discovery.k8s.io/v1 EndpointSlice`.
    pub api: String,
    /// The coverage matrix: which checks exercise which operation × parameter and operation × status.
    pub coverage: CoverageGrid,
}

impl Report {
    /// The suites' names joined for titles: `endpoints-v1 + endpointslice-v1`.
    pub fn suite_names(&self) -> String {
        let names: Vec<&str> = self.suites.iter().map(|s| s.name.as_str()).collect();
        names.join(" + ")
    }
}

/// The program that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `kconform`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The options of the run, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Lowest level that ran (`MUST` runs only MUST checks, `MAY` runs all).
    pub level: Level,
    /// The `--filter` regular expression, if any.
    pub filter: Option<String>,
    /// Checks run at once.
    pub jobs: usize,
    /// Whether unexpected passes were fatal.
    pub strict_baseline: bool,
}

/// The baseline a run was gated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// Where it was read from, as given on the command line.
    pub path: String,
    /// Its `target` field.
    pub target: String,
    /// Baseline ids that name no check of the suite.
    pub stale_ids: Vec<String>,
}

/// One check in the report: what it claims, what happened, how the gate judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Stable id (`EP-<AREA>-<NNN>`).
    pub id: String,
    /// The suite the check belongs to (a name of [`Report::suites`]).
    pub suite: String,
    /// `MUST`, `SHOULD` or `MAY`.
    pub level: Level,
    /// The requirement sentence (empty if the suite did not describe the id).
    pub requirement: String,
    /// Where the requirement is stated, by name.
    pub spec_ref: String,
    /// OpenAPI operationIds exercised.
    pub operations: Vec<String>,
    /// Parameters exercised.
    pub params: Vec<String>,
    /// Statuses expected.
    pub statuses: Vec<u16>,
    /// The verdict, tagged by `kind` (`pass`, `fail` with expected/actual/evidence, `skip`,
    /// `unsupported`, `error`).
    pub outcome: Outcome,
    /// How the gate classified the verdict under the baseline.
    pub gate: GateStatus,
    /// The baseline entry that applied, if any.
    pub baseline: Option<BaselineRef>,
    /// Wall time of the check, in milliseconds.
    pub duration_ms: u64,
    /// What happened to the objects the check created.
    pub cleanup: CleanupOutcome,
}

/// The baseline entry that applied to a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineRef {
    /// Which list it is in.
    pub kind: BaselineKind,
    /// Its reason.
    pub reason: String,
    /// Its link.
    pub link: String,
}

/// The coverage matrix ([`crate::coverage::Matrix`]) as the reports show it: rows are operations,
/// columns parameters (and statuses), each cell lists the checks that exercise the pair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageGrid {
    /// Row labels (operationIds), in specification order.
    pub operations: Vec<String>,
    /// Column labels for the parameter grid.
    pub params: Vec<String>,
    /// Column labels for the status grid.
    pub statuses: Vec<u16>,
    /// Parameter cells that exist (the operation declares the parameter, or a check uses it).
    pub param_cells: Vec<CoverageCell>,
    /// Status cells that exist (the operation declares the status, or a check expects it).
    pub status_cells: Vec<CoverageCell>,
}

/// One cell of the coverage matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageCell {
    /// Row (operationId).
    pub operation: String,
    /// Column (parameter name, or status code as text).
    pub column: String,
    /// Whether the specification declares this pair (a check may also exercise undeclared pairs,
    /// e.g. an unknown query parameter).
    pub declared: bool,
    /// Ids of the checks that exercise the pair, ascending.
    pub checks: Vec<String>,
}

/// The colour class of a coverage cell, derived from the gate statuses of its checks: the worst wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellState {
    /// No check ran for the cell.
    Uncovered,
    /// Every check that ran was skipped, unsupported or ineligible.
    NotRun,
    /// Every check passed.
    Pass,
    /// Some check failed as the baseline expected (or passed against it).
    Known,
    /// Some check errored.
    Error,
    /// Some check regressed.
    Fail,
}

impl CellState {
    /// The CSS class and legend label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uncovered => "uncovered",
            Self::NotRun => "not-run",
            Self::Pass => "pass",
            Self::Known => "known",
            Self::Error => "error",
            Self::Fail => "fail",
        }
    }

    fn of(status: GateStatus) -> Self {
        match status {
            GateStatus::Pass => Self::Pass,
            GateStatus::Regression => Self::Fail,
            GateStatus::ExpectedFailure | GateStatus::Pending | GateStatus::UnexpectedPass => {
                Self::Known
            }
            GateStatus::Ineligible | GateStatus::Skipped | GateStatus::Unsupported => Self::NotRun,
            GateStatus::Error => Self::Error,
        }
    }
}

impl Report {
    /// The state of a cell: the worst gate status among its checks that ran.
    pub fn cell_state(&self, cell: &CoverageCell) -> CellState {
        cell.checks
            .iter()
            .filter_map(|id| self.check(id))
            .map(|c| CellState::of(c.gate))
            .max()
            .unwrap_or(CellState::Uncovered)
    }

    /// The report entry of a check id.
    pub fn check(&self, id: &str) -> Option<&CheckReport> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The report as pretty JSON with a trailing newline.
    ///
    /// # Errors
    /// Serialisation failed (it does not for this data; serde_json's API is fallible).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }
}

/// Everything [`build`] needs besides the results.
#[derive(Debug, Clone)]
pub struct BuildInput<'a> {
    /// The suites that ran, in order.
    pub suites: Vec<SuiteInput<'a>>,
    /// Every check of every suite that ran (used to describe the results).
    pub catalog: &'a [CheckMeta],
    /// The gate's classification of the results.
    pub gate: &'a Gate,
    /// The baseline and the path it came from, if one was given.
    pub baseline: Option<(&'a Baseline, &'a str)>,
    /// The run options.
    pub options: RunOptions,
}

/// One suite of a run, for [`build`].
#[derive(Debug, Clone)]
pub struct SuiteInput<'a> {
    /// The suite's name.
    pub name: &'a str,
    /// The resource it checks.
    pub resource: Resource,
    /// The ids of its checks (its whole catalog, run or not).
    pub ids: Vec<&'a str>,
    /// Its coverage grid (see [`CoverageGrid::from_catalog`]).
    pub coverage: CoverageGrid,
}

/// Assembles the report of a run.
pub fn build(results: &RunResults, input: BuildInput<'_>) -> Report {
    let metas: BTreeMap<&str, &CheckMeta> = input.catalog.iter().map(|m| (m.id, m)).collect();
    let checks = results
        .results
        .iter()
        .map(|result| {
            let meta = metas.get(result.id.as_str());
            let gate = input.gate.entry(&result.id);
            let suite = input
                .suites
                .iter()
                .find(|s| s.ids.contains(&result.id.as_str()))
                .map(|s| s.name.to_owned())
                .unwrap_or_default();
            CheckReport {
                id: result.id.clone(),
                suite,
                level: result.level,
                requirement: meta.map(|m| m.requirement.to_owned()).unwrap_or_default(),
                spec_ref: meta.map(|m| m.spec_ref.to_owned()).unwrap_or_default(),
                operations: meta
                    .map(|m| m.operations.iter().map(|s| (*s).to_owned()).collect())
                    .unwrap_or_default(),
                params: meta
                    .map(|m| m.params.iter().map(|s| (*s).to_owned()).collect())
                    .unwrap_or_default(),
                statuses: meta.map(|m| m.statuses.to_vec()).unwrap_or_default(),
                outcome: result.outcome.clone(),
                // A result the gate did not see cannot happen when the gate was built from these
                // results; Error is the honest fallback if a caller mixes runs up.
                gate: gate.map_or(GateStatus::Error, |g| g.status),
                baseline: gate
                    .and_then(|g| g.baseline.as_ref())
                    .map(|(kind, entry)| BaselineRef {
                        kind: *kind,
                        reason: entry.reason.clone(),
                        link: entry.link.clone(),
                    }),
                duration_ms: millis(result.duration),
                cleanup: result.cleanup.clone(),
            }
        })
        .collect();
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: Tool {
            name: "kconform".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        suites: input
            .suites
            .into_iter()
            .map(|s| SuiteReport {
                name: s.name.to_owned(),
                api: format!("{} {}", s.resource.api_version(), s.resource.kind),
                coverage: s.coverage,
            })
            .collect(),
        target: results.target.clone(),
        started_at: results.started_at.clone(),
        duration_ms: millis(results.duration),
        verdict: input.gate.verdict(input.options.strict_baseline),
        summary: input.gate.counts(),
        options: input.options,
        baseline: input.baseline.map(|(baseline, path)| BaselineSummary {
            path: path.to_owned(),
            target: baseline.target.clone(),
            stale_ids: input.gate.stale_ids.clone(),
        }),
        checks,
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl CoverageGrid {
    /// The grid of a coverage [`Matrix`]: its cells are the declared cells, with the checks the
    /// matrix found for them. Pairs that checks of `catalog` claim but the matrix does not have are
    /// added as undeclared cells, so nothing a check exercises is hidden; path parameters are left
    /// out, as in the matrix, since every request of an operation carries them (`operations` says
    /// which parameters are in the path).
    pub fn from_matrix(
        matrix: &Matrix,
        catalog: &[CheckMeta],
        operations: &[kconform_spec::ops::Operation],
    ) -> Self {
        let mut grid = CoverageGrid::default();
        let mut param_cells: BTreeMap<(String, String), CoverageCell> = BTreeMap::new();
        let mut status_cells: BTreeMap<(String, String), CoverageCell> = BTreeMap::new();
        let mut statuses: Vec<u16> = Vec::new();
        for matrix_cell in &matrix.cells {
            add_unique(&mut grid.operations, matrix_cell.operation);
            let (cells, column) = match matrix_cell.column {
                Column::Param(param) => {
                    add_unique(&mut grid.params, param);
                    (&mut param_cells, param.to_owned())
                }
                Column::Status(status) => {
                    if !statuses.contains(&status) {
                        statuses.push(status);
                    }
                    (&mut status_cells, status.to_string())
                }
            };
            let mut declared = cell(matrix_cell.operation, &column, true);
            declared.checks = matrix_cell
                .checks
                .iter()
                .map(|id| (*id).to_owned())
                .collect();
            cells.insert((matrix_cell.operation.to_owned(), column), declared);
        }
        for meta in catalog {
            for operation in meta.operations {
                let mut claimed = false;
                for param in meta
                    .params
                    .iter()
                    .filter(|p| !is_path_param(operations, operation, p))
                {
                    claimed = true;
                    if matrix.cell(operation, Column::Param(param)).is_none() {
                        add_unique(&mut grid.params, param);
                        param_cells
                            .entry(((*operation).to_owned(), (*param).to_owned()))
                            .or_insert_with(|| cell(operation, param, false))
                            .checks
                            .push(meta.id.to_owned());
                    }
                }
                for status in meta.statuses {
                    claimed = true;
                    if matrix.cell(operation, Column::Status(*status)).is_none() {
                        if !statuses.contains(status) {
                            statuses.push(*status);
                        }
                        status_cells
                            .entry(((*operation).to_owned(), status.to_string()))
                            .or_insert_with(|| cell(operation, &status.to_string(), false))
                            .checks
                            .push(meta.id.to_owned());
                    }
                }
                if claimed {
                    add_unique(&mut grid.operations, operation);
                }
            }
        }
        statuses.sort_unstable();
        grid.statuses = statuses;
        let order = |cells: BTreeMap<(String, String), CoverageCell>| {
            cells
                .into_values()
                .map(|mut c| {
                    c.checks.sort();
                    c.checks.dedup();
                    c
                })
                .collect()
        };
        grid.param_cells = order(param_cells);
        grid.status_cells = order(status_cells);
        grid
    }

    /// The grid over the given operations and columns (see [`Matrix::from_operations`]).
    pub fn from_parts(
        operations: impl IntoIterator<Item = OperationColumns>,
        catalog: &[CheckMeta],
    ) -> Self {
        Self::from_matrix(&Matrix::from_operations(operations, catalog), catalog, &[])
    }

    /// The grid over a resource's operations ([`Matrix::compute`]).
    pub fn from_catalog(resource: &Resource, catalog: &[CheckMeta]) -> Self {
        Self::from_matrix(
            &Matrix::compute(resource, catalog),
            catalog,
            (resource.operations)(),
        )
    }

    /// The parameter cell of a pair, if it exists.
    pub fn param_cell(&self, operation: &str, param: &str) -> Option<&CoverageCell> {
        self.param_cells
            .iter()
            .find(|c| c.operation == operation && c.column == param)
    }

    /// The status cell of a pair, if it exists.
    pub fn status_cell(&self, operation: &str, status: u16) -> Option<&CoverageCell> {
        let status = status.to_string();
        self.status_cells
            .iter()
            .find(|c| c.operation == operation && c.column == status)
    }
}

fn add_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|existing| existing == item) {
        list.push(item.to_owned());
    }
}

/// Whether `operations` declare `param` as a path parameter of `operation`.
fn is_path_param(
    operations: &[kconform_spec::ops::Operation],
    operation: &str,
    param: &str,
) -> bool {
    operations
        .iter()
        .find(|op| op.id == operation)
        .and_then(|op| op.param(param))
        .is_some_and(|p| p.location == kconform_spec::ops::ParamIn::Path)
}

fn cell(operation: &str, column: &str, declared: bool) -> CoverageCell {
    CoverageCell {
        operation: operation.to_owned(),
        column: column.to_owned(),
        declared,
        checks: Vec::new(),
    }
}

/// The report as JSON with every value that varies between runs of the same suite against the same
/// kind of server replaced by a placeholder: durations (`[ms]`), timestamps (`[timestamp]`), UUIDs
/// (`[uid]`), resourceVersions (`[rv]`), loopback ports (`127.0.0.1:[port]`), the tool version, the
/// target's reported version and the number of jobs. Used by the snapshot tests.
pub fn normalized(report: &Report) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    normalize_value(&mut value, None);
    value
}

fn normalize_value(value: &mut serde_json::Value, key: Option<&str>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                normalize_value(v, Some(k));
            }
        }
        Value::Array(items) => {
            for item in items {
                normalize_value(item, key);
            }
        }
        Value::Number(_) if key.is_some_and(|k| k.ends_with("_ms")) => {
            *value = Value::String("[ms]".to_owned());
        }
        // The default number of jobs is the machine's parallelism.
        Value::Number(_) if key == Some("jobs") => {
            *value = Value::String("[jobs]".to_owned());
        }
        Value::String(text) => {
            let replaced = match key {
                Some("started_at") => "[timestamp]".to_owned(),
                Some("server_version") => "[server-version]".to_owned(),
                Some("version") => "[version]".to_owned(),
                _ => redact_text(text),
            };
            *value = Value::String(replaced);
        }
        _ => {}
    }
}

/// Replaces run-specific substrings inside free text (bodies, URLs, curl lines, messages).
pub fn redact_text(text: &str) -> String {
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r"(127\.0\.0\.1|localhost|\[::1\]):\d+", "$1:[port]"),
            (
                r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                "[uid]",
            ),
            (
                r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
                "[timestamp]",
            ),
            (r#"(resourceVersion\\?"\s*:\s*\\?")[0-9]+"#, "${1}[rv]"),
            (r"(resourceVersion=)[0-9]+", "${1}[rv]"),
            (r"(continue=)[A-Za-z0-9%_=-]+", "${1}[token]"),
            (r"(\d+(\.\d+)?)(ms|µs|s)\b", "[duration]"),
        ]
        .into_iter()
        .filter_map(|(pattern, replacement)| {
            // The patterns are literals above; a typo would show up in the unit tests.
            regex::Regex::new(pattern).ok().map(|re| (re, replacement))
        })
        .collect()
    });
    let mut out = text.to_owned();
    for (re, replacement) in patterns {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out
}

/// HTML-escapes text for element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
