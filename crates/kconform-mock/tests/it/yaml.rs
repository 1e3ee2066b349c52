//! YAML in and out as kube-apiserver speaks it: the 26 YAML bodies of `transcripts/yaml/` (recorded
//! from real kube-apiserver v1.28.7 and v1.36.2) are POSTed byte for byte with
//! `Content-Type: application/yaml` to the reference server emulating each version, over a loopback
//! socket. Each must get the recorded status and body; each created object, read back with
//! `Accept: application/yaml`, must be the recorded text byte for byte.
//!
//! Also: malformed YAML and JSON bodies get only Go's texts in their Status messages.

use std::path::Path;

use reqwest::Method;
use serde_json::Value;

use crate::http_support::{ADMIN_TOKEN, TestServer, config};

fn recording(server: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/yaml")
        .join(format!("{server}.json"));
    let text = std::fs::read_to_string(path).expect("the YAML recording reads");
    serde_json::from_str(&text).expect("the YAML recording is JSON")
}

/// The server-chosen values of a created object, to be replaced by the recording's placeholders.
struct Chosen {
    namespace: String,
    uid: String,
    resource_version: String,
    creation_timestamp: String,
    times: Vec<String>,
}

fn chosen(object: &Value) -> Chosen {
    let meta = &object["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Chosen {
        namespace: text(&meta["namespace"]),
        uid: text(&meta["uid"]),
        resource_version: text(&meta["resourceVersion"]),
        creation_timestamp: text(&meta["creationTimestamp"]),
        times: meta["managedFields"]
            .as_array()
            .map(|entries| entries.iter().map(|e| text(&e["time"])).collect())
            .unwrap_or_default(),
    }
}

/// The JSON answer with the recording's placeholders in place of the server-chosen values.
fn with_placeholders(mut body: Value, chosen: &Chosen) -> Value {
    let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) else {
        return body;
    };
    for (key, actual, placeholder) in [
        ("namespace", &chosen.namespace, "<ns>"),
        ("uid", &chosen.uid, "<uid>"),
        (
            "resourceVersion",
            &chosen.resource_version,
            "<resourceVersion>",
        ),
        (
            "creationTimestamp",
            &chosen.creation_timestamp,
            "<creationTimestamp>",
        ),
    ] {
        if meta.get(key).and_then(Value::as_str) == Some(actual.as_str()) {
            meta.insert(key.to_owned(), Value::from(placeholder));
        }
    }
    if let Some(entries) = meta.get_mut("managedFields").and_then(Value::as_array_mut) {
        for entry in entries {
            if entry.get("time").is_some() {
                entry["time"] = Value::from("<time>");
            }
        }
    }
    body
}

/// The YAML text with the placeholders substituted line by line, quoting kept as the server wrote it.
fn yaml_with_placeholders(text: &str, chosen: &Chosen) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut line = line.to_owned();
        let replace = |line: &mut String, key: &str, actual: &str, placeholder: &str| {
            for quote in ["", "\""] {
                let from = format!("{key}: {quote}{actual}{quote}\n");
                if line.trim_start() == from {
                    *line = line.replace(&from, &format!("{key}: {quote}{placeholder}{quote}\n"));
                }
            }
        };
        replace(&mut line, "namespace", &chosen.namespace, "<ns>");
        replace(&mut line, "uid", &chosen.uid, "<uid>");
        replace(
            &mut line,
            "resourceVersion",
            &chosen.resource_version,
            "<resourceVersion>",
        );
        replace(
            &mut line,
            "creationTimestamp",
            &chosen.creation_timestamp,
            "<creationTimestamp>",
        );
        for time in &chosen.times {
            replace(&mut line, "time", time, "<time>");
        }
        out.push_str(&line);
    }
    out
}

