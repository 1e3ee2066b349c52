//! Replay of `pb-record` recordings (`transcripts/protobuf/`): scenarios of exact request and answer
//! bytes, protobuf or JSON, each step with the server-chosen values it contains listed as
//! `placeholders` (namespace, uid, resourceVersion, times, continue tokens).
//!
//! Each step is sent as recorded, with the values the target chose earlier put in its path, query
//! and body. An answer is compared byte for byte with the recorded one after the same substitution,
//! done on the decoded form and encoded again (length prefixes change with value lengths, so bytes
//! are never patched). The values of a step's placeholders are learnt by aligning the recorded answer's
//! decoded form with the target's: a placeholder seen for the first time is bound to what the target
//! put in its place, and every later occurrence must be that same value. A continue token is compared
//! by its decoded content. After an `k8s.io/initial-events-end` BOOKMARK, a recorded stream's further
//! frames are periodic BOOKMARKs whose number varies from run to run; both sides may have any number of
//! them, but nothing else.
//!
//! The recordings' namespaces are created on the target under their recorded names (for a fresh
//! target) and deleted afterwards; nothing here knows which resource the scenarios exercise.
//!
//! **Invariant:** every request is bounded by a timeout.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use kconform_spec::protobuf;

use super::compare::{forbidden_user, quoted_user};

