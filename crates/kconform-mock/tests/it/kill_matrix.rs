//! The kill matrix: the whole Endpoints suite against the reference server once faithful and once per
//! fault switch.
//!
//! The faithful server must pass every check.
//! Every fault must be caught (at least one check fails or errors), and only by checks about the
//! behaviour the fault breaks: each fault declares the check-id prefixes that may catch it.
//! The matrix (fault → catching checks) is an insta snapshot and a markdown table,
//! `snapshots/kill-matrix.md`, which the README shows as the suite's mutation score.
//! When the table is out of date the test rewrites it and fails: commit the new file.
//! After adding checks or faults, `INSTA_UPDATE=always cargo test -p kconform-mock --test it kill_matrix`
//! rewrites both files in one run (a new fault also needs its entry in [`EXPECTED`]).
//!
//! A check counts as catching a fault only when it fails twice, on two fresh servers: timing checks
//! (watch deadlines, bookmarks) can fail once on a busy machine, and such flakes are printed, not counted.

use futures::StreamExt as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kconform_harness::model::Outcome;
use kconform_harness::runner::{self, RunOptions};
use kconform_harness::target::Target;
use kconform_mock::{Config, Fault, FaultSet};
use kconform_spec::K8sVersion;

const ADMIN_TOKEN: &str = "kill-matrix-admin";
const USER_TOKEN: &str = "kill-matrix-user";

/// How many suite runs (one server each) go at once; each run itself runs several checks at once.
const PARALLEL_RUNS: usize = 8;

/// The replay of the generated fixture corpus costs more CPU than the rest of the suite together;
/// every validation fault is also caught by the recording-driven validation checks, so the matrix
/// leaves the corpus checks out (`cargo test -p endpoints-v1` runs them against the faithful server).
const CORPUS_CHECKS: &str = "EP-VALID-1";

