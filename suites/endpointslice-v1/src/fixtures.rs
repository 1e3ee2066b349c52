//! The generated EndpointSlice fixture corpus (`kconform-fixtures`, the same as the committed
//! `fixtures/endpointslice-v1`) replayed as creates: every invalid fixture is rejected with the
//! status and causes its index entry declares for the target's version, every valid one is created
//! with the declared warnings and reads back as sent after defaulting and dropping.

use kconform_fixtures::corpus::{Api, CorpusOptions, FixtureKind, IndexEntry, generate_api};
use kconform_fixtures::expect::{
    Outcome as Expected, comparable_read_back, outcome_at, remove_field_at,
};
use kconform_harness::check;
use kconform_harness::client::{Request, Response};
use kconform_harness::kit::*;
use kconform_harness::model::Level::Must;
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use kconform_spec::endpointslice::defaults;
use serde_json::Value;

use crate::op;

/// The fixtures of `kind` in the corpus for the target's version, from the fixed seed (the same as
/// the committed corpus), with their JSON bodies.
fn corpus_for(ctx: &Ctx, kind: FixtureKind) -> Result<Vec<(IndexEntry, Vec<u8>)>, Outcome> {
    let corpus = generate_api(
        Api::EndpointSlices,
        &CorpusOptions {
            k8s_version: Some(ctx.version),
            ..CorpusOptions::default()
        },
    )
    .map_err(|e| Outcome::error(format!("cannot generate the fixture corpus: {e}")))?;
    let fixtures: Vec<_> = corpus
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
        .collect();
    if fixtures.is_empty() {
        return Err(Outcome::error(format!(
            "the corpus has no {kind:?} fixtures"
        )));
    }
    Ok(fixtures)
}

/// The answer's body as JSON; one that is not JSON holds no message or causes (Null), so the
/// status or they mismatch with the evidence of the text.
fn body_of(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or(Value::Null)
}

/// Sends an invalid fixture as its index entry says: a POST of the body with the entry's query, or,
/// for an update fixture, a create of the stored object, the merge patch of the body to it, and the
/// stored object's delete afterwards.
async fn send_invalid(ctx: &Ctx, entry: &IndexEntry, body: Vec<u8>) -> Result<Response, Outcome> {
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
    let req = Request::patch(ctx.object_path(&name))
        .queries(entry.query.iter())
        .body_with_type("application/merge-patch+json", body);
    let resp = send(ctx, req).await?;
    let cleanup = send(ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(ctx, &cleanup, 200)?;
    Ok(resp)
}

pub(crate) const ES_VALID_100: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::PATCH, op::DELETE],
        params: &["body", "fieldValidation"],
        statuses: &[422, 400],
        ..meta(
            "ES-VALID-100",
            Must,
            "Every invalid fixture of the generated EndpointSlice corpus MUST be rejected with the status (422 or 400) its index entry declares for the version, with the declared causes (reason, field and, where declared, message) in order; creates are POSTed with their query, update fixtures are merge patches of their stored object.",
            "kconform-fixtures corpus fixtures/endpointslice-v1 (its expectations cross-checked against the recorded validation scenarios)",
        )
    },
    invalid_fixtures_rejected
);

async fn invalid_fixtures_rejected(ctx: Ctx) -> Verdict {
    for (entry, body) in corpus_for(&ctx, FixtureKind::Invalid)? {
        let Some(want) = outcome_at(&entry.expected, ctx.version) else {
            continue;
        };
        let resp = send_invalid(&ctx, &entry, body).await?;
        let answer = body_of(&resp);
        if let Err(mismatch) = want.check_answer(resp.status, &answer) {
            return Err(fail(
                &ctx,
                format!(
                    "{} (rules {:?}): {}",
                    entry.file, entry.rules, mismatch.expected
                ),
                format!("{}: {}", mismatch.actual, short(&resp.text(), 600)),
            ));
        }
        // A fixture invalid only at other versions is created here: remove it again, fixture
        // names repeat across the corpus.
        if resp.status == 201
            && entry.stored.is_none()
            && let Some(name) = answer.pointer("/metadata/name").and_then(Value::as_str)
        {
            let resp = send(&ctx, Request::delete(ctx.object_path(name))).await?;
            expect_status(&ctx, &resp, 200)?;
        }
    }
    Ok(())
}

