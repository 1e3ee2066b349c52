//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), as every Kubernetes component
//! speaks it to kube-apiserver: answers to get, list, create, replace, delete and deletecollection,
//! protobuf request bodies, errors in protobuf, the 415 for protobuf patches, content negotiation
//! and the length-prefixed watch frames (events, bookmarks and the in-stream 410).
//!
//! A protobuf answer is held against the same server's JSON answer to the same request: the
//! decoded object must be that JSON object, and its bytes must be what Go's marshalling writes for
//! it. Recorded from kube-apiserver v1.28.7 and v1.36.2 (`transcripts/protobuf/`).

use std::time::Duration;

use kconform_harness::client::{Auth, PROTOBUF, Request, Response};
use kconform_harness::model::Level::Must;
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use kconform_harness::watch::{
    Framing, StreamEnd, WatchEvent, WatchItem, WatchLimits, WatchReader,
};
use serde_json::{Value, json};

use crate::support::*;

/// The media type of a protobuf watch stream.
const PROTOBUF_STREAM: &str = "application/vnd.kubernetes.protobuf;stream=watch";

/// What client-go sends when configured for protobuf (the usual way for Kubernetes components).
const CLIENT_GO_ACCEPT: &str = "application/vnd.kubernetes.protobuf,application/json";

/// `req` asking for protobuf.
fn pb(req: Request) -> Request {
    req.header("Accept", PROTOBUF)
}

/// `req` with a protobuf body encoded from `object` as Go writes it.
fn with_pb_body(req: Request, object: &Value) -> Result<Request, Outcome> {
    req.protobuf(object)
        .map_err(|e| Outcome::error(format!("cannot encode the request body: {e}")))
}

/// Fails unless the answer's Content-Type is `want` (parameters included).
fn expect_content_type(ctx: &Ctx, resp: &Response, want: &str) -> Verdict {
    expect_eq(ctx, "Content-Type", Some(want), resp.header("content-type"))
}

/// The decoded protobuf body of an answer that must be protobuf.
fn pb_of(ctx: &Ctx, resp: &Response) -> Result<Value, Outcome> {
    expect_content_type(ctx, resp, PROTOBUF)?;
    resp.protobuf().map_err(|e| {
        fail(
            ctx,
            "a Kubernetes protobuf body (k8s\\0, then a runtime.Unknown)",
            e.to_string(),
        )
    })
}

/// Fails unless the status is `code` and the protobuf body decodes to `want`.
fn expect_pb_body(ctx: &Ctx, resp: &Response, code: u16, want: &Value) -> Verdict {
    expect_status(ctx, resp, code)?;
    let got = pb_of(ctx, resp)?;
    expect_json_eq(ctx, "decoded protobuf body", want, &got)
}

/// Fails unless the body is byte for byte what Go's marshalling writes for `object` (every
/// non-pointer field written, even when empty; maps sorted by key).
fn expect_go_bytes(ctx: &Ctx, resp: &Response, object: &Value) -> Verdict {
    let want = kconform_spec::protobuf::encode(object)
        .map_err(|e| Outcome::error(format!("cannot encode the JSON answer: {e}")))?;
    ensure(
        ctx,
        resp.body.as_ref() == want.as_slice(),
        format!(
            "the {} bytes Go's marshalling writes for the object (every non-pointer field, even empty)",
            want.len()
        ),
        || {
            let at = resp
                .body
                .iter()
                .zip(&want)
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| resp.body.len().min(want.len()));
            let from = at.saturating_sub(8);
            let around = |bytes: &[u8]| {
                kconform_harness::client::hex_snippet(&bytes[from.min(bytes.len())..], 24)
            };
            format!(
                "{} other bytes, the first difference at byte {at}: {} where Go writes {}",
                resp.body.len(),
                around(&resp.body),
                around(&want)
            )
        },
    )
}

