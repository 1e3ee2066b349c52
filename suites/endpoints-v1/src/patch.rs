//! PATCH: JSON merge patch, JSON patch, strategic merge patch and server-side apply.

use kconform_harness::client::Request;
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;

const MERGE: &str = "application/merge-patch+json";
const JSON_PATCH: &str = "application/json-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

async fn patch(
    ctx: &Ctx,
    name: &str,
    content_type: &str,
    body: &str,
) -> Result<kconform_harness::client::Response, kconform_harness::model::Outcome> {
    send(
        ctx,
        Request::patch(ctx.object_path(name)).body_with_type(content_type, body.to_owned()),
    )
    .await
}

pub(crate) const EP_PATCH_001: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[200],
        ..meta(
            "EP-PATCH-001",
            Must,
            "A JSON merge patch (RFC 7386) MUST merge maps (labels added) and replace arrays whole (subsets), answering 200 with a new resourceVersion.",
            "kube-apiserver behaviour §5.3 JSON merge patch",
        )
    },
    merge_patch_merges_maps_replaces_lists
);

async fn merge_patch_merges_maps_replaces_lists(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut body = endpoints(&name);
    body["metadata"]["labels"] = json!({"a": "1"});
    let created = create(&ctx, &body).await?;
    let resp = patch(
        &ctx,
        &name,
        MERGE,
        r#"{"metadata":{"labels":{"b":"2"}},"subsets":[{"addresses":[{"ip":"10.9.9.9"}],"ports":[{"name":"https","port":443}]}]}"#,
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"a": "1", "b": "2"}),
        &obj["metadata"]["labels"],
    )?;
    expect_json_eq(
        &ctx,
        "subsets",
        &json!([{"addresses": [{"ip": "10.9.9.9"}], "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}]),
        &obj["subsets"],
    )?;
    let (a, b) = (
        rv_number(&ctx, &rv_of(&created))?,
        rv_number(&ctx, &rv_of(&obj))?,
    );
    ensure(
        &ctx,
        b > a,
        format!("resourceVersion greater than {a}"),
        || format!("{b}"),
    )
}

pub(crate) const EP_PATCH_002: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[200],
        ..meta(
            "EP-PATCH-002",
            Must,
            "A JSON patch (RFC 6902) with add, replace, remove and append (`/-`) operations MUST be applied in order (200).",
            "kube-apiserver behaviour §5.3 JSON patch",
        )
    },
    json_patch_applies_ops
);

async fn json_patch_applies_ops(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut body = endpoints(&name);
    body["metadata"]["labels"] = json!({"a": "1", "gone": "x"});
    create(&ctx, &body).await?;
    let resp = patch(
        &ctx,
        &name,
        JSON_PATCH,
        r#"[{"op":"add","path":"/metadata/labels/b","value":"2"},{"op":"replace","path":"/subsets/0/addresses/0/ip","value":"10.9.9.9"},{"op":"remove","path":"/metadata/labels/gone"},{"op":"add","path":"/subsets/0/addresses/-","value":{"ip":"10.9.9.10"}}]"#,
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"a": "1", "b": "2"}),
        &obj["metadata"]["labels"],
    )?;
    expect_json_eq(
        &ctx,
        "subsets[0].addresses",
        &json!([{"ip": "10.9.9.9"}, {"ip": "10.9.9.10"}]),
        &obj["subsets"][0]["addresses"],
    )
}

pub(crate) const EP_PATCH_003: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[422, 400],
        ..meta(
            "EP-PATCH-003",
            Must,
            "A JSON patch whose test op fails or whose path is missing MUST answer 422 with the generic message `the server rejected our request due to an error in our request` and details {}; a body that is not JSON MUST answer 400 `error decoding patch: ...`.",
            "kube-apiserver behaviour §3.1 422 JSON-patch apply failure; §5.3",
        )
    },
    json_patch_errors
);

async fn json_patch_errors(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let generic = status_failure(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
        Some(json!({})),
    );
    for body in [
        r#"[{"op":"test","path":"/subsets/0/addresses/0/ip","value":"10.0.0.99"}]"#,
        r#"[{"op":"remove","path":"/metadata/labels/nope"}]"#,
    ] {
        let resp = patch(&ctx, &name, JSON_PATCH, body).await?;
        expect_body(&ctx, &resp, 422, &generic)?;
    }
    let resp = patch(&ctx, &name, JSON_PATCH, "not json").await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("error decoding patch: invalid character 'o' in literal null (expecting 'u')"),
    )?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(
        &ctx,
        "object after rejected patches",
        &created,
        &json_of(&ctx, &resp)?,
    )
}

