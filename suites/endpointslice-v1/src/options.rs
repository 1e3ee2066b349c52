//! The options and statuses of every operation that the recorded scenarios leave out: pretty
//! output, 401 on every route, the deprecated watch paths with their watch options, the
//! all-namespaces list options, 410 for a compacted resourceVersion on every watch form, the write
//! options of replace and patch, and the options of delete and deletecollection.
//!
//! kube-apiserver serves these through the same generic REST handlers for every resource; each
//! expectation here is the one the Endpoints suite holds for core/v1 (checked against the
//! recordings there), with the EndpointSlice names, kinds and paths.

use std::time::Duration;

use kconform_harness::check;
use kconform_harness::client::{Auth, Request};
use kconform_harness::kit::delete_options;
use kconform_harness::kit::*;
use kconform_harness::model::Level::{May, Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use kconform_harness::watch::{StreamEnd, WatchLimits};
use serde_json::{Value, json};

use crate::op;

/// The group-version prefix of every EndpointSlice path.
const PREFIX: &str = "/apis/discovery.k8s.io/v1";

/// A valid EndpointSlice: one IPv4 endpoint, one named port, with the given labels.
fn slice(name: &str, labels: &[(&str, &str)]) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "labels": labels},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.2.3"]}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
    })
}

/// Creates a slice carrying the check's scope label.
async fn create_scoped(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    let (k, v) = ctx.scope_label();
    create(ctx, &slice(name, &[(k, &v)])).await
}