/// Sends `req` with Accept JSON and with Accept protobuf (in that order, the same request twice)
/// and requires the protobuf answer to carry the JSON answer's status, warnings and object.
async fn expect_pb_like_json(ctx: &Ctx, req: Request) -> Result<Value, Outcome> {
    let json_resp = send(ctx, req.clone().header("Accept", "application/json")).await?;
    let want = json_of(ctx, &json_resp)?;
    let resp = send(ctx, pb(req)).await?;
    expect_pb_body(ctx, &resp, json_resp.status, &want)?;
    expect_eq(
        ctx,
        "Warning headers",
        json_resp.warnings(),
        resp.warnings(),
    )?;
    Ok(want)
}

pub(crate) const EP_PROTO_001: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        statuses: &[200],
        ..meta(
            "EP-PROTO-001",
            Must,
            "A GET with `Accept: application/vnd.kubernetes.protobuf` MUST answer 200 with Content-Type application/vnd.kubernetes.protobuf and the object in the `k8s\\0` envelope, byte for byte as Go marshals the object the JSON GET answers (empty non-pointer fields written).",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (get-object)",
        )
    },
    protobuf_get
);

async fn protobuf_get(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let stored = json_of(&ctx, &get(&ctx, &name).await?)?;
    let resp = send(&ctx, pb(Request::get(ctx.object_path(&name)))).await?;
    expect_pb_body(&ctx, &resp, 200, &stored)?;
    expect_go_bytes(&ctx, &resp, &stored)?;
    expect_warnings(&ctx, &resp, &[])
}

pub(crate) const EP_PROTO_002: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::LIST_ALL],
        params: &["limit", "continue", "labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-002",
            Must,
            "A LIST in protobuf MUST answer an EndpointsList envelope holding the items the JSON list holds; with limit its ListMeta MUST carry the continue token (remainingItemCount only without selectors), and the token MUST give the next page, in protobuf too.",
            "apimachinery meta/v1 ListMeta; recorded in transcripts/protobuf (list)",
        )
    },
    protobuf_list
);

async fn protobuf_list(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let mut names = Vec::new();
    for _ in 0..3 {
        let name = ctx.name("ep");
        create(&ctx, &endpoints_labelled(&name, &[(k, &v)])).await?;
        names.push(name);
    }
    let page = |cont: Option<String>| {
        let mut req = pb(Request::get(ctx.collection_path()))
            .query("labelSelector", ctx.scope_selector())
            .query("limit", "2");
        if let Some(c) = cont {
            req = req.query("continue", c);
        }
        req
    };
    let resp = send(&ctx, page(None)).await?;
    expect_status(&ctx, &resp, 200)?;
    let first = pb_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "kind and apiVersion",
        (Some("EndpointsList"), Some("v1")),
        (first["kind"].as_str(), first["apiVersion"].as_str()),
    )?;
    let token = continue_of(&first);
    // With a selector the number of remaining items is unknown: no remainingItemCount.
    ensure(
        &ctx,
        !token.is_empty() && first.pointer("/metadata/remainingItemCount").is_none(),
        "ListMeta with a continue token after 2 of 3 items (and no remainingItemCount: the list has a selector)",
        || format!("metadata {}", compact(&first["metadata"])),
    )?;
    let resp = send(&ctx, page(Some(token))).await?;
    expect_status(&ctx, &resp, 200)?;
    let second = pb_of(&ctx, &resp)?;
    let mut seen = item_names(&first);
    seen.extend(item_names(&second));
    expect_eq(
        &ctx,
        "item names over both pages",
        sorted(names.clone()),
        seen,
    )?;
    ensure(
        &ctx,
        continue_of(&second).is_empty(),
        "no continue token on the last page",
        || format!("metadata {}", compact(&second["metadata"])),
    )?;
    // The all-namespaces list in protobuf holds the items of the same list in JSON (its
    // resourceVersion moves with every write elsewhere).
    let all = Request::get("/api/v1/endpoints").query("labelSelector", ctx.scope_selector());
    let want = json_of(&ctx, &send(&ctx, all.clone()).await?)?;
    let resp = send(&ctx, pb(all)).await?;
    expect_status(&ctx, &resp, 200)?;
    let got = pb_of(&ctx, &resp)?;
    expect_json_eq(&ctx, "items", &want["items"], &got["items"])
}

