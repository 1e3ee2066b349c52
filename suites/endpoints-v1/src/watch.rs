//! WATCH: event order and types, resourceVersions, selectors, starting points, bookmarks,
//! initial events, timeouts, the 410 ERROR event and the deprecated watch paths.

use std::time::Duration;

use kconform_harness::client::Request;
use kconform_harness::model::Level::{May, Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use kconform_harness::watch::{StreamEnd, WatchEvent, WatchItem, WatchLimits, WatchReader};
use serde_json::{Value, json};

use crate::list::{compaction_unsupported, continue_token, trigger_compaction};
use crate::support::*;

/// The WatchList feature gate is on by default in 1.32 and from 1.34 (off in 1.33 and before 1.32).
fn watch_list_on(ctx: &Ctx) -> bool {
    ctx.version.minor == 32 || ctx.version.at_least(34)
}

/// Every query parameter the deprecated `/api/v1/watch/...` paths declare; the checks of those paths
/// send them all, so they cover each cell of their operations.
const DEPRECATED_WATCH_PATH_PARAMS: &[&str] = &[
    "labelSelector",
    "resourceVersion",
    "timeoutSeconds",
    "allowWatchBookmarks",
    "limit",
    "pretty",
    "watch",
    "shardSelector",
    "fieldSelector",
    "sendInitialEvents",
    "resourceVersionMatch",
    "continue",
];

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            CheckMeta {
                operations: &[op::LIST, op::CREATE, op::REPLACE, op::PATCH, op::DELETE],
                params: &["watch", "resourceVersion", "timeoutSeconds"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-001",
                    Must,
                    "A watch from a resourceVersion MUST deliver ADDED, MODIFIED, MODIFIED, DELETED for a POST, PUT, PATCH and DELETE, in order, each with the full v1 object and the resourceVersion of its write; resourceVersions MUST strictly increase and DELETED MUST carry the deletion's own, newer resourceVersion.",
                    "kube-apiserver behaviour §6.2 Wire format; §6.3 Starting point",
                )
            },
            watch_lifecycle
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-002",
                    Must,
                    "A watch MUST answer 200 with Content-Type application/json and a stream of newline-delimited JSON events {type, object}, one per line.",
                    "kube-apiserver behaviour §6.2 Wire format",
                )
            },
            watch_wire_format
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST, op::CREATE, op::PATCH],
                params: &["watch", "resourceVersion"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-003",
                    Must,
                    "Under concurrent writers a watch MUST deliver every change exactly once, in strictly increasing resourceVersion order.",
                    "kube-apiserver behaviour §6.2; API concepts (resource versions)",
                )
            },
            watch_concurrent_writers
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST_ALL],
                params: &[
                    "watch",
                    "labelSelector",
                    "resourceVersion",
                    "timeoutSeconds"
                ],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-004",
                    Must,
                    "A watch on /api/v1/endpoints MUST deliver changes from every namespace.",
                    "kube-apiserver behaviour §6.1 Endpoints (paths)",
                )
            },
            watch_all_namespaces
        ),
        check!(
            CheckMeta {
                operations: &[op::WATCH_LIST],
                params: DEPRECATED_WATCH_PATH_PARAMS,
                statuses: &[200, 422],
                ..meta(
                    "EP-WATCH-005",
                    Must,
                    "The deprecated path /api/v1/watch/namespaces/{namespace}/endpoints MUST still be served and honour the watch options.",
                    "kube-apiserver behaviour §6.1 (deprecated since 1.11, still served in 1.36)",
                )
            },
            watch_deprecated_namespaced
        ),
        check!(
            CheckMeta {
                operations: &[op::WATCH_ALL],
                params: DEPRECATED_WATCH_PATH_PARAMS,
                statuses: &[200, 422],
                ..meta(
                    "EP-WATCH-006",
                    Must,
                    "The deprecated path /api/v1/watch/endpoints MUST still be served and honour the watch options.",
                    "kube-apiserver behaviour §6.1",
                )
            },
            watch_deprecated_all
        ),
        check!(
            CheckMeta {
                operations: &[op::WATCH],
                params: DEPRECATED_WATCH_PATH_PARAMS,
                statuses: &[200, 422],
                ..meta(
                    "EP-WATCH-007",
                    Must,
                    "The deprecated path /api/v1/watch/namespaces/{namespace}/endpoints/{name} MUST deliver the events of that one object only.",
                    "kube-apiserver behaviour §6.1 (forced fieldSelector metadata.name)",
                )
            },
            watch_deprecated_named
        ),
        check!(
            CheckMeta {
                operations: &[op::WATCH],
                params: &["fieldSelector"],
                statuses: &[400, 200],
                ..meta(
                    "EP-WATCH-008",
                    Must,
                    "The named watch path with a fieldSelector for another name MUST answer 400 `fieldSelector metadata.name doesn't match requested name`; the same name is accepted.",
                    "kube-apiserver behaviour §3.1 400 watch by name",
                )
            },
            watch_named_conflict
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "fieldSelector"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-009",
                    Must,
                    "A watch with fieldSelector metadata.name=X MUST deliver only X's events.",
                    "kube-apiserver behaviour §6.1 (watch by name through the list URL)",
                )
            },
            watch_field_selector_name
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "resourceVersion"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-010",
                    Must,
                    "A watch without resourceVersion, or with resourceVersion=0, MUST start with a synthetic ADDED for every existing object, then deliver changes.",
                    "kube-apiserver behaviour §6.3 Starting point",
                )
            },
            watch_initial_added
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "labelSelector"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-011",
                    Must,
                    "With a labelSelector, an object that stops matching MUST be delivered as DELETED and one that starts matching as ADDED; changes while matching are MODIFIED.",
                    "kube-apiserver behaviour §6.2 (selector transitions)",
                )
            },
            watch_selector_transitions
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "labelSelector", "fieldSelector"],
                statuses: &[400],
                ..meta(
                    "EP-WATCH-012",
                    Must,
                    "A watch with an invalid labelSelector or fieldSelector MUST answer 400 before any stream starts.",
                    "kube-apiserver behaviour §6.5",
                )
            },
            watch_invalid_selector
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "timeoutSeconds"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-013",
                    Must,
                    "timeoutSeconds=N MUST make the server end the watch stream after about N seconds.",
                    "kube-apiserver behaviour §6.5 Timeouts",
                )
            },
            watch_timeout_seconds
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST, op::WATCH_LIST, op::WATCH_ALL, op::WATCH],
                params: &["watch", "resourceVersion"],
                statuses: &[200, 410],
                features: &["compaction"],
                ..meta(
                    "EP-WATCH-014",
                    Must,
                    "A watch from a compacted resourceVersion, on every watch path, MUST answer 200 and then send exactly one ERROR event whose object is a Status 410 Expired `too old resource version: <requested> (<oldest>)`, and end the stream.",
                    "kube-apiserver behaviour §3.1 410 Expired (watch); §6.3",
                )
            },
            watch_too_old
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "resourceVersion", "timeoutSeconds"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-015",
                    Should,
                    "A watch from a resourceVersion far in the future SHOULD stay open without events until timeoutSeconds ends it.",
                    "kube-apiserver behaviour (recorded watch/future-resource-version)",
                )
            },
            watch_future_resource_version
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "allowWatchBookmarks", "timeoutSeconds"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-016",
                    Should,
                    "With allowWatchBookmarks=true a server that sends BOOKMARK events MUST send objects {kind: Endpoints, apiVersion: v1, metadata: {resourceVersion}} (plus creationTimestamp null up to 1.33) whose resourceVersion is not older than the events before; kube-apiserver sends one shortly before timeoutSeconds after a change.",
                    "kube-apiserver behaviour §6.4 Bookmarks; recorded disagreements §7",
                )
            },
            watch_bookmark_before_timeout
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &[
                    "watch",
                    "sendInitialEvents",
                    "resourceVersionMatch",
                    "allowWatchBookmarks"
                ],
                statuses: &[200, 422],
                ..meta(
                    "EP-WATCH-017",
                    Must,
                    "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true MUST deliver ADDED for every existing object and then one BOOKMARK annotated k8s.io/initial-events-end=true where the WatchList gate is on (1.32, 1.34+); elsewhere it MUST answer 422 naming the WatchList feature gate.",
                    "kube-apiserver behaviour §6.3 (WatchList); §11 Version matrix",
                )
            },
            watch_send_initial_events
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "allowWatchBookmarks", "resourceVersion"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-018",
                    Must,
                    "Where the WatchList gate is on (1.32, 1.34+), a plain watch with allowWatchBookmarks=true and resourceVersion unset or 0 MUST end its initial ADDED events with the initial-events-end BOOKMARK (server-side defaulting).",
                    "kube-apiserver behaviour §6.3 (WatchList defaulting)",
                )
            },
            watch_initial_events_end_by_default
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "sendInitialEvents", "resourceVersionMatch"],
                statuses: &[422, 200],
                ..meta(
                    "EP-WATCH-019",
                    Must,
                    "Watch options MUST be validated (422): sendInitialEvents without resourceVersionMatch=NotOlderThan, resourceVersionMatch without sendInitialEvents, resourceVersionMatch other than NotOlderThan; sendInitialEvents=false with NotOlderThan starts without initial events.",
                    "kube-apiserver behaviour §6.3 Validation for watch",
                )
            },
            watch_options_invalid
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST, op::CREATE, op::PATCH, op::DELETE, op::REPLACE],
                params: &["watch", "dryRun"],
                statuses: &[200, 201],
                ..meta(
                    "EP-WATCH-020",
                    Must,
                    "Dry-run POST, PATCH and DELETE and a no-op PUT MUST NOT produce watch events; the next real change is the first event.",
                    "kube-apiserver behaviour §5.7 (no watch events in dry-run); §1.5 no-op writes",
                )
            },
            watch_no_events_for_dry_run
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "limit", "continue"],
                statuses: &[200, 422],
                ..meta(
                    "EP-WATCH-021",
                    Should,
                    "limit MUST be ignored on a watch; continue on a watch is refused with 422 `resourceVersionMatch is forbidden when continue is provided` where the WatchList gate is on (1.32, 1.34+) and ignored elsewhere.",
                    "kube-apiserver behaviour §6.5 (limit/continue not meaningful); recorded disagreements §6",
                )
            },
            watch_limit_continue
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST, op::DELETE, op::PATCH],
                params: &["watch"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-022",
                    Must,
                    "Deleting an object held by a finalizer MUST be delivered as MODIFIED (deletionTimestamp set) and removing the last finalizer as DELETED.",
                    "kube-apiserver behaviour §5.5 (finalizer removal deletes; watchers see DELETED)",
                )
            },
            watch_finalizer_deletion
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["watch", "allowWatchBookmarks", "timeoutSeconds"],
                statuses: &[200],
                ..meta(
                    "EP-WATCH-023",
                    May,
                    "A quiet watch with allowWatchBookmarks MAY receive no BOOKMARK at all; any BOOKMARK it receives MUST carry only metadata.resourceVersion (no subsets).",
                    "kube-apiserver behaviour §6.4; recorded disagreements §8",
                )
            },
            watch_quiet_bookmarks
        ),
    ]
}