pub(crate) const EP_PATCH_004: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[200],
        ..meta(
            "EP-PATCH-004",
            Must,
            "A strategic merge patch MUST merge labels by key and replace subsets as a whole (subsets has no patch strategy); null MUST delete a label and the subsets field.",
            "kube-apiserver behaviour §5.3 Strategic merge patch; §10.1 Endpoint resource lifecycle",
        )
    },
    strategic_merge_patch
);

async fn strategic_merge_patch(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let body = json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": name, "labels": {"a": "1"}},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    });
    create(&ctx, &body).await?;
    let resp = patch(
        &ctx,
        &name,
        STRATEGIC,
        r#"{"metadata":{"labels":{"test-service":"patched"}},"subsets":[{"addresses":[{"ip":"10.0.0.25"}],"ports":[{"name":"http-test","port":8080}]}]}"#,
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"a": "1", "test-service": "patched"}),
        &obj["metadata"]["labels"],
    )?;
    expect_json_eq(
        &ctx,
        "subsets (replaced whole)",
        &json!([{"addresses": [{"ip": "10.0.0.25"}], "ports": [{"name": "http-test", "port": 8080, "protocol": "TCP"}]}]),
        &obj["subsets"],
    )?;
    let resp = patch(
        &ctx,
        &name,
        STRATEGIC,
        r#"{"metadata":{"labels":{"a":null}},"subsets":null}"#,
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"test-service": "patched"}),
        &obj["metadata"]["labels"],
    )?;
    ensure(
        &ctx,
        obj.get("subsets").is_none(),
        "no subsets field",
        || format!("subsets {}", compact(&obj["subsets"])),
    )
}

pub(crate) const EP_PATCH_005: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[404],
        ..meta(
            "EP-PATCH-005",
            Must,
            "A merge, JSON or strategic patch of a missing object MUST answer 404 NotFound (only apply creates).",
            "kube-apiserver behaviour §5.3 (createNewObject → NotFound)",
        )
    },
    patch_missing
);

async fn patch_missing(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    for (ct, body) in [
        (MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#),
        (
            JSON_PATCH,
            r#"[{"op":"add","path":"/metadata/labels","value":{"a":"1"}}]"#,
        ),
        (STRATEGIC, r#"{"metadata":{"labels":{"a":"1"}}}"#),
    ] {
        let resp = patch(&ctx, &name, ct, body).await?;
        expect_body(&ctx, &resp, 404, &not_found(&name))?;
    }
    Ok(())
}

pub(crate) const EP_PATCH_006: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[415],
        ..meta(
            "EP-PATCH-006",
            Must,
            "A PATCH with a Content-Type that is not a patch type MUST answer 415 UnsupportedMediaType.",
            "kube-apiserver behaviour, recorded disagreements §1 (PATCH 415 from the router)",
        )
    },
    patch_unsupported_media_type
);

async fn patch_unsupported_media_type(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = patch(
        &ctx,
        &name,
        "application/json",
        r#"{"metadata":{"labels":{"a":"1"}}}"#,
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        415,
        &status_failure(
            415,
            "UnsupportedMediaType",
            "415: Unsupported Media Type",
            Some(json!({})),
        ),
    )
}

pub(crate) const EP_PATCH_007: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["force"],
        statuses: &[422],
        ..meta(
            "EP-PATCH-007",
            Must,
            "force (true or false) on a non-apply patch MUST answer 422 `PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch`.",
            "kube-apiserver behaviour §5.3 Apply (force)",
        )
    },
    force_on_merge_patch
);

async fn force_on_merge_patch(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let want = invalid_options(
        "PatchOptions",
        "force",
        "FieldValueForbidden",
        "Forbidden: may not be specified for non-apply patch",
    );
    for force in ["true", "false"] {
        let resp = send(
            &ctx,
            Request::patch(ctx.object_path(&name))
                .query("force", force)
                .body_with_type(MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#),
        )
        .await?;
        expect_body(&ctx, &resp, 422, &want)?;
    }
    Ok(())
}

pub(crate) const EP_PATCH_008: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[400],
        ..meta(
            "EP-PATCH-008",
            Must,
            "A patch changing metadata.name or metadata.namespace MUST answer 400 (the name or namespace of the object does not match the request's).",
            "kube-apiserver behaviour §5.3 (name, namespace)",
        )
    },
    patch_name_and_namespace
);

