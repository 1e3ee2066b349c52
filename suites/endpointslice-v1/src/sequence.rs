//! The request model of `kconform diff --suite endpointslice-v1`: random EndpointSlice sequences.
//!
//! Four names, a few label sets (the `kubernetes.io/service-name` label among them) and selectors,
//! and a weighted mix of creates (valid, invalid, generateName, dryRun, FQDN and IPv6 slices, and
//! the edges kube-apiserver accepts: odd port numbers, 101 ports, an IP in an FQDN slice, exact
//! limits, `hints.forNodes`),
//! gets, replaces (current and stale resourceVersions, addressType changes), the four patch types,
//! deletes (dryRun, preconditions, finalizers), deletecollection, lists (selectors, pages) and
//! short watches, chosen from a model of the namespace built from the reference's answers only.
//!
//! About one request in eight speaks protobuf as client-go components do
//! ([`kconform_harness::diff::speak_protobuf`]), and a few patches send a protobuf body (415).

use std::collections::BTreeMap;

use kconform_harness::diff::{Rng, SequenceModel, sometimes_protobuf};
use kconform_harness::replay::Step;
use kconform_harness::replay::transcript::Request;
use serde_json::{Map, Value, json};

const NAMES: [&str; 4] = ["es-1", "es-2", "es-3", "es-4"];
const COLLECTION: &str = "/apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices";
const DEPRECATED_WATCH: &str = "/apis/discovery.k8s.io/v1/watch/namespaces/<ns>/endpointslices";
const SERVICE: &str = "kubernetes.io/service-name";
const LABEL_SETS: [&[(&str, &str)]; 4] = [
    &[],
    &[(SERVICE, "svc-a")],
    &[(SERVICE, "svc-b"), ("tier", "web")],
    &[(SERVICE, "svc-a"), ("tier", "db")],
];
const SELECTORS: [&str; 6] = [
    "kubernetes.io/service-name=svc-a",
    "kubernetes.io/service-name!=svc-a",
    "kubernetes.io/service-name in (svc-a,svc-b)",
    "kubernetes.io/service-name",
    "!tier",
    "tier=web,kubernetes.io/service-name=svc-b",
];
const HOLD: &str = "example.com/hold";
/// A uid no object has.
const FOREIGN_UID: &str = "00000000-0000-0000-0000-000000000001";

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
    (Op::Create, 20),
    (Op::Get, 8),
    (Op::Replace, 12),
    (Op::Patch, 18),
    (Op::Delete, 10),
    (Op::DeleteCollection, 3),
    (Op::List, 16),
    (Op::Watch, 5),
];

/// What the model must remember about the request it sent to read the answer.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Sent {
    /// Changes nothing the model tracks (reads, dry runs, watches, requests that must fail).
    #[default]
    Nothing,
    /// A write whose answer is the object as stored now.
    Write,
    /// A DELETE of one object.
    Delete,
    /// A DELETE of the collection: the answer lists what went.
    DeleteCollection,
    /// A full list: the answer is every object there is.
    FullList,
    /// A page of a list: the answer's continue token continues it.
    Page,
}

/// The model of one sequence's namespace, from the reference's answers.
#[derive(Default)]
pub struct SliceModel {
    /// Objects believed to exist: name → the last object the reference returned.
    objects: BTreeMap<String, Value>,
    /// resourceVersions seen in write answers (where watches start, and stale preconditions).
    captured: Vec<String>,
    /// The selector and token of the last page, to continue it.
    next_page: Option<(String, String)>,
    sent: Sent,
    sent_name: Option<String>,
    sent_selector: Option<String>,
}

/// A fresh model, for [`kconform_harness::diff::DiffOptions::model`].
pub fn model() -> Box<dyn SequenceModel> {
    Box::new(SliceModel::default())
}

