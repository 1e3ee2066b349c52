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
