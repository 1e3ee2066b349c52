//! Write options (dryRun, fieldManager, fieldValidation), output options (pretty), content
//! negotiation (406) and the deprecation warning.

use kconform_harness::client::{Request, Response};
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;

pub(crate) const EP_OPTS_001: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::REPLACE, op::PATCH],
        params: &["dryRun"],
        statuses: &[422],
        ..meta(
            "EP-OPTS-001",
            Must,
            "A dryRun other than All MUST answer 422 `<Kind>Options.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"bogus\"]: supported values: \"All\"` (Go slice syntax up to 1.33) on create, update and patch.",
            "kube-apiserver behaviour §5.7 dryRun",
        )
    },
    dry_run_bogus
);

/// A create, an update of `name` (stored as `created`) and a merge patch of it, each with the
/// options kind kube-apiserver names in the 422 it answers for a bad write option.
fn write_requests(ctx: &Ctx, name: &str, created: &Value) -> [(&'static str, Request); 3] {
    [
        (
            "CreateOptions",
            Request::post(ctx.collection_path()).json(&endpoints(&ctx.name("ep"))),
        ),
        (
            "UpdateOptions",
            Request::put(ctx.object_path(name)).json(created),
        ),
        (
            "PatchOptions",
            Request::patch(ctx.object_path(name)).body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"a":"1"}}}"#,
            ),
        ),
    ]
}

/// Sends each of [`write_requests`] with `param=value` and expects the 422 with one cause on
/// `param`.
async fn expect_writes_refuse(
    ctx: &Ctx,
    name: &str,
    created: &Value,
    (param, value): (&str, &str),
    reason: &str,
    cause: &str,
) -> Verdict {
    for (kind, req) in write_requests(ctx, name, created) {
        let resp = send(ctx, req.query(param, value)).await?;
        expect_body(
            ctx,
            &resp,
            422,
            &invalid_options(kind, param, reason, cause),
        )?;
    }
    Ok(())
}

async fn dry_run_bogus(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let cause = dry_run_unsupported(&ctx, "bogus");
    expect_writes_refuse(
        &ctx,
        &name,
        &created,
        ("dryRun", "bogus"),
        "FieldValueNotSupported",
        &cause,
    )
    .await
}

fn too_long(ctx: &Ctx) -> &'static str {
    if ctx.version.at_least(32) {
        "Too long: may not be more than 128 bytes"
    } else {
        "Too long: must have at most 128 bytes"
    }
}

fn manager_of(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/managedFields/0/manager")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

pub(crate) const EP_OPTS_002: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::REPLACE, op::PATCH],
        params: &["fieldManager"],
        statuses: &[201, 200, 422],
        ..meta(
            "EP-OPTS-002",
            Must,
            "fieldManager MUST be recorded as the managedFields manager and MUST be at most 128 bytes: 128 is accepted, 129 answers 422 `fieldManager: Too long: may not be more than 128 bytes` (`must have at most 128 bytes` before 1.32).",
            "kube-apiserver behaviour §5.7 fieldManager; §1.5 managedFields",
        )
    },
    field_manager_length
);

async fn field_manager_length(ctx: Ctx) -> Verdict {
    let ok = "m".repeat(128);
    let long = "m".repeat(129);
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("fieldManager", &ok)
            .json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "managedFields[0].manager",
        Some(ok.clone()),
        manager_of(&created),
    )?;
    expect_writes_refuse(
        &ctx,
        &name,
        &created,
        ("fieldManager", &long),
        "FieldValueTooLong",
        too_long(&ctx),
    )
    .await?;
    let resp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("fieldManager", "labeller")
            .body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"a":"1"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let patched = json_of(&ctx, &resp)?;
    let managers: Vec<&str> = patched
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    ensure(
        &ctx,
        managers.contains(&"labeller"),
        "a managedFields entry for manager labeller",
        || format!("managers {managers:?}"),
    )
}

