//! What every options kind shares: reading query pairs the way apimachinery's parameter codec does
//! (first value wins, lenient booleans, `strconv.ParseInt` integers) and the causes several kinds give.

use crate::cause::{Cause, reason};
use crate::gotext::{go_parse_int, go_quote};
use crate::status::Status;
use crate::version::K8sVersion;

/// Query parameters as (name, value) pairs, in request order (repeats allowed).
pub type QueryPairs = [(String, String)];

/// The first value of `name` (the parameter codec ignores repeats).
pub(super) fn first<'a>(query: &'a QueryPairs, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Every value of `name`, in request order.
pub(super) fn all<'a>(query: &'a QueryPairs, name: &str) -> Vec<&'a str> {
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

/// `name` parsed with `strconv.ParseInt`, `None` when absent.
///
/// # Errors
/// A 400 Status with Go's `strconv.ParseInt` text.
pub(super) fn int_param(query: &QueryPairs, name: &str) -> Result<Option<i64>, Status> {
    first(query, name)
        .map(go_parse_int)
        .transpose()
        .map_err(|e| Status::bad_request(e.to_string()))
}

/// A `FieldValueForbidden` cause.
pub(super) fn forbidden(field: &str, detail: &str) -> Cause {
    Cause::new(reason::FORBIDDEN, format!("Forbidden: {detail}"), field)
}

/// A `FieldValueNotSupported` cause; `rendered_value` is already in Go's notation.
pub(super) fn not_supported(field: &str, rendered_value: &str, supported: &[&str]) -> Cause {
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

/// The `dryRun` check of every options kind: only `All` is supported. The rejected list renders as
/// Go's `[]string{…}` before 1.34 and as JSON from 1.34.
pub(super) fn dry_run_causes(values: &[&str], v: K8sVersion) -> Vec<Cause> {
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

/// 1.28 and 1.36, the versions the options modules' tests compare.
#[cfg(test)]
pub(super) const V28: K8sVersion = K8sVersion::new(28);
#[cfg(test)]
pub(super) const V36: K8sVersion = K8sVersion::new(36);

/// Query pairs from `(name, value)` string slices, for the tests of the options modules.
#[cfg(test)]
pub(super) fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