async fn patch_name_and_namespace(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let other = ctx.name("ep");
    let resp = patch(
        &ctx,
        &name,
        MERGE,
        &json!({"metadata": {"name": other}}).to_string(),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(&format!(
            "the name of the object ({other}) does not match the name on the URL ({name})"
        )),
    )?;
    let resp = patch(
        &ctx,
        &name,
        MERGE,
        &json!({"metadata": {"namespace": format!("{}-other", ctx.namespace)}}).to_string(),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ),
    )
}

pub(crate) const EP_PATCH_014: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[422],
        ..meta(
            "EP-PATCH-014",
            Must,
            "A patch changing metadata.uid MUST answer 422 `metadata.uid: Invalid value: ...: field is immutable` and leave the uid as it was.",
            "kube-apiserver behaviour §5.3 (uid)",
        )
    },
    patch_uid
);

async fn patch_uid(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let bogus = "00000000-0000-4000-8000-000000000001";
    let resp = patch(
        &ctx,
        &name,
        MERGE,
        &json!({"metadata": {"uid": bogus}}).to_string(),
    )
    .await?;
    expect_status(&ctx, &resp, 422)?;
    let got = json_of(&ctx, &resp)?;
    let cause = format!("Invalid value: \"{bogus}\": field is immutable");
    expect_eq(
        &ctx,
        "message",
        format!("Endpoints \"{name}\" is invalid: metadata.uid: {cause}"),
        got["message"].as_str().unwrap_or_default().to_owned(),
    )?;
    let want_cause =
        json!({"reason": "FieldValueInvalid", "message": cause, "field": "metadata.uid"});
    let causes = got
        .pointer("/details/causes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ensure(
        &ctx,
        !causes.is_empty() && causes.iter().all(|c| *c == want_cause),
        format!("causes all {}", compact(&want_cause)),
        || compact(&Value::Array(causes.clone())),
    )?;
    let resp = get(&ctx, &name).await?;
    expect_eq(
        &ctx,
        "uid after rejected patch",
        uid_of(&created),
        uid_of(&json_of(&ctx, &resp)?),
    )
}

pub(crate) const EP_PATCH_009: Check = check!(
    CheckMeta {
        operations: &[op::PATCH, op::READ],
        params: &["dryRun"],
        statuses: &[200],
        ..meta(
            "EP-PATCH-009",
            Must,
            "A patch with dryRun=All MUST answer 200 with the patched object and the unchanged resourceVersion, and MUST NOT change the stored object.",
            "kube-apiserver behaviour §5.7 dryRun",
        )
    },
    patch_dry_run
);

async fn patch_dry_run(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("dryRun", "All")
            .body_with_type(MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let dry = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels (would-be)",
        &json!({"a": "1"}),
        &dry["metadata"]["labels"],
    )?;
    expect_eq(
        &ctx,
        "resourceVersion (unchanged)",
        rv_of(&created),
        rv_of(&dry),
    )?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(&ctx, "stored object", &created, &json_of(&ctx, &resp)?)
}

pub(crate) const EP_PATCH_010: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldValidation"],
        statuses: &[422, 200],
        ..meta(
            "EP-PATCH-010",
            Must,
            "An unknown field in a patch MUST give 422 (field `patch`) with fieldValidation=Strict, 200 with a Warning `unknown field \"foo\"` with Warn, and 200 silently with Ignore.",
            "kube-apiserver behaviour §5.4 fieldValidation; §3.1 422 PATCH strict-decode",
        )
    },
    patch_field_validation
);

