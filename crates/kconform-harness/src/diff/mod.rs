//! Differential testing: the same seeded random sequence of requests sent to a reference server and
//! to a target, every answer compared, and each differing sequence shrunk to a small reproduction.
//!
//! A sequence is chosen by a [`SequenceModel`], which the suite supplies (the harness knows no
//! resource): given the random stream and the reference's answers so far, it names the next
//! request. Only the reference's answers feed the model, so every target receives the same
//! requests whatever it answers.
//!
//! The comparison is transcript replay's, by [`Rules::Sequence`]:
//! 1. the sequence runs against the reference, in a fresh namespace, step by step
//!    (`replay::Session`), and its raw answers are normalized into a transcript (server-chosen
//!    values become `<uid-N>`, `<rv-N>`, `<gen-N>`, `<continue-N>`, `<time>`);
//! 2. that transcript is replayed against the target in its own fresh namespace
//!    ([`replay::replay`]): placeholders in requests are filled in from the target's own answers,
//!    which pairs the two servers' values, and [`replay::compare_scenarios`] compares status,
//!    Content-Type, Warning headers, bodies, watch events and who ended each stream.
//!
//! So a `--record`ed reference run, a reproduction and a recording from a real kube-apiserver are
//! all the same kind of file, and `kconform replay` runs any of them.
//!
//! **Invariant:** every request, watch and shrink is bounded (per-request timeouts, watch caps, a
//! trial budget and a deadline per shrink).

mod html;
mod markdown;
mod rng;
mod shrink;

use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde::Serialize;

pub use html::html;
pub use markdown::markdown;
pub use rng::Rng;

use crate::replay::{
    self, Difference, ReplayError, ReplayOptions, Rules, Scenario, Step, Target, TranscriptError,
    transcript::StreamEnd,
};

/// Namespaces of diff runs: after everything a cluster usually has, and told apart from replay's.
pub const DEFAULT_NAMESPACE_PREFIX: &str = "zz-kcd-";

/// The version of the JSON report's layout (`docs/diff-report-schema.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// Chooses the requests of one sequence. The suite implements it for its resource.
pub trait SequenceModel: Send {
    /// The next step to send: its `request` (`<ns>` stands for the sequence's namespace; any other
    /// value is sent as is, so server-chosen values are the reference's own), a `note` saying in a
    /// few words what it is, and `nondeterministic` marks where the answer may legitimately vary
    /// (`initial_event_order`, `periodic_bookmarks`). Watches must carry `timeoutSeconds`.
    fn next_step(&mut self, rng: &mut Rng) -> Step;

    /// The reference's answer to the step [`SequenceModel::next_step`] gave last, raw (as
    /// received), with `events` for a watch. Not called when the request got no answer.
    fn observe(&mut self, answered: &Step);
}

/// Makes the model of a fresh sequence.
pub type ModelFactory = fn() -> Box<dyn SequenceModel>;

/// The Accept headers of protobuf reads and writes, as client-go components send them (with or
/// without the JSON fallback), and now and then one whose q-values prefer protobuf although JSON
/// comes first.
const PROTOBUF_ACCEPTS: [(&str, u32); 3] = [
    ("application/vnd.kubernetes.protobuf", 55),
    ("application/vnd.kubernetes.protobuf,application/json", 35),
    (
        "application/json;q=0.5,application/vnd.kubernetes.protobuf",
        10,
    ),
];
/// The Accept headers of protobuf watches: the stream type, the plain type (the server picks the
/// stream form), or with the JSON fallback.
const PROTOBUF_WATCH_ACCEPTS: [(&str, u32); 3] = [
    ("application/vnd.kubernetes.protobuf;stream=watch", 40),
    ("application/vnd.kubernetes.protobuf", 30),
    ("application/vnd.kubernetes.protobuf,application/json", 30),
];

/// The share (in percent) of a collection's lists and watches that speak protobuf: client-go's
/// informers list and watch in protobuf, so more of them do than of other requests.
const PROTOBUF_READ_PERCENT: u32 = 25;
/// The share of other requests that speak protobuf; with lists and watches, about one request in
/// eight does.
const PROTOBUF_PERCENT: u32 = 10;