fn watch_req(path: &str) -> Request {
    Request::get(path).query("watch", "true")
}

/// A watch of the check's namespace limited to the check's own objects (they carry its scope
/// label), so that checks sharing a namespace do not see each other's events.
fn scoped_watch(ctx: &Ctx) -> Request {
    watch_req(&ctx.collection_path()).query("labelSelector", ctx.scope_selector())
}

/// [`endpoints`] carrying the check's scope label.
fn scoped(ctx: &Ctx, name: &str) -> Value {
    let (k, v) = ctx.scope_label();
    endpoints_labelled(name, &[(k, &v)])
}

/// Creates [`scoped`] `name`.
async fn create_scoped(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    create(ctx, &scoped(ctx, name)).await
}

/// Short timeoutSeconds and bounded reads keep the suite fast.
fn limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

async fn next_events(
    ctx: &Ctx,
    reader: &mut WatchReader,
    n: usize,
) -> Result<Vec<WatchEvent>, Outcome> {
    let (events, malformed, end) = reader.read_until(|e| e.len() >= n).await;
    if !malformed.is_empty() {
        return Err(watch_fail(
            ctx,
            reader,
            "every line a JSON watch event {type, object}",
            format!("malformed lines: {malformed:?}"),
        ));
    }
    if events.len() < n {
        return Err(watch_fail(
            ctx,
            reader,
            format!("{n} events"),
            format!(
                "{} events {} before {}",
                events.len(),
                describe_events(&events),
                end.map(|e| e.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(events)
}

fn kinds(events: &[WatchEvent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn check_increasing(ctx: &Ctx, reader: &WatchReader, events: &[WatchEvent]) -> Verdict {
    let mut last = 0u64;
    for e in events.iter().filter(|e| e.kind != "BOOKMARK") {
        let rv = e.resource_version().and_then(|r| r.parse::<u64>().ok());
        match rv {
            Some(rv) if rv > last => last = rv,
            _ => {
                return Err(watch_fail(
                    ctx,
                    reader,
                    "strictly increasing numeric resourceVersions",
                    format!("events {}", describe_events(events)),
                ));
            }
        }
    }
    Ok(())
}

async fn watch_lifecycle(ctx: Ctx) -> Verdict {
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    expect_status(&ctx, &start, 200)?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let mut next = created.clone();
    next["metadata"]["labels"] = json!({"v": "2", ctx.scope_label().0: ctx.scope_label().1});
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&next)).await?;
    expect_status(&ctx, &resp, 200)?;
    let replaced = json_of(&ctx, &resp)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"labels": {"v": "3"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let patched = json_of(&ctx, &resp)?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 4).await?;
    let want = vec!["ADDED", "MODIFIED", "MODIFIED", "DELETED"];
    if kinds(&events) != want {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("{want:?}"),
            describe_events(&events),
        ));
    }
    for (e, obj) in events.iter().zip([&created, &replaced, &patched]) {
        if &e.object != obj {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "{} object equal to the write's answer {}",
                    e.kind,
                    compact(obj)
                ),
                compact(&e.object),
            ));
        }
    }
    check_increasing(&ctx, &reader, &events)?;
    let deleted = &events[3].object;
    expect_eq(
        &ctx,
        "DELETED object kind",
        Some("Endpoints"),
        deleted["kind"].as_str(),
    )?;
    expect_json_eq(
        &ctx,
        "DELETED object label v (last state)",
        &json!("3"),
        &deleted["metadata"]["labels"]["v"],
    )
}

