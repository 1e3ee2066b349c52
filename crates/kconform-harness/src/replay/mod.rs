//! Transcript replay: runs the scenarios recorded from a real kube-apiserver (by
//! `k8s-transcript record`) against any target, normalizes the answers by the same rules and compares
//! them step by step with the recording.
//!
//! Each scenario runs in a fresh namespace (plus `<ns>-b` when the recording used a second one),
//! created before and cleaned up after, neither of which is recorded. Requests are the recorded ones
//! with their placeholders filled in again: `<ns>`; and `<uid-N>`, `<rv-N>`, `<rv-N+>`,
//! `<continue-N>`, `<gen-N>` and `<time>` from what the target answered earlier in the same scenario
//! (found by aligning the recorded answers with the actual ones). Crafted continue tokens are
//! re-encoded from their decoded copy in the recording.
//!
//! A watch step is opened at its position and kept open while the following steps run, up to the next
//! watch step or the end of the scenario; then it is waited for as the recording shows (the number of
//! events received, or the server ending the stream), never longer than the recorded client cap.
//!
//! **Invariant:** every request and every watch is bounded by a timeout.

pub mod compare;
mod http;
pub(crate) mod normalize;
pub mod pb_record;
pub mod transcript;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

pub use compare::{Change, CompareOptions, Difference, Ignore, UnknownIgnore, compare_scenarios};
pub use http::HttpError;
pub use transcript::{
    Rules, Scenario, Step, TranscriptError, load_dir, recorded_rules, recorded_version,
    write_index, write_scenario,
};

use crate::resource::Resource;
use crate::runner::error_chain;
use http::{Outgoing, WatchStream, WatchUntil};
use kconform_spec::notation::{self, LongString, Placeholder};
use normalize::{Normalizer, WholePrefix, encode_continue, object_rv_number};

/// Namespaces sort after everything a cluster usually has, like the recording tool's.
pub const DEFAULT_NAMESPACE_PREFIX: &str = "zz-kcr-";

/// How to reach the target and what to replay.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Base URL of the target, e.g. `https://127.0.0.1:6443`.
    pub target: String,
    /// The resource the scenarios exercise (housekeeping lists, cleans up and watches it).
    pub resource: Resource,
    /// Bearer token with full rights (`admin` steps and housekeeping). None sends no credentials.
    pub admin_token: Option<String>,
    /// Bearer token of a user without rights on the resource (`user` steps). Scenarios that need it are
    /// skipped without it.
    pub user_token: Option<String>,
    /// Do not verify the target's certificate.
    pub insecure: bool,
    /// PEM CA bundle to verify the target's certificate with (instead of the system roots).
    pub ca_pem: Option<Vec<u8>>,
    /// Replay only scenarios whose id matches this regex.
    pub only: Option<String>,
    /// What the comparison leaves out.
    pub compare: CompareOptions,
    /// Prefix of the per-scenario namespaces (lowercase alphanumerics and `-`, at most 40).
    pub namespace_prefix: String,
    /// Allow a target that is not on the loopback interface (replay creates and deletes namespaces).
    pub allow_remote: bool,
    /// Scenarios replayed at the same time (1 = one after the other, as recorded).
    pub concurrency: usize,
    /// Also write the normalized actual transcripts here (readable by `k8s-transcript diff`).
    pub record_dir: Option<PathBuf>,
}

impl ReplayOptions {
    /// Options for scenarios of `resource` on `target` with an admin token, everything else at its
    /// default.
    pub fn new(target: impl Into<String>, resource: Resource, admin_token: Option<String>) -> Self {
        ReplayOptions {
            target: target.into(),
            resource,
            admin_token,
            user_token: None,
            insecure: false,
            ca_pem: None,
            only: None,
            compare: CompareOptions::default(),
            namespace_prefix: DEFAULT_NAMESPACE_PREFIX.to_owned(),
            allow_remote: false,
            concurrency: 1,
            record_dir: None,
        }
    }
}

/// Failures that stop a replay before any scenario ran.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The target is not an http(s) URL with a host.
    #[error("target must be an http(s) URL, got {url:?}")]
    InvalidTarget {
        /// What was given.
        url: String,
    },
    /// The target is not on the loopback interface and `allow_remote` is off.
    #[error(
        "refusing non-loopback target {host:?} (replay creates and deletes namespaces; allow remote targets explicitly)"
    )]
    RemoteTarget {
        /// The host.
        host: String,
    },
    /// The `only` filter is not a valid regex.
    #[error("invalid scenario filter {pattern:?}")]
    Filter {
        /// The pattern.
        pattern: String,
        /// The regex error.
        #[source]
        source: regex::Error,
    },
    /// The namespace prefix is not usable in namespace names.
    #[error(
        "namespace prefix {prefix:?} must be lowercase alphanumerics and '-', at most 40 characters"
    )]
    NamespacePrefix {
        /// The prefix.
        prefix: String,
    },
    /// The CA bundle holds no usable certificate.
    #[error("the CA bundle holds no PEM certificate")]
    Ca {
        /// What reqwest reported, when it could not parse the bundle at all.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The filter matched no scenario.
    #[error("no scenario matches {pattern:?}")]
    NothingSelected {
        /// The pattern.
        pattern: String,
    },
    /// Writing the actual transcripts failed.
    #[error("cannot write the actual transcripts")]
    Record(#[source] TranscriptError),
}

/// How one scenario compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every step answered as recorded.
    Identical,
    /// At least one difference.
    Differs,
    /// Not run (see `skipped`).
    Skipped,
}

/// The result of replaying one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioDiff {
    /// Scenario id.
    pub id: String,
    /// What the scenario shows.
    pub description: String,
    /// Identical, differs or skipped.
    pub verdict: Verdict,
    /// Every difference, in step order.
    pub differences: Vec<Difference>,
    /// Why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Unrecorded housekeeping that did not go as planned (namespace cleanup, unresolved
    /// placeholders). Never a difference by itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Wall time of the scenario, housekeeping included.
    pub duration_ms: u64,
    /// The normalized actual transcript.
    #[serde(skip)]
    pub actual: Scenario,
}

/// The result of a replay run.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayReport {
    /// The target URL.
    pub target: String,
    /// Scenarios that answered as recorded.
    pub identical: usize,
    /// Scenarios with differences.
    pub differ: usize,
    /// Scenarios not run.
    pub skipped: usize,
    /// Per scenario, in replay order.
    pub scenarios: Vec<ScenarioDiff>,
}

impl ReplayReport {
    /// Whether every replayed scenario answered as recorded.
    pub fn all_identical(&self) -> bool {
        self.differ == 0
    }
}

/// A connection to the target, shared by every scenario of a run.
#[derive(Debug, Clone)]
pub struct Target {
    client: reqwest::Client,
    resource: Resource,
    base: String,
    netloc: String,
    admin_token: Option<String>,
    user_token: Option<String>,
    namespace_prefix: String,
    compare: CompareOptions,
}

