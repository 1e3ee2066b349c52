//! Report tests on a constructed run: one of every outcome and gate status.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::baseline::{self, BaselineFormat};
use crate::coverage::OperationColumns;
use crate::model::{CheckResult, Exchange, RecordedRequest, RecordedResponse};

pub(crate) const CATALOG: &[CheckMeta] = &[
    meta(
        "EP-CREATE-001",
        Level::Must,
        "A create of a valid Endpoints object MUST answer 201 Created with the stored object.",
        &["createCoreV1NamespacedEndpoints"],
        &["body", "namespace"],
        &[201],
    ),
    meta(
        "EP-CREATE-002",
        Level::Must,
        "A create of an object whose name exists MUST answer 409 AlreadyExists.",
        &["createCoreV1NamespacedEndpoints"],
        &["body"],
        &[409],
    ),
    meta(
        "EP-LIST-001",
        Level::Must,
        "A list with limit MUST return at most limit items and a continue token.",
        &["listCoreV1NamespacedEndpoints"],
        &["limit", "continue"],
        &[200],
    ),
    meta(
        "EP-LIST-002",
        Level::Should,
        "A list with an unknown <query> parameter SHOULD be ignored & answered.",
        &["listCoreV1NamespacedEndpoints"],
        &["bogus"],
        &[200],
    ),
    meta(
        "EP-WATCH-001",
        Level::Must,
        "A watch MUST deliver ADDED, MODIFIED and DELETED events in order.",
        &["listCoreV1NamespacedEndpoints"],
        &["watch", "resourceVersion"],
        &[200],
    ),
    meta(
        "EP-WATCH-002",
        Level::May,
        "A watch MAY send bookmarks when allowWatchBookmarks is set.",
        &["listCoreV1NamespacedEndpoints"],
        &["allowWatchBookmarks"],
        &[200],
    ),
    meta(
        "EP-GET-001",
        Level::Must,
        "A get of a missing object MUST answer 404 NotFound.",
        &["readCoreV1NamespacedEndpoints"],
        &["name"],
        &[404],
    ),
    meta(
        "EP-DELETE-001",
        Level::Must,
        "A delete MUST answer 200 with the object or a Status.",
        &["deleteCoreV1NamespacedEndpoints"],
        &["name"],
        &[200],
    ),
    meta(
        "EP-PATCH-001",
        Level::Should,
        "A patch SHOULD accept application/merge-patch+json.",
        &["patchCoreV1NamespacedEndpoints"],
        &["body"],
        &[200],
    ),
];

const fn meta(
    id: &'static str,
    level: Level,
    requirement: &'static str,
    operations: &'static [&'static str],
    params: &'static [&'static str],
    statuses: &'static [u16],
) -> CheckMeta {
    CheckMeta {
        id,
        level,
        requirement,
        spec_ref: "kube-apiserver Endpoints behaviour, section Create",
        operations,
        params,
        statuses,
        since: None,
        until: None,
        features: &[],
    }
}

fn exchange() -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: "POST".to_owned(),
            url: "http://127.0.0.1:41234/api/v1/namespaces/kc-1/endpoints".to_owned(),
            headers: vec![("Authorization".to_owned(), "Bearer <redacted>".to_owned())],
            body: Some(r#"{"metadata":{"name":"a"}}"#.to_owned()),
        },
        response: Some(RecordedResponse {
            status: 200,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: r#"{"kind":"Endpoints","metadata":{"name":"a","uid":"0b7c4c53-8a62-4a0e-9d8c-2f6f0f7a1e11","resourceVersion":"812","creationTimestamp":"2026-11-27T14:01:02Z"}}"#.to_owned(),
        }),
        curl: "curl -sS -X POST -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' --data-raw '{\"metadata\":{\"name\":\"a\"}}' 'http://127.0.0.1:41234/api/v1/namespaces/kc-1/endpoints'".to_owned(),
    }
}

