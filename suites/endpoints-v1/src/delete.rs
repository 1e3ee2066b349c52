//! DELETE of one object and of a collection: Status bodies, preconditions, finalizers, options.

use kconform_harness::client::{Request, Response};
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;
use kconform_harness::kit;

/// An Endpoints labelled `app=a` and with the check's scope label, for the kit's delete checks.
fn scoped_app_a(ctx: &Ctx, name: &str) -> Value {
    let (sk, sv) = ctx.scope_label();
    endpoints_labelled(name, &[("app", "a"), (sk, &sv)])
}

fn success_status(name: &str, uid: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": {"name": name, "kind": "endpoints", "uid": uid}})
}

async fn delete(ctx: &Ctx, req: Request) -> Result<Response, Outcome> {
    send(ctx, req).await
}

async fn expect_gone(ctx: &Ctx, name: &str) -> Verdict {
    let resp = get(ctx, name).await?;
    expect_body(ctx, &resp, 404, &not_found(name))
}

async fn expect_present(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    let resp = get(ctx, name).await?;
    expect_status(ctx, &resp, 200)?;
    json_of(ctx, &resp)
}

pub(crate) const EP_DELETE_001: Check = check!(
    CheckMeta {
        operations: &[op::DELETE, op::READ],
        statuses: &[200, 404],
        ..meta(
            "EP-DELETE-001",
            Must,
            "A DELETE of an object without finalizers MUST remove it and answer 200 with a Success Status {details: {name, kind: endpoints, uid}} and no code; a later GET answers 404.",
            "kube-apiserver behaviour §5.5 DELETE (finalizeDelete)",
        )
    },
    delete_returns_status
);

async fn delete_returns_status(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = delete(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_body(&ctx, &resp, 200, &success_status(&name, &uid_of(&created)))?;
    expect_warnings(&ctx, &resp, &[])?;
    expect_gone(&ctx, &name).await
}

pub(crate) const EP_DELETE_002: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        statuses: &[404],
        ..meta(
            "EP-DELETE-002",
            Must,
            "A DELETE of a missing object MUST answer 404 NotFound.",
            "kube-apiserver behaviour §5.5 (Missing → 404)",
        )
    },
    delete_missing
);

async fn delete_missing(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = delete(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_body(&ctx, &resp, 404, &not_found(&name))
}

pub(crate) const EP_DELETE_003: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["body"],
        statuses: &[409, 200],
        ..meta(
            "EP-DELETE-003",
            Must,
            "DeleteOptions preconditions MUST be enforced: a uid or resourceVersion mismatch answers 409 Conflict (details kind `Endpoints`, capitalised) and leaves the object; matching preconditions delete it (200).",
            "kube-apiserver behaviour §3.1 409 (DELETE preconditions); §5.5",
        )
    },
    delete_preconditions
);

async fn delete_preconditions(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let (uid, rv) = (uid_of(&created), rv_of(&created));
    let bogus = "00000000-0000-4000-8000-000000000001";
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name)).json(
            &json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": bogus}}),
        ),
    )
    .await?;
    let details = json!({"name": name, "kind": "Endpoints"});
    expect_body(
        &ctx,
        &resp,
        409,
        &status_failure(
            409,
            "Conflict",
            &cannot_fulfil(
                "Endpoints",
                &name,
                &format!(
                    "the UID in the precondition ({bogus}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"
                ),
            ),
            Some(details.clone()),
        ),
    )?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name)).json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": "1"}})),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        409,
        &status_failure(
            409,
            "Conflict",
            &cannot_fulfil(
                "Endpoints",
                &name,
                &format!(
                    "the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({rv}). The object might have been modified"
                ),
            ),
            Some(details),
        ),
    )?;
    expect_present(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name)).json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid, "resourceVersion": rv}})),
    )
    .await?;
    expect_body(&ctx, &resp, 200, &success_status(&name, &uid))?;
    expect_gone(&ctx, &name).await
}

pub(crate) const EP_DELETE_004: Check = check!(
    CheckMeta {
        operations: &[op::DELETE, op::READ],
        params: &["dryRun"],
        statuses: &[200],
        ..meta(
            "EP-DELETE-004",
            Must,
            "A DELETE with dryRun=All MUST answer 200 with the same Status as a real delete and MUST leave the object in place.",
            "kube-apiserver behaviour §5.5 (dryRun); §5.7",
        )
    },
    delete_dry_run
);

async fn delete_dry_run(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name)).query("dryRun", "All"),
    )
    .await?;
    expect_body(&ctx, &resp, 200, &success_status(&name, &uid_of(&created)))?;
    let still = expect_present(&ctx, &name).await?;
    expect_json_eq(&ctx, "object after dry-run delete", &created, &still)
}

