//! Normalization of one scenario's raw steps into a diffable transcript, by the rules of
//! `k8s-transcript` (format version 1):
//!
//! - `metadata.uid` and `details.uid` values become `<uid-N>`, numbered by first appearance and
//!   replaced in every string;
//! - RFC 3339 timestamps inside any string become `<time>`;
//! - an object's own `metadata.resourceVersion` becomes `<rv-N>`, its rank among the scenario's
//!   distinct object resourceVersions; cluster-wide ones (list metadata, bookmarks, continue tokens,
//!   numbers quoted in messages) become `<rv-N+>`, "at or after `<rv-N>`"; the client literals `0`, `1`
//!   and `999999999` stay;
//! - the scenario namespace becomes `<ns>`, the server's host:port `<server>`, generated name suffixes
//!   `<gen-N>`, continue tokens `<continue-N>` (decoded copies go to `step.continue_tokens`),
//!   `/version`'s gitCommit `<git-commit>`, Go pointers in messages `(<pointer>)`.
//!
//! Object resourceVersions come from the scenario's own writes, so their order is deterministic;
//! cluster-wide ones may move with writes elsewhere, hence written relative to the object ones.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use regex::{Captures, Regex};
use serde_json::{Map, Value};

use super::transcript::{Request, Rules, Step};

/// The "far future" resourceVersion scenarios send.
pub(crate) const FUTURE_RV: &str = "999999999";

// The patterns below are fixed: compiling them cannot fail.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)").expect("valid regex")
});
static GO_POINTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\(\*[\w.\[\]]+\))\(0x[0-9a-f]+\)").expect("valid regex"));

/// Where a resourceVersion appears, which decides how it is symbolized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// An object's own resourceVersion.
    Object,
    /// A cluster-wide resourceVersion.
    Global,
    /// A value the client sent.
    Value,
}

/// Messages that embed resourceVersions, with the placement of each numbered group.
/// A message pattern and the placement of each of its resourceVersion groups.
type RvMessage = (Regex, Vec<(usize, Placement)>);

static RV_MESSAGES: LazyLock<Vec<RvMessage>> = LazyLock::new(|| {
    use Placement::{Global, Object, Value};
    let rx = |p: &str| Regex::new(p).expect("valid regex");
    vec![
        (
            rx(r"(too old resource version: )(\d+)( \()(\d+)(\))"),
            vec![(2, Value), (4, Global)],
        ),
        (
            rx(r"(Too large resource version: )(\d+)(, current: )(\d+)"),
            vec![(2, Value), (4, Global)],
        ),
        (
            rx(
                r"(ResourceVersion in the precondition \()(\d+)(\) does not match the ResourceVersion in record \()(\d+)(\))",
            ),
            vec![(2, Value), (4, Value)],
        ),
        (
            rx(r#"(\\?"resourceVersion\\?":\\?")(\d+)(\\?")"#),
            vec![(2, Object)],
        ),
    ]
});

/// Normalizes the steps of one scenario.
#[derive(Debug)]
pub(crate) struct Normalizer {
    /// Client-chosen resourceVersions that stay literal.
    literal_rvs: &'static [&'static str],
    /// The recording tool's field manager and the name the published files give it.
    manager_alias: Option<(&'static str, &'static str)>,
    literals: Vec<(String, String)>,
    uids: Vec<(String, String)>,
    object_rvs: Vec<u64>,
    generated: Vec<(String, String)>,
    tokens: HashMap<String, String>,
    decoded_tokens: HashMap<String, Value>,
    literal_re: Option<(Regex, HashMap<String, String>)>,
    /// One more than the largest resourceVersion number pass 2 ranked so far, 0 for none (see
    /// [`WholePrefix`]). Atomic, not a `Cell`, so that a replay holding a normalizer across an await
    /// stays `Send` (a suite check runs replays on any worker).
    max_ranked: AtomicU64,
}

impl Normalizer {
    /// A normalizer for a scenario run in `namespace` against a server at `netloc` (`host:port`),
    /// by the transcript rules.
    #[cfg(test)]
    pub(crate) fn new(namespace: &str, netloc: &str) -> Self {
        Normalizer::with_rules(namespace, netloc, Rules::Transcript)
    }

    /// A normalizer by `rules`' literals.
    pub(crate) fn with_rules(namespace: &str, netloc: &str, rules: Rules) -> Self {
        Normalizer {
            literal_rvs: rules.literal_rvs(),
            manager_alias: rules.manager_alias(),
            literals: vec![
                (namespace.to_owned(), "<ns>".to_owned()),
                (netloc.to_owned(), "<server>".to_owned()),
            ],
            uids: Vec::new(),
            object_rvs: Vec::new(),
            generated: Vec::new(),
            tokens: HashMap::new(),
            decoded_tokens: HashMap::new(),
            literal_re: None,
            max_ranked: AtomicU64::new(0),
        }
    }

    /// Normalizes `steps` (raw, as sent and received) into transcript steps.
    pub(crate) fn steps(&mut self, steps: &[Step]) -> Vec<Step> {
        self.collect_steps(steps);
        steps.iter().map(|step| self.step(step)).collect()
    }

    /// Pass 1 over `steps`: what [`Normalizer::steps`] learns before rewriting anything.
    fn collect_steps(&mut self, steps: &[Step]) {
        for step in steps {
            self.collect_step(step);
        }
        self.object_rvs.sort_unstable();
        // The literal set grew with the uids and generated names just collected.
        self.literal_re = None;
    }

