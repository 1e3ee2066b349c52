//! The kill matrix: both suites, `endpoints-v1` and `endpointslice-v1`, against the reference server
//! once faithful and once per fault switch.
//!
//! The faithful server must pass every check of both suites (at every version the matrix emulates).
//! Every fault must be caught (at least one check fails or errors), and only by checks about the
//! behaviour the fault breaks: each fault declares the check-id prefixes that may catch it, in either
//! suite (an Endpoints fault in code the two resources share is caught by EndpointSlice checks too).
//! Each suite runs against its own fresh server; a fault runs at the newest version unless
//! [`EMULATED`] names the version where its behaviour exists.
//! The matrix (fault → catching checks) is an insta snapshot and a markdown table,
//! `snapshots/kill-matrix.md`, which the README shows as the suites' mutation score per API.
//! When the table is out of date the test rewrites it and fails: commit the new file.
//! After adding checks or faults, `INSTA_UPDATE=always cargo test -p kconform-mock --test it kill_matrix`
//! rewrites both files in one run (a new fault also needs its entry in [`EXPECTED`]).
//!
//! A check counts as catching a fault only when it fails twice, on two fresh servers: timing checks
//! (watch deadlines, bookmarks) can fail once on a busy machine, and such flakes are printed, not counted.
//!
//! Two scopes, one table. By default (`cargo test`) a fault runs only the checks its [`EXPECTED`]
//! entry declares as about it, and a suite none of whose checks is declared is not run for it:
//! that proves every fault caught and yields the table, in a fifth of the CPU time of the full
//! cross product. `KCONFORM_KILL_MATRIX=full` runs every check of both suites against every fault,
//! which also proves that no check outside a fault's entry fails (a brittle check, or a fault that
//! breaks more than it says); run it after changing checks or faults. Both scopes must give the
//! same table, so the snapshot does not say which one wrote it.

use futures::StreamExt as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kconform_harness::model::Outcome;
use kconform_harness::resource::Resource;
use kconform_harness::runner::{self, Check, RunOptions};
use kconform_harness::target::Target;
use kconform_mock::{Config, Fault, FaultSet};
use kconform_spec::K8sVersion;

const ADMIN_TOKEN: &str = "kill-matrix-admin";
const USER_TOKEN: &str = "kill-matrix-user";

/// How many suite runs (one server each) go at once; each run itself runs several checks at once.
const PARALLEL_RUNS: usize = 10;

/// The faults whose behaviour exists only at another version than the newest, and that version's
/// minor: the matrix runs them (and the faithful server once more) there.
const EMULATED: &[(&str, u32)] = &[
    // Only releases before 1.33 lack `hints.forNodes`.
    ("es-hints-for-nodes-kept", 28),
];

/// A suite the matrix runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suite {
    Endpoints,
    EndpointSlices,
}

impl Suite {
    const ALL: [Suite; 2] = [Suite::Endpoints, Suite::EndpointSlices];

    /// The API the suite is about, as the table names it.
    fn api(self) -> &'static str {
        match self {
            Suite::Endpoints => "Endpoints (core/v1)",
            Suite::EndpointSlices => "EndpointSlice (discovery.k8s.io/v1)",
        }
    }

    fn crate_name(self) -> &'static str {
        match self {
            Suite::Endpoints => "endpoints-v1",
            Suite::EndpointSlices => "endpointslice-v1",
        }
    }

    /// The check-id prefix of the suite.
    fn prefix(self) -> &'static str {
        match self {
            Suite::Endpoints => "EP-",
            Suite::EndpointSlices => "ES-",
        }
    }

    fn resource(self) -> Resource {
        match self {
            Suite::Endpoints => endpoints_v1::RESOURCE,
            Suite::EndpointSlices => endpointslice_v1::RESOURCE,
        }
    }

    /// The checks the matrix runs (the Endpoints corpus replay left out).
    fn checks(self) -> Vec<Check> {
        match self {
            Suite::Endpoints => endpoints_v1::checks()
                .into_iter()
                .filter(|check| !check.meta.id.starts_with(CORPUS_CHECKS))
                .collect(),
            Suite::EndpointSlices => endpointslice_v1::checks(),
        }
    }

    /// The API a fault is about: the `es-` switches break EndpointSlice, the others Endpoints
    /// (some of them in code EndpointSlice shares).
    fn of_fault(fault: Fault) -> Suite {
        if fault.name().starts_with("es-") {
            Suite::EndpointSlices
        } else {
            Suite::Endpoints
        }
    }
}

