//! Step-by-step comparison of two normalized transcripts of one scenario, by the rules of
//! `k8s-transcript diff`: status, the Warning / Retry-After / Content-Type / Location headers, the body
//! format and the normalized body, watch event types and objects, decoded continue tokens, and who
//! ended a watch stream. Arrival times are recorded but never compared.
//!
//! Watch steps may carry `nondeterministic` marks, each side's honoured for that side:
//! `initial_event_order` (leading ADDED events compared as a set), `bookmark_count` (consecutive
//! BOOKMARK events compared as one), `bookmarks` (BOOKMARK events not compared) and
//! `periodic_bookmarks` (only the BOOKMARK that ends the initial events is compared).
//!
//! By the sequence rules ([`Rules::Sequence`]) two orders that the server leaves to timing or to a
//! Go map are compared as sets: the entries of every `managedFields` (sorted by operation and
//! manager) and the causes of a server-side apply conflict.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::transcript::{Rules, Scenario, Step};

/// A named kind of difference that may be ignored (`--ignore NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ignore {
    /// Warning response headers.
    Warning,
    /// The text of every `message` field (Status messages, causes, event objects).
    MessageText,
    /// Retry-After response headers.
    RetryAfter,
    /// Content-Type response headers.
    ContentType,
    /// Compact versus indented JSON, and whether protobuf bytes are exactly Go's (`go_exact`).
    Format,
    /// `metadata.managedFields`.
    ManagedFields,
    /// BOOKMARK watch events.
    Bookmarks,
    /// How a watch stream ended (server or client).
    StreamEnd,
    /// The order of `details.causes`.
    CauseOrder,
    /// The decoded content of continue tokens (opaque to clients).
    ContinueTokens,
}

impl Ignore {
    /// Every ignorable kind, with its name and what it covers.
    pub const ALL: [(Ignore, &'static str, &'static str); 10] = [
        (Ignore::Warning, "warning", "Warning response headers"),
        (
            Ignore::MessageText,
            "message-text",
            "the text of every \"message\" field (Status messages, causes, event objects)",
        ),
        (
            Ignore::RetryAfter,
            "retry-after",
            "Retry-After response headers",
        ),
        (
            Ignore::ContentType,
            "content-type",
            "Content-Type response headers",
        ),
        (
            Ignore::Format,
            "format",
            "compact versus indented JSON, and Go-exact protobuf bytes",
        ),
        (
            Ignore::ManagedFields,
            "managed-fields",
            "metadata.managedFields",
        ),
        (Ignore::Bookmarks, "bookmarks", "BOOKMARK watch events"),
        (
            Ignore::StreamEnd,
            "stream-end",
            "how a watch stream ended (server or client)",
        ),
        (
            Ignore::CauseOrder,
            "cause-order",
            "the order of details.causes",
        ),
        (
            Ignore::ContinueTokens,
            "continue-tokens",
            "the decoded content of continue tokens (opaque to clients)",
        ),
    ];

    /// The kebab-case name (`message-text`).
    pub fn name(self) -> &'static str {
        Ignore::ALL
            .iter()
            .find(|(kind, _, _)| *kind == self)
            .map_or("", |(_, name, _)| name)
    }
}

/// An unknown `--ignore` name.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown ignore name {name:?}; known: warning, message-text, retry-after, content-type, format, managed-fields, bookmarks, stream-end, cause-order, continue-tokens"
)]
pub struct UnknownIgnore {
    /// The name given.
    pub name: String,
}

impl std::str::FromStr for Ignore {
    type Err = UnknownIgnore;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ignore::ALL
            .iter()
            .find(|(_, name, _)| *name == s)
            .map(|(kind, _, _)| *kind)
            .ok_or_else(|| UnknownIgnore { name: s.to_owned() })
    }
}

/// What to leave out of a comparison.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Kinds of difference to ignore.
    pub ignore: Vec<Ignore>,
    /// Globs (`*`, `?`) on difference paths to ignore, e.g. `*.metadata.creationTimestamp`.
    pub ignore_paths: Vec<String>,
    /// The rules the recording follows (see [`Rules`]).
    #[serde(default)]
    pub rules: Rules,
}

impl CompareOptions {
    fn ignores(&self, kind: Ignore) -> bool {
        self.ignore.contains(&kind)
    }

    fn ignored_path(&self, path: &str) -> bool {
        self.ignore_paths.iter().any(|glob| glob_match(glob, path))
    }
}

