//! The Endpoints operations other than watch: get, list, create, replace, patch, delete and
//! deletecollection, with kube-apiserver's order of checks (behaviour document §3.3).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use kconform_spec::cause::Cause;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::status::{GroupKind, Status};
use serde_json::{Map, Value, json};

use crate::Fault;
use crate::config::Verb;
use crate::context::Ctx;
use crate::http::{ApiError, respond};
use crate::managed;
use crate::objects::{
    being_deleted, canonical, finalizers, generate_name, list_item, meta_str, new_uid, now,
    read_body, remove_meta, set_meta,
};
use crate::opts::{self, DeleteOpts, FieldValidation, ListOpts, ReadAt, WriteOpts};
use crate::store::{Mutation, StoreError, key};
use kconform_spec::negotiation::PatchKind;
use kconform_spec::options::Propagation;
use kconform_spec::patch::{PatchFormat, rendered_patch_value};

/// How long a read waits for a future resourceVersion before 504, like the watch cache.
const FUTURE_RV_WAIT: Duration = Duration::from_secs(3);

fn ok(ctx: &Ctx, code: StatusCode, object: &Value) -> Response {
    respond(code, &crate::objects::Canonical::object(object), ctx.format)
}

// ---- reads ---------------------------------------------------------------------------------------

/// GET one object (`readCoreV1NamespacedEndpoints`).
pub(crate) async fn get(ctx: &mut Ctx, namespace: &str, name: &str) -> Result<Response, ApiError> {
    if ctx
        .query
        .get("export")
        .is_some_and(|v| crate::http::parse_bool(v).unwrap_or(false))
    {
        return Err(ApiError::bad_request(
            "the export parameter, deprecated since v1.14, is no longer supported",
        ));
    }
    if let Some(rv) = ctx.query.get("resourceVersion").filter(|rv| !rv.is_empty()) {
        let Ok(rv) = rv.parse::<u64>() else {
            return Err(ApiError::internal(format!(
                "resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: invalid syntax"
            )));
        };
        if rv != 0 {
            wait_for_rv(ctx, rv).await?;
        }
    }
    match ctx.state.store.get(namespace, name) {
        Some(object) if ctx.format.table.is_some() => {
            let version = ctx.format.table.unwrap_or_default();
            let mut meta = Map::new();
            meta.insert(
                "resourceVersion".to_owned(),
                Value::String(meta_str(&object, "resourceVersion").to_owned()),
            );
            let table = crate::table::table(version, meta, &[canonical(&object)]);
            Ok(respond(StatusCode::OK, &table, ctx.format))
        }
        Some(object) => Ok(ok(ctx, StatusCode::OK, &object)),
        None => Err(not_found(ctx, name)),
    }
}

fn not_found(ctx: &Ctx, name: &str) -> ApiError {
    let mut status = Status::not_found("endpoints", name);
    if ctx.fault(Fault::NotFoundWrongReason) {
        status.reason = "Gone".to_owned();
    }
    ApiError::status(status)
}