async fn patch_field_validation(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let strict = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldValidation", "Strict")
            .body_with_type(
                MERGE,
                r#"{"foo":"bar","metadata":{"labels":{"mode":"strict"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &strict, 422)?;
    let got = json_of(&ctx, &strict)?;
    let message = got["message"].as_str().unwrap_or_default();
    ensure(
        &ctx,
        message.starts_with(" \"\" is invalid: patch: Invalid value: ")
            && message.ends_with(": strict decoding error: unknown field \"foo\""),
        "message ` \"\" is invalid: patch: Invalid value: \"<patched object>\": strict decoding error: unknown field \"foo\"`",
        || format!("message {message:?}"),
    )?;
    expect_eq(&ctx, "reason", Some("Invalid"), got["reason"].as_str())?;
    expect_eq(
        &ctx,
        "details.causes[0].field",
        Some("patch"),
        got.pointer("/details/causes/0/field")
            .and_then(Value::as_str),
    )?;
    ensure(
        &ctx,
        got["details"].get("kind").is_none() && got["details"].get("name").is_none(),
        "details without kind or name",
        || compact(&got["details"]),
    )?;

    let warn = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldValidation", "Warn")
            .body_with_type(
                MERGE,
                r#"{"foo":"bar","metadata":{"labels":{"mode":"warn"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &warn, 200)?;
    expect_warnings(&ctx, &warn, &["unknown field \"foo\""])?;

    let ignore = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldValidation", "Ignore")
            .body_with_type(
                MERGE,
                r#"{"foo":"bar","metadata":{"labels":{"mode":"ignore"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &ignore, 200)?;
    expect_warnings(&ctx, &ignore, &[])?;
    let obj = json_of(&ctx, &ignore)?;
    ensure(
        &ctx,
        obj.get("foo").is_none(),
        "unknown field dropped",
        || compact(&obj),
    )?;

    let smp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldValidation", "Strict")
            .body_with_type(STRATEGIC, r#"{"foo":"bar"}"#),
    )
    .await?;
    let cause = "Invalid value: \"map[foo:bar]\": strict decoding error: unknown field \"foo\"";
    expect_body(
        &ctx,
        &smp,
        422,
        &status_failure(
            422,
            "Invalid",
            &format!(" \"\" is invalid: patch: {cause}"),
            Some(
                json!({"causes": [{"reason": "FieldValueInvalid", "message": cause, "field": "patch"}]}),
            ),
        ),
    )
}

pub(crate) const EP_PATCH_011: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[409],
        ..meta(
            "EP-PATCH-011",
            Must,
            "A patch carrying an outdated metadata.resourceVersion MUST answer 409 Conflict (the resourceVersion is a precondition).",
            "kube-apiserver behaviour §5.3 (resourceVersion inside the patch)",
        )
    },
    patch_stale_resource_version
);

async fn patch_stale_resource_version(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = patch(&ctx, &name, MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#).await?;
    expect_status(&ctx, &resp, 200)?;
    let stale = json!({"metadata": {"resourceVersion": rv_of(&created), "labels": {"a": "2"}}});
    let resp = patch(&ctx, &name, MERGE, &stale.to_string()).await?;
    expect_body(&ctx, &resp, 409, &conflict_modified(&name))
}

pub(crate) const EP_PATCH_012: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[422],
        ..meta(
            "EP-PATCH-012",
            Must,
            "A patch producing an invalid object MUST answer 422 Invalid with the object's causes.",
            "kube-apiserver behaviour §2.1 UPDATE",
        )
    },
    patch_invalid_result
);

async fn patch_invalid_result(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = patch(
        &ctx,
        &name,
        MERGE,
        r#"{"subsets":[{"addresses":[{"ip":"10.1.2.3"}],"ports":[{"name":"http","port":0}]}]}"#,
    )
    .await?;
    let cause = "Invalid value: 0: must be between 1 and 65535, inclusive";
    let want = status_failure(
        422,
        "Invalid",
        &format!("Endpoints \"{name}\" is invalid: subsets[0].ports[0].port: {cause}"),
        Some(json!({"name": name, "kind": "Endpoints", "causes": [
            {"reason": "FieldValueInvalid", "message": cause, "field": "subsets[0].ports[0].port"}
        ]})),
    );
    expect_body(&ctx, &resp, 422, &want)
}

fn apply_body(name: &str, ip: &str) -> String {
    json!({
        "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    })
    .to_string()
}

async fn apply(
    ctx: &Ctx,
    name: &str,
    manager: Option<&str>,
    force: bool,
    body: String,
) -> Result<kconform_harness::client::Response, kconform_harness::model::Outcome> {
    let mut req = Request::patch(ctx.object_path(name));
    if let Some(m) = manager {
        req = req.query("fieldManager", m);
    }
    if force {
        req = req.query("force", "true");
    }
    send(ctx, req.body_with_type(APPLY, body)).await
}

pub(crate) const EP_APPLY_001: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[422],
        ..meta(
            "EP-APPLY-001",
            Must,
            "An apply patch without fieldManager MUST answer 422 `PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch`.",
            "kube-apiserver behaviour §5.3 Apply (fieldManager required)",
        )
    },
    apply_requires_field_manager
);