    /// Pass 1 over one step: the server-issued values of its answer and events.
    fn collect_step(&mut self, step: &Step) {
        if let Some(body) = step.response.as_ref().and_then(|r| r.get("body")) {
            match yaml_body(step.response.as_ref(), body) {
                Some(parsed) => self.collect(&parsed, None),
                None => self.collect(body, None),
            }
        }
        for event in step.events.iter().flatten() {
            if let Some(object) = event.get("object") {
                self.collect(object, Some("object"));
            }
        }
    }

    /// Normalizes the next step of a sequence together with the steps given before it: the same
    /// as a fresh normalizer's `steps(prefix)` would give for its last step (pass 1 only appends,
    /// and pass 2 numbers tokens by first appearance), in time linear in the sequence.
    fn next_prefix_step(&mut self, step: &Step) -> Step {
        let learnt = (self.uids.len(), self.generated.len());
        self.collect_step(step);
        self.object_rvs.sort_unstable();
        if (self.uids.len(), self.generated.len()) != learnt {
            self.literal_re = None;
        }
        self.step(step)
    }

    /// Normalizes `steps` by `rules`: as a whole (transcript rules), or each step together with the
    /// steps before it only (sequence rules), which is how `seq-diff` numbers placeholders.
    pub(crate) fn normalize(
        namespace: &str,
        netloc: &str,
        rules: Rules,
        steps: &[Step],
    ) -> (Vec<Step>, Normalizer) {
        let mut whole = Normalizer::with_rules(namespace, netloc, rules);
        if rules == Rules::Transcript {
            let normalized = whole.steps(steps);
            return (normalized, whole);
        }
        // The whole-scenario normalizer is only kept for `text` (a scenario error), which reads
        // pass 1's tables alone: rewriting every step with it as well would be thrown away.
        whole.collect_steps(steps);
        let mut incremental = Normalizer::with_rules(namespace, netloc, rules);
        let prefixwise = steps
            .iter()
            .map(|step| incremental.next_prefix_step(step))
            .collect();
        (prefixwise, whole)
    }