pub(crate) const EP_PROTO_003: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[201],
        ..meta(
            "EP-PROTO-003",
            Must,
            "A POST with a protobuf body (Content-Type application/vnd.kubernetes.protobuf), written by Go's rules or with only the set fields, MUST create the object (201), answering in protobuf or JSON as Accept asks.",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (create-protobuf-body)",
        )
    },
    protobuf_create
);

async fn protobuf_create(ctx: Ctx) -> Verdict {
    let go_style = endpoints(&ctx.name("ep"));
    let resp = send(
        &ctx,
        pb(with_pb_body(
            Request::post(ctx.collection_path()),
            &go_style,
        )?),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = pb_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "the created object without server fields",
        &without_server_fields(&go_style),
        &without_server_fields(&created),
    )?;
    expect_warnings(&ctx, &resp, &[])?;
    // A minimal body (only the set fields, as a hand-written client sends) and a JSON answer.
    let minimal = endpoints(&ctx.name("ep"));
    let bytes = kconform_spec::protobuf::encode_minimal(&minimal)
        .map_err(|e| Outcome::error(format!("cannot encode the request body: {e}")))?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).body_with_type(PROTOBUF, bytes),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "the created object without server fields",
        &without_server_fields(&minimal),
        &without_server_fields(&created),
    )
}

pub(crate) const EP_PROTO_004: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[200, 409],
        ..meta(
            "EP-PROTO-004",
            Must,
            "A PUT with a protobuf body MUST replace the object (200, the new object in protobuf), and a stale resourceVersion in it MUST answer the 409 Conflict, in protobuf.",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (replace-protobuf-body)",
        )
    },
    protobuf_replace
);

async fn protobuf_replace(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = send(&ctx, pb(Request::get(ctx.object_path(&name)))).await?;
    expect_status(&ctx, &resp, 200)?;
    let mut object = pb_of(&ctx, &resp)?;
    let stale = object.clone();
    object["metadata"]["labels"] = json!({"replaced": "in-protobuf"});
    let resp = send(
        &ctx,
        pb(with_pb_body(Request::put(ctx.object_path(&name)), &object)?),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let replaced = pb_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "labels after the replace",
        &json!({"replaced": "in-protobuf"}),
        &replaced["metadata"]["labels"],
    )?;
    ensure(
        &ctx,
        rv_of(&replaced) != rv_of(&stale),
        "a new resourceVersion",
        || format!("resourceVersion {}", rv_of(&replaced)),
    )?;
    let resp = send(
        &ctx,
        pb(with_pb_body(Request::put(ctx.object_path(&name)), &stale)?),
    )
    .await?;
    expect_pb_body(&ctx, &resp, 409, &conflict_modified(&name))
}

/// A protobuf `DeleteOptions` body, as client-go sends on every delete.
fn delete_options(options: Value) -> Value {
    let mut body = json!({"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"});
    if let (Some(body), Value::Object(options)) = (body.as_object_mut(), options) {
        body.extend(options);
    }
    body
}

pub(crate) const EP_PROTO_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["dryRun"],
        statuses: &[200, 409],
        ..meta(
            "EP-PROTO-005",
            Must,
            "A DELETE MUST honour a protobuf DeleteOptions body (as client-go sends on every delete): dryRun All keeps the object, a wrong preconditions.uid answers 409, and an empty one deletes it with a Status Success answered in protobuf.",
            "apimachinery meta/v1 DeleteOptions; kube-apiserver handlers/delete.go; recorded in transcripts/protobuf (delete)",
        )
    },
    protobuf_delete
);

async fn protobuf_delete(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let delete = |options: Value| {
        with_pb_body(
            pb(Request::delete(ctx.object_path(&name))),
            &delete_options(options),
        )
    };
    let resp = send(&ctx, delete(json!({"dryRun": ["All"]}))?).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_status(&ctx, &get(&ctx, &name).await?, 200)?;
    let resp = send(
        &ctx,
        delete(json!({"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}}))?,
    )
    .await?;
    expect_status(&ctx, &resp, 409)?;
    let conflict = pb_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "reason",
        Some("Conflict"),
        conflict["reason"].as_str(),
    )?;
    let resp = send(&ctx, delete(json!({}))?).await?;
    let want = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": {"name": name, "kind": "endpoints", "uid": uid_of(&created)}});
    expect_pb_body(&ctx, &resp, 200, &want)?;
    expect_go_bytes(&ctx, &resp, &want)?;
    expect_status(&ctx, &get(&ctx, &name).await?, 404)
}

pub(crate) const EP_PROTO_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-006",
            Must,
            "A DELETE of the collection with Accept protobuf MUST answer 200 with the deleted objects as an EndpointsList in protobuf.",
            "kube-apiserver handlers/delete.go (DeleteCollection); recorded in transcripts/protobuf (delete)",
        )
    },
    protobuf_delete_collection
);