pub(crate) const EP_OPTS_003: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::REPLACE, op::PATCH],
        params: &["fieldValidation"],
        statuses: &[422],
        ..meta(
            "EP-OPTS-003",
            Must,
            "A fieldValidation other than Ignore, Warn or Strict MUST answer 422 `fieldValidation: Unsupported value: \"bogus\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"`.",
            "kube-apiserver behaviour §5.4 fieldValidation",
        )
    },
    field_validation_bogus
);

async fn field_validation_bogus(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let cause =
        "Unsupported value: \"bogus\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"";
    expect_writes_refuse(
        &ctx,
        &name,
        &created,
        ("fieldValidation", "bogus"),
        "FieldValueNotSupported",
        cause,
    )
    .await
}

fn with_unknown_fields(name: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Endpoints","metadata":{{"name":"{name}"}},"subsets":[{{"addresses":[{{"ip":"10.1.2.3","bar":1}}],"ports":[{{"name":"http","port":80,"protocol":"TCP"}}]}}],"foo":"bar"}}"#
    )
}

fn with_duplicate_name(name: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Endpoints","metadata":{{"name":"{name}","name":"{name}"}},"subsets":[{{"addresses":[{{"ip":"10.1.2.3"}}],"ports":[{{"port":80}}]}}]}}"#
    )
}

async fn post_raw(ctx: &Ctx, mode: Option<&str>, body: String) -> Result<Response, Outcome> {
    let mut req = Request::post(ctx.collection_path()).body_with_type("application/json", body);
    if let Some(m) = mode {
        req = req.query("fieldValidation", m);
    }
    send(ctx, req).await
}

pub(crate) const EP_OPTS_004: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["fieldValidation", "body"],
        statuses: &[400, 201],
        ..meta(
            "EP-OPTS-004",
            Must,
            "With fieldValidation=Strict a POST with unknown or duplicate fields MUST answer 400 `Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: ...` listing nested unknown fields before top-level ones; Warn and the default MUST answer 201 with one Warning per problem; Ignore MUST drop them silently.",
            "kube-apiserver behaviour §5.4; recorded disagreements §11 (nested fields first)",
        )
    },
    create_field_validation
);

async fn create_field_validation(ctx: Ctx) -> Verdict {
    let prefix =
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: ";
    let resp = post_raw(&ctx, Some("Strict"), with_unknown_fields(&ctx.name("ep"))).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(&format!(
            "{prefix}unknown field \"subsets[0].addresses[0].bar\", unknown field \"foo\""
        )),
    )?;
    let resp = post_raw(&ctx, Some("Strict"), with_duplicate_name(&ctx.name("ep"))).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(&format!("{prefix}duplicate field \"metadata.name\"")),
    )?;
    for mode in [Some("Warn"), None] {
        let resp = post_raw(&ctx, mode, with_unknown_fields(&ctx.name("ep"))).await?;
        expect_status(&ctx, &resp, 201)?;
        expect_warnings(
            &ctx,
            &resp,
            &[
                "unknown field \"subsets[0].addresses[0].bar\"",
                "unknown field \"foo\"",
            ],
        )?;
        let obj = json_of(&ctx, &resp)?;
        ensure(
            &ctx,
            obj.get("foo").is_none() && obj.pointer("/subsets/0/addresses/0/bar").is_none(),
            "unknown fields dropped from the stored object",
            || compact(&obj),
        )?;
    }
    let resp = post_raw(&ctx, Some("Warn"), with_duplicate_name(&ctx.name("ep"))).await?;
    expect_status(&ctx, &resp, 201)?;
    expect_warnings(&ctx, &resp, &["duplicate field \"metadata.name\""])?;
    for body in [
        with_unknown_fields(&ctx.name("ep")),
        with_duplicate_name(&ctx.name("ep")),
    ] {
        let resp = post_raw(&ctx, Some("Ignore"), body).await?;
        expect_status(&ctx, &resp, 201)?;
        expect_warnings(&ctx, &resp, &[])?;
    }
    Ok(())
}

pub(crate) const EP_OPTS_005: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        params: &["fieldValidation"],
        statuses: &[400, 200],
        ..meta(
            "EP-OPTS-005",
            Must,
            "A PUT with an unknown field MUST answer 400 with fieldValidation=Strict and 200 with a Warning `unknown field \"foo\"` with Warn.",
            "kube-apiserver behaviour §5.4",
        )
    },
    replace_field_validation
);

async fn replace_field_validation(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut body = created.clone();
    body["foo"] = Value::from("bar");
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("fieldValidation", "Strict")
            .json(&body),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: unknown field \"foo\"",
        ),
    )?;
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("fieldValidation", "Warn")
            .json(&body),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_warnings(&ctx, &resp, &["unknown field \"foo\""])
}