/// The annotation that ends a streaming list's initial events.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// How long one request (a watch included) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why recordings cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PbRecordError {
    /// A file could not be read.
    #[error("reading {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file is not the recorder's JSON.
    #[error("{path} is not a pb-record file")]
    Format {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The HTTP client could not be built.
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// One recorded scenario.
#[derive(Debug, Clone)]
pub struct PbScenario {
    /// The scenario id, e.g. `watch-protobuf`.
    pub id: String,
    /// The steps as the recorder wrote them.
    pub steps: Vec<Value>,
}

fn read_json(path: &Path) -> Result<Value, PbRecordError> {
    let text = std::fs::read(path).map_err(|source| PbRecordError::Read {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|source| PbRecordError::Format {
        path: path.display().to_string(),
        source,
    })
}

/// The scenarios of one recording directory, in the order of its `index.json`.
///
/// # Errors
/// A file that cannot be read or is not JSON.
pub fn load_pb_dir(dir: &Path) -> Result<Vec<PbScenario>, PbRecordError> {
    let index = read_json(&dir.join("index.json"))?;
    let mut scenarios = Vec::new();
    for entry in index["scenarios"].as_array().into_iter().flatten() {
        let Some(file) = entry["file"].as_str() else {
            continue;
        };
        let scenario = read_json(&dir.join(file))?;
        scenarios.push(PbScenario {
            id: scenario["id"].as_str().unwrap_or(file).to_owned(),
            steps: scenario["steps"].as_array().cloned().unwrap_or_default(),
        });
    }
    Ok(scenarios)
}

/// The target and the tokens behind the recordings' `auth` names.
#[derive(Debug, Clone)]
pub struct PbTarget {
    base: String,
    admin_token: String,
    user_token: String,
    client: reqwest::Client,
}

impl PbTarget {
    /// A target at `base` (e.g. `http://127.0.0.1:8080`) with the tokens for `admin` and `user` steps;
    /// `bad` steps send a token no server knows.
    ///
    /// # Errors
    /// [`PbRecordError::Client`] when the HTTP client cannot be built.
    pub fn new(base: &str, admin_token: &str, user_token: &str) -> Result<PbTarget, PbRecordError> {
        // reqwest is built without a default TLS provider; installing one twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(PbRecordError::Client)?;
        Ok(PbTarget {
            base: base.trim_end_matches('/').to_owned(),
            admin_token: admin_token.to_owned(),
            user_token: user_token.to_owned(),
            client,
        })
    }

    /// The same target over TLS signed by `ca_pem` (PEM), or with verification off (`insecure`).
    ///
    /// # Errors
    /// [`PbRecordError::Client`] when the CA is not PEM or the client cannot be built.
    pub fn with_tls(
        mut self,
        ca_pem: Option<&[u8]>,
        insecure: bool,
    ) -> Result<PbTarget, PbRecordError> {
        let mut builder = reqwest::Client::builder().timeout(REQUEST_TIMEOUT);
        if let Some(pem) = ca_pem {
            let certs =
                reqwest::Certificate::from_pem_bundle(pem).map_err(PbRecordError::Client)?;
            builder = builder.tls_certs_only(certs);
        }
        if insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        self.client = builder.build().map_err(PbRecordError::Client)?;
        Ok(self)
    }
}

/// Whether `dir` holds `pb-record` recordings (its `index.json` names the tool).
pub fn is_pb_record_dir(dir: &Path) -> bool {
    read_json(&dir.join("index.json"))
        .is_ok_and(|index| index["tool"].as_str() == Some("pb-record"))
}

impl PbScenario {
    /// Whether a step sends the unprivileged user's token (`auth: user`).
    pub fn needs_user(&self) -> bool {
        self.steps
            .iter()
            .any(|step| step["request"]["auth"].as_str() == Some("user"))
    }
}

/// The outcome of one scenario: every difference, empty when identical.
#[derive(Debug, Clone)]
pub struct PbScenarioDiff {
    /// The scenario id.
    pub id: String,
    /// Steps sent.
    pub steps: usize,
    /// One line per difference: the step and what differs.
    pub differences: Vec<String>,
}

/// Recorded values and the target's values that stand for them.
///
/// A uid or continue token is one value for one value both ways. A resourceVersion is one target
/// value per recorded value, but several recorded ones may meet in one: a real cluster's revision also
/// moves with writes to other resources (namespaces, leases), which a list's resourceVersion shows.
/// A time is bound afresh in each step, as two writes of one recorded second may fall in two seconds.
#[derive(Debug, Default)]
struct Bindings {
    recorded_to_actual: HashMap<String, String>,
    actual_to_recorded: HashMap<String, String>,
    times: HashMap<String, String>,
    /// The user a 403 names (`User "ref-user" cannot …`): whoever the target calls the
    /// unprivileged token's user.
    users: HashMap<String, String>,
}

impl Bindings {
    fn bind(&mut self, recorded: &str, actual: &str, step: &StepValues) {
        if step.times.contains(recorded) {
            self.times
                .entry(recorded.to_owned())
                .or_insert_with(|| actual.to_owned());
            return;
        }
        if self.recorded_to_actual.contains_key(recorded) {
            return;
        }
        if !step.versions.contains(recorded) && self.actual_to_recorded.contains_key(actual) {
            return;
        }
        self.recorded_to_actual
            .insert(recorded.to_owned(), actual.to_owned());
        self.actual_to_recorded
            .insert(actual.to_owned(), recorded.to_owned());
    }

    fn get(&self, recorded: &str) -> Option<&str> {
        self.times
            .get(recorded)
            .or_else(|| self.recorded_to_actual.get(recorded))
            .map(String::as_str)
    }
}

/// A step's placeholder values, as strings (times by their RFC 3339 text).
#[derive(Default)]
struct StepValues {
    values: HashSet<String>,
    continues: HashSet<String>,
    versions: HashSet<String>,
    times: HashSet<String>,
}

fn step_values(step: &Value) -> StepValues {
    let mut values = HashSet::new();
    let mut continues = HashSet::new();
    let mut versions = HashSet::new();
    let mut times = HashSet::new();
    if let Some(map) = step["placeholders"].as_object() {
        for (kind, list) in map {
            for value in list.as_array().into_iter().flatten() {
                let text = match value {
                    Value::String(text) => text.clone(),
                    Value::Object(time) => time["rfc3339"].as_str().unwrap_or_default().to_owned(),
                    other => other.to_string(),
                };
                match kind.as_str() {
                    "continue" => {
                        continues.insert(text);
                    }
                    "namespace" => {}
                    _ => {
                        if kind == "resourceVersion" {
                            versions.insert(text.clone());
                        } else if kind == "creationTimestamp" || kind == "time" {
                            times.insert(text.clone());
                        }
                        values.insert(text);
                    }
                }
            }
        }
    }
    StepValues {
        values,
        continues,
        versions,
        times,
    }
}

fn decode_token(token: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token).ok()?).ok()
}