async fn protobuf_delete_collection(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let mut names = Vec::new();
    for _ in 0..2 {
        let name = ctx.name("ep");
        create(&ctx, &endpoints_labelled(&name, &[(k, &v)])).await?;
        names.push(name);
    }
    let resp = send(
        &ctx,
        pb(Request::delete(ctx.collection_path())).query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let list = pb_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("EndpointsList"), list["kind"].as_str())?;
    expect_eq(
        &ctx,
        "deleted item names",
        sorted(names),
        sorted(item_names(&list)),
    )
}

/// Bounds for the protobuf watches: events arrive within a second on any healthy server.
fn watch_limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

/// Opens a watch asking for `accept` and requires a protobuf stream.
async fn open_pb_watch(ctx: &Ctx, req: Request, accept: &str) -> Result<WatchReader, Outcome> {
    let reader = open_watch(ctx, req.header("Accept", accept), watch_limits(8)).await?;
    if reader.framing() != Framing::Protobuf {
        let content_type = reader
            .exchange()
            .and_then(|e| e.response)
            .and_then(|r| {
                r.headers
                    .into_iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            })
            .map(|(_, v)| v)
            .unwrap_or_default();
        return Err(watch_fail(
            ctx,
            &reader,
            format!("Content-Type {PROTOBUF_STREAM} and length-prefixed protobuf frames"),
            format!("Content-Type {content_type:?}"),
        ));
    }
    Ok(reader)
}