/// The HTTP client for a target's TLS settings, built once per process and shared: building one
/// loads and parses the platform's root certificates, which cost more CPU than a whole recorded
/// scenario when every check of a suite replays one. Connections are never pooled, so sharing the
/// client shares no state between replays.
fn shared_client(opts: &ReplayOptions) -> Result<reqwest::Client, ReplayError> {
    type Key = (bool, Option<Vec<u8>>);
    static CLIENTS: std::sync::LazyLock<std::sync::Mutex<Vec<(Key, reqwest::Client)>>> =
        std::sync::LazyLock::new(|| std::sync::Mutex::new(Vec::new()));
    let key: Key = (opts.insecure, opts.ca_pem.clone());
    // A poisoned lock only means another thread panicked mid-insert; the list is still usable.
    let mut clients = CLIENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
        return Ok(client.clone());
    }
    // Another component may have installed the process-wide provider already; either way ring is
    // what we use.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(0)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none());
    if opts.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(pem) = &opts.ca_pem {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|source| ReplayError::Ca {
                source: Some(source),
            })?;
        if certs.is_empty() {
            return Err(ReplayError::Ca { source: None });
        }
        builder = builder.tls_certs_only(certs);
    }
    let client = builder
        .build()
        .map_err(|source| ReplayError::Client { source })?;
    clients.push((key, client.clone()));
    Ok(client)
}

impl Target {
    /// Checks the options and builds the HTTP client (rustls with the ring provider, HTTP/1.1,
    /// one connection per request like the recording tool).
    ///
    /// # Errors
    /// [`ReplayError`] for a bad URL, a remote target without `allow_remote`, a bad prefix or CA.
    pub fn new(opts: &ReplayOptions) -> Result<Self, ReplayError> {
        let invalid = || ReplayError::InvalidTarget {
            url: opts.target.clone(),
        };
        let parsed = reqwest::Url::parse(&opts.target).map_err(|_| invalid())?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid());
        }
        let host = parsed.host_str().ok_or_else(invalid)?.to_owned();
        let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
        if !loopback && !opts.allow_remote {
            return Err(ReplayError::RemoteTarget { host });
        }
        let prefix_ok = opts.namespace_prefix.len() <= 40
            && opts
                .namespace_prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !opts.namespace_prefix.starts_with('-');
        if !prefix_ok {
            return Err(ReplayError::NamespacePrefix {
                prefix: opts.namespace_prefix.clone(),
            });
        }
        let client = shared_client(opts)?;
        let netloc = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        Ok(Target {
            client,
            resource: opts.resource,
            base: opts.target.trim_end_matches('/').to_owned(),
            netloc,
            admin_token: opts.admin_token.clone(),
            user_token: opts.user_token.clone(),
            namespace_prefix: opts.namespace_prefix.clone(),
            compare: opts.compare.clone(),
        })
    }

    /// The target's `/version` gitVersion, if it answers one.
    async fn git_version(&self) -> Option<String> {
        let request = Outgoing {
            method: "GET".to_owned(),
            path: "/version".to_owned(),
            query: Vec::new(),
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            token: self.admin_token.clone(),
            body: None,
            user_agent: self.compare.rules.user_agent(),
        };
        let answer = http::send(&self.client, &self.base, &request).await.ok()?;
        let version: Value = serde_json::from_slice(&answer.body).ok()?;
        version
            .get("gitVersion")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn token(&self, auth: &str) -> Option<String> {
        match auth {
            "admin" => self.admin_token.clone(),
            "user" => self.user_token.clone(),
            "bad-token" => Some(http::BAD_TOKEN.to_owned()),
            _ => None,
        }
    }
}

/// The scenarios whose id matches `only` (all when None).
///
/// # Errors
/// [`ReplayError::Filter`] for an invalid regex.
pub fn select<'a>(
    scenarios: &'a [Scenario],
    only: Option<&str>,
) -> Result<Vec<&'a Scenario>, ReplayError> {
    let Some(pattern) = only else {
        return Ok(scenarios.iter().collect());
    };
    let re = Regex::new(pattern).map_err(|source| ReplayError::Filter {
        pattern: pattern.to_owned(),
        source,
    })?;
    Ok(scenarios.iter().filter(|s| re.is_match(&s.id)).collect())
}

/// Replays the selected scenarios and compares every answer with the recording.
///
/// # Errors
/// [`ReplayError`] when the options are unusable or nothing is selected; differences are results,
/// not errors.
pub async fn run(
    opts: &ReplayOptions,
    scenarios: &[Scenario],
) -> Result<ReplayReport, ReplayError> {
    run_with_progress(opts, scenarios, |_| {}).await
}

/// Like [`run`], calling `progress` as each scenario finishes (in replay order).
///
/// # Errors
/// As [`run`].
pub async fn run_with_progress(
    opts: &ReplayOptions,
    scenarios: &[Scenario],
    mut progress: impl FnMut(&ScenarioDiff),
) -> Result<ReplayReport, ReplayError> {
    let target = Target::new(opts)?;
    let selected = select(scenarios, opts.only.as_deref())?;
    if selected.is_empty() {
        return Err(ReplayError::NothingSelected {
            pattern: opts.only.clone().unwrap_or_default(),
        });
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..5].to_owned();
    let target_ref = &target;
    let run_ref = &run_id;
    let mut results = Vec::with_capacity(selected.len());
    let mut stream =
        futures::stream::iter(selected.into_iter().enumerate().map(|(i, scenario)| {
            let namespace = format!("{}{run_ref}-{:03}", target_ref.namespace_prefix, i + 1);
            async move { replay_in(target_ref, scenario, &namespace).await }
        }))
        .buffered(opts.concurrency.max(1));
    while let Some(result) = stream.next().await {
        progress(&result);
        results.push(result);
    }
    if let Some(dir) = &opts.record_dir {
        for result in &results {
            write_scenario(dir, &result.actual).map_err(ReplayError::Record)?;
        }
        let version = target.git_version().await;
        let actual: Vec<&Scenario> = results.iter().map(|r| &r.actual).collect();
        transcript::write_index(
            dir,
            &opts.target,
            version.as_deref(),
            opts.compare.rules,
            &actual,
        )
        .map_err(ReplayError::Record)?;
    }
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    Ok(ReplayReport {
        target: opts.target.clone(),
        identical: count(Verdict::Identical),
        differ: count(Verdict::Differs),
        skipped: count(Verdict::Skipped),
        scenarios: results,
    })
}

/// Replays one scenario in a fresh namespace named from the target's prefix and a random suffix.
pub async fn replay(target: &Target, scenario: &Scenario) -> ScenarioDiff {
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let namespace = format!("{}{suffix}", target.namespace_prefix);
    replay_in(target, scenario, &namespace).await
}

// Fixed patterns: compiling them cannot fail.

/// At most this many values are tried for a read's unbound `<rv-N>`.
const MAX_RV_TRIALS: usize = 40;

/// What a run learnt from answers (bindings, objects by uid, object resourceVersions, positional
/// bindings), saved around a trial request.
type Learnt = (
    HashMap<String, String>,
    HashMap<String, Value>,
    Vec<u64>,
    HashMap<String, String>,
);

/// How [`Run::send_trying_each`] sends a step: one request and its answer, or a watch read to
/// its end.
#[derive(Clone, Copy)]
enum Sending {
    Plain,
    SequentialWatch,
}

/// A watch step in progress.
struct OpenWatch {
    /// Index of its step in `Run::steps`.
    position: usize,
    stream: WatchStream,
    until: WatchUntil,
    cap: Duration,
    /// For a watch with bookmarks from resourceVersion N whose recording has no bookmark marks: N
    /// and the number of plain BOOKMARKs recorded, to tell bookmarks caused by other writers.
    bookmark_check: Option<(String, usize)>,
    /// Recorded as ended before the next request was sent.
    sequential: bool,
}

/// The reason the recording tool gives when other clients' writes explain extra bookmarks.
fn other_writers_reason(resource: &Resource) -> String {
    format!(
        "other clients wrote {} elsewhere in the cluster during this watch, which makes the watch cache send BOOKMARKs it would not send otherwise",
        resource.kind
    )
}

