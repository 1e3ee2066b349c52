//! `diff` end to end over loopback sockets: the reference server against itself (no difference),
//! against itself with a fault switched on (found and shrunk), and against hostile servers (no
//! panic, no hang).

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use kconform_harness::diff::{self, DiffOptions, DiffReport, SequenceVerdict, ShrinkOptions};
use kconform_harness::replay::transcript::Request;
use kconform_harness::replay::{ReplayOptions, Step};
use kconform_mock::{Config, Fault};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::robustness::{BrokenStream, watch_server};

const TOKEN: &str = "kconform-diff-admin";
/// Steps per sequence of the self-diff: short enough for 200 sequences to run in well under a
/// minute in a debug build on two shared cores, long enough for objects to be created, changed,
/// listed, watched and deleted within one sequence.
const SELF_DIFF_STEPS: usize = 8;

async fn mock(faults: &[Fault]) -> kconform_mock::RunningServer {
    mock_at(kconform_spec::K8sVersion::NEWEST, faults).await
}

async fn mock_at(
    version: kconform_spec::K8sVersion,
    faults: &[Fault],
) -> kconform_mock::RunningServer {
    let mut config = Config {
        version,
        ..Config::default()
    }
    .with_admin_token(TOKEN);
    for fault in faults {
        config.faults.insert(*fault);
    }
    kconform_mock::spawn(config)
        .await
        .expect("the mock starts on 127.0.0.1:0")
}

/// The API a diff's sequences are about: its resource and its suite's sequence model.
#[derive(Clone, Copy)]
struct Api {
    suite: &'static str,
    resource: kconform_harness::resource::Resource,
    model: fn() -> Box<dyn diff::SequenceModel>,
}

const ENDPOINTS: Api = Api {
    suite: "endpoints-v1",
    resource: endpoints_v1::RESOURCE,
    model: endpoints_v1::sequence::model,
};

const ENDPOINT_SLICES: Api = Api {
    suite: "endpointslice-v1",
    resource: endpointslice_v1::RESOURCE,
    model: endpointslice_v1::sequence::model,
};

impl Api {
    /// The API a fault breaks: the `es-` switches EndpointSlice, the others Endpoints.
    fn of_fault(fault: Fault) -> Api {
        if fault.name().starts_with("es-") {
            ENDPOINT_SLICES
        } else {
            ENDPOINTS
        }
    }
}

fn options(
    reference: &str,
    target: &str,
    seed: u64,
    sequences: usize,
    steps: usize,
) -> DiffOptions {
    options_for(ENDPOINTS, reference, target, seed, sequences, steps)
}

fn options_for(
    api: Api,
    reference: &str,
    target: &str,
    seed: u64,
    sequences: usize,
    steps: usize,
) -> DiffOptions {
    let side = |url: &str| {
        let mut opts = ReplayOptions::new(url, api.resource, Some(TOKEN.to_owned()));
        opts.namespace_prefix = diff::DEFAULT_NAMESPACE_PREFIX.to_owned();
        opts
    };
    DiffOptions {
        reference: side(reference),
        target: side(target),
        model: api.model,
        seed,
        sequences,
        steps,
        concurrency: 16,
        shrink: ShrinkOptions::default(),
    }
}

fn summary(report: &DiffReport) -> String {
    let mut out = String::new();
    for result in report
        .results
        .iter()
        .filter(|r| r.verdict != SequenceVerdict::Identical)
    {
        out.push_str(&format!(
            "{} {:?} {:?}\n",
            result.id, result.verdict, result.error
        ));
        for d in result.differences.iter().take(4) {
            out.push_str(&format!("    {d}\n"));
        }
        for n in result.notes.iter().take(3) {
            out.push_str(&format!("    note: {n}\n"));
        }
    }
    out
}

