//! The EndpointSlice fixture corpus (`fixtures/endpointslice-v1`, generated in process: the
//! committed copy is held to it by kconform-fixtures' tests) against the reference server emulating
//! 1.28 and 1.36, over a loopback socket: every create fixture is POSTed to
//! `/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices` as its JSON file and its YAML and
//! protobuf twins (with the index's query; a protobuf twin asks for a protobuf answer, as client-go
//! does), and must get the index's status, 400 message and 422 causes at that version; a 201 must
//! carry the index's `Warning`s, in order, and lack the fields the index says are dropped, and every
//! twin must create the same object. A protobuf twin gets no unknown-field warning: protobuf skips
//! an unknown field number silently (`hints.forNodes` before 1.33). The merge-patch fixtures are replayed
//! too: the stored object is created, then the body is PATCHed to it.

use kconform_fixtures::corpus::{self, Api, CorpusOptions, IndexEntry};
use kconform_fixtures::expect::{Outcome, outcome_at};
use kconform_spec::K8sVersion;
use kconform_spec::protobuf;
use reqwest::Method;
use serde_json::Value;

use crate::fixtures::{Twins, agrees, assert_agreed, delete_created};
use crate::http_support::{TestServer, config};

fn es_path(ns: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices/{name}"),
        None => format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"),
    }
}