/// How two values differ at one place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// Present in the expected transcript only.
    OnlyExpected {
        /// The expected value.
        expected: Value,
    },
    /// Present in the actual answer only.
    OnlyActual {
        /// The actual value.
        actual: Value,
    },
    /// Present on both sides with different values.
    Changed {
        /// The expected value.
        expected: Value,
        /// The actual value.
        actual: Value,
    },
    /// Lists of different length (their common prefix is compared item by item).
    Length {
        /// Items expected.
        expected: usize,
        /// Items received.
        actual: usize,
    },
    /// The steps no longer line up (a different request was sent at this position).
    Misaligned {
        /// The request the expected transcript has here.
        expected: String,
        /// The request sent.
        actual: String,
    },
}

/// One difference between the expected transcript and the actual answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// 1-based step number; None for scenario-level differences (error, skipped, step count).
    pub step: Option<usize>,
    /// `METHOD path` of the step's request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Where: `response.status`, `response.body.details.causes[0].message`, `events[2].type`,
    /// `stream.ended_by`, `continue_tokens`, `steps`, `error`...
    pub path: String,
    /// What differs.
    #[serde(flatten)]
    pub change: Change,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(step), Some(request)) = (self.step, &self.request) {
            write!(f, "step {step} ({request}) ")?;
        }
        match &self.change {
            Change::OnlyExpected { expected } => {
                write!(f, "{}: only expected: {}", self.path, short(expected, 160))
            }
            Change::OnlyActual { actual } => {
                write!(f, "{}: only actual: {}", self.path, short(actual, 160))
            }
            Change::Changed { expected, actual } => write!(
                f,
                "{}: expected {} != actual {}",
                self.path,
                short(expected, 400),
                short(actual, 400)
            ),
            Change::Length { expected, actual } => write!(
                f,
                "{}: {expected} items expected, {actual} received",
                self.path
            ),
            Change::Misaligned { expected, actual } => write!(
                f,
                "{}: requests differ, expected {expected}, sent {actual}; steps are misaligned",
                self.path
            ),
        }
    }
}

fn short(value: &Value, limit: usize) -> String {
    let text = value.to_string();
    if text.chars().count() <= limit {
        text
    } else {
        let cut: String = text.chars().take(limit).collect();
        format!("{cut}...")
    }
}

/// Compares two transcripts of one scenario, `expected` (the recording) against `actual`.
pub fn compare_scenarios(
    expected: &Scenario,
    actual: &Scenario,
    opts: &CompareOptions,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let scenario_level = |path: &str, a: &Option<String>, b: &Option<String>| {
        (a != b).then(|| Difference {
            step: None,
            request: None,
            path: path.to_owned(),
            change: Change::Changed {
                expected: a.clone().map_or(Value::Null, Value::String),
                actual: b.clone().map_or(Value::Null, Value::String),
            },
        })
    };
    out.extend(scenario_level("error", &expected.error, &actual.error));
    out.extend(scenario_level(
        "skipped",
        &expected.skipped,
        &actual.skipped,
    ));
    if expected.steps.len() != actual.steps.len() {
        out.push(Difference {
            step: None,
            request: None,
            path: "steps".to_owned(),
            change: Change::Length {
                expected: expected.steps.len(),
                actual: actual.steps.len(),
            },
        });
    }
    for (i, (sa, sb)) in expected.steps.iter().zip(&actual.steps).enumerate() {
        let request = format!("{} {}", sa.request.method, sa.request.path);
        if (&sa.request.method, &sa.request.path) != (&sb.request.method, &sb.request.path) {
            out.push(Difference {
                step: Some(i + 1),
                request: Some(request),
                path: "request".to_owned(),
                change: Change::Misaligned {
                    expected: format!("{} {}", sa.request.method, sa.request.path),
                    actual: format!("{} {}", sb.request.method, sb.request.path),
                },
            });
            break;
        }
        let mut found = Vec::new();
        compare_values(
            &comparable_response(sa, opts),
            &comparable_response(sb, opts),
            "response",
            opts,
            &mut found,
        );
        // Each side is read with its own marks, as the recording tool does: a replay copies the
        // recording's marks and may add `bookmarks` when other clients wrote during the watch.
        compare_values(
            &comparable_events(sa, sa.nondeterministic.as_ref(), opts),
            &comparable_events(sb, sb.nondeterministic.as_ref(), opts),
            "events",
            opts,
            &mut found,
        );
        // Sequence rules compared each token by its decoded content in place.
        if !opts.ignores(Ignore::ContinueTokens) && opts.rules != Rules::Sequence {
            let tokens = |s: &Step| s.continue_tokens.clone().map_or(Value::Null, Value::Object);
            compare_values(
                &tokens(sa),
                &tokens(sb),
                "continue_tokens",
                opts,
                &mut found,
            );
        }
        if !opts.ignores(Ignore::StreamEnd) {
            let ended = |s: &Step| {
                s.stream
                    .as_ref()
                    .map_or(Value::Null, |e| Value::String(e.ended_by.clone()))
            };
            compare_values(&ended(sa), &ended(sb), "stream.ended_by", opts, &mut found);
        }
        out.extend(found.into_iter().map(|(path, change)| Difference {
            step: Some(i + 1),
            request: Some(request.clone()),
            path,
            change,
        }));
    }
    out
}