fn result(id: &str, level: Level, outcome: Outcome) -> CheckResult {
    CheckResult {
        id: id.to_owned(),
        level,
        outcome,
        duration: Duration::from_millis(12),
        cleanup: CleanupOutcome::Done,
    }
}

pub(crate) fn run() -> RunResults {
    RunResults {
        target: TargetInfo {
            url: "http://127.0.0.1:41234".to_owned(),
            k8s_version: "1.36".to_owned(),
            server_version: Some("v1.36.2".to_owned()),
        },
        started_at: "2026-11-27T14:01:00Z".to_owned(),
        duration: Duration::from_millis(1234),
        results: vec![
            result(
                "EP-CREATE-001",
                Level::Must,
                Outcome::fail("status 201 Created", "status 200 OK", vec![exchange()]),
            ),
            result("EP-CREATE-002", Level::Must, Outcome::Pass),
            result(
                "EP-LIST-001",
                Level::Must,
                Outcome::fail("a continue token", "none", vec![]),
            ),
            result("EP-LIST-002", Level::Should, Outcome::Pass),
            result(
                "EP-WATCH-001",
                Level::Must,
                Outcome::error("watch stream ended after 10s without events"),
            ),
            result(
                "EP-WATCH-002",
                Level::May,
                Outcome::unsupported("watch-bookmarks", "the server sent none"),
            ),
            result(
                "EP-GET-001",
                Level::Must,
                Outcome::skip("needs Kubernetes 1.30 or later"),
            ),
            result(
                "EP-DELETE-001",
                Level::Must,
                Outcome::fail("200", "500", vec![]),
            ),
        ],
    }
}

pub(crate) fn baseline() -> Baseline {
    Baseline::parse(
        "schema_version: 1\n\
         target: demo\n\
         expected_failures:\n  - {id: EP-LIST-001, reason: continue tokens are not implemented, link: 'https://example.com/i/1'}\n\
         pending:\n  - {id: EP-LIST-002, reason: unknown parameters are rejected today, link: 'https://example.com/i/2'}\n\
         ineligible:\n  - {id: EP-DELETE-001, reason: deletes are disabled on this target, link: 'https://example.com/i/3'}\n\
         \x20 - {id: EP-GONE-009, reason: removed check, link: 'https://example.com/i/4'}\n",
        BaselineFormat::Yaml,
        Path::new("baseline.yaml"),
    )
    .expect("test baseline parses")
}

/// The demo run's coverage grid: a few declared operations and columns.
fn coverage() -> CoverageGrid {
    CoverageGrid::from_parts(
        [
            OperationColumns {
                operation: "createCoreV1NamespacedEndpoints",
                params: vec!["namespace", "body", "dryRun"],
                statuses: vec![201, 409],
            },
            OperationColumns {
                operation: "listCoreV1NamespacedEndpoints",
                params: vec!["namespace", "limit", "continue", "watch"],
                statuses: vec![200],
            },
            OperationColumns {
                operation: "readCoreV1NamespacedEndpoints",
                params: vec!["namespace", "name"],
                statuses: vec![200, 404],
            },
            OperationColumns {
                operation: "deleteCoreV1NamespacedEndpoints",
                params: vec!["namespace", "name"],
                statuses: vec![200],
            },
        ],
        CATALOG,
    )
}

pub(crate) fn report() -> Report {
    let run = run();
    let baseline = baseline();
    let gate = baseline::evaluate(&baseline, &run.results, CATALOG.iter().map(|m| m.id));
    build(
        &run,
        BuildInput {
            suites: vec![crate::report::SuiteInput {
                name: "endpoints-v1",
                resource: crate::resource::tests::ENDPOINTS,
                ids: CATALOG.iter().map(|m| m.id).collect(),
                coverage: coverage(),
            }],
            catalog: CATALOG,
            gate: &gate,
            baseline: Some((&baseline, "suites/baselines/demo.yaml")),
            options: RunOptions {
                level: Level::May,
                filter: None,
                jobs: 4,
                strict_baseline: false,
            },
        },
    )
}

