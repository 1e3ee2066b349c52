//! DeleteOptions, from the body when there is one, otherwise from the query: the body's kind check with
//! the scheme's text, and the 422 of `ValidateDeleteOptions` (propagation, orphanDependents, dryRun).

use serde_json::Value;

use super::query::{QueryPairs, all, dry_run_causes, first, int_param, not_supported, query_bool};
use crate::cause::{Cause, reason};
use crate::gojson;
use crate::gotext::go_quote;
use crate::status::Status;
use crate::version::K8sVersion;

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

/// The garbage collector's finalizer of orphaning dependents.
const ORPHAN_FINALIZER: &str = "orphan";
/// The garbage collector's finalizer of foreground deletion.
const FOREGROUND_FINALIZER: &str = "foregroundDeletion";

impl DeleteOptions {
    /// The finalizers a delete leaves on an object that has `existing`, as the registry's
    /// `deletionFinalizersForGarbageCollection` computes them: the garbage collector's two are taken
    /// out and put back (after the others, `orphan` first) as the options say, or failing an
    /// option as the object's own say. So `orphanDependents=false` or `Background` on an object
    /// held only by `orphan` leaves nothing, and the object goes at once; `Foreground` replaces
    /// `orphan` by `foregroundDeletion`. When the set does not change, the list stays as it was.
    pub fn finalizers_after_delete(&self, existing: &[String]) -> Vec<String> {
        let has = |f: &str| existing.iter().any(|e| e == f);
        // The object's own GC finalizer decides when no option does: the first one listed wins.
        let own = existing
            .iter()
            .find(|f| *f == ORPHAN_FINALIZER || *f == FOREGROUND_FINALIZER)
            .map(String::as_str);
        let (orphan, foreground) = match (self.orphan_dependents, self.propagation_policy) {
            (Some(orphan), _) => (orphan, false),
            (None, Some(Propagation::Orphan)) => (true, false),
            (None, Some(Propagation::Foreground)) => (false, true),
            (None, Some(Propagation::Background)) => (false, false),
            (None, None) => (
                own == Some(ORPHAN_FINALIZER),
                own == Some(FOREGROUND_FINALIZER),
            ),
        };
        let mut after: Vec<String> = existing
            .iter()
            .filter(|f| *f != ORPHAN_FINALIZER && *f != FOREGROUND_FINALIZER)
            .cloned()
            .collect();
        if orphan {
            after.push(ORPHAN_FINALIZER.to_owned());
        }
        if foreground {
            after.push(FOREGROUND_FINALIZER.to_owned());
        }
        let same_set = after.iter().all(|f| has(f)) && existing.iter().all(|f| after.contains(f));
        if same_set { existing.to_vec() } else { after }
    }
}

fn delete_body_error(message: String, v: K8sVersion) -> Status {
    // handlers/delete.go wraps decode errors as BadRequest only from 1.35.
    if v.at_least(35) {
        Status::bad_request(message)
    } else {
        Status::internal(message)
    }
}

