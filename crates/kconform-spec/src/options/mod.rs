//! Query options as kube-apiserver decodes and validates them, returning the exact 400/422 `Status`.
//!
//! - Parsing follows apimachinery's query conversions: integers use `strconv.ParseInt` (400 with Go's
//!   text on failure); booleans never fail (`"0"` and any-case `"false"` are false, everything else true).
//! - [`validate_list_options`] is `ValidateListOptions` after `SetListOptionsDefaults` (WatchList gate per
//!   version, [`watch_list_enabled`]).
//! - [`parse_write_options`] covers Create/Update/PatchOptions, [`parse_delete_options`] DeleteOptions
//!   from a body or the query.
//! - [`encode_continue`] / [`decode_continue`] implement the continue token (`pkg/storage/continue.go`),
//!   including the 1.36 leading-slash `start`.
//! - [`default_field_manager`] derives the manager from a User-Agent.

use serde_json::Value;

use crate::cause::{Cause, reason};
use crate::gojson::{self, Node};
pub use crate::gotext::{NumError, go_parse_int, go_parse_uint};
use crate::gotext::{go_quote, go_rune_u, is_go_printable};
use crate::selectors::{FieldSelector, LabelSelector, parse_field_selector, parse_label_selector};
use crate::status::Status;
use crate::validate::too_long_detail;
use crate::version::K8sVersion;

/// Query parameters as (name, value) pairs, in request order (repeats allowed).
pub type QueryPairs = [(String, String)];

fn first<'a>(query: &'a QueryPairs, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn all<'a>(query: &'a QueryPairs, name: &str) -> Vec<&'a str> {
    query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// apimachinery's lenient query boolean: `"0"` and any-case `"false"` are false, anything else true.
pub fn query_bool(value: &str) -> bool {
    !(value == "0" || value.eq_ignore_ascii_case("false"))
}

fn int_param(query: &QueryPairs, name: &str) -> Result<Option<i64>, Status> {
    first(query, name)
        .map(go_parse_int)
        .transpose()
        .map_err(|e| Status::bad_request(e.to_string()))
}

/// Decoded `ListOptions` (list, watch and deletecollection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `labelSelector` (unparsed).
    pub label_selector: Option<String>,
    /// `fieldSelector` (unparsed).
    pub field_selector: Option<String>,
    /// `watch`.
    pub watch: bool,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `resourceVersion` (empty when absent).
    pub resource_version: String,
    /// `resourceVersionMatch` (empty when absent).
    pub resource_version_match: String,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
    /// `limit` (0 when absent).
    pub limit: i64,
    /// `continue` (empty when absent).
    pub continue_token: String,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
}

/// Parses list/watch query parameters with the newest version's texts; see [`parse_list_options_for`].
///
/// # Errors
/// A 400 Status (see [`parse_list_options_for`]).
pub fn parse_list_options(query: &QueryPairs) -> Result<ListOptions, Status> {
    parse_list_options_for(query, K8sVersion::NEWEST)
}

/// Parses list/watch query parameters as the parameter codec does (first value of each wins): integers
/// in struct order (`timeoutSeconds`, then `limit`), then the label selector, then the field selector.
///
/// # Errors
/// A 400 Status with Go's strconv text, or the selector parser's text.
pub fn parse_list_options_for(query: &QueryPairs, v: K8sVersion) -> Result<ListOptions, Status> {
    let opts = ListOptions {
        label_selector: first(query, "labelSelector").map(str::to_owned),
        field_selector: first(query, "fieldSelector").map(str::to_owned),
        watch: first(query, "watch").is_some_and(query_bool),
        allow_watch_bookmarks: first(query, "allowWatchBookmarks").is_some_and(query_bool),
        resource_version: first(query, "resourceVersion").unwrap_or("").to_owned(),
        resource_version_match: first(query, "resourceVersionMatch")
            .unwrap_or("")
            .to_owned(),
        timeout_seconds: int_param(query, "timeoutSeconds")?,
        limit: int_param(query, "limit")?.unwrap_or(0),
        continue_token: first(query, "continue").unwrap_or("").to_owned(),
        send_initial_events: first(query, "sendInitialEvents").map(query_bool),
    };
    opts.labels(v)?;
    opts.fields()?;
    Ok(opts)
}

