//! Baseline gating: which failures a target is known to have, and whether a run regressed.
//!
//! A baseline is a small committed file per target (YAML, or JSON when the file name ends in `.json`)
//! listing the checks that target is *expected* to fail, the checks that are *pending* (work in
//! progress on the target side) and the checks that are *ineligible* (they do not apply to it).
//! Every entry carries a reason and a link, so that nobody has to guess why a failure is tolerated.
//!
//! ```yaml
//! schema_version: 1
//! target: my-server
//! expected_failures:
//!   - id: EP-CREATE-004
//!     reason: we answer 200 instead of 201 on create
//!     link: https://example.com/my-server/issues/12
//! pending: []
//! ineligible:
//!   - id: EP-WATCH-020
//!     reason: watch bookmarks are not offered by this server
//!     link: https://example.com/my-server/docs/watch
//! ```
//!
//! [`evaluate`] compares a run with a baseline and classifies every result ([`GateStatus`]);
//! [`Gate::verdict`] says whether the run is clean, regressed, or could not be trusted.
//! Printing and exit codes are the CLI's business: this module only decides.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{CheckResult, Level, Outcome};

/// The baseline file format version this code reads and writes.
pub const BASELINE_SCHEMA_VERSION: u32 = 1;

/// A target's baseline: the known state of its conformance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version; must be [`BASELINE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Name of the target this baseline describes (free text, shown in reports).
    pub target: String,
    /// Checks the target fails on purpose or by a known bug: their failure is tolerated.
    #[serde(default)]
    pub expected_failures: Vec<BaselineEntry>,
    /// Checks the target does not pass yet because the work is in progress: their failure is tolerated.
    #[serde(default)]
    pub pending: Vec<BaselineEntry>,
    /// Checks that do not apply to the target: their outcome is ignored, whatever it is.
    #[serde(default)]
    pub ineligible: Vec<BaselineEntry>,
}

/// One baselined check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The check's stable id (`EP-...`).
    pub id: String,
    /// Why the check is in this list.
    pub reason: String,
    /// Where to read more: an issue, a design note, a document.
    pub link: String,
}

/// Which list of the baseline an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineKind {
    /// `expected_failures`.
    ExpectedFailure,
    /// `pending`.
    Pending,
    /// `ineligible`.
    Ineligible,
}

impl BaselineKind {
    /// The list's key in the baseline file.
    pub fn key(self) -> &'static str {
        match self {
            Self::ExpectedFailure => "expected_failures",
            Self::Pending => "pending",
            Self::Ineligible => "ineligible",
        }
    }
}

impl std::fmt::Display for BaselineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Errors reading or validating a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("cannot read baseline {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML text is not a baseline.
    #[error("baseline {path} is not valid YAML for a baseline")]
    Yaml {
        /// The file (or `<text>`).
        path: PathBuf,
        /// The parser's error (boxed: it is large, and errors travel by value).
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    /// The JSON text is not a baseline.
    #[error("baseline {path} is not valid JSON for a baseline")]
    Json {
        /// The file (or `<text>`).
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The file declares a format version this code does not know.
    #[error(
        "baseline schema_version {found} is not supported (this kconform reads version {BASELINE_SCHEMA_VERSION})"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// An id does not look like a check id.
    #[error(
        "baseline entry {id:?} is not a check id (expected <SUITE>-<AREA>-<NNN>, e.g. EP-CREATE-004)"
    )]
    BadId {
        /// The offending id.
        id: String,
    },
    /// An entry has an empty reason.
    #[error("baseline entry {id} has no reason")]
    MissingReason {
        /// The entry's id.
        id: String,
    },
    /// An entry has an empty link.
    #[error("baseline entry {id} has no link")]
    MissingLink {
        /// The entry's id.
        id: String,
    },
    /// The same id appears twice (in one list or in two).
    #[error("check {id} appears more than once in the baseline ({first} and {second})")]
    Duplicate {
        /// The id.
        id: String,
        /// The list of its first appearance.
        first: BaselineKind,
        /// The list of its second appearance.
        second: BaselineKind,
    },
}