pub(crate) const ES_VALID_101: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::READ, op::DELETE],
        params: &["body"],
        statuses: &[201, 200],
        ..meta(
            "ES-VALID-101",
            Must,
            "Every valid fixture of the generated EndpointSlice corpus MUST be created (201) with exactly the Warning headers its index entry declares for the version, and MUST read back equal to what was sent after defaulting (port name \"\", protocol TCP), with the declared fields (unknown ones, hints.forNodes before 1.33) and deprecatedTopology dropped, and absent endpoints or ports written null.",
            "kconform-fixtures corpus fixtures/endpointslice-v1; recorded scenarios create/defaults, validation/hints-for-nodes, validation/deprecated-topology",
        )
    },
    valid_fixtures_accepted
);

async fn valid_fixtures_accepted(ctx: Ctx) -> Verdict {
    for (entry, body) in corpus_for(&ctx, FixtureKind::Valid)? {
        let Some(want) = outcome_at(&entry.expected, ctx.version) else {
            continue;
        };
        let sent: Value = serde_json::from_slice(&body)
            .map_err(|e| Outcome::error(format!("{}: fixture is not JSON: {e}", entry.file)))?;
        let resp = send(
            &ctx,
            Request::post(ctx.collection_path()).body_with_type("application/json", body),
        )
        .await?;
        if let Err(mismatch) = want.check_answer(resp.status, &body_of(&resp)) {
            return Err(fail(
                &ctx,
                format!("{}: {}", entry.file, mismatch.expected),
                format!("{}: {}", mismatch.actual, short(&resp.text(), 600)),
            ));
        }
        expect_eq(
            &ctx,
            &format!("{}: the Warning headers", entry.file),
            want.warnings.clone(),
            resp.warnings(),
        )?;
        let created = json_of(&ctx, &resp)?;
        let name = created
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let read = get(&ctx, &name).await?;
        expect_status(&ctx, &read, 200)?;
        let got = comparable_read_back(&json_of(&ctx, &read)?, &sent);
        let expected = stored_form(&sent, want);
        if got != expected {
            return Err(fail(
                &ctx,
                format!("{}: {}", entry.file, compact(&expected)),
                compact(&got),
            ));
        }
        // Remove it again: fixture names may repeat across the corpus.
        let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
        expect_status(&ctx, &resp, 200)?;
    }
    Ok(())
}

/// What kube-apiserver stores for the fixture `sent` created with the outcome `want`: defaulted,
/// without deprecatedTopology and the declared dropped fields, as Go writes it back.
fn stored_form(sent: &Value, want: &Expected) -> Value {
    let mut object = sent.clone();
    defaults::default_endpoint_slice(&mut object);
    defaults::drop_fields(&mut object);
    for path in &want.dropped {
        remove_field_at(&mut object, path);
    }
    defaults::go_round_trip(&mut object);
    defaults::storage_form(&mut object);
    object
}

pub(crate) const CHECKS: &[Check] = &[ES_VALID_100, ES_VALID_101];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_stored_form_defaults_and_drops_as_declared() {
        let sent = json!({"metadata": {"name": "es"}, "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.1.2.3"], "hints": {"forNodes": [{"name": "n"}],
                           "forZones": [{"name": "z"}]}, "deprecatedTopology": {"a": "b"}}],
            "ports": [{"port": 80}]});
        let want = Expected::created_with(
            vec!["unknown field \"endpoints[0].hints.forNodes\"".to_owned()],
            vec!["endpoints[0].hints.forNodes".to_owned()],
        );
        let stored = stored_form(&sent, &want);
        assert_eq!(
            stored,
            json!({"metadata": {"name": "es"}, "addressType": "IPv4",
                "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {},
                               "hints": {"forZones": [{"name": "z"}]}}],
                "ports": [{"name": "", "port": 80, "protocol": "TCP"}]})
        );
        let bare = json!({"metadata": {"generateName": "es-"}});
        assert_eq!(
            stored_form(&bare, &Expected::created())["endpoints"],
            Value::Null
        );
    }
}