pub(crate) const EP_OPTS_006: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE, op::READ],
        params: &["dryRun"],
        statuses: &[200],
        ..meta(
            "EP-OPTS-006",
            Must,
            "A PUT with dryRun=All MUST answer 200 with the would-be object and the current resourceVersion, and MUST NOT change the stored object.",
            "kube-apiserver behaviour §5.7 (dry-run update)",
        )
    },
    replace_dry_run
);

async fn replace_dry_run(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut next = created.clone();
    next["metadata"]["labels"] = json!({"v": "2"});
    next["subsets"][0]["addresses"][0]["ip"] = Value::from("10.9.9.9");
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("dryRun", "All")
            .json(&next),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let dry = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels (would-be)",
        &json!({"v": "2"}),
        &dry["metadata"]["labels"],
    )?;
    expect_json_eq(
        &ctx,
        "subsets (would-be)",
        &next["subsets"],
        &dry["subsets"],
    )?;
    expect_eq(
        &ctx,
        "resourceVersion (current)",
        rv_of(&created),
        rv_of(&dry),
    )?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(&ctx, "stored object", &created, &json_of(&ctx, &resp)?)
}

pub(crate) const EP_OPTS_007: Check = check!(
    CheckMeta {
        operations: &[
            op::READ,
            op::LIST,
            op::CREATE,
            op::REPLACE,
            op::PATCH,
            op::DELETE,
            op::DELETE_COLLECTION
        ],
        params: &["pretty"],
        statuses: &[200, 201],
        ..meta(
            "EP-OPTS-007",
            Should,
            "pretty=true SHOULD give JSON indented by two spaces; without it the JSON is compact and ends with a newline.",
            "kube-apiserver behaviour §3 general rules (pretty); §4.4",
        )
    },
    pretty_output
);

async fn pretty_output(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("pretty", "true")
            .json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    expect_pretty(&ctx, &resp, true)?;
    let created = json_of(&ctx, &resp)?;
    let cases = [
        (Request::get(ctx.object_path(&name)), 200),
        (Request::get(ctx.collection_path()), 200),
        (Request::put(ctx.object_path(&name)).json(&created), 200),
        (
            Request::patch(ctx.object_path(&name)).body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"a":"1"}}}"#,
            ),
            200,
        ),
    ];
    for (req, code) in cases {
        let plain = send(&ctx, req.clone()).await?;
        expect_status(&ctx, &plain, code)?;
        expect_pretty(&ctx, &plain, false)?;
        let pretty = send(&ctx, req.query("pretty", "true")).await?;
        expect_status(&ctx, &pretty, code)?;
        expect_pretty(&ctx, &pretty, true)?;
    }
    let resp = send(
        &ctx,
        Request::delete(ctx.collection_path())
            .query("pretty", "true")
            .query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_pretty(&ctx, &resp, true)?;
    let resp = send(
        &ctx,
        Request::delete(ctx.object_path(&name)).query("pretty", "true"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_pretty(&ctx, &resp, true)
}

pub(crate) const EP_OPTS_008: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::CREATE],
        statuses: &[406],
        ..meta(
            "EP-OPTS-008",
            Must,
            "An Accept header with no supported media type MUST answer 406 NotAcceptable `406: Not Acceptable\\n\\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf` with details {}.",
            "kube-apiserver behaviour, recorded disagreements §1 (406 from the router)",
        )
    },
    not_acceptable
);

async fn not_acceptable(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let want = status_failure(
        406,
        "NotAcceptable",
        "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        Some(json!({})),
    );
    for req in [
        Request::get(ctx.object_path(&name)),
        Request::post(ctx.collection_path()).json(&endpoints(&ctx.name("ep"))),
    ] {
        let resp = send(&ctx, req.header("Accept", "text/plain")).await?;
        expect_body(&ctx, &resp, 406, &want)?;
    }
    Ok(())
}

pub(crate) const EP_OPTS_010: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::LIST_ALL],
        params: &["watch"],
        statuses: &[406],
        ..meta(
            "EP-OPTS-010",
            Must,
            "A list or watch with no supported media type in Accept MUST answer 406 NotAcceptable naming the watch forms too: `406: Not Acceptable\\n\\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch` with details {}.",
            "kube-apiserver: endpoints/installer.go (LIST, WATCH and WATCHLIST routes produce allMediaTypes); recorded in the shared protobuf recordings (errors-in-protobuf: LIST and WATCH with Accept application/cbor)",
        )
    },
    not_acceptable_list
);