fn step(
    note: String,
    method: &str,
    path: String,
    query: Vec<(&str, String)>,
    body: Option<Value>,
    content_type: &str,
) -> Step {
    let mut headers = Map::new();
    headers.insert("Accept".to_owned(), json!("application/json"));
    if body.is_some() {
        headers.insert("Content-Type".to_owned(), json!(content_type));
    }
    Step {
        note: Some(note),
        request: Request {
            method: method.to_owned(),
            path,
            query: query.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
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

fn object_path(name: &str) -> String {
    format!("{COLLECTION}/{name}")
}

fn labels(rng: &mut Rng) -> Map<String, Value> {
    rng.choose(&LABEL_SETS)
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect()
}

/// The fields of a valid slice beside its metadata: an address type and endpoints of that type,
/// and ports.
fn spec(rng: &mut Rng) -> Map<String, Value> {
    let (address_type, addresses): (&str, [&str; 3]) = match rng.below(10) {
        0 => ("IPv6", ["2001:db8::1", "2001:db8::2", "fd00::5"]),
        1 => ("FQDN", ["a.example.com", "b.example.com", "example.com"]),
        _ => ("IPv4", ["10.1.2.3", "10.1.2.4", "192.168.7.1"]),
    };
    let mut endpoints = Vec::new();
    for i in 0..rng.below(3) + 1 {
        let mut endpoint = json!({"addresses": [addresses[(i + rng.below(3)) % 3]]});
        if rng.chance(40) {
            endpoint["conditions"] =
                json!({"ready": rng.chance(70), "serving": true, "terminating": rng.chance(10)});
        }
        if rng.chance(20) {
            endpoint["nodeName"] = json!("node-1");
            endpoint["zone"] = json!("zone-a");
        }
        if rng.chance(10) {
            endpoint["hints"] = json!({"forZones": [{"name": "zone-a"}]});
        }
        endpoints.push(endpoint);
    }
    let ports = match rng.below(4) {
        0 => json!([{"name": "http", "port": 80}]),
        1 => {
            json!([{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}])
        }
        2 => json!([{"name": "h2", "port": 443, "appProtocol": "kubernetes.io/h2c"}]),
        _ => json!([]),
    };
    let mut spec = Map::new();
    spec.insert("addressType".to_owned(), json!(address_type));
    if !rng.chance(8) {
        spec.insert("endpoints".to_owned(), Value::Array(endpoints));
    }
    spec.insert("ports".to_owned(), ports);
    spec
}

/// A spec at one of the edges kube-apiserver accepts although a reading of the types suggests
/// otherwise (recorded: port numbers outside 1..65535, 101 ports, an FQDN slice holding an IP, a
/// zone that is no label value), or exactly at a limit (100 addresses, 1000 endpoints, 8 zone
/// hints), or with `hints.forNodes` (dropped with a Warning before 1.33, stored from 1.33).
fn edge(rng: &mut Rng) -> (&'static str, Map<String, Value>) {
    let ipv4 = |i: usize| format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, 1 + i % 250);
    let port = json!([{"name": "http", "port": 80}]);
    let (what, address_type, endpoints, ports) = match rng.below(8) {
        0 => {
            let number = *rng.choose(&[0, 65536, -1]);
            let ports = json!([{"name": "odd", "port": number}]);
            (
                "a port number outside 1..65535",
                "IPv4",
                json!([{"addresses": [ipv4(0)]}]),
                ports,
            )
        }
        1 => {
            let ports: Vec<Value> = (0..101)
                .map(|i| json!({"name": format!("p-{i}"), "port": 1000 + i}))
                .collect();
            (
                "101 ports",
                "IPv4",
                json!([{"addresses": [ipv4(0)]}]),
                Value::Array(ports),
            )
        }
        2 => (
            "an FQDN slice holding an IP",
            "FQDN",
            json!([{"addresses": ["10.1.2.3"]}]),
            port,
        ),
        3 => (
            "the zone `zone!`",
            "IPv4",
            json!([{"addresses": [ipv4(0)], "zone": "zone!"}]),
            port,
        ),
        4 => {
            let addresses: Vec<String> = (0..100).map(ipv4).collect();
            (
                "an endpoint with 100 addresses",
                "IPv4",
                json!([{"addresses": addresses}]),
                port,
            )
        }
        5 => {
            let endpoints: Vec<Value> =
                (0..1000).map(|i| json!({"addresses": [ipv4(i)]})).collect();
            ("1000 endpoints", "IPv4", Value::Array(endpoints), port)
        }
        6 => {
            let zones: Vec<Value> = (0..8)
                .map(|i| json!({"name": format!("zone-{i}")}))
                .collect();
            let endpoint =
                json!({"addresses": [ipv4(0)], "zone": "zone-0", "hints": {"forZones": zones}});
            ("8 zone hints", "IPv4", json!([endpoint]), port)
        }
        _ => {
            let endpoint = json!({
                "addresses": [ipv4(0)],
                "nodeName": "node-1",
                "zone": "zone-a",
                "hints": {"forZones": [{"name": "zone-a"}], "forNodes": [{"name": "node-1"}]},
            });
            ("hints.forNodes", "IPv4", json!([endpoint]), port)
        }
    };
    let mut spec = Map::new();
    spec.insert("addressType".to_owned(), json!(address_type));
    spec.insert("endpoints".to_owned(), endpoints);
    spec.insert("ports".to_owned(), ports);
    (what, spec)
}

fn slice(name: Option<&str>, labels: Map<String, Value>, spec: Map<String, Value>) -> Value {
    let mut metadata = Map::new();
    if let Some(name) = name {
        metadata.insert("name".to_owned(), json!(name));
    }
    if !labels.is_empty() {
        metadata.insert("labels".to_owned(), Value::Object(labels));
    }
    let mut body =
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": metadata});
    if let Some(object) = body.as_object_mut() {
        object.extend(spec);
    }
    body
}

/// Invalid variations: (what, fields replacing the valid ones).
fn invalid(rng: &mut Rng) -> (&'static str, Value) {
    let cases: [(&str, Value); 8] = [
        ("no addressType", json!({"addressType": null})),
        ("addressType IP", json!({"addressType": "IP"})),
        (
            "an IPv6 address in an IPv4 slice",
            json!({"addressType": "IPv4", "endpoints": [{"addresses": ["2001:db8::1"]}]}),
        ),
        (
            "an endpoint without addresses",
            json!({"endpoints": [{"addresses": []}]}),
        ),
        (
            "a loopback address",
            json!({"addressType": "IPv4", "endpoints": [{"addresses": ["127.0.0.1"]}]}),
        ),
        (
            "duplicate port names",
            json!({"ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}]}),
        ),
        (
            "protocol tcp",
            json!({"ports": [{"name": "http", "port": 80, "protocol": "tcp"}]}),
        ),
        (
            "an invalid hostname",
            json!({"endpoints": [{"addresses": ["10.1.2.3"], "hostname": "Host_1"}]}),
        ),
    ];
    let (what, fields) = rng.choose(&cases);
    (what, fields.clone())
}

fn with_fields(mut body: Value, fields: &Value) -> Value {
    if let (Some(object), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
        for (k, v) in fields {
            if v.is_null() {
                object.remove(k);
            } else {
                object.insert(k.clone(), v.clone());
            }
        }
    }
    body
}

fn meta_str<'v>(object: &'v Value, key: &str) -> Option<&'v str> {
    object.get("metadata")?.get(key)?.as_str()
}

impl SliceModel {
    fn target_name(&self, rng: &mut Rng) -> String {
        let existing: Vec<&String> = self.objects.keys().collect();
        if !existing.is_empty() && rng.chance(80) {
            existing[rng.below(existing.len())].clone()
        } else {
            (*rng.choose(&NAMES)).to_owned()
        }
    }

    fn expect(&mut self, sent: Sent, name: Option<&str>) {
        self.sent = sent;
        self.sent_name = name.map(str::to_owned);
    }

    fn create(&mut self, rng: &mut Rng) -> Step {
        let name = *rng.choose(&NAMES);
        let body = slice(Some(name), labels(rng), spec(rng));
        let mut query = Vec::new();
        let what = match rng.below(10) {
            0 => {
                let (what, fields) = invalid(rng);
                self.expect(Sent::Nothing, None);
                return step(
                    format!("create {name} with {what}"),
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(with_fields(body, &fields)),
                    "application/json",
                );
            }
            1 => {
                query.push(("dryRun", "All".to_owned()));
                self.expect(Sent::Nothing, None);
                return step(
                    format!("create {name} with dryRun"),
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(body),
                    "application/json",
                );
            }
            2 => {
                let mut body = body;
                body["metadata"]["finalizers"] = json!([HOLD]);
                self.expect(Sent::Write, Some(name));
                return step(
                    format!("create {name} held by a finalizer"),
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(body),
                    "application/json",
                );
            }
            3 if rng.chance(50) => {
                query.push(("fieldValidation", "Strict".to_owned()));
                let mut body = body;
                body["bogus"] = json!(1);
                self.expect(Sent::Nothing, None);
                return step(
                    format!("create {name} with an unknown field, fieldValidation=Strict"),
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(body),
                    "application/json",
                );
            }
            4 if rng.chance(60) => {
                let (what, spec) = edge(rng);
                self.expect(Sent::Write, Some(name));
                return step(
                    format!("create {name} with {what}"),
                    "POST",
                    COLLECTION.to_owned(),
                    query,
                    Some(slice(Some(name), labels(rng), spec)),
                    "application/json",
                );
            }
            _ => format!("create {name}"),
        };
        self.expect(Sent::Write, Some(name));
        step(
            what,
            "POST",
            COLLECTION.to_owned(),
            query,
            Some(body),
            "application/json",
        )
    }

    fn get(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng);
        let mut query = Vec::new();
        if rng.chance(20) {
            query.push(("resourceVersion", "0".to_owned()));
        }
        self.expect(Sent::Nothing, None);
        step(
            format!("get {name}"),
            "GET",
            object_path(&name),
            query,
            None,
            "",
        )
    }

    fn replace(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng);
        let current = self.objects.get(&name).cloned();
        let mut body = slice(Some(&name), labels(rng), spec(rng));
        let mut what = format!("replace {name}");
        if let Some(current) = &current {
            let rv = meta_str(current, "resourceVersion")
                .unwrap_or_default()
                .to_owned();
            match rng.below(10) {
                0 if !self.captured.is_empty() => {
                    let stale = self.captured[rng.below(self.captured.len())].clone();
                    body["metadata"]["resourceVersion"] = json!(stale);
                    what.push_str(" with an old resourceVersion");
                }
                1 => what.push_str(" without a resourceVersion"),
                _ => {
                    body["metadata"]["resourceVersion"] = json!(rv);
                    // Keep the address type most of the time: changing it is refused (immutable).
                    if rng.chance(85)
                        && let Some(kind) = current.get("addressType")
                    {
                        let same = kind.clone();
                        if body["addressType"] != same {
                            body["addressType"] = same;
                            body["endpoints"] =
                                current.get("endpoints").cloned().unwrap_or(json!([]));
                        }
                    } else {
                        what.push_str(" changing or keeping addressType");
                    }
                    if let Some(finalizers) = current.pointer("/metadata/finalizers") {
                        body["metadata"]["finalizers"] = finalizers.clone();
                    }
                }
            }
        }
        self.expect(Sent::Write, Some(&name));
        step(
            what,
            "PUT",
            object_path(&name),
            Vec::new(),
            Some(body),
            "application/json",
        )
    }

    fn patch(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng);
        self.expect(Sent::Write, Some(&name));
        let mut query = Vec::new();
        if rng.chance(10) {
            query.push(("dryRun", "All".to_owned()));
            self.expect(Sent::Nothing, None);
        }
        if rng.chance(4) {
            // No patch type is protobuf: kube-apiserver's router answers 415 whatever the body,
            // so the body is a whole object that encodes.
            let body = slice(Some(&name), labels(rng), spec(rng));
            return step(
                format!("patch {name} with a protobuf body"),
                "PATCH",
                object_path(&name),
                query,
                Some(body),
                kconform_spec::protobuf::MEDIA_TYPE,
            );
        }
        match rng.below(5) {
            0 => {
                let body = json!({"metadata": {"labels": labels(rng)}, "ports": [{"name": "http", "port": 8080 + rng.below(3)}]});
                step(
                    format!("merge patch {name}"),
                    "PATCH",
                    object_path(&name),
                    query,
                    Some(body),
                    "application/merge-patch+json",
                )
            }
            1 => {
                let ops = match rng.below(3) {
                    0 => {
                        json!([{"op": "add", "path": "/metadata/labels", "value": {"tier": "web"}}])
                    }
                    1 => {
                        json!([{"op": "replace", "path": "/ports", "value": [{"name": "dns", "port": 53, "protocol": "UDP"}]}])
                    }
                    _ => {
                        json!([{"op": "test", "path": "/addressType", "value": "IPv4"}, {"op": "add", "path": "/endpoints/-", "value": {"addresses": ["10.1.2.9"]}}])
                    }
                };
                step(
                    format!("JSON patch {name}"),
                    "PATCH",
                    object_path(&name),
                    query,
                    Some(ops),
                    "application/json-patch+json",
                )
            }
            2 => {
                let body = match rng.below(3) {
                    0 => json!({"endpoints": [{"addresses": ["10.1.2.7"]}]}),
                    1 => json!({"metadata": {"finalizers": null}}),
                    _ => json!({"addressType": "IPv6"}),
                };
                step(
                    format!("strategic merge patch {name}"),
                    "PATCH",
                    object_path(&name),
                    query,
                    Some(body),
                    "application/strategic-merge-patch+json",
                )
            }
            3 => {
                let body = slice(Some(&name), labels(rng), spec(rng));
                query.push((
                    "fieldManager",
                    (*rng.choose(&["manager-a", "manager-b"])).to_owned(),
                ));
                if rng.chance(30) {
                    query.push(("force", "true".to_owned()));
                }
                step(
                    format!("apply {name}"),
                    "PATCH",
                    object_path(&name),
                    query,
                    Some(body),
                    "application/apply-patch+yaml",
                )
            }
            _ => {
                let body =
                    json!({"metadata": {"annotations": {"touched": rng.below(100).to_string()}}});
                step(
                    format!("merge patch {name} annotations"),
                    "PATCH",
                    object_path(&name),
                    query,
                    Some(body),
                    "application/merge-patch+json",
                )
            }
        }
    }

    fn delete(&mut self, rng: &mut Rng) -> Step {
        let name = self.target_name(rng);
        let mut query = Vec::new();
        let mut body = None;
        self.expect(Sent::Delete, Some(&name));
        match rng.below(6) {
            0 => {
                query.push(("dryRun", "All".to_owned()));
                self.expect(Sent::Nothing, None);
            }
            1 => {
                let uid = match self.objects.get(&name) {
                    Some(object) if rng.chance(50) => {
                        meta_str(object, "uid").unwrap_or(FOREIGN_UID).to_owned()
                    }
                    _ => FOREIGN_UID.to_owned(),
                };
                body = Some(
                    json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}),
                );
            }
            2 => query.push(("propagationPolicy", "Background".to_owned())),
            _ => {}
        }
        step(
            format!("delete {name}"),
            "DELETE",
            object_path(&name),
            query,
            body,
            "application/json",
        )
    }

    fn delete_collection(&mut self, rng: &mut Rng) -> Step {
        let selector = (*rng.choose(&SELECTORS)).to_owned();
        self.expect(Sent::DeleteCollection, None);
        step(
            format!("delete the collection {selector}"),
            "DELETE",
            COLLECTION.to_owned(),
            vec![("labelSelector", selector)],
            None,
            "",
        )
    }

    fn list(&mut self, rng: &mut Rng) -> Step {
        if let Some((selector, token)) = self.next_page.take()
            && rng.chance(70)
        {
            let mut query = vec![("limit", "1".to_owned()), ("continue", token)];
            if !selector.is_empty() {
                query.insert(0, ("labelSelector", selector.clone()));
            }
            self.expect(Sent::Page, None);
            self.sent_selector = Some(selector);
            return step(
                "list the next page".to_owned(),
                "GET",
                COLLECTION.to_owned(),
                query,
                None,
                "",
            );
        }
        let mut query = Vec::new();
        let mut selector = String::new();
        if rng.chance(40) {
            selector = (*rng.choose(&SELECTORS)).to_owned();
            query.push(("labelSelector", selector.clone()));
        }
        match rng.below(5) {
            0 => {
                query.push(("limit", "1".to_owned()));
                self.expect(Sent::Page, None);
                self.sent_selector = Some(selector);
            }
            1 => {
                query.push((
                    "fieldSelector",
                    format!("metadata.name={}", rng.choose(&NAMES)),
                ));
                self.expect(Sent::Nothing, None);
            }
            2 if rng.chance(30) => {
                query.push(("fieldSelector", "addressType=IPv4".to_owned()));
                self.expect(Sent::Nothing, None);
            }
            _ => self.expect(
                if selector.is_empty() {
                    Sent::FullList
                } else {
                    Sent::Nothing
                },
                None,
            ),
        }
        step(
            "list".to_owned(),
            "GET",
            COLLECTION.to_owned(),
            query,
            None,
            "",
        )
    }

    fn watch(&mut self, rng: &mut Rng) -> Step {
        let mut query = vec![
            ("watch", "1".to_owned()),
            ("timeoutSeconds", "1".to_owned()),
        ];
        let path = if rng.chance(20) {
            query.remove(0);
            DEPRECATED_WATCH.to_owned()
        } else {
            COLLECTION.to_owned()
        };
        if let Some(rv) = self.captured.last().filter(|_| rng.chance(70)) {
            query.push(("resourceVersion", rv.clone()));
        }
        if rng.chance(30) {
            query.push(("labelSelector", (*rng.choose(&SELECTORS)).to_owned()));
        }
        self.expect(Sent::Nothing, None);
        let mut watch = step("watch".to_owned(), "GET", path, query, None, "");
        let mut marks = Map::new();
        marks.insert("initial_event_order".to_owned(), json!(true));
        watch.nondeterministic = Some(marks);
        watch
    }

    fn remember(&mut self, object: &Value) {
        if let Some(name) = meta_str(object, "name") {
            if let Some(rv) = meta_str(object, "resourceVersion") {
                self.captured.push(rv.to_owned());
            }
            self.objects.insert(name.to_owned(), object.clone());
        }
    }
}