/// The format of a baseline text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineFormat {
    /// YAML (also accepts JSON, which is YAML, but with YAML's error messages).
    Yaml,
    /// JSON.
    Json,
}

impl BaselineFormat {
    /// The format implied by a file name: `.json` is JSON, anything else YAML.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Yaml,
        }
    }
}

impl Baseline {
    /// An empty baseline: every failure is a regression.
    pub fn empty(target: impl Into<String>) -> Self {
        Self {
            schema_version: BASELINE_SCHEMA_VERSION,
            target: target.into(),
            expected_failures: Vec::new(),
            pending: Vec::new(),
            ineligible: Vec::new(),
        }
    }

    /// Reads and validates a baseline file.
    ///
    /// # Errors
    /// The file cannot be read, does not parse, or fails [`Baseline::validate`].
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, BaselineFormat::from_path(path), path)
    }

    /// Parses and validates baseline text; `origin` names it in errors.
    ///
    /// # Errors
    /// The text does not parse, or fails [`Baseline::validate`].
    pub fn parse(text: &str, format: BaselineFormat, origin: &Path) -> Result<Self, BaselineError> {
        let baseline: Baseline = match format {
            BaselineFormat::Yaml => {
                serde_saphyr::from_str(text).map_err(|source| BaselineError::Yaml {
                    path: origin.to_owned(),
                    source: Box::new(source),
                })?
            }
            BaselineFormat::Json => {
                serde_json::from_str(text).map_err(|source| BaselineError::Json {
                    path: origin.to_owned(),
                    source,
                })?
            }
        };
        baseline.validate()?;
        Ok(baseline)
    }

    /// Checks the version, ids, reasons, links, and that no id appears twice.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), BaselineError> {
        if self.schema_version != BASELINE_SCHEMA_VERSION {
            return Err(BaselineError::UnsupportedVersion {
                found: self.schema_version,
            });
        }
        let mut seen: BTreeMap<&str, BaselineKind> = BTreeMap::new();
        for (kind, entry) in self.entries() {
            if !is_check_id(&entry.id) {
                return Err(BaselineError::BadId {
                    id: entry.id.clone(),
                });
            }
            if entry.reason.trim().is_empty() {
                return Err(BaselineError::MissingReason {
                    id: entry.id.clone(),
                });
            }
            if entry.link.trim().is_empty() {
                return Err(BaselineError::MissingLink {
                    id: entry.id.clone(),
                });
            }
            if let Some(first) = seen.insert(&entry.id, kind) {
                return Err(BaselineError::Duplicate {
                    id: entry.id.clone(),
                    first,
                    second: kind,
                });
            }
        }
        Ok(())
    }

    /// Every entry with the list it belongs to, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (BaselineKind, &BaselineEntry)> {
        let tag = |kind| move |e| (kind, e);
        self.expected_failures
            .iter()
            .map(tag(BaselineKind::ExpectedFailure))
            .chain(self.pending.iter().map(tag(BaselineKind::Pending)))
            .chain(self.ineligible.iter().map(tag(BaselineKind::Ineligible)))
    }

    /// The entry for a check id, if any.
    pub fn lookup(&self, id: &str) -> Option<(BaselineKind, &BaselineEntry)> {
        self.entries().find(|(_, e)| e.id == id)
    }

    /// The ids the runner need not run at all because they do not apply to this target.
    pub fn ineligible_ids(&self) -> BTreeSet<&str> {
        self.ineligible.iter().map(|e| e.id.as_str()).collect()
    }

    /// The baseline as YAML text, for writing a fresh one (`--write-baseline` style tooling).
    ///
    /// # Errors
    /// Serialisation failed (it does not for this plain data, but the serializer's API is fallible).
    pub fn to_yaml(&self) -> Result<String, serde_saphyr::SerializeError> {
        serde_saphyr::to_string(self)
    }
}