/// Per fault, the check-id prefixes allowed to catch it (every failing check must match one).
/// A prefix ending in `-` names an area; a full id names one check.
const EXPECTED: &[(&str, &[&str])] = &[
    // Pervasive: every check that sets up objects with a POST sees the wrong status first.
    ("create-returns-200", &["EP-"]),
    (
        "no-conflict-on-stale-rv",
        &["EP-REPLACE-002", "EP-PATCH-011", "EP-PROTO-004"],
    ),
    (
        "limit-ignored",
        &["EP-LIST-", "EP-DELCOL-005", "EP-PROTO-002"],
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
        ],
    ),
    ("delete-returns-object", &["EP-DELETE-", "EP-PROTO-005"]),
    // Checks that read an object back after a dry run or a delete compare the exact 404 body.
    (
        "not-found-wrong-reason",
        &[
            "EP-READ-001",
            "EP-READ-004",
            "EP-CREATE-002",
            "EP-PATCH-005",
            "EP-DELETE-",
        ],
    ),
    ("no-remaining-item-count", &["EP-LIST-"]),
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
        ],
    ),
    (
        "already-exists-overwrites",
        &["EP-CREATE-003", "EP-PROTO-010"],
    ),
    ("create-in-missing-namespace", &["EP-CREATE-004"]),
    (
        "namespace-mismatch-accepted",
        &["EP-CREATE-005", "EP-PROTO-010"],
    ),
    ("generate-name-without-suffix", &["EP-CREATE-006"]),
    ("put-does-not-create", &["EP-REPLACE-004"]),
    ("uid-precondition-ignored", &["EP-REPLACE-005"]),
    ("put-creates-despite-uid", &["EP-REPLACE-012"]),
    (
        "update-drops-deletion-state",
        &["EP-REPLACE-014", "EP-DELETE-"],
    ),
    (
        "delete-preconditions-ignored",
        &["EP-DELETE-003", "EP-PROTO-005"],
    ),
    (
        "finalizers-ignored",
        &["EP-DELETE-006", "EP-WATCH-022", "EP-REPLACE-014"],
    ),
    ("propagation-policy-ignored", &["EP-DELETE-009"]),
    (
        "delete-collection-ignores-selector",
        &["EP-DELCOL-001", "EP-DELCOL-003", "EP-OPTS-007"],
    ),
    ("unauthenticated-watch", &["EP-AUTH-001", "EP-AUTH-002"]),
    ("delete-collection-unauthorized", &["EP-AUTH-003"]),
    (
        "continue-skips-item",
        &["EP-LIST-", "EP-DELCOL-005", "EP-PROTO-002"],
    ),
    (
        "continue-repeats-item",
        &["EP-LIST-", "EP-DELCOL-005", "EP-PROTO-002"],
    ),
    ("empty-list-items-null", &["EP-LIST-002"]),
    (
        "exact-resource-version-ignored",
        &["EP-LIST-013", "EP-LIST-014", "EP-LIST-020"],
    ),
    ("future-resource-version-served", &["EP-LIST-020"]),
    ("loopback-ip-accepted", &["EP-VALID-"]),
    ("wrong-cause-field-path", &["EP-VALID-"]),
    (
        "update-skips-validation",
        &[
            "EP-REPLACE-009",
            "EP-REPLACE-010",
            "EP-PATCH-008",
            "EP-PATCH-014",
            "EP-PATCH-012",
            "EP-DELETE-006",
        ],
    ),
    (
        "unknown-field-warning-dropped",
        &["EP-OPTS-004", "EP-OPTS-005"],
    ),
    (
        "strict-field-validation-ignored",
        &["EP-OPTS-004", "EP-OPTS-005"],
    ),
    ("pretty-ignored", &["EP-OPTS-007", "EP-LIST-022"]),
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
    ("watch-drops-events", &["EP-WATCH-", "EP-PROTO-007"]),
    ("watch-reorders-events", &["EP-WATCH-", "EP-PROTO-007"]),
    ("no-bookmarks", &["EP-WATCH-", "EP-PROTO-008"]),
    (
        "bookmark-without-initial-events-end",
        &["EP-WATCH-", "EP-PROTO-008"],
    ),
    ("watch-too-old-replays", &["EP-WATCH-014", "EP-PROTO-009"]),
    ("watch-ignores-timeout", &["EP-WATCH-"]),
    (
        "watch-no-initial-events",
        &["EP-WATCH-", "EP-PROTO-008", "EP-PROTO-013"],
    ),
    ("watch-selector-exit-not-deleted", &["EP-WATCH-011"]),
    (
        "watch-named-path-ignores-name",
        &["EP-WATCH-007", "EP-WATCH-008"],
    ),
    (
        "watch-wrong-content-type",
        &[
            "EP-WATCH-",
            "EP-PROTO-007",
            "EP-PROTO-008",
            "EP-PROTO-009",
            "EP-PROTO-013",
        ],
    ),
    ("discovery-missing-delete-collection", &["EP-DISC-001"]),
    ("path-names-unchecked", &["EP-READ-003"]),
    // The refused name `x%25y` is also named undecoded then (`"x%25y"` in the message).
    ("path-segments-undecoded", &["EP-READ-003", "EP-READ-004"]),
    ("not-acceptable-list-short", &["EP-OPTS-010"]),
    // Protobuf: only the protobuf checks speak it.
    ("protobuf-empty-fields-omitted", &["EP-PROTO-"]),
    ("protobuf-list-drops-continue", &["EP-PROTO-002"]),
    ("protobuf-create-refused", &["EP-PROTO-"]),
    ("protobuf-replace-refused", &["EP-PROTO-004"]),
    ("protobuf-delete-options-ignored", &["EP-PROTO-005"]),
    ("protobuf-delete-collection-json", &["EP-PROTO-006"]),
    ("protobuf-watch-json", &["EP-PROTO-"]),
    ("protobuf-watch-bookmarks-dropped", &["EP-PROTO-008"]),
    ("protobuf-watch-expired-as-status", &["EP-PROTO-009"]),
    ("protobuf-errors-json", &["EP-PROTO-"]),
    ("protobuf-filter-errors-json", &["EP-PROTO-011"]),
    ("protobuf-patch-handler-text", &["EP-PROTO-012"]),
    ("accept-q-values-ignored", &["EP-PROTO-013"]),
    ("protobuf-decode-errors-generic", &["EP-PROTO-014"]),
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