async fn watch_wire_format(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let resp = ctx
        .client
        .stream(
            watch_req(&ctx.collection_path())
                .query("fieldSelector", format!("metadata.name={name}"))
                .query("timeoutSeconds", "5"),
        )
        .await
        .map_err(|e| Outcome::error(kconform_harness::runner::error_chain(&e)))?;
    expect_eq(&ctx, "status", 200, resp.status)?;
    let ct = resp.header("content-type").map(str::to_owned);
    expect_eq(
        &ctx,
        "Content-Type",
        Some("application/json".to_owned()),
        ct,
    )?;
    let mut reader = WatchReader::from_response(resp, limits(6));
    let events = next_events(&ctx, &mut reader, 1).await?;
    expect_eq(&ctx, "first event type", "ADDED", events[0].kind.as_str())?;
    expect_json_eq(&ctx, "event object", &created, &events[0].object)
}

async fn watch_concurrent_writers(ctx: Ctx) -> Verdict {
    const WRITERS: usize = 4;
    const WRITES: usize = 8;
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "15"),
        limits(15),
    )
    .await?;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let name = ctx.name(&format!("w{w}"));
            create_scoped(&ctx, &name).await?;
            for i in 0..WRITES {
                let resp = merge_patch(
                    &ctx,
                    &name,
                    &json!({"metadata": {"labels": {"i": i.to_string()}}}),
                )
                .await?;
                expect_status(&ctx, &resp, 200)?;
            }
            Ok::<String, Outcome>(name)
        }));
    }
    let mut names = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(n)) => names.push(n),
            Ok(Err(o)) => return Err(o),
            Err(e) => return Err(Outcome::error(format!("writer task failed: {e}"))),
        }
    }
    let total = WRITERS * (WRITES + 1);
    let events = next_events(&ctx, &mut reader, total).await?;
    check_increasing(&ctx, &reader, &events)?;
    for name in &names {
        let mine: Vec<&WatchEvent> = events
            .iter()
            .filter(|e| e.name() == Some(name.as_str()))
            .collect();
        let labels: Vec<Option<&str>> = mine
            .iter()
            .map(|e| {
                e.object
                    .pointer("/metadata/labels/i")
                    .and_then(Value::as_str)
            })
            .collect();
        let mut want = vec![None];
        let idx: Vec<String> = (0..WRITES).map(|i| i.to_string()).collect();
        want.extend(idx.iter().map(|s| Some(s.as_str())));
        if labels != want {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "{name}: ADDED then {WRITES} MODIFIED with labels i=0..{}",
                    WRITES - 1
                ),
                format!("labels seen {labels:?}"),
            ));
        }
    }
    Ok(())
}