/// Whether a string looks like a check id: a suite prefix of upper-case letters and `-`, then
/// upper-case letters, digits and dashes, ending in a number (`EP-CREATE-004`, `EP-WATCH-LIST-012`,
/// `ES-VALID-027`).
pub fn is_check_id(id: &str) -> bool {
    let Some((prefix, rest)) = id.split_once('-') else {
        return false;
    };
    if prefix.len() < 2 || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let Some((area, number)) = rest.rsplit_once('-') else {
        return false;
    };
    !area.is_empty()
        && area
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !area.starts_with('-')
        && !area.ends_with('-')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// How the gate classifies one check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateStatus {
    /// Passed, and not baselined.
    Pass,
    /// Failed, and not baselined: a conformance regression.
    Regression,
    /// Failed (or errored), and baselined as an expected failure.
    ExpectedFailure,
    /// Failed (or errored), and baselined as pending.
    Pending,
    /// Passed, although baselined as an expected failure or pending: the baseline is out of date.
    UnexpectedPass,
    /// Baselined as ineligible: the outcome is ignored.
    Ineligible,
    /// Skipped by the check itself (precondition not met, version out of range).
    Skipped,
    /// The target declared the feature unsupported.
    Unsupported,
    /// The check could not run to a verdict (harness or target error), and is not baselined.
    Error,
}

impl GateStatus {
    /// Short label used in the text reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Regression => "REGRESSION",
            Self::ExpectedFailure => "expected failure",
            Self::Pending => "pending",
            Self::UnexpectedPass => "unexpected pass",
            Self::Ineligible => "ineligible",
            Self::Skipped => "skipped",
            Self::Unsupported => "unsupported",
            Self::Error => "ERROR",
        }
    }
}

/// One check as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateEntry {
    /// The check id.
    pub id: String,
    /// The check's level.
    pub level: Level,
    /// The classification.
    pub status: GateStatus,
    /// The baseline entry that applied, if any.
    pub baseline: Option<(BaselineKind, BaselineEntry)>,
}

/// What the gate concludes about a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No regression (and, under `--strict-baseline`, no unexpected pass).
    Clean,
    /// At least one unexpected failure (or, strictly, an unexpected pass).
    Regression,
    /// No regression, but at least one check ended in a harness or target error, so the run
    /// cannot vouch for the target.
    Error,
}

/// The gate's classification of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// One entry per result, in result order.
    pub entries: Vec<GateEntry>,
    /// Baseline ids that name no check of the suite (typos, or removed checks).
    pub stale_ids: Vec<String>,
}

/// Counts per [`GateStatus`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateCounts {
    /// Checks run (results).
    pub total: usize,
    /// [`GateStatus::Pass`].
    pub passed: usize,
    /// [`GateStatus::Regression`].
    pub regressions: usize,
    /// [`GateStatus::ExpectedFailure`].
    pub expected_failures: usize,
    /// [`GateStatus::Pending`].
    pub pending: usize,
    /// [`GateStatus::UnexpectedPass`].
    pub unexpected_passes: usize,
    /// [`GateStatus::Ineligible`].
    pub ineligible: usize,
    /// [`GateStatus::Skipped`].
    pub skipped: usize,
    /// [`GateStatus::Unsupported`].
    pub unsupported: usize,
    /// [`GateStatus::Error`].
    pub errors: usize,
}