    /// Normalizes free text (a scenario error, for instance) with what the steps taught.
    pub(crate) fn text(&mut self, value: &str) -> String {
        if self.literal_re.is_none() {
            let mut map: HashMap<String, String> = HashMap::new();
            for (k, v) in self
                .literals
                .iter()
                .chain(self.uids.iter())
                .chain(self.generated.iter())
            {
                if !k.is_empty() {
                    map.insert(k.clone(), v.clone());
                }
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            let pattern = keys
                .iter()
                .map(|k| regex::escape(k))
                .collect::<Vec<_>>()
                .join("|");
            let re = literal_regex(&pattern);
            self.literal_re = Some((re, map));
        }
        // Most strings hold nothing to rewrite: every step below borrows until it changes
        // something, since this runs for every string of every answer of every prefix.
        let mut out: Cow<'_, str> = match &self.literal_re {
            Some((re, map)) => re.replace_all(value, |c: &Captures<'_>| {
                map.get(&c[0]).cloned().unwrap_or_else(|| c[0].to_owned())
            }),
            None => Cow::Borrowed(value),
        };
        if let Some((recorder, published)) = self.manager_alias
            && out.contains(recorder)
        {
            out = if out == recorder {
                Cow::Owned(published.to_owned())
            } else {
                Cow::Owned(out.replace(&format!("\"{recorder}\""), &format!("\"{published}\"")))
            };
        }
        // Timestamps, Go pointers and resourceVersions in messages all have digits.
        if !out.bytes().any(|b| b.is_ascii_digit()) {
            return out.into_owned();
        }
        if let Cow::Owned(replaced) = TIMESTAMP.replace_all(&out, "<time>") {
            out = Cow::Owned(replaced);
        }
        if let Cow::Owned(replaced) = GO_POINTER.replace_all(&out, "$1(<pointer>)") {
            out = Cow::Owned(replaced);
        }
        for (pattern, placements) in RV_MESSAGES.iter() {
            let replaced = pattern.replace_all(&out, |c: &Captures<'_>| {
                let mut rebuilt = String::new();
                for i in 1..c.len() {
                    let group = c.get(i).map_or("", |m| m.as_str());
                    match placements.iter().find(|(n, _)| *n == i) {
                        Some((_, placement)) => rebuilt.push_str(&self.rv(group, *placement)),
                        None => rebuilt.push_str(group),
                    }
                }
                rebuilt
            });
            if let Cow::Owned(replaced) = replaced {
                out = Cow::Owned(replaced);
            }
        }
        out.into_owned()
    }

    // ---- pass 1: collect server-issued values ---------------------------------------------------

    fn collect(&mut self, node: &Value, key: Option<&str>) {
        match node {
            Value::Object(map) => {
                if key == Some("metadata") {
                    self.collect_metadata(map);
                }
                if key == Some("details")
                    && let Some(uid) = map.get("uid").and_then(Value::as_str)
                {
                    self.add_uid(uid);
                }
                for (k, v) in map {
                    self.collect(v, Some(k));
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.collect(item, key);
                }
            }
            _ => {}
        }
    }

    fn collect_metadata(&mut self, meta: &Map<String, Value>) {
        if let Some(uid) = meta.get("uid").and_then(Value::as_str) {
            self.add_uid(uid);
        }
        if meta.contains_key("name")
            && let Some(rv) = meta.get("resourceVersion").and_then(Value::as_str)
            && let Some(number) = object_rv_number(rv, self.literal_rvs)
            && !self.object_rvs.contains(&number)
        {
            self.object_rvs.push(number);
        }
        if let (Some(base), Some(name)) = (
            meta.get("generateName").and_then(Value::as_str),
            meta.get("name").and_then(Value::as_str),
        ) {
            let base: String = base.chars().take(58).collect();
            if !base.is_empty()
                && name.starts_with(&base)
                && name.chars().count() == base.chars().count() + 5
                && !self.generated.iter().any(|(n, _)| n == name)
            {
                let symbol = format!("{base}<gen-{}>", self.generated.len() + 1);
                self.generated.push((name.to_owned(), symbol));
            }
        }
    }

    fn add_uid(&mut self, uid: &str) {
        if !uid.is_empty() && !self.uids.iter().any(|(u, _)| u == uid) {
            let symbol = format!("<uid-{}>", self.uids.len() + 1);
            self.uids.push((uid.to_owned(), symbol));
        }
    }

    // ---- pass 2: rewrite -------------------------------------------------------------------------

    fn rv(&self, value: &str, placement: Placement) -> String {
        let Some(number) = digits(value) else {
            return value.to_owned();
        };
        self.max_ranked
            .fetch_max(number.saturating_add(1), Ordering::Relaxed);
        if self.literal_rvs.contains(&value) {
            return value.to_owned();
        }
        if placement != Placement::Global
            && let Some(index) = self.object_rvs.iter().position(|r| *r == number)
        {
            return format!("<rv-{}>", index + 1);
        }
        let at_or_before = self.object_rvs.iter().filter(|r| **r <= number).count();
        format!("<rv-{at_or_before}+>")
    }

    fn token(&mut self, token: &str) -> String {
        if let Some(symbol) = self.tokens.get(token) {
            return symbol.clone();
        }
        let Some(decoded) = decode_continue(token) else {
            return self.text(token);
        };
        let symbol = format!("<continue-{}>", self.tokens.len() + 1);
        self.tokens.insert(token.to_owned(), symbol.clone());
        let rv = decoded.get("rv").cloned().unwrap_or(Value::Null);
        let mut normalized = match self.value(&Value::Object(decoded), Side::Request, None) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let rv = match rv.as_i64() {
            Some(n) if rv.is_i64() && n > 1 => {
                Value::String(self.rv(&n.to_string(), Placement::Global))
            }
            _ => rv,
        };
        normalized.insert("rv".to_owned(), rv);
        self.decoded_tokens
            .insert(symbol.clone(), Value::Object(normalized));
        symbol
    }

    fn value(&mut self, node: &Value, side: Side, key: Option<&str>) -> Value {
        match node {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let rewritten = self.field(k, v, map, side, key);
                    out.insert(k.clone(), rewritten);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.value(item, side, key))
                    .collect(),
            ),
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    fn field(
        &mut self,
        key: &str,
        value: &Value,
        parent: &Map<String, Value>,
        side: Side,
        parent_key: Option<&str>,
    ) -> Value {
        if key == "resourceVersion"
            && let Value::String(s) = value
        {
            let placement = match side {
                Side::Request => Placement::Value,
                Side::Response if parent_key == Some("metadata") && parent.contains_key("name") => {
                    Placement::Object
                }
                Side::Response => Placement::Global,
            };
            return Value::String(self.rv(s, placement));
        }
        // A JSON patch `test` of the resourceVersion is a precondition: its value is one.
        if key == "value"
            && side == Side::Request
            && parent.get("path").and_then(Value::as_str) == Some("/metadata/resourceVersion")
            && let Value::String(s) = value
        {
            return Value::String(self.rv(s, Placement::Value));
        }
        if key == "continue"
            && let Value::String(s) = value
            && !s.is_empty()
        {
            return Value::String(self.token(s));
        }
        if key == "gitCommit" && value.is_string() {
            return Value::String("<git-commit>".to_owned());
        }
        self.value(value, side, Some(key))
    }

    fn query(&mut self, pairs: &[(String, String)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| {
                let v = if k == "resourceVersion" {
                    self.rv(v, Placement::Value)
                } else if k == "continue" && !v.is_empty() {
                    self.token(v)
                } else {
                    self.text(v)
                };
                (k.clone(), v)
            })
            .collect()
    }

    fn step(&mut self, step: &Step) -> Step {
        let request = Request {
            method: self.text(&step.request.method),
            path: self.text(&step.request.path),
            query: self.query(&step.request.query),
            headers: match self.value(
                &Value::Object(step.request.headers.clone()),
                Side::Request,
                Some("headers"),
            ) {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            auth: self.text(&step.request.auth),
            body: step
                .request
                .body
                .as_ref()
                .map(|b| self.value(b, Side::Request, Some("body"))),
        };
        let response = step.response.as_ref().map(|response| match response {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let rewritten = if k == "body"
                        && let (Some(parsed), Value::String(text)) =
                            (yaml_body(Some(response), v), v)
                    {
                        Value::String(self.yaml_text(text, &parsed))
                    } else if k == "body" || k == "headers" {
                        self.value(v, Side::Response, Some(k))
                    } else {
                        v.clone()
                    };
                    out.insert(k.clone(), rewritten);
                }
                Value::Object(out)
            }
            other => other.clone(),
        });
        let events = step.events.as_ref().map(|events| {
            events
                .iter()
                .map(|event| match event {
                    Value::Object(map) => {
                        let mut out = Map::new();
                        for (k, v) in map {
                            let rewritten = if k == "object" {
                                self.value(v, Side::Response, Some("object"))
                            } else {
                                v.clone()
                            };
                            out.insert(k.clone(), rewritten);
                        }
                        Value::Object(out)
                    }
                    other => other.clone(),
                })
                .collect()
        });
        let note = step.note.as_ref().map(|n| self.text(n));
        let mut tokens = Map::new();
        for token in tokens_in(step) {
            if let Some(symbol) = self.tokens.get(&token)
                && let Some(decoded) = self.decoded_tokens.get(symbol)
            {
                tokens.insert(symbol.clone(), decoded.clone());
            }
        }
        Step {
            note,
            request,
            nondeterministic: step.nondeterministic.clone(),
            response,
            events,
            stream: step.stream.clone(),
            continue_tokens: (!tokens.is_empty()).then_some(tokens),
        }
    }
}

