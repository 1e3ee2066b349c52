//! Update: PUT, and the update tail the patch types end in (preconditions, validation, managed fields,
//! finalizer-driven deletion, create through update).

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::status::Status;
use serde_json::Value;

use crate::Fault;
use crate::config::Verb;
use crate::context::Ctx;
use crate::http::ApiError;
use crate::managed;
use crate::objects::{being_deleted, finalizers, meta_str, now, read_body, remove_meta, set_meta};
use crate::opts::{self, WriteOpts};
use crate::store::Mutation;

use super::decoding::{
    body_format, check_namespace, decode_body, default_object, dry_run, invalid, manager,
    prepare_create,
};
use super::{managed_faults, not_found, ok};

/// What an update writes: 200 with the object, or 201 when it created it.
pub(super) struct UpdateOutcome {
    pub(super) code: StatusCode,
    pub(super) object: Value,
}

/// The shared tail of PUT and PATCH: preconditions, BeforeUpdate, validation, managed fields,
/// finalizer-driven deletion, then the write (or not, for dry runs).
pub(super) fn update_existing(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    mut object: Value,
    old: &Value,
    opts: &WriteOpts,
    managed_by_apply: bool,
) -> Result<UpdateOutcome, ApiError> {
    let old_rv = meta_str(old, "resourceVersion").to_owned();
    let sent_rv = meta_str(&object, "resourceVersion").to_owned();
    if !sent_rv.is_empty() && sent_rv != old_rv && !ctx.fault(Fault::NoConflictOnStaleRv) {
        return Err(ApiError::status(Status::conflict_modified_of(
            ctx.api.resource(),
            name,
        )));
    }
    // BeforeUpdate: system fields come from the stored object.
    let deletion_from_body = ctx.fault(Fault::UpdateDropsDeletionState);
    for field in [
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        if deletion_from_body && field.starts_with("deletion") {
            continue;
        }
        match old.get("metadata").and_then(|m| m.get(field)) {
            Some(value) => set_meta(&mut object, field, value.clone()),
            None => remove_meta(&mut object, field),
        }
    }
    if meta_str(&object, "uid").is_empty() {
        set_meta(
            &mut object,
            "uid",
            Value::String(meta_str(old, "uid").to_owned()),
        );
    }
    set_meta(
        &mut object,
        "resourceVersion",
        Value::String(old_rv.clone()),
    );
    default_object(ctx, &mut object);
    ctx.api
        .prepare_update(&mut object, old, &ctx.state.config.faults);
    if !ctx.fault(Fault::SkipValidation) && !ctx.fault(Fault::UpdateSkipsValidation) {
        let causes = ctx
            .api
            .validate_update(&object, old, ctx.version(), &ctx.state.config.faults);
        if !causes.is_empty() {
            return Err(invalid(ctx, name, causes));
        }
    }
    ctx.warnings.extend(
        ctx.api
            .warnings(&object, ctx.version(), &ctx.state.config.faults),
    );
    if !managed_by_apply {
        managed::update(
            Some(old),
            &mut object,
            &manager(ctx, opts),
            &now(),
            managed_faults(ctx),
        );
    }
    ctx.api.storage_form(&mut object, &ctx.state.config.faults);
    // Unchanged except for managedFields timestamps: keep the stored managedFields so nothing is written.
    if same_ignoring_managed_times(&object, old) {
        object = old.clone();
    }
    let finalize = being_deleted(old) && finalizers(&object).is_empty();
    if dry_run(ctx, opts) {
        return Ok(UpdateOutcome {
            code: StatusCode::OK,
            object,
        });
    }
    let stored_uid = meta_str(old, "uid").to_owned();
    let (written, ()) = ctx.store().write(namespace, name, |current, _| {
        let Some(current) = current else {
            return Err(not_found(ctx, name));
        };
        if meta_str(current, "uid") != stored_uid || meta_str(current, "resourceVersion") != old_rv
        {
            return Err(ApiError::status(Status::conflict_modified_of(
                ctx.api.resource(),
                name,
            )));
        }
        Ok((
            if finalize {
                Mutation::Delete
            } else {
                Mutation::Put(object.clone())
            },
            (),
        ))
    })?;
    // Removing the last finalizer answers with the object as it was sent (old resourceVersion).
    let object = if finalize {
        object
    } else {
        written.object.map(|o| (*o).clone()).unwrap_or(object)
    };
    Ok(UpdateOutcome {
        code: StatusCode::OK,
        object,
    })
}

fn same_ignoring_managed_times(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(entries) = v
            .pointer_mut("/metadata/managedFields")
            .and_then(Value::as_array_mut)
        {
            for entry in entries {
                if let Some(map) = entry.as_object_mut() {
                    map.remove("time");
                }
            }
        }
        v
    };
    strip(a) == strip(b)
}