/// Reads until `n` events arrived; malformed frames or an early end fail the check.
async fn read_events(
    ctx: &Ctx,
    reader: &mut WatchReader,
    n: usize,
) -> Result<Vec<WatchEvent>, Outcome> {
    let (events, malformed, end) = reader.read_until(|e| e.len() >= n).await;
    if !malformed.is_empty() || events.len() < n {
        return Err(watch_fail(
            ctx,
            reader,
            format!("{n} protobuf watch events"),
            format!(
                "{} then {}; malformed frames {malformed:?}",
                describe_events(&events),
                end.map(|e| e.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(events)
}

fn scoped_pb_watch(ctx: &Ctx, from: &str) -> Request {
    Request::get(ctx.collection_path())
        .query("watch", "true")
        .query("labelSelector", ctx.scope_selector())
        .query("resourceVersion", from)
        .query("timeoutSeconds", "5")
}

pub(crate) const EP_PROTO_007: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-007",
            Must,
            "A watch with `Accept: application/vnd.kubernetes.protobuf;stream=watch` MUST answer Content-Type application/vnd.kubernetes.protobuf;stream=watch and stream each event as a 4-byte big-endian length and a bare WatchEvent whose object is a whole envelope: ADDED, MODIFIED and DELETED carrying the objects the JSON watch carries.",
            "apimachinery runtime/serializer/protobuf (RawSerializer) and streaming framer; recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_events
);

async fn protobuf_watch_events(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let start = create(&ctx, &endpoints_labelled(&ctx.name("ep"), &[(k, &v)])).await?;
    let name = ctx.name("ep");
    create(&ctx, &endpoints_labelled(&name, &[(k, &v)])).await?;
    let patched = json_of(
        &ctx,
        &merge_patch(
            &ctx,
            &name,
            &json!({"subsets": [{"addresses": [{"ip": "10.1.2.4"}], "ports": [{"port": 81}]}]}),
        )
        .await?,
    )?;
    expect_status(
        &ctx,
        &send(&ctx, Request::delete(ctx.object_path(&name))).await?,
        200,
    )?;
    let watch = scoped_pb_watch(&ctx, &rv_of(&start));
    let mut json_reader = open_watch(&ctx, watch.clone(), watch_limits(8)).await?;
    let want = next_json_events(&ctx, &mut json_reader, 3).await?;
    let mut reader = open_pb_watch(&ctx, watch, PROTOBUF_STREAM).await?;
    let events = read_events(&ctx, &mut reader, 3).await?;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    if kinds != ["ADDED", "MODIFIED", "DELETED"] {
        return Err(watch_fail(
            &ctx,
            &reader,
            "ADDED, MODIFIED, DELETED",
            describe_events(&events),
        ));
    }
    ensure(
        &ctx,
        events[1].object["subsets"] == patched["subsets"],
        "the MODIFIED object carries the patched subsets",
        || compact(&events[1].object),
    )?;
    for (got, want) in events.iter().zip(&want) {
        if got.object != want.object {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("{} {}", want.kind, compact(&want.object)),
                format!("{} {}", got.kind, compact(&got.object)),
            ));
        }
    }
    Ok(())
}

/// The first `n` events of a JSON watch.
async fn next_json_events(
    ctx: &Ctx,
    reader: &mut WatchReader,
    n: usize,
) -> Result<Vec<WatchEvent>, Outcome> {
    let (events, _, end) = reader.read_until(|e| e.len() >= n).await;
    if events.len() < n {
        return Err(watch_fail(
            ctx,
            reader,
            format!("{n} events on the JSON watch"),
            format!(
                "{} then {}",
                describe_events(&events),
                end.map(|e| e.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(events)
}

/// A BOOKMARK carries nothing but kind, apiVersion and metadata.resourceVersion (protobuf always
/// writes the zero creationTimestamp; the initial-events-end annotation is checked apart).
fn bookmark_ok(e: &WatchEvent) -> bool {
    let mut object = e.object.clone();
    if let Some(meta) = object
        .pointer_mut("/metadata")
        .and_then(Value::as_object_mut)
    {
        if meta.get("creationTimestamp") == Some(&Value::Null) {
            meta.remove("creationTimestamp");
        }
        if meta.get("annotations") == Some(&json!({"k8s.io/initial-events-end": "true"})) {
            meta.remove("annotations");
        }
    }
    let rv = e.resource_version().unwrap_or_default();
    e.kind == "BOOKMARK"
        && !rv.is_empty()
        && object
            == json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": rv}})
}

pub(crate) const EP_PROTO_008: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &[
            "watch",
            "allowWatchBookmarks",
            "sendInitialEvents",
            "resourceVersionMatch"
        ],
        statuses: &[200],
        ..meta(
            "EP-PROTO-008",
            Must,
            "A protobuf watch with allowWatchBookmarks=true MUST send the BOOKMARK events the JSON watch sends, as frames: where the WatchList gate is on (1.32, 1.34+) sendInitialEvents ends its ADDED events with the BOOKMARK annotated k8s.io/initial-events-end=true; elsewhere the bookmark kube-apiserver sends before timeoutSeconds after a change.",
            "kube-apiserver behaviour §6.3, §6.4; recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_bookmarks
);

async fn protobuf_watch_bookmarks(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let first = create(&ctx, &endpoints_labelled(&ctx.name("ep"), &[(k, &v)])).await?;
    if ctx.version.minor == 32 || ctx.version.at_least(34) {
        let req = Request::get(ctx.collection_path())
            .query("watch", "true")
            .query("labelSelector", ctx.scope_selector())
            .query("allowWatchBookmarks", "true")
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("timeoutSeconds", "5");
        let mut reader = open_pb_watch(&ctx, req, PROTOBUF_STREAM).await?;
        let events = read_events(&ctx, &mut reader, 2).await?;
        let end = events[1]
            .object
            .pointer("/metadata/annotations/k8s.io~1initial-events-end")
            .and_then(Value::as_str);
        if events[0].kind != "ADDED" || end != Some("true") || !bookmark_ok(&events[1]) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "ADDED, then BOOKMARK {kind: Endpoints, apiVersion: v1, metadata: {resourceVersion, annotations: {k8s.io/initial-events-end: \"true\"}}}",
                events
                    .iter()
                    .map(|e| format!("{} {}", e.kind, compact(&e.object)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        return Ok(());
    }
    // Without WatchList: the bookmark before the timeout, as on the JSON watch of the same change.
    let req = Request::get(ctx.collection_path())
        .query("watch", "true")
        .query("labelSelector", ctx.scope_selector())
        .query("resourceVersion", rv_of(&first))
        .query("allowWatchBookmarks", "true")
        .query("timeoutSeconds", "3");
    let mut json_reader = open_watch(&ctx, req.clone(), watch_limits(7)).await?;
    let mut reader = open_pb_watch(&ctx, req, PROTOBUF_STREAM).await?;
    create(&ctx, &endpoints_labelled(&ctx.name("ep"), &[(k, &v)])).await?;
    let (json_events, pb_events) = tokio::join!(json_reader.drain(), reader.drain());
    let bookmarks = |events: &[WatchEvent]| events.iter().filter(|e| e.kind == "BOOKMARK").count();
    if bookmarks(&json_events.events) > 0 && bookmarks(&pb_events.events) == 0 {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!(
                "a BOOKMARK, as on the JSON watch: {}",
                describe_events(&json_events.events)
            ),
            describe_events(&pb_events.events),
        ));
    }
    if let Some(bad) = pb_events
        .events
        .iter()
        .find(|e| e.kind == "BOOKMARK" && !bookmark_ok(e))
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "BOOKMARK {kind: Endpoints, apiVersion: v1, metadata: {resourceVersion}}",
            compact(&bad.object),
        ));
    }
    Ok(())
}

pub(crate) const EP_PROTO_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion"],
        statuses: &[200, 410],
        features: &["compaction"],
        ..meta(
            "EP-PROTO-009",
            Must,
            "A protobuf watch from a compacted resourceVersion MUST answer 200 and send one ERROR frame whose object is a Status 410 Expired `too old resource version: <requested> (<oldest>)`, then end the stream.",
            "kube-apiserver behaviour §3.1 410 Expired (watch); recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_expired
);

async fn protobuf_watch_expired(ctx: Ctx) -> Verdict {
    let req = || {
        Request::get(ctx.collection_path())
            .query("watch", "true")
            .query("resourceVersion", "1")
            .query("timeoutSeconds", "5")
    };
    let is_error = |item: &WatchItem| matches!(item, WatchItem::Event(e) if e.kind == "ERROR");
    let mut reader = open_pb_watch(&ctx, req(), PROTOBUF_STREAM).await?;
    let mut first = reader.next_within(Duration::from_secs(2)).await;
    if !is_error(&first) {
        drop(reader);
        if !trigger_compaction(&ctx).await? {
            return Err(compaction_unsupported());
        }
        reader = open_pb_watch(&ctx, req(), PROTOBUF_STREAM).await?;
        first = reader.next_within(Duration::from_secs(3)).await;
    }
    let WatchItem::Event(event) = first else {
        return Err(watch_fail(
            &ctx,
            &reader,
            "an ERROR frame",
            format!("{first:?}"),
        ));
    };
    let message = event.object["message"].as_str().unwrap_or_default();
    let want = status_failure(410, "Expired", message, None);
    if event.kind != "ERROR"
        || !message.starts_with("too old resource version: 1 (")
        || event.object != want
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "ERROR Status 410 Expired `too old resource version: 1 (<oldest>)`",
            format!("{} {}", event.kind, compact(&event.object)),
        ));
    }
    match reader.next_within(Duration::from_secs(3)).await {
        WatchItem::End(StreamEnd::Server) => Ok(()),
        other => Err(watch_fail(
            &ctx,
            &reader,
            "the server ends the stream after the ERROR frame",
            format!("{other:?}"),
        )),
    }
}

pub(crate) const EP_PROTO_010: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::CREATE],
        statuses: &[400, 404, 409, 422],
        ..meta(
            "EP-PROTO-010",
            Must,
            "With Accept protobuf every error of the handler (400 namespace mismatch, 404, 409, 422) MUST be a Status in protobuf, equal to the JSON Status of the same request, with the same warnings.",
            "kube-apiserver handlers/responsewriters (ErrorNegotiated); recorded in transcripts/protobuf (create-protobuf-body, delete, replace-protobuf-body)",
        )
    },
    protobuf_handler_errors
);