impl ListOptions {
    /// The parsed label selector (everything when absent).
    ///
    /// # Errors
    /// The 400 Status with the parser's text.
    pub fn labels(&self, v: K8sVersion) -> Result<LabelSelector, Status> {
        parse_label_selector(self.label_selector.as_deref().unwrap_or(""), v)
            .map_err(Status::bad_request)
    }

    /// The parsed field selector (everything when absent).
    ///
    /// # Errors
    /// The 400 Status with the parser's text.
    pub fn fields(&self) -> Result<FieldSelector, Status> {
        parse_field_selector(self.field_selector.as_deref().unwrap_or(""))
            .map_err(Status::bad_request)
    }
}

/// The field-label conversion that runs after options validation: Endpoints only knows `metadata.name`
/// and `metadata.namespace`.
///
/// # Errors
/// 400 `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`.
pub fn check_field_selector_fields(opts: &ListOptions) -> Result<(), Status> {
    opts.fields()?
        .check_endpoints_fields()
        .map_err(Status::bad_request)
}

/// The check on the deprecated named watch path (`/watch/namespaces/{ns}/endpoints/{name}`): a
/// `metadata.name` term must name the same object.
///
/// # Errors
/// 400 `fieldSelector metadata.name doesn't match requested name`.
pub fn check_named_watch(opts: &ListOptions, name: &str) -> Result<(), Status> {
    match opts.fields()?.requires_exact_match("metadata.name") {
        Some(selected) if selected != name => Err(Status::bad_request(
            "fieldSelector metadata.name doesn't match requested name",
        )),
        _ => Ok(()),
    }
}

/// Whether the WatchList feature gate is on by default in kube-apiserver 1.`v`: off through 1.31, on in
/// 1.32, off again in 1.33, on from 1.34 (§6.3; the 1.28 and 1.36 recordings agree).
pub fn watch_list_enabled(v: K8sVersion) -> bool {
    v.minor == 32 || v.at_least(34)
}

/// `SetListOptionsDefaults`: with WatchList on, a watch from "" or "0" without resourceVersionMatch and
/// sendInitialEvents becomes a streaming watch (`sendInitialEvents=true`, `resourceVersionMatch=NotOlderThan`).
pub fn apply_list_defaults(opts: &mut ListOptions, v: K8sVersion) {
    if !watch_list_enabled(v)
        || opts.send_initial_events.is_some()
        || !opts.resource_version_match.is_empty()
    {
        return;
    }
    if !opts.watch || !(opts.resource_version.is_empty() || opts.resource_version == "0") {
        return;
    }
    opts.send_initial_events = Some(true);
    opts.resource_version_match = "NotOlderThan".to_owned();
}

fn forbidden(field: &str, detail: &str) -> Cause {
    Cause::new(reason::FORBIDDEN, format!("Forbidden: {detail}"), field)
}

fn not_supported(field: &str, rendered_value: &str, supported: &[&str]) -> Cause {
    let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
    Cause::new(
        reason::NOT_SUPPORTED,
        format!(
            "Unsupported value: {rendered_value}: supported values: {}",
            list.join(", ")
        ),
        field,
    )
}

