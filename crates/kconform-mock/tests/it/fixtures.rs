//! The fixture corpus (`fixtures/endpoints-v1`, generated in process: the committed copy is held to it
//! by kconform-fixtures' tests) against the reference server emulating 1.28 and 1.36, over a loopback
//! socket: every create fixture is POSTed as its JSON file and as its YAML and protobuf twins, each with
//! its own Content-Type (protobuf answers asked for with `Accept: application/vnd.kubernetes.protobuf`),
//! and each must get the index's status, 400 message and 422 causes (reason, field and, where stated,
//! message, in order) at that version. A twin that creates must create the object its JSON file
//! creates. The merge-patch fixtures (JSON only) are replayed by the suite's EP-VALID-100.

use kconform_fixtures::corpus::{self, CorpusOptions, IndexEntry};
use kconform_fixtures::expect::{Outcome, outcome_at};
use kconform_spec::K8sVersion;
use kconform_spec::protobuf;
use reqwest::Method;
use serde_json::Value;

use crate::http_support::{TestServer, config, ep_path};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
    Protobuf,
}

impl Format {
    fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Yaml => "application/yaml",
            Format::Protobuf => protobuf::MEDIA_TYPE,
        }
    }

    /// The answer's format: protobuf for a protobuf body, as client-go asks; JSON otherwise.
    fn accept(self) -> &'static str {
        match self {
            Format::Protobuf => protobuf::MEDIA_TYPE,
            Format::Json | Format::Yaml => "application/json",
        }
    }
}

/// POSTs `body` as `format` with the entry's query; the status and the answer as JSON.
async fn post(
    server: &TestServer,
    ns: &str,
    entry: &IndexEntry,
    format: Format,
    body: Vec<u8>,
) -> Result<(u16, Value), String> {
    // The index's query values are plain words (`fieldValidation=Strict`): nothing to escape.
    let query: Vec<String> = entry
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut path = ep_path(ns, None);
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let response = server
        .req(Method::POST, &path)
        .header("Content-Type", format.media_type())
        .header("Accept", format.accept())
        .body(body)
        .send()
        .await
        .map_err(|e| format!("POST failed: {e}"))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?;
    if content_type != format.accept() {
        return Err(format!(
            "HTTP {status} answered as {content_type:?}, not {:?}",
            format.accept()
        ));
    }
    let value = match format {
        Format::Protobuf => protobuf::decode(&bytes).map_err(|e| format!("answer: {e}"))?,
        Format::Json | Format::Yaml => {
            serde_json::from_slice(&bytes).map_err(|e| format!("answer: {e}"))?
        }
    };
    Ok((status, value))
}

/// The answer against the outcome: status, 400 message, 422 causes.
pub(crate) fn agrees(want: &Outcome, status: u16, answer: &Value) -> Result<(), String> {
    want.check_answer(status, answer).map_err(|m| m.to_string())
}

/// A created object without what the server chooses anew for each create: uid, resourceVersion,
/// timestamps, and the name it generated.
fn without_server_choices(mut object: Value, generated_name: bool) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["uid", "resourceVersion", "creationTimestamp"] {
            meta.shift_remove(key);
        }
        if generated_name {
            meta.shift_remove("name");
        }
        for entry in meta
            .get_mut("managedFields")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(entry) = entry.as_object_mut() {
                entry.shift_remove("time");
            }
        }
    }
    object
}

/// Fixture names repeat across the corpus and between twins: the created object is removed again.
pub(crate) async fn delete_created(server: &TestServer, path: &str, file: &str) {
    let deleted = server
        .req(Method::DELETE, path)
        .send()
        .await
        .expect("DELETE answers");
    assert_eq!(deleted.status(), 200, "deleting {path} ({file})");
}

/// The object a fixture's first twin created, which every other twin must create too.
#[derive(Default)]
pub(crate) struct Twins(Option<Value>);

impl Twins {
    /// Keeps the first created object; a difference when a later twin creates another.
    pub(crate) fn compare(&mut self, answer: Value, file: &str, json_file: &str) -> Option<String> {
        let generated = answer["metadata"]["generateName"].is_string();
        let created = without_server_choices(answer, generated);
        match &self.0 {
            None => {
                self.0 = Some(created);
                None
            }
            Some(json) if *json == created => None,
            Some(json) => Some(format!(
                "{file} creates\n    {created}\n    but {json_file} creates\n    {json}"
            )),
        }
    }
}

/// Fails with every difference found.
pub(crate) fn assert_agreed(differences: &[String], kind: &str, v: K8sVersion) {
    assert!(
        differences.is_empty(),
        "{} {kind} fixtures answer otherwise than the index says at {v}:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

async fn replay_corpus(minor: u32) {
    let v = K8sVersion::new(minor);
    let corpus = corpus::generate(&CorpusOptions::default()).expect("the corpus generates");
    let server = TestServer::with(config(minor)).await;
    let ns = "fixtures";
    server.create_namespace(ns).await;
    let mut sent = [0usize; 3];
    let mut differences = Vec::new();
    for entry in corpus.index.fixtures.iter().filter(|e| e.stored.is_none()) {
        let Some(want) = outcome_at(&entry.expected, v) else {
            continue;
        };
        let twins = [
            (Format::Json, Some(&entry.file)),
            (Format::Yaml, entry.yaml.as_ref()),
            (Format::Protobuf, entry.protobuf.as_ref()),
        ];
        let mut created_from_json = Twins::default();
        for (n, (format, file)) in twins.into_iter().enumerate() {
            let Some(file) = file else {
                continue;
            };
            sent[n] += 1;
            let (status, answer) =
                match post(&server, ns, entry, format, corpus.files[file].clone()).await {
                    Ok(answer) => answer,
                    Err(problem) => {
                        differences.push(format!("{file}: {problem}"));
                        continue;
                    }
                };
            if let Err(problem) = agrees(want, status, &answer) {
                differences.push(format!("{file}: {problem}"));
                continue;
            }
            if status != 201 {
                continue;
            }
            let name = answer["metadata"]["name"].as_str().unwrap_or_default();
            delete_created(&server, &ep_path(ns, Some(name)), file).await;
            differences.extend(created_from_json.compare(answer, file, &entry.file));
        }
    }
    server.server.shutdown().await;
    assert_agreed(&differences, "Endpoints", v);
    let [json, yaml, pb] = sent;
    eprintln!(
        "at {v}: {json} JSON fixtures, {yaml} YAML and {pb} protobuf twins answered as indexed"
    );
    assert!(json > 200 && yaml > 190 && pb > 190, "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_and_twin_answers_as_indexed_at_1_28() {
    replay_corpus(28).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_and_twin_answers_as_indexed_at_1_36() {
    replay_corpus(36).await;
}