/// Runs the suite (or only the checks named in `only`) against a fresh reference server with
/// `faults`; the checks that failed or errored, or a message when the run could not start.
async fn run_suite(
    faults: FaultSet,
    only: Option<&[Caught]>,
) -> Result<(Vec<Caught>, usize), String> {
    let mut config = Config {
        version: K8sVersion::NEWEST,
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
    let checks: Vec<_> = endpoints_v1::checks()
        .into_iter()
        .filter(|check| !check.meta.id.starts_with(CORPUS_CHECKS))
        .filter(|check| only.is_none_or(|only| only.iter().any(|c| c.id == check.meta.id)))
        .collect();
    let results = runner::run(&target, endpoints_v1::RESOURCE, &checks, &options, &|_| {})
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

/// The whole suite with `fault` (None: the faithful server), then the checks that did not pass once
/// more on a fresh server: only checks that fail both times count, so a check that failed because
/// the machine was busy (a watch event late, a request timing out) does not enter the matrix.
async fn confirmed_run(fault: Option<Fault>) -> Result<(Vec<Caught>, usize), String> {
    let faults: FaultSet = fault.into_iter().collect();
    let bounded = |only: Option<Vec<Caught>>| {
        let faults = faults.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(240), run_suite(faults, only.as_deref()))
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
            "kill matrix: {} {} once and passed on the rerun (not counted): {}",
            fault.map_or("faithful server", Fault::name),
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

fn markdown(matrix: &BTreeMap<&'static str, Vec<Caught>>, checks: usize) -> String {
    let killed = matrix.values().filter(|c| !c.is_empty()).count();
    let mut md = String::new();
    md.push_str("# Kill matrix\n\n");
    md.push_str("<!-- Generated by `cargo test -p kconform-mock --test it kill_matrix`; do not edit. -->\n\n");
    md.push_str(
        "Each row is a fault switch of the reference server (`kconform-mock --fault NAME`) that breaks one behaviour kube-apiserver guarantees.\n",
    );
    md.push_str("The suite ran against the server with that fault alone; the last column lists the checks that failed (twice, each time on a fresh server).\n");
    let _ = writeln!(
        md,
        "Mutation score: {killed}/{} faults caught by {} checks (the corpus replay `{CORPUS_CHECKS}xx` left out); the faithful server passes all of them.\n",
        matrix.len(),
        checks
    );
    md.push_str("| Fault | Breaks | Caught by |\n|---|---|---|\n");
    for fault in Fault::ALL {
        let caught = matrix.get(fault.name()).cloned().unwrap_or_default();
        let ids: Vec<String> = caught.iter().map(|c| format!("`{}`", c.id)).collect();
        let ids = if ids.is_empty() {
            "**not caught**".to_owned()
        } else {
            ids.join(", ")
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} |",
            fault.name(),
            fault.description().replace('|', "\\|"),
            ids
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
    for (name, _) in EXPECTED {
        if name.parse::<Fault>().is_err() {
            problems.push(format!("EXPECTED names {name:?}, which is not a fault"));
        }
    }

    // The faithful server and every fault, PARALLEL_RUNS at a time (the runner spawns the checks
    // themselves onto the runtime's threads).
    let runs: Vec<_> =
        futures::stream::iter(std::iter::once(None).chain(Fault::ALL.iter().copied().map(Some)))
            .map(|fault| async move { (fault, confirmed_run(fault).await) })
            .buffer_unordered(PARALLEL_RUNS)
            .collect()
            .await;
    let mut matrix: BTreeMap<&'static str, Vec<Caught>> = BTreeMap::new();
    let mut checks = 0;
    for (fault, outcome) in runs {
        let (caught, total) = match outcome {
            Ok(result) => result,
            Err(message) => {
                problems.push(format!(
                    "{}: {message}",
                    fault.map_or("faithful server", Fault::name)
                ));
                continue;
            }
        };
        let Some(fault) = fault else {
            checks = total;
            for c in &caught {
                problems.push(format!("faithful server: {} {}: {}", c.id, c.kind, c.why));
            }
            continue;
        };
        if caught.is_empty() {
            problems.push(format!("{fault}: caught by no check (a gap in the suite)"));
        }
        let allowed = expected_for(fault).unwrap_or(&[]);
        for c in &caught {
            if !allowed.iter().any(|prefix| c.id.starts_with(prefix)) {
                problems.push(format!(
                    "{fault}: {} {} although it is not about this behaviour (allowed: {allowed:?}): {}",
                    c.id, c.kind, c.why
                ));
            }
        }
        matrix.insert(fault.name(), caught);
    }
    eprintln!(
        "kill matrix: {} faults, {checks} checks, {:.1} s",
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
    let md = markdown(&matrix, checks);
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