async fn protobuf_handler_errors(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let mut bad_ip = endpoints(&ctx.name("ep"));
    bad_ip["subsets"][0]["addresses"][0]["ip"] = json!("999.1.2.3");
    let mut elsewhere = endpoints(&ctx.name("ep"));
    elsewhere["metadata"]["namespace"] = json!(ctx.missing_namespace());
    let cases = [
        (Request::get(ctx.object_path(&ctx.name("missing"))), 404),
        (
            Request::post(ctx.collection_path()).json(&endpoints(&name)),
            409,
        ),
        (Request::post(ctx.collection_path()).json(&bad_ip), 422),
        (Request::post(ctx.collection_path()).json(&elsewhere), 400),
    ];
    for (req, code) in cases {
        let resp = send(&ctx, pb(req.clone())).await?;
        expect_status(&ctx, &resp, code)?;
        expect_pb_like_json(&ctx, req).await?;
    }
    Ok(())
}

pub(crate) const EP_PROTO_011: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[401, 403],
        ..meta(
            "EP-PROTO-011",
            Must,
            "With Accept protobuf the 401 of authentication and the 403 of authorization (get and watch) MUST be Status bodies in protobuf; the 401 is the 72 bytes of Status {Failure, Unauthorized, Unauthorized, 401}.",
            "kube-apiserver filters (authentication, authorization) with the negotiated serializer; recorded in transcripts/protobuf (errors-in-protobuf)",
        )
    },
    protobuf_filter_errors
);