/// The whole normalization of a growing prefix of steps (what `Normalizer::with_rules(..).steps`
/// gives for it), with something derived from each normalized step and its raw one.
///
/// Replay reads the bindings of the whole prefix before most requests; normalizing every prefix
/// afresh made a replay quadratic in its steps. Here a grown prefix only normalizes its new steps,
/// when that provably gives what normalizing it afresh gives: the earlier steps are unchanged, no
/// new object resourceVersion is at or below a number the earlier steps ranked (so no earlier rank
/// moves), and no new uid or generated name occurs in the earlier steps (so no earlier text would be
/// rewritten otherwise). Anything else normalizes the prefix afresh.
pub(crate) struct WholePrefix<T> {
    namespace: String,
    netloc: String,
    rules: Rules,
    normalizer: Normalizer,
    /// The steps normalized so far, raw.
    raw: Vec<Step>,
    /// Per raw step, every text normalization may rewrite, JSON-escaped (see [`searchable`]).
    texts: Vec<String>,
    derived: Vec<T>,
}

impl<T> WholePrefix<T> {
    pub(crate) fn new(namespace: &str, netloc: &str, rules: Rules) -> Self {
        WholePrefix {
            namespace: namespace.to_owned(),
            netloc: netloc.to_owned(),
            rules,
            normalizer: Normalizer::with_rules(namespace, netloc, rules),
            raw: Vec::new(),
            texts: Vec::new(),
            derived: Vec::new(),
        }
    }

    /// What `derive(normalized, raw)` gives for each of `steps`, normalized as a whole.
    pub(crate) fn update(&mut self, steps: &[Step], derive: impl Fn(&Step, &Step) -> T) -> &[T] {
        let extends = self.raw.len() <= steps.len() && self.raw[..] == steps[..self.raw.len()];
        if !(extends && self.extend(&steps[self.raw.len()..], &derive)) {
            self.afresh(steps, &derive);
        }
        &self.derived
    }

    fn afresh(&mut self, steps: &[Step], derive: &impl Fn(&Step, &Step) -> T) {
        self.normalizer = Normalizer::with_rules(&self.namespace, &self.netloc, self.rules);
        self.normalizer.collect_steps(steps);
        self.raw.clear();
        self.texts.clear();
        self.derived.clear();
        self.rewrite(steps, derive);
    }

    /// Pass 2 over `steps` after the earlier ones, once pass 1 has seen them all.
    fn rewrite(&mut self, steps: &[Step], derive: &impl Fn(&Step, &Step) -> T) {
        for step in steps {
            let normalized = self.normalizer.step(step);
            self.derived.push(derive(&normalized, step));
            self.texts.push(searchable(step));
            self.raw.push(step.clone());
        }
    }

    /// Normalizes `new` after the steps already normalized, if that gives what normalizing all of
    /// them afresh gives; false (with the normalizer spoilt) otherwise.
    fn extend(&mut self, new: &[Step], derive: &impl Fn(&Step, &Step) -> T) -> bool {
        if new.is_empty() {
            return true;
        }
        let n = &mut self.normalizer;
        let before = (n.uids.len(), n.generated.len(), n.object_rvs.len());
        for step in new {
            n.collect_step(step);
        }
        let ranked = n.max_ranked.load(Ordering::Relaxed).checked_sub(1);
        let ranks_kept = n.object_rvs[before.2..]
            .iter()
            .all(|rv| ranked.is_none_or(|max| *rv > max));
        let new_literals: Vec<String> = n.uids[before.0..]
            .iter()
            .chain(&n.generated[before.1..])
            .map(|(literal, _)| escaped(literal))
            .collect();
        let texts_kept = new_literals
            .iter()
            .all(|literal| !literal.is_empty() && !self.texts.iter().any(|t| t.contains(literal)));
        if !(ranks_kept && texts_kept) {
            return false;
        }
        n.object_rvs.sort_unstable();
        if !new_literals.is_empty() {
            n.literal_re = None;
        }
        self.rewrite(new, derive);
        true
    }
}

