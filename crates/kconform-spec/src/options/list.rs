//! `ListOptions` (list, watch and deletecollection): parsing, `SetListOptionsDefaults` with the WatchList
//! gate per version, `ValidateListOptions`, the field-label check, and the resourceVersion checks that
//! come after validation.

use super::query::{QueryPairs, first, forbidden, int_param, not_supported, query_bool};
use crate::cause::Cause;
use crate::gotext::{go_parse_uint, go_quote};
use crate::selectors::{FieldSelector, LabelSelector, parse_field_selector, parse_label_selector};
use crate::status::Status;
use crate::version::K8sVersion;

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
            .map_err(|e| Status::bad_request(e.to_string()))
    }

    /// The parsed field selector (everything when absent).
    ///
    /// # Errors
    /// The 400 Status with the parser's text.
    pub fn fields(&self) -> Result<FieldSelector, Status> {
        parse_field_selector(self.field_selector.as_deref().unwrap_or(""))
            .map_err(|e| Status::bad_request(e.to_string()))
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
        .map_err(|e| Status::bad_request(e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::super::query::{V28, V36, pairs as q};
    use super::*;

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
}