pub(crate) const EP_DELETE_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["orphanDependents", "propagationPolicy", "dryRun"],
        statuses: &[422],
        ..meta(
            "EP-DELETE-005",
            Must,
            "Invalid DeleteOptions MUST answer 422 `DeleteOptions.meta.k8s.io \"\" is invalid: ...`: orphanDependents with propagationPolicy, an unknown propagationPolicy, a dryRun other than All.",
            "kube-apiserver behaviour §5.5 Validation",
        )
    },
    delete_options_invalid
);

async fn delete_options_invalid(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let path = ctx.object_path(&name);
    let resp = delete(
        &ctx,
        Request::delete(&path)
            .query("orphanDependents", "true")
            .query("propagationPolicy", "Background"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "DeleteOptions",
            "propagationPolicy",
            "FieldValueInvalid",
            "Invalid value: \"Background\": orphanDependents and deletionPropagation cannot be both set",
        ),
    )?;
    let resp = delete(
        &ctx,
        Request::delete(&path).query("propagationPolicy", "Bogus"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "DeleteOptions",
            "propagationPolicy",
            "FieldValueNotSupported",
            "Unsupported value: \"Bogus\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
        ),
    )?;
    let resp = delete(&ctx, Request::delete(&path).query("dryRun", "bogus")).await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "DeleteOptions",
            "dryRun",
            "FieldValueNotSupported",
            &dry_run_unsupported(&ctx, "bogus"),
        ),
    )?;
    expect_present(&ctx, &name).await.map(|_| ())
}

pub(crate) const EP_DELETE_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE, op::PATCH, op::CREATE, op::READ],
        params: &["orphanDependents"],
        statuses: &[200, 202, 409, 422, 404],
        ..meta(
            "EP-DELETE-006",
            Must,
            "An object with a finalizer MUST stay after DELETE (200 with the object carrying deletionTimestamp and deletionGracePeriodSeconds 0; 202 when orphanDependents=false is given); a POST of its name answers 409 `object is being deleted: ...`; adding a finalizer answers 422; removing the last finalizer deletes it.",
            "kube-apiserver behaviour §5.5 (finalizers, 202); §2.3 M15; recorded disagreements §10",
        )
    },
    delete_held_by_finalizer
);

async fn delete_held_by_finalizer(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut body = endpoints(&name);
    body["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let created = create(&ctx, &body).await?;
    let path = ctx.object_path(&name);
    let resp = delete(&ctx, Request::delete(&path)).await?;
    expect_status(&ctx, &resp, 200)?;
    let first = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("Endpoints"), first["kind"].as_str())?;
    ensure(
        &ctx,
        first
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(Value::is_string),
        "metadata.deletionTimestamp set",
        || compact(&first["metadata"]),
    )?;
    expect_eq(
        &ctx,
        "metadata.deletionGracePeriodSeconds",
        Some(0),
        first
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64),
    )?;
    expect_json_eq(
        &ctx,
        "metadata.finalizers",
        &json!(["example.com/hold"]),
        &first["metadata"]["finalizers"],
    )?;
    let resp = delete(
        &ctx,
        Request::delete(&path).query("orphanDependents", "false"),
    )
    .await?;
    expect_status(&ctx, &resp, 202)?;
    let second = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "deletionTimestamp of a repeated DELETE (not moved)",
        first.pointer("/metadata/deletionTimestamp").cloned(),
        second.pointer("/metadata/deletionTimestamp").cloned(),
    )?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).json(&endpoints(&name)),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        409,
        &status_failure(
            409,
            "AlreadyExists",
            &format!("object is being deleted: endpoints \"{name}\" already exists"),
            Some(json!({"name": name, "kind": "endpoints"})),
        ),
    )?;
    let resp = merge_patch(
        &ctx,
        &name,
        &json!({"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}}),
    )
    .await?;
    expect_status(&ctx, &resp, 422)?;
    let got = json_of(&ctx, &resp)?;
    // A Forbidden detail is formatted by Go's %v, so the slice keeps Go syntax in every version.
    let forbidden = "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/more\"}";
    expect_eq(
        &ctx,
        "message",
        format!("Endpoints \"{name}\" is invalid: metadata.finalizers: {forbidden}"),
        got["message"].as_str().unwrap_or_default().to_owned(),
    )?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"finalizers": null}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let last = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "uid", uid_of(&created), uid_of(&last))?;
    expect_gone(&ctx, &name).await
}

