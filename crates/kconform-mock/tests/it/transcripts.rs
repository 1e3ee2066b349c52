//! The project's own transcript test: every scenario recorded from a real kube-apiserver (1.36.2 and
//! 1.28.7, in `transcripts/`) is replayed against the reference server emulating that version, over a
//! real loopback socket, and must answer exactly as recorded.
//!
//! The EndpointSlice recordings (`transcripts/endpointslice/`) are replayed the same way, through the
//! same harness code, with the EndpointSlice [`Resource`].
//!
//! Each scenario gets a fresh server, so scenarios run side by side without seeing each other's writes
//! (a watch cache sends bookmarks when anything is written, so a shared server would add some).
//!
//! `KCONFORM_TRANSCRIPTS_ONLY=<regex>` narrows the run while working on one area;
//! `KCONFORM_TRANSCRIPTS_OUT=<dir>` also writes the normalized answers there, for `k8s-transcript diff`.

use std::path::{Path, PathBuf};

use futures::StreamExt as _;
use kconform_harness::replay::{self, ReplayOptions, Rules, ScenarioDiff, Target, Verdict};
use kconform_harness::resource::Resource;
use kconform_mock::{Config, Fault, TokenEntry};
use kconform_spec::K8sVersion;

pub(crate) const ADMIN_TOKEN: &str = "kconform-transcripts-admin";
pub(crate) const USER_TOKEN: &str = "kconform-transcripts-user";
/// The recordings' unprivileged user; 403 messages name it.
const USER_NAME: &str = "ref-user";
/// Scenarios replayed at once (each against its own server).
const PARALLEL: usize = 24;
/// Random sequences replayed at once: their replay normalizes every prefix, which costs CPU the
/// in-process servers share.
const SEQUENCES_PARALLEL: usize = 12;

/// discovery.k8s.io/v1 EndpointSlice, the second API the reference server serves.
const ENDPOINT_SLICES: Resource = Resource {
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
    operations: kconform_spec::endpointslice::ops::operations,
};

fn endpointslice_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/endpointslice")
        .join(format!("kube-apiserver-{version}"))
}

fn transcripts_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts")
        .join(format!("kube-apiserver-{version}"))
}

/// A server set up as the recorded ones were: an administrator, and the unprivileged `ref-user`
/// the recordings' 403 messages name.
pub(crate) fn config(minor: u32) -> Config {
    let mut config = Config::default().with_admin_token(ADMIN_TOKEN);
    config.version = K8sVersion::new(minor);
    config.tokens.push(TokenEntry {
        token: USER_TOKEN.to_owned(),
        user: USER_NAME.to_owned(),
        uid: USER_NAME.to_owned(),
        groups: vec!["system:authenticated".to_owned()],
    });
    config
}

fn sequences_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/sequences")
        .join(format!("kube-apiserver-{version}"))
}

async fn replay_one(
    minor: u32,
    resource: Resource,
    rules: Rules,
    scenario: &replay::Scenario,
) -> ScenarioDiff {
    replay_with(config(minor), resource, rules, scenario).await
}

async fn replay_on(config: Config, rules: Rules, scenario: &replay::Scenario) -> ScenarioDiff {
    replay_with(config, endpoints_v1::RESOURCE, rules, scenario).await
}

async fn replay_with(
    config: Config,
    resource: Resource,
    rules: Rules,
    scenario: &replay::Scenario,
) -> ScenarioDiff {
    let server = kconform_mock::spawn(config)
        .await
        .expect("the mock starts on 127.0.0.1:0");
    let mut opts = ReplayOptions::new(server.url.clone(), resource, Some(ADMIN_TOKEN.to_owned()));
    opts.user_token = Some(USER_TOKEN.to_owned());
    opts.compare.rules = rules;
    let target = Target::new(&opts).expect("a loopback target is accepted");
    let diff = replay::replay(&target, scenario).await;
    server.shutdown().await;
    diff
}

async fn replay_version(version: &str, minor: u32) {
    replay_dir(&transcripts_dir(version), version, minor, PARALLEL).await;
}

async fn replay_dir(dir: &Path, version: &str, minor: u32, parallel: usize) {
    replay_dir_of(dir, endpoints_v1::RESOURCE, version, minor, parallel).await;
}