/// Learns bindings where `recorded` holds a placeholder value and `actual` another one.
fn align(recorded: &Value, actual: &Value, step: &StepValues, bindings: &mut Bindings) {
    match (recorded, actual) {
        (Value::Object(r), Value::Object(a)) => {
            for (key, value) in r {
                if let Some(other) = a.get(key) {
                    align(value, other, step, bindings);
                }
            }
        }
        (Value::Array(r), Value::Array(a)) => {
            for (value, other) in r.iter().zip(a) {
                align(value, other, step, bindings);
            }
        }
        (Value::Number(r), Value::Number(a)) if step.values.contains(&r.to_string()) => {
            bindings.bind(&r.to_string(), &a.to_string(), step);
        }
        (Value::String(r), Value::String(a)) => {
            if step.continues.contains(r) {
                bindings.bind(r, a, step);
                if let (Some(r), Some(a)) = (decode_token(r), decode_token(a)) {
                    align(&r, &a, step, bindings);
                }
            } else if step.values.contains(r) {
                bindings.bind(r, a, step);
            } else if let (Some(x), Some(y)) = (forbidden_user(r), forbidden_user(a))
                && x != y
                && r.replacen(&quoted_user(x), &quoted_user(y), 1) == *a
            {
                bindings
                    .users
                    .entry(x.to_owned())
                    .or_insert_with(|| y.to_owned());
            } else {
                align_digit_runs(r, a, step, bindings);
            }
        }
        _ => {}
    }
}

/// Text and digit runs: `too old resource version: 1 (6744)` is `["too old resource version: ", "1",
/// " (", "6744", ")"]`.
fn runs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            out.push(&text[start..i]);
            start = i;
        }
    }
    out
}

/// Binds the numbers embedded in a message (a resourceVersion in a Status text) when the rest of the
/// two texts is the same.
fn align_digit_runs(recorded: &str, actual: &str, step: &StepValues, bindings: &mut Bindings) {
    let (r, a) = (runs(recorded), runs(actual));
    if r.len() != a.len() {
        return;
    }
    let same_text = r
        .iter()
        .zip(&a)
        .all(|(x, y)| x.as_bytes().first().is_some_and(u8::is_ascii_digit) || x == y);
    if !same_text {
        return;
    }
    for (x, y) in r.iter().zip(&a) {
        if step.values.contains(*x) {
            bindings.bind(x, y, step);
        }
    }
}

/// `2026-12-02T06:04:19Z`: a time as Go's JSON writes a `metav1.Time`.
fn is_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
}

/// The recorded value with every bound placeholder replaced by the target's value; continue tokens
/// are decoded, substituted and encoded again. A time placeholder stands for the time the target
/// wrote at the same place in `actual` (each write has its own "now"), or the step's first one.
fn substitute(
    value: &Value,
    actual: Option<&Value>,
    step: &StepValues,
    bindings: &Bindings,
) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let other = actual.and_then(|a| a.get(k));
                    (k.clone(), substitute(v, other, step, bindings))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| substitute(v, actual.and_then(|a| a.get(i)), step, bindings))
                .collect(),
        ),
        Value::String(text) if step.times.contains(text) => match actual.and_then(Value::as_str) {
            Some(time) if is_time(time) => Value::String(time.to_owned()),
            _ => Value::String(bindings.get(text).unwrap_or(text).to_owned()),
        },
        Value::Number(n) => match bindings.get(&n.to_string()) {
            Some(actual) if step.values.contains(&n.to_string()) => actual
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or_else(|_| value.clone()),
            _ => value.clone(),
        },
        Value::String(text) if step.continues.contains(text) => match decode_token(text) {
            Some(decoded) => {
                let decoded = substitute(&decoded, None, step, bindings);
                let json = kconform_spec::json::to_go_json(&decoded).unwrap_or_default();
                let json = json.strip_suffix(b"\n").unwrap_or(&json);
                Value::String(URL_SAFE_NO_PAD.encode(json))
            }
            None => value.clone(),
        },
        Value::String(text)
            if forbidden_user(text).is_some_and(|u| bindings.users.contains_key(u)) =>
        {
            let user = forbidden_user(text).unwrap_or_default();
            let actual = bindings.users.get(user).map(String::as_str).unwrap_or(user);
            Value::String(text.replacen(&quoted_user(user), &quoted_user(actual), 1))
        }
        Value::String(text) => match bindings.get(text) {
            Some(actual) => Value::String(actual.to_owned()),
            None => Value::String(
                runs(text)
                    .into_iter()
                    .map(|run| match bindings.get(run) {
                        Some(actual) if step.values.contains(run) => actual,
                        _ => run,
                    })
                    .collect(),
            ),
        },
        other => other.clone(),
    }
}