/// `(manager, operation)` of each managedFields entry of an object.
fn managers_of(object: &Value) -> Vec<(&str, &str)> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["manager"].as_str().unwrap_or_default(),
                m["operation"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

/// Watch limits with this overall bound.
fn limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

pub(crate) const ES_OPTS_001: Check = check!(
    CheckMeta {
        operations: &[
            op::READ,
            op::LIST,
            op::LIST_ALL,
            op::CREATE,
            op::REPLACE,
            op::PATCH,
            op::DELETE,
            op::DELETE_COLLECTION
        ],
        params: &["pretty"],
        statuses: &[200, 201],
        ..meta(
            "ES-OPTS-001",
            Should,
            "pretty=true SHOULD give JSON indented by two spaces on every EndpointSlice operation; without it the JSON is compact and ends with a newline.",
            "kube-apiserver behaviour §3 general rules (pretty); the generic REST handlers every resource shares",
        )
    },
    pretty_output
);

async fn pretty_output(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    let (k, v) = ctx.scope_label();
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("pretty", "true")
            .json(&slice(&name, &[(k, &v)])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    expect_pretty(&ctx, &resp, true)?;
    let created = json_of(&ctx, &resp)?;
    let scoped = ctx.scope_selector();
    let cases = [
        Request::get(ctx.object_path(&name)),
        Request::get(ctx.collection_path()),
        Request::get(format!("{PREFIX}/endpointslices")).query("labelSelector", &scoped),
        Request::put(ctx.object_path(&name)).json(&created),
        Request::patch(ctx.object_path(&name)).body_with_type(
            "application/merge-patch+json",
            r#"{"metadata":{"labels":{"a":"1"}}}"#,
        ),
    ];
    for req in cases {
        let plain = send(&ctx, req.clone()).await?;
        expect_status(&ctx, &plain, 200)?;
        expect_pretty(&ctx, &plain, false)?;
        let pretty = send(&ctx, req.query("pretty", "true")).await?;
        expect_status(&ctx, &pretty, 200)?;
        expect_pretty(&ctx, &pretty, true)?;
    }
    let resp = send(
        &ctx,
        Request::delete(ctx.collection_path())
            .query("pretty", "true")
            .query("labelSelector", "kconform.io/none=1"),
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

/// Every EndpointSlice operation.
const ALL_OPS: &[&str] = &[
    op::LIST_ALL,
    op::WATCH_ALL,
    op::LIST,
    op::CREATE,
    op::DELETE_COLLECTION,
    op::READ,
    op::REPLACE,
    op::PATCH,
    op::DELETE,
    op::WATCH_LIST,
    op::WATCH,
];

pub(crate) const ES_AUTH_004: Check = check!(
    CheckMeta {
        operations: ALL_OPS,
        statuses: &[401],
        ..meta(
            "ES-AUTH-004",
            Must,
            "Every EndpointSlice operation, replace, patch, deletecollection and the three deprecated watch paths included, MUST answer 401 with the Status `Unauthorized` to an unknown bearer token, and change nothing.",
            "kube-apiserver behaviour §3.1 401 (the authentication filter runs before any handler); recorded auth/bad-token",
        )
    },
    every_operation_401
);

async fn every_operation_401(ctx: Ctx) -> Verdict {
    if !ctx.client.has_credentials() {
        return Err(Outcome::unsupported(
            "authentication",
            "the target is used without credentials, so it evidently accepts unauthenticated requests",
        ));
    }
    let name = ctx.name("es");
    let created = create_scoped(&ctx, &name).await?;
    let ns = &ctx.namespace;
    let requests = [
        Request::get(format!("{PREFIX}/endpointslices")),
        Request::get(format!("{PREFIX}/watch/endpointslices")).query("timeoutSeconds", "1"),
        Request::get(ctx.collection_path()),
        Request::post(ctx.collection_path()).json(&slice(&ctx.name("es"), &[])),
        Request::delete(ctx.collection_path()),
        Request::get(ctx.object_path(&name)),
        Request::put(ctx.object_path(&name)).json(&created),
        Request::patch(ctx.object_path(&name)).body_with_type(
            "application/merge-patch+json",
            r#"{"metadata":{"labels":{"a":"1"}}}"#,
        ),
        Request::delete(ctx.object_path(&name)),
        Request::get(format!("{PREFIX}/watch/namespaces/{ns}/endpointslices"))
            .query("timeoutSeconds", "1"),
        Request::get(format!(
            "{PREFIX}/watch/namespaces/{ns}/endpointslices/{name}"
        ))
        .query("timeoutSeconds", "1"),
    ];
    let unauthorized = status_failure(401, "Unauthorized", "Unauthorized", None);
    for req in requests {
        let resp = send(
            &ctx,
            req.auth(Auth::Bearer("kconform-invalid-token".to_owned())),
        )
        .await?;
        expect_body(&ctx, &resp, 401, &unauthorized)?;
    }
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(
        &ctx,
        "the slice after the 401s",
        &created,
        &json_of(&ctx, &resp)?,
    )
}

/// The watch options the deprecated-path checks send together.
const DEPRECATED_WATCH_PATH_PARAMS: &[&str] = &[
    "labelSelector",
    "fieldSelector",
    "resourceVersion",
    "timeoutSeconds",
    "allowWatchBookmarks",
    "limit",
    "pretty",
    "watch",
    "shardSelector",
    "sendInitialEvents",
    "resourceVersionMatch",
    "continue",
];

/// Watches `path` with every option of [`DEPRECATED_WATCH_PATH_PARAMS`] from the resourceVersion
/// of a fresh slice, changes the slice, and expects exactly one MODIFIED for it (pretty does not
/// apply to streams) and the server ending the stream at timeoutSeconds.
async fn exercise_watch_path(ctx: &Ctx, path: &str, name: &str) -> Verdict {
    let created = create_scoped(ctx, name).await?;
    let mut reader = open_watch(
        ctx,
        Request::get(path)
            .query("watch", "true")
            .query("labelSelector", ctx.scope_selector())
            .query("fieldSelector", format!("metadata.name={name}"))
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "1")
            .query("allowWatchBookmarks", "true")
            .query("limit", "5")
            .query("pretty", "true")
            .query("shardSelector", ""),
        limits(6),
    )
    .await?;
    let resp = merge_patch(
        ctx,
        name,
        &json!({"metadata": {"annotations": {"touched": "1"}}}),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    let d = reader.drain().await;
    if !d.malformed.is_empty() {
        return Err(watch_fail(
            ctx,
            &reader,
            "one JSON event per line (pretty does not apply to streams)",
            format!("{:?}", d.malformed),
        ));
    }
    let changes: Vec<_> = d.events.iter().filter(|e| e.kind != "BOOKMARK").collect();
    let modified_only = changes.len() == 1
        && changes[0].kind == "MODIFIED"
        && changes[0].name() == Some(name)
        && changes[0].object["kind"] == "EndpointSlice";
    if !modified_only {
        return Err(watch_fail(
            ctx,
            &reader,
            format!("one MODIFIED EndpointSlice {name}"),
            describe_events(&d.events),
        ));
    }
    if d.end != StreamEnd::Server {
        return Err(watch_fail(
            ctx,
            &reader,
            "the server ends the stream at timeoutSeconds=1",
            d.end.to_string(),
        ));
    }
    // Options sent without `watch=1` are validated as a list's, as on the Endpoints paths
    // (EP-WATCH-005..007); with `watch=1` they are a watch's; continue as on the collection path.
    kconform_harness::kit::watch_options::expect_deprecated_path_list_options(ctx, path, name).await
}

pub(crate) const ES_WATCH_013: Check = check!(
    CheckMeta {
        operations: &[op::WATCH_ALL],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "ES-WATCH-013",
            Must,
            "The deprecated path /apis/discovery.k8s.io/v1/watch/endpointslices MUST honour the watch options (selectors, resourceVersion, timeoutSeconds, bookmarks, limit, pretty, an empty shardSelector, continue); options sent without watch=1 MUST be validated as a list's (422 for sendInitialEvents and a resourceVersionMatch without resourceVersion).",
            "kube-apiserver behaviour §6.1 (deprecated watch paths, still served); recorded watch/deprecated-all-namespaces-path",
        )
    },
    watch_deprecated_all
);
async fn watch_deprecated_all(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    exercise_watch_path(&ctx, &format!("{PREFIX}/watch/endpointslices"), &name).await
}

pub(crate) const ES_WATCH_014: Check = check!(
    CheckMeta {
        operations: &[op::WATCH_LIST],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "ES-WATCH-014",
            Must,
            "The deprecated path /apis/discovery.k8s.io/v1/watch/namespaces/{namespace}/endpointslices MUST honour the watch options; options sent without watch=1 MUST be validated as a list's.",
            "kube-apiserver behaviour §6.1; recorded watch/deprecated-namespaced-path",
        )
    },
    watch_deprecated_namespaced
);
async fn watch_deprecated_namespaced(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    let path = format!("{PREFIX}/watch/namespaces/{}/endpointslices", ctx.namespace);
    exercise_watch_path(&ctx, &path, &name).await
}

pub(crate) const ES_WATCH_015: Check = check!(
    CheckMeta {
        operations: &[op::WATCH],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "ES-WATCH-015",
            Must,
            "The deprecated path .../watch/namespaces/{namespace}/endpointslices/{name} MUST honour the watch options, a fieldSelector naming the same object included; options sent without watch=1 MUST be validated as a list's.",
            "kube-apiserver behaviour §6.1 (the name becomes a metadata.name field selector); recorded watch/deprecated-named-path",
        )
    },
    watch_deprecated_named
);
async fn watch_deprecated_named(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    let path = format!(
        "{PREFIX}/watch/namespaces/{}/endpointslices/{name}",
        ctx.namespace
    );
    exercise_watch_path(&ctx, &path, &name).await
}

pub(crate) const ES_WATCH_016: Check = check!(
    CheckMeta {
        operations: &[
            op::LIST_ALL,
            op::LIST,
            op::WATCH_ALL,
            op::WATCH_LIST,
            op::WATCH
        ],
        params: &["resourceVersion", "watch"],
        statuses: &[200, 410],
        ..meta(
            "ES-WATCH-016",
            Must,
            "A watch from a compacted resourceVersion MUST answer 200 and send one ERROR event with the 410 Expired Status on every watch form (collection with watch=1, all namespaces, the three deprecated paths), and end.",
            "kube-apiserver behaviour §6 (too old resourceVersion); recorded watch/resource-version-too-old",
        )
    },
    every_watch_too_old
);
async fn every_watch_too_old(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    create_scoped(&ctx, &name).await?;
    let ns = &ctx.namespace;
    let paths = [
        (ctx.collection_path(), true),
        (format!("{PREFIX}/endpointslices"), true),
        (format!("{PREFIX}/watch/endpointslices"), false),
        (
            format!("{PREFIX}/watch/namespaces/{ns}/endpointslices"),
            false,
        ),
        (
            format!("{PREFIX}/watch/namespaces/{ns}/endpointslices/{name}"),
            false,
        ),
    ];
    for (path, with_watch) in paths {
        let mut req = Request::get(&path)
            .query("resourceVersion", "1")
            .query("timeoutSeconds", "5");
        if with_watch {
            req = req.query("watch", "1");
        }
        let mut reader = open_watch(&ctx, req, limits(6)).await?;
        let d = reader.drain().await;
        let expired = d.events.len() == 1
            && d.events[0].kind == "ERROR"
            && d.events[0].object["code"] == 410
            && d.events[0].object["reason"] == "Expired";
        if !expired {
            // A target that has not compacted resourceVersion 1 (a young cluster) streams from it.
            if d.events.iter().any(|e| e.kind == "ADDED") {
                return Err(compaction_unsupported());
            }
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("{path}: one ERROR event with code 410, reason Expired"),
                describe_events(&d.events),
            ));
        }
    }
    Ok(())
}

