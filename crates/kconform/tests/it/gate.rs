//! The baseline gate end to end: exit codes, the ids named, the reports written.

use std::path::Path;

use kconform_harness::baseline::{GateStatus, Verdict};
use kconform_mock::Fault;

use crate::support::{kconform, read_report, scratch_dir, server, strs};

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_server_passes_everything_and_every_report_is_written() {
    let out = scratch_dir("reference");
    let baseline = workspace_root().join("suites/baselines/reference-server.yaml");
    let ran = kconform(&[
        "run",
        "--out",
        out.to_str().expect("utf-8 path"),
        "--baseline",
        baseline.to_str().expect("utf-8 path"),
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(
        ran.stdout.contains("verdict: no regression (exit 0)"),
        "{}",
        ran.dump()
    );
    // Progress went to stderr as plain lines (stderr is not a terminal here).
    assert!(ran.stderr.contains("kconform: running "), "{}", ran.dump());
    assert!(ran.stderr.contains("] pass "), "{}", ran.dump());

    let report = read_report(&out);
    assert_eq!(report.verdict, Verdict::Clean);
    assert_eq!(
        report.schema_version,
        kconform_harness::report::REPORT_SCHEMA_VERSION
    );
    assert!(report.summary.total > 0);
    let not_passing: Vec<String> = report
        .checks
        .iter()
        .filter(|c| !matches!(c.gate, GateStatus::Pass | GateStatus::Skipped))
        .map(|c| format!("{} {:?} {:?}", c.id, c.gate, c.outcome))
        .collect();
    assert!(
        not_passing.is_empty(),
        "the reference server must pass every applicable check: {not_passing:#?}"
    );
    assert_eq!(report.checks.len(), report.summary.total);
    // Every check of every suite ran (nothing filtered by default).
    assert_eq!(report.checks.len(), kconform::suite::all_checks().count());

    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    let junit = quick_junit::Report::deserialize_from_str(&junit).expect("valid JUnit XML");
    // One JUnit suite per API.
    assert_eq!(junit.test_suites.len(), 2);
    assert_eq!(
        junit
            .test_suites
            .iter()
            .map(|s| s.test_cases.len())
            .sum::<usize>(),
        report.checks.len()
    );
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(markdown.contains("**Verdict: no regression.**"));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    // One coverage matrix per API.
    assert!(html.contains("id=\"grid-endpoints-v1-params\""));
    assert!(html.contains("id=\"grid-endpointslice-v1-params\""));
    assert_eq!(report.suites.len(), 2);
    for suite in &report.suites {
        assert!(
            suite
                .coverage
                .param_cells
                .iter()
                .any(|c| !c.checks.is_empty()),
            "{} covers no cell",
            suite.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faulty_target_exits_1_naming_the_failing_checks_and_a_baseline_listing_them_exits_0() {
    let server = server(&[Fault::CreateReturns200]).await;
    let target = server.target_args();

    // 1. Without a baseline: a regression, exit 1, the failing ids on stdout.
    let out = scratch_dir("faulty");
    let mut args = vec![
        "run".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    args.extend(target.iter().cloned());
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    let report = read_report(&out);
    assert_eq!(report.verdict, Verdict::Regression);
    let failing: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.gate == GateStatus::Regression)
        .map(|c| c.id.clone())
        .collect();
    assert!(!failing.is_empty());
    // The fault breaks "create answers 201": the check that states exactly that must be among them.
    assert!(
        failing.iter().any(|id| id == "EP-CREATE-002"),
        "{failing:?}"
    );
    assert!(
        ran.stdout.contains("regressions (not in the baseline):"),
        "{}",
        ran.dump()
    );
    for id in &failing {
        assert!(
            ran.stdout.contains(id.as_str()),
            "{id} not named:\n{}",
            ran.dump()
        );
    }
    assert!(ran.stdout.contains("verdict: REGRESSION (exit 1)"));
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(markdown.contains("- Expected: "), "{markdown}");
    assert!(markdown.contains("```sh\ncurl "), "{markdown}");

    // 2. With those ids in a baseline: exit 0, each reported as an expected failure.
    let dir = scratch_dir("faulty-baselined");
    let baseline = dir.join("baseline.yaml");
    let mut yaml =
        "schema_version: 1\ntarget: faulty-reference-server\nexpected_failures:\n".to_owned();
    for id in &failing {
        yaml.push_str(&format!(
            "  - id: {id}\n    reason: the create-returns-200 fault answers 200 to creates\n    link: https://example.com/faults#create-returns-200\n"
        ));
    }
    std::fs::write(&baseline, &yaml).expect("write baseline");
    let mut args = vec![
        "run".to_owned(),
        "--out".to_owned(),
        dir.join("out").display().to_string(),
        "--baseline".to_owned(),
        baseline.display().to_string(),
    ];
    args.extend(target.iter().cloned());
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let report = read_report(&dir.join("out"));
    assert_eq!(report.verdict, Verdict::Clean);
    assert_eq!(report.summary.expected_failures, failing.len());
    assert_eq!(report.summary.regressions, 0);

    // 3. A baselined check that passes is reported; --strict-baseline makes it fatal.
    let passing = report
        .checks
        .iter()
        .find(|c| c.gate == GateStatus::Pass)
        .map(|c| c.id.clone())
        .expect("some check passes on this target");
    yaml.push_str(&format!(
        "  - id: {passing}\n    reason: listed on purpose to test unexpected passes\n    link: https://example.com/t\n"
    ));
    std::fs::write(&baseline, &yaml).expect("write baseline");
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stdout.contains("unexpected passes"), "{}", ran.dump());
    assert!(ran.stdout.contains(passing.as_str()));
    args.push("--strict-baseline".to_owned());
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    assert!(ran.stdout.contains(passing.as_str()), "{}", ran.dump());
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_refuses_connections_exits_2_with_a_clear_message() {
    // Bind, learn the port, release it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = scratch_dir("refused");
    let ran = kconform(&[
        "run",
        "--target",
        &url,
        "--token",
        "t",
        "--out",
        out.to_str().expect("utf-8"),
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr
            .contains(&format!("error: cannot reach the target at {url}")),
        "{}",
        ran.dump()
    );
    assert!(
        ran.stderr.to_lowercase().contains("refused"),
        "{}",
        ran.dump()
    );
    assert!(!out.join("report.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_a_harness_error_with_a_message() {
    let dir = scratch_dir("bad-input");
    let baseline = dir.join("bad.yaml");
    std::fs::write(&baseline, "schema_version: 1\ntarget: t\nexpected_failures:\n  - id: nope\n    reason: r\n    link: l\n")
        .expect("write");
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec!["run", "--baseline", baseline.to_str().expect("utf-8")],
            "baseline entry \"nope\" is not a check id",
        ),
        (
            vec!["run", "--baseline", "/nonexistent/baseline.yaml"],
            "cannot read baseline /nonexistent/baseline.yaml",
        ),
        (
            vec!["run", "--filter", "("],
            "--filter \"(\" is not a valid regular expression",
        ),
        (
            vec!["run", "--target", "ftp://127.0.0.1:1"],
            "must start with http:// or https://",
        ),
    ];
    for (args, message) in cases {
        let ran = kconform(&args).await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.dump());
        assert!(ran.stderr.contains(message), "{args:?}: {}", ran.dump());
    }
    let server = server(&[]).await;
    let mut args = server.target_args();
    args.extend(["--filter".to_owned(), "^NO-SUCH-CHECK$".to_owned()]);
    args.extend(["--out".to_owned(), dir.join("out").display().to_string()]);
    let mut full = vec!["run".to_owned()];
    full.extend(args);
    let ran = kconform(&strs(&full)).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains("no check was selected"),
        "{}",
        ran.dump()
    );
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn normalized_report_of_a_filtered_reference_run_matches_the_snapshot() {
    let server = server(&[]).await;
    let out = scratch_dir("snapshot");
    let mut args = vec![
        "run".to_owned(),
        "--filter".to_owned(),
        "^EP-CREATE-00[1-3]$".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    args.extend(server.target_args());
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let report = read_report(&out);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        // The requirement texts belong to the suite (the list and explain tests show them); they
        // are redacted so that rewording a sentence does not masquerade as a report change.
        insta::assert_json_snapshot!(
            "report-reference-server-create-001-003",
            kconform_harness::report::normalized(&report),
            {
                ".checks[].requirement" => "[requirement]",
                ".checks[].spec_ref" => "[spec-ref]",
            }
        );
    });
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_launched_reference_server_emulates_the_requested_version() {
    let out = scratch_dir("version-1-28");
    let ran = kconform(&[
        "run",
        "--k8s-version",
        "1.28",
        "--filter",
        "^EP-(CREATE|READ)-",
        "--out",
        out.to_str().expect("utf-8"),
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let report = read_report(&out);
    assert_eq!(report.target.k8s_version, "1.28");
    let server = report.target.server_version.as_deref().unwrap_or_default();
    assert!(server.starts_with("v1.28."), "server reports {server}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_or_unprivileged_credentials_exit_2_with_a_clear_message() {
    let server = server(&[]).await;
    let out = scratch_dir("credentials");
    let out = out.to_str().expect("utf-8");
    let ran = kconform(&[
        "run",
        "--target",
        &server.url,
        "--token",
        "not-a-token",
        "--out",
        out,
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains(&format!(
            "error: the target at {} rejected the credentials (401 Unauthorized",
            server.url
        )),
        "{}",
        ran.dump()
    );
    // A user who may not create namespaces: every check reaches no verdict, and says why.
    let filter = "^EP-CREATE-00[12]$";
    let ran = kconform(&[
        "run",
        "--target",
        &server.url,
        "--token",
        &server.user_token,
        "--filter",
        filter,
        "--out",
        out,
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stdout.contains("errors (no verdict):"),
        "{}",
        ran.dump()
    );
    assert!(
        ran.stdout
            .contains("EP-CREATE-001  cannot create namespace"),
        "{}",
        ran.dump()
    );
    assert!(ran.stdout.contains("verdict: ERROR"), "{}", ran.dump());
    server.server.shutdown().await;
}