/// The response of a step with ignored headers and format removed.
fn comparable_response(step: &Step, opts: &CompareOptions) -> Value {
    let mut response = step.response.clone().unwrap_or(Value::Null);
    if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
        for (name, kind) in [
            ("Warning", Ignore::Warning),
            ("Retry-After", Ignore::RetryAfter),
            ("Content-Type", Ignore::ContentType),
        ] {
            if opts.ignores(kind) {
                headers.remove(name);
            }
        }
    }
    if opts.ignores(Ignore::Format)
        && let Some(map) = response.as_object_mut()
    {
        map.remove("format");
        map.remove("go_exact");
    }
    if opts.rules == Rules::Sequence
        && let Some(body) = response.get_mut("body")
    {
        settle_conflict_causes(body);
        settle_managed_fields(body);
        if let Some(tokens) = &step.continue_tokens {
            decode_continue_placeholders(body, tokens);
        }
    }
    response
}

/// A continue token holds the cluster-wide resourceVersion of its list, so whether two lists of a
/// sequence hand out the same token (and `<continue-N>` numbering) depends on writes elsewhere in
/// the cluster: sequence rules compare a token by its decoded content, as seq-diff does.
fn decode_continue_placeholders(node: &mut Value, tokens: &Map<String, Value>) {
    match node {
        Value::String(text) => {
            if let Some(decoded) = tokens.get(text.as_str()) {
                *text = format!("continue token {decoded}");
            }
        }
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| decode_continue_placeholders(v, tokens)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| decode_continue_placeholders(v, tokens)),
        _ => {}
    }
}

/// The annotation on the BOOKMARK that ends a watch's initial events.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// Server-side apply conflict causes come in the order of a Go map of managers (the message itself
/// is sorted): compared sorted, as a set.
fn settle_conflict_causes(body: &mut Value) {
    let Some(causes) = body
        .pointer_mut("/details/causes")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let conflict = causes
        .iter()
        .any(|c| c.get("reason").and_then(Value::as_str) == Some("FieldManagerConflict"));
    if conflict {
        causes.sort_by_cached_key(Value::to_string);
    }
}

