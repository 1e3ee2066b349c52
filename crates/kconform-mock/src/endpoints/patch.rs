//! Patch: JSON, merge and strategic merge patches, and server-side apply.

use axum::body::Body;
use axum::response::Response;
use kconform_spec::decode::BodyFormat;
use kconform_spec::negotiation::PatchKind;
use kconform_spec::patch::{PatchFormat, rendered_patch_value};
use kconform_spec::status::Status;
use serde_json::Value;

use crate::Fault;
use crate::context::Ctx;
use crate::http::ApiError;
use crate::managed;
use crate::objects::{canonical, meta_str, now, read_body};
use crate::opts::{self, FieldValidation, WriteOpts};

use super::decoding::check_namespace;
use super::update::{create_through_update, update_existing};
use super::{managed_faults, not_found, ok};

/// PATCH (`patchCoreV1NamespacedEndpoints`); the router has read the patch kind from `Content-Type`.
pub(crate) async fn patch(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    kind: PatchKind,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body).await?;
    let apply = kind == PatchKind::Apply;
    let opts = opts::patch_options(&ctx.query, ctx.version(), apply)?;
    let current = ctx.store().get(namespace, name);
    let format = match kind {
        PatchKind::Apply => {
            return apply_patch(ctx, namespace, name, &bytes, current.as_deref(), &opts);
        }
        PatchKind::Patch(format) => format,
    };
    let Some(old) = current else {
        return Err(not_found(ctx, name));
    };
    let original = canonical(&old);
    let parse_patch = || kconform_spec::gojson::parse(&bytes).map(|node| node.to_value());
    let decode_failed = |err: &dyn std::fmt::Display| {
        ApiError::status(Status::patch_decode_failed(&err.to_string()))
    };
    let patched = match format {
        PatchFormat::Json => {
            let (value, problems) = kconform_spec::patch::decode_json_patch(
                &bytes,
                opts.field_validation != FieldValidation::Ignore,
            )
            .map_err(ApiError::status)?;
            let count = value.as_array().map_or(0, Vec::len);
            if count > 10_000 {
                return Err(ApiError::status(Status::json_patch_too_many_operations(
                    count,
                )));
            }
            let failed = || {
                if ctx.fault(Fault::JsonPatchFailure400) {
                    // The generic 422 text with the wrong code.
                    ApiError::bad_request(Status::json_patch_failed().message)
                } else {
                    ApiError::status(Status::json_patch_failed())
                }
            };
            // What Go decoded but cannot apply (a missing path, an unknown op, a null operation)
            // fails as the application does: the generic 422.
            let operations: json_patch::Patch =
                serde_json::from_value(value.clone()).map_err(|_| failed())?;
            let mut doc = original.clone();
            json_patch::patch(&mut doc, &operations).map_err(|_| failed())?;
            let text = || rendered_patch_value(PatchFormat::Json, &original, &value, &doc);
            check_patched_with(ctx, &doc, &opts, &problems, text)?
        }
        PatchFormat::Merge => {
            let patch = parse_patch().map_err(|err| decode_failed(&err))?;
            let mut doc = original.clone();
            json_patch::merge(&mut doc, &patch);
            let text = || rendered_patch_value(PatchFormat::Merge, &original, &patch, &doc);
            check_patched(ctx, &doc, &opts, text)?
        }
        PatchFormat::Strategic => {
            // The strategic merge patch answers with the decoder's text alone.
            let patch = parse_patch().map_err(|err| ApiError::bad_request(err.to_string()))?;
            let mut merged = crate::patch::strategic_merge(&original, &patch)
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
            if ctx.fault(Fault::SmpMergesSubsets)
                && let (Some(old), Some(new)) =
                    (original["subsets"].as_array(), patch["subsets"].as_array())
            {
                merged["subsets"] = Value::Array(old.iter().chain(new).cloned().collect());
            }
            // Fault es-smp-merges-lists: EndpointSlice's atomic lists are appended to.
            if ctx.api == crate::Api::EndpointSlices && ctx.fault(Fault::EsSmpMergesLists) {
                for list in ["endpoints", "ports"] {
                    if let (Some(old), Some(new)) =
                        (original[list].as_array(), patch[list].as_array())
                    {
                        merged[list] = Value::Array(old.iter().chain(new).cloned().collect());
                    }
                }
            }
            // Strict and Warn quote the patch itself (Go's %+v of the map) for strategic patches.
            let text = || rendered_patch_value(PatchFormat::Strategic, &original, &patch, &merged);
            check_patched(ctx, &merged, &opts, text)?
        }
    };
    let mut object = patched;
    check_namespace(&mut object, namespace)?;
    let body_name = meta_str(&object, "name").to_owned();
    if body_name != name {
        return Err(ApiError::status(Status::name_mismatch(&body_name, name)));
    }
    let outcome = update_existing(ctx, namespace, name, object, &old, &opts, false)?;
    Ok(ok(ctx, outcome.code, &outcome.object))
}

/// Decode a patched object again (strict field checks and types), as kube-apiserver re-decodes it.
fn check_patched(
    ctx: &mut Ctx,
    patched: &Value,
    opts: &WriteOpts,
    value_text: impl FnOnce() -> String,
) -> Result<Value, ApiError> {
    check_patched_with(ctx, patched, opts, &[], value_text)
}