/// `text` JSON-escaped, without the quotes: escaping goes character by character, so a text holds
/// a literal only if its escaped form holds the literal's escaped form.
fn escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// Every text of a raw step that pass 2 may rewrite, JSON-escaped: the step itself, the decoded
/// content of its continue tokens and the value of a YAML body.
fn searchable(step: &Step) -> String {
    let mut text = serde_json::to_string(step).unwrap_or_default();
    for token in tokens_in(step) {
        if let Some(decoded) = decode_continue(&token) {
            text.push_str(&serde_json::to_string(&decoded).unwrap_or_default());
        }
    }
    if let Some(body) = step.response.as_ref().and_then(|r| r.get("body"))
        && let Some(parsed) = yaml_body(step.response.as_ref(), body)
    {
        text.push_str(&serde_json::to_string(&parsed).unwrap_or_default());
    }
    text
}

impl Normalizer {
    /// A YAML answer normalized as text: its value is normalized like a JSON body, and each scalar
    /// whose value became a placeholder is rewritten in place, quotes kept, so every other byte of the
    /// text is compared as the server wrote it.
    fn yaml_text(&mut self, text: &str, parsed: &Value) -> String {
        let normalized = self.value(parsed, Side::Response, Some("body"));
        let mut replacements: Vec<(String, String)> = Vec::new();
        changed_leaves(parsed, &normalized, &mut replacements);
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (content, newline) = match line.strip_suffix('\n') {
                Some(content) => (content, "\n"),
                None => (line, ""),
            };
            let mut rewritten = content.to_owned();
            for (raw, placeholder) in &replacements {
                for quote in ["", "\"", "'"] {
                    let scalar = format!("{quote}{raw}{quote}");
                    let replaced = format!("{quote}{placeholder}{quote}");
                    for marker in [": ", "- "] {
                        if let Some(head) = rewritten.strip_suffix(&scalar)
                            && head.ends_with(marker)
                        {
                            rewritten = format!("{head}{replaced}");
                        }
                    }
                }
            }
            out.push_str(&rewritten);
            out.push_str(newline);
        }
        out
    }
}

/// The value of a YAML answer's body, read as kube-apiserver's YAML decoding reads it.
fn yaml_body(response: Option<&Value>, body: &Value) -> Option<Value> {
    let text = body.as_str()?;
    if response?.get("format").and_then(Value::as_str) != Some("yaml") {
        return None;
    }
    let json = kconform_spec::yaml::yaml_to_json(text.as_bytes()).ok()?;
    serde_json::from_slice(&json).ok()
}

/// The scalars `normalize` changed: `(the text as written, its placeholder)`.
fn changed_leaves(raw: &Value, normalized: &Value, out: &mut Vec<(String, String)>) {
    match (raw, normalized) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    changed_leaves(value, other, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (value, other) in a.iter().zip(b) {
                changed_leaves(value, other, out);
            }
        }
        (Value::String(a), Value::String(b)) if a != b => out.push((a.clone(), b.clone())),
        (Value::Number(a), Value::String(b)) => out.push((a.to_string(), b.clone())),
        _ => {}
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

/// The regex of an alternation of escaped literals, compiled once per pattern: a sequence is
/// normalized prefix by prefix, and again at every step of its replay, with the same few literal
/// sets, and compiling them each time was most of a replay's work.
fn literal_regex(pattern: &str) -> Regex {
    static CACHE: LazyLock<std::sync::Mutex<HashMap<String, Regex>>> =
        LazyLock::new(|| std::sync::Mutex::new(HashMap::new()));
    /// Bounds the cache's memory; a full cache starts over.
    const CAPACITY: usize = 4096;
    let compile = || {
        if pattern.is_empty() {
            // Matches nothing: no literal is known. Both patterns always compile (a fixed class,
            // and an alternation of escaped literals).
            Regex::new(r"[^\s\S]").expect("valid regex")
        } else {
            Regex::new(pattern).expect("escaped literals form a valid regex")
        }
    };
    // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return re.clone();
    }
    if cache.len() >= CAPACITY {
        cache.clear();
    }
    let re = compile();
    cache.insert(pattern.to_owned(), re.clone());
    re
}

/// The digits of `s` as a number, when `s` is a non-empty run of ASCII digits.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An object's resourceVersion as a number, unless it is one of the client literals `literal_rvs`.
pub(crate) fn object_rv_number(rv: &str, literal_rvs: &[&str]) -> Option<u64> {
    if literal_rvs.contains(&rv) {
        return None;
    }
    digits(rv)
}

/// Decodes a continue token (base64url JSON with a `v` member), or None if it is not one.
pub(crate) fn decode_continue(token: &str) -> Option<Map<String, Value>> {
    let trimmed = token.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(map) if map.contains_key("v") => Some(map),
        _ => None,
    }
}