async fn not_acceptable_list(ctx: Ctx) -> Verdict {
    let want = status_failure(
        406,
        "NotAcceptable",
        "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch",
        Some(json!({})),
    );
    for req in [
        Request::get(ctx.collection_path()),
        Request::get("/api/v1/endpoints"),
        Request::get(ctx.collection_path())
            .query("watch", "true")
            .query("timeoutSeconds", "1"),
    ] {
        let resp = send(&ctx, req.header("Accept", "text/plain")).await?;
        expect_body(&ctx, &resp, 406, &want)?;
    }
    Ok(())
}

pub(crate) const EP_WARN_001: Check = check!(
    CheckMeta {
        operations: &[
            op::CREATE,
            op::READ,
            op::LIST,
            op::LIST_ALL,
            op::REPLACE,
            op::PATCH,
            op::DELETE,
            op::DELETE_COLLECTION,
            op::WATCH_LIST,
            op::WATCH_ALL,
            op::WATCH,
        ],
        statuses: &[200, 201, 404],
        since: Some(33),
        ..meta(
            "EP-WARN-001",
            Must,
            "From 1.33 every Endpoints route MUST send `Warning: 299 - \"v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\"` first, on successes and on handler errors such as 404.",
            "kube-apiserver behaviour §7 Deprecation Warning",
        )
    },
    deprecation_warning_everywhere
);

async fn deprecation_warning_everywhere(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let missing = ctx.name("gone");
    let created = create_named(&ctx, &name).await?;
    let ns = ctx.namespace.clone();
    let watch = |p: String| {
        Request::get(p)
            .query("watch", "true")
            .query("timeoutSeconds", "1")
    };
    let requests = vec![
        Request::get(ctx.object_path(&name)),
        Request::get(ctx.object_path(&missing)),
        Request::get(ctx.collection_path()),
        Request::get("/api/v1/endpoints").query("labelSelector", ctx.scope_selector()),
        Request::put(ctx.object_path(&name)).json(&created),
        Request::patch(ctx.object_path(&name)).body_with_type(
            "application/merge-patch+json",
            r#"{"metadata":{"labels":{"a":"1"}}}"#,
        ),
        Request::post(ctx.collection_path()).json(&endpoints(&ctx.name("ep"))),
        Request::delete(ctx.object_path(&name)),
        Request::delete(ctx.collection_path()).query("labelSelector", ctx.scope_selector()),
    ];
    for req in requests {
        let resp = send(&ctx, req).await?;
        let warnings = resp.warnings();
        ensure(
            &ctx,
            warnings.first().map(String::as_str) == Some(DEPRECATION_WARNING),
            format!("first Warning {DEPRECATION_WARNING:?}"),
            || format!("HTTP {} with warnings {warnings:?}", resp.status),
        )?;
    }
    for path in [
        ctx.collection_path(),
        format!("/api/v1/watch/namespaces/{ns}/endpoints"),
        "/api/v1/watch/endpoints".to_owned(),
        format!("/api/v1/watch/namespaces/{ns}/endpoints/{name}"),
    ] {
        let resp = ctx
            .client
            .stream(watch(path).query("labelSelector", ctx.scope_selector()))
            .await
            .map_err(|e| Outcome::error(kconform_harness::runner::error_chain(&e)))?;
        let warnings: Vec<String> = resp
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("warning"))
            .flat_map(|(_, v)| kconform_harness::client::split_warning_header(v))
            .collect();
        ensure(
            &ctx,
            warnings.first().map(String::as_str) == Some(DEPRECATION_WARNING),
            format!("first Warning {DEPRECATION_WARNING:?} on the watch"),
            || format!("HTTP {} with warnings {warnings:?}", resp.status),
        )?;
    }
    Ok(())
}

pub(crate) const EP_WARN_002: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::READ, op::LIST],
        statuses: &[201, 200],
        until: Some(32),
        ..meta(
            "EP-WARN-002",
            Must,
            "Before 1.33 Endpoints routes MUST NOT send the deprecation warning.",
            "kube-apiserver behaviour §7 (not present on 1.30-1.32); §11",
        )
    },
    no_deprecation_warning_before_133
);

async fn no_deprecation_warning_before_133(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    expect_warnings(&ctx, &resp, &[])?;
    for req in [
        Request::get(ctx.object_path(&name)),
        Request::get(ctx.collection_path()),
    ] {
        let resp = send(&ctx, req).await?;
        expect_status(&ctx, &resp, 200)?;
        expect_warnings(&ctx, &resp, &[])?;
    }
    Ok(())
}