pub(crate) const ES_LIST_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST_ALL],
        params: &[
            "labelSelector",
            "fieldSelector",
            "limit",
            "continue",
            "resourceVersion",
            "resourceVersionMatch",
            "timeoutSeconds",
            "allowWatchBookmarks",
            "sendInitialEvents",
            "shardSelector",
            "watch",
        ],
        statuses: &[200, 410, 422],
        ..meta(
            "ES-LIST-009",
            Must,
            "The all-namespaces LIST MUST honour the list options as the namespaced one does: pages with limit and continue, fieldSelector metadata.namespace, resourceVersion with resourceVersionMatch (410 for a compacted Exact), timeoutSeconds, allowWatchBookmarks ignored, watch=false, an empty shardSelector; sendInitialEvents is refused with 422.",
            "OpenAPI listDiscoveryV1EndpointSliceForAllNamespaces; kube-apiserver behaviour §4",
        )
    },
    list_all_options
);
async fn list_all_options(ctx: Ctx) -> Verdict {
    let mut objs = Vec::new();
    for _ in 0..3 {
        let name = ctx.name("es");
        objs.push(create_scoped(&ctx, &name).await?);
    }
    let want = sorted(
        objs.iter()
            .map(|o| {
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect(),
    );
    let sel = ctx.scope_selector();
    let base = || Request::get(format!("{PREFIX}/endpointslices")).query("labelSelector", &sel);
    let list = |resp: &kconform_harness::client::Response| -> Result<Value, Outcome> {
        expect_status(&ctx, resp, 200)?;
        let l = json_of(&ctx, resp)?;
        expect_eq(&ctx, "kind", Some("EndpointSliceList"), l["kind"].as_str())?;
        Ok(l)
    };
    // The pages of limit=1 together are the whole list, in order. Like etcd, the server may hand
    // out a token after the last match when keys of other namespaces follow (the next page is
    // then empty), so the walk allows one page more than there are slices.
    let mut walked = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut req = base().query("limit", "1");
        if !token.is_empty() {
            req = req.query("continue", &token);
        }
        let l = list(&send(&ctx, req).await?)?;
        pages += 1;
        let names = item_names(&l);
        ensure(
            &ctx,
            names.len() <= 1,
            "at most 1 item per page of limit=1",
            || format!("{names:?}"),
        )?;
        walked.extend(names);
        token = continue_of(&l);
        if token.is_empty() {
            break;
        }
        ensure(
            &ctx,
            pages <= objs.len(),
            "the walk of limit=1 ends within one page more than there are slices",
            || format!("page {pages} still continues"),
        )?;
    }
    expect_eq(&ctx, "the pages of limit=1, walked", want.clone(), walked)?;
    let rv = rv_of(&objs[2]);
    let cases = [
        base().query(
            "fieldSelector",
            format!("metadata.namespace={}", ctx.namespace),
        ),
        base().query("resourceVersion", "0"),
        base()
            .query("resourceVersion", &rv)
            .query("resourceVersionMatch", "NotOlderThan"),
        base().query("timeoutSeconds", "5"),
        base().query("allowWatchBookmarks", "true"),
        base().query("watch", "false"),
        base().query("shardSelector", ""),
    ];
    for req in cases {
        let l = list(&send(&ctx, req).await?)?;
        expect_eq(&ctx, "items", want.clone(), sorted(item_names(&l)))?;
    }
    let resp = send(
        &ctx,
        base()
            .query("resourceVersion", "1")
            .query("resourceVersionMatch", "Exact"),
    )
    .await?;
    if resp.status == 200 {
        return Err(compaction_unsupported());
    }
    expect_body(
        &ctx,
        &resp,
        410,
        &status_failure(
            410,
            "Expired",
            "The resourceVersion for the provided list is too old.",
            None,
        ),
    )?;
    let resp = send(&ctx, base().query("sendInitialEvents", "true")).await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "ListOptions",
            "sendInitialEvents",
            "FieldValueForbidden",
            "Forbidden: sendInitialEvents is forbidden for list",
        ),
    )
}

