//! Create/Update/PatchOptions, the options of the write requests: `dryRun`, `fieldManager`,
//! `fieldValidation` and (patch only) `force`, validated with the 422 of the request's options kind; and
//! the field manager derived from a User-Agent when none is sent.

use super::query::{QueryPairs, all, dry_run_causes, first, forbidden, not_supported, query_bool};
use crate::cause::{Cause, reason};
use crate::gotext::{go_quote, go_rune_u, is_go_printable};
use crate::status::Status;
use crate::validate::too_long_detail;
use crate::version::K8sVersion;

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

impl WriteKind {
    /// The options kind the request carries, which its 422 names (`CreateOptions.meta.k8s.io "" is
    /// invalid: …`): `CreateOptions`, `UpdateOptions` or `PatchOptions`.
    pub fn options_kind(self) -> &'static str {
        match self {
            WriteKind::Create => "CreateOptions",
            WriteKind::Update => "UpdateOptions",
            WriteKind::Patch { .. } => "PatchOptions",
        }
    }
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
        return Err(Status::invalid_options(kind.options_kind(), causes));
    }
    Ok(WriteOptions {
        dry_run: !dry_run.is_empty(),
        field_manager,
        field_validation,
        force,
    })
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
    use super::super::query::{V28, V36, pairs as q};
    use super::*;

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
    fn field_manager_from_user_agent() {
        assert_eq!(
            default_field_manager("kubectl/v1.36.0 (linux/amd64)"),
            "kubectl"
        );
        assert_eq!(default_field_manager("a\tb/x"), "ab");
        assert_eq!(default_field_manager(&"é".repeat(100)).len(), 128);
    }
}