async fn replay_yaml(server_name: &str, minor: u32) {
    let recorded = recording(server_name);
    let cases = recorded["cases"].as_array().expect("a list of cases");
    assert_eq!(cases.len(), 26, "the recording holds the 26 cases");
    let server = TestServer::with(config(minor)).await;
    let ns = "yaml-replay";
    server.create_namespace(ns).await;
    let mut differing = Vec::new();
    let mut yaml_identical = 0;
    for case in cases {
        let id = case["id"].as_str().expect("an id");
        let body = case["body"].as_str().expect("a body").to_owned();
        // The recorder's client had no User-Agent of its own: kube-apiserver named its manager `unknown`.
        let response = server
            .client
            .post(server.url(&format!("/api/v1/namespaces/{ns}/endpoints")))
            .bearer_auth(ADMIN_TOKEN)
            .header("Content-Type", "application/yaml")
            .header("Accept", "application/json")
            .header("User-Agent", "unknown/0")
            .body(body)
            .send()
            .await
            .expect("POST answers");
        let status = response.status().as_u16();
        let answer: Value = response.json().await.expect("a JSON answer");
        let want_status = case["response"]["status"].as_u64().expect("a status");
        let chosen = chosen(&answer);
        let got = with_placeholders(answer, &chosen);
        let want = &case["response"]["body"];
        // Compared as text, so the order of the fields counts too.
        let (got_text, want_text) = (got.to_string(), want.to_string());
        if u64::from(status) != want_status || got_text != want_text {
            differing.push(format!(
                "{id}: expected {want_status} {want_text}\n    actual   {status} {got_text}"
            ));
            continue;
        }
        let Some(want_yaml) = case["get_as_yaml"].as_str() else {
            continue;
        };
        let name = got["metadata"]["name"].as_str().expect("a created name");
        let response = server
            .req(
                Method::GET,
                &format!("/api/v1/namespaces/{ns}/endpoints/{name}"),
            )
            .header("Accept", "application/yaml")
            .send()
            .await
            .expect("GET answers");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/yaml"),
            "{id}"
        );
        let text = response.text().await.expect("a YAML answer");
        let got_yaml = yaml_with_placeholders(&text, &chosen);
        if got_yaml == want_yaml {
            yaml_identical += 1;
        } else {
            differing.push(format!(
                "{id}: GET as YAML differs:\n{}",
                similar::TextDiff::from_lines(want_yaml, &got_yaml)
                    .unified_diff()
                    .header("recorded", "reference server")
            ));
        }
    }
    server.server.shutdown().await;
    assert!(
        differing.is_empty(),
        "{} of {} recorded YAML cases answer differently from {server_name}:\n{}",
        differing.len(),
        cases.len(),
        differing.join("\n")
    );
    let with_yaml = cases
        .iter()
        .filter(|c| c["get_as_yaml"].is_string())
        .count();
    assert_eq!(yaml_identical, with_yaml);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_yaml_bodies_answer_as_kube_apiserver_1_28() {
    replay_yaml("kube-apiserver-v1.28.7", 28).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_yaml_bodies_answer_as_kube_apiserver_1_36() {
    replay_yaml("kube-apiserver-v1.36.2", 36).await;
}

/// Every problem text go-yaml v2 (libyaml's reader, scanner and parser, go-yaml's composer and
/// decoder) can put after `yaml: [line N: ]`, from its sources.
const GO_YAML_PROBLEMS: &[&str] = &[
    "invalid leading UTF-8 octet",
    "incomplete UTF-8 octet sequence",
    "invalid trailing UTF-8 octet",
    "invalid length of a UTF-8 sequence",
    "invalid Unicode character",
    "control characters are not allowed",
    "incomplete UTF-16 character",
    "unexpected low surrogate area",
    "incomplete UTF-16 surrogate pair",
    "expected low surrogate area",
    "found character that cannot start any token",
    "could not find expected ':'",
    "block sequence entries are not allowed in this context",
    "mapping keys are not allowed in this context",
    "mapping values are not allowed in this context",
    "found unknown directive name",
    "did not find expected comment or line break",
    "could not find expected directive name",
    "found unexpected non-alphabetical character",
    "did not find expected digit or '.' character",
    "found extremely long version number",
    "did not find expected version number",
    "did not find expected whitespace",
    "did not find expected whitespace or line break",
    "did not find expected alphabetic or numeric character",
    "did not find the expected '>'",
    "did not find expected '!'",
    "did not find expected tag URI",
    "did not find URI escaped octet",
    "found an incorrect leading UTF-8 octet",
    "found an incorrect trailing UTF-8 octet",
    "found an indentation indicator equal to 0",
    "found a tab character where an indentation space is expected",
    "found unexpected document indicator",
    "found unexpected end of stream",
    "found unknown escape character",
    "did not find expected hexdecimal number",
    "found invalid Unicode character escape code",
    "found a tab character that violates indentation",
    "exceeded max depth of 10000",
    "did not find expected <stream-start>",
    "did not find expected <document start>",
    "found undefined tag handle",
    "did not find expected node content",
    "did not find expected '-' indicator",
    "did not find expected key",
    "did not find expected ',' or ']'",
    "did not find expected ',' or '}'",
    "found duplicate %YAML directive",
    "found incompatible YAML document",
    "found duplicate %TAG directive",
    "document contains excessive aliasing",
    "map merge requires map or sequence of maps as the value",
    "!!binary value contains invalid base64 data",
];

/// Whether `error` (what follows `must be of type Endpoints): `) is a text Go writes for a YAML body.
fn is_go_yaml_conversion_error(error: &str) -> bool {
    if let Some(problem) = error.strip_prefix("yaml: ") {
        let problem = match problem.strip_prefix("line ") {
            Some(rest) => match rest.split_once(": ") {
                Some((line, text)) if line.parse::<u32>().is_ok() => text,
                _ => return false,
            },
            None => problem,
        };
        return GO_YAML_PROBLEMS.contains(&problem)
            || (problem.starts_with("unknown anchor '") && problem.ends_with("' referenced"))
            || (problem.starts_with("anchor '") && problem.ends_with("' value contains itself"))
            || (problem.starts_with("cannot decode !!") && problem.contains("` as a "))
            || problem.starts_with("invalid map key: ");
    }
    matches!(
        error,
        "json: unsupported value: NaN"
            | "json: unsupported value: +Inf"
            | "json: unsupported value: -Inf"
            | "couldn't get version/kind; json parse error: exceeded max depth"
    ) || error.starts_with("unsupported map key of type: ")
        || error.starts_with("couldn't get version/kind; json parse error: json: cannot unmarshal ")
        || error.starts_with("unexpected GroupVersion string: ")
}

/// Malformed YAML and JSON bodies, each with the message kube-apiserver gives (go-yaml's and
/// encoding/json's texts, with Go's summary of the body).
const MALFORMED: &[(&str, &str, &str)] = &[
    (
        "application/yaml",
        "a: b: c\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: mapping values are not allowed in this context (613a20623a20630a)",
    ),
    (
        "application/yaml",
        "metadata:\n\tname: a\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: line 2: found character that cannot start any token (6d657461646174613a0a096e616d653a20610a)",
    ),
    (
        "application/yaml",
        "metadata:\n  name: a\n  name: b\n  labels: {a: [\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: line 4: did not find expected node content (6d657461646174613a0a20206e616d653a20610a20206e616d653a20620a ...)",
    ),
    (
        "application/yaml",
        "metadata:\n  name: *x\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: unknown anchor 'x' referenced (6d657461646174613a0a20206e616d653a202a780a)",
    ),
    (
        "application/yaml",
        "metadata:\n  name: a\n b: c\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: line 2: did not find expected key (6d657461646174613a0a20206e616d653a20610a20623a20630a)",
    ),
    (
        "application/yaml",
        "subsets:\n- ports:\n  - port: !!int x\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: cannot decode !!str `x` as a !!int (737562736574733a0a2d20706f7274733a0a20202d20706f72743a202121 ...)",
    ),
    (
        "application/yaml",
        "metadata:\n  name: \"a\\qb\"\n",
        "the object provided is unrecognized (must be of type Endpoints): yaml: line 2: found unknown escape character (6d657461646174613a0a20206e616d653a2022615c7162220a)",
    ),
    ("application/yaml", "metadata:\n  name: a\n  name: b\n", ""),
    (
        "application/json",
        "{\"metadata\": {\"name\": \"a\",}}",
        "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({\"metadata\": {\"name\": \"a\",}})",
    ),
    (
        "application/json",
        "metadata:\n  name: a\n",
        "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: invalid character 'm' looking for beginning of value (6d657461646174613a0a20206e616d653a20610a)",
    ),
    (
        "application/json",
        "{\"metadata\": {\"name\": 5}}",
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string",
    ),
];

/// Status messages of malformed bodies are Go's texts, never a Rust library's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_go_texts_only() {
    let server = TestServer::with(config(36)).await;
    let ns = "yaml-malformed";
    server.create_namespace(ns).await;
    for (content_type, body, message) in MALFORMED {
        let response = server
            .req(Method::POST, &format!("/api/v1/namespaces/{ns}/endpoints"))
            .header("Content-Type", *content_type)
            .body(*body)
            .send()
            .await
            .expect("POST answers");
        let status = response.status().as_u16();
        let answer: Value = response.json().await.expect("a JSON answer");
        if message.is_empty() {
            // A key set twice is not an error: the last value wins, as recorded (p08).
            assert_eq!(status, 201, "{body:?}: {answer}");
            assert_eq!(answer["metadata"]["name"], "b");
            continue;
        }
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert_eq!(answer["message"], *message, "{body:?}");
    }
    // fieldValidation=Strict: go-yaml's strict error comes first (read from apimachinery's source).
    let response = server
        .req(
            Method::POST,
            &format!("/api/v1/namespaces/{ns}/endpoints?fieldValidation=Strict"),
        )
        .header("Content-Type", "application/yaml")
        .body("metadata:\n  name: a\n  name: b\n")
        .send()
        .await
        .expect("POST answers");
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.expect("a JSON answer");
    assert_eq!(
        answer["message"],
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: yaml: unmarshal errors:\n  line 3: key \"name\" already set in map"
    );
    server.server.shutdown().await;
}