#[test]
fn report_carries_every_gate_status_and_the_baseline() {
    let report = report();
    assert_eq!(report.schema_version, REPORT_SCHEMA_VERSION);
    assert_eq!(report.verdict, Verdict::Regression);
    let gates: Vec<(&str, GateStatus)> = report
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.gate))
        .collect();
    assert_eq!(
        gates,
        [
            ("EP-CREATE-001", GateStatus::Regression),
            ("EP-CREATE-002", GateStatus::Pass),
            ("EP-LIST-001", GateStatus::ExpectedFailure),
            ("EP-LIST-002", GateStatus::UnexpectedPass),
            ("EP-WATCH-001", GateStatus::Error),
            ("EP-WATCH-002", GateStatus::Unsupported),
            ("EP-GET-001", GateStatus::Skipped),
            ("EP-DELETE-001", GateStatus::Ineligible),
        ]
    );
    assert_eq!(report.summary.regressions, 1);
    assert_eq!(report.summary.total, 8);
    let baseline = report.baseline.as_ref().expect("baseline summary");
    assert_eq!(baseline.stale_ids, ["EP-GONE-009"]);
    let list = report.check("EP-LIST-001").expect("present");
    assert_eq!(
        list.baseline.as_ref().map(|b| b.link.as_str()),
        Some("https://example.com/i/1")
    );
    assert_eq!(
        list.requirement,
        "A list with limit MUST return at most limit items and a continue token."
    );
    // The JSON document reads back to the same report.
    let json = report.to_json().expect("json");
    let back: Report = serde_json::from_str(&json).expect("read back");
    assert_eq!(back, report);
    let value: serde_json::Value = serde_json::from_str(&json).expect("value");
    assert_eq!(value["schema_version"], 2);
    assert_eq!(value["suites"][0]["name"], "endpoints-v1");
    assert_eq!(value["suites"][0]["api"], "v1 Endpoints");
    assert_eq!(value["checks"][0]["suite"], "endpoints-v1");
    assert_eq!(value["checks"][0]["outcome"]["kind"], "fail");
    assert_eq!(value["checks"][0]["gate"], "regression");
    assert_eq!(value["verdict"], "regression");
}

#[test]
fn coverage_cells_take_the_worst_status_of_their_checks() {
    let report = report();
    let grid = &report.suites[0].coverage;
    assert_eq!(
        grid.operations,
        [
            "createCoreV1NamespacedEndpoints",
            "listCoreV1NamespacedEndpoints",
            "readCoreV1NamespacedEndpoints",
            "deleteCoreV1NamespacedEndpoints",
            // Not in the operations given, but claimed by EP-PATCH-001: added, never hidden.
            "patchCoreV1NamespacedEndpoints",
        ]
    );
    let cell = |op: &str, param: &str| grid.param_cell(op, param).expect("cell exists");
    // EP-CREATE-001 (regression) and EP-CREATE-002 (pass) share `body`: the regression wins.
    let body = cell("createCoreV1NamespacedEndpoints", "body");
    assert_eq!(body.checks, ["EP-CREATE-001", "EP-CREATE-002"]);
    assert_eq!(report.cell_state(body), CellState::Fail);
    assert_eq!(
        report.cell_state(cell("createCoreV1NamespacedEndpoints", "dryRun")),
        CellState::Uncovered
    );
    assert_eq!(
        report.cell_state(cell("listCoreV1NamespacedEndpoints", "limit")),
        CellState::Known
    );
    assert_eq!(
        report.cell_state(cell("listCoreV1NamespacedEndpoints", "watch")),
        CellState::Error
    );
    assert_eq!(
        report.cell_state(cell("readCoreV1NamespacedEndpoints", "name")),
        CellState::NotRun
    );
    // A parameter a check uses but the operation does not declare becomes an undeclared cell.
    let bogus = cell("listCoreV1NamespacedEndpoints", "bogus");
    assert!(!bogus.declared);
    assert!(grid.params.iter().any(|p| p == "bogus"));
    let created = grid
        .status_cell("createCoreV1NamespacedEndpoints", 201)
        .expect("status cell");
    assert_eq!(created.checks, ["EP-CREATE-001"]);
    assert_eq!(grid.statuses, [200, 201, 404, 409]);
}