async fn protobuf_filter_errors(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = send(
        &ctx,
        pb(Request::get(ctx.object_path(&name)))
            .auth(Auth::Bearer("kconform-no-such-token".to_owned())),
    )
    .await?;
    let want = status_failure(401, "Unauthorized", "Unauthorized", None);
    expect_pb_body(&ctx, &resp, 401, &want)?;
    expect_go_bytes(&ctx, &resp, &want)?;
    if !ctx.client.has_user_token() {
        return Ok(());
    }
    for req in [
        pb(Request::get(ctx.object_path(&name))),
        Request::get(ctx.collection_path())
            .query("watch", "true")
            .query("timeoutSeconds", "1")
            .header("Accept", PROTOBUF_STREAM),
    ] {
        let resp = send(&ctx, req.auth(Auth::User)).await?;
        expect_status(&ctx, &resp, 403)?;
        let got = pb_of(&ctx, &resp)?;
        expect_eq(&ctx, "reason", Some("Forbidden"), got["reason"].as_str())?;
        expect_eq(&ctx, "code", Some(403), got["code"].as_u64())?;
    }
    Ok(())
}

pub(crate) const EP_PROTO_012: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[415],
        ..meta(
            "EP-PROTO-012",
            Must,
            "A PATCH with Content-Type application/vnd.kubernetes.protobuf MUST answer 415 UnsupportedMediaType `415: Unsupported Media Type` with empty details (in protobuf when Accept asks for it), and leave the object unchanged.",
            "kube-apiserver endpoints/installer.go (PATCH consumes only the patch types); recorded in transcripts/protobuf (patch)",
        )
    },
    protobuf_patch_refused
);

async fn protobuf_patch_refused(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut changed = created.clone();
    changed["metadata"]["labels"] = json!({"patched": "in-protobuf"});
    let want = status_failure(
        415,
        "UnsupportedMediaType",
        "415: Unsupported Media Type",
        Some(json!({})),
    );
    let resp = send(
        &ctx,
        pb(with_pb_body(
            Request::patch(ctx.object_path(&name)),
            &changed,
        )?),
    )
    .await?;
    expect_pb_body(&ctx, &resp, 415, &want)?;
    let stored = json_of(&ctx, &get(&ctx, &name).await?)?;
    expect_eq(&ctx, "resourceVersion", rv_of(&created), rv_of(&stored))
}

