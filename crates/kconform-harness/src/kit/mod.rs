//! What every check body needs, whatever the resource: turning transport errors into outcomes,
//! comparing what the server said with what kube-apiserver says (Expected / Actual, with the
//! exchanges as evidence), kube-apiserver's generic `Status` bodies, and bounded watches.
//!
//! A suite glob-imports this module beside its own resource's helpers (objects, operationIds,
//! warnings), so two suites share one copy of the check vocabulary.

use std::future::Future;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::client::{Request, Response};
pub use crate::model::CheckMeta;
use crate::model::{Exchange, Level, Outcome};
use crate::runner::{Ctx, error_chain};
use crate::watch::{WatchLimits, WatchReader};

/// The result of a check body: `Ok(())` passes, `Err(outcome)` is the verdict otherwise.
pub type Verdict = Result<(), Outcome>;

/// Turns a check body into an [`Outcome`].
pub async fn verdict(body: impl Future<Output = Verdict>) -> Outcome {
    match body.await {
        Ok(()) => Outcome::Pass,
        Err(outcome) => outcome,
    }
}

/// Builds a [`crate::runner::Check`] from its metadata and an `async fn(Ctx) -> Verdict`.
#[macro_export]
macro_rules! check {
    ($meta:expr, $body:path) => {
        $crate::runner::Check {
            meta: $meta,
            run: |ctx| Box::pin($crate::kit::verdict($body(ctx))),
        }
    };
}
pub use crate::check;

/// Metadata with the given header and no operations, parameters, statuses, gates or features;
/// fill the rest with struct update syntax.
pub const fn meta(
    id: &'static str,
    level: Level,
    requirement: &'static str,
    spec_ref: &'static str,
) -> CheckMeta {
    CheckMeta {
        id,
        level,
        requirement,
        spec_ref,
        operations: &[],
        params: &[],
        statuses: &[],
        since: None,
        until: None,
        features: &[],
    }
}

/// At most this many exchanges are attached to a failure (the most recent ones).
const EVIDENCE_EXCHANGES: usize = 4;

/// A failure with the check's most recent exchanges as evidence.
pub fn fail(ctx: &Ctx, expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
    let log = ctx.log();
    let start = log.len().saturating_sub(EVIDENCE_EXCHANGES);
    Outcome::fail(expected, actual, log[start..].to_vec())
}

/// A failure with explicit evidence.
pub fn fail_with(
    expected: impl Into<String>,
    actual: impl Into<String>,
    evidence: Vec<Exchange>,
) -> Outcome {
    Outcome::fail(expected, actual, evidence)
}

/// Sends a request; transport errors and timeouts become [`Outcome::Error`].
pub async fn send(ctx: &Ctx, req: Request) -> Result<Response, Outcome> {
    ctx.client
        .send(req)
        .await
        .map_err(|e| Outcome::error(error_chain(&e)))
}

/// Fails unless the status is `code`.
pub fn expect_status(ctx: &Ctx, resp: &Response, code: u16) -> Verdict {
    if resp.status == code {
        return Ok(());
    }
    Err(fail(
        ctx,
        format!(
            "HTTP {code} for {} {}",
            resp.exchange.request.method, resp.exchange.request.url
        ),
        format!("HTTP {}: {}", resp.status, short(&body_text(resp), 600)),
    ))
}

/// The body for a message: text as is, protobuf decoded.
pub fn body_text(resp: &Response) -> String {
    crate::client::evidence_body(&resp.body, resp.header("content-type"))
}

/// The body as JSON, or a failure saying it is not JSON.
pub fn json_of(ctx: &Ctx, resp: &Response) -> Result<Value, Outcome> {
    resp.json().map_err(|e| {
        fail(
            ctx,
            "a JSON body",
            format!("{}: {}", error_chain(&e), short(&resp.text(), 300)),
        )
    })
}

/// Fails unless the status is `code` and the body is exactly `expected` (as JSON values).
pub fn expect_body(ctx: &Ctx, resp: &Response, code: u16, expected: &Value) -> Verdict {
    expect_status(ctx, resp, code)?;
    let actual = json_of(ctx, resp)?;
    expect_json_eq(ctx, "response body", expected, &actual)
}

/// Fails unless two JSON values are equal.
pub fn expect_json_eq(ctx: &Ctx, what: &str, expected: &Value, actual: &Value) -> Verdict {
    if expected == actual {
        return Ok(());
    }
    Err(fail(
        ctx,
        format!("{what}: {}", compact(expected)),
        format!("{what}: {}", compact(actual)),
    ))
}

/// Fails unless `cond`; `actual` is only rendered on failure.
pub fn ensure(
    ctx: &Ctx,
    cond: bool,
    expected: impl Into<String>,
    actual: impl FnOnce() -> String,
) -> Verdict {
    if cond {
        Ok(())
    } else {
        Err(fail(ctx, expected, actual()))
    }
}