/// Replays every scenario of `dir` (with the rules its index names), each against its own server.
async fn replay_dir_of(dir: &Path, resource: Resource, version: &str, minor: u32, parallel: usize) {
    let rules = replay::recorded_rules(dir);
    let scenarios = replay::load_dir(dir).expect("the recordings load");
    let only = std::env::var("KCONFORM_TRANSCRIPTS_ONLY").ok();
    let selected: Vec<&replay::Scenario> =
        replay::select(&scenarios, only.as_deref()).expect("KCONFORM_TRANSCRIPTS_ONLY is a regex");
    assert!(
        !selected.is_empty(),
        "no scenario selected in {}",
        dir.display()
    );
    let results: Vec<ScenarioDiff> = futures::stream::iter(selected)
        .map(|scenario| replay_one(minor, resource, rules, scenario))
        .buffered(parallel)
        .collect()
        .await;
    if let Ok(out) = std::env::var("KCONFORM_TRANSCRIPTS_OUT") {
        let out = Path::new(&out).join(version);
        for result in &results {
            replay::write_scenario(&out, &result.actual).expect("the output directory is writable");
        }
    }
    // A scenario also fails when the replay itself needed a workaround (a placeholder it could not
    // fill in, a namespace it could not clean up): its answers would not prove anything then.
    let differing: Vec<&ScenarioDiff> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Identical || !r.notes.is_empty())
        .collect();
    let mut report = String::new();
    for result in &differing {
        report.push_str(&format!(
            "{} ({:?}, {} differences)\n",
            result.id,
            result.verdict,
            result.differences.len()
        ));
        for difference in result.differences.iter().take(6) {
            report.push_str(&format!("    {difference}\n"));
        }
        for note in &result.notes {
            report.push_str(&format!("    note: {note}\n"));
        }
    }
    assert!(
        differing.is_empty(),
        "{} of {} scenarios answer differently from kube-apiserver {version}:\n{report}",
        differing.len(),
        results.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_scenario_answers_as_kube_apiserver_1_36() {
    replay_version("v1.36.2", 36).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_scenario_answers_as_kube_apiserver_1_28() {
    replay_version("v1.28.7", 28).await;
}

/// Every EndpointSlice scenario recorded from kube-apiserver 1.36.2 (`transcripts/endpointslice/`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_endpointslice_scenario_answers_as_kube_apiserver_1_36() {
    replay_dir_of(
        &endpointslice_dir("v1.36.2"),
        ENDPOINT_SLICES,
        "endpointslice-v1.36.2",
        36,
        PARALLEL,
    )
    .await;
}

/// The same at 1.28.7.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_endpointslice_scenario_answers_as_kube_apiserver_1_28() {
    replay_dir_of(
        &endpointslice_dir("v1.28.7"),
        ENDPOINT_SLICES,
        "endpointslice-v1.28.7",
        28,
        PARALLEL,
    )
    .await;
}

/// The 60 random 30-step sequences seq-diff sent to a real kube-apiserver 1.36.2: the reference
/// server answers every step as recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_random_sequence_answers_as_kube_apiserver_1_36() {
    replay_dir(
        &sequences_dir("v1.36.2"),
        "sequences-v1.36.2",
        36,
        SEQUENCES_PARALLEL,
    )
    .await;
}

/// The same at 1.28.7.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_recorded_random_sequence_answers_as_kube_apiserver_1_28() {
    replay_dir(
        &sequences_dir("v1.28.7"),
        "sequences-v1.28.7",
        28,
        SEQUENCES_PARALLEL,
    )
    .await;
}

/// The replay is not vacuous: a server with one watch behaviour broken answers the recorded scenario
/// about that behaviour differently.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broken_watch_is_caught_by_the_recordings() {
    let scenarios = replay::load_dir(&transcripts_dir("v1.36.2")).expect("the recordings load");
    let cases = [
        (Fault::WatchDropsEvents, "watch/create-update-patch-delete"),
        (Fault::NoBookmarks, "watch/bookmark-before-timeout"),
        (
            Fault::WatchSelectorExitNotDeleted,
            "watch/label-selector-filtering",
        ),
        (Fault::WatchTooOldReplays, "watch/resource-version-too-old"),
        (
            Fault::BookmarkWithoutInitialEventsEnd,
            "watch/send-initial-events",
        ),
        (
            Fault::WatchNamedPathIgnoresName,
            "watch/deprecated-named-path",
        ),
    ];
    each_fault_is_caught(&scenarios, &cases, Rules::Transcript).await;
}