/// [`check_patched`] with the strict problems the patch itself had (a JSON patch's unknown and
/// duplicate operation keys), which come first, as `applyPatchToCurrentObject` appends the
/// object's after them; a decoding failure of the object disregards them.
fn check_patched_with(
    ctx: &mut Ctx,
    patched: &Value,
    opts: &WriteOpts,
    patch_problems: &[String],
    value_text: impl FnOnce() -> String,
) -> Result<Value, ApiError> {
    let bytes = serde_json::to_vec(patched).map_err(|err| ApiError::internal(err.to_string()))?;
    let decoded = match ctx.api.decode(
        &bytes,
        BodyFormat::Json,
        ctx.version(),
        &ctx.state.config.faults,
    ) {
        Ok(decoded) => decoded,
        Err(err) => {
            let inner = match &err {
                kconform_spec::decode::DecodeError::CannotHandle { error, .. } => error.clone(),
                other => other.to_string(),
            };
            return Err(ApiError::status(Status::invalid_patch(
                &value_text(),
                &inner,
            )));
        }
    };
    match opts.field_validation {
        FieldValidation::Strict => {
            let problems: Vec<String> = patch_problems
                .iter()
                .cloned()
                .chain(decoded.strict_problems())
                .collect();
            if problems.is_empty() {
                Ok(decoded.object)
            } else {
                let error = format!("strict decoding error: {}", problems.join(", "));
                Err(ApiError::status(Status::invalid_patch(
                    &value_text(),
                    &error,
                )))
            }
        }
        FieldValidation::Warn => {
            ctx.warnings.extend(
                patch_problems
                    .iter()
                    .filter(|text| !text.chars().any(char::is_control))
                    .cloned(),
            );
            ctx.warnings.extend(decoded.warnings());
            Ok(decoded.object)
        }
        FieldValidation::Ignore => Ok(decoded.object),
    }
}

fn apply_patch(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    bytes: &[u8],
    current: Option<&Value>,
    opts: &WriteOpts,
) -> Result<Response, ApiError> {
    let manager = opts.field_manager.clone();
    // kube-apiserver's apply patcher reads the body with sigs.k8s.io/yaml.Unmarshal into a map first.
    if let Some(error) = apply_body_error(bytes) {
        return Err(ApiError::status(Status::apply_yaml_decode_failed(&error)));
    }
    let decoded = match ctx.api.decode(
        bytes,
        BodyFormat::Yaml,
        ctx.version(),
        &ctx.state.config.faults,
    ) {
        Ok(decoded) => decoded,
        Err(kconform_spec::decode::DecodeError::CannotHandle { kind, version, .. })
            if version != "v1" || kind != ctx.api.kind() =>
        {
            return Err(ApiError::status(Status::apply_invalid_object_type(
                &version, &kind,
            )));
        }
        Err(err) => return Err(ApiError::status(err.to_status())),
    };
    let mut applied = decoded.object;
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|v| !v.is_null())
    {
        return Err(ApiError::status(Status::apply_managed_fields_set()));
    }
    if let Some(field) = decoded.unknown_fields.first() {
        return Err(ApiError::status(Status::apply_field_not_declared_of(
            ctx.api.resource(),
            name,
            field,
        )));
    }
    check_namespace(&mut applied, namespace)?;
    let applied_name = meta_str(&applied, "name").to_owned();
    if applied_name != name {
        return Err(ApiError::status(Status::name_mismatch(&applied_name, name)));
    }
    let Some(old) = current else {
        let outcome = create_through_update(ctx, namespace, name, applied, opts, Some(&manager))?;
        return Ok(ok(ctx, outcome.code, &outcome.object));
    };
    let force = opts.force.unwrap_or(false) || ctx.fault(Fault::ApplyIgnoresConflicts);
    let mut merged = managed::apply(
        Some(old),
        &applied,
        &manager,
        force,
        &now(),
        managed_faults(ctx),
    )
    .map_err(|conflicts| {
        let conflicts: Vec<(String, bool, String)> = conflicts
            .into_iter()
            .map(|c| (c.manager, c.update, c.field))
            .collect();
        ApiError::status(Status::apply_conflict(&conflicts))
    })?;
    if ctx.fault(Fault::ApplyOwnsLabelMap) {
        managed::apply_owns_label_map(&mut merged);
    }
    let outcome = update_existing(ctx, namespace, name, merged, old, opts, true)?;
    Ok(ok(ctx, outcome.code, &outcome.object))
}

/// What `sigs.k8s.io/yaml.Unmarshal(body, &map[string]interface{})` says about an apply body, if it
/// fails: the YAML conversion's error, or the JSON decoding's for a document that is not a mapping.
fn apply_body_error(bytes: &[u8]) -> Option<String> {
    use kconform_spec::gojson::{self, Node};
    use kconform_spec::yaml::{YamlError, yaml_to_json};
    let json = match yaml_to_json(bytes) {
        Ok(json) => json,
        Err(YamlError::TooDeep) => {
            return Some(format!("error unmarshaling JSON: {}", YamlError::TooDeep));
        }
        Err(err) => return Some(format!("error converting YAML to JSON: {err}")),
    };
    match gojson::parse(&json) {
        Ok(Node::Object(_) | Node::Null) => None,
        Ok(other) => Some(format!(
            "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            other.kind_word()
        )),
        Err(err) => Some(format!("error unmarshaling JSON: {err}")),
    }
}