/// Fails unless `expected == actual`.
pub fn expect_eq<T: PartialEq + std::fmt::Debug>(
    ctx: &Ctx,
    what: &str,
    expected: T,
    actual: T,
) -> Verdict {
    ensure(
        ctx,
        expected == actual,
        format!("{what}: {expected:?}"),
        || format!("{what}: {actual:?}"),
    )
}

/// JSON on one line, shortened.
pub fn compact(v: &Value) -> String {
    short(&v.to_string(), 2000)
}

/// At most `n` characters of `s`.
pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// POST an object into the check's namespace and expect 201; returns the stored object.
pub async fn create(ctx: &Ctx, obj: &Value) -> Result<Value, Outcome> {
    let resp = send(ctx, Request::post(ctx.collection_path()).json(obj)).await?;
    expect_status(ctx, &resp, 201)?;
    json_of(ctx, &resp)
}

/// GET an object.
pub async fn get(ctx: &Ctx, name: &str) -> Result<Response, Outcome> {
    send(ctx, Request::get(ctx.object_path(name))).await
}

/// PATCH with a JSON merge patch.
pub async fn merge_patch(ctx: &Ctx, name: &str, patch: &Value) -> Result<Response, Outcome> {
    send(
        ctx,
        Request::patch(ctx.object_path(name))
            .body_with_type("application/merge-patch+json", patch.to_string()),
    )
    .await
}