/// A `Warning` header's text: `299 - "<text>"` with Go's quoting undone.
fn warning_text(header: &str) -> String {
    let quoted = header.strip_prefix("299 - ").unwrap_or(header);
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('"' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// The created object without the field manager's ownership of `endpoints` and `ports` where they
/// are stored empty (`null`): JSON and YAML can send an empty list, which the field manager records
/// (`f:ports`), while protobuf has no empty list to send, so a protobuf twin's object lacks it (as
/// kube-apiserver's would).
fn without_empty_list_ownership(mut object: Value) -> Value {
    let empty: Vec<String> = ["endpoints", "ports"]
        .into_iter()
        .filter(|list| object[list].is_null())
        .map(|list| format!("f:{list}"))
        .collect();
    let entries = object
        .pointer_mut("/metadata/managedFields")
        .and_then(Value::as_array_mut);
    for entry in entries.into_iter().flatten() {
        if let Some(fields) = entry.get_mut("fieldsV1").and_then(Value::as_object_mut) {
            for key in &empty {
                fields.shift_remove(key);
            }
        }
    }
    object
}

struct Answer {
    status: u16,
    body: Value,
    warnings: Vec<String>,
}

async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Answer, String> {
    let response = server
        .req(method.clone(), path)
        .header("Content-Type", content_type)
        .header(
            "Accept",
            if content_type == protobuf::MEDIA_TYPE {
                protobuf::MEDIA_TYPE
            } else {
                "application/json"
            },
        )
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{method} failed: {e}"))?;
    let status = response.status().as_u16();
    let warnings = response
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| warning_text(v.to_str().unwrap_or_default()))
        .collect();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?;
    let body = if content_type == protobuf::MEDIA_TYPE {
        protobuf::decode(&bytes).map_err(|e| format!("protobuf answer: {e}"))?
    } else {
        serde_json::from_slice(&bytes).map_err(|e| format!("answer: {e}"))?
    };
    Ok(Answer {
        status,
        body,
        warnings,
    })
}

/// The answer against the outcome: status, message, causes, and for a 201 the warnings and the
/// dropped fields.
fn matches(want: &Outcome, answer: &Answer, protobuf: bool) -> Result<(), String> {
    agrees(want, answer.status, &answer.body)?;
    if want.status != 201 {
        return Ok(());
    }
    let wanted: Vec<&String> = want
        .warnings
        .iter()
        .filter(|w| !(protobuf && w.starts_with("unknown field ")))
        .collect();
    if answer.warnings.iter().collect::<Vec<_>>() != wanted {
        return Err(format!(
            "warnings {:?}\n    expected {:?}",
            answer.warnings, wanted
        ));
    }
    if let Some(path) = want.kept_dropped_field(&answer.body) {
        return Err(format!("{path} was not dropped: {}", answer.body));
    }
    Ok(())
}

/// Replays a merge-patch fixture: creates the stored object, PATCHes the body to it, deletes it.
async fn replay_patch(
    server: &TestServer,
    ns: &str,
    entry: &IndexEntry,
    stored: &Value,
    body: Vec<u8>,
    want: &Outcome,
) -> Result<(), String> {
    let stored_bytes = serde_json::to_vec(stored).map_err(|e| e.to_string())?;
    let created = send(
        server,
        Method::POST,
        &es_path(ns, None),
        "application/json",
        stored_bytes,
    )
    .await?;
    if created.status != 201 {
        return Err(format!(
            "creating the stored object: HTTP {} {}",
            created.status, created.body
        ));
    }
    let name = created.body["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let patched = send(
        server,
        Method::PATCH,
        &es_path(ns, Some(&name)),
        "application/merge-patch+json",
        body,
    )
    .await;
    delete_created(server, &es_path(ns, Some(&name)), &entry.file).await;
    matches(want, &patched?, false)
}

async fn replay_corpus(minor: u32) {
    let v = K8sVersion::new(minor);
    let corpus = corpus::generate_api(Api::EndpointSlices, &CorpusOptions::default())
        .expect("the corpus generates");
    let server = TestServer::with(config(minor)).await;
    let ns = "slice-fixtures";
    server.create_namespace(ns).await;
    let mut sent = [0usize; 4];
    let mut differences = Vec::new();
    for entry in &corpus.index.fixtures {
        let Some(want) = outcome_at(&entry.expected, v) else {
            continue;
        };
        if let Some(stored) = &entry.stored {
            sent[3] += 1;
            let body = corpus.files[&entry.file].clone();
            if let Err(problem) = replay_patch(&server, ns, entry, stored, body, want).await {
                differences.push(format!("{}: {problem}", entry.file));
            }
            continue;
        }
        let query: Vec<String> = entry
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut path = es_path(ns, None);
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let mut created_from_json = Twins::default();
        let twins = [
            ("application/json", Some(&entry.file)),
            ("application/yaml", entry.yaml.as_ref()),
            (protobuf::MEDIA_TYPE, entry.protobuf.as_ref()),
        ];
        for (n, (content_type, file)) in twins.into_iter().enumerate() {
            let Some(file) = file else {
                continue;
            };
            sent[n] += 1;
            let answer = match send(
                &server,
                Method::POST,
                &path,
                content_type,
                corpus.files[file].clone(),
            )
            .await
            {
                Ok(answer) => answer,
                Err(problem) => {
                    differences.push(format!("{file}: {problem}"));
                    continue;
                }
            };
            if let Err(problem) = matches(want, &answer, content_type == protobuf::MEDIA_TYPE) {
                differences.push(format!("{file}: {problem}"));
                continue;
            }
            if answer.status != 201 {
                continue;
            }
            let name = answer.body["metadata"]["name"].as_str().unwrap_or_default();
            delete_created(&server, &es_path(ns, Some(name)), file).await;
            differences.extend(created_from_json.compare(
                without_empty_list_ownership(answer.body),
                file,
                &entry.file,
            ));
        }
    }
    server.server.shutdown().await;
    assert_agreed(&differences, "EndpointSlice", v);
    let [json, yaml, pb, patches] = sent;
    eprintln!(
        "at {v}: {json} JSON fixtures, {yaml} YAML and {pb} protobuf twins and {patches} patches answered as indexed"
    );
    assert!(
        json > 100 && yaml > 100 && pb > 100 && patches >= 1,
        "{sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_slice_fixture_answers_as_indexed_at_1_28() {
    replay_corpus(28).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_slice_fixture_answers_as_indexed_at_1_36() {
    replay_corpus(36).await;
}

#[test]
fn warning_headers_are_read_as_written() {
    assert_eq!(
        warning_text(r#"299 - "unknown field \"endpoints[0].hints.forNodes\"""#),
        r#"unknown field "endpoints[0].hints.forNodes""#
    );
}
