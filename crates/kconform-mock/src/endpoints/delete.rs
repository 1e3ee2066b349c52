//! Delete: one object (preconditions, finalizers, propagation) and the collection.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::status::Status;
use serde_json::{Value, json};

use crate::Fault;
use crate::context::Ctx;
use crate::http::{ApiError, respond};
use crate::objects::{being_deleted, finalizers, meta_str, now, read_body, set_meta};
use crate::opts::{self, DeleteOpts};
use crate::store::Mutation;

use super::reads::{list_body, select};
use super::{not_found, ok};

/// What a delete of one object answers.
enum Deleted {
    /// Gone now: the success Status.
    Gone { uid: String, object: Value },
    /// Still there with deletionTimestamp (finalizers pending).
    Pending { object: Value, accepted: bool },
}

fn delete_one(
    ctx: &Ctx,
    namespace: &str,
    name: &str,
    opts: &DeleteOpts,
) -> Result<Deleted, ApiError> {
    let dry = opts.dry_run && !ctx.fault(Fault::DryRunPersists);
    let store = ctx.store();
    let (written, outcome) = store.write(namespace, name, |current, _| {
        let Some(current) = current else {
            return Err(not_found(ctx, name));
        };
        if let Some(uid) = &opts.precondition_uid
            && uid != meta_str(current, "uid")
            && !ctx.fault(Fault::DeletePreconditionsIgnored)
        {
            return Err(ApiError::status(
                Status::conflict_delete_uid_precondition_of(
                    ctx.api.resource(),
                    name,
                    uid,
                    meta_str(current, "uid"),
                ),
            ));
        }
        if let Some(rv) = &opts.precondition_resource_version
            && rv != meta_str(current, "resourceVersion")
            && !ctx.fault(Fault::DeletePreconditionsIgnored)
        {
            return Err(ApiError::status(
                Status::conflict_delete_rv_precondition_of(
                    ctx.api.resource(),
                    name,
                    rv,
                    meta_str(current, "resourceVersion"),
                ),
            ));
        }
        let mut object = (**current).clone();
        let existing = finalizers(&object);
        // The options put the garbage collector's finalizers on or take them off (an orphan-held
        // object deleted with `Background` goes at once); the fault ignores the options.
        let mut pending = if ctx.fault(Fault::PropagationPolicyIgnored) {
            existing
        } else {
            opts.finalizers_after_delete(&existing)
        };
        if ctx.fault(Fault::FinalizersIgnored) {
            pending.clear();
        }
        if pending.is_empty() {
            let uid = meta_str(&object, "uid").to_owned();
            let mutation = if dry {
                Mutation::Keep
            } else {
                Mutation::Delete
            };
            return Ok((mutation, Deleted::Gone { uid, object }));
        }
        if !being_deleted(&object) {
            set_meta(&mut object, "deletionTimestamp", Value::String(now()));
            set_meta(&mut object, "deletionGracePeriodSeconds", json!(0));
            if let Some(generation) = object
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                && generation > 0
            {
                set_meta(&mut object, "generation", json!(generation + 1));
            }
        }
        set_meta(&mut object, "finalizers", json!(pending));
        let accepted = opts.orphan_dependents == Some(false);
        let mutation = if dry {
            Mutation::Keep
        } else {
            Mutation::Put(object.clone())
        };
        Ok((mutation, Deleted::Pending { object, accepted }))
    })?;
    Ok(match outcome {
        Deleted::Pending { object, accepted } => {
            let object = written
                .object
                .filter(|_| !dry)
                .map(|o| (*o).clone())
                .unwrap_or(object);
            if !dry && ctx.state.config.garbage_collector {
                finish_garbage_collection(ctx, namespace, name);
            }
            Deleted::Pending { object, accepted }
        }
        gone => gone,
    })
}

/// The garbage collector's part, when configured: Endpoints have no dependents, so the `orphan` and
/// `foregroundDeletion` finalizers are removed at once (deleting the object if nothing else holds it).
fn finish_garbage_collection(ctx: &Ctx, namespace: &str, name: &str) {
    let _ = ctx.store().write(namespace, name, |current, _| {
        let Some(current) = current else {
            return Ok::<_, ()>((Mutation::Keep, ()));
        };
        let all = finalizers(current);
        let rest: Vec<&String> = all
            .iter()
            .filter(|f| *f != "orphan" && *f != "foregroundDeletion")
            .collect();
        if rest.len() == all.len() {
            return Ok((Mutation::Keep, ()));
        }
        if rest.is_empty() {
            return Ok((Mutation::Delete, ()));
        }
        let mut object = (**current).clone();
        set_meta(&mut object, "finalizers", json!(rest));
        Ok((Mutation::Put(object), ()))
    });
}

/// DELETE (`deleteCoreV1NamespacedEndpoints`).
pub(crate) async fn delete(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body).await?;
    let opts = delete_options(ctx, &bytes)?;
    match delete_one(ctx, namespace, name, &opts)? {
        Deleted::Gone { uid, object } => {
            if ctx.fault(Fault::DeleteReturnsObject) {
                return Ok(ok(ctx, StatusCode::OK, &object));
            }
            Ok(respond(
                StatusCode::OK,
                &Status::success_delete_of(ctx.api.resource(), name, &uid),
                ctx.format,
            ))
        }
        Deleted::Pending { object, accepted } => {
            let code = if accepted {
                StatusCode::ACCEPTED
            } else {
                StatusCode::OK
            };
            Ok(ok(ctx, code, &object))
        }
    }
}

/// DELETE the collection (`deleteCoreV1CollectionNamespacedEndpoints`): answers with the list of what
/// it deleted, as listed before deletion.
pub(crate) async fn delete_collection(
    ctx: &mut Ctx,
    namespace: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body).await?;
    let mut list_opts =
        opts::list_options(&ctx.query, ctx.version(), ctx.api, &ctx.state.config.faults)?;
    if ctx.fault(Fault::DeleteCollectionIgnoresSelector) {
        list_opts.labels = Default::default();
        list_opts.fields = Default::default();
    }
    let delete_opts = delete_options(ctx, &bytes)?;
    let page = select(ctx, Some(namespace), &list_opts).await?;
    for item in &page.items {
        let item_name = meta_str(item, "name").to_owned();
        match delete_one(ctx, namespace, &item_name, &delete_opts) {
            Ok(_) => {}
            Err(err) if err.body().code == 404 => {}
            Err(err) => return Err(err),
        }
    }
    let mut format = ctx.format;
    if ctx.fault(Fault::ProtobufDeleteCollectionJson) {
        format.protobuf = false;
    }
    Ok(list_body(ctx.api, page).respond(format))
}

/// The request's DeleteOptions (body, else query); the fault switch reads a body whose field has
/// the wrong JSON type as if the body were not there.
fn delete_options(ctx: &Ctx, bytes: &[u8]) -> Result<DeleteOpts, ApiError> {
    // kube-apiserver picks the body's decoder by Content-Type; client-go sends protobuf.
    let protobuf = ctx.body_is_protobuf();
    if protobuf {
        let body: &[u8] = if ctx.fault(Fault::ProtobufDeleteOptionsIgnored) {
            b""
        } else {
            bytes
        };
        return opts::delete_options_protobuf(&ctx.query, body, ctx.version());
    }
    match opts::delete_options(&ctx.query, bytes, ctx.version()) {
        Err(error)
            if ctx.fault(Fault::DeleteOptionsTypeErrorIgnored)
                && error.body().message.starts_with("json: cannot unmarshal") =>
        {
            opts::delete_options(&ctx.query, b"", ctx.version())
        }
        other => other,
    }
}
