//! The request model of `kconform diff` for Endpoints: which request comes next in a random
//! sequence, chosen from the seed and a model of the namespace built from the reference's answers
//! only (so every target receives the same requests).
//!
//! The vocabulary is small on purpose (four names, a few label sets and selectors), so that names
//! collide, selectors match, preconditions go stale and finalizers hold objects. The mix covers
//! every operation and the parameters the suite covers: creates (valid, invalid, edge cases,
//! generateName, dryRun, fieldValidation with unknown and duplicate fields, finalizers), gets
//! (resourceVersion 0, a captured one, a malformed one), replaces (current, stale or no
//! resourceVersion, its own or a foreign uid, dryRun, invalid, name mismatch), patches of all four
//! types (merge, JSON, strategic with `$deleteFromPrimitiveList`, apply with two managers, force
//! and dryRun), deletes (preconditions, propagationPolicy, gracePeriodSeconds, dryRun in the query
//! or the body, malformed bodies), deletecollection with label and field selectors, lists
//! (limit/continue walks, selectors, resourceVersion 0 / NotOlderThan / Exact, invalid options) and
//! short watches (timeoutSeconds 1 or 2; from a captured, a zero, a malformed or no
//! resourceVersion; selectors, bookmarks, sendInitialEvents, the deprecated path).
//!
//! Replaces and patches lean towards objects held in deletion (a finalizer and a deletionTimestamp),
//! strategic merge patches towards `subsets` (a list without a patch strategy, so replaced whole),
//! and named watches towards objects that exist.
//!
//! Some requests come with a token the server does not know (401), some creates with a YAML body
//! (block style, and now and then a YAML 1.1 surprise such as an unquoted `off`), a large object
//! (hundreds of addresses), a body over 3 MiB (413), `Content-Type: text/plain` (415), another
//! `metadata.namespace` (400) or
//! into a namespace that does not exist (404); some reads, lists and watches ask for
//! `pretty=true` or for `Accept: text/plain` (406, whose text differs for lists and watches),
//! some gets spell the name oddly in the URL (percent-escaped, UTF-8, with `%` or `/`), and some
//! watches use the deprecated (named) path.
//!
//! Not in the mix: watches and reads from a too-old (compacted) resourceVersion. The only
//! portable one is a literal such as `1`, and by the sequence rules (only `0` is literal) it is
//! normalized as a cluster-wide resourceVersion, which the target's replay fills in with a current
//! one; a compaction on demand exists only on the reference server (`/kconform/admin/compact`).
//! The same rule keeps out reads at a far-future resourceVersion (kube-apiserver's 504 after a
//! wait). Also not in the mix: writes while a watch is open (each step waits for its answer, so a
//! watch sees only what happened before it), requests as a user without rights (the sequences
//! carry one token), and discovery documents (compared whole, they would differ by every resource
//! a real cluster serves and an Endpoints server need not).
//!
//! About one request in eight speaks protobuf as client-go components do
//! ([`kconform_harness::diff::speak_protobuf`]): gets, lists, watches, creates, replaces, deletes
//! (DeleteOptions bodies too, malformed ones as bytes that are not protobuf) and deletecollections
//! ask for protobuf and send protobuf bodies; a few patches send a protobuf body, which
//! kube-apiserver's router refuses (415). JSON stays the majority, as in a cluster where kubectl
//! and controllers share the server.

use std::collections::BTreeMap;

use kconform_harness::diff::{Rng, SequenceModel, sometimes_protobuf};
use kconform_harness::replay::Step;
use kconform_harness::replay::transcript::Request;
use serde_json::{Map, Value, json};

const NAMES: [&str; 4] = ["ep-1", "ep-2", "ep-3", "ep-4"];
const LABEL_SETS: [&[(&str, &str)]; 5] = [
    &[],
    &[("app", "a")],
    &[("app", "b")],
    &[("app", "a"), ("tier", "1")],
    &[("tier", "2")],
];
const SELECTORS: [&str; 8] = [
    "app=a",
    "app=b",
    "app!=a",
    "app in (a,b)",
    "app notin (a)",
    "tier",
    "!tier",
    "app=a,tier=1",
];
const BAD_SELECTORS: [&str; 3] = ["a b", "app in (a", "tier>x"];
const IPS: [&str; 4] = ["10.1.2.3", "10.1.2.4", "192.168.7.1", "2001:db8::5"];
const MANAGERS: [&str; 2] = ["manager-a", "manager-b"];
/// A finalizer nobody but the cleanup removes.
const HOLD: &str = "example.com/hold";
/// A uid no object has.
const FOREIGN_UID: &str = "00000000-0000-0000-0000-000000000001";

const COLLECTION: &str = "/api/v1/namespaces/<ns>/endpoints";
const DEPRECATED_WATCH: &str = "/api/v1/watch/namespaces/<ns>/endpoints";

/// Operations and their weights.
#[derive(Clone, Copy)]
enum Op {
    Create,
    Get,
    Replace,
    Patch,
    Delete,
    DeleteCollection,
    List,
    Watch,
}

const OPERATIONS: [(Op, u32); 8] = [
    (Op::Create, 18),
    (Op::Get, 8),
    (Op::Replace, 12),
    (Op::Patch, 20),
    (Op::Delete, 10),
    (Op::DeleteCollection, 3),
    (Op::List, 16),
    (Op::Watch, 5),
];

/// What the model must know about the request it sent to read the answer.
#[derive(Clone, Default)]
struct Sent {
    kind: Kind,
    name: Option<String>,
    dry_run: bool,
    /// A list of an older state (Exact): says nothing about the present.
    historical: bool,
    /// A list that may not show every object (selector, limit, continue).
    partial: bool,
    /// The query a later step continues, without `continue`.
    page_query: Option<Vec<(String, String)>>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Read,
    Create,
    Write,
    Delete,
    DeleteCollection,
    List,
    Watch,
}

/// The model of one sequence's namespace, from the reference's answers.
#[derive(Default)]
pub struct EndpointsModel {
    /// Objects believed to exist: name → the last object the reference returned.
    objects: BTreeMap<String, Value>,
    /// resourceVersions an object had before (for stale preconditions).
    old_rvs: BTreeMap<String, Vec<String>>,
    /// resourceVersions seen in write and list answers (where watches and Exact reads start).
    captured: Vec<String>,
    /// The query and token of the last partial list, to continue it.
    next_page: Option<(Vec<(String, String)>, String)>,
    /// generateName prefixes used so far (one per create, so lists sort predictably).
    generated: u32,
    sent: Sent,
}

/// A fresh model, for [`kconform_harness::diff::DiffOptions::model`].
pub fn model() -> Box<dyn SequenceModel> {
    Box::new(EndpointsModel::default())
}

fn labels(rng: &mut Rng) -> Map<String, Value> {
    rng.choose(&LABEL_SETS)
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect()
}

fn object(name: Option<&str>, labels: Map<String, Value>, subsets: Option<Value>) -> Value {
    let mut metadata = Map::new();
    if let Some(name) = name {
        metadata.insert("name".to_owned(), Value::String(name.to_owned()));
    }
    if !labels.is_empty() {
        metadata.insert("labels".to_owned(), Value::Object(labels));
    }
    let mut body = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata});
    if let Some(subsets) = subsets {
        body["subsets"] = subsets;
    }
    body
}