pub(crate) const ES_REPLACE_006: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        params: &["body", "dryRun", "fieldManager", "fieldValidation"],
        statuses: &[200, 400],
        ..meta(
            "ES-REPLACE-006",
            Must,
            "A PUT MUST honour its write options: dryRun=All answers 200 with the new object and stores nothing, fieldManager names the manager of the Update in managedFields, and fieldValidation=Strict rejects an unknown field with 400 `strict decoding error`.",
            "kube-apiserver behaviour §5.2 PUT and §4.3 write options (generic handlers); recorded create/field-validation-strict",
        )
    },
    replace_options
);
async fn replace_options(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    let created = create_scoped(&ctx, &name).await?;
    let mut changed = created.clone();
    changed["endpoints"] = json!([{"addresses": ["10.1.2.4"]}]);
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("dryRun", "All")
            .json(&changed),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let dry = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "endpoints[0].addresses of the dry run",
        &json!(["10.1.2.4"]),
        &dry["endpoints"][0]["addresses"],
    )?;
    let read = json_of(&ctx, &get(&ctx, &name).await?)?;
    expect_json_eq(&ctx, "the stored slice after a dry run", &created, &read)?;

    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("fieldManager", "kconform-replacer")
            .json(&changed),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let replaced = json_of(&ctx, &resp)?;
    let managers = managers_of(&replaced);
    ensure(
        &ctx,
        managers.contains(&("kconform-replacer", "Update")),
        "managedFields with manager kconform-replacer, operation Update",
        || format!("{managers:?}"),
    )?;

    let mut unknown = replaced.clone();
    unknown["foo"] = json!("bar");
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("fieldValidation", "Strict")
            .json(&unknown),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &status_failure(
            400,
            "BadRequest",
            "EndpointSlice in version \"v1\" cannot be handled as a EndpointSlice: strict decoding error: unknown field \"foo\"",
            None,
        ),
    )
}

