//! The Endpoints operations other than watch: get, list, create, replace, patch, delete and
//! deletecollection, with kube-apiserver's order of checks (behaviour document §3.3).
//!
//! One module per operation group: [`reads`] (get, list, and the page selection deletecollection
//! shares), [`decoding`] (body formats, decoding and the create preparation the writes share),
//! [`create`], [`update`] (PUT and the update tail the patch types end in), [`patch`] and [`delete`].
//! This module holds only what several of them use; the router calls their handlers directly.

use axum::response::Response;
use http::StatusCode;
use kconform_spec::status::Status;
use serde_json::Value;

use crate::Fault;
use crate::context::Ctx;
use crate::http::{ApiError, respond, respond_protobuf};

pub(crate) mod create;
mod decoding;
pub(crate) mod delete;
pub(crate) mod patch;
pub(crate) mod reads;
pub(crate) mod update;

/// An object answer: protobuf encoded straight from the stored object when negotiated, otherwise JSON
/// or YAML in Go field order.
fn ok(ctx: &Ctx, code: StatusCode, object: &Value) -> Response {
    if ctx.format.protobuf && ctx.api.protobuf() {
        let encoded = if ctx.fault(Fault::ProtobufEmptyFieldsOmitted) {
            kconform_spec::protobuf::encode_minimal(object)
        } else {
            kconform_spec::protobuf::encode(object)
        };
        return match encoded {
            Ok(bytes) => respond_protobuf(code, bytes),
            Err(err) => ApiError::internal(format!("encoding the response failed: {err}"))
                .render(ctx.format),
        };
    }
    respond(code, &crate::objects::Canonical::object(object), ctx.format)
}

fn not_found(ctx: &Ctx, name: &str) -> ApiError {
    let mut status = Status::not_found_of(ctx.api.resource(), name);
    if ctx.fault(Fault::NotFoundWrongReason) {
        status.reason = "Gone".to_owned();
    }
    ApiError::status(status)
}

/// The field manager's fault switches that are on for this request.
pub(crate) fn managed_faults(ctx: &Ctx) -> crate::managed::Faults {
    crate::managed::Faults {
        track_untracked: ctx.fault(Fault::UntrackedUpdatesTracked),
        no_before_first_apply: ctx.fault(Fault::NoBeforeFirstApply),
        paths_as_text: ctx.fault(Fault::ConflictPathsSortedAsText),
    }
}