/// The reference server against a second instance of itself: every one of 200 sequences agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reference_server_agrees_with_itself_over_200_sequences() {
    let (a, b) = (mock(&[]).await, mock(&[]).await);
    let sequences = std::env::var("KCONFORM_DIFF_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let first = std::env::var("KCONFORM_DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let started = Instant::now();
    let mut opts = options(&a.url, &b.url, first, sequences, SELF_DIFF_STEPS);
    opts.shrink.enabled = std::env::var_os("KCONFORM_DIFF_NO_SHRINK").is_none();
    let report = diff::run(&opts, |_| {}).await.expect("the diff runs");
    if let Ok(dir) = std::env::var("KCONFORM_DIFF_OUT") {
        let dir = std::path::Path::new(&dir);
        report
            .write_reproductions(&dir.join("reference"))
            .expect("the output directory is writable");
        for result in report
            .results
            .iter()
            .filter(|r| r.verdict != SequenceVerdict::Identical)
        {
            kconform_harness::replay::write_scenario(&dir.join("target"), &result.target)
                .expect("the output directory is writable");
        }
    }
    eprintln!(
        "self-diff: {sequences} sequences in {:?}",
        started.elapsed()
    );
    assert_eq!(report.sequences, sequences);
    assert_eq!(report.identical, sequences, "{}", summary(&report));
    a.shutdown().await;
    b.shutdown().await;
}

/// The smallest shrunk reproduction of a report (None when nothing was shrunk).
fn smallest_reproduction(report: &DiffReport) -> Option<usize> {
    report
        .results
        .iter()
        .filter_map(|r| r.shrunk.as_ref())
        .map(|s| s.steps)
        .min()
}

/// A few fault switches of the reference server, each alone against the faithful server: diff
/// finds every one and shrinks it to a reproduction of at most 5 steps.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_are_found_and_shrunk_to_at_most_five_steps() {
    found_and_shrunk(&[
        Fault::CreateReturns200,
        Fault::NotFoundWrongReason,
        Fault::DryRunPersists,
        Fault::ApplyOwnsLabelMap,
    ])
    .await;
}

/// Protobuf faults that break what client-go components rely on: Go's exact bytes, a protobuf
/// list page, protobuf create bodies, protobuf watch framing and protobuf Status answers.
const PROTOBUF_FAULTS: [Fault; 5] = [
    Fault::ProtobufEmptyFieldsOmitted,
    Fault::ProtobufListDropsContinue,
    Fault::ProtobufCreateRefused,
    Fault::ProtobufWatchJson,
    Fault::ProtobufErrorsJson,
];

/// Protobuf faults, found by the protobuf share of the sequences (about one request in eight):
/// bytes that are not Go's, a protobuf list page, a protobuf watch stream, a protobuf create body
/// and a protobuf Status.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn protobuf_faults_are_found_and_shrunk_to_at_most_five_steps() {
    found_and_shrunk(&PROTOBUF_FAULTS).await;
}