pub(crate) const ES_PATCH_008: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        params: &["body", "fieldValidation", "fieldManager"],
        statuses: &[200],
        ..meta(
            "ES-PATCH-008",
            Must,
            "A merge patch MUST accept fieldValidation: Strict applies a patch without unknown fields (200), Warn applies one with an unknown field and answers the Warning `unknown field \"foo\"`, and fieldManager names the patch's manager.",
            "kube-apiserver behaviour §4.3 (fieldValidation on PATCH); recorded create/field-validation-warn",
        )
    },
    patch_field_validation
);
async fn patch_field_validation(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    create_scoped(&ctx, &name).await?;
    let patch = |body: &str, validation: &str| {
        Request::patch(ctx.object_path(&name))
            .query("fieldValidation", validation)
            .query("fieldManager", "kconform-patcher")
            .body_with_type("application/merge-patch+json", body.to_owned())
    };
    let resp = send(
        &ctx,
        patch(r#"{"metadata":{"labels":{"a":"1"}}}"#, "Strict"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_eq(
        &ctx,
        "Warning headers",
        Vec::<String>::new(),
        resp.warnings(),
    )?;
    let patched = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "labels.a",
        Some("1"),
        patched
            .pointer("/metadata/labels/a")
            .and_then(Value::as_str),
    )?;
    let patchers = patched["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["manager"] == "kconform-patcher" && m["operation"] == "Update")
        .count();
    expect_eq(
        &ctx,
        "managedFields entries of kconform-patcher",
        1,
        patchers,
    )?;
    let resp = send(
        &ctx,
        patch(r#"{"foo":"bar","metadata":{"labels":{"b":"2"}}}"#, "Warn"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_eq(
        &ctx,
        "Warning headers",
        vec!["unknown field \"foo\"".to_owned()],
        resp.warnings(),
    )?;
    let patched = json_of(&ctx, &resp)?;
    ensure(
        &ctx,
        patched.get("foo").is_none(),
        "the unknown field dropped",
        || compact(&patched),
    )
}

pub(crate) const ES_DELETE_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["gracePeriodSeconds", "propagationPolicy"],
        statuses: &[200],
        ..meta(
            "ES-DELETE-006",
            Must,
            "A DELETE with gracePeriodSeconds=0 or propagationPolicy=Background MUST delete the slice at once and answer 200 with a Success Status naming it.",
            "kube-apiserver behaviour §5.5 DELETE (DeleteOptions from the query)",
        )
    },
    delete_options
);
async fn delete_options(ctx: Ctx) -> Verdict {
    for (k, v) in [
        ("gracePeriodSeconds", "0"),
        ("propagationPolicy", "Background"),
    ] {
        let name = ctx.name("es");
        let created = create_scoped(&ctx, &name).await?;
        let resp = send(&ctx, Request::delete(ctx.object_path(&name)).query(k, v)).await?;
        expect_status(&ctx, &resp, 200)?;
        let status = json_of(&ctx, &resp)?;
        expect_json_eq(
            &ctx,
            &format!("the answer to DELETE with {k}={v}"),
            &json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {
                    "name": name,
                    "group": "discovery.k8s.io",
                    "kind": "endpointslices",
                    "uid": uid_of(&created),
                },
            }),
            &status,
        )?;
        let resp = get(&ctx, &name).await?;
        expect_status(&ctx, &resp, 404)?;
    }
    Ok(())
}

