//! Query and body options of each operation, parsed and validated into what the handlers need.
//!
//! The validation rules and their texts belong to `kconform_spec::options`; this module calls it and
//! only turns the result into handler-friendly types. Pieces the spec crate does not provide yet are
//! marked `TODO(spec)` and listed in the mock's report, to move there.

use base64::Engine;
use kconform_spec::K8sVersion;
use kconform_spec::cause::Cause;
use kconform_spec::status::Status;
use serde_json::Value;

use crate::http::{ApiError, Query};
use crate::selector::{FieldSelector, LabelSelector};

/// `fieldValidation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

/// Create, update and patch options.
#[derive(Debug, Clone)]
pub(crate) struct WriteOpts {
    pub(crate) dry_run: bool,
    pub(crate) field_manager: Option<String>,
    pub(crate) field_validation: FieldValidation,
    pub(crate) force: Option<bool>,
}

/// Where a list reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadAt {
    /// The newest state (resourceVersion "" or "0").
    Latest,
    /// Not older than this revision (waits for it).
    NotOlderThan(u64),
    /// Exactly this revision (410 if compacted).
    Exact(u64),
    /// A continue token: its revision (-1: latest) and start key.
    Continue { rv: i64, start: String },
}

/// List (and deletecollection) options.
#[derive(Debug, Clone)]
pub(crate) struct ListOpts {
    pub(crate) labels: LabelSelector,
    pub(crate) fields: FieldSelector,
    pub(crate) limit: Option<usize>,
    pub(crate) read_at: ReadAt,
}

/// Delete options.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeleteOpts {
    pub(crate) dry_run: bool,
    pub(crate) propagation: Option<String>,
    pub(crate) orphan_dependents: Option<bool>,
    pub(crate) precondition_uid: Option<String>,
    pub(crate) precondition_rv: Option<String>,
}

fn strconv_int(value: &str) -> Result<i64, ApiError> {
    value.trim().parse::<i64>().map_err(|err| {
        let why = if matches!(
            err.kind(),
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
        ) {
            "value out of range"
        } else {
            "invalid syntax"
        };
        ApiError::bad_request(format!("strconv.ParseInt: parsing {value:?}: {why}"))
    })
}

/// Go's query-to-bool conversion: only `0` and `false` (any case) are false.
pub(crate) fn lenient_bool(value: &str) -> bool {
    !(value == "0" || value.eq_ignore_ascii_case("false"))
}

/// Parse and validate list options (kube-apiserver's order: value conversion, selectors, ListOptions
/// validation, continue token, resourceVersion).
pub(crate) fn list_options(query: &Query, v: K8sVersion) -> Result<ListOpts, ApiError> {
    for key in ["timeoutSeconds", "limit"] {
        if let Some(value) = query.get(key).filter(|value| !value.is_empty()) {
            strconv_int(value)?;
        }
    }
    let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or(""))
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or(""))
        .map_err(ApiError::bad_request)?;
    let spec_opts =
        kconform_spec::options::parse_list_options(query.pairs()).map_err(ApiError::status)?;
    kconform_spec::options::validate_list_options(&spec_opts, false, v)
        .map_err(ApiError::status)?;
    let rv = query.get("resourceVersion").unwrap_or("");
    let rv_match = query.get("resourceVersionMatch").unwrap_or("");
    validate_list_rules(
        rv,
        rv_match,
        query.get("continue").unwrap_or(""),
        query.has("sendInitialEvents"),
    )?;
    let limit = match query.get("limit").filter(|value| !value.is_empty()) {
        Some(value) => usize::try_from(strconv_int(value)?)
            .ok()
            .filter(|limit| *limit > 0),
        None => None,
    };
    let token = query.get("continue").unwrap_or("");
    if !token.is_empty() {
        let (rv_in_token, start) = decode_continue(token)
            .map_err(|err| ApiError::bad_request(format!("invalid continue token: {err}")))?;
        if !rv.is_empty() && rv != "0" {
            return Err(ApiError::bad_request(
                "specifying resource version is not allowed when using continue",
            ));
        }
        return Ok(ListOpts {
            labels,
            fields,
            limit,
            read_at: ReadAt::Continue {
                rv: rv_in_token,
                start,
            },
        });
    }
    if rv.is_empty() {
        return Ok(ListOpts {
            labels,
            fields,
            limit,
            read_at: ReadAt::Latest,
        });
    }
    let Ok(parsed) = rv.parse::<u64>() else {
        let inner = format!(
            "resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: invalid syntax"
        );
        return Err(if v.at_least(33) {
            ApiError::bad_request(format!("invalid resource version: {inner}"))
        } else {
            ApiError::internal(inner)
        });
    };
    let read_at = match (parsed, rv_match) {
        (0, _) => ReadAt::Latest,
        (n, "Exact") => ReadAt::Exact(n),
        (n, "NotOlderThan") => ReadAt::NotOlderThan(n),
        (n, _) if limit.is_some() => ReadAt::Exact(n),
        (n, _) => ReadAt::NotOlderThan(n),
    };
    // resourceVersion=0 serves the cache: the limit is ignored.
    let limit = if parsed == 0 { None } else { limit };
    Ok(ListOpts {
        labels,
        fields,
        limit,
        read_at,
    })
}