/// How many BOOKMARK events of a step are not the initial-events-end one.
fn plain_bookmarks(events: Option<&Vec<Value>>) -> usize {
    events
        .into_iter()
        .flatten()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("BOOKMARK"))
        .filter(|e| {
            e.pointer("/object/metadata/annotations/k8s.io~1initial-events-end")
                .is_none()
        })
        .count()
}

/// The state of one scenario being replayed.
struct Run<'a> {
    target: &'a Target,
    namespace: String,
    /// Placeholder → the actual value it stands for in this run (transcript rules: learnt by
    /// aligning the recorded answers with the actual ones, the first binding wins).
    bindings: HashMap<String, String>,
    /// Sequence rules: placeholder → actual value for the step being sent, from the target's own
    /// answers so far normalized as the recorder normalized the step's prefix.
    step_bindings: HashMap<String, String>,
    /// Sequence rules: every actual value a `<rv-N+>` placeholder has stood for, oldest first. The
    /// recorder numbers cluster-wide resourceVersions only by the object resourceVersion before
    /// them, so two lists with writes but no object resourceVersion between them (a deletion) share
    /// a placeholder, and a request naming it may have carried either.
    rv_candidates: HashMap<String, Vec<String>>,
    /// Sequence rules: what each placeholder stood for at the same place of the newest answer whose
    /// recording names it. Where this differs from the target's own numbering (writes elsewhere
    /// moved a cluster-wide value between two answers on one side only, so one side numbers two
    /// values where the other numbers one), a read naming it is tried with both.
    positional: HashMap<String, String>,
    /// Object resourceVersions seen in actual answers (fallback for unbound `<rv-N>`).
    object_rvs: Vec<u64>,
    /// The newest actual object per uid (where `<time>` values in request bodies come from).
    objects: HashMap<String, Value>,
    /// The raw actual steps.
    steps: Vec<Step>,
    /// The open watch, if any.
    open: Option<OpenWatch>,
    notes: Vec<String>,
    created_namespaces: Vec<String>,
    /// Sequence rules: the steps so far normalized together, with each one's bindings
    /// ([`Run::own_bindings`]), kept from request to request.
    whole_prefix: WholePrefix<HashMap<String, String>>,
}

async fn replay_in(target: &Target, scenario: &Scenario, namespace: &str) -> ScenarioDiff {
    let started = Instant::now();
    let mut run = Run::new(target, namespace);
    let needs_user = scenario.steps.iter().any(|s| s.request.auth == "user");
    let mut error = None;
    let mut skipped = None;
    if needs_user && target.user_token.is_none() {
        skipped = Some("no --user-token given".to_owned());
    } else {
        error = run.play(scenario).await.err();
    }
    run.cleanup().await;
    // Sequence rules normalize every prefix: CPU work that must not stall the runtime the target
    // may share (an in-process reference server).
    let (namespace, netloc, rules, steps) = (
        run.namespace.clone(),
        target.netloc.clone(),
        target.compare.rules,
        std::mem::take(&mut run.steps),
    );
    let (steps_normalized, mut normalizer) = tokio::task::spawn_blocking(move || {
        Normalizer::normalize(&namespace, &netloc, rules, &steps)
    })
    .await
    .expect("normalizing a replay does not panic");
    let actual = Scenario {
        id: scenario.id.clone(),
        description: scenario.description.clone(),
        steps: steps_normalized,
        error: error.map(|e| normalizer.text(&e)),
        skipped: skipped.clone(),
    };
    let (verdict, differences) = if skipped.is_some() {
        (Verdict::Skipped, Vec::new())
    } else {
        let differences = compare_scenarios(scenario, &actual, &target.compare);
        let verdict = if differences.is_empty() {
            Verdict::Identical
        } else {
            Verdict::Differs
        };
        (verdict, differences)
    };
    ScenarioDiff {
        id: scenario.id.clone(),
        description: scenario.description.clone(),
        verdict,
        differences,
        skipped,
        notes: run.notes,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        actual,
    }
}

/// Steps sent to one server one at a time, in a fresh namespace, each request chosen after the
/// previous answer: how `diff` drives its reference. Requests may hold `<ns>` and the server's own
/// values; the answers are kept raw, as sent and received, for [`normalize_steps`].
pub(crate) struct Session<'a> {
    run: Run<'a>,
}

impl<'a> Session<'a> {
    /// Creates the namespace.
    ///
    /// # Errors
    /// The namespace cannot be created (the text says why).
    pub(crate) async fn open(target: &'a Target, namespace: &str) -> Result<Session<'a>, String> {
        let mut run = Run::new(target, namespace);
        run.create_namespace(namespace).await?;
        Ok(Session { run })
    }

    /// Sends one step (a watch is waited for as its `stream` plan says) and gives back the raw
    /// step as sent and answered.
    ///
    /// # Errors
    /// The request got no answer (the text says why); the step is still kept, without a response.
    pub(crate) async fn send(&mut self, step: &Step) -> Result<&Step, String> {
        if step.request.is_watch() {
            self.run.start_watch(step).await?;
            self.run.finish_watch().await;
        } else {
            self.run.plain(step).await?;
        }
        self.run
            .steps
            .last()
            .ok_or_else(|| "the step was not recorded".to_owned())
    }

    /// Removes what the steps left (finalizers first) and the namespace; gives back the raw steps
    /// and the notes on housekeeping that did not go as planned.
    pub(crate) async fn close(mut self) -> (String, Vec<Step>, Vec<String>) {
        self.run.cleanup().await;
        (self.run.namespace, self.run.steps, self.run.notes)
    }
}

/// Normalizes the raw steps of a [`Session`] in `namespace` on `target` by the target's rules.
pub(crate) fn normalize_steps(target: &Target, namespace: &str, steps: &[Step]) -> Vec<Step> {
    Normalizer::normalize(namespace, &target.netloc, target.compare.rules, steps).0
}

impl Target {
    /// The base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The rules answers are normalized and compared by.
    pub fn rules(&self) -> Rules {
        self.compare.rules
    }

    /// The namespace prefix of every scenario run against this target.
    pub(crate) fn namespace_prefix(&self) -> &str {
        &self.namespace_prefix
    }

    /// The target's `/version` gitVersion, if it answers one.
    pub async fn version(&self) -> Option<String> {
        self.git_version().await
    }
}

impl<'a> Run<'a> {
    fn new(target: &'a Target, namespace: &str) -> Run<'a> {
        Run {
            target,
            namespace: namespace.to_owned(),
            bindings: HashMap::new(),
            step_bindings: HashMap::new(),
            rv_candidates: HashMap::new(),
            positional: HashMap::new(),
            object_rvs: Vec::new(),
            objects: HashMap::new(),
            steps: Vec::new(),
            open: None,
            notes: Vec::new(),
            created_namespaces: Vec::new(),
            whole_prefix: WholePrefix::new(namespace, &target.netloc, target.compare.rules),
        }
    }
}

impl Run<'_> {
    async fn play(&mut self, scenario: &Scenario) -> Result<(), String> {
        self.create_namespace(&self.namespace.clone()).await?;
        let second = format!("{}-b", self.namespace);
        let uses_second = scenario
            .steps
            .iter()
            .any(|s| s.request.path.split('/').any(|segment| segment == "<ns>-b"));
        if uses_second {
            self.create_namespace(&second).await?;
        }
        for step in &scenario.steps {
            if step.request.is_watch() {
                self.finish_watch().await;
                if step.stream.as_ref().is_some_and(|s| s.sequential) {
                    self.sequential_watch(step).await?;
                } else {
                    self.start_watch(step).await?;
                }
            } else {
                self.plain(step).await?;
            }
        }
        self.finish_watch().await;
        Ok(())
    }