pub(crate) const ES_DELCOL_003: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &[
            "labelSelector",
            "fieldSelector",
            "gracePeriodSeconds",
            "propagationPolicy",
            "timeoutSeconds",
            "resourceVersion",
        ],
        statuses: &[200],
        ..meta(
            "ES-DELCOL-003",
            Must,
            "A DELETE of the collection MUST combine labelSelector and fieldSelector, accept gracePeriodSeconds, propagationPolicy, timeoutSeconds and resourceVersion=0, delete exactly the selected slices and answer 200 with them as an EndpointSliceList.",
            "kube-apiserver behaviour §5.6 deletecollection (ListOptions and DeleteOptions from the query)",
        )
    },
    delete_collection_options
);
async fn delete_collection_options(ctx: Ctx) -> Verdict {
    let keep = ctx.name("es");
    let gone = ctx.name("es");
    create_scoped(&ctx, &keep).await?;
    create_scoped(&ctx, &gone).await?;
    let resp = send(
        &ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("fieldSelector", format!("metadata.name={gone}"))
            .query("gracePeriodSeconds", "0")
            .query("propagationPolicy", "Background")
            .query("timeoutSeconds", "10")
            .query("resourceVersion", "0"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let l = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("EndpointSliceList"), l["kind"].as_str())?;
    expect_eq(&ctx, "deleted", vec![gone.clone()], item_names(&l))?;
    expect_status(&ctx, &get(&ctx, &gone).await?, 404)?;
    expect_status(&ctx, &get(&ctx, &keep).await?, 200)
}

pub(crate) const ES_CREATE_020: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body", "fieldManager", "dryRun"],
        statuses: &[201, 202],
        ..meta(
            "ES-CREATE-020",
            Must,
            "A POST with fieldManager MUST record that manager, operation Update, as the only managedFields entry of the new slice; every successful create MUST answer 201, with or without dryRun (the 202 the OpenAPI also lists is never used).",
            "kube-apiserver behaviour §4.3 fieldManager and §5.1 POST (handlers/create.go answers 201)",
        )
    },
    create_field_manager
);
async fn create_field_manager(ctx: Ctx) -> Verdict {
    let dry = ctx.name("es");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("dryRun", "All")
            .query("fieldManager", "kconform-creator")
            .json(&slice(&dry, &[])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    expect_status(&ctx, &get(&ctx, &dry).await?, 404)?;
    let name = ctx.name("es");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("fieldManager", "kconform-creator")
            .json(&slice(&name, &[])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = json_of(&ctx, &resp)?;
    let managers = managers_of(&created);
    expect_eq(
        &ctx,
        "managedFields (manager, operation)",
        vec![("kconform-creator", "Update")],
        managers,
    )
}

pub(crate) const ES_DELETE_007: Check = check!(
    CheckMeta {
        operations: &[op::DELETE, op::PATCH],
        params: &["orphanDependents", "body"],
        statuses: &[200, 202],
        ..meta(
            "ES-DELETE-007",
            Must,
            "A slice with a finalizer MUST stay after DELETE (200 with the object carrying deletionTimestamp and deletionGracePeriodSeconds 0); a repeated DELETE with orphanDependents=false MUST answer 202 with the same deletionTimestamp; removing the finalizer MUST delete it.",
            "kube-apiserver behaviour §5.5 (finalizers, 202); recorded delete/finalizer-hold",
        )
    },
    delete_held_by_finalizer
);
async fn delete_held_by_finalizer(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    let mut body = slice(&name, &[]);
    body["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let created = create(&ctx, &body).await?;
    let path = ctx.object_path(&name);
    let resp = send(&ctx, Request::delete(&path)).await?;
    expect_status(&ctx, &resp, 200)?;
    let first = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("EndpointSlice"), first["kind"].as_str())?;
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
    let resp = send(
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
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"finalizers": null}})).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_eq(
        &ctx,
        "uid",
        uid_of(&created),
        uid_of(&json_of(&ctx, &resp)?),
    )?;
    expect_status(&ctx, &get(&ctx, &name).await?, 404)
}