/// The version the matrix runs `fault` at.
fn version_for(fault: Fault) -> K8sVersion {
    EMULATED
        .iter()
        .find(|(name, _)| *name == fault.name())
        .map_or(K8sVersion::NEWEST, |(_, minor)| K8sVersion::new(*minor))
}

/// The replay of the generated fixture corpus costs more CPU than the rest of the suite together;
/// every validation fault is also caught by the recording-driven validation checks, so the matrix
/// leaves the corpus checks out (`cargo test -p endpoints-v1` runs them against the faithful server).
const CORPUS_CHECKS: &str = "EP-VALID-1";

/// Per fault, the check-id prefixes allowed to catch it (every failing check must match one).
/// A prefix ending in `-` names an area; a full id names one check.
const EXPECTED: &[(&str, &[&str])] = &[
    // Pervasive: every check that sets up objects with a POST sees the wrong status first (in both
    // suites: the create handler is shared; discovery creates nothing).
    (
        "create-returns-200",
        &[
            "EP-",
            "ES-CREATE-",
            "ES-VALID-",
            "ES-READ-",
            "ES-REPLACE-",
            "ES-PATCH-",
            "ES-APPLY-",
            "ES-DELETE-",
            "ES-DELCOL-",
            "ES-LIST-",
            "ES-WATCH-",
            "ES-AUTH-",
            "ES-OPTS-",
            "ES-PROTO-",
        ],
    ),
    (
        "no-conflict-on-stale-rv",
        &[
            "EP-REPLACE-002",
            "EP-PATCH-011",
            "EP-PROTO-004",
            "ES-REPLACE-002",
            "ES-PROTO-004",
        ],
    ),
    (
        "limit-ignored",
        &[
            "EP-LIST-",
            "EP-DELCOL-005",
            "EP-PROTO-002",
            "ES-LIST-003",
            "ES-LIST-009",
            "ES-DELCOL-005",
            "ES-PROTO-002",
        ],
    ),
    (
        "dry-run-persists",
        &[
            "EP-CREATE-002",
            "EP-CREATE-010",
            "EP-OPTS-006",
            "EP-PATCH-009",
            "EP-DELETE-004",
            "EP-DELETE-008",
            "EP-DELCOL-002",
            "EP-WATCH-020",
            "EP-PROTO-005",
            "ES-CREATE-013",
            "ES-PATCH-005",
            "ES-DELETE-004",
            "ES-DELCOL-002",
            "ES-CREATE-020",
            "ES-REPLACE-006",
            "ES-PROTO-005",
        ],
    ),
    // Checks that compare an answer's exact Warning headers notice the missing one.
    (
        "drop-deprecation-warning",
        &[
            "EP-WARN-",
            "EP-CREATE-",
            "EP-READ-",
            "EP-VALID-",
            "EP-OPTS-004",
            "EP-OPTS-005",
            "EP-PATCH-010",
            "EP-DELETE-001",
            "EP-PROTO-001",
            "EP-PROTO-003",
            "EP-PROTO-014",
        ],
    ),
    // Checks that compare a stored object with what was sent after defaulting.
    (
        "no-default-protocol",
        &[
            "EP-CREATE-001",
            "EP-CREATE-009",
            "EP-VALID-",
            "EP-PATCH-001",
            "EP-PATCH-004",
            "ES-CREATE-001",
            "ES-CREATE-007",
            "ES-VALID-013",
            "ES-VALID-016",
            "ES-PATCH-003",
            "ES-APPLY-002",
        ],
    ),
    (
        "delete-returns-object",
        &[
            "EP-DELETE-",
            "EP-PROTO-005",
            "ES-DELETE-",
            "ES-WATCH-001",
            "ES-WATCH-003",
            "ES-WATCH-004",
            "ES-WATCH-006",
            "ES-PROTO-005",
        ],
    ),
    // Checks that read an object back after a dry run or a delete compare the exact 404 body.
    (
        "not-found-wrong-reason",
        &[
            "EP-READ-001",
            "EP-READ-004",
            "EP-CREATE-002",
            "EP-PATCH-005",
            "EP-DELETE-",
            "ES-CREATE-013",
            "ES-CREATE-014",
            "ES-READ-002",
            "ES-REPLACE-005",
            "ES-PATCH-006",
            "ES-DELETE-",
        ],
    ),
    ("no-remaining-item-count", &["EP-LIST-", "ES-LIST-003"]),
    (
        "skip-validation",
        &[
            "EP-VALID-",
            "EP-REPLACE-009",
            "EP-REPLACE-010",
            "EP-PATCH-008",
            "EP-PATCH-014",
            "EP-PATCH-012",
            "EP-DELETE-006",
            "EP-PROTO-010",
            "ES-VALID-",
            "ES-REPLACE-003",
            "ES-PATCH-004",
            "ES-PATCH-007",
            "ES-PROTO-010",
        ],
    ),
    (
        "already-exists-overwrites",
        &[
            "EP-CREATE-003",
            "EP-PROTO-010",
            "ES-CREATE-016",
            "ES-PROTO-010",
        ],
    ),
    (
        "create-in-missing-namespace",
        &["EP-CREATE-004", "ES-CREATE-017"],
    ),
    (
        "namespace-mismatch-accepted",
        &[
            "EP-CREATE-005",
            "EP-PROTO-010",
            "ES-CREATE-019",
            "ES-PROTO-010",
        ],
    ),
    (
        "generate-name-without-suffix",
        &["EP-CREATE-006", "ES-CREATE-012"],
    ),
    ("put-does-not-create", &["EP-REPLACE-004"]),
    ("uid-precondition-ignored", &["EP-REPLACE-005"]),
    ("put-creates-despite-uid", &["EP-REPLACE-012"]),
    (
        "update-drops-deletion-state",
        &["EP-REPLACE-014", "EP-DELETE-"],
    ),
    (
        "delete-preconditions-ignored",
        &[
            "EP-DELETE-003",
            "EP-PROTO-005",
            "ES-DELETE-003",
            "ES-PROTO-005",
        ],
    ),
    (
        "finalizers-ignored",
        &[
            "EP-DELETE-006",
            "EP-WATCH-022",
            "EP-REPLACE-014",
            "ES-DELETE-005",
            "ES-DELETE-007",
        ],
    ),
    ("propagation-policy-ignored", &["EP-DELETE-009"]),
    (
        "delete-collection-ignores-selector",
        &[
            "EP-DELCOL-001",
            "EP-DELCOL-003",
            "EP-OPTS-007",
            "ES-DELCOL-001",
            "ES-DELCOL-003",
            "ES-OPTS-001",
        ],
    ),
    (
        "unauthenticated-watch",
        &["EP-AUTH-001", "EP-AUTH-002", "ES-AUTH-001", "ES-AUTH-002"],
    ),
    ("delete-collection-unauthorized", &["EP-AUTH-003"]),
    (
        "continue-skips-item",
        &[
            "EP-LIST-",
            "EP-DELCOL-005",
            "EP-PROTO-002",
            "ES-LIST-003",
            "ES-LIST-009",
            "ES-DELCOL-005",
            "ES-PROTO-002",
        ],
    ),
    (
        "continue-repeats-item",
        &[
            "EP-LIST-",
            "EP-DELCOL-005",
            "EP-PROTO-002",
            "ES-LIST-003",
            "ES-LIST-009",
            "ES-PROTO-002",
        ],
    ),
    ("empty-list-items-null", &["EP-LIST-002", "ES-WATCH-001"]),
    (
        "exact-resource-version-ignored",
        &["EP-LIST-013", "EP-LIST-014", "EP-LIST-020", "ES-LIST-008"],
    ),
    ("future-resource-version-served", &["EP-LIST-020"]),
    ("loopback-ip-accepted", &["EP-VALID-", "ES-VALID-006"]),
    ("wrong-cause-field-path", &["EP-VALID-", "ES-VALID-"]),
    (
        "update-skips-validation",
        &[
            "EP-REPLACE-009",
            "EP-REPLACE-010",
            "EP-PATCH-008",
            "EP-PATCH-014",
            "EP-PATCH-012",
            "EP-DELETE-006",
            "ES-REPLACE-003",
            "ES-PATCH-004",
            "ES-PATCH-007",
        ],
    ),
    (
        "unknown-field-warning-dropped",
        &["EP-OPTS-004", "EP-OPTS-005", "ES-CREATE-015"],
    ),
    (
        "strict-field-validation-ignored",
        &[
            "EP-OPTS-004",
            "EP-OPTS-005",
            "ES-CREATE-014",
            "ES-REPLACE-006",
        ],
    ),
    (
        "pretty-ignored",
        &["EP-OPTS-007", "EP-LIST-022", "ES-OPTS-001"],
    ),
    ("not-acceptable-ignored", &["EP-OPTS-008", "EP-OPTS-010"]),
    ("unsupported-media-type-accepted", &["EP-CREATE-011"]),
    ("no-body-size-limit", &["EP-CREATE-012"]),
    (
        "warning-dropped-on-errors",
        &[
            "EP-WARN-001",
            "EP-CREATE-003",
            "EP-CREATE-011",
            "EP-READ-001",
            "EP-PROTO-014",
        ],
    ),
    ("smp-merges-subsets", &["EP-PATCH-004"]),
    (
        "apply-ignores-conflicts",
        &[
            "EP-APPLY-003",
            "EP-APPLY-006",
            "EP-APPLY-008",
            "EP-APPLY-009",
            "ES-APPLY-002",
        ],
    ),
    ("apply-owns-label-map", &["EP-APPLY-007"]),
    ("no-before-first-apply", &["EP-APPLY-008"]),
    (
        "untracked-updates-tracked",
        &["EP-REPLACE-013", "EP-APPLY-008"],
    ),
    ("conflict-paths-sorted-as-text", &["EP-APPLY-009"]),
    ("delete-options-type-error-ignored", &["EP-DELETE-012"]),
    ("json-patch-failure-400", &["EP-PATCH-003"]),
    (
        "watch-drops-events",
        &[
            "EP-WATCH-",
            "EP-PROTO-007",
            "ES-WATCH-001",
            "ES-WATCH-002",
            "ES-WATCH-003",
            "ES-PROTO-007",
        ],
    ),
    (
        "watch-reorders-events",
        &[
            "EP-WATCH-",
            "EP-PROTO-007",
            "ES-WATCH-",
            "ES-DELETE-005",
            "ES-PROTO-007",
        ],
    ),
    (
        "no-bookmarks",
        &[
            "EP-WATCH-",
            "EP-PROTO-008",
            "ES-WATCH-008",
            "ES-WATCH-009",
            "ES-PROTO-008",
        ],
    ),
    (
        "bookmark-without-initial-events-end",
        &[
            "EP-WATCH-",
            "EP-PROTO-008",
            "ES-WATCH-009",
            "ES-WATCH-013",
            "ES-WATCH-014",
            "ES-WATCH-015",
            "ES-PROTO-008",
        ],
    ),
    (
        "watch-too-old-replays",
        &[
            "EP-WATCH-014",
            "EP-PROTO-009",
            "ES-WATCH-010",
            "ES-PROTO-009",
        ],
    ),
    (
        "watch-ignores-timeout",
        &[
            "EP-WATCH-",
            "ES-WATCH-008",
            "ES-WATCH-011",
            "ES-WATCH-013",
            "ES-WATCH-014",
            "ES-WATCH-015",
        ],
    ),
    (
        "watch-no-initial-events",
        &[
            "EP-WATCH-",
            "EP-PROTO-008",
            "EP-PROTO-013",
            "ES-WATCH-007",
            "ES-WATCH-009",
            "ES-WATCH-013",
            "ES-WATCH-014",
            "ES-WATCH-015",
            "ES-PROTO-008",
            "ES-PROTO-013",
        ],
    ),
    (
        "watch-selector-exit-not-deleted",
        &["EP-WATCH-011", "ES-WATCH-002"],
    ),
    (
        "watch-named-path-ignores-name",
        &["EP-WATCH-007", "EP-WATCH-008", "ES-WATCH-006"],
    ),
    (
        "watch-wrong-content-type",
        &[
            "EP-WATCH-",
            "EP-PROTO-007",
            "EP-PROTO-008",
            "EP-PROTO-009",
            "EP-PROTO-013",
            "ES-WATCH-",
            "ES-DELETE-005",
            "ES-PROTO-007",
            "ES-PROTO-008",
            "ES-PROTO-009",
            "ES-PROTO-013",
        ],
    ),
    ("discovery-missing-delete-collection", &["EP-DISC-001"]),
    ("path-names-unchecked", &["EP-READ-003"]),
    // The refused name `x%25y` is also named undecoded then (`"x%25y"` in the message).
    ("path-segments-undecoded", &["EP-READ-003", "EP-READ-004"]),
    ("not-acceptable-list-short", &["EP-OPTS-010"]),
    // Protobuf: only the protobuf checks speak it.
    ("protobuf-empty-fields-omitted", &["EP-PROTO-", "ES-PROTO-"]),
    (
        "protobuf-list-drops-continue",
        &["EP-PROTO-002", "ES-PROTO-002"],
    ),
    ("protobuf-create-refused", &["EP-PROTO-", "ES-PROTO-"]),
    (
        "protobuf-replace-refused",
        &["EP-PROTO-004", "ES-PROTO-004"],
    ),
    (
        "protobuf-delete-options-ignored",
        &["EP-PROTO-005", "ES-PROTO-005"],
    ),
    (
        "protobuf-delete-collection-json",
        &["EP-PROTO-006", "ES-PROTO-006"],
    ),
    ("protobuf-watch-json", &["EP-PROTO-", "ES-PROTO-"]),
    (
        "protobuf-watch-bookmarks-dropped",
        &["EP-PROTO-008", "ES-PROTO-008"],
    ),
    (
        "protobuf-watch-expired-as-status",
        &["EP-PROTO-009", "ES-PROTO-009"],
    ),
    ("protobuf-errors-json", &["EP-PROTO-", "ES-PROTO-"]),
    (
        "protobuf-filter-errors-json",
        &["EP-PROTO-011", "ES-PROTO-011"],
    ),
    (
        "protobuf-patch-handler-text",
        &["EP-PROTO-012", "ES-PROTO-012"],
    ),
    ("accept-q-values-ignored", &["EP-PROTO-013", "ES-PROTO-013"]),
    (
        "protobuf-decode-errors-generic",
        &["EP-PROTO-014", "ES-PROTO-014"],
    ),
    // EndpointSlice. Pervasive: every scenario that creates a slice compares its generation.
    (
        "es-generation-not-set",
        &[
            "ES-CREATE-",
            "ES-VALID-",
            "ES-READ-",
            "ES-REPLACE-",
            "ES-PATCH-",
            "ES-APPLY-",
            "ES-DELETE-",
            "ES-DELCOL-",
            "ES-LIST-",
            "ES-WATCH-",
            "ES-AUTH-",
            "ES-OPTS-",
        ],
    ),
    // A strategic merge patch of the ports is a ports change too.
    (
        "es-generation-ignores-ports",
        &["ES-REPLACE-004", "ES-PATCH-003"],
    ),
    ("es-generation-counts-annotations", &["ES-REPLACE-004"]),
    ("es-port-name-not-defaulted", &["ES-CREATE-007"]),
    ("es-deprecated-topology-kept", &["ES-CREATE-010"]),
    ("es-empty-endpoints-stored", &["ES-CREATE-008"]),
    ("es-null-lists-omitted", &["ES-CREATE-008"]),
    // list/namespaced and validation/fqdn-invalid create FQDN slices too.
    (
        "es-fqdn-warning-missing",
        &["ES-CREATE-003", "ES-LIST-001", "ES-VALID-009"],
    ),
    (
        "es-hints-for-nodes-kept",
        &["ES-CREATE-011", "ES-VALID-024"],
    ),
    (
        "es-address-type-mutable",
        &["ES-REPLACE-003", "ES-PATCH-004"],
    ),
    ("es-ip-address-type-creatable", &["ES-VALID-002"]),
    ("es-port-range-validated", &["ES-VALID-016"]),
    ("es-ports-limit-enforced", &["ES-VALID-013"]),
    ("es-zone-validated", &["ES-VALID-021"]),
    ("es-fqdn-rejects-ip", &["ES-VALID-009"]),
    ("es-addresses-limit-off-by-one", &["ES-VALID-011"]),
    ("es-endpoints-limit-off-by-one", &["ES-VALID-012"]),
    ("es-zone-hints-limit-off-by-one", &["ES-VALID-022"]),
    ("es-put-creates", &["ES-REPLACE-005"]),
    ("es-smp-merges-lists", &["ES-PATCH-003"]),
    (
        "es-address-type-field-selector",
        &["ES-LIST-006", "ES-WATCH-012"],
    ),
    ("es-bookmark-object-bare", &["ES-WATCH-008", "ES-WATCH-009"]),
    ("es-forbidden-core-group", &["ES-AUTH-003"]),
    (
        "es-discovery-missing-delete-collection",
        &["ES-DISC-003", "ES-DISC-004"],
    ),
    ("es-aggregated-discovery-v2beta1", &["ES-DISC-004"]),
];