async fn apply_requires_field_manager(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = apply(&ctx, &name, None, false, apply_body(&name, "10.1.2.3")).await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "PatchOptions",
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ),
    )
}

pub(crate) const EP_APPLY_002: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager", "body"],
        statuses: &[201, 200],
        ..meta(
            "EP-APPLY-002",
            Must,
            "An apply patch to a missing object MUST create it (201) with an Apply managedFields entry; applying the same configuration again MUST answer 200 without changing the resourceVersion.",
            "kube-apiserver behaviour §5.3 Apply (creates); §1.5 managedFields and no-op writes",
        )
    },
    apply_creates_then_noop
);

async fn apply_creates_then_noop(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = apply(
        &ctx,
        &name,
        Some("manager-a"),
        false,
        apply_body(&name, "10.1.2.3"),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = json_of(&ctx, &resp)?;
    let entries = created
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ensure(
        &ctx,
        entries
            .iter()
            .any(|e| e["manager"] == "manager-a" && e["operation"] == "Apply"),
        "a managedFields entry {manager: manager-a, operation: Apply}",
        || compact(&Value::Array(entries.clone())),
    )?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-a"),
        false,
        apply_body(&name, "10.1.2.3"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let again = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "resourceVersion after re-applying the same configuration",
        rv_of(&created),
        rv_of(&again),
    )
}

/// The 409 kube-apiserver answers when an apply conflicts with `manager` (Go-quoted, plus
/// ` using v1` for an Update manager) on `.subsets`.
fn subsets_conflict(manager: &str) -> Value {
    status_failure(
        409,
        "Conflict",
        &format!("Apply failed with 1 conflict: conflict with {manager}: .subsets"),
        Some(
            json!({"causes": [{"reason": "FieldManagerConflict", "message": format!("conflict with {manager}"), "field": ".subsets"}]}),
        ),
    )
}

/// manager-a applies the object, so that it owns `.subsets`; returns the object's name.
async fn applied_by_manager_a(ctx: &Ctx) -> Result<String, Outcome> {
    let name = ctx.name("ep");
    let resp = apply(
        ctx,
        &name,
        Some("manager-a"),
        false,
        apply_body(&name, "10.1.2.3"),
    )
    .await?;
    expect_status(ctx, &resp, 201)?;
    Ok(name)
}

pub(crate) const EP_APPLY_003: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[409],
        ..meta(
            "EP-APPLY-003",
            Must,
            "A second manager applying a different value for fields another applier owns MUST get 409 `Apply failed with 1 conflict: conflict with \"<manager>\": .subsets` with cause FieldManagerConflict.",
            "kube-apiserver behaviour §3.1 409 apply conflict",
        )
    },
    apply_conflict
);

async fn apply_conflict(ctx: Ctx) -> Verdict {
    let name = applied_by_manager_a(&ctx).await?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-b"),
        false,
        apply_body(&name, "10.9.9.9"),
    )
    .await?;
    expect_body(&ctx, &resp, 409, &subsets_conflict("\"manager-a\""))
}

pub(crate) const EP_APPLY_005: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager", "force"],
        statuses: &[200],
        ..meta(
            "EP-APPLY-005",
            Must,
            "An apply with force=true that conflicts with another applier MUST succeed (200) and store the forcing manager's values.",
            "kube-apiserver behaviour §3.1 409 apply conflict (force)",
        )
    },
    apply_force
);

async fn apply_force(ctx: Ctx) -> Verdict {
    let name = applied_by_manager_a(&ctx).await?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-b"),
        true,
        apply_body(&name, "10.9.9.9"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "subsets[0].addresses[0].ip after force",
        Some("10.9.9.9"),
        obj.pointer("/subsets/0/addresses/0/ip")
            .and_then(Value::as_str),
    )
}

pub(crate) const EP_APPLY_006: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[200, 409],
        ..meta(
            "EP-APPLY-006",
            Must,
            "An apply that conflicts with fields an Update (here a merge patch) last wrote MUST get 409 naming that manager `\"<manager>\" using v1`.",
            "kube-apiserver behaviour §3.1 409 apply conflict; recorded disagreements §3",
        )
    },
    apply_conflict_with_update_manager
);