/// A valid slice with the check's scope label, for the kit's delete checks.
fn scoped_slice(ctx: &Ctx, name: &str) -> Value {
    let (k, v) = ctx.scope_label();
    slice(name, &[(k, &v)])
}

pub(crate) const ES_DELETE_008: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["ignoreStoreReadErrorWithClusterBreakingPotential"],
        statuses: &[200],
        since: Some(32),
        features: &[],
        ..meta(
            "ES-DELETE-008",
            Should,
            "ignoreStoreReadErrorWithClusterBreakingPotential=false MUST be accepted and change nothing for a readable slice (200 Success naming it).",
            "kube-apiserver behaviour §5.5 Validation (AllowUnsafeMalformedObjectDeletion); the generic handler of EP-DELETE-011",
        )
    },
    delete_ignore_store_read_error_false
);
async fn delete_ignore_store_read_error_false(ctx: Ctx) -> Verdict {
    delete_options::expect_delete_ignore_store_read_error_false(&ctx, scoped_slice).await
}

pub(crate) const ES_DELCOL_004: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &["labelSelector", "orphanDependents", "propagationPolicy"],
        statuses: &[400, 422],
        ..meta(
            "ES-DELCOL-004",
            Must,
            "A DELETE of the collection with a bad labelSelector MUST answer 400, with orphanDependents and propagationPolicy both set 422, and delete nothing.",
            "kube-apiserver behaviour §5.6; §3.1 (the generic handler of EP-DELCOL-004)",
        )
    },
    delete_collection_errors
);
async fn delete_collection_errors(ctx: Ctx) -> Verdict {
    delete_options::expect_delete_collection_errors(&ctx, scoped_slice).await
}