/// Substitutes bound values in a query value or path.
fn substitute_text(text: &str, bindings: &Bindings) -> String {
    bindings.get(text).unwrap_or(text).to_owned()
}

/// One body as the recording describes it (`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Protobuf,
    ProtobufStream,
    Json,
    JsonStream,
    Other,
}

fn format_of(text: &str) -> Format {
    match text {
        "protobuf" => Format::Protobuf,
        "protobuf-stream" => Format::ProtobufStream,
        "json" => Format::Json,
        "json-stream" => Format::JsonStream,
        _ => Format::Other,
    }
}

/// The decoded forms of a body (one per frame or line for streams) with the offset each one ends
/// at, or why it does not decode.
fn decode_body(format: Format, bytes: &[u8]) -> Result<Vec<(Value, usize)>, String> {
    match format {
        Format::Protobuf => Ok(vec![(
            protobuf::decode(bytes).map_err(|e| e.to_string())?,
            bytes.len(),
        )]),
        Format::ProtobufStream => {
            let mut reader = protobuf::FrameReader::new();
            reader.push(bytes);
            let mut events = Vec::new();
            let mut end = 0;
            while let Some(frame) = reader.next_frame().map_err(|e| e.to_string())? {
                let (event_type, object) =
                    protobuf::decode_watch_event(&frame).map_err(|e| e.to_string())?;
                end += 4 + frame.len();
                events.push((
                    serde_json::json!({"type": event_type, "object": object}),
                    end,
                ));
            }
            if reader.pending() > 0 {
                return Err(format!("{} bytes of a cut-off frame", reader.pending()));
            }
            Ok(events)
        }
        Format::Json => Ok(vec![(
            serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
            bytes.len(),
        )]),
        Format::JsonStream => {
            let mut events = Vec::new();
            let mut end = 0;
            for line in bytes.split_inclusive(|b| *b == b'\n') {
                end += line.len();
                if line.trim_ascii().is_empty() {
                    continue;
                }
                events.push((
                    serde_json::from_slice(line).map_err(|e| e.to_string())?,
                    end,
                ));
            }
            Ok(events)
        }
        Format::Other => Ok(Vec::new()),
    }
}

/// Bytes of decoded forms in `format`, as the server writes them (`pretty`: indented JSON).
fn encode_body(format: Format, values: &[Value], pretty: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for value in values {
        match format {
            Format::Protobuf => out.extend(protobuf::encode(value).map_err(|e| e.to_string())?),
            Format::ProtobufStream => out.extend(
                protobuf::encode_watch_frame(
                    value["type"].as_str().unwrap_or_default(),
                    &value["object"],
                )
                .map_err(|e| e.to_string())?,
            ),
            Format::Json if pretty => out
                .extend(kconform_spec::json::to_go_json_pretty(value).map_err(|e| e.to_string())?),
            Format::Json | Format::JsonStream => {
                out.extend(kconform_spec::json::to_go_json(value).map_err(|e| e.to_string())?);
            }
            Format::Other => {}
        }
    }
    Ok(out)
}