/// [`speak_protobuf`] for a share of the steps, as a model's `next_step` applies it to the JSON step
/// it chose: lists and watches of `collection` (the model's collection path) more often than the rest.
pub fn sometimes_protobuf(step: &mut Step, rng: &mut Rng, collection: &str) {
    let informer =
        step.request.is_watch() || step.request.method == "GET" && step.request.path == collection;
    let percent = if informer {
        PROTOBUF_READ_PERCENT
    } else {
        PROTOBUF_PERCENT
    };
    if rng.chance(percent) {
        speak_protobuf(step, rng);
    }
}

/// Turns a step a model chose in JSON into the protobuf a client-go component sends: an Accept
/// that asks for protobuf and, for a JSON body, `Content-Type: application/vnd.kubernetes.protobuf`
/// (the transcript keeps the body's JSON form; replay encodes it when sending). A body whose JSON
/// form has no protobuf message keeps its JSON Content-Type; a JSON body given as text (deliberately
/// malformed, or with a duplicate field) is sent as those bytes under the protobuf type, which a
/// server must refuse with its protobuf decoder's text. Other bodies (patches, YAML) keep their
/// type: only what is read back is protobuf. A step that asks for something other than JSON
/// (`Accept: text/plain`, for a 406) is left alone; returns whether the step changed.
pub fn speak_protobuf(step: &mut Step, rng: &mut Rng) -> bool {
    let table = if step.request.is_watch() {
        &PROTOBUF_WATCH_ACCEPTS
    } else {
        &PROTOBUF_ACCEPTS
    };
    let headers = &mut step.request.headers;
    if headers.get("Accept").and_then(serde_json::Value::as_str) != Some("application/json") {
        return false;
    }
    let accept = rng
        .weighted(table)
        .unwrap_or(kconform_spec::protobuf::MEDIA_TYPE);
    headers.insert("Accept".to_owned(), serde_json::Value::from(accept));
    let mut what = format!(" in protobuf (Accept {accept}");
    let json_body = headers
        .get("Content-Type")
        .and_then(serde_json::Value::as_str)
        == Some("application/json");
    let encodable = match &step.request.body {
        Some(serde_json::Value::String(_)) => true,
        Some(body) => kconform_spec::protobuf::encode(body).is_ok(),
        None => false,
    };
    if json_body && encodable {
        headers.insert(
            "Content-Type".to_owned(),
            serde_json::Value::from(kconform_spec::protobuf::MEDIA_TYPE),
        );
        what.push_str(", protobuf body");
    }
    what.push(')');
    if let Some(note) = &mut step.note {
        note.push_str(&what);
    }
    true
}

/// How to shrink a differing sequence.
#[derive(Clone, Debug)]
pub struct ShrinkOptions {
    /// Shrink at all.
    pub enabled: bool,
    /// At most this many trials (each one a run on the reference and one on the target).
    pub max_trials: usize,
    /// And at most this long per sequence.
    pub time_limit: Duration,
}

impl Default for ShrinkOptions {
    fn default() -> Self {
        ShrinkOptions {
            enabled: true,
            max_trials: 150,
            time_limit: Duration::from_secs(120),
        }
    }
}

/// What to run and where.
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// The reference (its answers choose the requests and are the expectation).
    pub reference: ReplayOptions,
    /// The server under test.
    pub target: ReplayOptions,
    /// Makes the model of each sequence.
    pub model: ModelFactory,
    /// Seed of the first sequence; sequence `i` uses `seed + i`.
    pub seed: u64,
    /// How many sequences.
    pub sequences: usize,
    /// Requests per sequence.
    pub steps: usize,
    /// Sequences run at the same time.
    pub concurrency: usize,
    /// Shrinking.
    pub shrink: ShrinkOptions,
}