#[test]
fn coverage_from_the_vendored_specification_has_every_operation() {
    let grid = CoverageGrid::from_catalog(&crate::resource::tests::ENDPOINTS, CATALOG);
    for op in kconform_spec::ops::operations() {
        assert!(grid.operations.iter().any(|o| o == op.id), "{}", op.id);
        for param in &op.params {
            let cell = grid.param_cell(op.id, param.name);
            if param.location == kconform_spec::ops::ParamIn::Path {
                // As in the coverage matrix: every request carries them, they are not cells.
                assert!(cell.is_none(), "{} {}", op.id, param.name);
            } else {
                assert!(cell.is_some_and(|c| c.declared), "{} {}", op.id, param.name);
            }
        }
    }
    // The grid is the matrix's: same cells, same checks.
    let matrix = crate::coverage::Matrix::compute(&crate::resource::tests::ENDPOINTS, CATALOG);
    assert_eq!(
        grid.param_cells.iter().filter(|c| c.declared).count()
            + grid.status_cells.iter().filter(|c| c.declared).count(),
        matrix.total()
    );
    for matrix_cell in &matrix.cells {
        let checks: Vec<String> = match matrix_cell.column {
            crate::coverage::Column::Param(p) => grid.param_cell(matrix_cell.operation, p),
            crate::coverage::Column::Status(s) => grid.status_cell(matrix_cell.operation, s),
        }
        .expect("every matrix cell is a grid cell")
        .checks
        .clone();
        let mut expected: Vec<String> =
            matrix_cell.checks.iter().map(|c| (*c).to_owned()).collect();
        expected.sort();
        assert_eq!(checks, expected);
    }
    let cell = grid
        .param_cell("createCoreV1NamespacedEndpoints", "body")
        .expect("body is declared on create");
    assert!(cell.checks.iter().any(|c| c == "EP-CREATE-001"));
}

#[test]
fn junit_names_cases_by_check_id_and_maps_gate_statuses() {
    let xml = render_junit(&report()).expect("xml");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), "endpoints-v1");
    assert_eq!(suite.test_cases.len(), 8);
    let case = |id: &str| {
        suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == id)
            .expect("case present")
    };
    let property = |id: &str, name: &str| {
        case(id)
            .properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.value.as_str().to_owned())
    };
    assert!(matches!(
        &case("EP-CREATE-001").status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: quick_junit::NonSuccessKind::Failure,
            ..
        }
    ));
    assert!(matches!(
        &case("EP-WATCH-001").status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: quick_junit::NonSuccessKind::Error,
            ..
        }
    ));
    assert!(matches!(
        &case("EP-LIST-001").status,
        quick_junit::TestCaseStatus::Skipped { .. }
    ));
    assert!(matches!(
        &case("EP-CREATE-002").status,
        quick_junit::TestCaseStatus::Success { .. }
    ));
    assert_eq!(
        property("EP-CREATE-001", "kconform.spec_ref").as_deref(),
        Some("kube-apiserver Endpoints behaviour, section Create")
    );
    assert_eq!(
        property("EP-LIST-002", "kconform.gate").as_deref(),
        Some("unexpected-pass")
    );
    assert_eq!(
        case("EP-CREATE-001").classname.as_ref().map(|c| c.as_str()),
        Some("endpoints-v1.CREATE")
    );
    assert!(xml.contains("status 201 Created"));
    assert!(xml.contains("curl -sS -X POST"));
}