impl GateCounts {
    /// The count of each status with its label, in the order every report shows them.
    pub fn labelled(&self) -> [(&'static str, usize); 9] {
        [
            ("pass", self.passed),
            ("regression", self.regressions),
            ("expected failure", self.expected_failures),
            ("pending", self.pending),
            ("unexpected pass", self.unexpected_passes),
            ("error", self.errors),
            ("skipped", self.skipped),
            ("unsupported", self.unsupported),
            ("ineligible", self.ineligible),
        ]
    }
}

impl Gate {
    /// Ids with the given status, in result order.
    pub fn ids_with(&self, status: GateStatus) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.status == status)
            .map(|e| e.id.as_str())
            .collect()
    }

    /// The entry of a check id.
    pub fn entry(&self, id: &str) -> Option<&GateEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Counts per status.
    pub fn counts(&self) -> GateCounts {
        let mut counts = GateCounts {
            total: self.entries.len(),
            ..GateCounts::default()
        };
        for entry in &self.entries {
            let slot = match entry.status {
                GateStatus::Pass => &mut counts.passed,
                GateStatus::Regression => &mut counts.regressions,
                GateStatus::ExpectedFailure => &mut counts.expected_failures,
                GateStatus::Pending => &mut counts.pending,
                GateStatus::UnexpectedPass => &mut counts.unexpected_passes,
                GateStatus::Ineligible => &mut counts.ineligible,
                GateStatus::Skipped => &mut counts.skipped,
                GateStatus::Unsupported => &mut counts.unsupported,
                GateStatus::Error => &mut counts.errors,
            };
            *slot += 1;
        }
        counts
    }

    /// The run's verdict. A definite regression outranks an error elsewhere in the run, because it
    /// is a finding about the target that stays true whatever the errored checks would have said.
    pub fn verdict(&self, strict_baseline: bool) -> Verdict {
        let counts = self.counts();
        if counts.regressions > 0 || (strict_baseline && counts.unexpected_passes > 0) {
            Verdict::Regression
        } else if counts.errors > 0 {
            Verdict::Error
        } else {
            Verdict::Clean
        }
    }
}

/// Classifies every result of a run against a baseline.
///
/// `suite_ids` are all check ids the suite has (not only the ones that ran, since `--filter` may have
/// narrowed the run): baseline ids outside it are reported as stale.
pub fn evaluate<'a>(
    baseline: &Baseline,
    results: &[CheckResult],
    suite_ids: impl IntoIterator<Item = &'a str>,
) -> Gate {
    let entries = results
        .iter()
        .map(|result| {
            let found = baseline.lookup(&result.id);
            let status = classify(&result.outcome, found.map(|(kind, _)| kind));
            GateEntry {
                id: result.id.clone(),
                level: result.level,
                status,
                baseline: found.map(|(kind, entry)| (kind, entry.clone())),
            }
        })
        .collect();
    let known: BTreeSet<&str> = suite_ids.into_iter().collect();
    let stale_ids = baseline
        .entries()
        .filter(|(_, e)| !known.contains(e.id.as_str()))
        .map(|(_, e)| e.id.clone())
        .collect();
    Gate { entries, stale_ids }
}