/// Create through PUT or apply: authorization for `create`, then the create path.
pub(super) fn create_through_update(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    mut object: Value,
    opts: &WriteOpts,
    apply_manager: Option<&str>,
) -> Result<UpdateOutcome, ApiError> {
    if !ctx.may(Verb::Create) {
        let status = if ctx.version().at_least(32) {
            Status::forbidden_of(
                ctx.api.resource(),
                &ctx.user.name,
                "create",
                Some(name),
                Some(namespace),
            )
        } else {
            Status::forbidden_with_reason_of(ctx.api.resource(), Some(name), "")
        };
        return Err(ApiError::status(status));
    }
    let sent_rv = meta_str(&object, "resourceVersion").to_owned();
    prepare_create(ctx, &mut object, namespace, opts)?;
    if let Some(manager) = apply_manager {
        let mut applied = object.clone();
        remove_meta(&mut applied, "managedFields");
        let now = now();
        object = managed::apply(None, &applied, manager, true, &now, managed_faults(ctx))
            .unwrap_or(object);
        if ctx.fault(crate::Fault::ApplyOwnsLabelMap) {
            managed::apply_owns_label_map(&mut object);
        }
    }
    ctx.api.storage_form(&mut object, &ctx.state.config.faults);
    let dry = dry_run(ctx, opts);
    if dry {
        if sent_rv.is_empty() {
            remove_meta(&mut object, "resourceVersion");
        }
        return Ok(UpdateOutcome {
            code: StatusCode::CREATED,
            object,
        });
    }
    remove_meta(&mut object, "resourceVersion");
    let (written, ()) = ctx
        .store()
        .write(namespace, name, |current, _| match current {
            Some(_) => Err(ApiError::status(Status::conflict_modified_of(
                ctx.api.resource(),
                name,
            ))),
            None => Ok((Mutation::Put(object.clone()), ())),
        })?;
    let object = written.object.map(|o| (*o).clone()).unwrap_or(object);
    Ok(UpdateOutcome {
        code: StatusCode::CREATED,
        object,
    })
}

/// PUT (`replaceCoreV1NamespacedEndpoints`).
pub(crate) async fn replace(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let format = body_format(ctx, Fault::ProtobufReplaceRefused)?;
    let bytes = read_body(body).await?;
    let opts = opts::update_options(&ctx.query, ctx.version())?;
    let mut object = decode_body(ctx, &bytes, format, opts.field_validation)?;
    check_namespace(&mut object, namespace)?;
    let body_name = meta_str(&object, "name").to_owned();
    if body_name.is_empty() {
        return Err(ApiError::status(Status::name_undeterminable(name)));
    }
    if body_name != name {
        return Err(ApiError::status(Status::name_mismatch(&body_name, name)));
    }
    let existing = ctx.store().get(namespace, name);
    // The body's uid is a storage precondition (defaultUpdatedObjectInfo.Preconditions), checked
    // by GuaranteedUpdate before anything else, against the empty object when there is none: a
    // foreign uid is a 409 whether the object exists or not, with dryRun, a stale resourceVersion
    // or none.
    let sent_uid = meta_str(&object, "uid").to_owned();
    let stored_uid = existing
        .as_ref()
        .map(|old| meta_str(old, "uid").to_owned())
        .unwrap_or_default();
    let precondition_checked = match existing {
        Some(_) => !ctx.fault(Fault::UidPreconditionIgnored),
        None => !ctx.fault(Fault::PutCreatesDespiteUid),
    };
    if !sent_uid.is_empty() && sent_uid != stored_uid && precondition_checked {
        return Err(ApiError::status(Status::conflict_uid_mismatch_of(
            ctx.api.resource(),
            ctx.api.registry_key(),
            namespace,
            name,
            (&sent_uid, &stored_uid),
            dry_run(ctx, &opts),
        )));
    }
    let outcome = match existing {
        // EndpointSlice has no create-on-update: a PUT to a missing name is 404 (unless fault
        // es-put-creates gives it Endpoints' AllowCreateOnUpdate).
        None if ctx.fault(Fault::PutDoesNotCreate)
            || (ctx.api == crate::Api::EndpointSlices && !ctx.fault(Fault::EsPutCreates)) =>
        {
            return Err(not_found(ctx, name));
        }
        None => create_through_update(ctx, namespace, name, object, &opts, None)?,
        Some(old) => update_existing(ctx, namespace, name, object, &old, &opts, false)?,
    };
    Ok(ok(ctx, outcome.code, &outcome.object))
}