#[test]
fn markdown_shows_expected_actual_and_curl_for_regressions() {
    let md = render_markdown(&report());
    assert!(md.contains("**Verdict: REGRESSION**"));
    let regressions = md
        .split("## Regressions (1)")
        .nth(1)
        .expect("regressions section");
    let regression = regressions.split("\n## ").next().expect("section body");
    assert!(regression.contains("### EP-CREATE-001 (MUST)"));
    assert!(regression.contains("- Expected: status 201 Created"));
    assert!(regression.contains("- Actual: status 200 OK"));
    assert!(regression.contains("```sh\ncurl -sS -X POST"));
    assert!(regression.contains("Response 200:"));
    assert!(md.contains("## Unexpected passes (update the baseline) (1)"));
    assert!(md.contains("## Stale baseline entries"));
    assert!(md.contains("- `EP-GONE-009`"));
    // Table cells escape pipes.
    assert!(md.contains("| EP-LIST-002 | SHOULD | unexpected pass |"));
}

#[test]
fn html_is_self_contained_and_escapes_text() {
    let html = render_html(&report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is loaded from anywhere: no external scripts, styles, images or fonts.
    for forbidden in ["<link", " src=", "@import", "url(", "<iframe"] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
    // The only absolute URLs are the target's and the baseline links, shown as text or anchors.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 30).min(html.len())])
        .collect();
    for url in urls {
        assert!(
            url.starts_with("http://127.0.0.1:41234") || url.starts_with("https://example.com/i/"),
            "unexpected URL {url}"
        );
    }
    assert!(html.contains("<table class=\"grid\" id=\"grid-endpoints-v1-params\">"));
    assert!(html.contains("<table class=\"grid short\" id=\"grid-endpoints-v1-statuses\">"));
    assert!(html.contains("data-checks=\"EP-CREATE-001 EP-CREATE-002\""));
    assert!(html.contains("class=\"fail\" data-state=\"fail\""));
    assert!(html.contains("class=\"uncovered\" data-state=\"uncovered\""));
    assert!(html.contains(
        "<details class=\"check\" id=\"EP-CREATE-001\" data-state=\"fail\" data-level=\"MUST\" data-area=\"CREATE\" open>"
    ));
    assert!(html.contains(
        "<details class=\"check\" id=\"EP-CREATE-002\" data-state=\"pass\" data-level=\"MUST\" data-area=\"CREATE\">"
    ));
    // Requirement text with markup characters is escaped.
    assert!(html.contains("unknown &lt;query&gt; parameter SHOULD be ignored &amp; answered"));
    assert!(!html.contains("<query>"));
    for (_, colour) in CELL_COLOURS {
        assert!(html.contains(colour), "colour {colour} is used");
    }
}

#[test]
fn redaction_replaces_everything_that_varies_between_runs() {
    assert_eq!(
        redact_text(
            r#"{"uid":"0b7c4c53-8a62-4a0e-9d8c-2f6f0f7a1e11","resourceVersion":"812","creationTimestamp":"2026-11-27T14:01:02Z"}"#
        ),
        r#"{"uid":"[uid]","resourceVersion":"[rv]","creationTimestamp":"[timestamp]"}"#
    );
    assert_eq!(
        redact_text("http://127.0.0.1:41234/api/v1/endpoints?resourceVersion=12&continue=eyJ2Ijo"),
        "http://127.0.0.1:[port]/api/v1/endpoints?resourceVersion=[rv]&continue=[token]"
    );
    assert_eq!(
        redact_text("took 1.5s and 20ms"),
        "took [duration] and [duration]"
    );
    assert_eq!(redact_text("status 201 Created"), "status 201 Created");
}

#[test]
fn normalized_report_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_json_snapshot!("report-constructed-run", normalized(&report()));
    });
}