async fn watch_all_namespaces(ctx: Ctx) -> Verdict {
    let other = ctx.extra_namespace().await.map_err(Outcome::error)?;
    let (k, v) = ctx.scope_label();
    let first = ctx.name("ep");
    let created = create(&ctx, &endpoints_labelled(&first, &[(k, &v)])).await?;
    let mut reader = open_watch(
        &ctx,
        watch_req("/api/v1/endpoints")
            .query("labelSelector", ctx.scope_selector())
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let second = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(format!("/api/v1/namespaces/{other}/endpoints"))
            .json(&endpoints_labelled(&second, &[(k, &v)])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let resp = send(
        &ctx,
        Request::delete(format!("/api/v1/namespaces/{other}/endpoints/{second}")),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let got: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                e.object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    expect_eq(
        &ctx,
        "events (type, namespace)",
        vec![
            ("ADDED".to_owned(), other.clone()),
            ("DELETED".to_owned(), other),
        ],
        got,
    )
}

/// Exercises the watch options on one watch path; `named` is the object name for the named path.
async fn exercise_watch_path(ctx: &Ctx, path: &str, named: Option<&str>) -> Verdict {
    let (k, v) = ctx.scope_label();
    let name = named.map(str::to_owned).unwrap_or_else(|| ctx.name("ep"));
    let created = create(ctx, &endpoints_labelled(&name, &[(k, &v)])).await?;
    let field = format!("metadata.name={name}");
    let mut reader = open_watch(
        ctx,
        Request::get(path)
            .query("watch", "true")
            .query("labelSelector", ctx.scope_selector())
            .query("fieldSelector", &field)
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
        &name,
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
    let changes: Vec<WatchEvent> = d
        .events
        .iter()
        .filter(|e| e.kind != "BOOKMARK")
        .cloned()
        .collect();
    if kinds(&changes) != ["MODIFIED"] || changes[0].name() != Some(name.as_str()) {
        return Err(watch_fail(
            ctx,
            &reader,
            format!("one MODIFIED for {name}"),
            describe_events(&d.events),
        ));
    }
    if d.end != StreamEnd::Server {
        return Err(watch_fail(
            ctx,
            &reader,
            "the server ends the stream at timeoutSeconds=2",
            d.end.to_string(),
        ));
    }
    let initial = Request::get(path)
        .query("labelSelector", ctx.scope_selector())
        .query("sendInitialEvents", "true")
        .query("resourceVersionMatch", "NotOlderThan")
        .query("allowWatchBookmarks", "true")
        .query("timeoutSeconds", "2");
    if watch_list_on(ctx) {
        let mut reader = open_watch(ctx, initial, limits(6)).await?;
        let events = next_events(ctx, &mut reader, 2).await?;
        if events[0].kind != "ADDED"
            || events[0].name() != Some(name.as_str())
            || !is_initial_events_end(&events[1])
        {
            return Err(watch_fail(
                ctx,
                &reader,
                "ADDED then the initial-events-end BOOKMARK",
                describe_events(&events),
            ));
        }
    } else {
        let resp = send(ctx, initial).await?;
        expect_status(ctx, &resp, 422)?;
    }
    let token = continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": "a\u{0}"}));
    let with_continue = Request::get(path)
        .query("continue", token)
        .query("timeoutSeconds", "1");
    if watch_list_on(ctx) {
        let resp = send(ctx, with_continue).await?;
        expect_body(
            ctx,
            &resp,
            422,
            &invalid_options(
                "ListOptions",
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided",
            ),
        )
    } else {
        let mut reader = open_watch(ctx, with_continue, limits(5)).await?;
        reader.drain().await;
        Ok(())
    }
}

fn is_initial_events_end(e: &WatchEvent) -> bool {
    e.kind == "BOOKMARK"
        && e.object
            .pointer("/metadata/annotations/k8s.io~1initial-events-end")
            .and_then(Value::as_str)
            == Some("true")
}

async fn watch_deprecated_namespaced(ctx: Ctx) -> Verdict {
    exercise_watch_path(
        &ctx,
        &format!("/api/v1/watch/namespaces/{}/endpoints", ctx.namespace),
        None,
    )
    .await
}

async fn watch_deprecated_all(ctx: Ctx) -> Verdict {
    exercise_watch_path(&ctx, "/api/v1/watch/endpoints", None).await
}

async fn watch_deprecated_named(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let other = ctx.name("ep");
    create_scoped(&ctx, &other).await?;
    let path = format!(
        "/api/v1/watch/namespaces/{}/endpoints/{name}",
        ctx.namespace
    );
    // An unrelated object changing must not show up on the named path.
    let resp = merge_patch(&ctx, &other, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    exercise_watch_path(&ctx, &path, Some(&name)).await
}

async fn watch_named_conflict(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let other = ctx.name("ep");
    create_scoped(&ctx, &name).await?;
    let path = format!(
        "/api/v1/watch/namespaces/{}/endpoints/{name}",
        ctx.namespace
    );
    let resp = send(
        &ctx,
        Request::get(&path)
            .query("fieldSelector", format!("metadata.name={other}"))
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("fieldSelector metadata.name doesn't match requested name"),
    )?;
    let mut reader = open_watch(
        &ctx,
        Request::get(&path)
            .query("fieldSelector", format!("metadata.name={name}"))
            .query("timeoutSeconds", "2"),
        limits(5),
    )
    .await?;
    let events = next_events(&ctx, &mut reader, 1).await?;
    if events[0].kind != "ADDED" || events[0].name() != Some(name.as_str()) {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("ADDED {name}"),
            describe_events(&events),
        ));
    }
    Ok(())
}

async fn watch_field_selector_name(ctx: Ctx) -> Verdict {
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create_scoped(&ctx, &a).await?;
    let created_b = create_scoped(&ctx, &b).await?;
    let mut reader = open_watch(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("fieldSelector", format!("metadata.name={a}"))
            .query("resourceVersion", rv_of(&created_b))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = merge_patch(&ctx, &b, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &a, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&a))).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let got: Vec<(&str, Option<&str>)> =
        events.iter().map(|e| (e.kind.as_str(), e.name())).collect();
    if got
        != [
            ("MODIFIED", Some(a.as_str())),
            ("DELETED", Some(a.as_str())),
        ]
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("MODIFIED {a}, DELETED {a}"),
            describe_events(&events),
        ));
    }
    Ok(())
}