pub(crate) const EP_DELETE_007: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["gracePeriodSeconds"],
        statuses: &[200],
        ..meta(
            "EP-DELETE-007",
            Must,
            "gracePeriodSeconds MUST have no effect on Endpoints (not graceful): a DELETE with 30 or -1 removes the object at once.",
            "kube-apiserver behaviour §1.3 Graceful deletion; §5.5",
        )
    },
    delete_grace_period_ignored
);

async fn delete_grace_period_ignored(ctx: Ctx) -> Verdict {
    for grace in ["30", "-1"] {
        let name = ctx.name("ep");
        let created = create_named(&ctx, &name).await?;
        let resp = delete(
            &ctx,
            Request::delete(ctx.object_path(&name)).query("gracePeriodSeconds", grace),
        )
        .await?;
        expect_body(&ctx, &resp, 200, &success_status(&name, &uid_of(&created)))?;
        expect_gone(&ctx, &name).await?;
    }
    Ok(())
}

pub(crate) const EP_DELETE_008: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["body", "dryRun"],
        statuses: &[200],
        ..meta(
            "EP-DELETE-008",
            Must,
            "DeleteOptions in the body MUST win over the query: dryRun in the body keeps the object; a body without dryRun deletes even with ?dryRun=All.",
            "kube-apiserver behaviour §5.5 (body or query)",
        )
    },
    delete_body_wins_over_query
);

async fn delete_body_wins_over_query(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name))
            .json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]})),
    )
    .await?;
    expect_body(&ctx, &resp, 200, &success_status(&name, &uid_of(&created)))?;
    expect_present(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name))
            .query("dryRun", "All")
            .json(&json!({"kind": "DeleteOptions", "apiVersion": "v1"})),
    )
    .await?;
    expect_body(&ctx, &resp, 200, &success_status(&name, &uid_of(&created)))?;
    expect_gone(&ctx, &name).await
}

pub(crate) const EP_DELETE_009: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["propagationPolicy"],
        statuses: &[200],
        ..meta(
            "EP-DELETE-009",
            Must,
            "propagationPolicy=Foreground MUST answer 200 with the object carrying deletionTimestamp and finalizer foregroundDeletion; Orphan with finalizer orphan.",
            "kube-apiserver behaviour §5.5 results table",
        )
    },
    delete_propagation_policies
);

async fn delete_propagation_policies(ctx: Ctx) -> Verdict {
    for (policy, finalizer) in [("Foreground", "foregroundDeletion"), ("Orphan", "orphan")] {
        let name = ctx.name("ep");
        create_named(&ctx, &name).await?;
        let resp = delete(
            &ctx,
            Request::delete(ctx.object_path(&name)).query("propagationPolicy", policy),
        )
        .await?;
        expect_status(&ctx, &resp, 200)?;
        let obj = json_of(&ctx, &resp)?;
        expect_eq(&ctx, "kind", Some("Endpoints"), obj["kind"].as_str())?;
        expect_json_eq(
            &ctx,
            "metadata.finalizers",
            &json!([finalizer]),
            &obj["metadata"]["finalizers"],
        )?;
        ensure(
            &ctx,
            obj.pointer("/metadata/deletionTimestamp")
                .is_some_and(Value::is_string),
            "metadata.deletionTimestamp set",
            || compact(&obj["metadata"]),
        )?;
    }
    Ok(())
}

pub(crate) const EP_DELETE_010: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["body"],
        statuses: &[400, 500],
        ..meta(
            "EP-DELETE-010",
            Should,
            "A DELETE body that cannot be decoded as DeleteOptions MUST be rejected without deleting: 400 BadRequest from 1.35 (500 before).",
            "kube-apiserver behaviour §3.1 400 DeleteOptions body; §11 (malformed DeleteOptions → 400)",
        )
    },
    delete_body_malformed
);

async fn delete_body_malformed(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name)).body_with_type("application/json", "not json"),
    )
    .await?;
    if ctx.version.at_least(35) {
        expect_body(
            &ctx,
            &resp,
            400,
            &bad_request(
                "couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u')",
            ),
        )?;
    } else {
        expect_body(
            &ctx,
            &resp,
            500,
            &status_failure(
                500,
                "",
                "couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u')",
                None,
            ),
        )?;
    }
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name))
            .json(&json!({"kind": "Endpoints", "apiVersion": "v1"})),
    )
    .await?;
    if ctx.version.at_least(35) {
        expect_body(
            &ctx,
            &resp,
            400,
            &bad_request(
                "no kind \"Endpoints\" is registered for version \"v1\" in scheme \"pkg/apis/meta/internalversion/scheme/register.go:27\"",
            ),
        )?;
    } else {
        expect_status(&ctx, &resp, 500)?;
    }
    expect_present(&ctx, &name).await.map(|_| ())
}