async fn apply_conflict_with_update_manager(ctx: Ctx) -> Verdict {
    let name = applied_by_manager_a(&ctx).await?;
    let resp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldManager", "updater")
            .body_with_type(
                MERGE,
                r#"{"subsets":[{"addresses":[{"ip":"10.7.7.7"}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}]}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-b"),
        false,
        apply_body(&name, "10.9.9.9"),
    )
    .await?;
    expect_body(&ctx, &resp, 409, &subsets_conflict("\"updater\" using v1"))
}

pub(crate) const EP_APPLY_007: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[201],
        ..meta(
            "EP-APPLY-007",
            Must,
            "The managedFields entry of an Apply MUST own the applied leaves and not the maps that hold them: labels {app} give `f:metadata: {f:labels: {f:app: {}}}`, with no `.` entry under f:labels (an Update entry has one).",
            "structured-merge-diff ToFieldSet; recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    apply_owns_leaves_not_maps
);

async fn apply_owns_leaves_not_maps(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let body = json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    });
    let resp = apply(&ctx, &name, Some("manager-a"), false, body.to_string()).await?;
    expect_status(&ctx, &resp, 201)?;
    let obj = json_of(&ctx, &resp)?;
    let entry = obj
        .pointer("/metadata/managedFields/0")
        .cloned()
        .unwrap_or(Value::Null);
    expect_eq(
        &ctx,
        "managedFields[0].operation",
        Some("Apply"),
        entry["operation"].as_str(),
    )?;
    expect_json_eq(
        &ctx,
        "managedFields[0].fieldsV1",
        &json!({"f:metadata": {"f:labels": {"f:app": {}}}, "f:subsets": {}}),
        &entry["fieldsV1"],
    )
}

pub(crate) const EP_APPLY_004: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body"],
        statuses: &[400, 500],
        ..meta(
            "EP-APPLY-004",
            Should,
            "An apply body with metadata.managedFields MUST answer 400 `metadata.managedFields must be nil`; with apiVersion v2 400 `invalid object type: /v2, Kind=Endpoints`; with a field not in the schema kube-apiserver answers 500 `failed to create typed patch object (...): .foo: field not declared in schema`.",
            "kube-apiserver behaviour §3.1 400/500 apply; recorded disagreements §2",
        )
    },
    apply_errors
);

async fn apply_errors(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut with_mf: Value =
        serde_json::from_str(&apply_body(&name, "10.1.2.3")).unwrap_or_default();
    with_mf["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Apply"}]);
    let resp = apply(&ctx, &name, Some("m"), false, with_mf.to_string()).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("metadata.managedFields must be nil"),
    )?;
    let mut v2: Value = serde_json::from_str(&apply_body(&name, "10.1.2.3")).unwrap_or_default();
    v2["apiVersion"] = Value::from("v2");
    let resp = apply(&ctx, &name, Some("m"), false, v2.to_string()).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("invalid object type: /v2, Kind=Endpoints"),
    )?;
    let mut unknown: Value =
        serde_json::from_str(&apply_body(&name, "10.1.2.3")).unwrap_or_default();
    unknown["foo"] = Value::from("bar");
    let resp = apply(&ctx, &name, Some("m"), false, unknown.to_string()).await?;
    expect_body(
        &ctx,
        &resp,
        500,
        &status_failure(
            500,
            "",
            &format!(
                "failed to create typed patch object (/{name}; /v1, Kind=Endpoints): .foo: field not declared in schema"
            ),
            None,
        ),
    )
}

pub(crate) const EP_PATCH_013: Check = check!(
    CheckMeta {
        operations: &[op::PATCH, op::REPLACE],
        params: &["body"],
        statuses: &[413],
        ..meta(
            "EP-PATCH-013",
            Should,
            "A JSON patch with more than 10000 operations MUST answer 413 `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got <n>`; PUT and PATCH bodies over 3 MiB MUST answer 413 `Request entity too large: limit is 3145728`.",
            "kube-apiserver behaviour §3.1 413",
        )
    },
    patch_too_large
);