/// Encodes a continue token the way kube-apiserver does (base64url of compact JSON, no padding).
pub(crate) fn encode_continue(decoded: &Map<String, Value>) -> String {
    // Serializing a JSON map cannot fail.
    let json = serde_json::to_vec(decoded).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn tokens_in(step: &Step) -> Vec<String> {
    let mut found: Vec<String> = step
        .request
        .query
        .iter()
        .filter(|(k, v)| k == "continue" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    if let Some(token) = step
        .response
        .as_ref()
        .and_then(|r| r.pointer("/body/metadata/continue"))
        .and_then(Value::as_str)
        && !token.is_empty()
    {
        found.push(token.to_owned());
    }
    let mut unique = Vec::new();
    for token in found {
        if !unique.contains(&token) {
            unique.push(token);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(request: Value, response: Value, events: Option<Value>) -> Step {
        let mut step = json!({"request": request, "response": response});
        if let Some(events) = events {
            step["events"] = events;
        }
        serde_json::from_value(step).unwrap()
    }

    fn get(path: &str, query: Value) -> Value {
        json!({"method": "GET", "path": path, "query": query, "headers": {"Accept": "application/json"}, "auth": "admin"})
    }

    fn ep(ns: &str, name: &str, uid: &str, rv: &str) -> Value {
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {
            "name": name, "namespace": ns, "uid": uid, "resourceVersion": rv,
            "creationTimestamp": "2026-11-27T12:29:29Z"}})
    }

    #[test]
    fn a_yaml_answer_is_normalized_as_text_with_its_bytes_kept() {
        let ns = "zz-ktx-abcde-002";
        let yaml = |quote_rv: bool| {
            let rv = if quote_rv { "\"650\"" } else { "'650'" };
            format!(
                "apiVersion: v1\nkind: Endpoints\nmetadata:\n  creationTimestamp: \"2026-11-27T12:29:29Z\"\n  name: ep-1\n  namespace: {ns}\n  resourceVersion: {rv}\n  uid: u-9\n"
            )
        };
        let steps = vec![step(
            get(
                &format!("/api/v1/namespaces/{ns}/endpoints/ep-1"),
                json!([]),
            ),
            json!({"status": 200, "headers": {}, "format": "yaml", "body": yaml(true)}),
            None,
        )];
        let out = Normalizer::new(ns, "127.0.0.1:6443").steps(&steps);
        let body = out[0].response.as_ref().unwrap()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            body,
            "apiVersion: v1\nkind: Endpoints\nmetadata:\n  creationTimestamp: \"<time>\"\n  name: ep-1\n  namespace: <ns>\n  resourceVersion: \"<rv-1>\"\n  uid: <uid-1>\n"
        );
        // The same value quoted another way is another text: a byte difference stays a difference.
        let other = vec![step(
            get(
                &format!("/api/v1/namespaces/{ns}/endpoints/ep-1"),
                json!([]),
            ),
            json!({"status": 200, "headers": {}, "format": "yaml", "body": yaml(false)}),
            None,
        )];
        let out = Normalizer::new(ns, "127.0.0.1:6443").steps(&other);
        let other_body = out[0].response.as_ref().unwrap()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(other_body, body);
        assert!(
            other_body.contains("resourceVersion: '<rv-1>'"),
            "{other_body}"
        );
    }

    #[test]
    fn object_and_cluster_resource_versions_are_ranked() {
        let ns = "zz-ktx-abcde-001";
        let steps = vec![
            step(
                get(&format!("/api/v1/namespaces/{ns}/endpoints"), json!([])),
                json!({"status": 200, "headers": {}, "format": "json", "body": {
                    "kind": "EndpointsList", "metadata": {"resourceVersion": "500"}, "items": []}}),
                None,
            ),
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints"),
                    json!([["watch", "1"], ["resourceVersion", "500"]]),
                ),
                json!({"status": 200, "headers": {}, "format": "stream"}),
                Some(json!([
                    {"type": "ADDED", "object": ep(ns, "ep-1", "u-1", "510"), "at_ms": 0},
                    {"type": "BOOKMARK", "object": {"kind": "Endpoints", "metadata": {"resourceVersion": "512"}}, "at_ms": 0},
                    {"type": "DELETED", "object": ep(ns, "ep-1", "u-1", "511"), "at_ms": 0}
                ])),
            ),
        ];
        let out = Normalizer::new(ns, "127.0.0.1:6443").steps(&steps);
        assert_eq!(out[0].request.path, "/api/v1/namespaces/<ns>/endpoints");
        assert_eq!(
            out[0].response.as_ref().unwrap()["body"]["metadata"]["resourceVersion"],
            "<rv-0+>"
        );
        assert_eq!(out[1].request.query[1].1, "<rv-0+>");
        let events = out[1].events.as_ref().unwrap();
        assert_eq!(events[0]["object"]["metadata"]["resourceVersion"], "<rv-1>");
        assert_eq!(events[0]["object"]["metadata"]["uid"], "<uid-1>");
        assert_eq!(events[0]["object"]["metadata"]["namespace"], "<ns>");
        assert_eq!(
            events[0]["object"]["metadata"]["creationTimestamp"],
            "<time>"
        );
        assert_eq!(
            events[1]["object"]["metadata"]["resourceVersion"],
            "<rv-2+>"
        );
        assert_eq!(events[2]["object"]["metadata"]["resourceVersion"], "<rv-2>");
    }

    #[test]
    fn a_json_patch_test_of_the_resource_version_is_normalized_like_a_precondition() {
        let ns = "zz-kcd-abcde-0001";
        let path = format!("/api/v1/namespaces/{ns}/endpoints/ep-1");
        let patch = |value: &str| {
            json!({"method": "PATCH", "path": path, "query": [], "headers": {}, "auth": "admin",
                   "body": [{"op": "test", "path": "/metadata/resourceVersion", "value": value},
                            {"op": "add", "path": "/metadata/labels/app", "value": "1118"}]})
        };
        let steps = vec![
            step(
                get(&path, json!([])),
                json!({"status": 200, "headers": {}, "format": "json", "body": ep(ns, "ep-1", "u-1", "1118")}),
                None,
            ),
            step(
                patch("1118"),
                json!({"status": 422, "headers": {}, "format": "json"}),
                None,
            ),
        ];
        let out = Normalizer::with_rules(ns, "127.0.0.1:1", Rules::Sequence).steps(&steps);
        let body = out[1].request.body.as_ref().unwrap();
        assert_eq!(body[0]["value"], "<rv-1>");
        // Only the resourceVersion's test: another value that happens to be the same digits stays.
        assert_eq!(body[1]["value"], "1118");
    }

    #[test]
    fn sequence_rules_number_each_step_by_its_prefix_and_still_tell_answers_apart() {
        let ns = "zz-kcr-abcde-003";
        let read = |name: &str, rv: &str| {
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints/{name}"),
                    json!([]),
                ),
                json!({"status": 200, "headers": {}, "format": "json",
                    "body": ep(ns, name, &format!("u-{name}"), rv)}),
                None,
            )
        };
        let rv_of = |steps: &[Step], i: usize| {
            steps[i].response.as_ref().unwrap()["body"]["metadata"]["resourceVersion"].clone()
        };
        let steps = vec![read("ep-1", "20"), read("ep-2", "10")];
        // As a whole, 10 is the first object resourceVersion; step by step, each read was the
        // first the recorder had seen when it normalized that step.
        let (whole, _) = Normalizer::normalize(ns, "s", Rules::Transcript, &steps);
        assert_eq!(
            (rv_of(&whole, 0), rv_of(&whole, 1)),
            (json!("<rv-2>"), json!("<rv-1>"))
        );
        let (prefixwise, _) = Normalizer::normalize(ns, "s", Rules::Sequence, &steps);
        assert_eq!(
            (rv_of(&prefixwise, 0), rv_of(&prefixwise, 1)),
            (json!("<rv-1>"), json!("<rv-1>"))
        );
        // A second read that answers a newer resourceVersion is numbered apart.
        let changed = vec![read("ep-1", "20"), read("ep-2", "30")];
        let (changed, _) = Normalizer::normalize(ns, "s", Rules::Sequence, &changed);
        assert_eq!(rv_of(&changed, 1), json!("<rv-2>"));
        // And the same object answered twice keeps its number.
        let same = vec![read("ep-1", "20"), read("ep-1", "20")];
        let (same, _) = Normalizer::normalize(ns, "s", Rules::Sequence, &same);
        assert_eq!(rv_of(&same, 1), json!("<rv-1>"));
    }

    /// Sequence rules normalize each step with its prefix incrementally; the result must be what a
    /// fresh normalizer of each prefix gives, for uids, resourceVersions in every placement,
    /// generated names and continue tokens.
    #[test]
    fn prefixwise_normalization_is_each_prefix_normalized_afresh() {
        let ns = "zz-kcr-abcde-007";
        let token = |rv: u64| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
                r#"{{"v":"meta.k8s.io/v1","rv":{rv},"start":"ep-1\u0000"}}"#
            ))
        };
        let list = |rv: &str, items: Value, cont: String| {
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints"),
                    json!([["limit", "1"]]),
                ),
                json!({"status": 200, "headers": {}, "format": "json", "body": {
                    "kind": "EndpointsList", "metadata": {"resourceVersion": rv, "continue": cont},
                    "items": items}}),
                None,
            )
        };
        let mut generated = ep(ns, "ep-gen-abcde", "u-3", "41");
        generated["metadata"]["generateName"] = json!("ep-gen-");
        let steps = vec![
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints/ep-2"),
                    json!([]),
                ),
                json!({"status": 200, "headers": {}, "format": "json", "body": ep(ns, "ep-2", "u-2", "30")}),
                None,
            ),
            list("35", json!([ep(ns, "ep-1", "u-1", "20")]), token(35)),
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints"),
                    json!([["continue", token(35)], ["resourceVersion", "30"]]),
                ),
                json!({"status": 200, "headers": {}, "format": "json", "body": {
                    "kind": "EndpointsList", "metadata": {"resourceVersion": "35"},
                    "items": [generated, ep(ns, "ep-2", "u-2", "30")]}}),
                Some(json!([{"type": "MODIFIED", "object": ep(ns, "ep-1", "u-1", "50")}])),
            ),
            list("60", json!([]), token(60)),
        ];
        let (incremental, _) = Normalizer::normalize(ns, "127.0.0.1:1", Rules::Sequence, &steps);
        let afresh: Vec<Step> = (1..=steps.len())
            .map(|n| {
                Normalizer::with_rules(ns, "127.0.0.1:1", Rules::Sequence)
                    .steps(&steps[..n])
                    .pop()
                    .expect("a step")
            })
            .collect();
        assert_eq!(incremental, afresh);
        // And the numbering did happen (the test is not comparing raw steps).
        let text = serde_json::to_string(&incremental).expect("serializable");
        for symbol in [
            "<uid-3>",
            "<rv-4>",
            "<rv-2+>",
            "<rv-4+>",
            "<gen-1>",
            "<continue-2>",
        ] {
            assert!(text.contains(symbol), "{symbol} missing in {text}");
        }
    }

    /// A grown prefix reuses the earlier steps' normalization only where that is what normalizing
    /// it afresh gives: an older object resourceVersion revealed late, a uid that an earlier
    /// message already named, and a changed earlier step all normalize afresh.
    #[test]
    fn whole_prefix_normalization_is_each_prefix_normalized_afresh() {
        let ns = "zz-kcr-abcde-008";
        let read = |name: &str, uid: &str, rv: &str| {
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints/{name}"),
                    json!([]),
                ),
                json!({"status": 200, "headers": {}, "format": "json", "body": ep(ns, name, uid, rv)}),
                None,
            )
        };
        let message = |text: &str| {
            step(
                get(
                    &format!("/api/v1/namespaces/{ns}/endpoints/ep-9"),
                    json!([]),
                ),
                json!({"status": 409, "headers": {}, "format": "json", "body": {
                    "kind": "Status", "message": text, "metadata": {"resourceVersion": "35"}}}),
                None,
            )
        };
        let steps = [
            read("ep-1", "u-1", "20"),
            read("ep-2", "u-2", "30"),
            message("uid u-3 was here at 31"),
            read("ep-3", "u-3", "40"),
            read("ep-4", "u-4", "25"),
            read("ep-5", "u-5", "50"),
        ];
        let afresh = |steps: &[Step]| {
            Normalizer::with_rules(ns, "127.0.0.1:1", Rules::Sequence).steps(steps)
        };
        let mut whole = WholePrefix::new(ns, "127.0.0.1:1", Rules::Sequence);
        for n in 1..=steps.len() {
            let got = whole.update(&steps[..n], |normalized, _| normalized.clone());
            assert_eq!(got, afresh(&steps[..n]), "prefix of {n} steps");
        }
        // A prefix that changed (a trial answer taken back and another kept) starts over.
        let mut other = steps[..3].to_vec();
        other.push(read("ep-6", "u-6", "10"));
        let got = whole.update(&other, |normalized, _| normalized.clone());
        assert_eq!(got, afresh(&other));
        // The late and older resourceVersion and the uid named early did change earlier steps.
        assert_ne!(afresh(&steps[..4])[2], afresh(&steps[..3])[2]);
        assert_ne!(afresh(&steps[..5])[3], afresh(&steps[..4])[3]);
    }

    #[test]
    fn sequence_rules_name_the_recorder_s_manager_as_published_and_nobody_else() {
        // A realistic namespace and server: one-letter literals would match inside the names.
        let mut n = Normalizer::with_rules("zz-kcr-abcde-001", "127.0.0.1:6443", Rules::Sequence);
        assert_eq!(n.text("seq-diff"), "k8s-transcript");
        assert_eq!(
            n.text(r#"conflict with "seq-diff" using v1"#),
            r#"conflict with "k8s-transcript" using v1"#
        );
        // Other managers, and names that only contain the recorder's, stay what they are, so a
        // server that records the wrong manager is still seen.
        assert_eq!(n.text("kubectl"), "kubectl");
        assert_eq!(n.text("seq-diff-2"), "seq-diff-2");
        assert_eq!(n.text(r#"with \"seq-diff\""#), r#"with \"seq-diff\""#);
        let mut plain =
            Normalizer::with_rules("zz-kcr-abcde-001", "127.0.0.1:6443", Rules::Transcript);
        assert_eq!(plain.text("seq-diff"), "seq-diff");
    }

    #[test]
    fn messages_tokens_and_literals() {
        let ns = "zz-ktx-abcde-002";
        let token = encode_continue(
            json!({"v": "meta.k8s.io/v1", "rv": 700, "start": format!("{ns}/ep-1\u{0}")})
                .as_object()
                .unwrap(),
        );
        let mut steps = [
            step(
                get("/x", json!([])),
                json!({"status": 201, "headers": {}, "format": "json", "body": ep(ns, "ep-gen-x7k2p", "u-9", "650")}),
                None,
            ),
            step(
                get("/x", json!([["resourceVersion", "1"]])),
                json!({"status": 200, "headers": {}, "format": "stream"}),
                Some(json!([{"type": "ERROR", "object": {"kind": "Status",
                    "message": "too old resource version: 1 (640)", "code": 410}, "at_ms": 0}])),
            ),
            step(
                get("/x", json!([["limit", "1"]])),
                json!({"status": 200, "headers": {}, "format": "json", "body": {
                    "metadata": {"resourceVersion": "700", "continue": token.clone()}, "items": [],
                    "message": "ptr (*bool)(0xc001c89cb9) u-9"}}),
                None,
            ),
        ];
        steps[0].response.as_mut().unwrap()["body"]["metadata"]["generateName"] = json!("ep-gen-");
        let out = Normalizer::new(ns, "127.0.0.1:6443").steps(&steps);
        assert_eq!(
            out[0].response.as_ref().unwrap()["body"]["metadata"]["name"],
            "ep-gen-<gen-1>"
        );
        assert_eq!(
            out[1].events.as_ref().unwrap()[0]["object"]["message"],
            "too old resource version: 1 (<rv-0+>)"
        );
        let body = &out[2].response.as_ref().unwrap()["body"];
        assert_eq!(body["metadata"]["continue"], "<continue-1>");
        assert_eq!(body["message"], "ptr (*bool)(<pointer>) <uid-1>");
        assert_eq!(
            out[2].continue_tokens.as_ref().unwrap()["<continue-1>"],
            json!({"v": "meta.k8s.io/v1", "rv": "<rv-1+>", "start": "<ns>/ep-1\u{0}"})
        );
    }

    #[test]
    fn undecodable_tokens_stay_text() {
        assert!(decode_continue("not-a-token").is_none());
        let t = encode_continue(
            json!({"v": "x", "rv": 1, "start": "a\u{0}"})
                .as_object()
                .unwrap(),
        );
        assert_eq!(t, "eyJ2IjoieCIsInJ2IjoxLCJzdGFydCI6ImFcdTAwMDAifQ");
        assert_eq!(decode_continue(&t).unwrap()["rv"], 1);
    }
}