/// `managedFields` entries are ordered by operation, then by time in whole seconds, then by
/// manager; times are normalized, and whether two entries share a second is timing: compared sorted
/// by operation and manager.
fn settle_managed_fields(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Array(entries)) = map.get_mut("managedFields")
                && entries.iter().all(Value::is_object)
            {
                entries.sort_by_cached_key(|e| {
                    let field = |name: &str| {
                        e.get(name)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (field("operation"), field("manager"), e.to_string())
                });
            }
            for value in map.values_mut() {
                settle_managed_fields(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(settle_managed_fields),
        _ => {}
    }
}

/// The watch events of a step as `{"type", "object"}`, with the nondeterministic marks applied.
fn comparable_events(
    step: &Step,
    marks: Option<&Map<String, Value>>,
    opts: &CompareOptions,
) -> Value {
    let mut events: Vec<Value> = step
        .events
        .iter()
        .flatten()
        .map(|e| {
            let object = e
                .get("object")
                .or_else(|| e.get("raw"))
                .cloned()
                .unwrap_or(Value::Null);
            let mut map = Map::new();
            map.insert(
                "type".to_owned(),
                e.get("type").cloned().unwrap_or(Value::Null),
            );
            map.insert("object".to_owned(), object);
            // A protobuf frame's byte-exactness (see `http::protobuf_event`): the bytes of a JSON
            // event are not compared, but a protobuf one has no spacing to forgive.
            if let Some(exact) = e.get("go_exact").filter(|_| !opts.ignores(Ignore::Format)) {
                map.insert("go_exact".to_owned(), exact.clone());
            }
            Value::Object(map)
        })
        .collect();
    let is_bookmark = |e: &Value| e.get("type").and_then(Value::as_str) == Some("BOOKMARK");
    let marked = |name: &str| marks.is_some_and(|m| m.contains_key(name));
    if opts.ignores(Ignore::Bookmarks) || marked("bookmarks") {
        events.retain(|e| !is_bookmark(e));
    }
    if marked("periodic_bookmarks") {
        events.retain(|e| {
            !is_bookmark(e)
                || e.pointer("/object/metadata/annotations")
                    .and_then(|a| a.get(INITIAL_EVENTS_END))
                    .and_then(Value::as_str)
                    == Some("true")
        });
    }
    if marked("bookmark_count") {
        let mut kept: Vec<Value> = Vec::with_capacity(events.len());
        for event in events {
            if is_bookmark(&event) && kept.last().is_some_and(is_bookmark) {
                continue;
            }
            kept.push(event);
        }
        events = kept;
    }
    if marked("initial_event_order") {
        let leading = events
            .iter()
            .take_while(|e| e.get("type").and_then(Value::as_str) == Some("ADDED"))
            .count();
        let key = |e: &Value| {
            let meta = e.pointer("/object/metadata");
            let field = |name: &str| {
                meta.and_then(|m| m.get(name))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            (field("namespace"), field("name"))
        };
        events[..leading].sort_by_key(key);
    }
    let mut events = Value::Array(events);
    if opts.rules == Rules::Sequence {
        settle_managed_fields(&mut events);
    }
    events
}

/// The user a Forbidden message names: `… is forbidden: User "<user>" cannot …`.
pub(crate) fn forbidden_user(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once(" is forbidden: User \"")?;
    let (user, tail) = rest.split_once('"')?;
    tail.starts_with(" cannot ").then_some(user)
}

/// `User "<user>"`, as a Forbidden message quotes it.
pub(crate) fn quoted_user(user: &str) -> String {
    format!("User \"{user}\"")
}

/// Two Forbidden messages that differ only in the user they name: whoever the target calls the
/// unprivileged token's user (the recordings name the recorder's).
fn same_but_the_forbidden_user(a: &Value, b: &Value) -> bool {
    let (Value::String(a), Value::String(b)) = (a, b) else {
        return false;
    };
    match (forbidden_user(a), forbidden_user(b)) {
        (Some(x), Some(y)) => a.replacen(&quoted_user(x), &quoted_user(y), 1) == *b,
        _ => false,
    }
}

/// Appends one entry per difference between `a` (expected) and `b` (actual).
fn compare_values(
    a: &Value,
    b: &Value,
    path: &str,
    opts: &CompareOptions,
    out: &mut Vec<(String, Change)>,
) {
    if opts.ignored_path(path) {
        return;
    }
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let mut keys: Vec<&String> = ma.keys().collect();
            keys.extend(mb.keys().filter(|k| !ma.contains_key(*k)));
            for key in keys {
                let sub = format!("{path}.{key}");
                if opts.ignored_path(&sub) {
                    continue;
                }
                let (va, vb) = (ma.get(key), mb.get(key));
                if key == "managedFields" && opts.ignores(Ignore::ManagedFields) {
                    continue;
                }
                if key == "message"
                    && opts.ignores(Ignore::MessageText)
                    && va.is_some_and(Value::is_string)
                    && vb.is_some_and(Value::is_string)
                {
                    continue;
                }
                if key == "causes"
                    && opts.ignores(Ignore::CauseOrder)
                    && let (Some(Value::Array(ca)), Some(Value::Array(cb))) = (va, vb)
                {
                    let sorted = |items: &Vec<Value>| {
                        let mut items = items.clone();
                        items.sort_by_key(|v| v.to_string());
                        Value::Array(items)
                    };
                    compare_values(&sorted(ca), &sorted(cb), &sub, opts, out);
                    continue;
                }
                match (va, vb) {
                    (None, Some(vb)) => out.push((sub, Change::OnlyActual { actual: vb.clone() })),
                    (Some(va), None) => out.push((
                        sub,
                        Change::OnlyExpected {
                            expected: va.clone(),
                        },
                    )),
                    (Some(va), Some(vb)) => compare_values(va, vb, &sub, opts, out),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(la), Value::Array(lb)) => {
            let scalar = |v: &Value| !v.is_object() && !v.is_array();
            if a != b && la.iter().chain(lb).all(scalar) {
                // Lists of scalars (Warning headers, for instance): show both lists at once.
                out.push((
                    path.to_owned(),
                    Change::Changed {
                        expected: a.clone(),
                        actual: b.clone(),
                    },
                ));
                return;
            }
            if la.len() != lb.len() {
                out.push((
                    path.to_owned(),
                    Change::Length {
                        expected: la.len(),
                        actual: lb.len(),
                    },
                ));
            }
            for (i, (x, y)) in la.iter().zip(lb).enumerate() {
                compare_values(x, y, &format!("{path}[{i}]"), opts, out);
            }
        }
        _ => {
            if !same_scalar(a, b) && !same_but_the_forbidden_user(a, b) {
                out.push((
                    path.to_owned(),
                    Change::Changed {
                        expected: a.clone(),
                        actual: b.clone(),
                    },
                ));
            }
        }
    }
}

/// Equality that, like the recording tool, tells integers from floats (`1` differs from `1.0`).
fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.is_f64() == y.is_f64() && x == y,
        _ => a == b,
    }
}

