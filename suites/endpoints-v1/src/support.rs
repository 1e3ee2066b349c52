//! What every check needs: turning transport errors into outcomes, building requests and objects,
//! and comparing what the server said with what kube-apiserver says (Expected / Actual, with the
//! exchanges as evidence).

use std::future::Future;

use base64::Engine as _;

use kconform_harness::client::{Request, Response};
pub(crate) use kconform_harness::model::CheckMeta;
use kconform_harness::model::{Exchange, Level, Outcome};
use kconform_harness::runner::{Ctx, error_chain};
use kconform_harness::watch::{WatchLimits, WatchReader};
use serde_json::{Value, json};

/// The result of a check body: `Ok(())` passes, `Err(outcome)` is the verdict otherwise.
pub(crate) type Verdict = Result<(), Outcome>;

/// Turns a check body into an [`Outcome`].
pub(crate) async fn verdict(body: impl Future<Output = Verdict>) -> Outcome {
    match body.await {
        Ok(()) => Outcome::Pass,
        Err(outcome) => outcome,
    }
}

/// Builds a [`kconform_harness::runner::Check`] from its metadata and an `async fn(Ctx) -> Verdict`.
macro_rules! check {
    ($meta:expr, $body:path) => {
        kconform_harness::runner::Check {
            meta: $meta,
            run: |ctx| Box::pin($crate::support::verdict($body(ctx))),
        }
    };
}
pub(crate) use check;

