//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) checks, whatever the resource: the
//! bodies of the `*-PROTO-*` checks, which kube-apiserver's generic REST handlers and protobuf
//! serializer give every resource alike, parameterized by what differs between resources
//! ([`ProtoResource`]: the objects, the change a watch sees, the warnings, the decoder's texts).
//!
//! A protobuf answer is held against the same server's JSON answer to the same request: the decoded
//! object must be that JSON object, and its bytes must be what Go's marshalling writes for it.
//! Recorded from kube-apiserver v1.28.7 and v1.36.2 (`transcripts/protobuf/`, core/v1).

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::client::{Auth, PROTOBUF, Request, Response};
use crate::model::Outcome;
use crate::runner::Ctx;
use crate::watch::{Framing, StreamEnd, WatchEvent, WatchItem, WatchLimits, WatchReader};

/// The media type of a protobuf watch stream.
pub const PROTOBUF_STREAM: &str = "application/vnd.kubernetes.protobuf;stream=watch";

/// What client-go sends when configured for protobuf (the usual way for Kubernetes components).
pub const CLIENT_GO_ACCEPT: &str = "application/vnd.kubernetes.protobuf,application/json";

/// What the protobuf checks need to know of a resource beyond [`Ctx::resource`].
pub struct ProtoResource {
    /// The prefix of the names the checks give their objects (`ctx.name(prefix)`).
    pub prefix: &'static str,
    /// A valid object named `name` with `labels`, written as the server stores it (defaults
    /// included), so that what was sent equals what was created without the server's fields.
    pub object: fn(name: &str, labels: &[(&str, &str)]) -> Value,
    /// An object kube-apiserver refuses with 422.
    pub invalid: fn(name: &str) -> Value,
    /// A merge patch that changes the object's content, for the MODIFIED event of a watch.
    pub patch: fn() -> Value,
    /// The top-level field [`ProtoResource::patch`] changes.
    pub patched_field: &'static str,
    /// The fields besides metadata Go writes for an empty object (a BOOKMARK's object): those
    /// without `omitempty`, as JSON shows them after protobuf decoding.
    pub empty_object: fn() -> Value,
    /// The Warning check of the suite: exactly `extra` plus whatever the resource adds to every
    /// answer (Endpoints' deprecation warning from 1.33).
    pub expect_warnings: fn(&Ctx, &Response, &[&str]) -> Verdict,
    /// The internal API group the codec converts to, in the decoder's `unknown conversion` text
    /// (`core`, `discovery`).
    pub internal_group: &'static str,
}

/// `req` asking for protobuf.
pub fn pb(req: Request) -> Request {
    req.header("Accept", PROTOBUF)
}

/// `req` with a protobuf body encoded from `object` as Go writes it.
///
/// # Errors
/// An error outcome when the object has no protobuf message.
pub fn with_pb_body(req: Request, object: &Value) -> Result<Request, Outcome> {
    req.protobuf(object)
        .map_err(|e| Outcome::error(format!("cannot encode the request body: {e}")))
}

/// Fails unless the answer's Content-Type is `want` (parameters included).
pub fn expect_content_type(ctx: &Ctx, resp: &Response, want: &str) -> Verdict {
    expect_eq(ctx, "Content-Type", Some(want), resp.header("content-type"))
}