async fn watch_initial_added(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    create(&ctx, &endpoints_labelled(&b, &[(k, &v)])).await?;
    for rv in [None, Some("0")] {
        let mut req = watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("timeoutSeconds", "10");
        if let Some(rv) = rv {
            req = req.query("resourceVersion", rv);
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 2).await?;
        let mut names: Vec<&str> = events.iter().filter_map(|e| e.name()).collect();
        names.sort();
        let mut want = vec![a.as_str(), b.as_str()];
        want.sort();
        if kinds(&events) != ["ADDED", "ADDED"] || names != want {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("ADDED for {want:?} (any order)"),
                describe_events(&events),
            ));
        }
        let resp = merge_patch(
            &ctx,
            &a,
            &json!({"metadata": {"annotations": {"rv": rv.unwrap_or("unset")}}}),
        )
        .await?;
        expect_status(&ctx, &resp, 200)?;
        let more = next_events(&ctx, &mut reader, 1).await?;
        if more[0].kind != "MODIFIED" || more[0].name() != Some(a.as_str()) {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("MODIFIED {a} after the initial events"),
                describe_events(&more),
            ));
        }
    }
    Ok(())
}

async fn watch_selector_transitions(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let app = format!("a-{v}");
    let (e1, e2) = (ctx.name("ep"), ctx.name("ep"));
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("labelSelector", format!("app={app}"))
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    create(&ctx, &endpoints_labelled(&e1, &[("app", &app), (k, &v)])).await?;
    create(&ctx, &endpoints_labelled(&e2, &[("app", "other"), (k, &v)])).await?;
    for (name, label) in [(&e1, "other"), (&e2, app.as_str())] {
        let resp =
            merge_patch(&ctx, name, &json!({"metadata": {"labels": {"app": label}}})).await?;
        expect_status(&ctx, &resp, 200)?;
    }
    let resp = merge_patch(
        &ctx,
        &e2,
        &json!({"subsets": [{"addresses": [{"ip": "10.9.9.9"}]}]}),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 4).await?;
    let got: Vec<(&str, Option<&str>)> =
        events.iter().map(|e| (e.kind.as_str(), e.name())).collect();
    let want = [
        ("ADDED", Some(e1.as_str())),
        ("DELETED", Some(e1.as_str())),
        ("ADDED", Some(e2.as_str())),
        ("MODIFIED", Some(e2.as_str())),
    ];
    if got != want {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("{want:?}"),
            describe_events(&events),
        ));
    }
    check_increasing(&ctx, &reader, &events)
}