/// `fnmatch`-style matching with `*`, `?` and `[...]` (the whole string must match).
fn glob_match(glob: &str, text: &str) -> bool {
    let pattern: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    glob_at(&pattern, &text)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|skip| glob_at(&p[1..], &t[skip..])),
        Some('?') => !t.is_empty() && glob_at(&p[1..], &t[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(1).position(|c| *c == ']').map(|i| i + 1) else {
                return t.first() == Some(&'[') && glob_at(&p[1..], &t[1..]);
            };
            let Some(c) = t.first() else { return false };
            let set = &p[1..close];
            let (negate, set) = match set.first() {
                Some('!') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= *c && *c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == *c;
                    i += 1;
                }
            }
            hit != negate && glob_at(&p[close + 1..], &t[1..])
        }
        Some(ch) => t.first() == Some(ch) && glob_at(&p[1..], &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::transcript::load_dir;
    use serde_json::json;
    use std::path::Path;

    fn recorded(version: &str, id: &str) -> Scenario {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../transcripts")
            .join(format!("kube-apiserver-{version}"));
        load_dir(&dir)
            .unwrap()
            .into_iter()
            .find(|s| s.id == id)
            .unwrap()
    }

    #[test]
    fn forbidden_messages_may_name_another_user_and_nothing_else_changes() {
        let recorded = json!(
            "endpoints is forbidden: User \"ref-user\" cannot list resource \"endpoints\" in API group \"\" at the cluster scope"
        );
        let other_user = json!(
            "endpoints is forbidden: User \"bob\" cannot list resource \"endpoints\" in API group \"\" at the cluster scope"
        );
        let other_verb = json!(
            "endpoints is forbidden: User \"bob\" cannot watch resource \"endpoints\" in API group \"\" at the cluster scope"
        );
        let mut out = Vec::new();
        compare_values(
            &recorded,
            &other_user,
            "message",
            &CompareOptions::default(),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        compare_values(
            &recorded,
            &other_verb,
            "message",
            &CompareOptions::default(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        compare_values(
            &json!("not found: ref-user"),
            &json!("not found: bob"),
            "m",
            &CompareOptions::default(),
            &mut out,
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_recording_equals_itself() {
        let s = recorded("v1.36.2", "watch/bookmark-before-timeout");
        assert!(compare_scenarios(&s, &s, &CompareOptions::default()).is_empty());
    }

    #[test]
    fn the_two_recorded_versions_differ_where_the_document_says() {
        let a = recorded("v1.36.2", "watch/limit-continue-params");
        let b = recorded("v1.28.7", "watch/limit-continue-params");
        let diffs = compare_scenarios(&a, &b, &CompareOptions::default());
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        assert!(paths.contains(&"response.status"), "{paths:?}");
        assert!(paths.contains(&"response.headers.Warning"), "{paths:?}");
        let status = diffs.iter().find(|d| d.path == "response.status").unwrap();
        assert_eq!(status.step, Some(5));
        assert_eq!(
            status.change,
            Change::Changed {
                expected: json!(422),
                actual: json!(200)
            }
        );
        // Without the Warning headers, only the 1.36 continue 422 (and the watch it replaced) and the
        // 1.36 leading slash in continue tokens remain.
        let opts = CompareOptions {
            ignore: vec![Ignore::Warning],
            ..CompareOptions::default()
        };
        let rest = compare_scenarios(&a, &b, &opts);
        assert!(
            rest.iter()
                .all(|d| d.step == Some(5) || d.path == "continue_tokens.<continue-1>.start"),
            "{rest:#?}"
        );
    }

    #[test]
    fn bookmark_count_collapses_consecutive_bookmarks() {
        // 1.28 sent two BOOKMARKs before the deadline, 1.36 one: with the mark they compare equal
        // apart from the 1.28 creationTimestamp:null and headers.
        let a = recorded("v1.36.2", "watch/bookmark-before-timeout");
        let b = recorded("v1.28.7", "watch/bookmark-before-timeout");
        let opts = CompareOptions {
            ignore: vec![Ignore::Warning],
            ignore_paths: vec!["*.creationTimestamp".to_owned()],
            ..CompareOptions::default()
        };
        assert!(compare_scenarios(&a, &b, &opts).is_empty());
        let strict = compare_scenarios(&a, &b, &CompareOptions::default());
        assert!(
            strict
                .iter()
                .any(|d| d.path == "events[1].object.metadata.creationTimestamp")
        );
    }

    /// Step `n` (1-based) of a recorded random sequence, alone.
    fn sequence_step(seed: u32, n: usize) -> Scenario {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../transcripts/sequences/kube-apiserver-v1.36.2");
        let mut scenario = load_dir(&dir)
            .unwrap()
            .into_iter()
            .find(|s| s.id == format!("sequences/seed-{seed}"))
            .unwrap();
        scenario.steps = vec![scenario.steps.swap_remove(n - 1)];
        scenario
    }

    fn sequence_rules() -> CompareOptions {
        CompareOptions {
            rules: Rules::Sequence,
            ..CompareOptions::default()
        }
    }

    /// Whether `change` of step `n` of sequence `seed` is seen under sequence rules.
    fn caught(seed: u32, n: usize, change: impl FnOnce(&mut Step)) -> bool {
        let expected = sequence_step(seed, n);
        let mut actual = expected.clone();
        change(&mut actual.steps[0]);
        !compare_scenarios(&expected, &actual, &sequence_rules()).is_empty()
    }

    fn body(step: &mut Step) -> &mut Value {
        step.response.as_mut().unwrap().get_mut("body").unwrap()
    }

    #[test]
    fn sequence_rules_settle_the_order_of_managed_fields_entries_only() {
        // A fn, not a closure: a closure's signature cannot tie the result to its argument.
        fn entries(step: &mut Step) -> &mut Vec<Value> {
            body(step)
                .pointer_mut("/metadata/managedFields")
                .and_then(Value::as_array_mut)
                .unwrap()
        }
        assert!(!caught(7000, 16, |step| entries(step).reverse()));
        assert!(caught(7000, 16, |step| {
            entries(step)[0]["fieldsV1"] = json!({"f:subsets": {}});
        }));
        assert!(caught(7000, 16, |step| {
            entries(step)[1]["manager"] = json!("someone-else");
        }));
        assert!(caught(7000, 16, |step| {
            entries(step).pop();
        }));
        // Without the rules the order counts.
        let expected = sequence_step(7000, 16);
        let mut reversed = expected.clone();
        entries(&mut reversed.steps[0]).reverse();
        assert!(!compare_scenarios(&expected, &reversed, &CompareOptions::default()).is_empty());
    }

    #[test]
    fn sequence_rules_compare_apply_conflict_causes_as_a_set() {
        // A fn, not a closure: a closure's signature cannot tie the result to its argument.
        fn causes(step: &mut Step) -> &mut Vec<Value> {
            body(step)
                .pointer_mut("/details/causes")
                .and_then(Value::as_array_mut)
                .unwrap()
        }
        assert!(!caught(7011, 15, |step| causes(step).reverse()));
        assert!(caught(7011, 15, |step| {
            causes(step)[0]["field"] = json!(".metadata.labels.other");
        }));
        assert!(caught(7011, 15, |step| {
            causes(step).pop();
        }));
        // The message is sorted by kube-apiserver itself: its order still counts.
        assert!(caught(7011, 15, |step| {
            let message = body(step)["message"]
                .as_str()
                .unwrap()
                .replace(".subsets", ".x");
            body(step)["message"] = json!(message);
        }));
    }

    #[test]
    fn periodic_bookmarks_compare_only_the_initial_events_end_bookmark() {
        let plain_bookmark = json!({"type": "BOOKMARK", "object": {"kind": "Endpoints",
            "apiVersion": "v1", "metadata": {"resourceVersion": "<rv-3+>"}}});
        assert!(!caught(7003, 3, |step| {
            step.events.as_mut().unwrap().push(plain_bookmark.clone());
        }));
        assert!(caught(7003, 3, |step| {
            step.events
                .as_mut()
                .unwrap()
                .retain(|e| e["type"] != "BOOKMARK");
        }));
        assert!(caught(7003, 3, |step| {
            let events = step.events.as_mut().unwrap();
            let end = events.iter_mut().find(|e| e["type"] == "BOOKMARK").unwrap();
            end["object"]["metadata"]["annotations"] = json!({});
        }));
        assert!(caught(7003, 3, |step| {
            let events = step.events.as_mut().unwrap();
            let added = json!({"type": "ADDED", "object": {"kind": "Endpoints",
                "metadata": {"name": "ep-9"}}});
            events.push(added);
        }));
    }

    #[test]
    fn sequence_rules_compare_continue_tokens_by_their_content() {
        fn renumber(step: &mut Step) {
            let tokens = step.continue_tokens.take().unwrap();
            let mut renamed = Map::new();
            for (key, token) in tokens {
                let new_key = key.replace("continue-", "continue-7");
                let text = body(step).to_string().replace(&key, &new_key);
                *body(step) = serde_json::from_str(&text).unwrap();
                renamed.insert(new_key, token);
            }
            step.continue_tokens = Some(renamed);
        }
        assert!(!caught(7000, 4, renumber));
        assert!(caught(7000, 4, |step| {
            renumber(step);
            for token in step.continue_tokens.as_mut().unwrap().values_mut() {
                token["start"] = json!("ep-9\u{0}");
            }
        }));
        assert!(caught(7000, 4, |step| {
            body(step)["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("continue");
        }));
        // Without the rules the numbering counts.
        let expected = sequence_step(7000, 4);
        let mut renumbered = expected.clone();
        renumber(&mut renumbered.steps[0]);
        assert!(!compare_scenarios(&expected, &renumbered, &CompareOptions::default()).is_empty());
    }

    #[test]
    fn initial_events_compare_as_a_set() {
        let a = recorded("v1.36.2", "watch/initial-events-rv-unset");
        let mut b = a.clone();
        let events = b.steps[2].events.as_mut().unwrap();
        events.swap(0, 1);
        assert!(compare_scenarios(&a, &b, &CompareOptions::default()).is_empty());
        b.steps[2].nondeterministic = None;
        let mut a2 = a.clone();
        a2.steps[2].nondeterministic = None;
        assert!(!compare_scenarios(&a2, &b, &CompareOptions::default()).is_empty());
    }

    #[test]
    fn scalar_types_and_missing_keys_are_reported() {
        let mut out = Vec::new();
        let opts = CompareOptions::default();
        compare_values(
            &json!({"a": 1, "b": 2}),
            &json!({"a": 1.0, "c": 3}),
            "x",
            &opts,
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["x.a", "x.b", "x.c"]);
        assert!(matches!(out[1].1, Change::OnlyExpected { .. }));
        assert!(matches!(out[2].1, Change::OnlyActual { .. }));
    }

    #[test]
    fn globs_and_ignore_names() {
        assert!(glob_match(
            "*.metadata.creationTimestamp",
            "response.body.metadata.creationTimestamp"
        ));
        assert!(glob_match("events[[]?]*", "events[1].type"));
        assert!(!glob_match("response.status", "response.status.x"));
        assert_eq!(
            "message-text".parse::<Ignore>().unwrap(),
            Ignore::MessageText
        );
        assert!("nope".parse::<Ignore>().is_err());
        for (kind, name, _) in Ignore::ALL {
            assert_eq!(kind.name(), name);
        }
    }
}