/// The random sequences are not vacuous either: a server with one of the behaviours they were
/// recorded for broken answers the sequence that shows it differently.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broken_server_is_caught_by_the_random_sequences() {
    let dir = sequences_dir("v1.36.2");
    let scenarios = replay::load_dir(&dir).expect("the sequences load");
    let cases = [
        (Fault::PutCreatesDespiteUid, "sequences/seed-7006"),
        (Fault::NoBeforeFirstApply, "sequences/seed-7008"),
        (Fault::UntrackedUpdatesTracked, "sequences/seed-7012"),
        (Fault::ConflictPathsSortedAsText, "sequences/seed-7011"),
        (Fault::DeleteOptionsTypeErrorIgnored, "sequences/seed-7047"),
        (Fault::WatchIgnoresTimeout, "sequences/seed-7001"),
    ];
    each_fault_is_caught(&scenarios, &cases, Rules::Sequence).await;
}

/// Two lists with only a deletion between them share a `<rv-N+>`, so the replayer tries each value
/// an ambiguous read may have named; an answer that matches none of them is still a difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ambiguous_read_that_matches_no_candidate_differs() {
    let dir = sequences_dir("v1.36.2");
    let scenarios = replay::load_dir(&dir).expect("the sequences load");
    let recorded = scenarios
        .iter()
        .find(|s| s.id == "sequences/seed-7059")
        .expect("the sequence is recorded");
    // Step 24 lists Exact at the <rv-5+> of step 18 (after a deletion), not of step 15.
    let step = &recorded.steps[23];
    assert_eq!(
        step.request.query,
        [
            ("resourceVersion".to_owned(), "<rv-5+>".to_owned()),
            ("resourceVersionMatch".to_owned(), "Exact".to_owned())
        ]
    );
    let faithful = replay_on(config(36), Rules::Sequence, recorded).await;
    assert_eq!(
        faithful.verdict,
        Verdict::Identical,
        "{:?}",
        faithful.differences
    );
    let mut changed = recorded.clone();
    let items = changed.steps[23]
        .response
        .as_mut()
        .and_then(|r| r.pointer_mut("/body/items"))
        .and_then(serde_json::Value::as_array_mut)
        .expect("the list has items");
    items.clear();
    let result = replay_on(config(36), Rules::Sequence, &changed).await;
    assert_eq!(result.verdict, Verdict::Differs);
    assert!(
        result.differences.iter().any(|d| d.step == Some(24)),
        "{:?}",
        result.differences
    );
}