fn subsets(rng: &mut Rng) -> Option<Value> {
    match rng.below(100) {
        0..=7 => return None,
        8..=12 => return Some(json!([])),
        _ => {}
    }
    let first = rng.below(IPS.len());
    let mut addresses = vec![json!({"ip": IPS[first]})];
    if rng.chance(40) {
        addresses.push(json!({"ip": IPS[(first + 1 + rng.below(IPS.len() - 1)) % IPS.len()]}));
    }
    if rng.chance(15) {
        addresses[0]["hostname"] = json!("host-a");
    }
    let mut subset = json!({"addresses": addresses});
    if rng.chance(15) {
        subset["notReadyAddresses"] = json!([{"ip": rng.choose(&IPS), "nodeName": "node-1"}]);
    }
    if rng.chance(90) {
        subset["ports"] = match rng.below(4) {
            0 => json!([{"name": "http", "port": 80}]),
            1 => json!([{"port": 8080}]),
            2 => {
                json!([{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}])
            }
            _ => json!([{"name": "h2", "port": 443, "appProtocol": "kubernetes.io/h2c"}]),
        };
    }
    Some(json!([subset]))
}

/// Invalid variations of a valid object: (what, JSON merge patch onto it).
fn invalid_mutations() -> [(&'static str, Value); 12] {
    [
        (
            "ip not an address",
            json!({"subsets": [{"addresses": [{"ip": "foo"}], "ports": [{"port": 80}]}]}),
        ),
        (
            "empty ip",
            json!({"subsets": [{"addresses": [{"ip": ""}], "ports": [{"port": 80}]}]}),
        ),
        (
            "loopback ip",
            json!({"subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": 80}]}]}),
        ),
        (
            "port 0",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 0}]}]}),
        ),
        (
            "port 70000",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 70000}]}]}),
        ),
        (
            "unknown protocol",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80, "protocol": "XYZ"}]}]}),
        ),
        (
            "upper-case port name",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "HTTP", "port": 80}]}]}),
        ),
        (
            "duplicate port names",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "p", "port": 80}, {"name": "p", "port": 81}]}]}),
        ),
        (
            "unnamed ports",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}, {"port": 81}]}]}),
        ),
        (
            "bad hostname",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3", "hostname": "Host_A"}], "ports": [{"port": 80}]}]}),
        ),
        ("invalid name", json!({"metadata": {"name": "Bad_Name"}})),
        (
            "invalid label key",
            json!({"metadata": {"labels": {"a b": "c"}}}),
        ),
    ]
}