async fn watch_invalid_selector(ctx: Ctx) -> Verdict {
    let resp = send(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("labelSelector", "a b")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
        ),
    )?;
    let resp = send(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("fieldSelector", "spec.foo=x")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
    )
}

async fn watch_timeout_seconds(ctx: Ctx) -> Verdict {
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "1"),
        limits(4),
    )
    .await?;
    let d = reader.drain().await;
    let took = reader.elapsed();
    if d.end != StreamEnd::Server
        || took < Duration::from_millis(500)
        || took > Duration::from_secs(4)
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the server ends the stream about 1 s after it started",
            format!("{} after {took:?}", d.end),
        ));
    }
    Ok(())
}

async fn watch_too_old(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_scoped(&ctx, &name).await?;
    let paths = [
        ctx.collection_path(),
        format!("/api/v1/watch/namespaces/{}/endpoints", ctx.namespace),
        "/api/v1/watch/endpoints".to_owned(),
        format!(
            "/api/v1/watch/namespaces/{}/endpoints/{name}",
            ctx.namespace
        ),
    ];
    for (i, path) in paths.iter().enumerate() {
        let req = || {
            Request::get(path.as_str())
                .query("watch", "true")
                .query("resourceVersion", "1")
                .query("timeoutSeconds", "5")
        };
        let mut reader = open_watch(&ctx, req(), limits(6)).await?;
        let mut first = reader.next_within(Duration::from_secs(2)).await;
        let is_error = |item: &WatchItem| matches!(item, WatchItem::Event(e) if e.kind == "ERROR");
        if !is_error(&first) && i == 0 {
            // History from rv 1 is still there: compact (reference server) or give up.
            drop(reader);
            if !trigger_compaction(&ctx).await? {
                return Err(compaction_unsupported());
            }
            reader = open_watch(&ctx, req(), limits(6)).await?;
            first = reader.next_within(Duration::from_secs(3)).await;
        }
        let WatchItem::Event(event) = first else {
            return Err(watch_fail(
                &ctx,
                &reader,
                "an ERROR event",
                format!("{first:?}"),
            ));
        };
        if event.kind != "ERROR" {
            return Err(watch_fail(
                &ctx,
                &reader,
                "an ERROR event first",
                describe_events(&[event]),
            ));
        }
        let o = &event.object;
        let msg = o["message"].as_str().unwrap_or_default();
        let oldest = msg
            .strip_prefix("too old resource version: 1 (")
            .and_then(|r| r.strip_suffix(')'));
        let mut want = status_failure(410, "Expired", msg, None);
        if oldest.is_none_or(|n| n.parse::<u64>().is_err()) {
            want["message"] = Value::from("too old resource version: 1 (<oldest>)");
        }
        if *o != want {
            return Err(watch_fail(&ctx, &reader, compact(&want), compact(o)));
        }
        let rest = reader.drain().await;
        if !rest.events.is_empty() || rest.end != StreamEnd::Server {
            return Err(watch_fail(
                &ctx,
                &reader,
                "the server ends the stream after the ERROR event",
                format!("then {} and {}", describe_events(&rest.events), rest.end),
            ));
        }
    }
    Ok(())
}

