//! Reads: GET one object and LIST, and the page selection deletecollection shares.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use http::StatusCode;
use kconform_spec::options::{ReadKind, parse_resource_version};
use kconform_spec::status::Status;
use serde_json::{Map, Value, json};

use crate::Fault;
use crate::context::Ctx;
use crate::http::{ApiError, respond};
use crate::objects::{canonical, list_item, meta_str};
use crate::opts::{self, ListOpts, ReadAt};
use crate::store::{StoreError, key};

use super::{not_found, ok};

/// How long a read waits for a future resourceVersion before 504, like the watch cache.
const FUTURE_RV_WAIT: Duration = Duration::from_secs(3);

/// GET one object (`readCoreV1NamespacedEndpoints`).
pub(crate) async fn get(ctx: &mut Ctx, namespace: &str, name: &str) -> Result<Response, ApiError> {
    if ctx
        .query
        .get("export")
        .is_some_and(|v| crate::http::parse_bool(v).unwrap_or(false))
    {
        return Err(ApiError::status(Status::export_unsupported()));
    }
    let rv = ctx.query.get("resourceVersion").unwrap_or_default();
    let rv = parse_resource_version(rv, ReadKind::Get, ctx.version()).map_err(ApiError::status)?;
    if let Some(rv) = rv.filter(|rv| *rv != 0) {
        wait_for_rv(ctx, rv).await?;
    }
    match ctx.store().get(namespace, name) {
        Some(object) if ctx.format.table.is_some() => {
            let version = ctx.format.table.unwrap_or_default();
            let mut meta = Map::new();
            meta.insert(
                "resourceVersion".to_owned(),
                Value::String(meta_str(&object, "resourceVersion").to_owned()),
            );
            let table = crate::table::table(ctx.api, version, meta, &[canonical(&object)]);
            Ok(respond(StatusCode::OK, &table, ctx.format))
        }
        Some(object) => Ok(ok(ctx, StatusCode::OK, &object)),
        None => Err(not_found(ctx, name)),
    }
}

/// Wait (bounded) until the store reaches `rv`; 504 Too large resource version otherwise.
async fn wait_for_rv(ctx: &Ctx, rv: u64) -> Result<(), ApiError> {
    if ctx.fault(Fault::FutureResourceVersionServed) {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + FUTURE_RV_WAIT;
    loop {
        let current = ctx.store().current_rv();
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
pub(super) struct Page {
    pub(super) items: Vec<Arc<Value>>,
    rv: u64,
    continue_token: Option<String>,
    remaining: Option<i64>,
}

/// Select a page from the store as kube-apiserver would answer `opts` (shared with deletecollection).
pub(super) async fn select(
    ctx: &Ctx,
    namespace: Option<&str>,
    opts: &ListOpts,
) -> Result<Page, ApiError> {
    let store = ctx.store();
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
                ApiError::status(Status::etcd_future_revision())
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

/// An EndpointsList (or EndpointSliceList) answer, serialised straight from the stored objects (no
/// copies).
pub(super) struct ListBody {
    api: crate::Api,
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
        out.serialize_entry("kind", self.api.list_kind())?;
        out.serialize_entry("apiVersion", self.api.api_version())?;
        out.serialize_entry("metadata", &self.metadata)?;
        if self.items_null && self.items.is_empty() {
            out.serialize_entry("items", &Value::Null)?;
        } else {
            out.serialize_entry("items", &Items(&self.items))?;
        }
        out.end()
    }
}

impl ListBody {
    /// The answer: protobuf written from the stored items when negotiated, otherwise JSON or YAML.
    pub(super) fn respond(&self, format: crate::http::Format) -> Response {
        if !format.protobuf || !self.api.protobuf() {
            return respond(StatusCode::OK, self, format);
        }
        let items = self.items.iter().map(|item| item.as_ref());
        let encoded = kconform_spec::protobuf::encode_list(
            self.api.list_kind(),
            self.api.api_version(),
            &self.metadata,
            items,
        );
        match encoded {
            Ok(bytes) => crate::http::respond_protobuf(StatusCode::OK, bytes),
            Err(err) => {
                ApiError::internal(format!("encoding the response failed: {err}")).render(format)
            }
        }
    }
}

pub(super) fn list_body(api: crate::Api, page: Page) -> ListBody {
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
        api,
        metadata,
        items: page.items,
        items_null: false,
    }
}

/// LIST (`listCoreV1NamespacedEndpoints`, `listCoreV1EndpointsForAllNamespaces`).
pub(crate) async fn list(ctx: &mut Ctx, namespace: Option<&str>) -> Result<Response, ApiError> {
    let opts = opts::list_options(&ctx.query, ctx.version(), ctx.api, &ctx.state.config.faults)?;
    let page = select(ctx, namespace, &opts).await?;
    let mut body = list_body(ctx.api, page);
    body.items_null = ctx.fault(Fault::EmptyListItemsNull);
    if let Some(version) = ctx.format.table {
        let items: Vec<Value> = body.items.iter().map(|item| list_item(item)).collect();
        let table = crate::table::table(ctx.api, version, body.metadata, &items);
        return Ok(respond(StatusCode::OK, &table, ctx.format));
    }
    if ctx.format.protobuf && ctx.fault(Fault::ProtobufListDropsContinue) {
        body.metadata.remove("continue");
    }
    Ok(body.respond(ctx.format))
}
