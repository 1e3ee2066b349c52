//! The reviews a client makes of itself, in JSON or protobuf (client-go's typed clients, so kubectl,
//! write protobuf): `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`, who am I (`kubectl
//! auth whoami`), and `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, may I do this
//! (`kubectl auth can-i`). Neither group is listed in discovery: clients call them by path.
//!
//! Who the caller is comes from the token file: its user, uid and groups, with
//! `system:authenticated` added as the authenticator adds it. The access review follows the reference server's own authorization: an administrator
//! (`system:masters`) may do anything, as kube-apiserver's privileged-group authorizer allows it
//! with no reason; another user holds the verbs `--grant` gives on endpoints and endpointslices,
//! and nothing else. kube-apiserver's RBAC would name the binding that allowed a granted request in
//! `status.reason` and has no opinion (allowed false, no reason) on the rest; the grants here have
//! no bindings to name, so an allowed answer carries no reason. Every authenticated user may GET
//! discovery, OpenAPI, health and `/version`, as the default ClusterRoles allow.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::cause::Cause;
use kconform_spec::status::{GroupKind, Status};
use serde_json::{Map, Value, json};

use crate::config::Verb;
use crate::context::Ctx;
use crate::http::{ApiError, respond};
use crate::objects::{decode_kind, now, read_body};

const KIND: &str = "SelfSubjectAccessReview";
const API_VERSION: &str = "authorization.k8s.io/v1";

/// Creates a SelfSubjectReview: 201 with the caller's user info, stamped now as the registry
/// stamps it.
pub(crate) async fn self_review(ctx: &mut Ctx, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(body).await?;
    decode_kind(
        &bytes,
        ctx.body_is_protobuf(),
        "SelfSubjectReview",
        "authentication.SelfSubjectReview",
    )?;
    let mut user_info = Map::new();
    for (key, value) in [("username", &ctx.user.name), ("uid", &ctx.user.uid)] {
        if !value.is_empty() {
            user_info.insert(key.to_owned(), Value::String(value.clone()));
        }
    }
    if !ctx.user.groups.is_empty() {
        user_info.insert("groups".to_owned(), json!(ctx.user.groups));
    }
    let review = json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": now()},
        "status": {"userInfo": user_info},
    });
    Ok(respond(StatusCode::CREATED, &review, ctx.format))
}

/// Creates (evaluates) a SelfSubjectAccessReview: 201 with the review and its `status`.
pub(crate) async fn access_review(ctx: &mut Ctx, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(body).await?;
    let sent = decode(ctx, &bytes)?;
    let spec = sent.get("spec").cloned().unwrap_or_else(|| json!({}));
    let attributes = |key: &str| {
        spec.get(key)
            .and_then(Value::as_object)
            .map(|attrs| strings_of(attrs, key))
    };
    let resource = attributes("resourceAttributes");
    let non_resource = attributes("nonResourceAttributes");
    let invalid = match (&resource, &non_resource) {
        (Some(_), Some(_)) => Some((
            "spec.nonResourceAttributes",
            "cannot be specified in combination with resourceAttributes",
        )),
        (None, None) => Some((
            "spec.resourceAttributes",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )),
        _ => None,
    };
    if let Some((field, detail)) = invalid {
        let message = format!("Invalid value: \"null\": {detail}");
        return Err(ApiError::status(Status::invalid(
            GroupKind {
                group: "authorization.k8s.io",
                kind: KIND,
            },
            "",
            vec![Cause::new("FieldValueInvalid", message, field)],
        )));
    }
    let allowed = ctx.user.admin
        || resource.as_ref().is_some_and(|attrs| allows(ctx, attrs))
        || non_resource.as_ref().is_some_and(public_path);
    let mut spec_out = Map::new();
    if let Some(attrs) = resource {
        spec_out.insert("resourceAttributes".to_owned(), Value::Object(attrs));
    }
    if let Some(attrs) = non_resource {
        spec_out.insert("nonResourceAttributes".to_owned(), Value::Object(attrs));
    }
    let mut metadata = sent
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // A review is never stored: its creationTimestamp stays zero, which Go's JSON writes as null
    // until 1.34 (`omitzero` from then on).
    metadata.remove("creationTimestamp");
    if !ctx.version().at_least(34) {
        metadata.insert("creationTimestamp".to_owned(), Value::Null);
    }
    let review = json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": metadata,
        "spec": spec_out,
        "status": {"allowed": allowed},
    });
    Ok(respond(StatusCode::CREATED, &review, ctx.format))
}

/// The string fields of an attributes object as Go keeps them (`omitempty`: empty ones dropped,
/// and only the fields of `key`'s struct).
fn strings_of(attrs: &Map<String, Value>, key: &str) -> Map<String, Value> {
    let fields: &[&str] = if key == "resourceAttributes" {
        &[
            "namespace",
            "verb",
            "group",
            "version",
            "resource",
            "subresource",
            "name",
        ]
    } else {
        &["path", "verb"]
    };
    fields
        .iter()
        .filter_map(|f| {
            attrs
                .get(*f)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(|v| ((*f).to_owned(), Value::String(v.to_owned())))
        })
        .collect()
}

/// Whether a user who is not an administrator holds the verb on the resource: the grants cover
/// endpoints (core) and endpointslices (discovery.k8s.io), without a subresource.
fn allows(ctx: &Ctx, attrs: &Map<String, Value>) -> bool {
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).unwrap_or_default();
    let ours = matches!(
        (text("group"), text("resource")),
        ("", "endpoints") | ("discovery.k8s.io", "endpointslices")
    );
    ours && text("subresource").is_empty()
        && text("verb").parse::<Verb>().is_ok_and(|verb| ctx.may(verb))
}

/// Whether a non-resource request is one every authenticated user may make: a GET of discovery,
/// the OpenAPI documents, the health endpoints or `/version` (the `system:discovery` and
/// `system:public-info-viewer` ClusterRoles of a cluster's default RBAC).
fn public_path(attrs: &Map<String, Value>) -> bool {
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).unwrap_or_default();
    let path = text("path");
    let public = matches!(
        path,
        "/api"
            | "/apis"
            | "/openapi"
            | "/healthz"
            | "/livez"
            | "/readyz"
            | "/version"
            | "/version/"
    ) || ["/api/", "/apis/", "/openapi/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    public && text("verb") == "get"
}

/// The review as sent, in JSON or protobuf.
fn decode(ctx: &Ctx, bytes: &[u8]) -> Result<Value, ApiError> {
    decode_kind(
        bytes,
        ctx.body_is_protobuf(),
        KIND,
        "authorization.SelfSubjectAccessReview",
    )
}