fn is_initial_events_end(event: &Value) -> bool {
    event["type"] == "BOOKMARK"
        && event["object"]["metadata"]["annotations"][INITIAL_EVENTS_END] == "true"
}

fn is_plain_bookmark(event: &Value) -> bool {
    event["type"] == "BOOKMARK"
        && event["object"]["metadata"]
            .get("annotations")
            .is_none_or(|a| a.as_object().is_none_or(serde_json::Map::is_empty))
}

/// Cuts the periodic BOOKMARKs after an initial-events-end BOOKMARK; None when something else follows.
fn without_periodic_bookmarks(events: &[Value]) -> Option<&[Value]> {
    match events.iter().position(is_initial_events_end) {
        Some(end) => events[end + 1..]
            .iter()
            .all(is_plain_bookmark)
            .then(|| &events[..=end]),
        None => Some(events),
    }
}

/// The body to send: JSON as recorded, protobuf decoded, substituted and encoded again in the style
/// it was recorded in (Go's or minimal), anything else (deliberately broken bytes) as it is.
fn request_body(request: &Value, step: &StepValues, bindings: &Bindings) -> Option<Vec<u8>> {
    if let Some(json) = request.get("body_json") {
        return Some(
            serde_json::to_vec(&substitute(json, None, step, bindings)).unwrap_or_default(),
        );
    }
    let bytes = STANDARD
        .decode(request.get("body_base64")?.as_str()?)
        .ok()?;
    let Ok(decoded) = protobuf::decode(&bytes) else {
        return Some(bytes);
    };
    let substituted = substitute(&decoded, None, step, bindings);
    if protobuf::encode(&decoded).ok().as_ref() == Some(&bytes) {
        return protobuf::encode(&substituted).ok();
    }
    if protobuf::encode_minimal(&decoded).ok().as_ref() == Some(&bytes) {
        return protobuf::encode_minimal(&substituted).ok();
    }
    Some(bytes)
}

/// The namespaces the recorded requests address (`/namespaces/<ns>/…`).
fn namespaces(scenario: &PbScenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for step in &scenario.steps {
        let path = step["request"]["path"].as_str().unwrap_or_default();
        let mut segments = path.split('/');
        while let Some(segment) = segments.next() {
            if segment == "namespaces"
                && let Some(ns) = segments.next()
                && !ns.is_empty()
                && !out.iter().any(|known| known == ns)
            {
                out.push(ns.to_owned());
            }
        }
    }
    out
}