fn is_slice(body: &Value) -> bool {
    body.get("kind").and_then(Value::as_str) == Some("EndpointSlice")
}

impl SliceModel {
    /// The next step as a JSON client would send it.
    fn json_step(&mut self, rng: &mut Rng) -> Step {
        if self.objects.len() < 2 && rng.chance(40) {
            return self.create(rng);
        }
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
}

impl SequenceModel for SliceModel {
    fn next_step(&mut self, rng: &mut Rng) -> Step {
        let mut step = self.json_step(rng);
        sometimes_protobuf(&mut step, rng, COLLECTION);
        step
    }

    fn observe(&mut self, answered: &Step) {
        let response = answered.response.as_ref();
        let status = response
            .and_then(|r| r.get("status"))
            .and_then(Value::as_u64);
        let body = response.and_then(|r| r.get("body"));
        let name = self.sent_name.clone();
        match self.sent {
            Sent::Nothing => {}
            Sent::Write => match (status, body.filter(|b| is_slice(b))) {
                (Some(200 | 201), Some(object)) => {
                    let deleting = object.pointer("/metadata/deletionTimestamp").is_some();
                    let held = object
                        .pointer("/metadata/finalizers")
                        .and_then(Value::as_array)
                        .is_some_and(|f| !f.is_empty());
                    match meta_str(object, "name") {
                        Some(gone) if deleting && !held => {
                            self.objects.remove(gone);
                        }
                        _ => self.remember(object),
                    }
                }
                (Some(404), _) => {
                    if let Some(name) = name {
                        self.objects.remove(&name);
                    }
                }
                _ => {}
            },
            Sent::Delete => match (status, body.filter(|b| is_slice(b))) {
                // Held by a finalizer: still there, being deleted.
                (Some(200 | 202), Some(object)) => self.remember(object),
                (Some(200 | 404), _) => {
                    if let Some(name) = name {
                        self.objects.remove(&name);
                    }
                }
                _ => {}
            },
            Sent::DeleteCollection => {
                if status == Some(200) {
                    for item in body
                        .and_then(|b| b.get("items"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let held = item
                            .pointer("/metadata/finalizers")
                            .and_then(Value::as_array)
                            .is_some_and(|f| !f.is_empty());
                        if held {
                            self.remember(item);
                        } else if let Some(gone) = meta_str(item, "name") {
                            self.objects.remove(gone);
                        }
                    }
                }
            }
            Sent::FullList => {
                if status == Some(200) {
                    self.objects.clear();
                    let items: Vec<Value> = body
                        .and_then(|b| b.get("items"))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for item in &items {
                        self.remember(item);
                    }
                }
            }
            Sent::Page => {
                let token = body
                    .and_then(|b| b.pointer("/metadata/continue"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if status == Some(200) && !token.is_empty() {
                    self.next_page = Some((
                        self.sent_selector.clone().unwrap_or_default(),
                        token.to_owned(),
                    ));
                }
            }
        }
        self.sent = Sent::Nothing;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(seed: u64, n: usize) -> Vec<Step> {
        let mut model = SliceModel::default();
        let mut rng = Rng::new(seed);
        (0..n).map(|_| model.next_step(&mut rng)).collect()
    }

    #[test]
    fn a_seed_always_chooses_the_same_requests() {
        let a: Vec<_> = steps(7, 60).into_iter().map(|s| s.request).collect();
        let b: Vec<_> = steps(7, 60).into_iter().map(|s| s.request).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn every_method_comes_up_and_watches_are_bounded() {
        let all = steps(11, 400);
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
        for s in all.iter().filter(|s| s.request.is_watch()) {
            assert!(
                s.request.query_value("timeoutSeconds").is_some(),
                "{:?}",
                s.request
            );
        }
        assert!(
            all.iter()
                .all(|s| s.request.path.starts_with("/apis/discovery.k8s.io/v1/"))
        );
    }

    #[test]
    fn about_one_request_in_eight_speaks_protobuf() {
        let all = steps(11, 400);
        let header = |s: &Step, name: &str| {
            s.request
                .headers
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let protobuf = all
            .iter()
            .filter(|s| header(s, "Accept").contains("protobuf"))
            .count();
        let share = protobuf * 100 / all.len();
        assert!((8..=18).contains(&share), "{share}%");
        for method in ["POST", "PUT", "PATCH"] {
            assert!(
                all.iter().any(|s| s.request.method == method
                    && header(s, "Content-Type") == kconform_spec::protobuf::MEDIA_TYPE),
                "{method}"
            );
        }
        for s in all
            .iter()
            .filter(|s| header(s, "Content-Type") == kconform_spec::protobuf::MEDIA_TYPE)
        {
            if let Some(body) = s.request.body.as_ref().filter(|b| !b.is_string()) {
                assert!(kconform_spec::protobuf::encode(body).is_ok(), "{body}");
            }
        }
    }

    #[test]
    fn the_model_follows_the_references_answers() {
        let mut model = SliceModel::default();
        model.expect(Sent::Write, Some("es-1"));
        let created = json!({"kind": "EndpointSlice", "metadata": {"name": "es-1", "uid": "u1", "resourceVersion": "5"}});
        let mut answered = step(
            "create".to_owned(),
            "POST",
            COLLECTION.to_owned(),
            Vec::new(),
            None,
            "",
        );
        answered.response = Some(json!({"status": 201, "body": created}));
        model.observe(&answered);
        assert!(model.objects.contains_key("es-1"));
        assert_eq!(model.captured, ["5"]);
        model.expect(Sent::Delete, Some("es-1"));
        answered.response =
            Some(json!({"status": 200, "body": {"kind": "Status", "status": "Success"}}));
        model.observe(&answered);
        assert!(model.objects.is_empty());
    }
}