/// One check that did not pass, and why (for the failure message).
#[derive(Debug, Clone)]
struct Caught {
    id: String,
    kind: &'static str,
    why: String,
}

fn summary(outcome: &Outcome) -> String {
    let text = match outcome {
        Outcome::Fail(failure) => {
            format!("expected {} / actual {}", failure.expected, failure.actual)
        }
        Outcome::Error { message } => message.clone(),
        other => other.kind().to_owned(),
    };
    text.chars().take(300).collect()
}

/// Which checks a fault runs (the faithful server always runs every check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The checks a fault's [`EXPECTED`] entry declares as about it.
    Declared,
    /// Every check of both suites.
    Full,
}

impl Scope {
    /// `KCONFORM_KILL_MATRIX=full` asks for the full cross product; unset means the declared scope.
    fn from_env() -> Scope {
        match std::env::var("KCONFORM_KILL_MATRIX").as_deref() {
            Ok("full") => Scope::Full,
            Ok("") | Err(_) => Scope::Declared,
            Ok(other) => panic!("KCONFORM_KILL_MATRIX={other:?}: the only value is `full`"),
        }
    }
}

/// Runs `checks` (or only those named in `only`) of `suite` against a fresh reference server
/// emulating `version` with `faults`; the checks that failed or errored and how many ran, or a
/// message when the run could not start.
async fn run_suite(
    suite: Suite,
    checks: Vec<Check>,
    version: K8sVersion,
    faults: FaultSet,
    only: Option<&[Caught]>,
) -> Result<(Vec<Caught>, usize), String> {
    let mut config = Config {
        version,
        faults,
        ..Config::default()
    }
    .with_admin_token(ADMIN_TOKEN);
    config.tokens.push(kconform_mock::TokenEntry {
        token: USER_TOKEN.to_owned(),
        user: "kill-matrix-user".to_owned(),
        uid: "kill-matrix-user".to_owned(),
        groups: vec![],
    });
    let server = kconform_mock::spawn(config)
        .await
        .map_err(|e| format!("the reference server did not start: {e}"))?;
    let target = Target::new(&server.url)
        .map_err(|e| format!("bad target {}: {e}", server.url))?
        .with_token(ADMIN_TOKEN)
        .with_user_token(USER_TOKEN);
    let options = RunOptions {
        jobs: 8,
        check_timeout: Duration::from_secs(60),
        ..RunOptions::default()
    };
    let checks: Vec<_> = checks
        .into_iter()
        .filter(|check| only.is_none_or(|only| only.iter().any(|c| c.id == check.meta.id)))
        .collect();
    let results = runner::run(&target, suite.resource(), &checks, &options, &|_| {})
        .await
        .map_err(|e| format!("the run did not start: {e}"))?;
    server.shutdown().await;
    let total = results.results.len();
    let caught = results
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_) | Outcome::Error { .. }))
        .map(|r| Caught {
            id: r.id.clone(),
            kind: r.outcome.kind(),
            why: summary(&r.outcome),
        })
        .collect();
    Ok((caught, total))
}

