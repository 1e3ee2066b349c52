//! The generated fixture corpus (`kconform-fixtures`) replayed as creates: every invalid fixture is
//! rejected with its declared status and causes, every valid one is accepted and reads back as sent
//! after defaulting.

use kconform_fixtures::corpus::{CorpusOptions, FixtureKind, IndexEntry, generate};
use kconform_fixtures::expect::{comparable_read_back, outcome_at};
use kconform_harness::client::Request;
use kconform_harness::model::Level::Must;
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::Value;

use crate::support::*;

/// The corpus for the target's version, from the fixed seed (the same as the committed corpus).
fn corpus_for(ctx: &Ctx, kind: FixtureKind) -> Result<Vec<(IndexEntry, Vec<u8>)>, Outcome> {
    let corpus = generate(&CorpusOptions {
        k8s_version: Some(ctx.version),
        ..CorpusOptions::default()
    })
    .map_err(|e| Outcome::error(format!("cannot generate the fixture corpus: {e}")))?;
    Ok(corpus
        .index
        .fixtures
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| {
            (
                e.clone(),
                corpus.files.get(&e.file).cloned().unwrap_or_default(),
            )
        })
        .collect())
}

async fn post_fixture(
    ctx: &Ctx,
    body: Vec<u8>,
) -> Result<kconform_harness::client::Response, Outcome> {
    send(
        ctx,
        Request::post(ctx.collection_path()).body_with_type("application/json", body),
    )
    .await
}

/// Sends an invalid fixture as its index entry says: a POST of the body with the entry's query, or, for a
/// patch, a create of the stored object (and its delete, when asked), then the merge patch to its URL, and
/// afterwards the stored object is removed again.
async fn send_invalid_fixture(
    ctx: &Ctx,
    entry: &IndexEntry,
    body: Vec<u8>,
) -> Result<kconform_harness::client::Response, Outcome> {
    let Some(stored) = &entry.stored else {
        let req = Request::post(ctx.collection_path())
            .queries(entry.query.iter())
            .body_with_type("application/json", body);
        return send(ctx, req).await;
    };
    let created = create(ctx, stored).await?;
    let name = created
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if entry.delete_stored {
        // The stored object carries a finalizer: the DELETE only sets deletionTimestamp.
        let resp = send(ctx, Request::delete(ctx.object_path(&name))).await?;
        expect_status(ctx, &resp, 200)?;
    }
    let req = Request::patch(ctx.object_path(&name))
        .queries(entry.query.iter())
        .body_with_type("application/merge-patch+json", body);
    let resp = send(ctx, req).await?;
    // Remove the stored object: dropping the finalizers ends a pending deletion, otherwise delete it.
    let cleanup = if entry.delete_stored {
        merge_patch(
            ctx,
            &name,
            &serde_json::json!({"metadata": {"finalizers": null}}),
        )
        .await?
    } else {
        send(ctx, Request::delete(ctx.object_path(&name))).await?
    };
    expect_status(ctx, &cleanup, 200)?;
    Ok(resp)
}

pub(crate) const EP_VALID_100: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::PATCH, op::DELETE],
        params: &["body", "fieldValidation"],
        statuses: &[422, 400],
        ..meta(
            "EP-VALID-100",
            Must,
            "Every invalid fixture of the generated corpus MUST be rejected with its declared status (422 or 400), with the declared causes (reason, field and, where declared, message) in order; creates are POSTed with their query, update fixtures are merge patches of their stored object.",
            "kube-apiserver behaviour §2.2, §2.3 (rules), §3 (fieldValidation); kconform-fixtures corpus",
        )
    },
    invalid_fixtures_rejected
);

async fn invalid_fixtures_rejected(ctx: Ctx) -> Verdict {
    let fixtures = corpus_for(&ctx, FixtureKind::Invalid)?;
    if fixtures.is_empty() {
        return Err(Outcome::error("the corpus has no invalid fixtures"));
    }
    for (entry, body) in fixtures {
        let Some(want) = outcome_at(&entry.expected, ctx.version) else {
            continue;
        };
        let label = format!("{} (rules {:?})", entry.file, entry.rules);
        let resp = send_invalid_fixture(&ctx, &entry, body).await?;
        // A body that is not JSON holds no message or causes: the status or they mismatch.
        let got = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        if let Err(mismatch) = want.check_answer(resp.status, &got) {
            return Err(fail(
                &ctx,
                format!("{label}: {}", mismatch.expected),
                format!("{}: {}", mismatch.actual, short(&resp.text(), 600)),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_VALID_101: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::READ, op::DELETE],
        params: &["body"],
        statuses: &[201, 200],
        ..meta(
            "EP-VALID-101",
            Must,
            "Every valid fixture of the generated corpus MUST be created (201) and MUST read back equal to what was sent after defaulting (protocol TCP), subsets neither repacked nor sorted.",
            "kube-apiserver behaviour §1.3 (no Canonicalize), §1.4 Defaulting; kconform-fixtures corpus",
        )
    },
    valid_fixtures_accepted
);

async fn valid_fixtures_accepted(ctx: Ctx) -> Verdict {
    let fixtures = corpus_for(&ctx, FixtureKind::Valid)?;
    if fixtures.is_empty() {
        return Err(Outcome::error("the corpus has no valid fixtures"));
    }
    for (entry, body) in fixtures {
        let sent: Value = serde_json::from_slice(&body)
            .map_err(|e| Outcome::error(format!("{}: fixture is not JSON: {e}", entry.file)))?;
        let resp = post_fixture(&ctx, body).await?;
        if resp.status != 201 {
            return Err(fail(
                &ctx,
                format!("{}: HTTP 201", entry.file),
                format!("HTTP {}: {}", resp.status, short(&resp.text(), 600)),
            ));
        }
        let created = json_of(&ctx, &resp)?;
        let mut want = sent.clone();
        kconform_spec::defaults::default_endpoints(&mut want);
        let want = go_encoded(&without_server_fields(&want), "");
        let name = created
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let read = get(&ctx, &name).await?;
        expect_status(&ctx, &read, 200)?;
        let stored = json_of(&ctx, &read)?;
        let got = comparable_read_back(&stored, &want);
        if got != want {
            return Err(fail(
                &ctx,
                format!("{}: {}", entry.file, compact(&want)),
                compact(&got),
            ));
        }
        // Remove it again: fixture names may repeat across the corpus.
        let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
        expect_status(&ctx, &resp, 200)?;
    }
    Ok(())
}

/// The object as kube-apiserver's Go encoder writes it: `omitempty` drops empty lists everywhere,
/// empty label and annotation maps, and empty strings of the optional string fields.
fn go_encoded(v: &Value, key: &str) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                let empty_list = x.as_array().is_some_and(Vec::is_empty);
                let empty_map = matches!(k.as_str(), "labels" | "annotations")
                    && x.as_object().is_some_and(|o| o.is_empty());
                let empty_optional_string = x.as_str() == Some("")
                    && (matches!(k.as_str(), "hostname" | "generateName")
                        || (k == "name" && key == "ports")
                        || key == "targetRef");
                if empty_list || empty_map || empty_optional_string {
                    continue;
                }
                out.insert(k.clone(), go_encoded(x, k));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| go_encoded(x, key)).collect()),
        other => other.clone(),
    }
}