/// Each fault alone against the faithful server, 12 sequences of 30 steps: diff finds every one
/// and shrinks it to a reproduction of at most 5 steps, which replay reads back.
async fn found_and_shrunk(faults: &[Fault]) {
    let runs = faults.iter().map(|fault| async move {
        let (faithful, faulty) = (mock(&[]).await, mock(&[*fault]).await);
        let mut opts = options(&faithful.url, &faulty.url, 1, 12, 30);
        opts.shrink.max_trials = 40;
        opts.shrink.time_limit = Duration::from_secs(60);
        let report = diff::run(&opts, |_| {}).await.expect("the diff runs");
        faithful.shutdown().await;
        faulty.shutdown().await;
        (*fault, report)
    });
    let mut failures = Vec::new();
    for (fault, report) in futures::future::join_all(runs).await {
        let smallest = smallest_reproduction(&report);
        eprintln!(
            "{fault}: {} of {} sequences differ, smallest reproduction {smallest:?} steps",
            report.differing, report.sequences
        );
        if report.differing == 0 || smallest.is_none_or(|n| n > 5) {
            failures.push(format!("{fault}: {smallest:?}\n{}", summary(&report)));
        }
        // Every reproduction is a transcript replay can read back.
        let dir =
            std::env::temp_dir().join(format!("kconform-diff-{}-{}", fault, std::process::id()));
        let written = report.write_reproductions(&dir).expect("writable");
        if written == 0 {
            continue;
        }
        let loaded = kconform_harness::replay::load_dir(&dir).expect("the reproductions load");
        assert_eq!(loaded.len(), written);
        assert_eq!(
            kconform_harness::replay::recorded_rules(&dir),
            kconform_harness::replay::Rules::Sequence
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A model of two steps (a create, then a short watch), so that every hostile target gets a watch.
struct CreateThenWatch {
    sent: usize,
}

impl diff::SequenceModel for CreateThenWatch {
    fn next_step(&mut self, _rng: &mut diff::Rng) -> Step {
        self.sent += 1;
        let collection = "/api/v1/namespaces/<ns>/endpoints";
        let mut headers = serde_json::Map::new();
        headers.insert("Accept".to_owned(), json!("application/json"));
        let (method, query, body, note) = if self.sent == 1 {
            headers.insert("Content-Type".to_owned(), json!("application/json"));
            let body = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ep-1"},
                              "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]});
            ("POST", vec![], Some(body), "create ep-1")
        } else {
            let query = vec![
                ("watch".to_owned(), "1".to_owned()),
                ("timeoutSeconds".to_owned(), "1".to_owned()),
            ];
            ("GET", query, None, "watch")
        };
        Step {
            note: Some(note.to_owned()),
            request: Request {
                method: method.to_owned(),
                path: collection.to_owned(),
                query,
                headers,
                auth: "admin".to_owned(),
                body,
            },
            nondeterministic: None,
            response: None,
            events: None,
            stream: None,
            continue_tokens: None,
        }
    }

    fn observe(&mut self, _answered: &Step) {}
}

fn create_then_watch() -> Box<dyn diff::SequenceModel> {
    Box::new(CreateThenWatch { sent: 0 })
}

/// Hostile targets: wrong statuses and garbage bodies (wiremock), and watch streams that are
/// silent, endless or truncated. Each diff ends, within bounds (a silent watch is cut at its cap
/// plus replay's slack for loaded machines, about 25 s), with every sequence differing
/// and no panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_targets_differ_without_panic_or_hang() {
    let reference = mock(&[]).await;
    let wrong_status = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .mount(&wrong_status)
        .await;
    let garbage = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/namespaces"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .mount(&garbage)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/json")
                .set_body_string("{\"kind\": \"Endpoints\", \"metadata\": {{{ not json"),
        )
        .mount(&garbage)
        .await;
    let mut targets = vec![
        ("wrong statuses".to_owned(), wrong_status.uri()),
        ("garbage bodies".to_owned(), garbage.uri()),
    ];
    for broken in [
        BrokenStream::Silent,
        BrokenStream::EndlessBlankLines,
        BrokenStream::Truncated,
    ] {
        targets.push((
            format!("{broken:?} watch stream"),
            watch_server(broken).await,
        ));
    }
    let reference_url = reference.url.clone();
    let runs = targets.into_iter().map(|(what, url)| {
        let reference_url = reference_url.clone();
        async move {
            let mut opts = options(&reference_url, &url, 1, 1, 2);
            opts.model = create_then_watch;
            // Shrinking is bounded too, but each trial against a silent stream waits for the
            // watch's cap; the shrinker has its own test above.
            opts.shrink.enabled = false;
            let started = Instant::now();
            let report =
                tokio::time::timeout(Duration::from_secs(120), diff::run(&opts, |_| {})).await;
            (what, report, started.elapsed())
        }
    });
    let mut problems = Vec::new();
    for (what, report, took) in futures::future::join_all(runs).await {
        match report {
            Err(_) => problems.push(format!("{what}: no result within 120 s")),
            Ok(Err(e)) => problems.push(format!("{what}: the diff failed: {e}")),
            Ok(Ok(report)) => {
                eprintln!(
                    "{what}: {} of {} differ in {took:?}",
                    report.differing, report.sequences
                );
                if report.differing != report.sequences {
                    problems.push(format!("{what}: {}", summary(&report)));
                }
                // The report renders whatever the target sent.
                assert!(diff::markdown(&report).contains("differs"), "{what}");
                serde_json::to_string(&report).expect("the report serializes");
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    reference.shutdown().await;
}

/// The differential kill matrix: every fault switch alone against the faithful server, 20
/// sequences of 30 steps each (seeds 1 to 20). Written to `snapshots/diff-kill-matrix.md`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow (every fault switch; minutes in a debug build): run with `cargo test -p kconform-harness --test it diff_kill_matrix -- --ignored`, which rewrites snapshots/diff-kill-matrix.md"]
async fn diff_kill_matrix() {
    const SEQUENCES: usize = 20;
    const STEPS: usize = 30;
    let rows = futures::stream::iter(Fault::ALL.iter().copied())
        .map(|fault| async move {
            // A fault whose behaviour exists only before 1.33 runs there, on both sides.
            let version = if fault.name() == "es-hints-for-nodes-kept" {
                kconform_spec::K8sVersion::new(28)
            } else {
                kconform_spec::K8sVersion::NEWEST
            };
            let (faithful, faulty) = (
                mock_at(version, &[]).await,
                mock_at(version, &[fault]).await,
            );
            let api = Api::of_fault(fault);
            let mut opts = options_for(api, &faithful.url, &faulty.url, 1, SEQUENCES, STEPS);
            opts.concurrency = SEQUENCES;
            opts.shrink.max_trials = 60;
            opts.shrink.time_limit = Duration::from_secs(90);
            let report = diff::run(&opts, |_| {}).await.expect("the diff runs");
            faithful.shutdown().await;
            faulty.shutdown().await;
            eprintln!("{fault}: {} of {SEQUENCES} differ", report.differing);
            (fault, api, report)
        })
        .buffered(6)
        .collect::<Vec<_>>()
        .await;
    let mut table = String::from(
        "# Differential kill matrix\n\nGenerated by `cargo test -p kconform-harness --test it diff_kill_matrix -- --ignored`: each fault switch of the reference server alone, as the target of `kconform diff` with the faithful reference server as the reference, over ",
    );
    table.push_str(&format!(
        "{SEQUENCES} sequences of {STEPS} steps (seeds 1 to {SEQUENCES}; the sequence model of the suite of the API the fault breaks: `endpointslice-v1` for the `es-` faults, else `endpoints-v1`), at 1.{} on both sides except `es-hints-for-nodes-kept` at 1.28, where its behaviour exists.\nA fault is found when a sequence differs and the difference comes back on a rerun; the reproduction is the smallest shrunk one.\n\n",
        kconform_spec::K8sVersion::NEWEST.minor
    ));
    let found = rows
        .iter()
        .filter(|(_, _, r)| smallest_reproduction(r).is_some())
        .count();
    let small = rows
        .iter()
        .filter(|(_, _, r)| smallest_reproduction(r).is_some_and(|n| n <= 5))
        .count();
    table.push_str(&format!(
        "**Found: {found}/{}; shrunk to at most 5 steps: {small}.**\n\n| Fault | Breaks | Sequences | Differing sequences | Smallest reproduction | Its first difference |\n|---|---|---|---:|---:|---|\n",
        rows.len()
    ));
    for (fault, api, report) in &rows {
        let best = report
            .results
            .iter()
            .filter_map(|r| r.shrunk.as_ref())
            .min_by_key(|s| s.steps);
        let (size, first) = match best {
            Some(shrunk) => (
                format!("{} steps", shrunk.steps),
                shrunk
                    .differences
                    .first()
                    .map(|d| {
                        let text = d.to_string().replace('|', "\\|").replace('\n', " ");
                        text.chars().take(160).collect::<String>()
                    })
                    .unwrap_or_default(),
            ),
            None if report.differing > 0 => ("not reproduced".to_owned(), String::new()),
            None => ("not found".to_owned(), String::new()),
        };
        table.push_str(&format!(
            "| `{fault}` | {} | `{}` | {}/{SEQUENCES} | {size} | {first} |\n",
            fault.description().replace('|', "\\|"),
            api.suite,
            report.differing
        ));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../snapshots/diff-kill-matrix.md");
    std::fs::write(&path, &table).expect("snapshots/ is writable");
    // A reproduction is only listed when the shrinker confirmed it on fresh namespaces.
    for (fault, _, report) in &rows {
        for result in report.results.iter().filter(|r| r.shrunk.is_some()) {
            let shrunk = result.shrunk.as_ref().expect("filtered");
            assert!(!shrunk.differences.is_empty(), "{fault}: {}", result.id);
            assert_eq!(shrunk.reference.steps.len(), shrunk.steps, "{fault}");
        }
    }
    assert!(found > 0, "{table}");
}
