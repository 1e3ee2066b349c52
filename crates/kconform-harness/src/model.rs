//! The check model: what a check claims ([`CheckMeta`]), what it found ([`Outcome`]) and the
//! record of a whole run ([`RunResults`]).
//!
//! Reports and baselines are built on these types only, so their names and their serde shapes
//! are a contract: renaming a field breaks every stored report.
//! Every type here serialises with serde; [`CheckMeta`] only serialises, because it is made of
//! `&'static` data compiled into a suite and is never read back (results carry the id as a `String`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How strongly the requirement a check verifies is stated, in RFC 2119 terms.
///
/// The derived order is `May < Should < Must`, so a threshold filter keeps `level >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Optional behaviour: a server may do it; if it does, it must do it this way.
    May,
    /// Recommended behaviour: clients work without it, but worse.
    Should,
    /// Required behaviour: clients break without it.
    Must,
}

impl Level {
    /// All levels, strongest first.
    pub const ALL: [Level; 3] = [Level::Must, Level::Should, Level::May];

    /// The RFC 2119 keyword: `MUST`, `SHOULD` or `MAY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }

    /// Whether a check at this level is kept by a filter that asks for `threshold` and stronger.
    pub fn meets(self, threshold: Level) -> bool {
        self >= threshold
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when a string names no [`Level`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?} (expected must, should or may)")]
pub struct ParseLevelError(pub String);

impl std::str::FromStr for Level {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "must" => Ok(Level::Must),
            "should" => Ok(Level::Should),
            "may" => Ok(Level::May),
            _ => Err(ParseLevelError(s.to_owned())),
        }
    }
}

/// What a check claims to verify: the h2spec/test262 header of a conformance case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckMeta {
    /// Stable identifier `EP-<AREA>-<NNN>`; once published it never changes meaning and is never reused.
    pub id: &'static str,
    /// Requirement level.
    pub level: Level,
    /// The normative sentence the check verifies, written like the specification.
    pub requirement: &'static str,
    /// Where the requirement is stated, by name (document and section or OpenAPI operationId), never by line.
    pub spec_ref: &'static str,
    /// OpenAPI operationIds exercised (for the coverage matrix).
    pub operations: &'static [&'static str],
    /// Query/path/body parameters exercised (for the coverage matrix).
    pub params: &'static [&'static str],
    /// HTTP statuses the check expects from the operations above (for the coverage matrix).
    pub statuses: &'static [u16],
    /// First Kubernetes minor version the requirement applies to, if not all.
    pub since: Option<u32>,
    /// Last Kubernetes minor version the requirement applies to, if not all.
    pub until: Option<u32>,
    /// Optional server features the check needs (e.g. `"watch-list"`, `"admin-compact"`).
    pub features: &'static [&'static str],
}

impl CheckMeta {
    /// Whether the requirement applies to Kubernetes `1.<minor>`.
    pub fn applies_to(&self, minor: u32) -> bool {
        self.since.is_none_or(|s| minor >= s) && self.until.is_none_or(|u| minor <= u)
    }

    /// The area part of the id: `WATCH` for `EP-WATCH-003`.
    pub fn area(&self) -> &'static str {
        let mut parts = self.id.splitn(3, '-');
        let _prefix = parts.next();
        parts.next().unwrap_or("")
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The server behaved as required.
    Pass,
    /// The server did not behave as required.
    Fail(Failure),
    /// The check did not run, and why (filters, version, preconditions the target cannot meet).
    Skip {
        /// Human-readable reason.
        reason: String,
    },
    /// The target lacks an optional feature the check needs.
    Unsupported {
        /// The feature name, as in [`CheckMeta::features`].
        feature: String,
        /// Human-readable reason.
        reason: String,
    },
    /// The check could not reach a verdict (transport error, timeout, panic in the check).
    Error {
        /// What went wrong.
        message: String,
    },
}