/// Metadata with the given header and no operations, parameters, statuses, gates or features;
/// fill the rest with struct update syntax.
pub(crate) const fn meta(
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

/// OpenAPI operationIds, so typos are compile errors.
pub(crate) mod op {
    pub(crate) const LIST_ALL: &str = "listCoreV1EndpointsForAllNamespaces";
    pub(crate) const WATCH_ALL: &str = "watchCoreV1EndpointsListForAllNamespaces";
    pub(crate) const LIST: &str = "listCoreV1NamespacedEndpoints";
    pub(crate) const CREATE: &str = "createCoreV1NamespacedEndpoints";
    pub(crate) const DELETE_COLLECTION: &str = "deleteCoreV1CollectionNamespacedEndpoints";
    pub(crate) const READ: &str = "readCoreV1NamespacedEndpoints";
    pub(crate) const REPLACE: &str = "replaceCoreV1NamespacedEndpoints";
    pub(crate) const PATCH: &str = "patchCoreV1NamespacedEndpoints";
    pub(crate) const DELETE: &str = "deleteCoreV1NamespacedEndpoints";
    pub(crate) const WATCH_LIST: &str = "watchCoreV1NamespacedEndpointsList";
    pub(crate) const WATCH: &str = "watchCoreV1NamespacedEndpoints";
}

/// The deprecation warning kube-apiserver 1.33+ adds to every Endpoints route.
pub(crate) const DEPRECATION_WARNING: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// At most this many exchanges are attached to a failure (the most recent ones).
const EVIDENCE_EXCHANGES: usize = 4;

/// A failure with the check's most recent exchanges as evidence.
pub(crate) fn fail(ctx: &Ctx, expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
    let log = ctx.log();
    let start = log.len().saturating_sub(EVIDENCE_EXCHANGES);
    Outcome::fail(expected, actual, log[start..].to_vec())
}

/// A failure with explicit evidence.
pub(crate) fn fail_with(
    expected: impl Into<String>,
    actual: impl Into<String>,
    evidence: Vec<Exchange>,
) -> Outcome {
    Outcome::fail(expected, actual, evidence)
}

/// Sends a request; transport errors and timeouts become [`Outcome::Error`].
pub(crate) async fn send(ctx: &Ctx, req: Request) -> Result<Response, Outcome> {
    ctx.client
        .send(req)
        .await
        .map_err(|e| Outcome::error(error_chain(&e)))
}

/// Fails unless the status is `code`.
pub(crate) fn expect_status(ctx: &Ctx, resp: &Response, code: u16) -> Verdict {
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
pub(crate) fn body_text(resp: &Response) -> String {
    kconform_harness::client::evidence_body(&resp.body, resp.header("content-type"))
}

/// The body as JSON, or a failure saying it is not JSON.
pub(crate) fn json_of(ctx: &Ctx, resp: &Response) -> Result<Value, Outcome> {
    resp.json().map_err(|e| {
        fail(
            ctx,
            "a JSON body",
            format!("{}: {}", error_chain(&e), short(&resp.text(), 300)),
        )
    })
}

/// Fails unless the status is `code` and the body is exactly `expected` (as JSON values).
pub(crate) fn expect_body(ctx: &Ctx, resp: &Response, code: u16, expected: &Value) -> Verdict {
    expect_status(ctx, resp, code)?;
    let actual = json_of(ctx, resp)?;
    expect_json_eq(ctx, "response body", expected, &actual)
}

/// Fails unless two JSON values are equal.
pub(crate) fn expect_json_eq(ctx: &Ctx, what: &str, expected: &Value, actual: &Value) -> Verdict {
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
pub(crate) fn ensure(
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
pub(crate) fn expect_eq<T: PartialEq + std::fmt::Debug>(
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

/// The warnings a response must carry: the deprecation warning first on 1.33+, then `extra`.
pub(crate) fn warnings_for(ctx: &Ctx, extra: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    if ctx.version.at_least(33) {
        v.push(DEPRECATION_WARNING.to_owned());
    }
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

/// Fails unless the response's warnings are exactly the deprecation warning (1.33+) and `extra`.
pub(crate) fn expect_warnings(ctx: &Ctx, resp: &Response, extra: &[&str]) -> Verdict {
    expect_eq(
        ctx,
        "Warning headers",
        warnings_for(ctx, extra),
        resp.warnings(),
    )
}

/// JSON on one line, shortened.
pub(crate) fn compact(v: &Value) -> String {
    short(&v.to_string(), 2000)
}

/// At most `n` characters of `s`.
pub(crate) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// A valid Endpoints object: one address, one named port (protocol given).
pub(crate) fn endpoints(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    })
}

/// [`endpoints`] with labels.
pub(crate) fn endpoints_labelled(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut o = endpoints(name);
    let map: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    o["metadata"]["labels"] = Value::Object(map);
    o
}

/// POST an object into the check's namespace and expect 201; returns the stored object.
pub(crate) async fn create(ctx: &Ctx, obj: &Value) -> Result<Value, Outcome> {
    let resp = send(ctx, Request::post(ctx.collection_path()).json(obj)).await?;
    expect_status(ctx, &resp, 201)?;
    json_of(ctx, &resp)
}

/// POST a plain object named `name` and return it.
pub(crate) async fn create_named(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    create(ctx, &endpoints(name)).await
}

/// GET an object.
pub(crate) async fn get(ctx: &Ctx, name: &str) -> Result<Response, Outcome> {
    send(ctx, Request::get(ctx.object_path(name))).await
}

/// PATCH with a JSON merge patch.
pub(crate) async fn merge_patch(ctx: &Ctx, name: &str, patch: &Value) -> Result<Response, Outcome> {
    send(
        ctx,
        Request::patch(ctx.object_path(name))
            .body_with_type("application/merge-patch+json", patch.to_string()),
    )
    .await
}

/// `metadata.resourceVersion` of an object (empty if absent).
pub(crate) fn rv_of(obj: &Value) -> String {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `metadata.continue` of a list page (empty if absent: the last page).
pub(crate) fn continue_of(list: &Value) -> String {
    list.pointer("/metadata/continue")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `metadata.uid` of an object (empty if absent).
pub(crate) fn uid_of(obj: &Value) -> String {
    obj.pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Parses a resourceVersion as a number, failing the check when it is not one.
pub(crate) fn rv_number(ctx: &Ctx, rv: &str) -> Result<u64, Outcome> {
    rv.parse::<u64>().map_err(|_| {
        fail(
            ctx,
            "a resourceVersion that is a decimal number (kube-apiserver uses etcd revisions)",
            format!("resourceVersion {rv:?}"),
        )
    })
}

/// The names of a list's items, in order.
pub(crate) fn item_names(list: &Value) -> Vec<String> {
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
pub(crate) fn without_server_fields(obj: &Value) -> Value {
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
pub(crate) fn cannot_fulfil(resource: &str, name: &str, reason: &str) -> String {
    format!("Operation cannot be fulfilled on {resource} \"{name}\": {reason}")
}

/// The 409 kube-apiserver answers a write of Endpoints `name` carrying an outdated
/// resourceVersion (the storage's optimistic-concurrency conflict, `kind` the lowercase resource).
pub(crate) fn conflict_modified(name: &str) -> Value {
    status_failure(
        409,
        "Conflict",
        &cannot_fulfil(
            "endpoints",
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ),
        Some(json!({"name": name, "kind": "endpoints"})),
    )
}

/// The kube-apiserver `Status` body for a failure.
pub(crate) fn status_failure(
    code: u16,
    reason: &str,
    message: &str,
    details: Option<Value>,
) -> Value {
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

/// 404 NotFound for an Endpoints name.
pub(crate) fn not_found(name: &str) -> Value {
    status_failure(
        404,
        "NotFound",
        &format!("endpoints \"{name}\" not found"),
        Some(json!({"name": name, "kind": "endpoints"})),
    )
}

/// 400 BadRequest with a message.
pub(crate) fn bad_request(message: &str) -> Value {
    status_failure(400, "BadRequest", message, None)
}

/// 422 for invalid options (`kind` is e.g. `CreateOptions`), with one cause.
pub(crate) fn invalid_options(
    kind: &str,
    field: &str,
    cause_reason: &str,
    cause_message: &str,
) -> Value {
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
pub(crate) fn invalid_options_many(kind: &str, causes: &[(&str, &str, &str)]) -> Value {
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
pub(crate) fn dry_run_unsupported(ctx: &Ctx, value: &str) -> String {
    if ctx.version.at_least(34) {
        format!("Unsupported value: [\"{value}\"]: supported values: \"All\"")
    } else {
        format!("Unsupported value: []string{{\"{value}\"}}: supported values: \"All\"")
    }
}

/// Opens a watch and returns a reader bounded by `limits`; a non-200 answer fails the check.
pub(crate) async fn open_watch(
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
pub(crate) fn quick_limits() -> WatchLimits {
    WatchLimits {
        per_event: std::time::Duration::from_secs(3),
        overall: std::time::Duration::from_secs(8),
        max_line: 4 * 1024 * 1024,
    }
}

/// The reader's evidence plus the check's recent exchanges.
pub(crate) fn watch_evidence(ctx: &Ctx, reader: &WatchReader) -> Vec<Exchange> {
    let mut ev: Vec<Exchange> = reader.exchange().into_iter().collect();
    let log = ctx.log();
    let start = log.len().saturating_sub(EVIDENCE_EXCHANGES);
    ev.extend(log[start..].iter().cloned());
    ev
}

/// A failure about a watch stream, with the stream as evidence.
pub(crate) fn watch_fail(
    ctx: &Ctx,
    reader: &WatchReader,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Outcome {
    fail_with(expected, actual, watch_evidence(ctx, reader))
}

/// Renders events as `TYPE name@rv` for messages.
pub(crate) fn describe_events(events: &[kconform_harness::watch::WatchEvent]) -> String {
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
pub(crate) async fn trigger_compaction(ctx: &Ctx) -> Result<bool, Outcome> {
    let resp = send(ctx, Request::post("/kconform/admin/compact")).await?;
    Ok((200..300).contains(&resp.status))
}

pub(crate) fn compaction_unsupported() -> Outcome {
    Outcome::unsupported(
        "compaction",
        "the target has not compacted resourceVersion 1 and offers no way to compact (kube-apiserver compacts etcd about every 5 minutes; run against a cluster older than 10 minutes)",
    )
}

/// Encodes a continue token as kube-apiserver does (base64url without padding of the JSON).
pub(crate) fn continue_token(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// The names, sorted (for comparing sets of objects).
pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