/// Failures that stop a diff before any sequence ran.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The reference's options are unusable.
    #[error("the reference")]
    Reference(#[source] ReplayError),
    /// The target's options are unusable.
    #[error("the target")]
    Target(#[source] ReplayError),
    /// Nothing to run.
    #[error("nothing to run: {what} is 0")]
    Empty {
        /// `sequences` or `steps`.
        what: &'static str,
    },
    /// Writing transcripts failed.
    #[error("cannot write transcripts")]
    Write(#[source] TranscriptError),
}

/// How one sequence compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceVerdict {
    /// Every answer of the target matched the reference's.
    Identical,
    /// At least one difference.
    Differs,
    /// The reference itself could not run the sequence (see `error`); nothing was compared.
    Error,
}

/// A differing sequence shrunk to a smaller one that still differs.
#[derive(Clone, Debug, Serialize)]
pub struct Shrunk {
    /// Steps of the reproduction.
    pub steps: usize,
    /// Trials run.
    pub trials: usize,
    /// Wall time of the shrinking.
    pub duration_ms: u64,
    /// The reproduction's differences.
    pub differences: Vec<Difference>,
    /// The reproduction with the reference's answers (the transcript `kconform replay` runs).
    pub reference: Scenario,
    /// The same steps with the target's answers.
    pub target: Scenario,
}

/// The result of one sequence.
#[derive(Clone, Debug, Serialize)]
pub struct SequenceResult {
    /// `diff/seed-<seed>`, the transcript id.
    pub id: String,
    /// The seed of its random stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Identical, differs, or error.
    pub verdict: SequenceVerdict,
    /// Steps sent.
    pub steps: usize,
    /// The first step (1-based) that differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<usize>,
    /// Every difference, in step order (later ones are often consequences of the first).
    pub differences: Vec<Difference>,
    /// Why the reference could not run the sequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Housekeeping that did not go as planned on either side (never a difference by itself).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The shrunk reproduction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<Shrunk>,
    /// Wall time, shrinking included.
    pub duration_ms: u64,
    /// The sequence with the reference's answers.
    #[serde(skip)]
    pub reference: Scenario,
    /// The sequence with the target's answers.
    #[serde(skip)]
    pub target: Scenario,
}

/// The result of a diff run (the JSON report).
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What the reference was (a URL, or the recording's directory).
    pub reference: String,
    /// The reference's `/version` gitVersion, when it answers one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_version: Option<String>,
    /// The target URL.
    pub target: String,
    /// The first seed (None for a recorded reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Sequences run.
    pub sequences: usize,
    /// Steps per sequence asked for (None for a recorded reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Sequences with no difference.
    pub identical: usize,
    /// Sequences with a difference.
    pub differing: usize,
    /// Sequences the reference could not run.
    pub errors: usize,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Per sequence, in seed order.
    pub results: Vec<SequenceResult>,
}

impl DiffReport {
    /// Whether no sequence differs.
    pub fn no_differences(&self) -> bool {
        self.differing == 0
    }

    /// Writes every differing sequence's reproduction (the shrunk one, else the whole sequence)
    /// with the reference's answers into `dir`, with an `index.json`: a transcript directory that
    /// `kconform replay --transcripts DIR` runs. Returns how many were written.
    ///
    /// # Errors
    /// [`DiffError::Write`] when a file cannot be written.
    pub fn write_reproductions(&self, dir: &Path) -> Result<usize, DiffError> {
        let scenarios: Vec<&Scenario> = self
            .results
            .iter()
            .filter(|r| r.verdict == SequenceVerdict::Differs)
            .map(|r| r.shrunk.as_ref().map_or(&r.reference, |s| &s.reference))
            .collect();
        write_transcripts(
            dir,
            &self.reference,
            self.reference_version.as_deref(),
            &scenarios,
        )?;
        Ok(scenarios.len())
    }

    /// Writes every sequence the reference ran with its answers into `dir` (`--record`), so that a
    /// later diff or replay compares against them offline.
    ///
    /// # Errors
    /// [`DiffError::Write`] when a file cannot be written.
    pub fn write_recordings(&self, dir: &Path) -> Result<(), DiffError> {
        let scenarios: Vec<&Scenario> = self
            .results
            .iter()
            .filter(|r| r.verdict != SequenceVerdict::Error)
            .map(|r| &r.reference)
            .collect();
        write_transcripts(
            dir,
            &self.reference,
            self.reference_version.as_deref(),
            &scenarios,
        )
    }
}

fn write_transcripts(
    dir: &Path,
    server: &str,
    version: Option<&str>,
    scenarios: &[&Scenario],
) -> Result<(), DiffError> {
    for scenario in scenarios {
        replay::write_scenario(dir, scenario).map_err(DiffError::Write)?;
    }
    replay::write_index(dir, server, version, Rules::Sequence, scenarios).map_err(DiffError::Write)
}

fn sequence_options(opts: &ReplayOptions) -> ReplayOptions {
    let mut opts = opts.clone();
    opts.compare.rules = Rules::Sequence;
    opts
}

/// How much longer than `timeoutSeconds` the reference's watch may take before it is cut.
const WATCH_SLACK_S: f64 = 4.0;
/// The bound of a watch that names no `timeoutSeconds` (a model should not send one).
const WATCH_DEFAULT_CAP_S: f64 = 10.0;

/// The plan of a watch step: wait for the server to end the stream, within a cap.
fn watch_plan(step: &Step) -> StreamEnd {
    let cap = step
        .request
        .query_value("timeoutSeconds")
        .and_then(|t| t.parse::<f64>().ok())
        .map_or(WATCH_DEFAULT_CAP_S, |t| {
            (t + WATCH_SLACK_S).clamp(1.0, 60.0)
        });
    StreamEnd {
        ended_by: "server".to_owned(),
        after_ms: 0,
        client_cap_s: cap,
        client_stopped_because: None,
        sequential: true,
    }
}

/// Records each watch's cap as planned, not as the replay waited (with slack for loaded
/// machines): otherwise every replay of a recording would add that slack once more.
fn planned_caps(scenario: &mut Scenario) {
    for step in &mut scenario.steps {
        let planned = watch_plan(step).client_cap_s;
        if let Some(stream) = step.stream.as_mut() {
            stream.client_cap_s = planned;
        }
    }
}

fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Runs `opts.sequences` seeded sequences against the reference and the target and shrinks every
/// differing one; `progress` is called as each sequence finishes (in seed order).
///
/// # Errors
/// [`DiffError`] when an option is unusable; differences and sequences the reference could not run
/// are results, not errors.
pub async fn run(
    opts: &DiffOptions,
    mut progress: impl FnMut(&SequenceResult),
) -> Result<DiffReport, DiffError> {
    if opts.sequences == 0 {
        return Err(DiffError::Empty { what: "sequences" });
    }
    if opts.steps == 0 {
        return Err(DiffError::Empty { what: "steps" });
    }
    let started = Instant::now();
    let reference =
        Target::new(&sequence_options(&opts.reference)).map_err(DiffError::Reference)?;
    let target = Target::new(&sequence_options(&opts.target)).map_err(DiffError::Target)?;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..5].to_owned();
    let (reference_ref, target_ref, run_ref) = (&reference, &target, &run_id);
    let mut results = Vec::with_capacity(opts.sequences);
    let mut stream = futures::stream::iter((0..opts.sequences).map(|i| {
        let seed = opts.seed.wrapping_add(i as u64);
        let namespace = format!("{}{run_ref}-{:04}", reference_ref.namespace_prefix(), i + 1);
        async move {
            sequence(
                reference_ref,
                target_ref,
                opts,
                seed,
                &namespace,
                &opts.shrink,
            )
            .await
        }
    }))
    .buffered(opts.concurrency.max(1));
    while let Some(result) = stream.next().await {
        progress(&result);
        results.push(result);
    }
    drop(stream);
    let reference_version = reference.version().await;
    Ok(report(
        opts.reference.target.clone(),
        reference_version,
        opts.target.target.clone(),
        Some(opts.seed),
        Some(opts.steps),
        results,
        started,
    ))
}