pub(crate) const EP_DELETE_011: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["ignoreStoreReadErrorWithClusterBreakingPotential"],
        statuses: &[200],
        since: Some(32),
        features: &[],
        ..meta(
            "EP-DELETE-011",
            Should,
            "ignoreStoreReadErrorWithClusterBreakingPotential=false MUST be accepted and change nothing for a readable object (200 Success).",
            "kube-apiserver behaviour §5.5 Validation (AllowUnsafeMalformedObjectDeletion)",
        )
    },
    delete_ignore_store_read_error_false
);

async fn delete_ignore_store_read_error_false(ctx: Ctx) -> Verdict {
    kit::delete_options::expect_delete_ignore_store_read_error_false(&ctx, scoped_app_a).await
}

/// Creates `names` labelled `app=<app>` plus the check's scope label.
async fn seed(ctx: &Ctx, items: &[(&str, &str)]) -> Result<Vec<String>, Outcome> {
    let (sk, sv) = ctx.scope_label();
    let mut names = Vec::new();
    for (name, app) in items {
        let body = endpoints_labelled(name, &[("app", app), (sk, &sv)]);
        create(ctx, &body).await?;
        names.push((*name).to_owned());
    }
    Ok(names)
}

async fn list_names(ctx: &Ctx, selector: &str) -> Result<Vec<String>, Outcome> {
    let resp = send(
        ctx,
        Request::get(ctx.collection_path()).query("labelSelector", selector),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    let mut names = item_names(&json_of(ctx, &resp)?);
    names.sort();
    Ok(names)
}

pub(crate) const EP_DELCOL_001: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-DELCOL-001",
            Must,
            "A DELETE of the collection with a labelSelector MUST delete exactly the matching objects and answer 200 with an EndpointsList of them as they were before deletion.",
            "kube-apiserver behaviour §5.6 DELETE collection",
        )
    },
    delete_collection_label_selector
);

async fn delete_collection_label_selector(ctx: Ctx) -> Verdict {
    let (a1, a2, b) = (ctx.name("ep"), ctx.name("ep"), ctx.name("ep"));
    seed(&ctx, &[(&a1, "a"), (&a2, "a"), (&b, "b")]).await?;
    let scope = ctx.scope_selector();
    let resp = delete(
        &ctx,
        Request::delete(ctx.collection_path()).query("labelSelector", format!("app=a,{scope}")),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let list = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("EndpointsList"), list["kind"].as_str())?;
    expect_eq(
        &ctx,
        "deleted items",
        sorted(vec![a1.clone(), a2.clone()]),
        sorted(item_names(&list)),
    )?;
    expect_eq(
        &ctx,
        "objects left",
        vec![b],
        list_names(&ctx, &scope).await?,
    )
}

pub(crate) const EP_DELCOL_002: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["dryRun"],
        statuses: &[200],
        ..meta(
            "EP-DELCOL-002",
            Must,
            "A DELETE of the collection with dryRun=All MUST answer 200 with the list and delete nothing.",
            "kube-apiserver behaviour §5.6; §5.7",
        )
    },
    delete_collection_dry_run
);

async fn delete_collection_dry_run(ctx: Ctx) -> Verdict {
    let (a1, a2) = (ctx.name("ep"), ctx.name("ep"));
    seed(&ctx, &[(&a1, "a"), (&a2, "a")]).await?;
    let scope = ctx.scope_selector();
    let resp = delete(
        &ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", &scope)
            .query("dryRun", "All"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let list = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "items",
        sorted(vec![a1.clone(), a2.clone()]),
        sorted(item_names(&list)),
    )?;
    expect_eq(
        &ctx,
        "objects left",
        sorted(vec![a1, a2]),
        list_names(&ctx, &scope).await?,
    )
}

pub(crate) const EP_DELCOL_003: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["fieldSelector"],
        statuses: &[200],
        ..meta(
            "EP-DELCOL-003",
            Must,
            "A DELETE of the collection with fieldSelector metadata.name=X MUST delete only X.",
            "kube-apiserver behaviour §5.6",
        )
    },
    delete_collection_field_selector
);

