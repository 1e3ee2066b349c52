//! Create: POST, with generated names drawn again on collision.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::status::Status;
use serde_json::Value;

use crate::Fault;
use crate::context::Ctx;
use crate::http::ApiError;
use crate::objects::{being_deleted, generate_name, meta_str, read_body, remove_meta, set_meta};
use crate::opts;
use crate::store::Mutation;

use super::decoding::{body_format, check_namespace, decode_body, dry_run, prepare_create};
use super::ok;

/// POST (`createCoreV1NamespacedEndpoints`).
pub(crate) async fn create(
    ctx: &mut Ctx,
    namespace: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let format = body_format(ctx, Fault::ProtobufCreateRefused)?;
    let bytes = if ctx.fault(Fault::NoBodySizeLimit) {
        axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|err| ApiError::internal(err.to_string()))?
    } else {
        read_body(body).await?
    };
    let opts = opts::create_options(&ctx.query, ctx.version())?;
    let mut object = decode_body(ctx, &bytes, format, opts.field_validation)?;
    if ctx.fault(Fault::NamespaceMismatchAccepted) {
        remove_meta(&mut object, "namespace");
    }
    check_namespace(&mut object, namespace)?;
    let sent_rv = meta_str(&object, "resourceVersion").to_owned();
    let generated =
        meta_str(&object, "name").is_empty() && !meta_str(&object, "generateName").is_empty();
    let mut name = prepare_create(ctx, &mut object, namespace, &opts)?;
    ctx.api.storage_form(&mut object, &ctx.state.config.faults);
    let code = if ctx.fault(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let dry = dry_run(ctx, &opts);
    let numeric_rv = sent_rv.parse::<u64>().is_ok_and(|rv| rv != 0);
    if !dry && numeric_rv {
        return Err(ApiError::status(Status::resource_version_on_create()));
    }
    if !dry {
        // A non-numeric resourceVersion is ignored; the store sets the real one.
        remove_meta(&mut object, "resourceVersion");
    }
    // RetryGenerateName (on from 1.31): a generated name that collides is drawn again, 8 tries in all.
    let attempts = if generated && ctx.version().at_least(31) {
        8
    } else {
        1
    };
    let mut attempt = 1;
    // The object moves into the store only when it is written; a refused attempt leaves it here for
    // the next name (no copy per attempt).
    let mut pending = Some(object);
    let written = loop {
        let result = ctx
            .store()
            .write(namespace, &name, |current, _| match current {
                Some(existing) if being_deleted(existing) => Err(ApiError::status(
                    Status::already_exists_being_deleted_of(ctx.api.resource(), &name),
                )),
                Some(_) if ctx.fault(Fault::AlreadyExistsOverwrites) && !dry => {
                    Ok((put(&mut pending)?, ()))
                }
                Some(_) if generated => Err(ApiError::status(
                    Status::already_exists_generate_name_of(ctx.api.resource(), &name),
                )),
                Some(_) => Err(ApiError::status(Status::already_exists_of(
                    ctx.api.resource(),
                    &name,
                ))),
                None if dry => Ok((Mutation::Keep, ())),
                None => Ok((put(&mut pending)?, ())),
            });
        match (result, pending.as_mut()) {
            (Ok((written, ())), _) => break written,
            (Err(err), Some(object))
                if generated && attempt < attempts && err.body().reason == "AlreadyExists" =>
            {
                attempt += 1;
                name = generate_name(meta_str(object, "generateName"));
                set_meta(object, "name", Value::String(name.clone()));
            }
            (Err(err), _) => return Err(err),
        }
    };
    // The stored object is answered as it is; a dry run answers the object it would have stored.
    match (written.object, pending) {
        (Some(stored), _) => Ok(ok(ctx, code, &stored)),
        (None, Some(object)) => Ok(ok(ctx, code, &object)),
        (None, None) => Err(ApiError::internal(
            "the created object is neither stored nor kept",
        )),
    }
}

/// The `Put` of the pending object, which the create loop holds until one attempt writes it.
fn put(pending: &mut Option<Value>) -> Result<Mutation, ApiError> {
    pending
        .take()
        .map(Mutation::Put)
        .ok_or_else(|| ApiError::internal("the object to create was already handed to the store"))
}
