//! A minimal namespaces API (create, get, list, replace, patch, delete) and the admin endpoints.
//!
//! Deleting a namespace marks it Terminating, as kube-apiserver does; the namespace controller's part
//! (deleting what it holds, then the namespace) follows shortly after, so that clients waiting for
//! it to disappear (`kubectl delete namespace`) finish, and creates in it meanwhile get
//! NamespaceLifecycle's 403.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::status::{NAMESPACES_RESOURCE, Status};
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::http::{ApiError, respond};
use crate::objects::{decode_kind, meta_str, new_uid, now, read_body};
use crate::store::Store;
use crate::table::Printer;

/// The namespaces every cluster starts with.
const INITIAL: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

fn namespace_object(name: &str) -> Value {
    json!({
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": new_uid(),
            "creationTimestamp": now(),
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// Create the initial namespaces in a fresh store.
pub(crate) fn create_initial(store: &Store) {
    for name in INITIAL {
        store.create_namespace(name, namespace_object(name));
    }
}

fn forbidden(ctx: &Ctx, verb: &str, name: Option<&str>) -> ApiError {
    ApiError::Router {
        status: Box::new(Status::namespace_forbidden(&ctx.user.name, verb, name)),
        pretty: false,
    }
}

fn require_admin(ctx: &Ctx, verb: &str, name: Option<&str>) -> Result<(), ApiError> {
    if ctx.user.admin {
        Ok(())
    } else {
        Err(forbidden(ctx, verb, name))
    }
}

/// The body of a namespace create: protobuf when its Content-Type says so (`kubectl create
/// namespace` and client-go's typed clients send it), otherwise JSON, with the decoder's Go texts.
fn decode_namespace(ctx: &Ctx, bytes: &[u8]) -> Result<Value, ApiError> {
    decode_kind(bytes, ctx.body_is_protobuf(), "Namespace", "core.Namespace")
}

/// POST /api/v1/namespaces.
pub(crate) async fn create(ctx: &mut Ctx, body: Body) -> Result<Response, ApiError> {
    require_admin(ctx, "create", None)?;
    let bytes = read_body(body).await?;
    let sent = decode_namespace(ctx, &bytes)?;
    let name = meta_str(&sent, "name").to_owned();
    let causes = kconform_spec::names::dns1123_label(&name);
    if name.is_empty() || !causes.is_empty() {
        return Err(ApiError::status(Status::namespace_invalid_name(
            &name, &causes,
        )));
    }
    let mut object = namespace_object(&name);
    adopt_metadata(&mut object, &sent);
    match ctx.state.store.create_namespace(&name, object) {
        Some(stored) => Ok(respond(StatusCode::CREATED, stored.as_ref(), ctx.format)),
        None => Err(ApiError::status(Status::namespace_already_exists(&name))),
    }
}

/// What a client may set on a namespace: labels (the `kubernetes.io/metadata.name` label stays the
/// namespace's name, as the strategy sets it), annotations (kubectl apply's last-applied
/// configuration) and finalizers.
fn adopt_metadata(object: &mut Value, sent: &Value) {
    let name = meta_str(object, "name").to_owned();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let mut labels = sent
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.insert(
        "kubernetes.io/metadata.name".to_owned(),
        Value::String(name),
    );
    meta.insert("labels".to_owned(), Value::Object(labels));
    for field in ["annotations", "finalizers"] {
        match sent.pointer(&format!("/metadata/{field}")) {
            Some(value)
                if value.as_object().is_some_and(|m| !m.is_empty())
                    || value.as_array().is_some_and(|a| !a.is_empty()) =>
            {
                meta.insert(field.to_owned(), value.clone());
            }
            _ => {
                meta.remove(field);
            }
        }
    }
}

/// The namespace `name` with what `sent` sets (see [`adopt_metadata`]) stored, unless `sent` names
/// another resourceVersion than the stored one (409).
fn store_update(
    ctx: &Ctx,
    name: &str,
    current: &Value,
    sent: &Value,
) -> Result<Response, ApiError> {
    let sent_name = meta_str(sent, "name");
    if !sent_name.is_empty() && sent_name != name {
        return Err(ApiError::status(Status::bad_request(format!(
            "the name of the object ({sent_name}) does not match the name on the URL ({name})"
        ))));
    }
    let mut object = current.clone();
    adopt_metadata(&mut object, sent);
    let expected = Some(meta_str(sent, "resourceVersion")).filter(|rv| !rv.is_empty());
    match ctx.state.store.update_namespace(name, expected, object) {
        Ok(stored) => {
            // The update that removes the last finalizer of a finalized namespace lets it go.
            if ctx.state.store.remove_finalized_namespace(name) {
                ctx.state.slices.delete_namespace_objects(name);
            }
            Ok(respond(StatusCode::OK, stored.as_ref(), ctx.format))
        }
        Err(true) => Err(ApiError::status(Status::not_found(
            NAMESPACES_RESOURCE,
            name,
        ))),
        Err(false) => Err(ApiError::status(Status::conflict_modified_of(
            &kconform_spec::status::ApiResource::NAMESPACES,
            name,
        ))),
    }
}

/// PUT /api/v1/namespaces/{name} (`kubectl replace`): the metadata a client may set.
pub(crate) async fn replace(ctx: &mut Ctx, name: &str, body: Body) -> Result<Response, ApiError> {
    require_admin(ctx, "update", Some(name))?;
    let bytes = read_body(body).await?;
    let sent = decode_namespace(ctx, &bytes)?;
    let Some(current) = ctx.state.store.get_namespace(name) else {
        return Err(ApiError::status(Status::not_found(
            NAMESPACES_RESOURCE,
            name,
        )));
    };
    store_update(ctx, name, &current, &sent)
}

/// PATCH /api/v1/namespaces/{name} (`kubectl label`, `annotate`, `apply`): JSON, merge and
/// strategic merge patches applied to the namespace, then its settable metadata stored. Server-side
/// apply is taken as a merge of the applied configuration: namespaces keep no managedFields here, so
/// a field an apply stops naming is not removed (kube-apiserver would remove it).
pub(crate) async fn patch(
    ctx: &mut Ctx,
    name: &str,
    kind: kconform_spec::negotiation::PatchKind,
    body: Body,
) -> Result<Response, ApiError> {
    use kconform_spec::negotiation::PatchKind;
    use kconform_spec::patch::PatchFormat;
    require_admin(ctx, "patch", Some(name))?;
    let bytes = read_body(body).await?;
    let Some(current) = ctx.state.store.get_namespace(name) else {
        return Err(ApiError::status(Status::not_found(
            NAMESPACES_RESOURCE,
            name,
        )));
    };
    let decode_failed = |err: &dyn std::fmt::Display| {
        ApiError::status(Status::patch_decode_failed(&err.to_string()))
    };
    let patch = match kind {
        PatchKind::Apply => kconform_spec::yaml::yaml_to_json(&bytes)
            .map_err(|err| decode_failed(&err))
            .and_then(|json| {
                kconform_spec::gojson::parse(&json)
                    .map(|node| node.to_value())
                    .map_err(|err| decode_failed(&err))
            })?,
        PatchKind::Patch(_) => kconform_spec::gojson::parse(&bytes)
            .map(|node| node.to_value())
            .map_err(|err| decode_failed(&err))?,
    };
    let mut patched = (*current).clone();
    match kind {
        PatchKind::Patch(PatchFormat::Json) => {
            // Read as the jsonPatcher reads it, with Go's texts; what decodes but cannot be
            // applied is the generic 422.
            let (operations, problems) =
                kconform_spec::patch::decode_json_patch(&bytes, true).map_err(ApiError::status)?;
            ctx.warnings.extend(problems);
            let operations: json_patch::Patch = serde_json::from_value(operations)
                .map_err(|_| ApiError::status(Status::json_patch_failed()))?;
            json_patch::patch(&mut patched, &operations)
                .map_err(|_| ApiError::status(Status::json_patch_failed()))?;
        }
        PatchKind::Patch(PatchFormat::Strategic) => {
            patched = crate::patch::strategic_merge(&patched, &patch)
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
        }
        PatchKind::Patch(PatchFormat::Merge) | PatchKind::Apply => {
            json_patch::merge(&mut patched, &patch);
        }
    }
    store_update(ctx, name, &current, &patched)
}

/// GET /api/v1/namespaces/{name} (and PUT .../finalize, which has nothing to finalize here).
pub(crate) fn get(ctx: &mut Ctx, name: &str) -> Result<Response, ApiError> {
    match ctx.state.store.get_namespace(name) {
        Some(object) if ctx.format.table.is_some() => {
            let mut meta = serde_json::Map::new();
            meta.insert(
                "resourceVersion".to_owned(),
                Value::String(meta_str(&object, "resourceVersion").to_owned()),
            );
            let version = ctx.format.table.unwrap_or_default();
            let table =
                crate::table::table(Printer::Namespaces, version, meta, &[(*object).clone()]);
            Ok(respond(StatusCode::OK, &table, ctx.format))
        }
        Some(object) => Ok(respond(StatusCode::OK, object.as_ref(), ctx.format)),
        None => Err(ApiError::status(Status::not_found(
            NAMESPACES_RESOURCE,
            name,
        ))),
    }
}

/// GET /api/v1/namespaces.
pub(crate) fn list(ctx: &mut Ctx) -> Response {
    let (items, rv) = ctx.state.store.list_namespaces();
    let items: Vec<Value> = items
        .iter()
        .map(|ns| {
            let mut item = (**ns).clone();
            if let Some(map) = item.as_object_mut() {
                map.remove("kind");
                map.remove("apiVersion");
            }
            item
        })
        .collect();
    if let Some(version) = ctx.format.table {
        let mut meta = serde_json::Map::new();
        meta.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
        let table = crate::table::table(Printer::Namespaces, version, meta, &items);
        return respond(StatusCode::OK, &table, ctx.format);
    }
    let body = json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": rv.to_string()}, "items": items});
    respond(StatusCode::OK, &body, ctx.format)
}

/// The namespaces NamespaceLifecycle admission refuses to delete.
const IMMORTAL: [&str; 3] = ["default", "kube-public", "kube-system"];

/// DELETE /api/v1/namespaces/{name}: the first one marks the namespace Terminating (deletionTimestamp,
/// phase) and answers it; later ones answer it as it is. The namespace controller's part follows
/// after [`crate::Config::namespace_finalize_after`]: the namespace's Endpoints and EndpointSlices
/// are deleted and then the namespace, once no finalizer of its metadata holds it. (The controller
/// of a cluster would wait for objects held by finalizers; here they go with the rest.)
pub(crate) fn delete(ctx: &mut Ctx, name: &str) -> Result<Response, ApiError> {
    require_admin(ctx, "delete", Some(name))?;
    if IMMORTAL.contains(&name) {
        return Err(ApiError::status(Status::forbidden_with_reason_of(
            &kconform_spec::status::ApiResource::NAMESPACES,
            Some(name),
            "this namespace may not be deleted",
        )));
    }
    let Some((object, started)) = ctx.state.store.terminate_namespace(name, &now()) else {
        return Err(ApiError::status(Status::not_found(
            NAMESPACES_RESOURCE,
            name,
        )));
    };
    if started {
        let state = ctx.state.clone();
        let name = name.to_owned();
        let mut shutdown = state.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(state.config.namespace_finalize_after) => {}
                // A server shutting down finalizes at once: nothing waits on it any more.
                _ = shutdown.wait_for(|down| *down) => {}
            }
            state.slices.delete_namespace_objects(&name);
            state.store.finalize_namespace(&name);
        });
    }
    Ok(respond(StatusCode::OK, object.as_ref(), ctx.format))
}

/// GET /api/v1/namespaces/{ns}/events: always empty (for `kubectl describe`).
pub(crate) fn empty_events(ctx: &mut Ctx) -> Response {
    let rv = ctx.state.store.current_rv().to_string();
    let body = json!({"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": rv}, "items": []});
    respond(StatusCode::OK, &body, ctx.format)
}

/// POST /kconform/admin/compact: forget all history up to the current resourceVersion.
pub(crate) fn compact(ctx: &mut Ctx) -> Result<Response, ApiError> {
    if !ctx.user.admin {
        return Err(ApiError::Router {
            status: Box::new(Status::failure(
                403,
                "Forbidden",
                "only administrators may compact the store",
            )),
            pretty: false,
        });
    }
    let compacted = ctx.state.store.compact_now();
    ctx.state.slices.compact_now();
    let body = json!({"compactedResourceVersion": compacted.to_string()});
    Ok(respond(StatusCode::OK, &body, ctx.format))
}