/// One run of the matrix: a suite against a server emulating a version, faithful (`fault` None) or
/// with one fault.
#[derive(Debug, Clone, Copy)]
struct Run {
    fault: Option<Fault>,
    version: K8sVersion,
    suite: Suite,
    scope: Scope,
}

impl Run {
    /// The checks of the run's suite it runs: all of them for the faithful server and in the full
    /// scope, else those its fault's [`EXPECTED`] entry names (none when the entry is missing,
    /// which the test reports on its own).
    fn checks(self) -> Vec<Check> {
        let all = self.suite.checks();
        match (self.fault, self.scope) {
            (None, _) | (Some(_), Scope::Full) => all,
            (Some(fault), Scope::Declared) => {
                let declared = expected_for(fault).unwrap_or(&[]);
                all.into_iter()
                    .filter(|check| {
                        declared
                            .iter()
                            .any(|prefix| check.meta.id.starts_with(prefix))
                    })
                    .collect()
            }
        }
    }

    fn label(self) -> String {
        format!(
            "{} ({} at 1.{})",
            self.fault.map_or("faithful server", Fault::name),
            self.suite.crate_name(),
            self.version.minor
        )
    }
}

/// The whole suite of `run`, then the checks that did not pass once more on a fresh server: only
/// checks that fail both times count, so a check that failed because the machine was busy (a watch
/// event late, a request timing out) does not enter the matrix.
async fn confirmed_run(run: Run) -> Result<(Vec<Caught>, usize), String> {
    let faults: FaultSet = run.fault.into_iter().collect();
    let bounded = |only: Option<Vec<Caught>>| {
        let faults = faults.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(240),
                run_suite(
                    run.suite,
                    run.checks(),
                    run.version,
                    faults,
                    only.as_deref(),
                ),
            )
            .await
            .unwrap_or_else(|_| Err("the suite run did not finish within 240 s".to_owned()))
        }
    };
    let (first, total) = bounded(None).await?;
    if first.is_empty() {
        return Ok((first, total));
    }
    let (second, _) = bounded(Some(first.clone())).await?;
    for flaky in first
        .iter()
        .filter(|c| !second.iter().any(|s| s.id == c.id))
    {
        eprintln!(
            "kill matrix: {}: {} failed once and passed on the rerun (not counted): {}",
            run.label(),
            flaky.id,
            flaky.why
        );
    }
    Ok((second, total))
}