    // ---- housekeeping (not recorded) ---------------------------------------------------------------

    fn admin(
        &self,
        method: &str,
        path: String,
        query: Vec<(String, String)>,
        body: Option<Value>,
        content_type: &str,
    ) -> Outgoing {
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        Outgoing {
            method: method.to_owned(),
            path,
            query,
            headers,
            token: self.target.admin_token.clone(),
            body: body.map(|b| serde_json::to_vec(&b).unwrap_or_default()),
            user_agent: self.target.compare.rules.user_agent(),
        }
    }

    async fn housekeeping(&self, request: Outgoing) -> Result<http::Answer, HttpError> {
        http::send(&self.target.client, &self.target.base, &request).await
    }

    async fn create_namespace(&mut self, name: &str) -> Result<(), String> {
        let body = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        let request = self.admin(
            "POST",
            Resource::NAMESPACES.to_owned(),
            Vec::new(),
            Some(body),
            "application/json",
        );
        let answer = self.housekeeping(request).await.map_err(|e| {
            format!(
                "ScenarioFailed: cannot create namespace {name}: {}",
                error_chain(&e)
            )
        })?;
        if answer.status != 201 {
            let text =
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).into_owned();
            return Err(format!(
                "ScenarioFailed: cannot create namespace {name}: HTTP {} {text}",
                answer.status
            ));
        }
        self.created_namespaces.push(name.to_owned());
        Ok(())
    }

    async fn cleanup(&mut self) {
        // Dropping an unfinished watch closes its connection.
        drop(self.open.take());
        for ns in std::mem::take(&mut self.created_namespaces)
            .into_iter()
            .rev()
        {
            if let Err(e) = self.cleanup_namespace(&ns).await {
                self.notes.push(format!(
                    "cleanup of namespace {ns} failed: {}",
                    error_chain(&e)
                ));
            }
        }
    }