/// Replays one scenario and compares every answer.
pub async fn replay_pb(target: &PbTarget, scenario: &PbScenario) -> PbScenarioDiff {
    let mut differences = Vec::new();
    for namespace in namespaces(scenario) {
        let created = target
            .client
            .post(format!("{}/api/v1/namespaces", target.base))
            .bearer_auth(&target.admin_token)
            .json(&serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": namespace}}))
            .send()
            .await;
        if let Err(err) = created {
            differences.push(format!("creating namespace {namespace}: {err}"));
        }
    }
    let mut bindings = Bindings::default();
    for (index, step) in scenario.steps.iter().enumerate() {
        let note = format!(
            "{} step {index} ({})",
            scenario.id,
            step["note"].as_str().unwrap_or_default()
        );
        if let Err(difference) = replay_step(target, step, &mut bindings).await {
            differences.push(format!("{note}: {difference}"));
        }
    }
    // The namespaces go again, so that the scenario can run again on the same target.
    for namespace in namespaces(scenario) {
        let _ = target
            .client
            .delete(format!("{}/api/v1/namespaces/{namespace}", target.base))
            .bearer_auth(&target.admin_token)
            .send()
            .await;
    }
    PbScenarioDiff {
        id: scenario.id.clone(),
        steps: scenario.steps.len(),
        differences,
    }
}

async fn replay_step(
    target: &PbTarget,
    step: &Value,
    bindings: &mut Bindings,
) -> Result<(), String> {
    let values = step_values(step);
    let request = &step["request"];
    let method =
        reqwest::Method::from_bytes(request["method"].as_str().unwrap_or("GET").as_bytes())
            .map_err(|e| e.to_string())?;
    let path = request["path"].as_str().unwrap_or("/");
    let query: Vec<(String, String)> = request["query"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            Some((
                pair[0].as_str()?.to_owned(),
                substitute_text(pair[1].as_str()?, bindings),
            ))
        })
        .collect();
    let mut url =
        reqwest::Url::parse(&format!("{}{path}", target.base)).map_err(|e| e.to_string())?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    let mut builder = target.client.request(method, url);
    for (name, value) in request["headers"].as_object().into_iter().flatten() {
        builder = builder.header(name, value.as_str().unwrap_or_default());
    }
    builder = match request["auth"].as_str() {
        Some("user") => builder.bearer_auth(&target.user_token),
        Some("bad") => builder.bearer_auth("pb-record-replay-unknown-token"),
        _ => builder.bearer_auth(&target.admin_token),
    };
    if let Some(body) = request_body(request, &values, bindings) {
        builder = builder.body(body);
    }
    let response = builder.send().await.map_err(|e| format!("sending: {e}"))?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let warnings: Vec<String> = response
        .headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let actual = response
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?;
    let recorded = &step["response"];
    let mut problems = Vec::new();
    if recorded["status"].as_u64() != Some(u64::from(status)) {
        problems.push(format!("status {status}, recorded {}", recorded["status"]));
    }
    let recorded_type = recorded["headers"]["Content-Type"]
        .as_str()
        .map(str::to_owned);
    if recorded_type != content_type {
        problems.push(format!(
            "Content-Type {content_type:?}, recorded {recorded_type:?}"
        ));
    }
    let recorded_warnings: Vec<String> = recorded["headers"]["Warning"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect();
    if recorded_warnings != warnings {
        problems.push(format!(
            "Warning {warnings:?}, recorded {recorded_warnings:?}"
        ));
    }
    let format = format_of(recorded["format"].as_str().unwrap_or_default());
    let recorded_bytes = STANDARD
        .decode(recorded["body_base64"].as_str().unwrap_or_default())
        .map_err(|e| format!("the recording's body: {e}"))?;
    if let Err(problem) = compare_bodies(format, &recorded_bytes, &actual, &values, bindings) {
        problems.push(problem);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn compare_bodies(
    format: Format,
    recorded: &[u8],
    actual: &[u8],
    step: &StepValues,
    bindings: &mut Bindings,
) -> Result<(), String> {
    if format == Format::Other {
        return if recorded == actual {
            Ok(())
        } else {
            Err(format!(
                "body {:?}, recorded {:?}",
                String::from_utf8_lossy(actual),
                String::from_utf8_lossy(recorded)
            ))
        };
    }
    let recorded_values =
        decode_body(format, recorded).map_err(|e| format!("the recorded body: {e}"))?;
    let actual_values = decode_body(format, actual).map_err(|e| {
        format!(
            "the answer does not decode ({e}): {:?}",
            String::from_utf8_lossy(&actual[..actual.len().min(200)])
        )
    })?;
    let values = |decoded: &[(Value, usize)]| -> Vec<Value> {
        decoded.iter().map(|(value, _)| value.clone()).collect()
    };
    let (recorded_all, actual_all) = (values(&recorded_values), values(&actual_values));
    let (recorded_kept, actual_kept) = match (
        without_periodic_bookmarks(&recorded_all),
        without_periodic_bookmarks(&actual_all),
    ) {
        (Some(r), Some(a)) => (r, a),
        _ => return Err("an event after the initial-events-end BOOKMARK is not a BOOKMARK".into()),
    };
    for (r, a) in recorded_kept.iter().zip(actual_kept) {
        align(r, a, step, bindings);
    }
    // The recording's JSON is compact or, for the router's 406, indented: the target's must match.
    let pretty = format == Format::Json
        && encode_body(format, &recorded_all, false).ok().as_deref() != Some(recorded);
    let expected: Vec<Value> = recorded_kept
        .iter()
        .enumerate()
        .map(|(i, r)| substitute(r, actual_kept.get(i), step, bindings))
        .collect();
    let expected_bytes = encode_body(format, &expected, pretty)?;
    // The target's own bytes up to its last compared event.
    let actual_end = match actual_kept.len() {
        0 => 0,
        n => actual_values[n - 1].1,
    };
    if expected_bytes == actual[..actual_end] && actual_kept.len() == recorded_kept.len() {
        return Ok(());
    }
    let show = |values: &[Value]| serde_json::to_string(values).unwrap_or_default();
    Err(format!(
        "body differs:\n  recorded {}\n  actual   {}",
        show(&expected),
        show(actual_kept)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forbidden_message_binds_the_user_and_nothing_else() {
        let step = StepValues::default();
        let mut bindings = Bindings::default();
        let recorded = Value::String("endpoints \"ep-1\" is forbidden: User \"ref-user\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"ns\"".into());
        let actual = Value::String("endpoints \"ep-1\" is forbidden: User \"bob\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"ns\"".into());
        align(&recorded, &actual, &step, &mut bindings);
        assert_eq!(substitute(&recorded, None, &step, &bindings), actual);
        // Another verb is still another message.
        let watch = Value::String("endpoints is forbidden: User \"bob\" cannot watch resource \"endpoints\" in API group \"\" in the namespace \"ns\"".into());
        let recorded_get = Value::String("endpoints is forbidden: User \"ref-user\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"ns\"".into());
        assert_ne!(substitute(&recorded_get, None, &step, &bindings), watch);
        let mut fresh = Bindings::default();
        align(&recorded_get, &watch, &step, &mut fresh);
        assert!(fresh.users.is_empty());
    }

    #[test]
    fn messages_bind_their_embedded_numbers() {
        let step = StepValues {
            values: ["6744".to_owned()].into(),
            ..StepValues::default()
        };
        let mut bindings = Bindings::default();
        let recorded = Value::String("too old resource version: 1 (6744)".into());
        align(
            &recorded,
            &Value::String("too old resource version: 1 (12)".into()),
            &step,
            &mut bindings,
        );
        assert_eq!(bindings.get("6744"), Some("12"));
        assert_eq!(
            substitute(&recorded, None, &step, &bindings),
            Value::String("too old resource version: 1 (12)".into())
        );
    }

    #[test]
    fn continue_tokens_are_compared_by_content() {
        let token =
            URL_SAFE_NO_PAD.encode(br#"{"v":"meta.k8s.io/v1","rv":10802,"start":"ep-2\u0000"}"#);
        let ours = URL_SAFE_NO_PAD.encode(br#"{"v":"meta.k8s.io/v1","rv":7,"start":"ep-2\u0000"}"#);
        let step = StepValues {
            values: ["10802".to_owned()].into(),
            continues: [token.clone()].into(),
            ..StepValues::default()
        };
        let mut bindings = Bindings::default();
        align(
            &Value::String(token.clone()),
            &Value::String(ours.clone()),
            &step,
            &mut bindings,
        );
        assert_eq!(
            substitute(&Value::String(token), None, &step, &bindings),
            Value::String(ours)
        );
    }

    #[test]
    fn periodic_bookmarks_after_the_initial_events_end_are_cut() {
        let end = serde_json::json!({"type": "BOOKMARK", "object": {"metadata":
            {"annotations": {INITIAL_EVENTS_END: "true"}}}});
        let plain = serde_json::json!({"type": "BOOKMARK", "object": {"metadata": {}}});
        let added = serde_json::json!({"type": "ADDED", "object": {}});
        let events = [added.clone(), end.clone(), plain.clone(), plain];
        assert_eq!(
            without_periodic_bookmarks(&events).map(<[Value]>::len),
            Some(2)
        );
        assert_eq!(without_periodic_bookmarks(&[end, added]), None);
    }
}