/// The decoded protobuf body of an answer that must be protobuf.
///
/// # Errors
/// A failure when the answer is not protobuf or does not decode.
pub fn pb_of(ctx: &Ctx, resp: &Response) -> Result<Value, Outcome> {
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
pub fn expect_pb_body(ctx: &Ctx, resp: &Response, code: u16, want: &Value) -> Verdict {
    expect_status(ctx, resp, code)?;
    let got = pb_of(ctx, resp)?;
    expect_json_eq(ctx, "decoded protobuf body", want, &got)
}

/// Fails unless the body is byte for byte what Go's marshalling writes for `object` (every
/// non-pointer field written, even when empty; maps sorted by key).
pub fn expect_go_bytes(ctx: &Ctx, resp: &Response, object: &Value) -> Verdict {
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
            let around =
                |bytes: &[u8]| crate::client::hex_snippet(&bytes[from.min(bytes.len())..], 24);
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
///
/// # Errors
/// The first difference, as a failure.
pub async fn expect_pb_like_json(ctx: &Ctx, req: Request) -> Result<Value, Outcome> {
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

/// The Status `details` kube-apiserver names an object of the check's resource with: name, the
/// group when it has one, the plural as kind.
fn details_of(ctx: &Ctx, name: &str) -> Value {
    let mut details = json!({"name": name});
    if !ctx.resource.group.is_empty() {
        details["group"] = json!(ctx.resource.group);
    }
    details["kind"] = json!(ctx.resource.plural);
    details
}

/// The 409 kube-apiserver answers a write of `name` carrying an outdated resourceVersion, for the
/// check's resource (`endpoints`, `endpointslices.discovery.k8s.io` in the message).
pub fn conflict_modified_of(ctx: &Ctx, name: &str) -> Value {
    let qualified = if ctx.resource.group.is_empty() {
        ctx.resource.plural.to_owned()
    } else {
        format!("{}.{}", ctx.resource.plural, ctx.resource.group)
    };
    status_failure(
        409,
        "Conflict",
        &cannot_fulfil(
            &qualified,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ),
        Some(details_of(ctx, name)),
    )
}

/// Creates a plain object named `name`.
async fn create_named(ctx: &Ctx, r: &ProtoResource, name: &str) -> Result<Value, Outcome> {
    create(ctx, &(r.object)(name, &[])).await
}

/// Creates a fresh object carrying the check's scope label and returns its name and the answer.
async fn create_scoped(ctx: &Ctx, r: &ProtoResource) -> Result<(String, Value), Outcome> {
    let (k, v) = ctx.scope_label();
    let name = ctx.name(r.prefix);
    let created = create(ctx, &(r.object)(&name, &[(k, &v)])).await?;
    Ok((name, created))
}

/// GET in protobuf: the JSON GET's object, in Go's bytes, with only the resource's warnings.
pub async fn get(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    create_named(&ctx, r, &name).await?;
    let stored = json_of(&ctx, &get_object(&ctx, &name).await?)?;
    let resp = send(&ctx, pb(Request::get(ctx.object_path(&name)))).await?;
    expect_pb_body(&ctx, &resp, 200, &stored)?;
    expect_go_bytes(&ctx, &resp, &stored)?;
    (r.expect_warnings)(&ctx, &resp, &[])
}

async fn get_object(ctx: &Ctx, name: &str) -> Result<Response, Outcome> {
    super::get(ctx, name).await
}

/// LIST in protobuf: the list kind's envelope, pages with continue tokens (no remainingItemCount
/// with a selector), and the all-namespaces list holding the JSON list's items.
pub async fn list(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let mut names = Vec::new();
    for _ in 0..3 {
        names.push(create_scoped(&ctx, r).await?.0);
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
    let (list_kind, api_version) = (ctx.resource.list_kind(), ctx.resource.api_version());
    expect_eq(
        &ctx,
        "kind and apiVersion",
        (Some(list_kind.as_str()), Some(api_version.as_str())),
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
    let all =
        Request::get(ctx.resource.url_path(None)).query("labelSelector", ctx.scope_selector());
    let want = json_of(&ctx, &send(&ctx, all.clone()).await?)?;
    let resp = send(&ctx, pb(all)).await?;
    expect_status(&ctx, &resp, 200)?;
    let got = pb_of(&ctx, &resp)?;
    expect_json_eq(&ctx, "items", &want["items"], &got["items"])
}

/// POST with a protobuf body, written by Go's rules (protobuf answer) and with only the set fields
/// (JSON answer): both create the object sent.
pub async fn create_from_protobuf(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let go_style = (r.object)(&ctx.name(r.prefix), &[]);
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
    (r.expect_warnings)(&ctx, &resp, &[])?;
    // A minimal body (only the set fields, as a hand-written client sends) and a JSON answer.
    let minimal = (r.object)(&ctx.name(r.prefix), &[]);
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

/// PUT with a protobuf body: the replaced object in protobuf, then the 409 of a stale one.
pub async fn replace(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    create_named(&ctx, r, &name).await?;
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
    expect_pb_body(&ctx, &resp, 409, &conflict_modified_of(&ctx, &name))
}

/// A protobuf `DeleteOptions` body, as client-go sends on every delete.
pub fn delete_options(options: Value) -> Value {
    let mut body = json!({"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"});
    if let (Some(body), Value::Object(options)) = (body.as_object_mut(), options) {
        body.extend(options);
    }
    body
}

/// DELETE with protobuf DeleteOptions bodies: dryRun keeps the object, a wrong uid precondition is
/// 409, an empty one deletes with a Status Success in Go's bytes.
pub async fn delete(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    let created = create_named(&ctx, r, &name).await?;
    let delete = |options: Value| {
        with_pb_body(
            pb(Request::delete(ctx.object_path(&name))),
            &delete_options(options),
        )
    };
    let resp = send(&ctx, delete(json!({"dryRun": ["All"]}))?).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_status(&ctx, &get_object(&ctx, &name).await?, 200)?;
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
    let mut details = details_of(&ctx, &name);
    details["uid"] = json!(uid_of(&created));
    let want = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": details});
    expect_pb_body(&ctx, &resp, 200, &want)?;
    expect_go_bytes(&ctx, &resp, &want)?;
    expect_status(&ctx, &get_object(&ctx, &name).await?, 404)
}

/// DELETE of the collection: the deleted objects as the list kind, in protobuf.
pub async fn delete_collection(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let mut names = Vec::new();
    for _ in 0..2 {
        names.push(create_scoped(&ctx, r).await?.0);
    }
    let resp = send(
        &ctx,
        pb(Request::delete(ctx.collection_path())).query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let list = pb_of(&ctx, &resp)?;
    let list_kind = ctx.resource.list_kind();
    expect_eq(
        &ctx,
        "kind",
        Some(list_kind.as_str()),
        list["kind"].as_str(),
    )?;
    expect_eq(
        &ctx,
        "deleted item names",
        sorted(names),
        sorted(item_names(&list)),
    )
}

/// Bounds for the protobuf watches: events arrive within a second on any healthy server.
pub fn pb_watch_limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

/// Opens a watch asking for `accept` and requires a protobuf stream.
///
/// # Errors
/// A failure when the stream is not protobuf frames.
pub async fn open_pb_watch(ctx: &Ctx, req: Request, accept: &str) -> Result<WatchReader, Outcome> {
    let reader = open_watch(ctx, req.header("Accept", accept), pb_watch_limits(8)).await?;
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
///
/// # Errors
/// A failure with the events seen.
pub async fn read_pb_events(
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

fn scoped_pb_watch(ctx: &Ctx, from: &str) -> Request {
    Request::get(ctx.collection_path())
        .query("watch", "true")
        .query("labelSelector", ctx.scope_selector())
        .query("resourceVersion", from)
        .query("timeoutSeconds", "5")
}

/// A protobuf watch streams ADDED, MODIFIED and DELETED frames carrying the JSON watch's objects.
pub async fn watch_events(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let (_, start) = create_scoped(&ctx, r).await?;
    let (name, _) = create_scoped(&ctx, r).await?;
    let patched = json_of(&ctx, &merge_patch(&ctx, &name, &(r.patch)()).await?)?;
    expect_status(
        &ctx,
        &send(&ctx, Request::delete(ctx.object_path(&name))).await?,
        200,
    )?;
    let watch = scoped_pb_watch(&ctx, &rv_of(&start));
    let mut json_reader = open_watch(&ctx, watch.clone(), pb_watch_limits(8)).await?;
    let want = next_json_events(&ctx, &mut json_reader, 3).await?;
    let mut reader = open_pb_watch(&ctx, watch, PROTOBUF_STREAM).await?;
    let events = read_pb_events(&ctx, &mut reader, 3).await?;
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
        events[1].object[r.patched_field] == patched[r.patched_field],
        format!(
            "the MODIFIED object carries the patched {}",
            r.patched_field
        ),
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

/// The object a BOOKMARK must carry: kind, apiVersion, metadata.resourceVersion and the fields Go
/// writes for an empty object.
fn bookmark_object(ctx: &Ctx, r: &ProtoResource, rv: &str) -> Value {
    let mut want = json!({"kind": ctx.resource.kind, "apiVersion": ctx.resource.api_version(),
        "metadata": {"resourceVersion": rv}});
    if let (Some(want), Value::Object(empty)) = (want.as_object_mut(), (r.empty_object)()) {
        want.extend(empty);
    }
    want
}

/// A BOOKMARK carries nothing but [`bookmark_object`] (protobuf always writes the zero
/// creationTimestamp; the initial-events-end annotation is checked apart).
fn bookmark_ok(ctx: &Ctx, r: &ProtoResource, e: &WatchEvent) -> bool {
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
    e.kind == "BOOKMARK" && !rv.is_empty() && object == bookmark_object(ctx, r, rv)
}

/// A protobuf watch with allowWatchBookmarks sends the JSON watch's BOOKMARKs as frames: the
/// initial-events-end one where WatchList is on (1.32, 1.34+), else the one before the timeout.
pub async fn watch_bookmarks(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let (_, first) = create_scoped(&ctx, r).await?;
    let described = compact(&bookmark_object(&ctx, r, "<rv>"));
    if ctx.version.minor == 32 || ctx.version.at_least(34) {
        let req = Request::get(ctx.collection_path())
            .query("watch", "true")
            .query("labelSelector", ctx.scope_selector())
            .query("allowWatchBookmarks", "true")
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("timeoutSeconds", "5");
        let mut reader = open_pb_watch(&ctx, req, PROTOBUF_STREAM).await?;
        let events = read_pb_events(&ctx, &mut reader, 2).await?;
        let end = events[1]
            .object
            .pointer("/metadata/annotations/k8s.io~1initial-events-end")
            .and_then(Value::as_str);
        if events[0].kind != "ADDED" || end != Some("true") || !bookmark_ok(&ctx, r, &events[1]) {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "ADDED, then BOOKMARK {described} with annotations {{k8s.io/initial-events-end: \"true\"}}"
                ),
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
    let mut json_reader = open_watch(&ctx, req.clone(), pb_watch_limits(7)).await?;
    let mut reader = open_pb_watch(&ctx, req, PROTOBUF_STREAM).await?;
    create_scoped(&ctx, r).await?;
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
        .find(|e| e.kind == "BOOKMARK" && !bookmark_ok(&ctx, r, e))
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("BOOKMARK {described}"),
            compact(&bad.object),
        ));
    }
    Ok(())
}

/// A protobuf watch from a compacted resourceVersion: 200, one ERROR frame with the 410 Expired
/// Status, then the end of the stream.
pub async fn watch_expired(ctx: Ctx, _: &ProtoResource) -> Verdict {
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

/// The handler's errors (404, 409, 422, the 400 of a namespace mismatch) are protobuf Status
/// bodies equal to the JSON ones, with the same warnings.
pub async fn handler_errors(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    create_named(&ctx, r, &name).await?;
    let bad = (r.invalid)(&ctx.name(r.prefix));
    let mut elsewhere = (r.object)(&ctx.name(r.prefix), &[]);
    elsewhere["metadata"]["namespace"] = json!(ctx.missing_namespace());
    let cases = [
        (Request::get(ctx.object_path(&ctx.name("missing"))), 404),
        (
            Request::post(ctx.collection_path()).json(&(r.object)(&name, &[])),
            409,
        ),
        (Request::post(ctx.collection_path()).json(&bad), 422),
        (Request::post(ctx.collection_path()).json(&elsewhere), 400),
    ];
    for (req, code) in cases {
        let resp = send(&ctx, pb(req.clone())).await?;
        expect_status(&ctx, &resp, code)?;
        expect_pb_like_json(&ctx, req).await?;
    }
    Ok(())
}

/// The filters' 401 (the 72 bytes of Status {Failure, Unauthorized, Unauthorized, 401}) and 403
/// (get and watch) are protobuf Status bodies.
pub async fn filter_errors(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    create_named(&ctx, r, &name).await?;
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

/// A PATCH with a protobuf body is the router's 415 `415: Unsupported Media Type` with empty
/// details, and changes nothing.
pub async fn patch_refused(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    let created = create_named(&ctx, r, &name).await?;
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
    let stored = json_of(&ctx, &get_object(&ctx, &name).await?)?;
    expect_eq(&ctx, "resourceVersion", rv_of(&created), rv_of(&stored))
}

/// Content negotiation with q-values: client-go's Accept and a protobuf preferred over a
/// lower-q JSON get protobuf (frames on a watch, also for plain protobuf); `*/*` gets JSON.
pub async fn negotiation(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let name = ctx.name(r.prefix);
    create_named(&ctx, r, &name).await?;
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
        let events = read_pb_events(&ctx, &mut reader, 1).await?;
        expect_eq(
            &ctx,
            "the first event's object name",
            Some(name.as_str()),
            events[0].name(),
        )?;
    }
    let reader = open_watch(&ctx, watch.header("Accept", "*/*"), pb_watch_limits(4)).await?;
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

/// A POST of undecodable protobuf is 400 with the decoder's texts: no magic, bytes that are not
/// the message, and the resource's list where the object belongs.
pub async fn undecodable(ctx: Ctx, r: &ProtoResource) -> Verdict {
    let kind = ctx.resource.kind;
    let list_kind = ctx.resource.list_kind();
    let unrecognized = format!("the object provided is unrecognized (must be of type {kind}): ");
    let list = kconform_spec::protobuf::encode(&json!({"kind": list_kind,
        "apiVersion": ctx.resource.api_version(), "metadata": {},
        "items": [{"metadata": {"name": ctx.name(r.prefix)}}]}))
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
            format!(
                "{list_kind} in version \"{}\" cannot be handled as a {kind}: converting ({}.{list_kind}) to ({}.{kind}): unknown conversion",
                ctx.resource.version, ctx.resource.version, r.internal_group
            ),
        ),
    ];
    for (body, message) in cases {
        let resp = send(
            &ctx,
            pb(Request::post(ctx.collection_path()).body_with_type(PROTOBUF, body)),
        )
        .await?;
        expect_pb_body(&ctx, &resp, 400, &bad_request(&message))?;
        (r.expect_warnings)(&ctx, &resp, &[])?;
    }
    Ok(())
}