    async fn cleanup_namespace(&self, ns: &str) -> Result<(), HttpError> {
        let collection = self.target.resource.url_path(Some(ns));
        let listed = self
            .housekeeping(self.admin("GET", collection.clone(), Vec::new(), None, ""))
            .await?;
        let items = serde_json::from_slice::<Value>(&listed.body)
            .ok()
            .and_then(|v| v.get("items").cloned())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        for item in items {
            let has_finalizers = item
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            let name = item.pointer("/metadata/name").and_then(Value::as_str);
            if let (true, Some(name)) = (has_finalizers, name) {
                let patch = serde_json::json!({"metadata": {"finalizers": null}});
                self.housekeeping(self.admin(
                    "PATCH",
                    format!("{collection}/{name}"),
                    Vec::new(),
                    Some(patch),
                    "application/merge-patch+json",
                ))
                .await?;
            }
        }
        self.housekeeping(self.admin("DELETE", collection, Vec::new(), None, ""))
            .await?;
        let path = Resource::namespace_path(ns);
        self.housekeeping(self.admin("DELETE", path.clone(), Vec::new(), None, ""))
            .await?;
        let current = self
            .housekeeping(self.admin("GET", path.clone(), Vec::new(), None, ""))
            .await?;
        if current.status == 200
            && let Ok(mut object) = serde_json::from_slice::<Value>(&current.body)
        {
            let pending = object
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            if pending {
                object["spec"]["finalizers"] = Value::Array(Vec::new());
                self.housekeeping(self.admin(
                    "PUT",
                    format!("{path}/finalize"),
                    Vec::new(),
                    Some(object),
                    "application/json",
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// Before a read served from the watch cache (`resourceVersion=0`), wait until the cache has seen
    /// our last write, as the recording tool did; a no-op for servers without a cache.
    async fn wait_for_cache(&self, query: &[(String, String)]) {
        let reads_cache = query
            .iter()
            .any(|(k, v)| k == "resourceVersion" && v == "0");
        let Some(newest) = self.object_rvs.iter().max() else {
            return;
        };
        if reads_cache {
            let path = self.target.resource.url_path(Some(&self.namespace));
            let query = vec![
                ("resourceVersion".to_owned(), newest.to_string()),
                ("resourceVersionMatch".to_owned(), "NotOlderThan".to_owned()),
            ];
            let _ = self
                .housekeeping(self.admin("GET", path, query, None, ""))
                .await;
        }
    }

    /// Unrecorded: did anybody write objects of the resource anywhere in the cluster after `rv`?
    /// Bookmarks depend on it, and a shared cluster may have other writers. An expired `rv` counts
    /// as yes.
    async fn written_since(&self, rv: &str) -> bool {
        let request = Outgoing {
            method: "GET".to_owned(),
            path: self.target.resource.url_path(None),
            query: vec![
                ("watch".to_owned(), "1".to_owned()),
                ("resourceVersion".to_owned(), rv.to_owned()),
                ("timeoutSeconds".to_owned(), "1".to_owned()),
            ],
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            token: self.target.admin_token.clone(),
            body: None,
            user_agent: self.target.compare.rules.user_agent(),
        };
        let cap = Duration::from_secs(3);
        let Ok(stream) = http::watch(&self.target.client, &self.target.base, &request, cap).await
        else {
            return false;
        };
        if stream.status != 200 {
            return true;
        }
        let (lines, _) = stream
            .finish(WatchUntil::Lines(1), Duration::from_millis(1500))
            .await;
        // JSON was asked for, so every piece is a line.
        lines.iter().any(|(_, piece)| {
            let http::Piece::Unit(line) = piece else {
                return false;
            };
            serde_json::from_slice::<Value>(line)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
                .is_some_and(|t| t != "BOOKMARK")
        })
    }

    // ---- recorded steps ----------------------------------------------------------------------------

    fn outgoing(&mut self, step: &Step) -> (Outgoing, Step) {
        // Reading the bindings normalizes every earlier step: only worth it when the request names
        // a value learnt from them.
        if self.target.compare.rules == Rules::Sequence && names_learnt_values(step) {
            self.step_bindings = self.own_bindings();
        }
        self.build(step)
    }

    fn build(&mut self, step: &Step) -> (Outgoing, Step) {
        let request = &step.request;
        let path = self.substitute(&request.path, step);
        let query: Vec<(String, String)> = request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), self.substitute(v, step)))
            .collect();
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), self.substitute(v, step))))
            .collect();
        let body = request.body.as_ref().map(|body| {
            let mut body = self.substitute_value(body, step);
            self.fill_times(&mut body);
            body
        });
        let protobuf_body = http::is_protobuf(
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
                .map(|(_, v)| v.as_str()),
        );
        let payload = body.as_ref().map(|body| match body {
            Value::String(text) => self.expand(text).into_bytes(),
            other => {
                let expanded = self.expand_value(other);
                // A protobuf request is recorded with its body's JSON form and sent encoded, as
                // client-go's protobuf serializer writes it. A JSON form that has no protobuf
                // message (a patch document) is sent as its JSON text: the server then sees
                // bytes that are not protobuf, the same on every side.
                match protobuf_body.then(|| kconform_spec::protobuf::encode(&expanded)) {
                    Some(Ok(encoded)) => encoded,
                    _ => serde_json::to_vec(&expanded).unwrap_or_default(),
                }
            }
        });
        let mut sent = step.clone();
        sent.request.path = path.clone();
        sent.request.query = query.clone();
        sent.request.headers = headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        sent.request.body = body;
        sent.response = None;
        sent.events = None;
        sent.stream = None;
        sent.continue_tokens = None;
        let outgoing = Outgoing {
            method: request.method.clone(),
            path,
            query,
            headers,
            token: self.target.token(&request.auth),
            body: payload,
            user_agent: self.target.compare.rules.user_agent(),
        };
        (outgoing, sent)
    }

    async fn plain(&mut self, step: &Step) -> Result<(), String> {
        self.send_trying_each(Sending::Plain, step).await
    }

    /// Sequence rules: the placeholder of a side-effect-free read that stood for more than one
    /// actual value, and those values.
    fn ambiguous(&self, step: &Step) -> Option<(String, Vec<String>)> {
        if self.target.compare.rules != Rules::Sequence || step.request.method != "GET" {
            return None;
        }
        let texts =
            std::iter::once(&step.request.path).chain(step.request.query.iter().map(|(_, v)| v));
        texts
            .flat_map(|text| {
                notation::placeholders(text)
                    .into_iter()
                    .map(|(range, _)| text[range].to_owned())
                    .collect::<Vec<_>>()
            })
            .find_map(|symbol| {
                let mut values = match self.rv_candidates.get(&symbol) {
                    Some(values) => values.clone(),
                    None => match self.step_bindings.get(&symbol) {
                        Some(value) => vec![value.clone()],
                        // An object resourceVersion this very answer reveals first (prefix
                        // numbering counts it): the read named a value seen earlier under another
                        // placeholder, so try each resourceVersion seen, newest first.
                        None if symbol.starts_with("<rv-") && !symbol.ends_with("+>") => {
                            self.every_rv_seen()
                        }
                        None => Vec::new(),
                    },
                };
                if let Some(value) = self.positional.get(&symbol)
                    && !values.contains(value)
                {
                    values.push(value.clone());
                }
                for value in self.lower_ranks(&symbol, step) {
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                values.truncate(MAX_RV_TRIALS);
                (values.len() > 1).then_some((symbol, values))
            })
    }

    /// Sequence rules number a step's placeholders by the prefix that ends with its own answer, so
    /// an object `<rv-N>` a read names may stand for a lower rank among the resourceVersions
    /// answered before it: each object resourceVersion the answer reveals first, and older, ranks
    /// below it and pushes it up by one. At most as many as the recorded answer holds object
    /// resourceVersions ranked below `N`, so the values at ranks `N-1`, `N-2`, ... of the target's
    /// own object resourceVersions, that many, highest first.
    fn lower_ranks(&self, symbol: &str, recorded: &Step) -> Vec<String> {
        let Some(rank) = object_rank(symbol) else {
            return Vec::new();
        };
        let mut below: Vec<usize> = Vec::new();
        let body = recorded.response.as_ref().and_then(|r| r.get("body"));
        let objects = recorded
            .events
            .iter()
            .flatten()
            .filter_map(|event| event.get("object"));
        for object in body.into_iter().chain(objects) {
            let items = object.get("items").and_then(Value::as_array);
            for object in std::iter::once(object).chain(items.into_iter().flatten()) {
                if let Some(meta) = object.get("metadata")
                    && meta.get("name").is_some()
                    && let Some(r) = meta
                        .get("resourceVersion")
                        .and_then(Value::as_str)
                        .and_then(object_rank)
                    && r < rank
                    && !below.contains(&r)
                {
                    below.push(r);
                }
            }
        }
        let mut sorted = self.object_rvs.clone();
        sorted.sort_unstable();
        sorted.truncate(rank.saturating_sub(1));
        sorted
            .iter()
            .rev()
            .take(below.len().min(MAX_RV_TRIALS))
            .map(u64::to_string)
            .collect()
    }

    /// Every resourceVersion the target answered so far (object and cluster-wide), newest first, at
    /// most [`MAX_RV_TRIALS`].
    fn every_rv_seen(&self) -> Vec<String> {
        let mut seen: Vec<u64> = self.object_rvs.clone();
        for (symbol, value) in &self.step_bindings {
            if symbol.starts_with("<rv-")
                && let Ok(rv) = value.parse::<u64>()
            {
                seen.push(rv);
            }
        }
        seen.extend(
            self.rv_candidates
                .values()
                .flatten()
                .filter_map(|v| v.parse::<u64>().ok()),
        );
        seen.sort_unstable_by(|a, b| b.cmp(a));
        seen.dedup();
        seen.truncate(MAX_RV_TRIALS);
        seen.iter().map(u64::to_string).collect()
    }

    /// A watch the recorder waited for before its next request (sequence rules): opened and read to
    /// its end, tried once per value like any read (see [`Run::send_trying_each`]).
    async fn sequential_watch(&mut self, step: &Step) -> Result<(), String> {
        self.send_trying_each(Sending::SequentialWatch, step).await
    }

    /// Sends `step`. Under sequence rules, a read whose placeholder may have stood for several
    /// values (cluster-wide resourceVersions move with writes elsewhere, so one placeholder can name
    /// several of them; see [`Run::ambiguous`]) is sent once per value, and the first answer that
    /// matches the recording is kept, else the first answer: the recording cannot tell which of
    /// them was sent, and a read changes nothing.
    async fn send_trying_each(&mut self, how: Sending, step: &Step) -> Result<(), String> {
        let (outgoing, sent) = self.outgoing(step);
        let Some((symbol, values)) = self.ambiguous(step) else {
            return self.send_as(how, step, outgoing, sent).await;
        };
        let mut first = None;
        for value in values {
            self.step_bindings.insert(symbol.clone(), value);
            let (outgoing, sent) = self.build(step);
            let mark = self.steps.len();
            let saved = self.learnt();
            self.send_as(how, step, outgoing, sent).await?;
            if self.answer_matches(step, mark) {
                return Ok(());
            }
            let answer = self.steps.pop().expect("send_as pushed the step");
            first.get_or_insert((answer, self.restore(saved)));
        }
        if let Some((answer, learnt)) = first {
            self.steps.push(answer);
            self.restore(learnt);
        }
        Ok(())
    }

    async fn send_as(
        &mut self,
        how: Sending,
        step: &Step,
        outgoing: Outgoing,
        sent: Step,
    ) -> Result<(), String> {
        match how {
            Sending::Plain => self.send_plain(step, outgoing, sent).await,
            Sending::SequentialWatch => {
                self.start_watch_with(step, outgoing, sent).await?;
                self.finish_watch().await;
                Ok(())
            }
        }
    }

    /// What answers taught so far: bindings, objects, object resourceVersions and positional
    /// bindings.
    fn learnt(&self) -> Learnt {
        (
            self.bindings.clone(),
            self.objects.clone(),
            self.object_rvs.clone(),
            self.positional.clone(),
        )
    }

    /// Puts back what was learnt before a trial; gives back what the trial learnt.
    fn restore(&mut self, (bindings, objects, object_rvs, positional): Learnt) -> Learnt {
        (
            std::mem::replace(&mut self.bindings, bindings),
            std::mem::replace(&mut self.objects, objects),
            std::mem::replace(&mut self.object_rvs, object_rvs),
            std::mem::replace(&mut self.positional, positional),
        )
    }

    /// Whether the steps from `mark` on, normalized with everything before them, match `step`.
    fn answer_matches(&self, step: &Step, mark: usize) -> bool {
        let (normalized, _) = Normalizer::normalize(
            &self.namespace,
            &self.target.netloc,
            self.target.compare.rules,
            &self.steps,
        );
        let one = |steps: Vec<Step>| Scenario {
            id: String::new(),
            description: String::new(),
            steps,
            error: None,
            skipped: None,
        };
        let actual = one(normalized.into_iter().skip(mark).collect());
        compare_scenarios(&one(vec![step.clone()]), &actual, &self.target.compare).is_empty()
    }

    async fn send_plain(
        &mut self,
        step: &Step,
        outgoing: Outgoing,
        mut sent: Step,
    ) -> Result<(), String> {
        self.wait_for_cache(&outgoing.query).await;
        let answer = http::send(&self.target.client, &self.target.base, &outgoing).await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                self.steps.push(sent);
                return Err(format!("HttpError: {}", error_chain(&e)));
            }
        };
        let mut response = http::response_record(answer.status, &answer.headers, &answer.body);
        if projected(step)
            && let Some(body) = response.get_mut("body")
            && body.is_object()
        {
            let recorded = step.response.as_ref().and_then(|r| r.get("body"));
            *body = project(recorded, body, &self.target.resource);
            response["projected"] = Value::Bool(true);
        }
        if let (Some(expected), Some(actual)) = (
            step.response.as_ref().and_then(|r| r.get("body")),
            response.get("body"),
        ) {
            let actual = actual.clone();
            self.bind(expected, &actual);
            if self.target.compare.rules == Rules::Sequence {
                let mut here = HashMap::new();
                bind(&mut here, expected, &actual, true);
                self.positional.extend(here);
            }
            self.learn(&actual);
        }
        sent.response = Some(response);
        self.steps.push(sent);
        Ok(())
    }

    async fn start_watch(&mut self, step: &Step) -> Result<(), String> {
        let (outgoing, sent) = self.outgoing(step);
        self.start_watch_with(step, outgoing, sent).await
    }

    async fn start_watch_with(
        &mut self,
        step: &Step,
        outgoing: Outgoing,
        mut sent: Step,
    ) -> Result<(), String> {
        self.wait_for_cache(&outgoing.query).await;
        let (until, cap) = watch_plan(step);
        let stream = http::watch(&self.target.client, &self.target.base, &outgoing, cap).await;
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                self.steps.push(sent);
                return Err(format!("HttpError: {}", error_chain(&e)));
            }
        };
        if stream.status != 200 {
            let response = http::response_record(stream.status, &stream.headers, &stream.body);
            if let (Some(expected), Some(actual)) = (
                step.response.as_ref().and_then(|r| r.get("body")),
                response.get("body"),
            ) {
                let actual = actual.clone();
                self.bind(expected, &actual);
            }
            sent.response = Some(response);
            self.steps.push(sent);
            return Ok(());
        }
        let mut response = Map::new();
        response.insert("status".to_owned(), Value::from(200));
        response.insert(
            "headers".to_owned(),
            http::response_headers(&stream.headers),
        );
        response.insert("format".to_owned(), Value::String("stream".to_owned()));
        sent.response = Some(Value::Object(response));
        self.steps.push(sent);
        let marks = step.nondeterministic.as_ref();
        let marked =
            marks.is_some_and(|m| m.contains_key("bookmarks") || m.contains_key("bookmark_count"));
        let bookmarks = outgoing.query.iter().any(|(k, v)| {
            k == "allowWatchBookmarks" && !(v == "0" || v.eq_ignore_ascii_case("false"))
        });
        let start = outgoing
            .query
            .iter()
            .find(|(k, _)| k == "resourceVersion")
            .map(|(_, v)| v.clone())
            .filter(|v| object_rv_number(v, self.target.compare.rules.literal_rvs()).is_some());
        let bookmark_check = match (bookmarks && !marked, start) {
            (true, Some(rv)) => Some((rv, plain_bookmarks(step.events.as_ref()))),
            _ => None,
        };
        self.open = Some(OpenWatch {
            position: self.steps.len() - 1,
            stream,
            until,
            cap,
            bookmark_check,
            sequential: step.stream.as_ref().is_some_and(|s| s.sequential),
        });
        Ok(())
    }

    async fn finish_watch(&mut self) {
        let Some(OpenWatch {
            position,
            stream,
            until,
            cap,
            bookmark_check,
            sequential,
        }) = self.open.take()
        else {
            return;
        };
        let framing = stream.framing;
        let (lines, ended) = stream.finish(until, cap).await;
        let mut events = Vec::with_capacity(lines.len());
        for (offset, piece) in lines {
            let mut event = Map::new();
            let line = match (framing, piece) {
                (http::Framing::Protobuf, piece) => {
                    event = http::protobuf_event(&piece);
                    event.insert("at_ms".to_owned(), Value::from(http::round_ms(offset)));
                    events.push(Value::Object(event));
                    continue;
                }
                (http::Framing::JsonLines, http::Piece::Unit(line) | http::Piece::Broken(line)) => {
                    line
                }
            };
            match serde_json::from_slice::<Value>(&line) {
                Ok(Value::Object(parsed)) if parsed.contains_key("type") => {
                    event.insert(
                        "type".to_owned(),
                        parsed.get("type").cloned().unwrap_or(Value::Null),
                    );
                    event.insert(
                        "object".to_owned(),
                        parsed.get("object").cloned().unwrap_or(Value::Null),
                    );
                }
                _ => {
                    event.insert("type".to_owned(), Value::Null);
                    event.insert(
                        "raw".to_owned(),
                        Value::String(String::from_utf8_lossy(&line).into_owned()),
                    );
                }
            }
            event.insert("at_ms".to_owned(), Value::from(http::round_ms(offset)));
            events.push(Value::Object(event));
        }
        // Learn from the events (a DELETED resourceVersion, for instance) for later steps.
        for event in &events {
            if let Some(object) = event.get("object") {
                self.learn(&object.clone());
            }
        }
        let other_writers = match bookmark_check {
            Some((rv, recorded)) if plain_bookmarks(Some(&events)) != recorded => {
                self.written_since(&rv).await
            }
            _ => false,
        };
        let Some(step) = self.steps.get_mut(position) else {
            return;
        };
        if other_writers {
            step.nondeterministic.get_or_insert_with(Map::new).insert(
                "bookmarks".to_owned(),
                Value::String(other_writers_reason(&self.target.resource)),
            );
        }
        step.events = Some(events);
        step.stream = Some(transcript::StreamEnd {
            ended_by: ended.by,
            after_ms: http::round_ms(ended.after),
            client_cap_s: cap.as_secs_f64(),
            client_stopped_because: ended.client_stopped_because.map(str::to_owned),
            sequential,
        });
    }

    // ---- placeholders --------------------------------------------------------------------------------

    fn substitute(&mut self, text: &str, step: &Step) -> String {
        if !text.contains('<') {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (range, _) in notation::placeholders(text) {
            out.push_str(&text[last..range.start]);
            let symbol = &text[range.clone()];
            match self.resolve(symbol, step) {
                Some(value) => out.push_str(&value),
                None => {
                    self.notes
                        .push(format!("no value for {symbol} in {:?}; sent as is", text));
                    out.push_str(symbol);
                }
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        out
    }

    fn substitute_value(&mut self, value: &Value, step: &Step) -> Value {
        match value {
            Value::String(s) if s == "<time>" => value.clone(),
            Value::String(s) => Value::String(self.substitute(s, step)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.substitute_value(v, step))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.substitute(k, step), self.substitute_value(v, step)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn resolve(&mut self, symbol: &str, step: &Step) -> Option<String> {
        match symbol {
            "<ns>" => return Some(self.namespace.clone()),
            "<server>" => return Some(self.target.netloc.clone()),
            "<time>" => return Some(now_rfc3339()),
            _ => {}
        }
        let bindings = match self.target.compare.rules {
            Rules::Transcript => &self.bindings,
            Rules::Sequence => &self.step_bindings,
        };
        if let Some(bound) = bindings.get(symbol) {
            return Some(bound.clone());
        }
        let inner = &symbol[1..symbol.len() - 1];
        if let Some(rest) = inner.strip_prefix("rv-") {
            let n: usize = rest.trim_end_matches('+').parse().ok()?;
            if n == 0 {
                // Before every object resourceVersion of the scenario: the oldest a client can name.
                return Some("1".to_owned());
            }
            let mut sorted = self.object_rvs.clone();
            sorted.sort_unstable();
            return n
                .checked_sub(1)
                .and_then(|i| sorted.get(i))
                .map(u64::to_string);
        }
        if inner.starts_with("continue-") {
            let decoded = step
                .continue_tokens
                .as_ref()?
                .get(symbol)?
                .as_object()?
                .clone();
            let mut token = Map::new();
            for (k, v) in decoded {
                let v = match (&*k, v) {
                    ("rv", Value::String(s)) => {
                        let resolved = self.substitute(&s, step);
                        resolved
                            .parse::<i64>()
                            .map_or(Value::String(resolved), Value::from)
                    }
                    (_, v) => self.substitute_value(&v, step),
                };
                token.insert(k, v);
            }
            return Some(encode_continue(&token));
        }
        None
    }

    /// Binds the placeholders of an expected (normalized) value to the actual (raw) value found at
    /// the same place. The first binding of a placeholder wins.
    fn bind(&mut self, expected: &Value, actual: &Value) {
        bind(&mut self.bindings, expected, actual, false);
    }

    /// Sequence rules: what each placeholder stands for now, read from the target's own answers so
    /// far, normalized together (the newest occurrence wins).
    fn own_bindings(&mut self) -> HashMap<String, String> {
        let per_step = self.whole_prefix.update(&self.steps, |symbolic, raw| {
            let mut step = HashMap::new();
            fn body(s: &Step) -> Option<&Value> {
                s.response.as_ref().and_then(|r| r.get("body"))
            }
            if let (Some(e), Some(a)) = (body(symbolic), body(raw)) {
                bind(&mut step, e, a, true);
            }
            for (e, a) in symbolic
                .events
                .iter()
                .flatten()
                .zip(raw.events.iter().flatten())
            {
                bind(&mut step, e, a, true);
            }
            step
        });
        let mut out = HashMap::new();
        let mut candidates: HashMap<String, Vec<String>> = HashMap::new();
        for step in per_step {
            for (symbol, value) in step {
                if symbol.ends_with("+>") {
                    let seen = candidates.entry(symbol.clone()).or_default();
                    if !seen.contains(value) {
                        seen.push(value.clone());
                    }
                    out.entry(symbol.clone()).or_insert_with(|| value.clone());
                } else {
                    out.insert(symbol.clone(), value.clone());
                }
            }
        }
        self.rv_candidates = candidates;
        out
    }

    /// Remembers object resourceVersions and the newest object per uid from an actual answer.
    fn learn(&mut self, body: &Value) {
        let mut objects = vec![body];
        if let Some(items) = body.get("items").and_then(Value::as_array) {
            objects.extend(items);
        }
        for object in objects {
            let Some(meta) = object.get("metadata") else {
                continue;
            };
            if meta.get("name").is_some()
                && let Some(rv) = meta
                    .get("resourceVersion")
                    .and_then(Value::as_str)
                    .and_then(|rv| object_rv_number(rv, self.target.compare.rules.literal_rvs()))
                && !self.object_rvs.contains(&rv)
            {
                self.object_rvs.push(rv);
            }
            if let Some(uid) = meta.get("uid").and_then(Value::as_str) {
                self.objects.insert(uid.to_owned(), object.clone());
            }
        }
    }

    /// Replaces `<time>` in a request body with the timestamp at the same place in the newest actual
    /// object with the body's uid (a client sends back what it read), else with the current time.
    fn fill_times(&self, body: &mut Value) {
        let reference = body
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .and_then(|uid| self.objects.get(uid))
            .cloned();
        fill_times_at(body, reference.as_ref());
    }

    fn expand(&mut self, text: &str) -> String {
        match LongString::parse(text).map(|long| long.expand()) {
            Some(Some(expanded)) => expanded,
            Some(None) => {
                self.notes.push(format!(
                    "the recording abbreviated a request string as {text}; it cannot be replayed exactly"
                ));
                text.to_owned()
            }
            None => text.to_owned(),
        }
    }

    fn expand_value(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.expand(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.expand_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.expand_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Whether a request holds a placeholder that stands for a value the server chose earlier
/// (`<uid-N>`, `<rv-N>`, `<rv-N+>`, `<continue-N>`, `<gen-N>`).
fn names_learnt_values(step: &Step) -> bool {
    let request = &step.request;
    let mut texts: Vec<&str> = vec![request.path.as_str()];
    texts.extend(request.query.iter().map(|(_, v)| v.as_str()));
    let body = request
        .body
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    texts.push(&body);
    texts.iter().any(|text| {
        notation::placeholders(text).into_iter().any(|(_, p)| {
            matches!(
                p,
                Placeholder::Uid(_)
                    | Placeholder::Rv(_)
                    | Placeholder::RvAtOrAfter(_)
                    | Placeholder::Continue(_)
                    | Placeholder::Gen(_)
            )
        })
    })
}

/// Binds the placeholders of `expected` (normalized) to the values at the same places of `actual`
/// (raw) in `bindings`; a later binding replaces an earlier one when `newest_wins`, except for
/// `<rv-N+>`.
fn bind(
    bindings: &mut HashMap<String, String>,
    expected: &Value,
    actual: &Value,
    newest_wins: bool,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if let Some(av) = a.get(k) {
                    bind(bindings, ev, av, newest_wins);
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (ev, av) in e.iter().zip(a) {
                bind(bindings, ev, av, newest_wins);
            }
        }
        (Value::String(e), Value::String(a)) if e.contains('<') => {
            bind_text(bindings, e, a, newest_wins);
        }
        _ => {}
    }
}

fn bind_text(
    bindings: &mut HashMap<String, String>,
    expected: &str,
    actual: &str,
    newest_wins: bool,
) {
    let found = notation::placeholders(expected);
    // The common case, a value that is one placeholder and nothing else, needs no regex (compiling
    // one per value was most of a sequence replay's time).
    if let [(range, placeholder)] = found.as_slice()
        && range.start == 0
        && range.end == expected.len()
    {
        bind_captured(
            bindings,
            vec![(expected.to_owned(), *placeholder)],
            |_| Some(actual.to_owned()),
            newest_wins,
        );
        return;
    }
    let mut pattern = String::from("^");
    let mut symbols = Vec::new();
    let mut last = 0;
    for (range, placeholder) in found {
        pattern.push_str(&regex::escape(&expected[last..range.start]));
        pattern.push_str("(.*?)");
        symbols.push((expected[range.clone()].to_owned(), placeholder));
        last = range.end;
    }
    if symbols.is_empty() {
        return;
    }
    pattern.push_str(&regex::escape(&expected[last..]));
    pattern.push('$');
    let Ok(re) = Regex::new(&pattern) else {
        return;
    };
    let Some(captures) = re.captures(actual) else {
        return;
    };
    bind_captured(
        bindings,
        symbols,
        |i| captures.get(i + 1).map(|m| m.as_str().to_owned()),
        newest_wins,
    );
}

/// Binds each bindable placeholder of `symbols` to its captured value (`captured(i)` for the i-th).
fn bind_captured(
    bindings: &mut HashMap<String, String>,
    symbols: Vec<(String, Placeholder)>,
    captured: impl Fn(usize) -> Option<String>,
    newest_wins: bool,
) {
    for (i, (symbol, placeholder)) in symbols.into_iter().enumerate() {
        let bindable = matches!(
            placeholder,
            Placeholder::Uid(_)
                | Placeholder::Rv(_)
                | Placeholder::RvAtOrAfter(_)
                | Placeholder::Continue(_)
                | Placeholder::Gen(_)
        );
        if let (true, Some(value)) = (bindable, captured(i)) {
            // A cluster-wide resourceVersion stands for any value from `<rv-N>` up to the next
            // object resourceVersion, which a later answer may reveal (a deletion, in a watch's
            // events): the first value seen is the one least likely to lie past it.
            let earliest = matches!(placeholder, Placeholder::RvAtOrAfter(_));
            if newest_wins && !earliest {
                bindings.insert(symbol, value);
            } else {
                bindings.entry(symbol).or_insert(value);
            }
        }
    }
}

fn fill_times_at(value: &mut Value, reference: Option<&Value>) {
    match value {
        Value::String(s) if s == "<time>" => {
            *s = reference
                .and_then(Value::as_str)
                .map_or_else(now_rfc3339, str::to_owned);
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                fill_times_at(item, reference.and_then(|r| r.get(i)));
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                fill_times_at(item, reference.and_then(|r| r.get(k)));
            }
        }
        _ => {}
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format).unwrap_or_default()
}

/// How long to keep a watch step open, from what the recording shows.
/// How much longer than the recorder's own cap a replay waits for a sequential watch to end.
const SEQUENTIAL_SLACK: Duration = Duration::from_secs(20);

fn watch_plan(step: &Step) -> (WatchUntil, Duration) {
    match &step.stream {
        Some(stream) => {
            let cap = Duration::from_secs_f64(stream.client_cap_s.clamp(0.1, 600.0));
            let expected_received =
                stream.client_stopped_because.as_deref() == Some("expected events received");
            if stream.ended_by == "client" && expected_received {
                let n = step.events.as_ref().map_or(0, Vec::len);
                (WatchUntil::Lines(n), cap)
            } else if stream.sequential && stream.ended_by == "server" {
                // The recorder waited for the server's end before its next request; a loaded
                // machine may end a 2 s watch late, which says nothing about who ends it.
                (WatchUntil::ServerEnd, cap + SEQUENTIAL_SLACK)
            } else {
                (WatchUntil::ServerEnd, cap)
            }
        }
        None => {
            // The recording got an error answer; should the target stream instead, take one event.
            let timeout = step
                .request
                .query_value("timeoutSeconds")
                .and_then(|t| t.parse::<f64>().ok())
                .map_or(15.0, |t| (t + 4.0).min(15.0));
            (
                WatchUntil::Lines(1),
                Duration::from_secs_f64(timeout.max(1.0)),
            )
        }
    }
}

fn projected(step: &Step) -> bool {
    step.response
        .as_ref()
        .and_then(|r| r.get("projected"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The projection the recorder applied to a step's body, told by the names list the recorded body
/// carries (k8s-transcript writes one per projection): the resource's own entry of a group-version
/// (`resourceNames`), its group's entry of `/apis` (`groupNames`) or of aggregated discovery
/// (`itemNames`), or an OpenAPI v3 document reduced to its operationIds and the group's schemas
/// (`otherSchemaNames`).
fn project(recorded: Option<&Value>, body: &Value, resource: &Resource) -> Value {
    let has = |key: &str| recorded.and_then(|r| r.get(key)).is_some();
    if has("groupNames") {
        entries_of(
            body,
            "groups",
            "groupNames",
            |g| g.get("name"),
            resource.group,
        )
    } else if has("itemNames") {
        entries_of(
            body,
            "items",
            "itemNames",
            |i| i.get("metadata").and_then(|m| m.get("name")),
            resource.group,
        )
    } else if has("otherSchemaNames") {
        openapi_group_only(body, resource.group)
    } else {
        resource_entry_only(body, resource.plural)
    }
}

/// `body` with the entries of its list `list` reduced to the one whose name is `keep`, and the names
/// of all of them under `names`.
fn entries_of(
    body: &Value,
    list: &str,
    names: &str,
    name_of: impl Fn(&Value) -> Option<&Value>,
    keep: &str,
) -> Value {
    let Some(map) = body.as_object() else {
        return body.clone();
    };
    let entries = map
        .get(list)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k != list)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert(
        list.to_owned(),
        Value::Array(
            entries
                .iter()
                .filter(|e| name_of(e).and_then(Value::as_str) == Some(keep))
                .cloned()
                .collect(),
        ),
    );
    out.insert(
        names.to_owned(),
        Value::Array(
            entries
                .iter()
                .map(|e| name_of(e).cloned().unwrap_or(Value::Null))
                .collect(),
        ),
    );
    Value::Object(out)
}

/// An OpenAPI v3 document reduced as the recorder reduces it: each path with its operationIds, the
/// schemas of `group` (named `….<first label of the group>.…`) in full and the other schema names sorted.
fn openapi_group_only(body: &Value, group: &str) -> Value {
    let label = match group.split('.').next() {
        Some(first) if !first.is_empty() => format!(".{first}."),
        _ => ".core.".to_owned(),
    };
    let mut paths = Map::new();
    if let Some(items) = body.get("paths").and_then(Value::as_object) {
        for (path, item) in items {
            let mut ops = Map::new();
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    if let Some(id) = op.get("operationId") {
                        ops.insert(method.clone(), id.clone());
                    }
                }
            }
            paths.insert(path.clone(), Value::Object(ops));
        }
    }
    let empty = Map::new();
    let schemas = body
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut other: Vec<&String> = schemas.keys().filter(|n| !n.contains(&label)).collect();
    other.sort();
    let mut out = Map::new();
    out.insert(
        "openapi".to_owned(),
        body.get("openapi").cloned().unwrap_or(Value::Null),
    );
    out.insert(
        "info".to_owned(),
        body.get("info").cloned().unwrap_or(Value::Null),
    );
    out.insert("paths".to_owned(), Value::Object(paths));
    out.insert(
        "schemas".to_owned(),
        Value::Object(
            schemas
                .iter()
                .filter(|(n, _)| n.contains(&label))
                .map(|(n, s)| (n.clone(), s.clone()))
                .collect(),
        ),
    );
    out.insert(
        "otherSchemaNames".to_owned(),
        Value::Array(
            other
                .into_iter()
                .map(|n| Value::String(n.clone()))
                .collect(),
        ),
    );
    Value::Object(out)
}

/// The projection of a group-version's discovery: the resource's own entry, with the other entries
/// reduced to their names.
fn resource_entry_only(body: &Value, plural: &str) -> Value {
    let Some(map) = body.as_object() else {
        return body.clone();
    };
    let resources = map
        .get("resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k != "resources")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert(
        "resources".to_owned(),
        Value::Array(
            resources
                .iter()
                .filter(|r| r.get("name").and_then(Value::as_str) == Some(plural))
                .cloned()
                .collect(),
        ),
    );
    out.insert(
        "resourceNames".to_owned(),
        Value::Array(
            resources
                .iter()
                .map(|r| r.get("name").cloned().unwrap_or(Value::Null))
                .collect(),
        ),
    );
    Value::Object(out)
}

/// The rank `N` of an object resourceVersion placeholder `<rv-N>` (not a cluster-wide `<rv-N+>`).
fn object_rank(symbol: &str) -> Option<usize> {
    symbol
        .strip_prefix("<rv-")?
        .strip_suffix('>')?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

#[cfg(test)]
mod tests;