/// Parses a protobuf DeleteOptions body (what client-go sends on every delete), otherwise as
/// [`parse_delete_options`]: an empty body means the query.
///
/// # Errors
/// A body that is not protobuf DeleteOptions (the serializer's text: 500 up to 1.34, 400 from 1.35),
/// then the errors of [`parse_delete_options`].
pub fn parse_delete_options_protobuf(
    body: &[u8],
    query: &QueryPairs,
    v: K8sVersion,
) -> Result<DeleteOptions, Status> {
    if body.is_empty() {
        return parse_delete_options(body, query, v);
    }
    let json = crate::protobuf::delete_options_as_json(body)
        .map_err(|err| delete_body_error(err.to_string(), v))?;
    parse_delete_options(&json, query, v)
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
        if let Some(error) = crate::decode::delete_options_type_error(&node) {
            return Err(delete_body_error(error, v));
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

#[cfg(test)]
mod tests {
    use super::{DeleteOptions, Propagation};

    fn after(opts: DeleteOptions, existing: &[&str]) -> Vec<String> {
        let existing: Vec<String> = existing.iter().map(|s| (*s).to_owned()).collect();
        opts.finalizers_after_delete(&existing)
    }

    #[test]
    fn the_garbage_collector_s_finalizers_follow_the_options_then_the_object() {
        let none = DeleteOptions::default();
        let orphan_false = DeleteOptions {
            orphan_dependents: Some(false),
            ..DeleteOptions::default()
        };
        let policy = |p| DeleteOptions {
            propagation_policy: Some(p),
            ..DeleteOptions::default()
        };
        assert!(after(none.clone(), &[]).is_empty());
        assert_eq!(after(none.clone(), &["orphan"]), ["orphan"]);
        assert_eq!(
            after(none.clone(), &["foregroundDeletion", "x/y"]),
            ["foregroundDeletion", "x/y"]
        );
        assert!(after(orphan_false.clone(), &["orphan"]).is_empty());
        assert_eq!(after(orphan_false, &["orphan", "x/y"]), ["x/y"]);
        assert!(after(policy(Propagation::Background), &["foregroundDeletion"]).is_empty());
        assert_eq!(
            after(policy(Propagation::Foreground), &["orphan", "x/y"]),
            ["x/y", "foregroundDeletion"]
        );
        assert_eq!(
            after(policy(Propagation::Orphan), &["x/y"]),
            ["x/y", "orphan"]
        );
        // An unchanged set keeps its order.
        assert_eq!(
            after(policy(Propagation::Orphan), &["orphan", "x/y"]),
            ["orphan", "x/y"]
        );
    }

    use super::super::query::{V28, V36, pairs as q};
    use super::*;

    #[test]
    fn protobuf_bodies_carry_the_same_options() {
        let body = crate::protobuf::encode(&serde_json::json!({"kind": "DeleteOptions",
            "apiVersion": "v1", "propagationPolicy": "Foreground", "dryRun": ["All"],
            "preconditions": {"resourceVersion": "7"}}))
        .unwrap();
        let opts = parse_delete_options_protobuf(&body, &q(&[]), V36).unwrap();
        assert!(opts.dry_run);
        assert_eq!(opts.propagation_policy, Some(Propagation::Foreground));
        assert_eq!(opts.precondition_resource_version.as_deref(), Some("7"));
        let refused = parse_delete_options_protobuf(b"{}", &q(&[]), V28).unwrap_err();
        assert_eq!(
            (refused.code, refused.message.as_str()),
            (
                500,
                "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
            )
        );
        let endpoints = crate::protobuf::encode(&serde_json::json!({"kind": "Endpoints",
            "apiVersion": "v1", "metadata": {}}))
        .unwrap();
        let wrong_kind = parse_delete_options_protobuf(&endpoints, &q(&[]), V36).unwrap_err();
        assert_eq!(
            wrong_kind.message,
            "no kind \"Endpoints\" is registered for version \"v1\" in scheme \"pkg/apis/meta/internalversion/scheme/register.go:27\""
        );
        assert!(
            parse_delete_options_protobuf(b"", &q(&[("dryRun", "All")]), V36)
                .unwrap()
                .dry_run
        );
    }

    #[test]
    fn a_body_field_of_the_wrong_go_type_is_the_decoder_s_error() {
        let body = br#"{"kind":"DeleteOptions","apiVersion":"v1","dryRun":"All"}"#;
        let text = "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string";
        let old = parse_delete_options(body, &q(&[]), V28).unwrap_err();
        assert_eq!((old.code, old.message.as_str()), (500, text));
        let new = parse_delete_options(body, &q(&[]), V36).unwrap_err();
        assert_eq!((new.code, new.message.as_str()), (400, text));
        let nested = parse_delete_options(
            br#"{"gracePeriodSeconds":"5","preconditions":{"uid":1}}"#,
            &q(&[]),
            V28,
        )
        .unwrap_err();
        assert_eq!(
            nested.message,
            "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"
        );
        let uid =
            parse_delete_options(br#"{"preconditions":{"uid":1}}"#, &q(&[]), V28).unwrap_err();
        assert_eq!(
            uid.message,
            "json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type types.UID"
        );
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
}
