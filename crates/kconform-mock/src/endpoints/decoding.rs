//! Decoding a write body and preparing an object: body formats, `fieldValidation`, defaulting, the
//! namespace checks and everything a create does before storing (shared by create, update and patch).

use kconform_spec::cause::Cause;
use kconform_spec::decode::BodyFormat;
use kconform_spec::status::{NAMESPACES_RESOURCE, Status};
use serde_json::Value;

use super::managed_faults;
use crate::Fault;
use crate::context::Ctx;
use crate::http::ApiError;
use crate::managed;
use crate::objects::{generate_name, meta_str, new_uid, now, remove_meta, set_meta};
use crate::opts::{FieldValidation, WriteOpts};

/// The body format of a POST or PUT, or 415; `protobuf_refused` is the operation's fault switch that
/// refuses protobuf bodies as a JSON-only server does.
pub(super) fn body_format(ctx: &Ctx, protobuf_refused: Fault) -> Result<BodyFormat, ApiError> {
    let content_type = ctx
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match kconform_spec::negotiation::write_body_format(content_type) {
        Ok(BodyFormat::Protobuf) if ctx.fault(protobuf_refused) => Err(ApiError::status(
            Status::unsupported_media_type(&kconform_spec::status::SERIALIZER_MEDIA_TYPES),
        )),
        Ok(format) => Ok(format),
        Err(_) if ctx.fault(Fault::UnsupportedMediaTypeAccepted) => Ok(BodyFormat::Json),
        Err(status) => Err(ApiError::status(status)),
    }
}

/// Decode a POST/PUT body honouring `fieldValidation` (Strict: 400; Warn: Warning headers).
pub(super) fn decode_body(
    ctx: &mut Ctx,
    body: &[u8],
    format: BodyFormat,
    validation: FieldValidation,
) -> Result<Value, ApiError> {
    let decoded = ctx
        .api
        .decode(body, format, ctx.version(), &ctx.state.config.faults)
        .map_err(|err| {
            if format == BodyFormat::Protobuf && ctx.fault(Fault::ProtobufDecodeErrorsGeneric) {
                return ApiError::bad_request("the body is not valid protobuf");
            }
            ApiError::status(err.to_status())
        })?;
    match validation {
        FieldValidation::Strict => match decoded.strict_error() {
            Some(err) if !ctx.fault(Fault::StrictFieldValidationIgnored) => {
                Err(ApiError::status(err.to_status()))
            }
            _ => Ok(decoded.object),
        },
        FieldValidation::Warn => {
            if !ctx.fault(Fault::UnknownFieldWarningDropped) {
                ctx.warnings.extend(decoded.warnings());
            }
            Ok(decoded.object)
        }
        FieldValidation::Ignore => Ok(decoded.object),
    }
}

pub(super) fn default_object(ctx: &mut Ctx, object: &mut Value) {
    crate::objects::omit_empty(object);
    if let Some(warning) = crate::objects::dedup_owner_references(object) {
        ctx.warnings.push(warning);
    }
    ctx.api.default(object, &ctx.state.config.faults);
}

pub(super) fn invalid(ctx: &Ctx, name: &str, causes: Vec<Cause>) -> ApiError {
    ApiError::status(Status::invalid(
        ctx.api.resource().group_kind(),
        name,
        causes,
    ))
}

pub(super) fn manager(ctx: &Ctx, opts: &WriteOpts) -> String {
    if !opts.field_manager.is_empty() {
        return opts.field_manager.clone();
    }
    let agent = ctx
        .headers
        .get(http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    kconform_spec::options::default_field_manager(&agent.unwrap_or_default())
}

pub(super) fn check_namespace(object: &mut Value, namespace: &str) -> Result<(), ApiError> {
    let body_ns = meta_str(object, "namespace");
    if !body_ns.is_empty() && body_ns != namespace {
        return Err(ApiError::status(Status::namespace_mismatch()));
    }
    set_meta(object, "namespace", Value::String(namespace.to_owned()));
    Ok(())
}

/// NamespaceLifecycle admission for creates: 404 for a missing namespace, 403 for a terminating
/// one (`name` is the object's name as sent, empty for a generateName create).
fn check_namespace_exists(ctx: &Ctx, namespace: &str, name: &str) -> Result<(), ApiError> {
    match ctx.state.store.get_namespace(namespace) {
        None if !ctx.fault(Fault::CreateInMissingNamespace) => Err(ApiError::status(
            Status::not_found(NAMESPACES_RESOURCE, namespace),
        )),
        Some(ns) if ns.pointer("/metadata/deletionTimestamp").is_some() => Err(ApiError::status(
            Status::namespace_terminating_of(ctx.api.resource(), name, namespace),
        )),
        _ => Ok(()),
    }
}

pub(super) fn dry_run(ctx: &Ctx, opts: &WriteOpts) -> bool {
    opts.dry_run && !ctx.fault(Fault::DryRunPersists)
}

/// Everything a create does to a decoded object before storing it: system fields, generated name,
/// defaulting, admission, validation, warnings and managed fields.
pub(super) fn prepare_create(
    ctx: &mut Ctx,
    object: &mut Value,
    namespace: &str,
    opts: &WriteOpts,
) -> Result<String, ApiError> {
    for field in [
        "creationTimestamp",
        "uid",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ] {
        remove_meta(object, field);
    }
    let mut name = meta_str(object, "name").to_owned();
    let sent_name = name.clone();
    let generate = meta_str(object, "generateName").to_owned();
    if name.is_empty() && !generate.is_empty() {
        name = if ctx.fault(Fault::GenerateNameWithoutSuffix) {
            generate.clone()
        } else {
            generate_name(&generate)
        };
        set_meta(object, "name", Value::String(name.clone()));
    }
    set_meta(object, "uid", Value::String(new_uid()));
    set_meta(object, "creationTimestamp", Value::String(now()));
    default_object(ctx, object);
    ctx.api.prepare_create(object, &ctx.state.config.faults);
    check_namespace_exists(ctx, namespace, &sent_name)?;
    if !ctx.fault(Fault::SkipValidation) {
        let mut causes = ctx
            .api
            .validate(object, ctx.version(), &ctx.state.config.faults);
        if ctx.fault(Fault::LoopbackIpAccepted) {
            causes.retain(|cause| !cause.message.contains("loopback"));
        }
        if ctx.fault(Fault::WrongCauseFieldPath) {
            for cause in &mut causes {
                cause.field = cause.field.replace('[', ".").replace(']', "");
            }
        }
        if !causes.is_empty() {
            return Err(invalid(ctx, &name, causes));
        }
    }
    let warnings = ctx
        .api
        .warnings(object, ctx.version(), &ctx.state.config.faults);
    ctx.warnings.extend(warnings);
    remove_meta(object, "managedFields");
    managed::update(
        None,
        object,
        &manager(ctx, opts),
        &now(),
        managed_faults(ctx),
    );
    Ok(name)
}