/// Wait (bounded) until the store reaches `rv`; 504 Too large resource version otherwise.
async fn wait_for_rv(ctx: &Ctx, rv: u64) -> Result<(), ApiError> {
    if ctx.fault(Fault::FutureResourceVersionServed) {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + FUTURE_RV_WAIT;
    loop {
        let current = ctx.state.store.current_rv();
        if current >= rv {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::status(Status::too_large_rv_timeout(
                rv, current, 1,
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A list page: the items, the snapshot revision and the continuation.
struct Page {
    items: Vec<Arc<Value>>,
    rv: u64,
    continue_token: Option<String>,
    remaining: Option<i64>,
}

/// Select a page from the store as kube-apiserver would answer `opts` (shared with deletecollection).
async fn select(ctx: &Ctx, namespace: Option<&str>, opts: &ListOpts) -> Result<Page, ApiError> {
    let store = &ctx.state.store;
    let (at, start) = match &opts.read_at {
        ReadAt::Latest => (None, None),
        ReadAt::NotOlderThan(rv) => {
            wait_for_rv(ctx, *rv).await?;
            (None, None)
        }
        ReadAt::Exact(_) if ctx.fault(Fault::ExactResourceVersionIgnored) => (None, None),
        ReadAt::Exact(rv) => (Some(*rv), None),
        ReadAt::Continue { rv, start } => (
            if *rv < 0 {
                None
            } else {
                u64::try_from(*rv).ok()
            },
            Some(start.clone()),
        ),
    };
    // Keys relative to the list prefix: `name` in a namespace, `namespace/name` across namespaces.
    let relative = |k: &str| -> String {
        match namespace {
            Some(ns) => k.strip_prefix(&key(ns, "")).unwrap_or(k).to_owned(),
            None => k.to_owned(),
        }
    };
    let start = start.map(|s| s.trim_start_matches('/').to_owned());
    // The token's start key is the last key plus NUL; without the NUL the last item comes again.
    let start = match start {
        Some(s) if ctx.fault(Fault::ContinueRepeatsItem) => {
            Some(s.trim_end_matches('\u{0}').to_owned())
        }
        other => other,
    };
    let absolute_start = start.as_ref().map(|s| match namespace {
        Some(ns) => key(ns, s),
        None => s.clone(),
    });
    let limit = opts.limit.filter(|_| !ctx.fault(Fault::LimitIgnored));
    let mut skip_first = ctx.fault(Fault::ContinueSkipsItem) && start.is_some();
    let mut items = Vec::new();
    let mut last_key = None;
    let mut stopped = false;
    let scanned = store.scan(namespace, at, absolute_start.as_deref(), |k, object| {
        if limit.is_some_and(|limit| items.len() >= limit) {
            stopped = true;
            return false;
        }
        if skip_first {
            skip_first = false;
            return true;
        }
        // Fields first: they need no allocation; labels only when there is a selector.
        let matches = opts
            .fields
            .matches(meta_str(object, "namespace"), meta_str(object, "name"))
            && (opts.labels.is_empty() || opts.labels.matches(&crate::store::labels_of(object)));
        if matches {
            // Only the Arc is taken under the store's lock; rendering happens after.
            items.push(object.clone());
            last_key = Some(relative(k));
        }
        true
    });
    let scanned = match scanned {
        Ok(scanned) => scanned,
        Err(StoreError::Compacted { .. }) => {
            return Err(match &opts.read_at {
                ReadAt::Continue { start, .. } => {
                    // The etcd path re-encodes the token's own start key, without the 1.36 slash.
                    let token = opts::encode_continue(
                        -1,
                        start.trim_end_matches('\u{0}'),
                        kconform_spec::K8sVersion::OLDEST,
                    );
                    ApiError::status(Status::expired_continue(Some(&token)))
                }
                _ => ApiError::status(Status::expired_list()),
            });
        }
        Err(StoreError::Future { requested, current }) => {
            return Err(if ctx.version().at_least(34) {
                ApiError::status(Status::too_large_rv_timeout(requested, current, 1))
            } else {
                ApiError::internal("etcdserver: mvcc: required revision is a future revision")
            });
        }
    };
    let (continue_token, remaining) = match (stopped, last_key) {
        (true, Some(last)) => {
            let rv = i64::try_from(scanned.rv).unwrap_or(i64::MAX);
            let token = opts::encode_continue(rv, &last, ctx.version());
            let remaining = (opts.labels.is_empty()
                && opts.fields.is_empty()
                && !ctx.fault(Fault::NoRemainingItemCount))
            .then(|| i64::try_from(scanned.remaining + 1).unwrap_or(i64::MAX));
            (Some(token), remaining)
        }
        _ => (None, None),
    };
    Ok(Page {
        items,
        rv: scanned.rv,
        continue_token,
        remaining,
    })
}

/// An EndpointsList answer, serialised straight from the stored objects (no copies).
struct ListBody {
    metadata: Map<String, Value>,
    items: Vec<Arc<Value>>,
    /// The `empty-list-items-null` fault: `"items": null` for an empty list.
    items_null: bool,
}

impl serde::Serialize for ListBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Items<'a>(&'a [Arc<Value>]);
        impl serde::Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(
                    self.0
                        .iter()
                        .map(|item| crate::objects::Canonical::item(item)),
                )
            }
        }
        let mut out = serializer.serialize_map(Some(4))?;
        out.serialize_entry("kind", "EndpointsList")?;
        out.serialize_entry("apiVersion", "v1")?;
        out.serialize_entry("metadata", &self.metadata)?;
        if self.items_null && self.items.is_empty() {
            out.serialize_entry("items", &Value::Null)?;
        } else {
            out.serialize_entry("items", &Items(&self.items))?;
        }
        out.end()
    }
}

fn list_body(page: Page) -> ListBody {
    let mut metadata = Map::new();
    metadata.insert(
        "resourceVersion".to_owned(),
        Value::String(page.rv.to_string()),
    );
    if let Some(token) = page.continue_token {
        metadata.insert("continue".to_owned(), Value::String(token));
    }
    if let Some(remaining) = page.remaining {
        metadata.insert("remainingItemCount".to_owned(), json!(remaining));
    }
    ListBody {
        metadata,
        items: page.items,
        items_null: false,
    }
}

/// LIST (`listCoreV1NamespacedEndpoints`, `listCoreV1EndpointsForAllNamespaces`).
pub(crate) async fn list(ctx: &mut Ctx, namespace: Option<&str>) -> Result<Response, ApiError> {
    let opts = opts::list_options(&ctx.query, ctx.version())?;
    let page = select(ctx, namespace, &opts).await?;
    let mut body = list_body(page);
    body.items_null = ctx.fault(Fault::EmptyListItemsNull);
    if let Some(version) = ctx.format.table {
        let items: Vec<Value> = body.items.iter().map(|item| list_item(item)).collect();
        let table = crate::table::table(version, body.metadata, &items);
        return Ok(respond(StatusCode::OK, &table, ctx.format));
    }
    Ok(respond(StatusCode::OK, &body, ctx.format))
}

// ---- decoding ------------------------------------------------------------------------------------

/// The body format of a POST or PUT, or 415.
fn body_format(ctx: &Ctx) -> Result<BodyFormat, ApiError> {
    let content_type = ctx
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match kconform_spec::negotiation::write_body_format(content_type) {
        Ok(format) => Ok(format),
        Err(_) if ctx.fault(Fault::UnsupportedMediaTypeAccepted) => Ok(BodyFormat::Json),
        Err(status) => Err(ApiError::status(status)),
    }
}

/// Decode a POST/PUT body honouring `fieldValidation` (Strict: 400; Warn: Warning headers).
fn decode_body(
    ctx: &mut Ctx,
    body: &[u8],
    format: BodyFormat,
    validation: FieldValidation,
) -> Result<Value, ApiError> {
    let decoded = decode_endpoints_for(body, format, ctx.version())
        .map_err(|err| ApiError::status(err.to_status()))?;
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

fn default_object(ctx: &mut Ctx, object: &mut Value) {
    crate::objects::omit_empty(object);
    if let Some(warning) = crate::objects::dedup_owner_references(object) {
        ctx.warnings.push(warning);
    }
    if !ctx.fault(Fault::NoDefaultProtocol) {
        kconform_spec::defaults::default_endpoints(object);
    }
}

fn invalid(name: &str, causes: Vec<Cause>) -> ApiError {
    ApiError::status(Status::invalid(GroupKind::ENDPOINTS, name, causes))
}

fn manager(ctx: &Ctx, opts: &WriteOpts) -> String {
    if !opts.field_manager.is_empty() {
        return opts.field_manager.clone();
    }
    let agent = ctx
        .headers
        .get(http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    kconform_spec::options::default_field_manager(&agent.unwrap_or_default())
}

fn check_namespace(object: &mut Value, namespace: &str) -> Result<(), ApiError> {
    let body_ns = meta_str(object, "namespace");
    if !body_ns.is_empty() && body_ns != namespace {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    set_meta(object, "namespace", Value::String(namespace.to_owned()));
    Ok(())
}

/// NamespaceLifecycle admission for creates.
fn check_namespace_exists(ctx: &Ctx, namespace: &str) -> Result<(), ApiError> {
    if ctx.state.store.get_namespace(namespace).is_none()
        && !ctx.fault(Fault::CreateInMissingNamespace)
    {
        return Err(ApiError::status(Status::not_found("namespaces", namespace)));
    }
    Ok(())
}

fn dry_run(ctx: &Ctx, opts: &WriteOpts) -> bool {
    opts.dry_run && !ctx.fault(Fault::DryRunPersists)
}

/// Everything a create does to a decoded object before storing it: system fields, generated name,
/// defaulting, admission, validation, warnings and managed fields.
fn prepare_create(
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
    check_namespace_exists(ctx, namespace)?;
    if !ctx.fault(Fault::SkipValidation) {
        let mut causes = kconform_spec::validate::validate(object, ctx.version());
        if ctx.fault(Fault::LoopbackIpAccepted) {
            causes.retain(|cause| !cause.message.contains("loopback"));
        }
        if ctx.fault(Fault::WrongCauseFieldPath) {
            for cause in &mut causes {
                cause.field = cause.field.replace('[', ".").replace(']', "");
            }
        }
        if !causes.is_empty() {
            return Err(invalid(&name, causes));
        }
    }
    ctx.warnings
        .extend(kconform_spec::warnings::ip_warnings(object, ctx.version()));
    remove_meta(object, "managedFields");
    managed::update(None, object, &manager(ctx, opts), &now());
    Ok(name)
}

// ---- create --------------------------------------------------------------------------------------

/// POST (`createCoreV1NamespacedEndpoints`).
pub(crate) async fn create(
    ctx: &mut Ctx,
    namespace: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let format = body_format(ctx)?;
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
    let code = if ctx.fault(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let dry = dry_run(ctx, &opts);
    let numeric_rv = sent_rv.parse::<u64>().is_ok_and(|rv| rv != 0);
    if !dry && numeric_rv {
        return Err(ApiError::internal(
            "resourceVersion should not be set on objects to be created",
        ));
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
    let written = loop {
        let result = ctx
            .state
            .store
            .write(namespace, &name, |current, _| match current {
                Some(existing) if being_deleted(existing) => Err(ApiError::status(
                    Status::already_exists_being_deleted(&name),
                )),
                Some(_) if ctx.fault(Fault::AlreadyExistsOverwrites) && !dry => {
                    Ok((Mutation::Put(object.clone()), ()))
                }
                Some(_) if generated => Err(ApiError::status(
                    Status::already_exists_generate_name(&name),
                )),
                Some(_) => Err(ApiError::status(Status::already_exists(&name))),
                None if dry => Ok((Mutation::Keep, ())),
                None => Ok((Mutation::Put(object.clone()), ())),
            });
        match result {
            Ok((written, ())) => break written,
            Err(err) if generated && attempt < attempts && err.body().reason == "AlreadyExists" => {
                attempt += 1;
                name = generate_name(meta_str(&object, "generateName"));
                set_meta(&mut object, "name", Value::String(name.clone()));
            }
            Err(err) => return Err(err),
        }
    };
    let stored = written.object.map(|o| (*o).clone()).unwrap_or(object);
    Ok(ok(ctx, code, &stored))
}

// ---- update (PUT and the patch types that end in an update) ---------------------------------------

/// What an update writes: 200 with the object, or 201 when it created it.
struct UpdateOutcome {
    code: StatusCode,
    object: Value,
}

/// The shared tail of PUT and PATCH: preconditions, BeforeUpdate, validation, managed fields,
/// finalizer-driven deletion, then the write (or not, for dry runs).
fn update_existing(
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
        return Err(ApiError::status(Status::conflict_modified(name)));
    }
    // BeforeUpdate: system fields come from the stored object.
    for field in [
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
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
    if !ctx.fault(Fault::SkipValidation) && !ctx.fault(Fault::UpdateSkipsValidation) {
        let causes = kconform_spec::validate::validate_update(&object, old, ctx.version());
        if !causes.is_empty() {
            return Err(invalid(name, causes));
        }
    }
    ctx.warnings
        .extend(kconform_spec::warnings::ip_warnings(&object, ctx.version()));
    if !managed_by_apply {
        managed::update(Some(old), &mut object, &manager(ctx, opts), &now());
    }
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
    let (written, ()) = ctx.state.store.write(namespace, name, |current, _| {
        let Some(current) = current else {
            return Err(not_found(ctx, name));
        };
        if meta_str(current, "uid") != stored_uid || meta_str(current, "resourceVersion") != old_rv
        {
            return Err(ApiError::status(Status::conflict_modified(name)));
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
fn create_through_update(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    mut object: Value,
    opts: &WriteOpts,
    apply_manager: Option<&str>,
) -> Result<UpdateOutcome, ApiError> {
    if !ctx.may(Verb::Create) {
        let status = if ctx.version().at_least(32) {
            Status::forbidden(&ctx.user.name, "create", Some(name), Some(namespace))
        } else {
            Status::forbidden_with_reason(Some(name), "")
        };
        return Err(ApiError::status(status));
    }
    let sent_rv = meta_str(&object, "resourceVersion").to_owned();
    prepare_create(ctx, &mut object, namespace, opts)?;
    if let Some(manager) = apply_manager {
        let mut applied = object.clone();
        remove_meta(&mut applied, "managedFields");
        let now = now();
        object = managed::apply(None, &applied, manager, true, &now).unwrap_or(object);
    }
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
        .state
        .store
        .write(namespace, name, |current, _| match current {
            Some(_) => Err(ApiError::status(Status::conflict_modified(name))),
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
    let format = body_format(ctx)?;
    let bytes = read_body(body).await?;
    let opts = opts::update_options(&ctx.query, ctx.version())?;
    let mut object = decode_body(ctx, &bytes, format, opts.field_validation)?;
    check_namespace(&mut object, namespace)?;
    let body_name = meta_str(&object, "name").to_owned();
    if body_name.is_empty() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name} based on URL) was undeterminable: name must be provided"
        )));
    }
    if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let outcome = match ctx.state.store.get(namespace, name) {
        None if ctx.fault(Fault::PutDoesNotCreate) => return Err(not_found(ctx, name)),
        None => create_through_update(ctx, namespace, name, object, &opts, None)?,
        Some(old) => {
            let sent_uid = meta_str(&object, "uid").to_owned();
            let stored_uid = meta_str(&old, "uid").to_owned();
            if !sent_uid.is_empty()
                && sent_uid != stored_uid
                && !ctx.fault(Fault::UidPreconditionIgnored)
            {
                return Err(ApiError::status(Status::conflict_uid_mismatch(
                    namespace,
                    name,
                    &sent_uid,
                    &stored_uid,
                )));
            }
            update_existing(ctx, namespace, name, object, &old, &opts, false)?
        }
    };
    Ok(ok(ctx, outcome.code, &outcome.object))
}

// ---- patch ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

/// PATCH (`patchCoreV1NamespacedEndpoints`).
pub(crate) async fn patch(
    ctx: &mut Ctx,
    namespace: &str,
    name: &str,
    body: Body,
) -> Result<Response, ApiError> {
    let content_type = ctx
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let patch_type = match kconform_spec::negotiation::patch_kind(content_type) {
        Ok(PatchKind::Apply) => PatchType::Apply,
        Ok(PatchKind::Patch(PatchFormat::Json)) => PatchType::Json,
        Ok(PatchKind::Patch(PatchFormat::Merge)) => PatchType::Merge,
        Ok(PatchKind::Patch(PatchFormat::Strategic)) => PatchType::Strategic,
        // The router answers this 415, before the handler and its Warning.
        Err(status) => {
            return Err(ApiError::Router {
                status: Box::new(status),
                pretty: false,
            });
        }
    };
    let bytes = read_body(body).await?;
    let opts = opts::patch_options(&ctx.query, ctx.version(), patch_type == PatchType::Apply)?;
    let current = ctx.state.store.get(namespace, name);
    if patch_type == PatchType::Apply {
        return apply_patch(ctx, namespace, name, &bytes, current.as_deref(), &opts);
    }
    // From here on the patch type is json, merge or strategic.
    let Some(old) = current else {
        return Err(not_found(ctx, name));
    };
    let original = canonical(&old);
    let parse_patch = |prefix: &str| {
        kconform_spec::gojson::parse(&bytes)
            .map(|node| node.to_value())
            .map_err(|err| ApiError::bad_request(format!("{prefix}{err}")))
    };
    let patched = match patch_type {
        PatchType::Json => {
            let value = parse_patch("error decoding patch: ")?;
            let operations: json_patch::Patch = serde_json::from_value(value.clone())
                .map_err(|err| ApiError::bad_request(format!("error decoding patch: {err}")))?;
            if operations.0.len() > 10_000 {
                return Err(ApiError::status(Status::json_patch_too_many_operations(
                    operations.0.len(),
                )));
            }
            let mut doc = original.clone();
            json_patch::patch(&mut doc, &operations).map_err(|_| {
                if ctx.fault(Fault::JsonPatchFailure400) {
                    ApiError::bad_request(
                        "the server rejected our request due to an error in our request",
                    )
                } else {
                    ApiError::status(Status::json_patch_failed())
                }
            })?;
            let text = || rendered_patch_value(PatchFormat::Json, &original, &value, &doc);
            check_patched(ctx, &doc, &opts, text)?
        }
        PatchType::Merge => {
            let patch = parse_patch("error decoding patch: ")?;
            let mut doc = original.clone();
            json_patch::merge(&mut doc, &patch);
            let text = || rendered_patch_value(PatchFormat::Merge, &original, &patch, &doc);
            check_patched(ctx, &doc, &opts, text)?
        }
        PatchType::Strategic | PatchType::Apply => {
            let patch = parse_patch("")?;
            let mut merged = crate::patch::strategic_merge(&original, &patch)
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
            if ctx.fault(Fault::SmpMergesSubsets)
                && let (Some(old), Some(new)) =
                    (original["subsets"].as_array(), patch["subsets"].as_array())
            {
                merged["subsets"] = Value::Array(old.iter().chain(new).cloned().collect());
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
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
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
    let bytes = serde_json::to_vec(patched).map_err(|err| ApiError::internal(err.to_string()))?;
    let decoded = match decode_endpoints_for(&bytes, BodyFormat::Json, ctx.version()) {
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
        FieldValidation::Strict => match decoded.strict_error() {
            Some(kconform_spec::decode::DecodeError::CannotHandle { error, .. }) => Err(
                ApiError::status(Status::invalid_patch(&value_text(), &error)),
            ),
            Some(other) => Err(ApiError::status(other.to_status())),
            None => Ok(decoded.object),
        },
        FieldValidation::Warn => {
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
    let invalid_type = |api_version: &str, kind: &str| {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        ApiError::bad_request(format!(
            "invalid object type: {group}/{version}, Kind={kind}"
        ))
    };
    let decoded = match decode_endpoints_for(bytes, BodyFormat::Yaml, ctx.version()) {
        Ok(decoded) => decoded,
        Err(kconform_spec::decode::DecodeError::CannotHandle { kind, version, .. })
            if version != "v1" || kind != "Endpoints" =>
        {
            return Err(invalid_type(&version, &kind));
        }
        Err(err) => return Err(ApiError::status(err.to_status())),
    };
    let mut applied = decoded.object;
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|v| !v.is_null())
    {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    if let Some(field) = decoded.unknown_fields.first() {
        return Err(ApiError::internal(format!(
            "failed to create typed patch object (/{name}; /v1, Kind=Endpoints): .{field}: field not declared in schema"
        )));
    }
    check_namespace(&mut applied, namespace)?;
    let applied_name = meta_str(&applied, "name").to_owned();
    if applied_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({applied_name}) does not match the name on the URL ({name})"
        )));
    }
    let Some(old) = current else {
        let outcome = create_through_update(ctx, namespace, name, applied, opts, Some(&manager))?;
        return Ok(ok(ctx, outcome.code, &outcome.object));
    };
    let force = opts.force.unwrap_or(false) || ctx.fault(Fault::ApplyIgnoresConflicts);
    let merged =
        managed::apply(Some(old), &applied, &manager, force, &now()).map_err(|conflicts| {
            let conflicts: Vec<(String, bool, String)> = conflicts
                .into_iter()
                .map(|c| (c.manager, c.update, c.field))
                .collect();
            ApiError::status(Status::apply_conflict(&conflicts))
        })?;
    let outcome = update_existing(ctx, namespace, name, merged, old, opts, true)?;
    Ok(ok(ctx, outcome.code, &outcome.object))
}

// ---- delete --------------------------------------------------------------------------------------

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
    let store = &ctx.state.store;
    let (written, outcome) = store.write(namespace, name, |current, _| {
        let Some(current) = current else {
            return Err(not_found(ctx, name));
        };
        if let Some(uid) = &opts.precondition_uid
            && uid != meta_str(current, "uid")
            && !ctx.fault(Fault::DeletePreconditionsIgnored)
        {
            return Err(ApiError::status(Status::conflict_delete_uid_precondition(
                name,
                uid,
                meta_str(current, "uid"),
            )));
        }
        if let Some(rv) = &opts.precondition_resource_version
            && rv != meta_str(current, "resourceVersion")
            && !ctx.fault(Fault::DeletePreconditionsIgnored)
        {
            return Err(ApiError::status(Status::conflict_delete_rv_precondition(
                name,
                rv,
                meta_str(current, "resourceVersion"),
            )));
        }
        let mut object = (**current).clone();
        let mut pending = finalizers(&object);
        if ctx.fault(Fault::FinalizersIgnored) {
            pending.clear();
        }
        let gc_finalizer = match opts.propagation_policy {
            _ if ctx.fault(Fault::PropagationPolicyIgnored) => None,
            Some(Propagation::Foreground) => Some("foregroundDeletion"),
            Some(Propagation::Orphan) => Some("orphan"),
            _ if opts.orphan_dependents == Some(true) => Some("orphan"),
            _ => None,
        };
        if let Some(finalizer) = gc_finalizer
            && !pending.iter().any(|f| f == finalizer)
        {
            pending.push(finalizer.to_owned());
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
            if !dry {
                finish_garbage_collection(ctx, namespace, name);
            }
            Deleted::Pending { object, accepted }
        }
        gone => gone,
    })
}

/// The garbage collector's part: Endpoints have no dependents, so the `orphan` and
/// `foregroundDeletion` finalizers are removed at once (deleting the object if nothing else holds it).
fn finish_garbage_collection(ctx: &Ctx, namespace: &str, name: &str) {
    let _ = ctx.state.store.write(namespace, name, |current, _| {
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
    let opts = opts::delete_options(&ctx.query, &bytes, ctx.version())?;
    match delete_one(ctx, namespace, name, &opts)? {
        Deleted::Gone { uid, object } => {
            if ctx.fault(Fault::DeleteReturnsObject) {
                return Ok(ok(ctx, StatusCode::OK, &object));
            }
            Ok(respond(
                StatusCode::OK,
                &Status::success_delete(name, &uid),
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
    let mut list_opts = opts::list_options(&ctx.query, ctx.version())?;
    if ctx.fault(Fault::DeleteCollectionIgnoresSelector) {
        list_opts.labels = Default::default();
        list_opts.fields = Default::default();
    }
    let delete_opts = opts::delete_options(&ctx.query, &bytes, ctx.version())?;
    let page = select(ctx, Some(namespace), &list_opts).await?;
    for item in &page.items {
        let item_name = meta_str(item, "name").to_owned();
        match delete_one(ctx, namespace, &item_name, &delete_opts) {
            Ok(_) => {}
            Err(err) if err.body().code == 404 => {}
            Err(err) => return Err(err),
        }
    }
    Ok(respond(StatusCode::OK, &list_body(page), ctx.format))
}