async fn patch_too_large(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let ops: Vec<Value> = (0..10001)
        .map(|i| json!({"op": "add", "path": "/metadata/labels", "value": {"n": i.to_string()}}))
        .collect();
    let resp = patch(&ctx, &name, JSON_PATCH, &Value::Array(ops).to_string()).await?;
    expect_body(
        &ctx,
        &resp,
        413,
        &status_failure(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
            None,
        ),
    )?;
    let too_large = status_failure(
        413,
        "RequestEntityTooLarge",
        "Request entity too large: limit is 3145728",
        None,
    );
    let mut big = created.clone();
    big["metadata"]["annotations"] = json!({"big": "x".repeat(3 * 1024 * 1024 + 16)});
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&big)).await?;
    expect_body(&ctx, &resp, 413, &too_large)?;
    let patch_body =
        json!({"metadata": {"annotations": {"big": "x".repeat(3 * 1024 * 1024 + 16)}}});
    let resp = patch(&ctx, &name, MERGE, &patch_body.to_string()).await?;
    expect_body(&ctx, &resp, 413, &too_large)?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(
        &ctx,
        "object after rejected writes",
        &created,
        &json_of(&ctx, &resp)?,
    )
}

pub(crate) const EP_APPLY_008: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[409],
        ..meta(
            "EP-APPLY-008",
            Must,
            "The first apply to an object without managedFields MUST treat everything it holds as owned by the Update manager `before-first-apply`: an apply that changes its subsets, without force, answers 409 `Apply failed with 1 conflict: conflict with \"before-first-apply\" using v1: .subsets`.",
            "apiserver fieldmanager skipNonAppliedManager (beforeApplyManagerName); recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    first_apply_conflicts_with_before_first_apply
);

async fn first_apply_conflicts_with_before_first_apply(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    // A name-only create is untracked; a PUT of such an object stays untracked (EP-REPLACE-013).
    let created = create(&ctx, &crate::crud::name_only(&name)).await?;
    let mut body = endpoints(&name);
    body["metadata"]["resourceVersion"] = Value::from(rv_of(&created));
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    expect_status(&ctx, &resp, 200)?;
    crate::crud::expect_no_managed_fields(&ctx, "the replaced object", &json_of(&ctx, &resp)?)?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-b"),
        false,
        apply_body(&name, "10.9.9.9"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        409,
        &subsets_conflict("\"before-first-apply\" using v1"),
    )
}

pub(crate) const EP_APPLY_009: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["fieldManager"],
        statuses: &[409],
        ..meta(
            "EP-APPLY-009",
            Must,
            "An apply conflict message MUST group the fields by manager, managers sorted, and list each manager's fields in structured-merge-diff's set order (a set's own members before its children's: `.subsets` before `.metadata.labels.app`); the causes are the same conflicts, in any order.",
            "apiserver fieldmanager internal/conflict.go getConflictMessage; structured-merge-diff fieldpath.Set.Iterate; recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    conflict_message_order
);

async fn conflict_message_order(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut labelled = crate::crud::name_only(&name);
    labelled["metadata"]["labels"] = json!({"app": "b"});
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("fieldManager", "updater")
            .json(&labelled),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let with_labels = |app: &str, ip: &str| {
        let mut body: Value = serde_json::from_str(&apply_body(&name, ip)).unwrap_or_default();
        body["metadata"]["labels"] = json!({"app": app});
        body.to_string()
    };
    // manager-a applies the same label value (shared with updater) and subsets.
    let resp = apply(
        &ctx,
        &name,
        Some("manager-a"),
        false,
        with_labels("b", "10.1.2.3"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = apply(
        &ctx,
        &name,
        Some("manager-b"),
        false,
        with_labels("a", "10.9.9.9"),
    )
    .await?;
    expect_status(&ctx, &resp, 409)?;
    let mut got = json_of(&ctx, &resp)?;
    let message = "Apply failed with 3 conflicts: conflicts with \"manager-a\":\n- .subsets\n- .metadata.labels.app\nconflicts with \"updater\" using v1:\n- .metadata.labels.app";
    expect_eq(&ctx, "message", Some(message), got["message"].as_str())?;
    let mut causes: Vec<Value> = got["details"]["causes"]
        .as_array_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    causes.sort_by_key(Value::to_string);
    let cause = |manager: &str, field: &str| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {manager}"), "field": field});
    let mut expected = vec![
        cause("\"manager-a\"", ".subsets"),
        cause("\"manager-a\"", ".metadata.labels.app"),
        cause("\"updater\" using v1", ".metadata.labels.app"),
    ];
    expected.sort_by_key(Value::to_string);
    expect_json_eq(
        &ctx,
        "details.causes (as a set)",
        &json!(expected),
        &json!(causes),
    )
}