/// `metadata.resourceVersion` of an object (empty if absent).
pub fn rv_of(obj: &Value) -> String {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `metadata.continue` of a list page (empty if absent: the last page).
pub fn continue_of(list: &Value) -> String {
    list.pointer("/metadata/continue")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `metadata.uid` of an object (empty if absent).
pub fn uid_of(obj: &Value) -> String {
    obj.pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Parses a resourceVersion as a number, failing the check when it is not one.
pub fn rv_number(ctx: &Ctx, rv: &str) -> Result<u64, Outcome> {
    rv.parse::<u64>().map_err(|_| {
        fail(
            ctx,
            "a resourceVersion that is a decimal number (kube-apiserver uses etcd revisions)",
            format!("resourceVersion {rv:?}"),
        )
    })
}

/// The names of a list's items, in order.
pub fn item_names(list: &Value) -> Vec<String> {
    list.get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.pointer("/metadata/name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The object without the fields the server sets (uid, resourceVersion, creationTimestamp,
/// managedFields, namespace, generation), for comparing what was sent with what was stored.
pub fn without_server_fields(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "namespace",
            "generation",
        ] {
            m.remove(k);
        }
    }
    o
}

/// kube-apiserver's 409 message `Operation cannot be fulfilled on <resource> "<name>": <reason>`
/// (`resource` is `endpoints` from the storage, `Endpoints` from the registry's preconditions).
pub fn cannot_fulfil(resource: &str, name: &str, reason: &str) -> String {
    format!("Operation cannot be fulfilled on {resource} \"{name}\": {reason}")
}

/// The kube-apiserver `Status` body for a failure.
pub fn status_failure(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut s = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message});
    if !reason.is_empty() {
        s["reason"] = Value::from(reason);
    }
    if let Some(d) = details {
        s["details"] = d;
    }
    s["code"] = Value::from(code);
    s
}

/// 400 BadRequest with a message.
pub fn bad_request(message: &str) -> Value {
    status_failure(400, "BadRequest", message, None)
}

/// 422 for invalid options (`kind` is e.g. `CreateOptions`), with one cause.
pub fn invalid_options(kind: &str, field: &str, cause_reason: &str, cause_message: &str) -> Value {
    status_failure(
        422,
        "Invalid",
        &format!("{kind}.meta.k8s.io \"\" is invalid: {field}: {cause_message}"),
        Some(json!({
            "group": "meta.k8s.io",
            "kind": kind,
            "causes": [{"reason": cause_reason, "message": cause_message, "field": field}],
        })),
    )
}

/// 422 for invalid options with several causes `(field, reason, message)`.
pub fn invalid_options_many(kind: &str, causes: &[(&str, &str, &str)]) -> Value {
    let joined: Vec<String> = causes.iter().map(|(f, _, m)| format!("{f}: {m}")).collect();
    let message = if joined.len() == 1 {
        joined[0].clone()
    } else {
        format!("[{}]", joined.join(", "))
    };
    status_failure(
        422,
        "Invalid",
        &format!("{kind}.meta.k8s.io \"\" is invalid: {message}"),
        Some(json!({
            "group": "meta.k8s.io",
            "kind": kind,
            "causes": causes.iter().map(|(f, r, m)| json!({"reason": r, "message": m, "field": f})).collect::<Vec<_>>(),
        })),
    )
}

/// The dryRun rendering of `["bogus"]` in a NotSupported cause (≤1.33 Go syntax, 1.34+ JSON).
pub fn dry_run_unsupported(ctx: &Ctx, value: &str) -> String {
    if ctx.version.at_least(34) {
        format!("Unsupported value: [\"{value}\"]: supported values: \"All\"")
    } else {
        format!("Unsupported value: []string{{\"{value}\"}}: supported values: \"All\"")
    }
}

/// Opens a watch and returns a reader bounded by `limits`; a non-200 answer fails the check.
pub async fn open_watch(
    ctx: &Ctx,
    req: Request,
    limits: WatchLimits,
) -> Result<WatchReader, Outcome> {
    let resp = ctx
        .client
        .stream(req)
        .await
        .map_err(|e| Outcome::error(error_chain(&e)))?;
    if resp.status != 200 {
        let full = resp
            .into_response(std::time::Duration::from_secs(5))
            .await
            .map_err(|e| Outcome::error(error_chain(&e)))?;
        return Err(fail(
            ctx,
            "HTTP 200 and a watch stream",
            format!("HTTP {}: {}", full.status, short(&full.text(), 600)),
        ));
    }
    Ok(WatchReader::from_response(resp, limits))
}

/// Short watch limits: events arrive within a second on any healthy server.
pub fn quick_limits() -> WatchLimits {
    WatchLimits {
        per_event: std::time::Duration::from_secs(3),
        overall: std::time::Duration::from_secs(8),
        max_line: 4 * 1024 * 1024,
    }
}

/// The reader's evidence plus the check's recent exchanges.
pub fn watch_evidence(ctx: &Ctx, reader: &WatchReader) -> Vec<Exchange> {
    let mut ev: Vec<Exchange> = reader.exchange().into_iter().collect();
    let log = ctx.log();
    let start = log.len().saturating_sub(EVIDENCE_EXCHANGES);
    ev.extend(log[start..].iter().cloned());
    ev
}

/// A failure about a watch stream, with the stream as evidence.
pub fn watch_fail(
    ctx: &Ctx,
    reader: &WatchReader,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Outcome {
    fail_with(expected, actual, watch_evidence(ctx, reader))
}

/// Renders events as `TYPE name@rv` for messages.
pub fn describe_events(events: &[crate::watch::WatchEvent]) -> String {
    let parts: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {}@{}",
                e.kind,
                e.name().unwrap_or("-"),
                e.resource_version().unwrap_or("-")
            )
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Makes sure the target has compacted its history so that resourceVersion 1 is too old:
/// asks the reference server's admin endpoint if there is one. Returns whether rv 1 is now expired.
pub async fn trigger_compaction(ctx: &Ctx) -> Result<bool, Outcome> {
    let resp = send(ctx, Request::post("/kconform/admin/compact")).await?;
    Ok((200..300).contains(&resp.status))
}

pub fn compaction_unsupported() -> Outcome {
    Outcome::unsupported(
        "compaction",
        "the target has not compacted resourceVersion 1 and offers no way to compact (kube-apiserver compacts etcd about every 5 minutes; run against a cluster older than 10 minutes)",
    )
}

/// Encodes a continue token as kube-apiserver does (base64url without padding of the JSON).
pub fn continue_token(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// The names, sorted (for comparing sets of objects).
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// kube-apiserver's 404 for an object `name` of the resource `plural` (e.g. `endpoints`).
pub fn not_found_status(plural: &str, name: &str) -> Value {
    status_failure(
        404,
        "NotFound",
        &format!("{plural} \"{name}\" not found"),
        Some(json!({"name": name, "kind": plural})),
    )
}

/// The 409 kube-apiserver answers a write of `name` (resource `plural`) carrying an outdated
/// resourceVersion: the storage's optimistic-concurrency conflict.
pub fn conflict_modified_status(plural: &str, name: &str) -> Value {
    status_failure(
        409,
        "Conflict",
        &cannot_fulfil(
            plural,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ),
        Some(json!({"name": name, "kind": plural})),
    )
}

/// Fails unless the body is JSON indented by two spaces (`pretty`) or compact on one line.
pub fn expect_pretty(ctx: &Ctx, resp: &Response, pretty: bool) -> Verdict {
    let text = resp.text();
    if pretty {
        ensure(
            ctx,
            text.starts_with("{\n  \"kind\": ") && json_of(ctx, resp).is_ok(),
            "JSON indented by two spaces, starting `{\\n  \"kind\": `",
            || short(&text, 120),
        )
    } else {
        ensure(
            ctx,
            text.starts_with("{\"kind\":")
                && text.ends_with("}\n")
                && text.matches('\n').count() == 1,
            "compact JSON on one line ending with a newline",
            || short(&text, 120),
        )
    }
}

pub mod delete_options;
pub mod ledger;
pub mod protobuf;
pub mod recorded;
pub mod watch_options;