/// Valid objects at the edge of the rules.
fn edge_cases() -> [(&'static str, Value); 4] {
    [
        (
            "non-canonical IPv6",
            json!({"subsets": [{"addresses": [{"ip": "2001:db8:0:0::5"}], "ports": [{"port": 80}]}]}),
        ),
        (
            "port 65535",
            json!({"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 65535, "protocol": "SCTP"}]}]}),
        ),
        (
            "only not-ready addresses",
            json!({"subsets": [{"notReadyAddresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]}),
        ),
        (
            "annotations",
            json!({"metadata": {"annotations": {"example.com/note": "x"}}}),
        ),
    ]
}

/// `value` as block-style YAML, strings double-quoted (so no YAML 1.1 rule changes their type),
/// indented by `indent` spaces.
fn block_yaml(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let scalar = |v: &Value| match v {
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        other => other.to_string(),
    };
    let nested = |v: &Value| match v {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    };
    let mut out = String::new();
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if nested(v) {
                    let inner = if v.is_array() { indent } else { indent + 2 };
                    out.push_str(&format!("{pad}{key}:\n{}", block_yaml(v, inner)));
                } else {
                    out.push_str(&format!("{pad}{key}: {}\n", scalar(v)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if nested(item) {
                    let inner = block_yaml(item, indent + 2);
                    // The first line of the item goes after the dash.
                    out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
    out
}

/// `target` with `patch` applied as a JSON merge patch (null removes).
fn merged(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else if let Some(existing) = target.get_mut(key)
                    && existing.is_object()
                    && value.is_object()
                {
                    merged(existing, value);
                } else {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn step<K: Into<String>>(
    note: String,
    method: &str,
    path: String,
    query: Vec<(K, String)>,
    body: Option<Value>,
    content_type: Option<&str>,
) -> Step {
    let mut headers = Map::new();
    headers.insert("Accept".to_owned(), json!("application/json"));
    if body.is_some() {
        headers.insert(
            "Content-Type".to_owned(),
            json!(content_type.unwrap_or("application/json")),
        );
    }
    Step {
        note: Some(note),
        request: Request {
            method: method.to_owned(),
            path,
            query: query.into_iter().map(|(k, v)| (k.into(), v)).collect(),
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

/// Asks for a representation no server has: `Accept: text/plain` (406).
fn not_acceptable(step: &mut Step) {
    step.request
        .headers
        .insert("Accept".to_owned(), json!("text/plain"));
    if let Some(note) = &mut step.note {
        note.push_str(" with Accept text/plain");
    }
}

fn query_text<K: AsRef<str>>(query: &[(K, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={v}", k.as_ref()))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name` with its first character percent-encoded (`ep-1` → `%65p-1`): the same name to a
/// server that decodes path segments.
fn escaped_first_letter(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii() => format!("%{:02X}{}", u32::from(first), chars.as_str()),
        _ => name.to_owned(),
    }
}

fn object_path(name: &str) -> String {
    format!("{COLLECTION}/{name}")
}

fn meta_str<'v>(object: &'v Value, key: &str) -> Option<&'v str> {
    object.get("metadata")?.get(key)?.as_str()
}

impl EndpointsModel {
    fn existing(&self) -> Vec<String> {
        self.objects.keys().cloned().collect()
    }

    /// Objects held in deletion (a deletionTimestamp and a finalizer keep them).
    fn deleting(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|(_, o)| o.pointer("/metadata/deletionTimestamp").is_some())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The name a replace or patch writes: now and then an object held in deletion, whose
    /// deletionTimestamp an update must keep although the body does not carry it; else as
    /// [`Self::target_name`].
    fn write_name(&self, rng: &mut Rng, percent: u32) -> String {
        let deleting = self.deleting();
        if !deleting.is_empty()
            && rng.chance(40)
            && let Some(name) = rng.pick(&deleting)
        {
            return name.clone();
        }
        self.target_name(rng, percent)
    }

    /// A name that exists with probability `percent` (when any does), else any name.
    fn target_name(&self, rng: &mut Rng, percent: u32) -> String {
        let existing = self.existing();
        if !existing.is_empty()
            && rng.chance(percent)
            && let Some(name) = rng.pick(&existing)
        {
            return name.clone();
        }
        (*rng.choose(&NAMES)).to_owned()
    }

    fn rv_of(&self, name: &str) -> Option<String> {
        self.objects
            .get(name)
            .and_then(|o| meta_str(o, "resourceVersion"))
            .map(str::to_owned)
    }

    fn uid_of(&self, name: &str) -> Option<String> {
        self.objects
            .get(name)
            .and_then(|o| meta_str(o, "uid"))
            .map(str::to_owned)
    }

    /// An older resourceVersion of `name`, else another object's current one.
    fn stale_rv(&self, rng: &mut Rng, name: &str) -> Option<String> {
        if let Some(old) = self.old_rvs.get(name).and_then(|rvs| rng.pick(rvs)) {
            return Some(old.clone());
        }
        let others: Vec<String> = self.existing().into_iter().filter(|n| n != name).collect();
        rng.pick(&others).and_then(|other| self.rv_of(other))
    }

    /// ("current" | "stale", the resourceVersion) for a precondition.
    fn precondition_rv(&self, rng: &mut Rng, name: &str) -> (&'static str, Option<String>) {
        if rng.chance(60) {
            ("current", self.rv_of(name))
        } else {
            ("stale", self.stale_rv(rng, name))
        }
    }

    fn captured_rv(&self, rng: &mut Rng) -> Option<String> {
        let recent = &self.captured[self.captured.len().saturating_sub(6)..];
        rng.pick(recent).cloned()
    }

    fn latest_rv(&self) -> Option<String> {
        self.captured
            .iter()
            .filter_map(|rv| rv.parse::<u64>().ok().map(|n| (n, rv)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, rv)| rv.clone())
    }

    fn capture(&mut self, rv: Option<&str>) {
        if let Some(rv) = rv.filter(|rv| !rv.is_empty())
            && self.captured.last().map(String::as_str) != Some(rv)
        {
            self.captured.push(rv.to_owned());
        }
    }

    fn remember(&mut self, object: &Value) {
        let Some(name) = meta_str(object, "name").map(str::to_owned) else {
            return;
        };
        let rv = meta_str(object, "resourceVersion").map(str::to_owned);
        if let Some(old) = self
            .objects
            .get(&name)
            .and_then(|o| meta_str(o, "resourceVersion"))
            .map(str::to_owned)
            && Some(&old) != rv.as_ref()
        {
            let olds = self.old_rvs.entry(name.clone()).or_default();
            if !olds.contains(&old) {
                olds.push(old);
            }
        }
        self.objects.insert(name, object.clone());
    }

    fn forget(&mut self, name: &str) {
        if let Some(old) = self.objects.remove(name)
            && let Some(rv) = meta_str(&old, "resourceVersion")
        {
            self.old_rvs
                .entry(name.to_owned())
                .or_default()
                .push(rv.to_owned());
        }
    }

    // ---- the operations ----------------------------------------------------------------------------

    fn create(&mut self, rng: &mut Rng) -> Step {
        let name = *rng.choose(&NAMES);
        let variant = rng
            .weighted(&[
                ("valid", 40),
                ("held", 6),
                ("invalid", 18),
                ("edge", 5),
                ("generate-name", 8),
                ("dry-run", 8),
                ("field-validation", 12),
                ("duplicate-field", 3),
                ("yaml", 7),
                ("large", 3),
                ("oversized", 2),
                ("missing-namespace", 2),
                ("namespace-mismatch", 2),
                ("wrong-content-type", 2),
            ])
            .unwrap_or("valid");
        let mut body = object(Some(name), labels(rng), subsets(rng));
        let mut query = Vec::new();
        let mut what = format!("create {name}");
        self.sent = Sent {
            kind: Kind::Create,
            name: Some(name.to_owned()),
            ..Sent::default()
        };
        match variant {
            "held" => {
                body["metadata"]["finalizers"] = json!([HOLD]);
                what.push_str(" held by a finalizer");
            }
            "invalid" => {
                let table = invalid_mutations();
                let (label, patch) = &table[rng.below(table.len())];
                merged(&mut body, patch);
                what = format!("create {name}, invalid: {label}");
            }
            "edge" => {
                let table = edge_cases();
                let (label, patch) = &table[rng.below(table.len())];
                merged(&mut body, patch);
                what = format!("create {name}, edge case: {label}");
            }
            "generate-name" => {
                self.generated += 1;
                let prefix = format!("ep-gen-{}-", self.generated);
                if let Some(meta) = body["metadata"].as_object_mut() {
                    meta.remove("name");
                    meta.insert("generateName".to_owned(), json!(prefix));
                }
                what = format!("create with generateName {prefix}");
                self.sent.name = None;
            }
            "dry-run" => {
                query.push(("dryRun", "All".to_owned()));
                self.sent.dry_run = true;
                what.push_str(" dryRun=All");
            }
            "field-validation" => {
                let mode = *rng.choose(&["Strict", "Warn", "Ignore", ""]);
                body["foo"] = json!("bar");
                if let Some(address) = body.pointer_mut("/subsets/0/addresses/0") {
                    address["bar"] = json!(1);
                }
                if !mode.is_empty() {
                    query.push(("fieldValidation", mode.to_owned()));
                }
                what.push_str(&format!(" with unknown fields, fieldValidation={mode}"));
            }
            "yaml" => {
                if rng.chance(25) {
                    // YAML 1.1 reads an unquoted `off` as false: a label value that is not a string.
                    body["metadata"]["labels"] = json!({"app": "off"});
                    let text = block_yaml(&body, 0).replace("app: \"off\"", "app: off");
                    body = Value::String(text);
                    what.push_str(" as YAML with the label value off unquoted");
                } else {
                    body = Value::String(block_yaml(&body, 0));
                    what.push_str(" as YAML");
                }
                return step(
                    what,
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(body),
                    Some("application/yaml"),
                );
            }
            "missing-namespace" => {
                what.push_str(" in a namespace that does not exist");
                return step(
                    what,
                    "POST",
                    "/api/v1/namespaces/<ns>-missing/endpoints".to_owned(),
                    query,
                    Some(body),
                    None,
                );
            }
            "namespace-mismatch" => {
                body["metadata"]["namespace"] = json!("default");
                what.push_str(" with metadata.namespace default");
            }
            "wrong-content-type" => {
                what.push_str(" with Content-Type text/plain");
                return step(
                    what,
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(body),
                    Some("text/plain"),
                );
            }
            "large" => {
                let count = 150 + rng.below(200);
                let addresses: Vec<Value> = (0..count)
                    .map(|i| json!({"ip": format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256)}))
                    .collect();
                body["subsets"] =
                    json!([{"addresses": addresses, "ports": [{"name": "http", "port": 80}]}]);
                what.push_str(&format!(" with {count} addresses"));
            }
            "oversized" => {
                // kube-apiserver reads at most 3 MiB of a request body (413 beyond): an
                // annotation just over it, which no server should store.
                body["metadata"]["annotations"] =
                    json!({"example.com/filler": "x".repeat(3 * 1024 * 1024 + 1)});
                what.push_str(" with a body over 3 MiB");
            }
            _ => {
                let mode = *rng.choose(&["Strict", "Warn", "Ignore"]);
                body = Value::String(format!(
                    r#"{{"apiVersion":"v1","kind":"Endpoints","metadata":{{"name":"{name}","name":"{name}"}},"subsets":[{{"addresses":[{{"ip":"10.1.2.3"}}],"ports":[{{"port":80}}]}}]}}"#
                ));
                query.push(("fieldValidation", mode.to_owned()));
                what.push_str(&format!(" with a duplicate field, fieldValidation={mode}"));
            }
        }
        step(what, "POST", COLLECTION.to_owned(), query, Some(body), None)
    }

    fn get(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng, 70);
        let query = match rng.below(100) {
            0..=19 => vec![("resourceVersion", "0".to_owned())],
            20..=29 => self
                .captured_rv(rng)
                .map(|rv| vec![("resourceVersion", rv)])
                .unwrap_or_default(),
            30..=34 => vec![("resourceVersion", "abc".to_owned())],
            _ => Vec::new(),
        };
        self.sent = Sent {
            kind: Kind::Read,
            name: Some(name.clone()),
            ..Sent::default()
        };
        let mut query = query;
        if rng.chance(5) {
            query.push(("pretty", "true".to_owned()));
        }
        let (segment, spelling) = self.spelled(rng, &name, 20);
        let what = format!("get {segment}{spelling} {}", query_text(&query));
        let mut get = step(what, "GET", object_path(&segment), query, None, None);
        if rng.chance(4) {
            not_acceptable(&mut get);
        }
        get
    }

    fn replace(&mut self, rng: &mut Rng) -> Step {
        let name = self.write_name(rng, 75);
        let current = self.objects.get(&name).cloned();
        let keep_labels = current.is_some() && rng.chance(50);
        let labels = match (&current, keep_labels) {
            (Some(current), true) => current
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            _ => labels(rng),
        };
        let mut body = object(Some(&name), labels, subsets(rng));
        let mut notes = Vec::new();
        if let Some(finalizers) = current
            .as_ref()
            .and_then(|c| c.pointer("/metadata/finalizers"))
            .filter(|_| rng.chance(85))
        {
            body["metadata"]["finalizers"] = finalizers.clone();
        }
        let mode = if current.is_some() {
            rng.weighted(&[("current", 55), ("stale", 20), ("none", 25)])
        } else {
            rng.weighted(&[("none", 70), ("stale", 30)])
        }
        .unwrap_or("none");
        let rv = match mode {
            "current" => self.rv_of(&name),
            "stale" => self.stale_rv(rng, &name),
            _ => None,
        };
        match &rv {
            Some(rv) => {
                body["metadata"]["resourceVersion"] = json!(rv);
                notes.push(format!("{mode} resourceVersion"));
            }
            None => notes.push("no resourceVersion".to_owned()),
        }
        if rng.chance(10) {
            let own = if rng.chance(50) {
                self.uid_of(&name)
            } else {
                None
            };
            notes.push(
                if own.is_some() {
                    "its uid"
                } else {
                    "a foreign uid"
                }
                .to_owned(),
            );
            body["metadata"]["uid"] = json!(own.unwrap_or_else(|| FOREIGN_UID.to_owned()));
        }
        let mut query = Vec::new();
        self.sent = Sent {
            kind: Kind::Write,
            name: Some(name.clone()),
            ..Sent::default()
        };
        match rng
            .weighted(&[
                ("none", 74),
                ("invalid", 8),
                ("dry-run", 8),
                ("field-validation", 6),
                ("name-mismatch", 4),
            ])
            .unwrap_or("none")
        {
            "invalid" => {
                let table = invalid_mutations();
                let (label, patch) = &table[rng.below(10)];
                merged(&mut body, patch);
                notes.push(format!("invalid: {label}"));
            }
            "dry-run" => {
                query.push(("dryRun", "All".to_owned()));
                self.sent.dry_run = true;
                notes.push("dryRun=All".to_owned());
            }
            "field-validation" => {
                let mode = *rng.choose(&["Strict", "Warn", "Ignore"]);
                body["foo"] = json!("bar");
                query.push(("fieldValidation", mode.to_owned()));
                notes.push(format!("unknown field, fieldValidation={mode}"));
            }
            "name-mismatch" => {
                let other = NAMES
                    .iter()
                    .find(|n| **n != name)
                    .copied()
                    .unwrap_or("ep-0");
                body["metadata"]["name"] = json!(other);
                notes.push(format!("body names {other}"));
            }
            _ => {}
        }
        let what = format!("replace {name} ({})", notes.join(", "));
        step(what, "PUT", object_path(&name), query, Some(body), None)
    }

    fn patch(&mut self, rng: &mut Rng) -> Step {
        let name = self.write_name(rng, 80);
        self.sent = Sent {
            kind: Kind::Write,
            name: Some(name.clone()),
            ..Sent::default()
        };
        let kind = rng
            .weighted(&[
                ("merge", 30),
                ("json", 25),
                ("strategic", 20),
                ("apply", 25),
                ("protobuf", 4),
            ])
            .unwrap_or("merge");
        let (content_type, mut query, body, mut what) = match kind {
            "protobuf" => {
                // No patch type is protobuf: kube-apiserver's router answers 415 whatever the
                // body, so the body is a whole object that encodes.
                let body = object(Some(&name), labels(rng), subsets(rng));
                (
                    kconform_spec::protobuf::MEDIA_TYPE,
                    Vec::new(),
                    body,
                    "a protobuf body".to_owned(),
                )
            }
            "json" => {
                let (body, what) = self.json_patch(rng, &name);
                ("application/json-patch+json", Vec::new(), body, what)
            }
            "apply" => {
                let (query, body, what) = self.apply_patch(rng, &name);
                ("application/apply-patch+yaml", query, body, what)
            }
            strategy => {
                let (query, body, what) = self.metadata_patch(rng, &name, strategy == "strategic");
                let content_type = if strategy == "strategic" {
                    "application/strategic-merge-patch+json"
                } else {
                    "application/merge-patch+json"
                };
                (content_type, query, body, what)
            }
        };
        if rng.chance(10) {
            query.push(("dryRun", "All".to_owned()));
            self.sent.dry_run = true;
            what.push_str(", dryRun=All");
        }
        step(
            format!("{kind} patch {name}: {what}"),
            "PATCH",
            object_path(&name),
            query,
            Some(body),
            Some(content_type),
        )
    }

    fn metadata_patch(
        &self,
        rng: &mut Rng,
        name: &str,
        strategic: bool,
    ) -> (Vec<(&'static str, String)>, Value, String) {
        let mut table = vec![
            ("labels", 30),
            ("subsets", 25),
            ("add-finalizer", 8),
            ("drop-finalizers", 10),
            ("precondition", 10),
            ("invalid", 8),
            ("field-validation", 7),
        ];
        if strategic {
            table.push(("delete-from-list", 8));
            // `subsets` has no patch strategy, so a strategic patch replaces the whole list: a
            // server that merges it only shows with stored subsets, so ask for it more often.
            table[1].1 = 45;
        }
        let change = rng.weighted(&table).unwrap_or("labels");
        let maybe = |rng: &mut Rng, values: &[&str; 3]| match *rng.choose(values) {
            "" => Value::Null,
            value => json!(value),
        };
        match change {
            "labels" => {
                let app = maybe(rng, &["a", "b", ""]);
                let tier = maybe(rng, &["1", "2", ""]);
                (
                    Vec::new(),
                    json!({"metadata": {"labels": {"app": app, "tier": tier}}}),
                    "labels".to_owned(),
                )
            }
            "subsets" => (
                Vec::new(),
                json!({"subsets": subsets(rng)}),
                "subsets".to_owned(),
            ),
            "add-finalizer" => (
                Vec::new(),
                json!({"metadata": {"finalizers": [HOLD]}}),
                "add a finalizer".to_owned(),
            ),
            "drop-finalizers" => (
                Vec::new(),
                json!({"metadata": {"finalizers": null}}),
                "drop the finalizers".to_owned(),
            ),
            "delete-from-list" => (
                Vec::new(),
                json!({"metadata": {"$deleteFromPrimitiveList/finalizers": [HOLD]}}),
                "$deleteFromPrimitiveList finalizers".to_owned(),
            ),
            "precondition" => {
                let (which, rv) = self.precondition_rv(rng, name);
                let mut body = json!({"metadata": {"labels": {"app": rng.choose(&["a", "b"])}}});
                if let Some(rv) = &rv {
                    body["metadata"]["resourceVersion"] = json!(rv);
                }
                let which = if rv.is_some() { which } else { "no" };
                (
                    Vec::new(),
                    body,
                    format!("labels with {which} resourceVersion"),
                )
            }
            "invalid" => {
                let table = invalid_mutations();
                let (label, patch) = &table[rng.below(10)];
                (Vec::new(), patch.clone(), format!("invalid: {label}"))
            }
            _ => {
                let mode = *rng.choose(&["Strict", "Warn", "Ignore"]);
                (
                    vec![("fieldValidation", mode.to_owned())],
                    json!({"foo": "bar", "metadata": {"labels": {"app": "a"}}}),
                    format!("unknown field, fieldValidation={mode}"),
                )
            }
        }
    }

    fn json_patch(&self, rng: &mut Rng, name: &str) -> (Value, String) {
        let mut ops = Vec::new();
        let mut notes = Vec::new();
        for _ in 0..1 + rng.below(2) {
            let kind = rng
                .weighted(&[
                    ("add-label", 15),
                    ("set-labels", 10),
                    ("remove-label", 10),
                    ("replace-ip", 15),
                    ("add-address", 10),
                    ("test-label", 15),
                    ("test-rv", 15),
                    ("finalizers", 10),
                ])
                .unwrap_or("add-label");
            let op = match kind {
                "add-label" => {
                    json!({"op": "add", "path": "/metadata/labels/app", "value": rng.choose(&["a", "b"])})
                }
                "set-labels" => {
                    json!({"op": "add", "path": "/metadata/labels", "value": labels(rng)})
                }
                "remove-label" => {
                    json!({"op": "remove", "path": format!("/metadata/labels/{}", rng.choose(&["app", "tier"]))})
                }
                "replace-ip" => {
                    json!({"op": "replace", "path": "/subsets/0/addresses/0/ip", "value": rng.choose(&IPS)})
                }
                "add-address" => {
                    json!({"op": "add", "path": "/subsets/0/addresses/-", "value": {"ip": rng.choose(&IPS)}})
                }
                "test-label" => {
                    json!({"op": "test", "path": "/metadata/labels/app", "value": rng.choose(&["a", "b"])})
                }
                "test-rv" => {
                    let (which, rv) = self.precondition_rv(rng, name);
                    notes.push(format!("test {which} resourceVersion"));
                    json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv.unwrap_or_else(|| "1".to_owned())})
                }
                _ => {
                    if rng.chance(50) {
                        json!({"op": "add", "path": "/metadata/finalizers", "value": [HOLD]})
                    } else {
                        json!({"op": "remove", "path": "/metadata/finalizers"})
                    }
                }
            };
            if kind != "test-rv" {
                notes.push(kind.to_owned());
            }
            ops.push(op);
        }
        (Value::Array(ops), notes.join(", "))
    }

    fn apply_patch(
        &self,
        rng: &mut Rng,
        name: &str,
    ) -> (Vec<(&'static str, String)>, Value, String) {
        let mut query = Vec::new();
        let mut notes = Vec::new();
        if rng.chance(93) {
            let manager = *rng.choose(&MANAGERS);
            query.push(("fieldManager", manager.to_owned()));
            notes.push(format!("fieldManager={manager}"));
        } else {
            notes.push("no fieldManager".to_owned());
        }
        if rng.chance(30) {
            query.push(("force", "true".to_owned()));
            notes.push("force".to_owned());
        }
        let subsets = subsets(rng)
            .filter(|s| s.as_array().is_some_and(|a| !a.is_empty()))
            .unwrap_or_else(|| json!([{"addresses": [{"ip": rng.choose(&IPS)}]}]));
        let mut body = object(Some(name), labels(rng), Some(subsets));
        if rng.chance(5) {
            body["foo"] = json!("bar");
            notes.push("unknown field".to_owned());
        } else if rng.chance(5)
            && let Some(rv) = self.rv_of(name)
        {
            body["metadata"]["resourceVersion"] = json!(rv);
            notes.push("current resourceVersion".to_owned());
        }
        (query, body, notes.join(", "))
    }

    /// The URL segment for `name`: now and then (`percent`) spelled oddly, as kube-apiserver
    /// percent-decodes each segment, then refuses names that cannot be one (`%`, `/`). An odd
    /// spelling of another name clears the sent name: its answer says nothing about `name`.
    fn spelled(&mut self, rng: &mut Rng, name: &str, percent: u32) -> (String, &'static str) {
        if !rng.chance(percent) {
            return (name.to_owned(), "");
        }
        let (segment, spelling) = match rng.below(4) {
            // Only a name the model chose may be escaped: a generated one is the reference's, and
            // the replay maps it to the target's own only where it stands unescaped.
            0 if !NAMES.contains(&name) => return (name.to_owned(), ""),
            0 => return (escaped_first_letter(name), " (escaped)"),
            1 => ("caf%C3%A9", " (percent-encoded UTF-8)"),
            2 => ("x%25y", " (a name with %)"),
            _ => ("a%2Fb", " (a name with /)"),
        };
        self.sent.name = None;
        (segment.to_owned(), spelling)
    }

    fn delete(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng, 75);
        self.sent = Sent {
            kind: Kind::Delete,
            name: Some(name.clone()),
            ..Sent::default()
        };
        let (segment, spelling) = self.spelled(rng, &name, 8);
        let mut query = Vec::new();
        let mut body = None;
        let mut what = format!("delete {segment}{spelling}");
        let options = || json!({"kind": "DeleteOptions", "apiVersion": "v1"});
        match rng
            .weighted(&[
                ("plain", 45),
                ("precondition", 20),
                ("dry-run", 14),
                ("propagation", 9),
                ("grace-period", 6),
                ("orphan-false", 6),
                ("malformed", 4),
            ])
            .unwrap_or("plain")
        {
            "precondition" => {
                let mut preconditions = Map::new();
                let mut notes = Vec::new();
                if rng.chance(50) {
                    let own = if rng.chance(60) {
                        self.uid_of(&name)
                    } else {
                        None
                    };
                    notes.push(if own.is_some() {
                        "its uid"
                    } else {
                        "a foreign uid"
                    });
                    preconditions.insert(
                        "uid".to_owned(),
                        json!(own.unwrap_or_else(|| FOREIGN_UID.to_owned())),
                    );
                }
                if preconditions.is_empty() || rng.chance(50) {
                    let (which, rv) = self.precondition_rv(rng, &name);
                    notes.push(if rv.is_some() { which } else { "literal 1" });
                    preconditions.insert(
                        "resourceVersion".to_owned(),
                        json!(rv.unwrap_or_else(|| "1".to_owned())),
                    );
                }
                let mut options = options();
                options["preconditions"] = Value::Object(preconditions);
                body = Some(options);
                what.push_str(&format!(" with preconditions ({})", notes.join(", ")));
            }
            "dry-run" => {
                self.sent.dry_run = true;
                if rng.chance(50) {
                    query.push(("dryRun", "All".to_owned()));
                    what.push_str(" dryRun=All");
                } else {
                    let mut options = options();
                    options["dryRun"] = json!(["All"]);
                    body = Some(options);
                    what.push_str(" (dryRun in DeleteOptions)");
                }
            }
            "propagation" => {
                let policy = *rng.choose(&["Foreground", "Orphan", "Background"]);
                query.push(("propagationPolicy", policy.to_owned()));
                what.push_str(&format!(" propagationPolicy={policy}"));
            }
            "grace-period" => {
                let seconds = *rng.choose(&["0", "30"]);
                query.push(("gracePeriodSeconds", seconds.to_owned()));
                what.push_str(&format!(" gracePeriodSeconds={seconds}"));
            }
            "orphan-false" => {
                query.push(("orphanDependents", "false".to_owned()));
                what.push_str(" orphanDependents=false");
            }
            "malformed" => {
                let malformed = match rng.below(3) {
                    0 => Value::String("not json".to_owned()),
                    1 => json!({"kind": "Endpoints", "apiVersion": "v1"}),
                    _ => {
                        let mut options = options();
                        options["dryRun"] = json!("All");
                        options
                    }
                };
                what.push_str(&format!(" with a malformed body {malformed}"));
                body = Some(malformed);
            }
            _ => {}
        }
        step(what, "DELETE", object_path(&segment), query, body, None)
    }

    fn delete_collection(&mut self, rng: &mut Rng) -> Step {
        let mut query = match rng.below(10) {
            0..=7 => vec![("labelSelector", (*rng.choose(&SELECTORS)).to_owned())],
            8 => vec![(
                "fieldSelector",
                format!("metadata.name={}", rng.choose(&NAMES)),
            )],
            _ => vec![("labelSelector", (*rng.choose(&BAD_SELECTORS)).to_owned())],
        };
        self.sent = Sent {
            kind: Kind::DeleteCollection,
            ..Sent::default()
        };
        if rng.chance(20) {
            query.push(("dryRun", "All".to_owned()));
            self.sent.dry_run = true;
        }
        let what = format!("deletecollection {}", query_text(&query));
        step(what, "DELETE", COLLECTION.to_owned(), query, None, None)
    }

    fn list(&mut self, rng: &mut Rng) -> Step {
        self.sent = Sent {
            kind: Kind::List,
            ..Sent::default()
        };
        if let Some((page_query, token)) = self.next_page.clone()
            && rng.chance(70)
        {
            let mut query = page_query.clone();
            query.push(("continue".to_owned(), token));
            self.sent.partial = true;
            self.sent.page_query = Some(page_query);
            let what = "list the next page".to_owned();
            return step(what, "GET", COLLECTION.to_owned(), query, None, None);
        }
        let variant = rng
            .weighted(&[
                ("plain", 12),
                ("limit", 22),
                ("label", 16),
                ("field", 10),
                ("rv-0", 10),
                ("not-older-than", 10),
                ("exact", 10),
                ("invalid", 10),
            ])
            .unwrap_or("plain");
        let mut query: Vec<(&str, String)> = Vec::new();
        match variant {
            "limit" => {
                if rng.chance(30) {
                    query.push(("labelSelector", (*rng.choose(&SELECTORS)).to_owned()));
                }
                query.push(("limit", (*rng.choose(&["1", "2"])).to_owned()));
            }
            "label" => query.push(("labelSelector", (*rng.choose(&SELECTORS)).to_owned())),
            "field" => {
                let selector = match rng.below(3) {
                    0 => format!("metadata.name={}", rng.choose(&NAMES)),
                    1 => format!("metadata.name!={}", rng.choose(&NAMES)),
                    _ => "metadata.namespace=<ns>".to_owned(),
                };
                query.push(("fieldSelector", selector));
            }
            "rv-0" => {
                query.push(("resourceVersion", "0".to_owned()));
                if rng.chance(40) {
                    query.push(("limit", "1".to_owned()));
                }
            }
            "not-older-than" | "exact" => {
                let rv = if variant == "not-older-than" || rng.chance(40) {
                    self.latest_rv()
                } else {
                    self.captured_rv(rng)
                };
                if let Some(rv) = rv {
                    let exact = variant == "exact";
                    query.push(("resourceVersion", rv));
                    query.push((
                        "resourceVersionMatch",
                        if exact { "Exact" } else { "NotOlderThan" }.to_owned(),
                    ));
                    self.sent.historical = exact;
                    if rng.chance(30) {
                        query.push(("limit", "1".to_owned()));
                    }
                }
            }
            "invalid" => {
                query = match rng.below(7) {
                    0 => vec![("resourceVersionMatch", "NotOlderThan".to_owned())],
                    1 => vec![
                        ("resourceVersion", "0".to_owned()),
                        ("resourceVersionMatch", "Exact".to_owned()),
                    ],
                    2 => vec![("labelSelector", (*rng.choose(&BAD_SELECTORS)).to_owned())],
                    3 => vec![("fieldSelector", "spec.foo=x".to_owned())],
                    4 => vec![
                        ("limit", "1".to_owned()),
                        ("continue", "not-a-token".to_owned()),
                    ],
                    5 => vec![("resourceVersion", "abc".to_owned())],
                    _ => vec![("limit", (*rng.choose(&["abc", "-1"])).to_owned())],
                };
            }
            _ => {}
        }
        self.sent.partial = query
            .iter()
            .any(|(k, _)| matches!(*k, "labelSelector" | "fieldSelector" | "limit" | "continue"));
        if query.iter().any(|(k, _)| *k == "limit") && !self.sent.historical {
            self.sent.page_query = Some(
                query
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
            );
        }
        if rng.chance(5) {
            // After page_query: a continued page need not repeat it.
            query.push(("pretty", "true".to_owned()));
        }
        let what = format!("list {}", query_text(&query));
        let mut list = step(what, "GET", COLLECTION.to_owned(), query, None, None);
        if rng.chance(3) {
            // 406, whose text for a list also offers the watch forms.
            not_acceptable(&mut list);
        }
        list
    }

    fn watch(&mut self, rng: &mut Rng) -> Step {
        self.sent = Sent {
            kind: Kind::Watch,
            ..Sent::default()
        };
        let deprecated_path = rng.chance(20);
        // The deprecated named path, /api/v1/watch/namespaces/{ns}/endpoints/{name}.
        let named = deprecated_path && rng.chance(60);
        let mut query: Vec<(&str, String)> = Vec::new();
        if !deprecated_path {
            query.push(("watch", "1".to_owned()));
        }
        let start = rng
            .weighted(&[
                ("captured", 60),
                ("zero", 10),
                ("unset", 12),
                ("initial-events", 10),
                ("malformed", 4),
            ])
            .unwrap_or("unset");
        let mut initial = false;
        let mut bookmarks = rng.chance(50);
        match start {
            "captured" => match self.captured_rv(rng) {
                Some(rv) => query.push(("resourceVersion", rv)),
                None => initial = true,
            },
            "zero" => {
                query.push(("resourceVersion", "0".to_owned()));
                initial = true;
            }
            "initial-events" => {
                query.push(("sendInitialEvents", "true".to_owned()));
                query.push(("resourceVersionMatch", "NotOlderThan".to_owned()));
                bookmarks = true;
                initial = true;
            }
            "malformed" => query.push(("resourceVersion", "abc".to_owned())),
            _ => initial = true,
        }
        match rng.below(10) {
            0 | 1 => query.push(("labelSelector", (*rng.choose(&SELECTORS)).to_owned())),
            2 => query.push((
                "fieldSelector",
                format!("metadata.name={}", rng.choose(&NAMES)),
            )),
            _ => {}
        }
        if bookmarks {
            query.push(("allowWatchBookmarks", "true".to_owned()));
        }
        let timeout = if rng.chance(70) { "1" } else { "2" };
        query.push(("timeoutSeconds", timeout.to_owned()));
        let what = format!(
            "watch {}{}",
            query_text(&query),
            if deprecated_path {
                " (deprecated path)"
            } else {
                ""
            }
        );
        let path = if named {
            format!("{DEPRECATED_WATCH}/{}", self.target_name(rng, 80))
        } else if deprecated_path {
            DEPRECATED_WATCH.to_owned()
        } else {
            COLLECTION.to_owned()
        };
        let mut watch = step(what, "GET", path, query, None, None);
        if rng.chance(3) {
            not_acceptable(&mut watch);
        }
        let mut marks = Map::new();
        if initial {
            marks.insert(
                "initial_event_order".to_owned(),
                json!(
                    "initial ADDED events come from an unordered store (watch cache before 1.32)"
                ),
            );
        }
        if bookmarks {
            marks.insert(
                "periodic_bookmarks".to_owned(),
                json!("BOOKMARKs other than the initial-events-end one come at the server's discretion: only that one is compared"),
            );
        }
        if !marks.is_empty() {
            watch.nondeterministic = Some(marks);
        }
        watch
    }

    fn observe_list(&mut self, status: Option<u64>, body: Option<&Value>) {
        self.next_page = None;
        let (Some(200), Some(body)) = (status, body) else {
            return;
        };
        if self.sent.historical {
            return;
        }
        let items: Vec<Value> = body
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for item in &items {
            self.remember(item);
        }
        if !self.sent.partial {
            let listed: Vec<&str> = items.iter().filter_map(|i| meta_str(i, "name")).collect();
            for name in self.existing() {
                if !listed.contains(&name.as_str()) {
                    self.forget(&name);
                }
            }
        }
        self.capture(meta_str(body, "resourceVersion"));
        if let (Some(token), Some(page_query)) = (
            meta_str(body, "continue").filter(|t| !t.is_empty()),
            self.sent.page_query.clone(),
        ) {
            self.next_page = Some((page_query, token.to_owned()));
        }
    }
}

fn is_endpoints(body: &Value) -> bool {
    body.get("kind").and_then(Value::as_str) == Some("Endpoints")
        && meta_str(body, "name").is_some()
}

impl SequenceModel for EndpointsModel {
    fn next_step(&mut self, rng: &mut Rng) -> Step {
        let mut step = self.json_step(rng);
        sometimes_protobuf(&mut step, rng, COLLECTION);
        step
    }

    fn observe(&mut self, answered: &Step) {
        self.observe_answer(answered);
    }
}

impl EndpointsModel {
    /// The next step as a JSON client would send it.
    fn json_step(&mut self, rng: &mut Rng) -> Step {
        // Paging, selectors and deletecollection only show something with a few objects, and a
        // continue token only when the next list follows it: lean towards both.
        if self.objects.len() < 3 && rng.chance(30) {
            return self.create(rng);
        }
        if self.next_page.is_some() && rng.chance(40) {
            return self.list(rng);
        }
        if rng.chance(3) {
            // Any operation with a token the server does not know: 401, and nothing changes.
            let mut step = self.any_operation(rng);
            step.request.auth = "bad-token".to_owned();
            if let Some(note) = &mut step.note {
                note.push_str(" with an unknown token");
            }
            self.sent = Sent {
                kind: Kind::Read,
                ..Sent::default()
            };
            return step;
        }
        self.any_operation(rng)
    }

    fn any_operation(&mut self, rng: &mut Rng) -> Step {
        match rng.weighted(&OPERATIONS).unwrap_or(Op::Get) {
            Op::Create => self.create(rng),
            Op::Get => self.get(rng),
            Op::Replace => self.replace(rng),
            Op::Patch => self.patch(rng),
            Op::Delete => self.delete(rng),
            Op::DeleteCollection => self.delete_collection(rng),
            Op::List => self.list(rng),
            Op::Watch => self.watch(rng),
        }
    }

    fn observe_answer(&mut self, answered: &Step) {
        let response = answered.response.as_ref();
        let status = response
            .and_then(|r| r.get("status"))
            .and_then(Value::as_u64);
        let body = response.and_then(|r| r.get("body"));
        let sent = self.sent.clone();
        if sent.kind == Kind::List {
            self.observe_list(status, body);
            return;
        }
        if sent.dry_run
            || sent.kind == Kind::Watch
            || sent.kind == Kind::Read && status != Some(404)
        {
            if sent.kind == Kind::Read
                && status == Some(200)
                && let Some(body) = body.filter(|b| is_endpoints(b))
            {
                self.remember(body);
            }
            return;
        }
        let object = body.filter(|b| is_endpoints(b));
        if sent.kind == Kind::DeleteCollection {
            if status == Some(200)
                && let Some(items) = body.and_then(|b| b.get("items")).and_then(Value::as_array)
            {
                for item in items {
                    let held = item
                        .pointer("/metadata/finalizers")
                        .and_then(Value::as_array)
                        .is_some_and(|f| !f.is_empty());
                    if held {
                        self.remember(item);
                    } else if let Some(name) = meta_str(item, "name") {
                        self.forget(name);
                    }
                }
            }
            return;
        }
        if sent.kind == Kind::Create {
            if status == Some(201)
                && let Some(object) = object
            {
                self.remember(object);
                self.capture(meta_str(object, "resourceVersion"));
            }
            return;
        }
        if status == Some(404) {
            if let Some(name) = &sent.name {
                self.forget(name);
            }
            return;
        }
        match object {
            None => {
                if sent.kind == Kind::Delete
                    && status == Some(200)
                    && let Some(name) = &sent.name
                {
                    self.forget(name);
                }
            }
            Some(object) if matches!(status, Some(200..=202)) => {
                let deleting = object.pointer("/metadata/deletionTimestamp").is_some();
                let held = object
                    .pointer("/metadata/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|f| !f.is_empty());
                match meta_str(object, "name") {
                    Some(name) if deleting && !held => self.forget(name),
                    _ => self.remember(object),
                }
                self.capture(meta_str(object, "resourceVersion"));
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(seed: u64, n: usize) -> Vec<Step> {
        let mut rng = Rng::new(seed);
        let mut model = EndpointsModel::default();
        (0..n).map(|_| model.next_step(&mut rng)).collect()
    }

    #[test]
    fn a_seed_always_chooses_the_same_requests() {
        assert_eq!(steps(11, 40), steps(11, 40));
        assert_ne!(steps(11, 40), steps(12, 40));
    }

    #[test]
    fn every_operation_and_patch_type_comes_up_and_watches_are_bounded() {
        let all: Vec<Step> = (0..20).flat_map(|seed| steps(seed, 50)).collect();
        for method in ["POST", "GET", "PUT", "PATCH", "DELETE"] {
            assert!(all.iter().any(|s| s.request.method == method), "{method}");
        }
        for content_type in [
            "application/merge-patch+json",
            "application/json-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ] {
            assert!(
                all.iter()
                    .any(|s| s.request.headers.get("Content-Type") == Some(&json!(content_type))),
                "{content_type}"
            );
        }
        let watches: Vec<&Step> = all.iter().filter(|s| s.request.is_watch()).collect();
        assert!(watches.len() > 10, "{}", watches.len());
        for watch in watches {
            let timeout = watch.request.query_value("timeoutSeconds");
            assert!(matches!(timeout, Some("1" | "2")), "{:?}", watch.request);
        }
        assert!(
            all.iter()
                .all(|s| s.request.path.contains("/namespaces/<ns>"))
        );
        assert!(all.iter().any(|s| s.request.auth == "bad-token"));
        for path_part in [
            "<ns>-missing",
            "/api/v1/watch/namespaces/<ns>/endpoints/ep-",
        ] {
            assert!(
                all.iter().any(|s| s.request.path.contains(path_part)),
                "{path_part}"
            );
        }
        assert!(
            all.iter()
                .any(|s| s.request.query_value("pretty") == Some("true"))
        );
        assert!(all.iter().any(|s| {
            s.request.headers.get("Content-Type") == Some(&json!("application/yaml"))
        }));
    }

    #[test]
    fn about_one_request_in_eight_speaks_protobuf() {
        let all: Vec<Step> = (0..20).flat_map(|seed| steps(seed, 50)).collect();
        let header = |s: &Step, name: &str| {
            s.request
                .headers
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let protobuf: Vec<&Step> = all
            .iter()
            .filter(|s| header(s, "Accept").contains("protobuf"))
            .collect();
        let share = protobuf.len() * 100 / all.len();
        assert!((8..=18).contains(&share), "{share}% of {}", all.len());
        for method in ["GET", "POST", "PUT", "DELETE"] {
            assert!(
                protobuf.iter().any(|s| s.request.method == method
                    && (method == "GET"
                        || s.request.body.is_none()
                        || header(s, "Content-Type") == kconform_spec::protobuf::MEDIA_TYPE)),
                "{method}"
            );
        }
        assert!(
            protobuf
                .iter()
                .any(|s| s.request.is_watch() && header(s, "Accept").contains("stream=watch"))
        );
        // Bodies sent as protobuf encode (or are deliberately not protobuf, as text).
        for s in all
            .iter()
            .filter(|s| header(s, "Content-Type") == kconform_spec::protobuf::MEDIA_TYPE)
        {
            match &s.request.body {
                Some(Value::String(_)) => {}
                Some(body) => assert!(kconform_spec::protobuf::encode(body).is_ok(), "{body}"),
                None => panic!("a protobuf Content-Type without a body: {:?}", s.request),
            }
        }
        assert!(all.iter().any(|s| s.request.method == "PATCH"
            && header(s, "Content-Type") == kconform_spec::protobuf::MEDIA_TYPE));
    }

    #[test]
    fn the_model_learns_from_protobuf_answers() {
        // Replay records a protobuf answer with its decoded form as the body: what the model
        // reads (names, resourceVersions, uids, items, continue tokens) is there.
        let decoded = |object: &Value| {
            let bytes = kconform_spec::protobuf::encode(object).expect("encodes");
            kconform_spec::protobuf::decode(&bytes).expect("decodes")
        };
        let mut model = EndpointsModel {
            sent: Sent {
                kind: Kind::Create,
                name: Some("ep-1".to_owned()),
                ..Sent::default()
            },
            ..EndpointsModel::default()
        };
        let created = json!({"kind": "Endpoints", "apiVersion": "v1", "metadata":
            {"name": "ep-1", "uid": "u1", "resourceVersion": "5"}});
        let mut answered = steps(1, 1).remove(0);
        answered.response =
            Some(json!({"status": 201, "format": "protobuf", "body": decoded(&created)}));
        model.observe(&answered);
        assert_eq!(model.rv_of("ep-1").as_deref(), Some("5"));
        assert_eq!(model.uid_of("ep-1").as_deref(), Some("u1"));
        model.sent = Sent {
            kind: Kind::List,
            partial: true,
            page_query: Some(vec![("limit".to_owned(), "1".to_owned())]),
            ..Sent::default()
        };
        let page = json!({"kind": "EndpointsList", "apiVersion": "v1", "metadata":
            {"resourceVersion": "9", "continue": "token"}, "items": [{"metadata":
            {"name": "ep-2", "uid": "u2", "resourceVersion": "8"}}]});
        answered.response =
            Some(json!({"status": 200, "format": "protobuf", "body": decoded(&page)}));
        model.observe(&answered);
        assert_eq!(model.rv_of("ep-2").as_deref(), Some("8"));
        assert_eq!(model.captured, ["5", "9"]);
        assert_eq!(
            model.next_page.map(|(_, token)| token).as_deref(),
            Some("token")
        );
    }

    #[test]
    fn yaml_bodies_read_back_as_the_object() {
        let object = object(
            Some("ep-1"),
            labels(&mut Rng::new(3)),
            Some(
                json!([{"addresses": [{"ip": "10.1.2.3"}, {"ip": "10.1.2.4", "hostname": "h"}], "ports": [{"name": "http", "port": 80}]}, {"addresses": []}]),
            ),
        );
        let text = block_yaml(&object, 0);
        assert!(text.starts_with("apiVersion: \"v1\"\n"), "{text}");
        assert!(
            text.contains("subsets:\n- addresses:\n  - ip: \"10.1.2.3\"\n  - ip: \"10.1.2.4\"\n    hostname: \"h\"\n  ports:\n  - name: \"http\"\n    port: 80\n- addresses: []\n"),
            "{text}"
        );
        let decoded = kconform_spec::decode::decode_endpoints(
            text.as_bytes(),
            kconform_spec::decode::BodyFormat::Yaml,
        )
        .expect("valid YAML");
        assert_eq!(decoded.object, object, "{text}");
        assert!(decoded.strict.is_empty(), "{text}");
    }

    #[test]
    fn the_model_follows_the_references_answers() {
        let mut model = EndpointsModel {
            sent: Sent {
                kind: Kind::Create,
                name: Some("ep-1".to_owned()),
                ..Sent::default()
            },
            ..EndpointsModel::default()
        };
        let created = json!({"kind": "Endpoints", "metadata": {"name": "ep-1", "uid": "u1", "resourceVersion": "5"}});
        let mut answered = steps(1, 1).remove(0);
        answered.response = Some(json!({"status": 201, "body": created}));
        model.observe(&answered);
        assert_eq!(model.rv_of("ep-1").as_deref(), Some("5"));
        assert_eq!(model.captured, ["5"]);
        model.sent = Sent {
            kind: Kind::Delete,
            name: Some("ep-1".to_owned()),
            ..Sent::default()
        };
        answered.response =
            Some(json!({"status": 200, "body": {"kind": "Status", "status": "Success"}}));
        model.observe(&answered);
        assert!(model.objects.is_empty());
        assert_eq!(model.old_rvs["ep-1"], ["5"]);
    }
}