/// An apply body kube-apiserver's apply patcher cannot read: `error decoding YAML:` and
/// sigs.k8s.io/yaml's text (not recorded: read from `handlers/patch.go` and sigs.k8s.io/yaml).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_apply_bodies_get_the_apply_patcher_s_texts() {
    let server = TestServer::with(config(36)).await;
    let ns = "yaml-apply";
    server.create_namespace(ns).await;
    for (body, message) in [
        (
            "metadata: {name: [\n",
            "error decoding YAML: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        ),
        (
            "- a\n",
            "error decoding YAML: error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ] {
        let response = server
            .req(
                Method::PATCH,
                &format!("/api/v1/namespaces/{ns}/endpoints/ep-1?fieldManager=m"),
            )
            .header("Content-Type", "application/apply-patch+yaml")
            .body(body)
            .send()
            .await
            .expect("PATCH answers");
        assert_eq!(response.status(), 400, "{body:?}");
        let answer: Value = response.json().await.expect("a JSON answer");
        assert_eq!(answer["message"], message, "{body:?}");
    }
    server.server.shutdown().await;
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever YAML-shaped body is sent, a 400 for an unreadable body carries one of Go's texts.
    #[test]
    fn every_yaml_error_message_is_a_go_text(body in yaml_body()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let (status, answer) = runtime.block_on(async {
            let server = TestServer::with(config(36)).await;
            server.create_namespace("yaml-prop").await;
            let response = server
                .req(Method::POST, "/api/v1/namespaces/yaml-prop/endpoints")
                .header("Content-Type", "application/yaml")
                .body(body.clone())
                .send()
                .await
                .expect("POST answers");
            let status = response.status().as_u16();
            let answer: Value = response.json().await.expect("a JSON answer");
            server.server.shutdown().await;
            (status, answer)
        });
        let message = answer["message"].as_str().unwrap_or_default();
        if status == 400 {
            if let Some(rest) = message.strip_prefix("the object provided is unrecognized (must be of type Endpoints): ") {
                let error = rest.rsplit_once(" (").map_or(rest, |(error, _)| error);
                proptest::prop_assert!(is_go_yaml_conversion_error(error), "{:?}: {}", body, message);
            } else {
                proptest::prop_assert!(message.starts_with("Endpoints in version \"v1\" cannot be handled as a Endpoints: json: ")
                    || message.starts_with("Endpoints in version \"v1\" cannot be handled as a Endpoints: no kind ")
                    || message.contains(" cannot be handled as a Endpoints: "), "{:?}: {}", body, message);
            }
        }
        for leaked in ["saphyr", "serde", "DuplicateKeyPolicy", " at line ", "column "] {
            proptest::prop_assert!(!message.contains(leaked), "{:?}: {}", body, message);
        }
    }
}

fn yaml_body() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        Just("metadata:\n".to_owned()),
        Just("  name: a\n".to_owned()),
        Just("  labels: ".to_owned()),
        Just("subsets:\n- ports:\n  - port: ".to_owned()),
        Just("\n".to_owned()),
        Just("\t".to_owned()),
        Just("  ".to_owned()),
        Just("- ".to_owned()),
        Just(": ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a ".to_owned()),
        Just("*b ".to_owned()),
        Just("<<: ".to_owned()),
        Just("!!int ".to_owned()),
        Just("|\n".to_owned()),
        Just(".nan".to_owned()),
        Just("---\n".to_owned()),
        "[\\[\\]{},'\"#\\\\!|>@`%?]".prop_map(|s| s),
        "[a-z0-9.~]{1,5}".prop_map(|s| s),
    ];
    proptest::collection::vec(piece, 1..16).prop_map(|pieces| pieces.concat())
}