/// Compares the target with recorded reference answers (`--reference-recording`): each recorded
/// sequence is replayed against the target. Without a live reference nothing can be shrunk.
///
/// # Errors
/// [`DiffError::Target`] when the target's options are unusable.
pub async fn run_recorded(
    target_opts: &ReplayOptions,
    recording: &str,
    recorded_version: Option<String>,
    scenarios: &[Scenario],
    concurrency: usize,
    mut progress: impl FnMut(&SequenceResult),
) -> Result<DiffReport, DiffError> {
    if scenarios.is_empty() {
        return Err(DiffError::Empty { what: "sequences" });
    }
    let started = Instant::now();
    let mut opts = target_opts.clone();
    opts.compare.rules = replay::Rules::Sequence;
    let target = Target::new(&opts).map_err(DiffError::Target)?;
    let target_ref = &target;
    let mut results = Vec::with_capacity(scenarios.len());
    let mut stream = futures::stream::iter(scenarios.iter().map(|scenario| async move {
        let begun = Instant::now();
        let on_target = replay::replay(target_ref, scenario).await;
        compared(
            scenario.clone(),
            None,
            on_target.differences,
            on_target.notes,
            on_target.actual,
            begun,
        )
    }))
    .buffered(concurrency.max(1));
    while let Some(result) = stream.next().await {
        progress(&result);
        results.push(result);
    }
    drop(stream);
    Ok(report(
        recording.to_owned(),
        recorded_version,
        target_opts.target.clone(),
        None,
        None,
        results,
        started,
    ))
}