pub(crate) const ES_DELCOL_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION, op::LIST],
        params: &["limit", "continue"],
        statuses: &[200],
        ..meta(
            "ES-DELCOL-005",
            Should,
            "A DELETE of the collection with limit=N MUST process one page: N slices deleted, the answer carrying metadata.continue; continuing deletes the rest.",
            "kube-apiserver behaviour §5.6 (limit; the generic handler of EP-DELCOL-005)",
        )
    },
    delete_collection_limit
);
async fn delete_collection_limit(ctx: Ctx) -> Verdict {
    delete_options::expect_delete_collection_limit(&ctx, scoped_slice).await
}

pub(crate) const ES_DELCOL_006: Check = check!(
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
            "ES-DELCOL-006",
            Should,
            "A DELETE of the collection MUST accept resourceVersion=0 with resourceVersionMatch=NotOlderThan, timeoutSeconds, gracePeriodSeconds, an empty shardSelector, ignoreStoreReadErrorWithClusterBreakingPotential=false and a DeleteOptions body, and MUST reject sendInitialEvents (a list, not a watch) with 422.",
            "kube-apiserver behaviour §5.6 (ListOptions and DeleteOptions); §4.1 (the generic handler of EP-DELCOL-006)",
        )
    },
    delete_collection_list_options
);
async fn delete_collection_list_options(ctx: Ctx) -> Verdict {
    delete_options::expect_delete_collection_list_options(&ctx, scoped_slice).await
}

pub(crate) const ES_LIST_010: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["shardSelector"],
        statuses: &[200],
        features: &["shard-selector"],
        ..meta(
            "ES-LIST-010",
            May,
            "An empty shardSelector MAY be sent by clients on a namespace's list and MUST then select everything (the 1.36 OpenAPI declares the parameter).",
            "OpenAPI listDiscoveryV1NamespacedEndpointSlice (shardSelector); EP-LIST-023",
        )
    },
    list_empty_shard_selector
);
async fn list_empty_shard_selector(ctx: Ctx) -> Verdict {
    let name = ctx.name("es");
    create_scoped(&ctx, &name).await?;
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("shardSelector", ""),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let l = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("EndpointSliceList"), l["kind"].as_str())?;
    expect_eq(&ctx, "items", vec![name], item_names(&l))
}

/// The hand-written checks, in registry order.
pub(crate) const CHECKS: &[Check] = &[
    ES_CREATE_020,
    ES_REPLACE_006,
    ES_PATCH_008,
    ES_DELETE_006,
    ES_DELETE_007,
    ES_DELETE_008,
    ES_DELCOL_003,
    ES_DELCOL_004,
    ES_DELCOL_005,
    ES_DELCOL_006,
    ES_LIST_009,
    ES_LIST_010,
    ES_WATCH_013,
    ES_WATCH_014,
    ES_WATCH_015,
    ES_WATCH_016,
    ES_AUTH_004,
    ES_OPTS_001,
];