async fn watch_future_resource_version(ctx: Ctx) -> Verdict {
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", "999999999")
            .query("timeoutSeconds", "1"),
        limits(6),
    )
    .await?;
    let d = reader.drain().await;
    if !d.events.is_empty() || d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "no events, then the server ends the stream",
            format!("{} then {}", describe_events(&d.events), d.end),
        ));
    }
    Ok(())
}

fn bookmark_shape_ok(ctx: &Ctx, e: &WatchEvent) -> bool {
    let rv = e.resource_version().unwrap_or_default();
    let mut want =
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": rv}});
    if !ctx.version.at_least(34) {
        want["metadata"]["creationTimestamp"] = Value::Null;
    }
    let mut got = e.object.clone();
    if let Some(a) = got.pointer_mut("/metadata").and_then(Value::as_object_mut) {
        // The initial-events-end annotation is checked elsewhere.
        if a.get("annotations") == Some(&json!({"k8s.io/initial-events-end": "true"})) {
            a.remove("annotations");
        }
    }
    got == want && rv.parse::<u64>().is_ok()
}

async fn watch_bookmark_before_timeout(ctx: Ctx) -> Verdict {
    let start = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&start))
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "3"),
        limits(7),
    )
    .await?;
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let d = reader.drain().await;
    let kinds_seen = kinds(&d.events);
    if kinds_seen.first() != Some(&"ADDED") || d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "ADDED, then the server ends the stream at timeoutSeconds",
            format!("{} then {}", describe_events(&d.events), d.end),
        ));
    }
    let bookmarks: Vec<&WatchEvent> = d.events.iter().filter(|e| e.kind == "BOOKMARK").collect();
    if bookmarks.is_empty() {
        return Err(watch_fail(
            &ctx,
            &reader,
            "a BOOKMARK before the server ends the stream (kube-apiserver sends one about 2 s before the deadline after a change)",
            describe_events(&d.events),
        ));
    }
    let added = rv_number(&ctx, &rv_of(&created))?;
    for b in bookmarks {
        let rv = b
            .resource_version()
            .and_then(|r| r.parse::<u64>().ok())
            .unwrap_or(0);
        if !bookmark_shape_ok(&ctx, b) || rv < added {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "BOOKMARK {{kind: Endpoints, apiVersion: v1, metadata: {{resourceVersion >= {added}}}}}"
                ),
                compact(&b.object),
            ));
        }
    }
    Ok(())
}

async fn watch_send_initial_events(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    let last = create(&ctx, &endpoints_labelled(&b, &[(k, &v)])).await?;
    let base = || {
        watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "10")
    };
    if !watch_list_on(&ctx) {
        let resp = send(&ctx, base()).await?;
        return expect_body(
            &ctx,
            &resp,
            422,
            &invalid_options_many(
                "ListOptions",
                &[(
                    "sendInitialEvents",
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                )],
            ),
        );
    }
    let last_rv = rv_number(&ctx, &rv_of(&last))?;
    for rv in [None, Some("0".to_owned()), Some(last_rv.to_string())] {
        let mut req = base();
        if let Some(rv) = &rv {
            req = req.query("resourceVersion", rv.clone());
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 3).await?;
        let mut names: Vec<&str> = events[..2].iter().filter_map(|e| e.name()).collect();
        names.sort();
        let mut want = vec![a.as_str(), b.as_str()];
        want.sort();
        let bm = &events[2];
        let bm_rv = bm
            .resource_version()
            .and_then(|r| r.parse::<u64>().ok())
            .unwrap_or(0);
        if kinds(&events[..2]) != ["ADDED", "ADDED"]
            || names != want
            || !is_initial_events_end(bm)
            || bm_rv < last_rv
        {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "ADDED for {want:?}, then a BOOKMARK annotated k8s.io/initial-events-end=true at resourceVersion >= {last_rv}"
                ),
                describe_events(&events),
            ));
        }
        if !bookmark_shape_ok(&ctx, bm) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "bookmark object with only kind, apiVersion and metadata",
                compact(&bm.object),
            ));
        }
    }
    Ok(())
}

async fn watch_initial_events_end_by_default(ctx: Ctx) -> Verdict {
    if !watch_list_on(&ctx) {
        return Err(Outcome::skip(format!(
            "the WatchList gate is off by default in Kubernetes {}",
            ctx.version
        )));
    }
    let (k, v) = ctx.scope_label();
    let a = ctx.name("ep");
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    for rv in [None, Some("0")] {
        let mut req = watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "10");
        if let Some(rv) = rv {
            req = req.query("resourceVersion", rv);
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 2).await?;
        if events[0].kind != "ADDED" || !is_initial_events_end(&events[1]) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "ADDED then the initial-events-end BOOKMARK",
                describe_events(&events),
            ));
        }
    }
    Ok(())
}