/// Replays each case's scenario against a 1.36 server with the case's fault alone: every one differs.
async fn each_fault_is_caught(
    scenarios: &[replay::Scenario],
    cases: &[(Fault, &str)],
    rules: Rules,
) {
    let results: Vec<(Fault, ScenarioDiff)> = futures::stream::iter(cases.iter().copied())
        .map(|(fault, id)| {
            let scenario = scenarios
                .iter()
                .find(|s| s.id == id)
                .expect("the scenario is recorded");
            let mut config = config(36);
            config.faults.insert(fault);
            async move { (fault, replay_on(config, rules, scenario).await) }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    for (fault, result) in results {
        assert_eq!(
            result.verdict,
            Verdict::Differs,
            "{fault:?} not caught by {}",
            result.id
        );
    }
}

/// A watch the recorder waited for, from a `<rv-N+>` that stood for two values (two lists with
/// only a deletion between them): the replayer opens it once per value and keeps the stream that
/// matches the recording, and a stream that matches none is still a difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ambiguous_sequential_watch_is_tried_from_each_value() {
    let step = |method: &str, path: &str, query: serde_json::Value, body: serde_json::Value| {
        serde_json::json!({
            "request": {
                "method": method,
                "path": path,
                "query": query,
                "headers": {"Accept": "application/json", "Content-Type": "application/json"},
                "auth": "admin",
                "body": body,
            }
        })
    };
    let collection = "/api/v1/namespaces/<ns>/endpoints";
    let mut watch = step(
        "GET",
        collection,
        serde_json::json!([
            ["watch", "1"],
            ["resourceVersion", "<rv-1+>"],
            ["timeoutSeconds", "1"]
        ]),
        serde_json::Value::Null,
    );
    watch["request"]
        .as_object_mut()
        .expect("an object")
        .remove("body");
    watch["stream"] =
        serde_json::json!({"ended_by": "server", "client_cap_s": 5.0, "sequential": true});
    let mut steps = vec![
        step(
            "POST",
            collection,
            serde_json::json!([]),
            serde_json::json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ep-1"}}),
        ),
        step(
            "GET",
            collection,
            serde_json::json!([]),
            serde_json::Value::Null,
        ),
        step(
            "DELETE",
            &format!("{collection}/ep-1"),
            serde_json::json!([]),
            serde_json::Value::Null,
        ),
        step(
            "GET",
            collection,
            serde_json::json!([]),
            serde_json::Value::Null,
        ),
        watch,
    ];
    for s in &mut steps {
        if s["request"]["body"].is_null() {
            s["request"]
                .as_object_mut()
                .expect("an object")
                .remove("body");
        }
    }
    let scenario: replay::Scenario = serde_json::from_value(serde_json::json!({
        "id": "ambiguous-watch",
        "description": "a watch from a cluster-wide resourceVersion two lists share",
        "steps": steps,
    }))
    .expect("a scenario");
    // First pass: the recording holds no answers, so the first value's stream is kept (the one
    // from before the deletion, with its DELETED event).
    let first = replay_on(config(36), Rules::Sequence, &scenario).await;
    let mut recorded = first.actual.clone();
    assert_eq!(recorded.steps.len(), 5, "{:?}", first.differences);
    for (i, list) in [1, 3].into_iter().enumerate() {
        assert_eq!(
            recorded.steps[list]
                .response
                .as_ref()
                .and_then(|r| r.pointer("/body/metadata/resourceVersion")),
            Some(&serde_json::json!("<rv-1+>")),
            "list {i} names the shared placeholder"
        );
    }
    let events = |s: &replay::Scenario| s.steps[4].events.clone().unwrap_or_default();
    assert_eq!(
        events(&recorded)
            .iter()
            .map(|e| e["type"].clone())
            .collect::<Vec<_>>(),
        [serde_json::json!("DELETED")]
    );
    // The recording says the watch started after the deletion: only the second value matches.
    // (The first pass sent the first value, the create's own resourceVersion, which its
    // recording names `<rv-1>`; a reference that sent the second names it `<rv-1+>`.)
    recorded.steps[4].request.query = scenario.steps[4].request.query.clone();
    recorded.steps[4].events = Some(Vec::new());
    let faithful = replay_on(config(36), Rules::Sequence, &recorded).await;
    assert_eq!(
        faithful.verdict,
        Verdict::Identical,
        "{:?}",
        faithful.differences
    );
    // An event neither stream has is a difference.
    let mut changed = recorded.clone();
    let mut added = events(&first.actual);
    added[0]["type"] = serde_json::json!("ADDED");
    changed.steps[4].events = Some(added);
    let result = replay_on(config(36), Rules::Sequence, &changed).await;
    assert_eq!(result.verdict, Verdict::Differs);
    assert!(
        result.differences.iter().any(|d| d.step == Some(5)),
        "{:?}",
        result.differences
    );
}

/// A sequence (recorded by `kconform diff` from the reference server) whose step 23 reads Exact at
/// a resourceVersion that step 20 answered as a cluster-wide one; step 23's own answer reveals it
/// as an object's, so prefix numbering names it `<rv-6>` there, a placeholder no earlier answer
/// binds. The replayer tries the values it has seen, and still sees a changed answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_of_a_resource_version_its_answer_reveals_is_tried_with_each_seen() {
    let text = include_str!("../data/revealed-rv-sequence.json");
    let recorded: replay::Scenario = serde_json::from_str(text).expect("a scenario");
    assert_eq!(recorded.steps[22].request.query[0].1, "<rv-6>");
    let faithful = replay_on(config(36), Rules::Sequence, &recorded).await;
    assert_eq!(
        faithful.verdict,
        Verdict::Identical,
        "{:?}",
        faithful.differences
    );
    let mut changed = recorded.clone();
    let items = changed.steps[22]
        .response
        .as_mut()
        .and_then(|r| r.pointer_mut("/body/items"))
        .and_then(serde_json::Value::as_array_mut)
        .expect("the list has items");
    items[0]["metadata"]["name"] = serde_json::json!("ep-9");
    let result = replay_on(config(36), Rules::Sequence, &changed).await;
    assert_eq!(result.verdict, Verdict::Differs);
    assert!(
        result.differences.iter().any(|d| d.step == Some(23)),
        "{:?}",
        result.differences
    );
}