impl Outcome {
    /// Short lowercase name of the variant: `pass`, `fail`, `skip`, `unsupported`, `error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip { .. } => "skip",
            Outcome::Unsupported { .. } => "unsupported",
            Outcome::Error { .. } => "error",
        }
    }

    /// Whether this is [`Outcome::Pass`].
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }

    /// Whether this is [`Outcome::Fail`].
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }

    /// A failure with the given expectation, observation and evidence.
    pub fn fail(
        expected: impl Into<String>,
        actual: impl Into<String>,
        evidence: Vec<Exchange>,
    ) -> Outcome {
        Outcome::Fail(Failure {
            expected: expected.into(),
            actual: actual.into(),
            evidence,
        })
    }

    /// A skip with a reason.
    pub fn skip(reason: impl Into<String>) -> Outcome {
        Outcome::Skip {
            reason: reason.into(),
        }
    }

    /// An unsupported optional feature.
    pub fn unsupported(feature: impl Into<String>, reason: impl Into<String>) -> Outcome {
        Outcome::Unsupported {
            feature: feature.into(),
            reason: reason.into(),
        }
    }

    /// An error that prevented a verdict.
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::Error {
            message: message.into(),
        }
    }
}

/// Expected and actual side by side, with the exchanges that showed the difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What the specification requires.
    pub expected: String,
    /// What the server did.
    pub actual: String,
    /// The requests and responses that showed it, oldest first.
    pub evidence: Vec<Exchange>,
}

/// One request and its response, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The request as sent (credentials redacted).
    pub request: RecordedRequest,
    /// The response, if one arrived.
    pub response: Option<RecordedResponse>,
    /// A curl command line that reproduces the request (the token replaced by `$TOKEN`).
    pub curl: String,
}

/// A request as sent, for evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL including the query.
    pub url: String,
    /// Headers in send order; `Authorization` is redacted.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), if any.
    pub body: Option<String>,
}

/// A response as received, for evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers in receive order.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), truncated to a bounded size.
    pub body: String,
}

/// What happened to the objects and namespace a check created, reported apart from the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CleanupOutcome {
    /// The check created nothing that needed removing.
    NotNeeded,
    /// Everything the check created was removed.
    Done,
    /// Cleanup was deliberately not attempted (e.g. the user asked to keep objects).
    Skipped {
        /// Why.
        reason: String,
    },
    /// Cleanup was attempted and did not succeed; objects may be left on the target.
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check id (`EP-<AREA>-<NNN>`).
    pub id: String,
    /// The check's level.
    pub level: Level,
    /// The verdict.
    pub outcome: Outcome,
    /// Wall time the check took, cleanup excluded.
    pub duration: Duration,
    /// What happened during cleanup.
    pub cleanup: CleanupOutcome,
}

/// What the run learned about the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// Base URL of the target.
    pub url: String,
    /// The Kubernetes version whose expectations were applied (`"1.36"`).
    pub k8s_version: String,
    /// `gitVersion` from the target's `/version`, if it answered.
    pub server_version: Option<String>,
}

/// The record of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// The target.
    pub target: TargetInfo,
    /// Start time, RFC 3339 in UTC.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration: Duration,
    /// One result per selected check, in registry order.
    pub results: Vec<CheckResult>,
}

impl RunResults {
    /// Number of results with the given outcome kind (see [`Outcome::kind`]).
    pub fn count(&self, kind: &str) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.kind() == kind)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_order_keeps_stronger_levels() {
        assert!(Level::Must.meets(Level::Should));
        assert!(Level::Should.meets(Level::Should));
        assert!(!Level::May.meets(Level::Should));
        assert_eq!("SHOULD".parse::<Level>(), Ok(Level::Should));
        assert!("often".parse::<Level>().is_err());
    }

    #[test]
    fn outcome_serialises_with_kind_tag() {
        let json = serde_json::to_value(Outcome::skip("no")).expect("serialise");
        assert_eq!(json, serde_json::json!({"kind": "skip", "reason": "no"}));
        let fail = Outcome::fail("a", "b", vec![]);
        let json = serde_json::to_string(&fail).expect("serialise");
        let back: Outcome = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, fail);
    }
}