async fn watch_options_invalid(ctx: Ctx) -> Verdict {
    let path = ctx.collection_path();
    let requires = (
        "resourceVersionMatch",
        "FieldValueForbidden",
        "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
    );
    let gate = (
        "sendInitialEvents",
        "FieldValueForbidden",
        "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
    );
    let on = watch_list_on(&ctx);
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("sendInitialEvents", "true")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    let causes: Vec<(&str, &str, &str)> = if on {
        vec![requires]
    } else {
        vec![requires, gate]
    };
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many("ListOptions", &causes),
    )?;
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("resourceVersionMatch", "NotOlderThan")
            .query("resourceVersion", "0")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many(
            "ListOptions",
            &[(
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )],
        ),
    )?;
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "Exact")
            .query("resourceVersion", "0")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    let exact = (
        "resourceVersionMatch",
        "FieldValueNotSupported",
        "Unsupported value: \"Exact\": supported values: \"NotOlderThan\"",
    );
    let causes: Vec<(&str, &str, &str)> = if on {
        vec![requires, exact]
    } else {
        vec![requires, gate, exact]
    };
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many("ListOptions", &causes),
    )?;
    let quiet = watch_req(&path)
        .query("labelSelector", ctx.scope_selector())
        .query("sendInitialEvents", "false")
        .query("resourceVersionMatch", "NotOlderThan")
        .query("timeoutSeconds", "1");
    if on {
        create_scoped(&ctx, &ctx.name("ep")).await?;
        let mut reader = open_watch(&ctx, quiet, limits(5)).await?;
        let d = reader.drain().await;
        if !d.events.is_empty() {
            return Err(watch_fail(
                &ctx,
                &reader,
                "no initial events with sendInitialEvents=false",
                describe_events(&d.events),
            ));
        }
    } else {
        let resp = send(&ctx, quiet).await?;
        expect_body(
            &ctx,
            &resp,
            422,
            &invalid_options_many("ListOptions", &[gate]),
        )?;
    }
    Ok(())
}

async fn watch_no_events_for_dry_run(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("dryRun", "All")
            .json(&scoped(&ctx, &ctx.name("ep"))),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let resp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("dryRun", "All")
            .body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"x":"1"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(
        &ctx,
        Request::delete(ctx.object_path(&name)).query("dryRun", "All"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&created)).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"labels": {"x": "2"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 1).await?;
    if events[0].kind != "MODIFIED"
        || events[0]
            .object
            .pointer("/metadata/labels/x")
            .and_then(Value::as_str)
            != Some("2")
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the first event is the real PATCH (MODIFIED, label x=2)",
            describe_events(&events),
        ));
    }
    Ok(())
}

async fn watch_limit_continue(ctx: Ctx) -> Verdict {
    let first = create_scoped(&ctx, &ctx.name("ep")).await?;
    let second = ctx.name("ep");
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("limit", "1")
            .query("resourceVersion", rv_of(&first))
            .query("timeoutSeconds", "2"),
        limits(6),
    )
    .await?;
    create_scoped(&ctx, &second).await?;
    let third = ctx.name("ep");
    create_scoped(&ctx, &third).await?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let names: Vec<Option<&str>> = events.iter().map(|e| e.name()).collect();
    if names != [Some(second.as_str()), Some(third.as_str())] {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("ADDED {second}, ADDED {third} (limit ignored)"),
            describe_events(&events),
        ));
    }
    let token = continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": "a\u{0}"}));
    let req = watch_req(&ctx.collection_path())
        .query("continue", token)
        .query("timeoutSeconds", "1");
    if watch_list_on(&ctx) {
        let resp = send(&ctx, req).await?;
        expect_body(
            &ctx,
            &resp,
            422,
            &invalid_options(
                "ListOptions",
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided",
            ),
        )
    } else {
        let mut reader = open_watch(&ctx, req, limits(5)).await?;
        reader.drain().await;
        Ok(())
    }
}

async fn watch_finalizer_deletion(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut body = scoped(&ctx, &name);
    body["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let created = create(&ctx, &body).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"finalizers": null}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let ok = kinds(&events) == ["MODIFIED", "DELETED"]
        && events[0]
            .object
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(Value::is_string);
    if !ok {
        return Err(watch_fail(
            &ctx,
            &reader,
            "MODIFIED with deletionTimestamp, then DELETED",
            describe_events(&events),
        ));
    }
    check_increasing(&ctx, &reader, &events)
}

async fn watch_quiet_bookmarks(ctx: Ctx) -> Verdict {
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "1"),
        limits(6),
    )
    .await?;
    let d = reader.drain().await;
    for e in &d.events {
        if e.kind != "BOOKMARK" || !bookmark_shape_ok(&ctx, e) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "nothing, or well-formed BOOKMARKs only",
                describe_events(&d.events),
            ));
        }
    }
    if d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the server ends the stream at timeoutSeconds",
            d.end.to_string(),
        ));
    }
    Ok(())
}