pub(crate) const EP_PROTO_013: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-013",
            Must,
            "Content negotiation MUST follow Accept with q-values: client-go's `application/vnd.kubernetes.protobuf,application/json` and `application/json;q=0.5,application/vnd.kubernetes.protobuf` get protobuf (on a watch, `;stream=watch` frames, also for plain `application/vnd.kubernetes.protobuf`), and `*/*` gets JSON.",
            "apimachinery runtime/serializer negotiation (NegotiateOutputMediaType); recorded in transcripts/protobuf (content-type-negotiation)",
        )
    },
    protobuf_negotiation
);

async fn protobuf_negotiation(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    for accept in [
        CLIENT_GO_ACCEPT,
        "application/json;q=0.5,application/vnd.kubernetes.protobuf",
    ] {
        for req in [
            Request::get(ctx.object_path(&name)),
            Request::get(ctx.collection_path()),
        ] {
            let resp = send(&ctx, req.header("Accept", accept)).await?;
            expect_status(&ctx, &resp, 200)?;
            pb_of(&ctx, &resp)?;
        }
    }
    for req in [
        Request::get(ctx.object_path(&name)),
        Request::get(ctx.collection_path()),
    ] {
        let resp = send(&ctx, req.header("Accept", "*/*")).await?;
        expect_status(&ctx, &resp, 200)?;
        expect_content_type(&ctx, &resp, "application/json")?;
    }
    let watch = Request::get(ctx.collection_path())
        .query("watch", "true")
        .query("fieldSelector", format!("metadata.name={name}"))
        .query("resourceVersion", "0")
        .query("timeoutSeconds", "2");
    for accept in [CLIENT_GO_ACCEPT, PROTOBUF] {
        let mut reader = open_pb_watch(&ctx, watch.clone(), accept).await?;
        let events = read_events(&ctx, &mut reader, 1).await?;
        expect_eq(
            &ctx,
            "the first event's object name",
            Some(name.as_str()),
            events[0].name(),
        )?;
    }
    let reader = open_watch(&ctx, watch.header("Accept", "*/*"), watch_limits(4)).await?;
    if reader.framing() != Framing::JsonLines {
        return Err(watch_fail(
            &ctx,
            &reader,
            "a JSON watch (Content-Type application/json) for Accept */*",
            "protobuf frames",
        ));
    }
    Ok(())
}

pub(crate) const EP_PROTO_014: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[400],
        ..meta(
            "EP-PROTO-014",
            Must,
            "A POST whose protobuf body cannot be decoded MUST answer 400 BadRequest with kube-apiserver's decoder texts: no `k8s\\0` magic (`… expected prefix [107 56 115 0] (<hex>)`), bytes that are not the message (`proto: illegal wireType 7 (<hex>)`), and another kind (`EndpointsList in version \"v1\" cannot be handled as a Endpoints: …`).",
            "apimachinery runtime/serializer/protobuf and the codec's conversion; recorded in transcripts/protobuf (create-protobuf-body)",
        )
    },
    protobuf_undecodable
);

async fn protobuf_undecodable(ctx: Ctx) -> Verdict {
    let unrecognized = "the object provided is unrecognized (must be of type Endpoints): ";
    let list = kconform_spec::protobuf::encode(&json!({"kind": "EndpointsList",
        "apiVersion": "v1", "metadata": {}, "items": [{"metadata": {"name": ctx.name("ep")}}]}))
    .map_err(|e| Outcome::error(format!("cannot encode the request body: {e}")))?;
    let cases: [(Vec<u8>, String); 3] = [
        (
            b"\x00\x01garbage\xff".to_vec(),
            format!(
                "{unrecognized}provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (000167617262616765ff)"
            ),
        ),
        (
            b"k8s\0\xff\xff\xff\xff garbage".to_vec(),
            format!("{unrecognized}proto: illegal wireType 7 (6b387300ffffffff2067617262616765)"),
        ),
        (
            list,
            "EndpointsList in version \"v1\" cannot be handled as a Endpoints: converting (v1.EndpointsList) to (core.Endpoints): unknown conversion".to_owned(),
        ),
    ];
    for (body, message) in cases {
        let resp = send(
            &ctx,
            pb(Request::post(ctx.collection_path()).body_with_type(PROTOBUF, body)),
        )
        .await?;
        expect_pb_body(&ctx, &resp, 400, &bad_request(&message))?;
        expect_warnings(&ctx, &resp, &[])?;
    }
    Ok(())
}