// TODO(spec): kconform_spec::options::validate_list_options is still a stub; these are the §4.1 rules,
// to delete once it enforces them.
fn validate_list_rules(
    rv: &str,
    rv_match: &str,
    token: &str,
    send_initial_events: bool,
) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    if !rv_match.is_empty() {
        if rv.is_empty() {
            causes.push(Cause::new(
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                "resourceVersionMatch",
            ));
        }
        if !token.is_empty() {
            causes.push(Cause::new(
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                "resourceVersionMatch",
            ));
        }
        match rv_match {
            "Exact" if rv == "0" => causes.push(Cause::new(
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                "resourceVersionMatch",
            )),
            "Exact" | "NotOlderThan" => {}
            other => causes.push(Cause::new(
                "FieldValueNotSupported",
                format!("Unsupported value: {other:?}: supported values: \"Exact\", \"NotOlderThan\", \"\""),
                "resourceVersionMatch",
            )),
        }
    }
    if send_initial_events {
        causes.push(Cause::new(
            "FieldValueForbidden",
            "Forbidden: sendInitialEvents is forbidden for list",
            "sendInitialEvents",
        ));
    }
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::status(Status::invalid_options(
        "ListOptions",
        causes,
    )))
}

// TODO(spec): continue tokens belong to kconform_spec::options (contract §4.3).
/// Encode a continue token (`base64url-raw({"v":"meta.k8s.io/v1","rv":N,"start":"..."})`).
pub(crate) fn encode_continue(rv: i64, start: &str) -> String {
    let json = serde_json::json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Decode a continue token into its revision and start key (without a leading slash).
pub(crate) fn decode_continue(token: &str) -> Result<(i64, String), String> {
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|err| format!("continue key is not valid: {err}"))?;
    let value: Value = serde_json::from_slice(&data)
        .map_err(|err| format!("continue key is not valid: {}", go_json_error(&data, &err)))?;
    let version = value.get("v").and_then(Value::as_str).unwrap_or("");
    if version != "meta.k8s.io/v1" {
        return Err(format!(
            "continue key is not valid: server does not recognize this encoded version {version}"
        ));
    }
    let rv = value.get("rv").and_then(Value::as_i64).unwrap_or(0);
    if rv == 0 {
        return Err("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_owned());
    }
    let start = value.get("start").and_then(Value::as_str).unwrap_or("");
    if start.is_empty() {
        return Err(
            "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
                .to_owned(),
        );
    }
    let key = if start.starts_with('/') {
        start.to_owned()
    } else {
        format!("/{start}")
    };
    if key
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
        || key.contains("//")
    {
        return Err(format!("continue key is not valid: {start}"));
    }
    Ok((rv, key[1..].to_owned()))
}

fn dry_run(query: &Query, options_kind: &'static str, v: K8sVersion) -> Result<bool, ApiError> {
    let values = query.all("dryRun");
    dry_run_values(
        &values.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        options_kind,
        v,
    )
}

// TODO(spec): CreateOptions/UpdateOptions/PatchOptions/DeleteOptions validation belongs to
// kconform_spec::options (contract); remove these once it is there.
fn dry_run_values(
    values: &[String],
    options_kind: &'static str,
    v: K8sVersion,
) -> Result<bool, ApiError> {
    let bad: Vec<&String> = values
        .iter()
        .filter(|value| value.as_str() != "All")
        .collect();
    if bad.is_empty() {
        return Ok(!values.is_empty());
    }
    let rendered = if v.at_least(34) {
        serde_json::to_string(values).unwrap_or_default()
    } else {
        format!(
            "[]string{{{}}}",
            values
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let cause = Cause::new(
        "FieldValueNotSupported",
        format!("Unsupported value: {rendered}: supported values: \"All\""),
        "dryRun",
    );
    Err(ApiError::status(Status::invalid_options(
        options_kind,
        vec![cause],
    )))
}

fn write_options(
    query: &Query,
    kind: &'static str,
    v: K8sVersion,
    apply: Option<bool>,
) -> Result<WriteOpts, ApiError> {
    let dry_run = dry_run(query, kind, v)?;
    let mut causes = Vec::new();
    let field_manager = query
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    if let Some(manager) = &field_manager {
        if manager.len() > 128 {
            let detail = if v.at_least(32) {
                "may not be more than 128 bytes"
            } else {
                "must have at most 128 bytes"
            };
            causes.push(Cause::new(
                "FieldValueTooLong",
                format!("Too long: {detail}"),
                "fieldManager",
            ));
        } else if let Some((index, c)) = manager.chars().enumerate().find(|(_, c)| c.is_control()) {
            causes.push(Cause::new(
                "FieldValueInvalid",
                format!(
                    "Invalid value: {manager:?}: invalid character U+{:04X} (at position {index})",
                    u32::from(c)
                ),
                "fieldManager",
            ));
        }
    }
    let force = query.get("force").map(lenient_bool);
    match apply {
        Some(true) if field_manager.is_none() => {
            causes.push(Cause::new(
                "FieldValueRequired",
                "Required value: is required for apply patch",
                "fieldManager",
            ));
        }
        Some(false) if force.is_some() => {
            causes.push(Cause::new(
                "FieldValueForbidden",
                "Forbidden: may not be specified for non-apply patch",
                "force",
            ));
        }
        _ => {}
    }
    let field_validation = match query.get("fieldValidation").unwrap_or("") {
        "" | "Warn" => FieldValidation::Warn,
        "Ignore" => FieldValidation::Ignore,
        "Strict" => FieldValidation::Strict,
        other => {
            causes.push(Cause::new(
                "FieldValueNotSupported",
                format!("Unsupported value: {other:?}: supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""),
                "fieldValidation",
            ));
            FieldValidation::Warn
        }
    };
    if !causes.is_empty() {
        return Err(ApiError::status(Status::invalid_options(kind, causes)));
    }
    Ok(WriteOpts {
        dry_run,
        field_manager,
        field_validation,
        force,
    })
}

/// `CreateOptions`.
pub(crate) fn create_options(query: &Query, v: K8sVersion) -> Result<WriteOpts, ApiError> {
    write_options(query, "CreateOptions", v, None)
}

/// `UpdateOptions`.
pub(crate) fn update_options(query: &Query, v: K8sVersion) -> Result<WriteOpts, ApiError> {
    write_options(query, "UpdateOptions", v, None)
}

/// `PatchOptions` (`apply`: the patch is server-side apply).
pub(crate) fn patch_options(
    query: &Query,
    v: K8sVersion,
    apply: bool,
) -> Result<WriteOpts, ApiError> {
    write_options(query, "PatchOptions", v, Some(apply))
}

/// `DeleteOptions` from the body when there is one, else from the query.
pub(crate) fn delete_options(
    query: &Query,
    body: &[u8],
    v: K8sVersion,
) -> Result<DeleteOpts, ApiError> {
    let body_error = |message: String| {
        if v.at_least(35) {
            ApiError::bad_request(message)
        } else {
            ApiError::internal(message)
        }
    };
    let mut opts = DeleteOpts::default();
    let dry_run_list: Vec<String>;
    if body.iter().any(|b| !b.is_ascii_whitespace()) {
        let value: Value = serde_json::from_slice(body).map_err(|err| {
            body_error(format!(
                "couldn't get version/kind; json parse error: {}",
                go_json_error(body, &err)
            ))
        })?;
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kind.is_empty() && kind != "DeleteOptions" {
            return Err(body_error(format!(
                "no kind {kind:?} is registered for version {:?} in scheme \"pkg/apis/meta/internalversion/scheme/register.go:27\"",
                api_version
            )));
        }
        dry_run_list = value
            .get("dryRun")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        opts.propagation = value
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(str::to_owned);
        opts.orphan_dependents = value.get("orphanDependents").and_then(Value::as_bool);
        opts.precondition_uid = value
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        opts.precondition_rv = value
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_owned);
    } else {
        dry_run_list = query.all("dryRun").into_iter().map(str::to_owned).collect();
        if let Some(seconds) = query.get("gracePeriodSeconds").filter(|s| !s.is_empty()) {
            strconv_int(seconds)?;
        }
        opts.propagation = query.get("propagationPolicy").map(str::to_owned);
        opts.orphan_dependents = query.get("orphanDependents").map(lenient_bool);
    }
    opts.dry_run = dry_run_values(&dry_run_list, "DeleteOptions", v)?;
    let mut causes = Vec::new();
    if let Some(policy) = &opts.propagation {
        if opts.orphan_dependents.is_some() {
            causes.push(Cause::new(
                "FieldValueInvalid",
                format!("Invalid value: {policy:?}: orphanDependents and deletionPropagation cannot be both set"),
                "propagationPolicy",
            ));
        }
        if !["Foreground", "Background", "Orphan"].contains(&policy.as_str()) {
            causes.push(Cause::new(
                "FieldValueNotSupported",
                format!("Unsupported value: {policy:?}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                "propagationPolicy",
            ));
        }
    }
    if !causes.is_empty() {
        return Err(ApiError::status(Status::invalid_options(
            "DeleteOptions",
            causes,
        )));
    }
    Ok(opts)
}

// TODO(spec): Go's encoding/json syntax error texts belong with the decoder in kconform_spec::decode.
/// Go's `encoding/json` text for a syntax error in `data` (approximated from serde's position).
pub(crate) fn go_json_error(data: &[u8], err: &serde_json::Error) -> String {
    if err.is_eof() || data.iter().all(u8::is_ascii_whitespace) {
        return "unexpected end of JSON input".to_owned();
    }
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let first_byte = data[start];
    if first_byte >= 0x80 {
        // Go reports the raw byte as a rune.
        return format!("invalid character '\\u{first_byte:04x}' looking for beginning of value");
    }
    let text = String::from_utf8_lossy(&data[start..]);
    let first = char::from(first_byte);
    for literal in ["true", "false", "null"] {
        if literal.starts_with(first) {
            for (have, want) in text.chars().zip(literal.chars()).skip(1) {
                if have != want {
                    return format!(
                        "invalid character {} in literal {literal} (expecting {})",
                        go_quote_char(have),
                        go_quote_char(want)
                    );
                }
            }
        }
    }
    if !matches!(first, '{' | '[' | '"' | '-' | '0'..='9' | 't' | 'f' | 'n') {
        return format!(
            "invalid character {} looking for beginning of value",
            go_quote_char(first)
        );
    }
    err.to_string()
}

fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_owned(),
        '"' => "'\"'".to_owned(),
        c if c.is_ascii_graphic() || c == ' ' => format!("'{c}'"),
        c => format!("'\\u{:04x}'", u32::from(c)),
    }
}

/// Go's `%v` of a decoded JSON value (`map[foo:bar]`), as kube-apiserver prints a strategic patch.
pub(crate) fn go_map_text(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_map_text).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_map_text(&map[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// JSON with object keys sorted (Go's encoding of a decoded map), for patched objects quoted in 422s.
pub(crate) fn sorted_json_text(value: &Value) -> String {
    fn sort(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sort(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    // Go keeps struct order inside managedFields entries (they pass through as raw JSON).
    let mut sorted = sort(value);
    if let (Some(entries), Some(original)) = (
        sorted.pointer_mut("/metadata/managedFields"),
        value.pointer("/metadata/managedFields"),
    ) {
        *entries = original.clone();
    }
    String::from_utf8(kconform_spec::json::to_go_json(&sorted).unwrap_or_default())
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_what_kube_apiserver_rejects() {
        let token = encode_continue(12, "/ep-1\u{0}");
        assert_eq!(decode_continue(&token), Ok((12, "ep-1\u{0}".to_owned())));
        assert_eq!(
            decode_continue(&encode_continue(3, "ns/ep\u{0}")),
            Ok((3, "ns/ep\u{0}".to_owned()))
        );
        assert_eq!(
            decode_continue(&encode_continue(0, "ep-1\u{0}")).unwrap_err(),
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        );
        assert_eq!(
            decode_continue(&encode_continue(1, "")).unwrap_err(),
            "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
        );
        assert_eq!(
            decode_continue("not-a-token").unwrap_err(),
            "continue key is not valid: invalid character '\\u009e' looking for beginning of value"
        );
        assert!(decode_continue(&encode_continue(1, "../x")).is_err());
    }

    #[test]
    fn go_texts() {
        assert_eq!(
            go_json_error(
                b"not json",
                &serde_json::from_slice::<Value>(b"not json").unwrap_err()
            ),
            "invalid character 'o' in literal null (expecting 'u')"
        );
        assert_eq!(
            go_map_text(&serde_json::json!({"foo": "bar", "a": [1, "x"]})),
            "map[a:[1 x] foo:bar]"
        );
    }
}