/// The status of one outcome under an optional baseline entry.
fn classify(outcome: &Outcome, baselined: Option<BaselineKind>) -> GateStatus {
    match (baselined, outcome) {
        (Some(BaselineKind::Ineligible), _) => GateStatus::Ineligible,
        (_, Outcome::Skip { .. }) => GateStatus::Skipped,
        (_, Outcome::Unsupported { .. }) => GateStatus::Unsupported,
        (None, Outcome::Pass) => GateStatus::Pass,
        (Some(_), Outcome::Pass) => GateStatus::UnexpectedPass,
        (None, Outcome::Fail(_)) => GateStatus::Regression,
        (None, Outcome::Error { .. }) => GateStatus::Error,
        (Some(BaselineKind::ExpectedFailure), Outcome::Fail(_) | Outcome::Error { .. }) => {
            GateStatus::ExpectedFailure
        }
        (Some(BaselineKind::Pending), Outcome::Fail(_) | Outcome::Error { .. }) => {
            GateStatus::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::CleanupOutcome;

    fn result(id: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.to_owned(),
            level: Level::Must,
            outcome,
            duration: Duration::from_millis(3),
            cleanup: CleanupOutcome::NotNeeded,
        }
    }

    fn entry(id: &str) -> BaselineEntry {
        BaselineEntry {
            id: id.to_owned(),
            reason: "known".to_owned(),
            link: "https://example.com/issue/1".to_owned(),
        }
    }

    const YAML: &str = "\
schema_version: 1
target: my-server
expected_failures:
  - id: EP-CREATE-004
    reason: we answer 200 instead of 201
    link: https://example.com/issues/12
pending:
  - id: EP-LIST-002
    reason: pagination is being written
    link: https://example.com/issues/13
ineligible:
  - id: EP-WATCH-020
    reason: no bookmarks
    link: https://example.com/docs/watch
";

    #[test]
    fn yaml_and_json_baselines_parse_to_the_same_value() {
        let yaml = Baseline::parse(YAML, BaselineFormat::Yaml, Path::new("b.yaml")).expect("yaml");
        assert_eq!(yaml.target, "my-server");
        assert_eq!(yaml.expected_failures[0].id, "EP-CREATE-004");
        assert_eq!(yaml.pending[0].reason, "pagination is being written");
        assert_eq!(yaml.ineligible_ids(), BTreeSet::from(["EP-WATCH-020"]));
        let json = serde_json::to_string(&yaml).expect("to json");
        let back = Baseline::parse(&json, BaselineFormat::Json, Path::new("b.json")).expect("json");
        assert_eq!(back, yaml);
        let again = Baseline::parse(
            &yaml.to_yaml().expect("to yaml"),
            BaselineFormat::Yaml,
            Path::new("x"),
        )
        .expect("round trip");
        assert_eq!(again, yaml);
    }

    #[test]
    fn format_follows_the_file_extension() {
        assert_eq!(
            BaselineFormat::from_path(Path::new("a/b.JSON")),
            BaselineFormat::Json
        );
        assert_eq!(
            BaselineFormat::from_path(Path::new("a/b.yaml")),
            BaselineFormat::Yaml
        );
        assert_eq!(
            BaselineFormat::from_path(Path::new("b")),
            BaselineFormat::Yaml
        );
    }

    #[test]
    fn invalid_baselines_are_refused_with_a_precise_error() {
        let origin = Path::new("b.yaml");
        let cases = [
            (
                "schema_version: 2\ntarget: t\n",
                "baseline schema_version 2 is not supported (this kconform reads version 1)",
            ),
            (
                "schema_version: 1\ntarget: t\nexpected_failures:\n  - {id: create-4, reason: r, link: l}\n",
                "baseline entry \"create-4\" is not a check id (expected <SUITE>-<AREA>-<NNN>, e.g. EP-CREATE-004)",
            ),
            (
                "schema_version: 1\ntarget: t\npending:\n  - {id: EP-A-001, reason: ' ', link: l}\n",
                "baseline entry EP-A-001 has no reason",
            ),
            (
                "schema_version: 1\ntarget: t\npending:\n  - {id: EP-A-001, reason: r, link: ''}\n",
                "baseline entry EP-A-001 has no link",
            ),
            (
                "schema_version: 1\ntarget: t\nexpected_failures:\n  - {id: EP-A-001, reason: r, link: l}\nineligible:\n  - {id: EP-A-001, reason: r, link: l}\n",
                "check EP-A-001 appears more than once in the baseline (expected_failures and ineligible)",
            ),
        ];
        for (text, message) in cases {
            let err = Baseline::parse(text, BaselineFormat::Yaml, origin).expect_err(text);
            assert_eq!(err.to_string(), message);
        }
        let err = Baseline::parse(
            "schema_version: 1\ntarget: t\nsurprise: 1\n",
            BaselineFormat::Yaml,
            origin,
        )
        .expect_err("unknown field");
        assert_eq!(
            err.to_string(),
            "baseline b.yaml is not valid YAML for a baseline"
        );
        let err = Baseline::load(Path::new("/nonexistent/baseline.yaml")).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "cannot read baseline /nonexistent/baseline.yaml"
        );
    }

    #[test]
    fn check_ids_are_recognised() {
        for good in [
            "EP-CREATE-004",
            "EP-WATCH-LIST-012",
            "EP-A1-1",
            "ES-VALID-027",
        ] {
            assert!(is_check_id(good), "{good}");
        }
        for bad in [
            "EP-004",
            "ep-create-004",
            "EP-CREATE-",
            "EP--001",
            "EP-CREATE-x1",
            "E-A-001",
            "Es-A-001",
            "",
        ] {
            assert!(!is_check_id(bad), "{bad}");
        }
    }

    #[test]
    fn every_outcome_is_classified_against_every_kind_of_entry() {
        let failure = || Outcome::fail("201", "200", vec![]);
        let baseline = Baseline {
            expected_failures: vec![entry("EP-X-001"), entry("EP-X-002"), entry("EP-X-008")],
            pending: vec![entry("EP-X-003"), entry("EP-X-004")],
            ineligible: vec![entry("EP-X-005")],
            ..Baseline::empty("t")
        };
        let results = vec![
            result("EP-X-001", failure()),
            result("EP-X-002", Outcome::Pass),
            result("EP-X-003", Outcome::error("timeout")),
            result("EP-X-004", Outcome::Pass),
            result("EP-X-005", failure()),
            result("EP-X-006", failure()),
            result("EP-X-007", Outcome::error("connection reset")),
            result("EP-X-008", Outcome::skip("version")),
            result(
                "EP-X-009",
                Outcome::unsupported("watch-list", "not offered"),
            ),
            result("EP-X-010", Outcome::Pass),
        ];
        let gate = evaluate(&baseline, &results, results.iter().map(|r| r.id.as_str()));
        let statuses: Vec<GateStatus> = gate.entries.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses,
            [
                GateStatus::ExpectedFailure,
                GateStatus::UnexpectedPass,
                GateStatus::Pending,
                GateStatus::UnexpectedPass,
                GateStatus::Ineligible,
                GateStatus::Regression,
                GateStatus::Error,
                GateStatus::Skipped,
                GateStatus::Unsupported,
                GateStatus::Pass,
            ]
        );
        assert_eq!(gate.ids_with(GateStatus::Regression), ["EP-X-006"]);
        let counts = gate.counts();
        assert_eq!(counts.total, 10);
        assert_eq!(counts.unexpected_passes, 2);
        assert_eq!(counts.errors, 1);
        assert!(gate.stale_ids.is_empty());
        assert_eq!(
            gate.entry("EP-X-001")
                .and_then(|e| e.baseline.as_ref())
                .map(|b| b.0),
            Some(BaselineKind::ExpectedFailure)
        );
        assert_eq!(gate.verdict(false), Verdict::Regression);
    }

    #[test]
    fn verdicts_rank_regression_over_error_and_strictness_makes_unexpected_passes_fatal() {
        let failure = || Outcome::fail("201", "200", vec![]);
        let clean = vec![result("EP-X-001", Outcome::Pass)];
        let empty = Baseline::empty("t");
        assert_eq!(
            evaluate(&empty, &clean, ["EP-X-001"]).verdict(true),
            Verdict::Clean
        );

        let errored = vec![
            result("EP-X-001", Outcome::Pass),
            result("EP-X-002", Outcome::error("x")),
        ];
        assert_eq!(
            evaluate(&empty, &errored, ["EP-X-001"]).verdict(false),
            Verdict::Error
        );

        let both = vec![
            result("EP-X-001", failure()),
            result("EP-X-002", Outcome::error("x")),
        ];
        assert_eq!(
            evaluate(&empty, &both, ["EP-X-001"]).verdict(false),
            Verdict::Regression
        );

        let baselined = Baseline {
            expected_failures: vec![entry("EP-X-001")],
            ..Baseline::empty("t")
        };
        let tolerated = vec![result("EP-X-001", failure())];
        assert_eq!(
            evaluate(&baselined, &tolerated, ["EP-X-001"]).verdict(true),
            Verdict::Clean
        );
        let fixed = vec![result("EP-X-001", Outcome::Pass)];
        assert_eq!(
            evaluate(&baselined, &fixed, ["EP-X-001"]).verdict(false),
            Verdict::Clean
        );
        assert_eq!(
            evaluate(&baselined, &fixed, ["EP-X-001"]).verdict(true),
            Verdict::Regression
        );
    }

    #[test]
    fn baseline_ids_unknown_to_the_suite_are_stale_but_filtered_out_checks_are_not() {
        let baseline = Baseline {
            expected_failures: vec![entry("EP-X-001"), entry("EP-GONE-001")],
            ..Baseline::empty("t")
        };
        // EP-X-001 did not run (filtered out) but exists in the suite: not stale.
        let gate = evaluate(&baseline, &[], ["EP-X-001", "EP-X-002"]);
        assert_eq!(gate.stale_ids, ["EP-GONE-001"]);
        assert!(gate.entries.is_empty());
    }
}