fn expected_for(fault: Fault) -> Option<&'static [&'static str]> {
    EXPECTED
        .iter()
        .find(|(name, _)| *name == fault.name())
        .map(|(_, prefixes)| *prefixes)
}

/// The ids of `caught` from `suite`, as the table cell shows them.
fn cell(caught: &[Caught], suite: Suite) -> String {
    let ids: Vec<String> = caught
        .iter()
        .filter(|c| c.id.starts_with(suite.prefix()))
        .map(|c| format!("`{}`", c.id))
        .collect();
    if ids.is_empty() {
        "–".to_owned()
    } else {
        ids.join(", ")
    }
}

fn markdown(
    matrix: &BTreeMap<&'static str, Vec<Caught>>,
    checks: &BTreeMap<Suite, usize>,
) -> String {
    let mut md = String::new();
    md.push_str("# Kill matrix\n\n");
    md.push_str("<!-- Generated by `cargo test -p kconform-mock --test it kill_matrix`; do not edit. -->\n\n");
    md.push_str(
        "Each row is a fault switch of the reference server (`kconform-mock --fault NAME`) that breaks one behaviour kube-apiserver guarantees.\n",
    );
    md.push_str("Each suite ran against its own server with that fault alone; the last two columns list the checks of each suite that failed (twice, each time on a fresh server).\n");
    md.push_str("`cargo test` runs, per fault, the checks the matrix declares as about it; `KCONFORM_KILL_MATRIX=full` runs every check against every fault and gives this same table, which shows that no other check fails.\n");
    let emulated: Vec<String> = EMULATED
        .iter()
        .map(|(name, minor)| format!("`{name}` at 1.{minor}"))
        .collect();
    let _ = writeln!(
        md,
        "Faults run at 1.{} except {}; the faithful server passes every check of both suites at each of these versions.\n",
        K8sVersion::NEWEST.minor,
        emulated.join(", ")
    );
    md.push_str("Mutation score per API (a fault counts for the API it breaks, and is caught when a check of that API's suite catches it):\n\n");
    for suite in Suite::ALL {
        let own: Vec<&Fault> = Fault::ALL
            .iter()
            .filter(|f| Suite::of_fault(**f) == suite)
            .collect();
        let killed = own
            .iter()
            .filter(|f| {
                matrix
                    .get(f.name())
                    .is_some_and(|c| c.iter().any(|c| c.id.starts_with(suite.prefix())))
            })
            .count();
        let note = if suite == Suite::Endpoints {
            format!(" (the corpus replay `{CORPUS_CHECKS}xx` left out)")
        } else {
            String::new()
        };
        let _ = writeln!(
            md,
            "- {}: **{killed}/{}** faults caught by the {} `{}` checks{note}.",
            suite.api(),
            own.len(),
            checks.get(&suite).copied().unwrap_or(0),
            suite.crate_name(),
        );
    }
    let shared = Fault::ALL
        .iter()
        .filter(|f| Suite::of_fault(**f) == Suite::Endpoints)
        .filter(|f| {
            matrix.get(f.name()).is_some_and(|c| {
                c.iter()
                    .any(|c| c.id.starts_with(Suite::EndpointSlices.prefix()))
            })
        })
        .count();
    let _ = writeln!(
        md,
        "- {shared} of the Endpoints faults break code the two resources share and are caught by EndpointSlice checks too.\n"
    );
    md.push_str(
        "| Fault | Breaks | Endpoints checks | EndpointSlice checks |\n|---|---|---|---|\n",
    );
    for fault in Fault::ALL {
        let caught = matrix.get(fault.name()).cloned().unwrap_or_default();
        let (ep, es) = if caught.is_empty() {
            ("**not caught**".to_owned(), "**not caught**".to_owned())
        } else {
            (
                cell(&caught, Suite::Endpoints),
                cell(&caught, Suite::EndpointSlices),
            )
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {ep} | {es} |",
            fault.name(),
            fault.description().replace('|', "\\|"),
        );
    }
    md
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn every_fault_is_caught_by_the_checks_about_it() {
    let started = Instant::now();
    let mut problems = Vec::new();
    for fault in Fault::ALL {
        let kebab = !fault.name().is_empty()
            && fault.name().split('-').all(|word| {
                !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !kebab || fault.description().trim().is_empty() {
            problems.push(format!(
                "{fault}: a fault needs a kebab-case name and a doc line saying what it breaks"
            ));
        }
        if expected_for(*fault).is_none() {
            problems.push(format!(
                "{fault}: no expected check prefixes declared in EXPECTED"
            ));
        }
    }
    let declared = EXPECTED.iter().map(|(name, _)| *name);
    for name in declared.chain(EMULATED.iter().map(|(name, _)| *name)) {
        if name.parse::<Fault>().is_err() {
            problems.push(format!(
                "EXPECTED or EMULATED names {name:?}, which is not a fault"
            ));
        }
    }

    // The faithful server at every version the matrix emulates, then every fault at its version,
    // each with both suites; PARALLEL_RUNS runs at a time (the runner spawns the checks themselves
    // onto the runtime's threads).
    let mut versions = vec![K8sVersion::NEWEST];
    for (_, minor) in EMULATED {
        if !versions.iter().any(|v| v.minor == *minor) {
            versions.push(K8sVersion::new(*minor));
        }
    }
    let faithful = versions.iter().map(|version| (None, *version));
    let faulty = Fault::ALL.iter().map(|f| (Some(*f), version_for(*f)));
    let scope = Scope::from_env();
    let plan: Vec<Run> = faithful
        .chain(faulty)
        .flat_map(|(fault, version)| {
            Suite::ALL.map(|suite| Run {
                fault,
                version,
                suite,
                scope,
            })
        })
        .filter(|run| !run.checks().is_empty())
        .collect();
    let planned = plan.len();
    let runs: Vec<_> = futures::stream::iter(plan)
        .map(|run| async move {
            let started = Instant::now();
            (run, confirmed_run(run).await, started.elapsed())
        })
        .buffer_unordered(PARALLEL_RUNS)
        .collect()
        .await;
    let mut caught_by: BTreeMap<(&'static str, Suite), Vec<Caught>> = BTreeMap::new();
    let mut checks: BTreeMap<Suite, usize> = BTreeMap::new();
    let mut slowest: Vec<(Duration, String)> = runs
        .iter()
        .map(|(run, _, took)| (*took, run.label()))
        .collect();
    slowest.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
    for (took, label) in slowest.iter().take(5) {
        eprintln!("kill matrix: slow run {label}: {:.1} s", took.as_secs_f64());
    }
    for (run, outcome, _) in runs {
        let (caught, total) = match outcome {
            Ok(result) => result,
            Err(message) => {
                problems.push(format!("{}: {message}", run.label()));
                continue;
            }
        };
        let Some(fault) = run.fault else {
            if run.version == K8sVersion::NEWEST {
                checks.insert(run.suite, total);
            }
            for c in &caught {
                problems.push(format!("{}: {} {}: {}", run.label(), c.id, c.kind, c.why));
            }
            continue;
        };
        let allowed = expected_for(fault).unwrap_or(&[]);
        for c in &caught {
            if !allowed.iter().any(|prefix| c.id.starts_with(prefix)) {
                problems.push(format!(
                    "{fault}: {} {} although it is not about this behaviour (allowed: {allowed:?}): {}",
                    c.id, c.kind, c.why
                ));
            }
        }
        caught_by.insert((fault.name(), run.suite), caught);
    }
    // Per fault, the Endpoints checks that caught it, then the EndpointSlice ones.
    let mut matrix: BTreeMap<&'static str, Vec<Caught>> = BTreeMap::new();
    for ((fault, _), caught) in caught_by {
        matrix.entry(fault).or_default().extend(caught);
    }
    for fault in Fault::ALL {
        if matrix.get(fault.name()).is_none_or(Vec::is_empty) {
            problems.push(format!("{fault}: caught by no check (a gap in the suites)"));
        }
    }
    eprintln!(
        "kill matrix ({scope:?} scope): {} faults, {planned} runs, {checks:?} checks, {:.1} s",
        Fault::ALL.len(),
        started.elapsed().as_secs_f64()
    );

    let table: BTreeMap<&str, Vec<String>> = matrix
        .iter()
        .map(|(fault, caught)| (*fault, caught.iter().map(|c| c.id.clone()).collect()))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}\n\nmatrix:\n{table:#?}",
        problems.len(),
        problems.join("\n")
    );
    insta::with_settings!({snapshot_path => "../../../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_yaml_snapshot!("kill-matrix", table);
    });
    // The table the README shows: rewritten when out of date, like every generated file.
    let md = markdown(&matrix, &checks);
    let md_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/kill-matrix.md");
    let current = std::fs::read_to_string(&md_path).unwrap_or_default();
    if current != md {
        std::fs::write(&md_path, &md).expect("write snapshots/kill-matrix.md");
        panic!(
            "{} was out of date and has been rewritten: review and commit it",
            md_path.display()
        );
    }
}