/// The causes of `ValidateListOptions` for already-defaulted options (see [`apply_list_defaults`]).
pub fn list_options_causes(opts: &ListOptions, v: K8sVersion) -> Vec<Cause> {
    let mut causes = Vec::new();
    let rv_match = opts.resource_version_match.as_str();
    if opts.watch {
        if opts.send_initial_events.is_some() {
            if rv_match != "NotOlderThan" {
                causes.push(forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            if !watch_list_enabled(v) {
                causes.push(forbidden(
                    "sendInitialEvents",
                    "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                ));
            }
        }
        if !rv_match.is_empty() {
            if opts.send_initial_events.is_none() {
                causes.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }
            if rv_match != "NotOlderThan" {
                causes.push(not_supported(
                    "resourceVersionMatch",
                    &go_quote(rv_match),
                    &["NotOlderThan"],
                ));
            }
            if !opts.continue_token.is_empty() {
                causes.push(forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
        }
        return causes;
    }
    if !rv_match.is_empty() {
        if opts.resource_version.is_empty() {
            causes.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        }
        if !opts.continue_token.is_empty() {
            causes.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        }
        if rv_match != "Exact" && rv_match != "NotOlderThan" {
            causes.push(not_supported(
                "resourceVersionMatch",
                &go_quote(rv_match),
                &["Exact", "NotOlderThan", ""],
            ));
        }
        if rv_match == "Exact" && opts.resource_version == "0" {
            causes.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            ));
        }
    }
    if opts.send_initial_events.is_some() {
        causes.push(forbidden(
            "sendInitialEvents",
            "sendInitialEvents is forbidden for list",
        ));
    }
    causes
}

/// Defaults then validates list or watch options for version `v`, as the list handler does.
/// `opts.watch` decides which rule set applies (the deprecated `/watch/` paths set it).
///
/// # Errors
/// The 422 `ListOptions.meta.k8s.io "" is invalid: …` Status.
pub fn validate_list_options(opts: &mut ListOptions, v: K8sVersion) -> Result<(), Status> {
    apply_list_defaults(opts, v);
    let causes = list_options_causes(opts, v);
    if causes.is_empty() {
        Ok(())
    } else {
        Err(Status::invalid_options("ListOptions", causes))
    }
}

/// Which request a non-numeric resourceVersion came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// LIST (and deletecollection).
    List,
    /// GET of one object.
    Get,
    /// WATCH.
    Watch,
}

/// Parses a request's resourceVersion ("" → `None`).
///
/// # Errors
/// A non-numeric value: LIST gives 400 `invalid resource version: resourceVersion: Invalid value: …` from
/// 1.33 and 500 before; GET and WATCH give 500 in every version (recordings, "disagree" item 13).
pub fn parse_resource_version(
    rv: &str,
    kind: ReadKind,
    v: K8sVersion,
) -> Result<Option<u64>, Status> {
    if rv.is_empty() {
        return Ok(None);
    }
    go_parse_uint(rv).map(Some).map_err(|e| {
        let inner = format!("resourceVersion: Invalid value: {}: {e}", go_quote(rv));
        if kind == ReadKind::List && v.at_least(33) {
            Status::bad_request(format!("invalid resource version: {inner}"))
        } else {
            Status::internal(inner)
        }
    })
}

/// The 400 for continue + a resourceVersion other than "" and "0" (checked by storage, after validation).
pub fn check_continue_with_resource_version(opts: &ListOptions) -> Result<(), Status> {
    if !opts.continue_token.is_empty()
        && !opts.resource_version.is_empty()
        && opts.resource_version != "0"
    {
        return Err(Status::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    Ok(())
}

/// A decoded continue token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueToken {
    /// The list's resourceVersion (`-1`: continue at latest, from a 410 answer).
    pub resource_version: i64,
    /// The key to continue from, relative to the list prefix, NUL-terminated: `ep-1\0` or `ns1/ep-1\0`.
    pub start: String,
}

const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_raw_url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64_URL[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Go's `base64.RawURLEncoding.DecodeString` (non-strict: `\r` and `\n` are skipped).
fn base64_raw_url_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut count = 0;
    let mut last_index = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'\r' || b == b'\n' {
            continue;
        }
        let Some(value) = BASE64_URL.iter().position(|&c| c == b) else {
            return Err(format!("illegal base64 data at input byte {i}"));
        };
        acc = (acc << 6) | value as u32;
        count += 1;
        last_index = i;
        if count == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            count = 0;
        }
    }
    match count {
        0 => {}
        1 => return Err(format!("illegal base64 data at input byte {last_index}")),
        2 => out.push((acc >> 4) as u8),
        _ => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
    }
    Ok(out)
}

/// Go's `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Encodes a continue token after `last_key` (relative to the list prefix: `ep-1`, or `ns1/ep-1` across
/// namespaces). From 1.36 the `start` carries a leading slash (recordings, "disagree" item 5).
pub fn encode_continue(resource_version: i64, last_key: &str, v: K8sVersion) -> String {
    let start = if v.at_least(36) {
        format!("/{last_key}\u{0}")
    } else {
        format!("{last_key}\u{0}")
    };
    let mut token = serde_json::Map::new();
    token.insert("v".to_owned(), Value::String("meta.k8s.io/v1".to_owned()));
    token.insert("rv".to_owned(), Value::from(resource_version));
    token.insert("start".to_owned(), Value::String(start));
    let mut json = crate::json::to_go_json(&Value::Object(token)).unwrap_or_default();
    json.pop(); // json.Marshal has no trailing newline.
    base64_raw_url_encode(&json)
}

fn continue_error(detail: &str) -> Status {
    Status::bad_request(format!(
        "invalid continue token: continue key is not valid: {detail}"
    ))
}

/// Decodes a continue token (both the old and the 1.36 leading-slash `start` are accepted).
///
/// # Errors
/// The 400 `invalid continue token: continue key is not valid: …` Status.
pub fn decode_continue(token: &str) -> Result<ContinueToken, Status> {
    let data = base64_raw_url_decode(token).map_err(|e| continue_error(&e))?;
    let node = gojson::parse(&data).map_err(|e| continue_error(&e))?;
    let mut version = String::new();
    let mut resource_version = 0i64;
    let mut start = String::new();
    match &node {
        Node::Object(members) => {
            for (key, value) in members {
                // encoding/json matches field names case-insensitively.
                let field = key.to_ascii_lowercase();
                let type_error = |ty: &str| {
                    continue_error(&format!(
                        "json: cannot unmarshal {} into Go struct field continueToken.{field} of type {ty}",
                        value.kind_word()
                    ))
                };
                match (field.as_str(), value) {
                    (_, Node::Null) => {}
                    ("v", Node::String(s)) => version = s.clone(),
                    ("start", Node::String(s)) => start = s.clone(),
                    ("rv", Node::Number(n)) => {
                        resource_version = n.parse::<i64>().map_err(|_| {
                            continue_error(&format!("json: cannot unmarshal number {n} into Go struct field continueToken.rv of type int64"))
                        })?;
                    }
                    ("v" | "start", _) => return Err(type_error("string")),
                    ("rv", _) => return Err(type_error("int64")),
                    _ => {}
                }
            }
        }
        Node::Null => {}
        other => {
            return Err(continue_error(&format!(
                "json: cannot unmarshal {} into Go value of type storage.continueToken",
                other.kind_word()
            )));
        }
    }
    if version != "meta.k8s.io/v1" {
        return Err(continue_error(&format!(
            "server does not recognize this encoded version {version}"
        )));
    }
    if resource_version == 0 {
        return Err(continue_error(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    if start.is_empty() {
        return Err(continue_error(
            "encoded start key empty (version meta.k8s.io/v1)",
        ));
    }
    let key = if start.starts_with('/') {
        start.clone()
    } else {
        format!("/{start}")
    };
    if path_clean(&key) != key {
        return Err(continue_error(&start));
    }
    Ok(ContinueToken {
        resource_version,
        start: key[1..].to_owned(),
    })
}

/// What a write request carries (decides which options kind and rules apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// POST: `CreateOptions`.
    Create,
    /// PUT: `UpdateOptions`.
    Update,
    /// PATCH: `PatchOptions`; `apply` for `application/apply-patch+yaml`.
    Patch {
        /// Server-side apply.
        apply: bool,
    },
}

/// `fieldValidation` directives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    /// Drop unknown fields silently.
    Ignore,
    /// Warn about unknown and duplicate fields (the default, also for "").
    Warn,
    /// Reject unknown and duplicate fields.
    Strict,
}

/// Decoded Create/Update/PatchOptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldManager` as sent (empty when absent).
    pub field_manager: String,
    /// The effective fieldValidation.
    pub field_validation: FieldValidation,
    /// `force` (patch only; any value on a non-apply patch is rejected).
    pub force: Option<bool>,
}

fn field_manager_causes(manager: &str, v: K8sVersion) -> Vec<Cause> {
    let mut causes = Vec::new();
    if manager.len() > 128 {
        causes.push(Cause::new(
            reason::TOO_LONG,
            format!("Too long: {}", too_long_detail(128, v)),
            "fieldManager",
        ));
    }
    for (position, ch) in manager.char_indices() {
        if !is_go_printable(ch) || (ch != ' ' && ch.is_whitespace()) {
            causes.push(Cause::new(
                reason::INVALID,
                format!(
                    "Invalid value: {}: invalid character {} (at position {position})",
                    go_quote(manager),
                    go_rune_u(ch)
                ),
                "fieldManager",
            ));
        }
    }
    causes
}

fn dry_run_causes(values: &[&str], v: K8sVersion) -> Vec<Cause> {
    if values.iter().all(|d| *d == "All") {
        return Vec::new();
    }
    let go: Vec<String> = values.iter().map(|s| go_quote(s)).collect();
    let rendered = if v.at_least(34) {
        serde_json::to_string(values).unwrap_or_default()
    } else {
        format!("[]string{{{}}}", go.join(", "))
    };
    vec![not_supported("dryRun", &rendered, &["All"])]
}

/// Parses and validates write options (`ValidateCreateOptions`, `ValidateUpdateOptions`, `ValidatePatchOptions`).
///
/// # Errors
/// The 422 `CreateOptions.meta.k8s.io "" is invalid: …` (or Update/Patch) Status.
pub fn parse_write_options(
    query: &QueryPairs,
    kind: WriteKind,
    v: K8sVersion,
) -> Result<WriteOptions, Status> {
    let dry_run = all(query, "dryRun");
    let field_manager = first(query, "fieldManager").unwrap_or("").to_owned();
    let field_validation_text = first(query, "fieldValidation").unwrap_or("");
    let force = match kind {
        WriteKind::Patch { .. } => first(query, "force").map(query_bool),
        _ => None,
    };
    let mut causes = Vec::new();
    if let WriteKind::Patch { apply } = kind {
        if !apply && force.is_some() {
            causes.push(forbidden(
                "force",
                "may not be specified for non-apply patch",
            ));
        }
        if apply && field_manager.is_empty() {
            causes.push(Cause::new(
                reason::REQUIRED,
                "Required value: is required for apply patch",
                "fieldManager",
            ));
        }
    }
    causes.extend(field_manager_causes(&field_manager, v));
    causes.extend(dry_run_causes(&dry_run, v));
    let field_validation = match field_validation_text {
        "" | "Warn" => FieldValidation::Warn,
        "Ignore" => FieldValidation::Ignore,
        "Strict" => FieldValidation::Strict,
        other => {
            causes.push(not_supported(
                "fieldValidation",
                &go_quote(other),
                &["", "Ignore", "Strict", "Warn"],
            ));
            FieldValidation::Warn
        }
    };
    if !causes.is_empty() {
        let options_kind = match kind {
            WriteKind::Create => "CreateOptions",
            WriteKind::Update => "UpdateOptions",
            WriteKind::Patch { .. } => "PatchOptions",
        };
        return Err(Status::invalid_options(options_kind, causes));
    }
    Ok(WriteOptions {
        dry_run: !dry_run.is_empty(),
        field_manager,
        field_validation,
        force,
    })
}

/// `propagationPolicy` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// `Foreground`.
    Foreground,
    /// `Background`.
    Background,
    /// `Orphan`.
    Orphan,
}

/// Decoded DeleteOptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `gracePeriodSeconds` (no effect on Endpoints).
    pub grace_period_seconds: Option<i64>,
    /// `orphanDependents` (deprecated).
    pub orphan_dependents: Option<bool>,
    /// `propagationPolicy`.
    pub propagation_policy: Option<Propagation>,
    /// `preconditions.uid` (body only).
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion` (body only).
    pub precondition_resource_version: Option<String>,
}

fn delete_body_error(message: String, v: K8sVersion) -> Status {
    // handlers/delete.go wraps decode errors as BadRequest only from 1.35.
    if v.at_least(35) {
        Status::bad_request(message)
    } else {
        Status::internal(message)
    }
}

/// Parses DeleteOptions from the body when it is non-empty, otherwise from the query, and validates them.
///
/// # Errors
/// A malformed body (500 up to 1.34, 400 from 1.35), an unparseable `gracePeriodSeconds` (400), or the 422
/// `DeleteOptions.meta.k8s.io "" is invalid: …` Status.
pub fn parse_delete_options(
    body: &[u8],
    query: &QueryPairs,
    v: K8sVersion,
) -> Result<DeleteOptions, Status> {
    let mut dry_run: Vec<String> = Vec::new();
    let mut opts = DeleteOptions::default();
    let policy_text: Option<String>;
    if body.iter().any(|b| !b.is_ascii_whitespace()) {
        let node = gojson::parse(body).map_err(|e| {
            delete_body_error(
                format!("couldn't get version/kind; json parse error: {e}"),
                v,
            )
        })?;
        let value = node.to_value();
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        let registered = matches!(api_version, "" | "v1" | "meta.k8s.io/v1")
            && matches!(kind, "" | "DeleteOptions");
        if !registered {
            let scheme = if v.at_least(29) {
                "pkg/apis/meta/internalversion/scheme/register.go:27"
            } else {
                "pkg/runtime/scheme.go:100"
            };
            let version = if api_version.is_empty() {
                "v1"
            } else {
                api_version
            };
            return Err(delete_body_error(
                format!(
                    "no kind {} is registered for version {} in scheme {}",
                    go_quote(kind),
                    go_quote(version),
                    go_quote(scheme)
                ),
                v,
            ));
        }
        if let Some(items) = value.get("dryRun").and_then(Value::as_array) {
            dry_run = items
                .iter()
                .map(|d| d.as_str().unwrap_or("").to_owned())
                .collect();
        }
        opts.grace_period_seconds = value.get("gracePeriodSeconds").and_then(Value::as_i64);
        opts.orphan_dependents = value.get("orphanDependents").and_then(Value::as_bool);
        policy_text = value
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(str::to_owned);
        opts.precondition_uid = value
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        opts.precondition_resource_version = value
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_owned);
    } else {
        dry_run = all(query, "dryRun")
            .into_iter()
            .map(str::to_owned)
            .collect();
        opts.grace_period_seconds = int_param(query, "gracePeriodSeconds")?;
        opts.orphan_dependents = first(query, "orphanDependents").map(query_bool);
        policy_text = first(query, "propagationPolicy").map(str::to_owned);
    }
    let mut causes = Vec::new();
    if let (Some(_), Some(policy)) = (opts.orphan_dependents, &policy_text) {
        causes.push(Cause::new(
            reason::INVALID,
            format!(
                "Invalid value: {}: orphanDependents and deletionPropagation cannot be both set",
                go_quote(policy)
            ),
            "propagationPolicy",
        ));
    }
    opts.propagation_policy = match policy_text.as_deref() {
        None => None,
        Some("Foreground") => Some(Propagation::Foreground),
        Some("Background") => Some(Propagation::Background),
        Some("Orphan") => Some(Propagation::Orphan),
        Some(other) => {
            causes.push(not_supported(
                "propagationPolicy",
                &go_quote(other),
                &["Foreground", "Background", "Orphan", "nil"],
            ));
            None
        }
    };
    let dry_run_refs: Vec<&str> = dry_run.iter().map(String::as_str).collect();
    causes.extend(dry_run_causes(&dry_run_refs, v));
    if !causes.is_empty() {
        return Err(Status::invalid_options("DeleteOptions", causes));
    }
    opts.dry_run = !dry_run.is_empty();
    Ok(opts)
}

/// The field manager used when `fieldManager` is empty: the User-Agent up to the first `/`, non-printable
/// runes dropped, cut to at most 128 bytes on a rune boundary.
pub fn default_field_manager(user_agent: &str) -> String {
    let prefix = user_agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for ch in prefix.chars() {
        if !is_go_printable(ch) || (ch != ' ' && ch.is_whitespace()) {
            continue;
        }
        if out.len() + ch.len_utf8() > 128 {
            break;
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V28: K8sVersion = K8sVersion::new(28);
    const V36: K8sVersion = K8sVersion::new(36);

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn list_message(pairs: &[(&str, &str)], v: K8sVersion) -> Option<String> {
        let mut opts = parse_list_options(&q(pairs)).unwrap();
        validate_list_options(&mut opts, v).err().map(|s| s.message)
    }

    #[test]
    fn strconv_texts_and_lenient_bools() {
        assert_eq!(
            parse_list_options(&q(&[("limit", "abc")]))
                .unwrap_err()
                .message,
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert!(
            parse_list_options(&q(&[("timeoutSeconds", "99999999999999999999")]))
                .unwrap_err()
                .message
                .ends_with("value out of range")
        );
        assert!(parse_list_options(&q(&[("watch", "maybe")])).unwrap().watch);
        assert!(!parse_list_options(&q(&[("watch", "FALSE")])).unwrap().watch);
        assert_eq!(
            parse_list_options(&q(&[("limit", "-1")])).unwrap().limit,
            -1
        );
    }

    #[test]
    fn watch_list_gate_per_version() {
        let versions: Vec<u32> = K8sVersion::all()
            .filter(|v| watch_list_enabled(*v))
            .map(|v| v.minor)
            .collect();
        assert_eq!(versions, vec![32, 34, 35, 36]);
        let streaming = [("watch", "1"), ("sendInitialEvents", "true")];
        assert_eq!(
            list_message(&streaming, V28).unwrap(),
            "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled]"
        );
        assert!(
            list_message(
                &[
                    ("watch", "1"),
                    ("sendInitialEvents", "false"),
                    ("resourceVersionMatch", "NotOlderThan")
                ],
                V36
            )
            .is_none()
        );
        let with_continue = [("watch", "1"), ("continue", "x")];
        assert!(list_message(&with_continue, V28).is_none());
        assert_eq!(
            list_message(&with_continue, V36).unwrap(),
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"
        );
    }

    #[test]
    fn list_rules() {
        assert!(
            list_message(&[("resourceVersionMatch", "NotOlderThan")], V28)
                .unwrap()
                .ends_with("resourceVersionMatch is forbidden unless resourceVersion is provided")
        );
        assert!(
            list_message(
                &[("resourceVersion", "0"), ("resourceVersionMatch", "Exact")],
                V28
            )
            .unwrap()
            .ends_with("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
        );
        assert!(
            list_message(
                &[("resourceVersion", "1"), ("resourceVersionMatch", "bogus")],
                V28
            )
            .unwrap()
            .ends_with("supported values: \"Exact\", \"NotOlderThan\", \"\"")
        );
        assert!(
            list_message(&[("sendInitialEvents", "true")], V36)
                .unwrap()
                .ends_with("sendInitialEvents is forbidden for list")
        );
    }

    #[test]
    fn resource_version_errors() {
        let old = parse_resource_version("abc", ReadKind::List, V28).unwrap_err();
        assert_eq!(
            (old.code, old.message.as_str()),
            (
                500,
                "resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax"
            )
        );
        let new = parse_resource_version("abc", ReadKind::List, V36).unwrap_err();
        assert_eq!(new.code, 400);
        assert!(new.message.starts_with("invalid resource version: "));
        assert_eq!(
            parse_resource_version("abc", ReadKind::Get, V36)
                .unwrap_err()
                .code,
            500
        );
        assert_eq!(
            parse_resource_version("12", ReadKind::Watch, V36).unwrap(),
            Some(12)
        );
        let mut opts = ListOptions {
            continue_token: "t".into(),
            resource_version: "5".into(),
            ..ListOptions::default()
        };
        assert!(check_continue_with_resource_version(&opts).is_err());
        opts.resource_version = "0".into();
        assert!(check_continue_with_resource_version(&opts).is_ok());
    }

    #[test]
    fn continue_tokens() {
        assert_eq!(
            encode_continue(-1, "ep2", V28),
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiZXAyXHUwMDAwIn0"
        );
        let token = encode_continue(7, "ns1/ep-1", V36);
        assert_eq!(
            decode_continue(&token).unwrap(),
            ContinueToken {
                resource_version: 7,
                start: "ns1/ep-1\u{0}".into()
            }
        );
        assert_eq!(
            decode_continue(&encode_continue(7, "ep-1", V28))
                .unwrap()
                .start,
            "ep-1\u{0}"
        );
        assert_eq!(
            decode_continue("not-a-token").unwrap_err().message,
            "invalid continue token: continue key is not valid: invalid character '\\u009e' looking for beginning of value"
        );
        let encode = |json: &str| base64_raw_url_encode(json.as_bytes());
        assert!(
            decode_continue(&encode(
                r#"{"v":"meta.k8s.io/v1","rv":0,"start":"a\u0000"}"#
            ))
            .unwrap_err()
            .message
            .ends_with("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"v9","rv":1,"start":"a"}"#))
                .unwrap_err()
                .message
                .ends_with("server does not recognize this encoded version v9")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"meta.k8s.io/v1","rv":1,"start":""}"#))
                .unwrap_err()
                .message
                .ends_with("encoded start key empty (version meta.k8s.io/v1)")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}"#))
                .unwrap_err()
                .message
                .ends_with("not valid: ../x")
        );
        assert_eq!(
            decode_continue("a").unwrap_err().message,
            "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"
        );
        assert_eq!(path_clean("/a/./b/../c//"), "/a/c");
    }

    #[test]
    fn write_options() {
        let long = "m".repeat(129);
        let create = parse_write_options(&q(&[("fieldManager", &long)]), WriteKind::Create, V28)
            .unwrap_err();
        assert_eq!(
            create.message,
            "CreateOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: must have at most 128 bytes"
        );
        let dry =
            parse_write_options(&q(&[("dryRun", "bogus")]), WriteKind::Create, V36).unwrap_err();
        assert_eq!(
            dry.message,
            "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"bogus\"]: supported values: \"All\""
        );
        let fv = parse_write_options(&q(&[("fieldValidation", "bogus")]), WriteKind::Update, V36)
            .unwrap_err();
        assert!(fv.message.starts_with("UpdateOptions.meta.k8s.io"));
        let force = parse_write_options(
            &q(&[("force", "false")]),
            WriteKind::Patch { apply: false },
            V36,
        )
        .unwrap_err();
        assert_eq!(
            force.message,
            "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
        );
        let apply =
            parse_write_options(&q(&[]), WriteKind::Patch { apply: true }, V36).unwrap_err();
        assert!(
            apply
                .message
                .ends_with("fieldManager: Required value: is required for apply patch")
        );
        let tab = parse_write_options(&q(&[("fieldManager", "a\tb")]), WriteKind::Create, V36)
            .unwrap_err();
        assert!(tab.message.ends_with(
            "fieldManager: Invalid value: \"a\\tb\": invalid character U+0009 (at position 1)"
        ));
        let ok = parse_write_options(
            &q(&[("dryRun", "All"), ("fieldValidation", "Strict")]),
            WriteKind::Create,
            V36,
        )
        .unwrap();
        assert!(ok.dry_run && ok.field_validation == FieldValidation::Strict);
    }

    #[test]
    fn delete_options() {
        let both = parse_delete_options(
            b"",
            &q(&[
                ("orphanDependents", "true"),
                ("propagationPolicy", "Background"),
            ]),
            V36,
        )
        .unwrap_err();
        assert_eq!(
            both.message,
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"Background\": orphanDependents and deletionPropagation cannot be both set"
        );
        let bogus =
            parse_delete_options(b"", &q(&[("propagationPolicy", "Bogus")]), V36).unwrap_err();
        assert!(
            bogus
                .message
                .ends_with("supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"")
        );
        let dry = parse_delete_options(b"", &q(&[("dryRun", "bogus")]), V28).unwrap_err();
        assert!(dry.message.ends_with(
            "dryRun: Unsupported value: []string{\"bogus\"}: supported values: \"All\""
        ));
        let old = parse_delete_options(b"not json", &q(&[]), V28).unwrap_err();
        assert_eq!(
            (old.code, old.message.as_str()),
            (
                500,
                "couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u')"
            )
        );
        assert_eq!(
            parse_delete_options(b"not json", &q(&[]), V36)
                .unwrap_err()
                .code,
            400
        );
        let kind = parse_delete_options(br#"{"kind":"Endpoints","apiVersion":"v1"}"#, &q(&[]), V36)
            .unwrap_err();
        assert_eq!(
            kind.message,
            "no kind \"Endpoints\" is registered for version \"v1\" in scheme \"pkg/apis/meta/internalversion/scheme/register.go:27\""
        );
        let body = parse_delete_options(
            br#"{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}"#,
            &q(&[("dryRun", "bogus")]),
            V36,
        )
        .unwrap();
        assert!(body.dry_run, "the query is ignored when a body is present");
    }

    #[test]
    fn field_manager_from_user_agent() {
        assert_eq!(
            default_field_manager("kubectl/v1.36.0 (linux/amd64)"),
            "kubectl"
        );
        assert_eq!(default_field_manager("a\tb/x"), "ab");
        assert_eq!(default_field_manager(&"é".repeat(100)).len(), 128);
    }
}