async fn delete_collection_field_selector(ctx: Ctx) -> Verdict {
    let (a1, a2) = (ctx.name("ep"), ctx.name("ep"));
    seed(&ctx, &[(&a1, "a"), (&a2, "a")]).await?;
    let scope = ctx.scope_selector();
    let resp = delete(
        &ctx,
        Request::delete(ctx.collection_path())
            .query("fieldSelector", format!("metadata.name={a2}"))
            .query("labelSelector", &scope),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_eq(
        &ctx,
        "deleted items",
        vec![a2.clone()],
        item_names(&json_of(&ctx, &resp)?),
    )?;
    expect_eq(
        &ctx,
        "objects left",
        vec![a1.clone()],
        list_names(&ctx, &scope).await?,
    )
}

pub(crate) const EP_DELCOL_007: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-DELCOL-007",
            Must,
            "A DELETE of the collection with only a labelSelector MUST delete every matching object and answer them as the list of deleted items.",
            "kube-apiserver behaviour §5.6",
        )
    },
    delete_collection_by_label_only
);

async fn delete_collection_by_label_only(ctx: Ctx) -> Verdict {
    let (a1, a2) = (ctx.name("ep"), ctx.name("ep"));
    seed(&ctx, &[(&a1, "a"), (&a2, "a")]).await?;
    let scope = ctx.scope_selector();
    // By label only, never without a selector: the namespace may be shared.
    let resp = delete(
        &ctx,
        Request::delete(ctx.collection_path()).query("labelSelector", &scope),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_eq(
        &ctx,
        "deleted items",
        sorted(vec![a1, a2]),
        sorted(item_names(&json_of(&ctx, &resp)?)),
    )?;
    expect_eq(
        &ctx,
        "objects left",
        Vec::<String>::new(),
        list_names(&ctx, &scope).await?,
    )
}

pub(crate) const EP_DELCOL_004: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &["labelSelector", "orphanDependents", "propagationPolicy"],
        statuses: &[400, 422],
        ..meta(
            "EP-DELCOL-004",
            Must,
            "A DELETE of the collection with a bad labelSelector MUST answer 400, with invalid DeleteOptions 422, and delete nothing.",
            "kube-apiserver behaviour §5.6; §3.1",
        )
    },
    delete_collection_errors
);

async fn delete_collection_errors(ctx: Ctx) -> Verdict {
    kit::delete_options::expect_delete_collection_errors(&ctx, scoped_app_a).await
}

pub(crate) const EP_DELCOL_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["limit", "continue"],
        statuses: &[200],
        ..meta(
            "EP-DELCOL-005",
            Should,
            "A DELETE of the collection with limit=N MUST process one page: N objects deleted, the answer carrying metadata.continue; continuing deletes the rest.",
            "kube-apiserver behaviour §5.6 (limit)",
        )
    },
    delete_collection_limit
);

async fn delete_collection_limit(ctx: Ctx) -> Verdict {
    kit::delete_options::expect_delete_collection_limit(&ctx, scoped_app_a).await
}

pub(crate) const EP_DELCOL_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &[
            "gracePeriodSeconds",
            "resourceVersion",
            "resourceVersionMatch",
            "timeoutSeconds",
            "sendInitialEvents",
            "body",
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            "shardSelector",
        ],
        statuses: &[200, 422],
        ..meta(
            "EP-DELCOL-006",
            Should,
            "A DELETE of the collection MUST accept the list options resourceVersion=0, timeoutSeconds and gracePeriodSeconds and a DeleteOptions body, and MUST reject sendInitialEvents (a list, not a watch) with 422.",
            "kube-apiserver behaviour §5.6 (ListOptions and DeleteOptions); §4.1",
        )
    },
    delete_collection_options
);

async fn delete_collection_options(ctx: Ctx) -> Verdict {
    kit::delete_options::expect_delete_collection_list_options(&ctx, scoped_app_a).await
}

pub(crate) const EP_DELETE_012: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["body"],
        statuses: &[400, 500],
        ..meta(
            "EP-DELETE-012",
            Must,
            "A DeleteOptions body with a field of the wrong JSON type (`\"dryRun\": \"All\"`) MUST fail to decode without deleting: `json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string`, 400 BadRequest from 1.35 and 500 before.",
            "apiserver endpoints/handlers/delete.go (body decoded into metav1.DeleteOptions; BadRequest from 1.35); recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    delete_body_wrong_type
);

async fn delete_body_wrong_type(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = delete(
        &ctx,
        Request::delete(ctx.object_path(&name))
            .json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": "All"})),
    )
    .await?;
    let message =
        "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string";
    if ctx.version.at_least(35) {
        expect_body(&ctx, &resp, 400, &bad_request(message))?;
    } else {
        expect_body(&ctx, &resp, 500, &status_failure(500, "", message, None))?;
    }
    expect_present(&ctx, &name).await.map(|_| ())
}