fn report(
    reference: String,
    reference_version: Option<String>,
    target: String,
    seed: Option<u64>,
    steps: Option<usize>,
    results: Vec<SequenceResult>,
    started: Instant,
) -> DiffReport {
    let count = |v: SequenceVerdict| results.iter().filter(|r| r.verdict == v).count();
    DiffReport {
        schema_version: SCHEMA_VERSION,
        reference,
        reference_version,
        target,
        seed,
        sequences: results.len(),
        steps,
        identical: count(SequenceVerdict::Identical),
        differing: count(SequenceVerdict::Differs),
        errors: count(SequenceVerdict::Error),
        duration_ms: millis(started),
        results,
    }
}

/// The first step (1-based) a difference names.
fn first_step(differences: &[Difference]) -> Option<usize> {
    differences.iter().filter_map(|d| d.step).min()
}

fn compared(
    reference: Scenario,
    seed: Option<u64>,
    differences: Vec<Difference>,
    notes: Vec<String>,
    target: Scenario,
    started: Instant,
) -> SequenceResult {
    let verdict = if differences.is_empty() {
        SequenceVerdict::Identical
    } else {
        SequenceVerdict::Differs
    };
    SequenceResult {
        id: reference.id.clone(),
        seed,
        verdict,
        steps: reference.steps.len(),
        first_difference: first_step(&differences),
        differences,
        error: None,
        notes,
        shrunk: None,
        duration_ms: millis(started),
        reference,
        target,
    }
}

/// Runs one sequence on the reference, choosing each request from its answers.
async fn record_on_reference(
    reference: &Target,
    opts: &DiffOptions,
    seed: u64,
    namespace: &str,
) -> (Scenario, Vec<String>) {
    let id = format!("diff/seed-{seed}");
    let description = format!(
        "kconform diff random sequence, seed {seed}, {} steps (requests chosen from the reference's answers)",
        opts.steps
    );
    let mut scenario = Scenario {
        id,
        description,
        steps: Vec::new(),
        error: None,
        skipped: None,
    };
    let mut session = match replay::Session::open(reference, namespace).await {
        Ok(session) => session,
        Err(e) => {
            scenario.error = Some(e);
            return (scenario, Vec::new());
        }
    };
    let mut rng = Rng::new(seed);
    let mut model = (opts.model)();
    let mut error = None;
    for n in 1..=opts.steps {
        let mut step = model.next_step(&mut rng);
        let what = step.note.take().unwrap_or_default();
        step.note = Some(format!("step {n}: {what}"));
        if step.request.is_watch() {
            step.stream = Some(watch_plan(&step));
        }
        match session.send(&step).await {
            Ok(answered) => model.observe(answered),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let (namespace, raw, notes) = session.close().await;
    scenario.steps = replay::normalize_steps(reference, &namespace, &raw);
    planned_caps(&mut scenario);
    scenario.error = error;
    (scenario, notes)
}

async fn sequence(
    reference: &Target,
    target: &Target,
    opts: &DiffOptions,
    seed: u64,
    namespace: &str,
    shrink_opts: &ShrinkOptions,
) -> SequenceResult {
    let started = Instant::now();
    let (recording, mut notes) = record_on_reference(reference, opts, seed, namespace).await;
    if let Some(error) = &recording.error {
        return SequenceResult {
            id: recording.id.clone(),
            seed: Some(seed),
            verdict: SequenceVerdict::Error,
            steps: recording.steps.len(),
            first_difference: None,
            differences: Vec::new(),
            error: Some(format!("the reference could not run the sequence: {error}")),
            notes,
            shrunk: None,
            duration_ms: millis(started),
            target: Scenario {
                steps: Vec::new(),
                ..recording.clone()
            },
            reference: recording,
        };
    }
    let on_target = replay::replay(target, &recording).await;
    notes.extend(on_target.notes);
    let mut result = compared(
        recording,
        Some(seed),
        on_target.differences,
        notes,
        on_target.actual,
        started,
    );
    if result.verdict == SequenceVerdict::Differs && shrink_opts.enabled {
        result.shrunk = shrink::shrink(reference, target, &result, shrink_opts).await;
        if result.shrunk.is_none() {
            result.notes.push(
                "run again, the sequence answered alike on both servers: the difference depends on timing; not shrunk"
                    .to_owned(),
            );
        }
    }
    result.duration_ms = millis(started);
    result
}
