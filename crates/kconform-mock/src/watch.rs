//! The watch handler: `GET ...?watch=1` and the deprecated `/api/v1/watch/...` paths, as kube-apiserver
//! serves them from its watch cache.
//!
//! * Options are decoded and validated first (400 for unparseable values and selectors, 422 from
//!   `kconform_spec::options`), after the WatchList defaulting that 1.32 and 1.34+ apply to a legacy
//!   watch (`resourceVersion` "" or "0" without `resourceVersionMatch`).
//! * The answer is `200`, `Content-Type: application/json`, chunked: one `{"type","object"}` JSON
//!   object per line. `pretty` does not apply to frames; YAML has no stream form.
//! * Starting points: "" and "0" send the current state as ADDED first; "N" sends the retained events
//!   after N, or one ERROR event (410 Expired, `too old resource version: N (compacted)`) when N is
//!   older than the history; a future N waits for N. `sendInitialEvents=true` sends the state then, with
//!   `allowWatchBookmarks`, the `k8s.io/initial-events-end` BOOKMARK.
//! * Selectors: an object that stops matching arrives as DELETED (its previous state with the event's
//!   resourceVersion), one that starts matching as ADDED.
//! * Bookmarks, only with `allowWatchBookmarks`: every `Config::bookmark_interval` (60 s by default,
//!   as kube-apiserver) and 2 s before the deadline, and only once objects of the watched resource
//!   were written somewhere after the watch's starting point (the watch cache drops bookmarks that are not newer than the
//!   watcher's resourceVersion, so an idle cluster sends none).
//! * `timeoutSeconds` ends the stream; unset, a random duration in [30 min, 60 min), as kube-apiserver
//!   draws from its minimum request timeout.
//!
//! Invariant: a subscription is taken atomically with its starting state, and a watcher that falls
//! behind the broadcast is ended rather than silently skipping events, so no event is lost or sent
//! twice.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use kconform_spec::K8sVersion;
use kconform_spec::options::{
    ListOptions, ReadKind, parse_list_options, parse_resource_version, validate_list_options,
};
use kconform_spec::status::Status;
use serde_json::{Map, Value};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::AppState;
use crate::context::WatchRequest;
use crate::http::ApiError;
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{Event, EventType, StoreError, Subscription, WatchStart};

/// The end-of-watch BOOKMARK comes this long before the deadline (`cache_watcher.go nextBookmarkTime`).
const BOOKMARK_BEFORE_DEADLINE: Duration = Duration::from_secs(2);

/// kube-apiserver's default `--min-request-timeout`; a watch without `timeoutSeconds` lasts between
/// one and two times this.
const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1800);

/// Frames buffered per watcher between the event loop and the connection.
const FRAME_BUFFER: usize = 256;

/// The annotation that marks the end of the initial events of a streaming list.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// Serve one watch request.
///
/// # Errors
/// The Status answers that precede a stream: 400 (bad parameter, selector, named-path conflict), 422
/// (options), 406 (no JSON in `Accept`), 500 (unparseable resourceVersion), 504 (a streaming list at a
/// resourceVersion the store does not reach in time).
pub(crate) async fn handle(
    state: Arc<AppState>,
    request: WatchRequest,
) -> Result<Response, ApiError> {
    let version = state.config.version;
    if request.format.yaml {
        // The first acceptable type decides (`NegotiateOutputMediaTypeStream`), and YAML has no stream
        // serializer: the handler answers 406 naming the stream types.
        return Err(ApiError::status(Status::watch_not_acceptable()));
    }
    let mut opts = parse_list_options(request.query.pairs()).map_err(ApiError::status)?;
    let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))
        .map_err(ApiError::bad_request)?;
    // Defaults (WatchList turns a legacy watch into a streaming one) then validates the options as
    // sent: kube-apiserver does both before the deprecated `/watch/` paths force the watch
    // (`ListResource`'s forceWatch), so there `sendInitialEvents` without `watch=1` is a list's
    // option (422) and a plain watch gets no initial-events-end BOOKMARK.
    validate_list_options(&mut opts, version).map_err(ApiError::status)?;
    opts.watch = true;
    let mut fields = match opts.field_selector.as_deref() {
        Some(text) => FieldSelector::parse_for(request.api, text, &state.config.faults)
            .map_err(ApiError::bad_request)?,
        None => FieldSelector::default(),
    };
    if let Some(name) = request.name.as_ref().filter(|_| {
        !state
            .config
            .faults
            .has(crate::Fault::WatchNamedPathIgnoresName)
    }) {
        if fields.is_empty() {
            fields = FieldSelector::parse(&format!("metadata.name={name}"))
                .map_err(ApiError::bad_request)?;
        } else if fields.required_name() != Some(name.as_str()) {
            return Err(ApiError::status(Status::watch_name_mismatch()));
        }
    }
    let filter = Filter {
        api: request.api,
        namespace: request.namespace.clone(),
        labels,
        fields,
    };

    let timeout = match opts.timeout_seconds {
        Some(seconds)
            if seconds != 0 && !state.config.faults.has(crate::Fault::WatchIgnoresTimeout) =>
        {
            Duration::from_secs(u64::try_from(seconds.max(0)).unwrap_or(0))
        }
        _ => MIN_REQUEST_TIMEOUT.mul_f64(1.0 + rand::random::<f64>()),
    };
    let deadline = Instant::now() + timeout;
    let plan = start_plan(&opts, version)?;
    let opening = open(&state, &filter, plan, deadline).await?;
    let protobuf = request.format.protobuf
        && request.api.protobuf()
        && !state.config.faults.has(crate::Fault::ProtobufWatchJson);
    if let Opening::Expired(status) = &opening
        && protobuf
        && state
            .config
            .faults
            .has(crate::Fault::ProtobufWatchExpiredAsStatus)
    {
        return Err(ApiError::status((**status).clone()));
    }

    let (sender, receiver) = mpsc::channel::<Result<Bytes, Infallible>>(FRAME_BUFFER);
    let watcher = Watcher {
        state: state.clone(),
        filter,
        version,
        bookmarks: opts.allow_watch_bookmarks
            && !state.config.faults.has(crate::Fault::NoBookmarks)
            && !(protobuf
                && state
                    .config
                    .faults
                    .has(crate::Fault::ProtobufWatchBookmarksDropped)),
        protobuf,
        table: request
            .format
            .table
            .filter(|_| !protobuf)
            .map(|api_version| TableFrames {
                api_version,
                headers_sent: std::sync::atomic::AtomicBool::new(false),
            }),
        deadline,
        sender,
        misdelivery: std::sync::Mutex::new((0, None)),
    };
    tokio::spawn(watcher.run(opening));

    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(
            if state.config.faults.has(crate::Fault::WatchWrongContentType) {
                "text/plain"
            } else if protobuf {
                kconform_spec::protobuf::STREAM_MEDIA_TYPE
            } else {
                "application/json"
            },
        ),
    );
    Ok(response)
}

/// What a watch selects.
#[derive(Debug)]
struct Filter {
    /// The resource watched.
    api: crate::Api,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn matches(
        &self,
        namespace: &str,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        self.namespace.as_deref().is_none_or(|ns| ns == namespace)
            && self.fields.matches(namespace, name)
            && self.labels.matches(labels)
    }

    fn matches_object(&self, object: &Value) -> bool {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        self.matches(
            text("/metadata/namespace"),
            text("/metadata/name"),
            &crate::store::labels_of(object),
        )
    }

    /// The event this watcher sees for a store event, if any (`convertToWatchEvent`).
    fn convert(&self, event: &Event) -> Option<(EventType, Arc<Value>)> {
        if self
            .namespace
            .as_deref()
            .is_some_and(|ns| ns != event.namespace)
        {
            return None;
        }
        let current = event.kind != EventType::Deleted
            && self.matches(&event.namespace, &event.name, &event.labels);
        let previous = event.previous.is_some()
            && self.matches(&event.namespace, &event.name, &event.previous_labels);
        match (current, previous) {
            (true, false) => Some((EventType::Added, event.object.clone())),
            (true, true) => Some((EventType::Modified, event.object.clone())),
            (false, true) if event.kind == EventType::Deleted => {
                Some((EventType::Deleted, event.object.clone()))
            }
            (false, true) => {
                // Left the selection: the previous state, carrying this event's resourceVersion.
                let mut old = event.previous.as_deref().cloned().unwrap_or(Value::Null);
                if let Some(meta) = old.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert(
                        "resourceVersion".to_owned(),
                        Value::String(event.rv.to_string()),
                    );
                }
                Some((EventType::Deleted, Arc::new(old)))
            }
            (false, false) => None,
        }
    }
}

/// Where the stream starts, from `resourceVersion` and `sendInitialEvents`.
#[derive(Debug, Clone, Copy)]
enum StartPlan {
    /// The current state as ADDED events, then changes; with the initial-events-end BOOKMARK when
    /// `streaming` (sendInitialEvents=true). `at_least`: the state must be at or after this
    /// resourceVersion (a streaming list "not older than" N).
    State {
        streaming: bool,
        at_least: Option<u64>,
    },
    /// Changes after the current resourceVersion, nothing before.
    Now,
    /// Changes after resourceVersion N.
    After(u64),
}

fn start_plan(opts: &ListOptions, version: K8sVersion) -> Result<StartPlan, ApiError> {
    let number = parse_resource_version(&opts.resource_version, ReadKind::Watch, version)
        .map_err(ApiError::status)?;
    Ok(match (opts.send_initial_events, number) {
        (Some(true), None | Some(0)) => StartPlan::State {
            streaming: true,
            at_least: None,
        },
        (Some(true), Some(n)) => StartPlan::State {
            streaming: true,
            at_least: Some(n),
        },
        (Some(false), None | Some(0)) => StartPlan::Now,
        (Some(false), Some(n)) => StartPlan::After(n),
        (None, None | Some(0)) => StartPlan::State {
            streaming: false,
            at_least: None,
        },
        (None, Some(n)) => StartPlan::After(n),
    })
}

/// What the stream begins with.
enum Opening {
    /// A subscription: initial objects and/or backlog, then live events.
    Subscribed {
        subscription: Subscription,
        /// Send the initial-events-end BOOKMARK after the initial objects.
        streaming: bool,
        /// The watcher's resourceVersion: events and bookmarks at or below it are not sent.
        from: u64,
    },
    /// The single ERROR event of a watch from a compacted resourceVersion.
    Expired(Box<Status>),
}

async fn open(
    state: &AppState,
    filter: &Filter,
    plan: StartPlan,
    deadline: Instant,
) -> Result<Opening, ApiError> {
    let namespace = filter.namespace.as_deref();
    let store = state.store_of(filter.api);
    match plan {
        StartPlan::State {
            streaming,
            at_least,
        } => {
            if let Some(n) = at_least {
                wait_for_rv(store, n, deadline).await?;
            }
            let subscription = subscribe(store, namespace, WatchStart::Now)?;
            let from = subscription.rv;
            Ok(Opening::Subscribed {
                subscription,
                streaming,
                from,
            })
        }
        StartPlan::Now => {
            let mut subscription = subscribe(store, namespace, WatchStart::Now)?;
            subscription.initial.clear();
            let from = subscription.rv;
            Ok(Opening::Subscribed {
                subscription,
                streaming: false,
                from,
            })
        }
        StartPlan::After(n) => match store.subscribe(namespace, WatchStart::After(n)) {
            Ok(subscription) => Ok(Opening::Subscribed {
                subscription,
                streaming: false,
                from: n,
            }),
            Err(StoreError::Compacted { .. })
                if state.config.faults.has(crate::Fault::WatchTooOldReplays) =>
            {
                Ok(Opening::Subscribed {
                    subscription: subscribe(store, namespace, WatchStart::Now)?,
                    streaming: false,
                    from: 0,
                })
            }
            Err(StoreError::Compacted {
                requested,
                compacted,
            }) => Ok(Opening::Expired(Box::new(Status::watch_too_old(
                requested, compacted,
            )))),
            Err(StoreError::Future { .. }) => {
                // A watch from the future waits for it: events at or below N are not sent.
                let mut subscription = subscribe(store, namespace, WatchStart::Now)?;
                subscription.initial.clear();
                Ok(Opening::Subscribed {
                    subscription,
                    streaming: false,
                    from: n,
                })
            }
        },
    }
}

fn subscribe(
    store: &crate::store::Store,
    namespace: Option<&str>,
    start: WatchStart,
) -> Result<Subscription, ApiError> {
    store
        .subscribe(namespace, start)
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// A streaming list "not older than" N waits (like the watch cache, at most 3 s) for N to be reached.
async fn wait_for_rv(
    store: &crate::store::Store,
    n: u64,
    deadline: Instant,
) -> Result<(), ApiError> {
    let limit = (Instant::now() + Duration::from_secs(3)).min(deadline);
    loop {
        let current = store.current_rv();
        if current >= n {
            return Ok(());
        }
        if Instant::now() >= limit {
            return Err(ApiError::status(Status::too_large_rv_timeout(
                n, current, 1,
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One open watch: turns store events into frames until the deadline, shutdown or the client leaves.
struct Watcher {
    state: Arc<AppState>,
    filter: Filter,
    version: K8sVersion,
    bookmarks: bool,
    deadline: Instant,
    /// Length-prefixed protobuf frames instead of JSON lines.
    protobuf: bool,
    /// `as=Table` was asked for: each event's object becomes a Table of it (in this apiVersion).
    table: Option<TableFrames>,
    sender: mpsc::Sender<Result<Bytes, Infallible>>,
    /// For the delivery fault switches only: events delivered so far and a frame held back.
    misdelivery: std::sync::Mutex<(u64, Option<Bytes>)>,
}

/// The Table conversion of a watch's events.
struct TableFrames {
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    api_version: &'static str,
    /// Whether an event has been sent (with the column definitions) already.
    headers_sent: std::sync::atomic::AtomicBool,
}

impl Watcher {
    async fn send(&self, frame: Bytes) -> bool {
        self.sender.send(Ok(frame)).await.is_ok()
    }

    /// The frame of an event whose object is `object`: a Table of it when one was asked for.
    fn frame_of(&self, kind: &'static str, object: &Value) -> Bytes {
        self.table_frame(kind, object)
            .unwrap_or_else(|| frame(kind, object, self.protobuf))
    }

    /// [`Watcher::frame_of`] for an object many watchers send (serialized once for all of them,
    /// unless it becomes a Table, which is this watcher's own).
    fn shared_frame_of(&self, kind: &'static str, object: &Arc<Value>) -> Bytes {
        self.table_frame(kind, object)
            .unwrap_or_else(|| shared_frame(kind, object, self.protobuf))
    }

    /// The handler's Fixup (handlers/watch.go): every event's object, bookmarks included, goes
    /// through the Table conversion, and only the first one carries the column definitions
    /// (`NoHeaders` is set after it), so kubectl prints its header once.
    fn table_frame(&self, kind: &'static str, object: &Value) -> Option<Bytes> {
        let table = self.table.as_ref()?;
        let mut meta = Map::new();
        meta.insert(
            "resourceVersion".to_owned(),
            Value::String(crate::objects::meta_str(object, "resourceVersion").to_owned()),
        );
        let mut converted = crate::table::table(
            self.filter.api,
            table.api_version,
            meta,
            &[crate::objects::canonical(object)],
        );
        if table
            .headers_sent
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            converted["columnDefinitions"] = Value::Null;
        }
        Some(frame(kind, &converted, false))
    }

    async fn run(self, opening: Opening) {
        let (subscription, streaming, from) = match opening {
            Opening::Expired(status) => {
                let object = serde_json::to_value(&status).unwrap_or(Value::Null);
                let _ = self.send(frame("ERROR", &object, self.protobuf)).await;
                return;
            }
            Opening::Subscribed {
                subscription,
                streaming,
                from,
            } => (subscription, streaming, from),
        };
        let Subscription {
            initial,
            backlog,
            rv: subscribed_at,
            mut receiver,
        } = subscription;
        for (_, object) in &initial {
            if self
                .state
                .config
                .faults
                .has(crate::Fault::WatchNoInitialEvents)
            {
                break;
            }
            if self.filter.matches_object(object)
                && !self.send(self.shared_frame_of("ADDED", object)).await
            {
                return;
            }
        }
        if streaming && self.bookmarks {
            let bookmark = self.bookmark(
                subscribed_at,
                !self
                    .state
                    .config
                    .faults
                    .has(crate::Fault::BookmarkWithoutInitialEventsEnd),
            );
            if !self.send(self.frame_of("BOOKMARK", &bookmark)).await {
                return;
            }
        }
        // The newest Endpoints write this watcher has heard of, anywhere in the cluster.
        let mut newest = from;
        for event in &backlog {
            newest = newest.max(event.rv);
            if !self.deliver(event, from).await {
                return;
            }
        }
        let mut shutdown = self.state.shutdown.clone();
        let mut next_bookmark = self.next_bookmark(Instant::now());
        loop {
            let bookmark_at = next_bookmark.unwrap_or(self.deadline);
            tokio::select! {
                received = receiver.recv() => match received {
                    Ok(event) => {
                        newest = newest.max(event.rv);
                        if !self.deliver(&event, from).await {
                            return;
                        }
                    }
                    // Falling behind the broadcast would mean skipping events: end the stream instead,
                    // as the watch cache terminates a watcher it cannot keep up with.
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                () = tokio::time::sleep_until(bookmark_at), if next_bookmark.is_some() => {
                    if newest > from {
                        let bookmark = self.bookmark(newest, false);
                        if !self.send(self.frame_of("BOOKMARK", &bookmark)).await {
                            return;
                        }
                    }
                    next_bookmark = self.next_bookmark(Instant::now());
                },
                () = tokio::time::sleep_until(self.deadline) => return,
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                },
                () = self.sender.closed() => return,
            }
        }
    }

    async fn deliver(&self, event: &Event, from: u64) -> bool {
        if event.rv <= from {
            return true;
        }
        let faults = &self.state.config.faults;
        match self.filter.convert(event) {
            Some((EventType::Deleted, _))
                if event.kind != EventType::Deleted
                    && faults.has(crate::Fault::WatchSelectorExitNotDeleted) =>
            {
                true
            }
            Some((kind, object))
                if faults.has(crate::Fault::WatchDropsEvents)
                    || faults.has(crate::Fault::WatchReordersEvents) =>
            {
                self.misdeliver(self.frame_of(kind.as_str(), &object)).await
            }
            Some((kind, object)) => {
                // The event's own object is shared by every watcher: serialize it once for all.
                let bytes = if Arc::ptr_eq(&object, &event.object) {
                    self.shared_frame_of(kind.as_str(), &object)
                } else {
                    self.frame_of(kind.as_str(), &object)
                };
                self.send(bytes).await
            }
            None => true,
        }
    }

    /// The delivery faults, counted per watch so they hit the same events whatever else the server
    /// does: `watch-drops-events` drops every third event, `watch-reorders-events` swaps each pair.
    async fn misdeliver(&self, frame: Bytes) -> bool {
        let faults = &self.state.config.faults;
        let (n, held) = {
            let mut state = self
                .misdelivery
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state.0 += 1;
            if faults.has(crate::Fault::WatchReordersEvents) && state.0 % 2 == 1 {
                state.1 = Some(frame);
                return true;
            }
            (state.0, state.1.take())
        };
        if faults.has(crate::Fault::WatchDropsEvents) && n % 3 == 0 {
            return true;
        }
        if !self.send(frame).await {
            return false;
        }
        match held {
            Some(held) => self.send(held).await,
            None => true,
        }
    }

    /// `nextBookmarkTime`: the earlier of one interval from now and 2 s before the deadline; none when
    /// that is already past or bookmarks were not asked for.
    fn next_bookmark(&self, now: Instant) -> Option<Instant> {
        if !self.bookmarks {
            return None;
        }
        let heartbeat = now + self.state.config.bookmark_interval;
        let pre_timeout = self.deadline.checked_sub(BOOKMARK_BEFORE_DEADLINE)?;
        let at = heartbeat.min(pre_timeout);
        (at > now).then_some(at)
    }

    /// A BOOKMARK object: an empty Endpoints (or EndpointSlice) with only the resourceVersion (and the initial-events-end
    /// annotation); up to 1.33 the Go encoder also writes `creationTimestamp: null`.
    fn bookmark(&self, rv: u64, initial_events_end: bool) -> Value {
        let mut meta = Map::new();
        meta.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
        if !self.version.at_least(34) {
            meta.insert("creationTimestamp".to_owned(), Value::Null);
        }
        if initial_events_end {
            let mut annotations = Map::new();
            annotations.insert(
                INITIAL_EVENTS_END.to_owned(),
                Value::String("true".to_owned()),
            );
            meta.insert("annotations".to_owned(), Value::Object(annotations));
        }
        let mut object = Map::new();
        object.insert(
            "kind".to_owned(),
            Value::String(self.filter.api.kind().to_owned()),
        );
        object.insert(
            "apiVersion".to_owned(),
            Value::String(self.filter.api.api_version().to_owned()),
        );
        object.insert("metadata".to_owned(), Value::Object(meta));
        // The Go encoder writes the empty object's fields that have no `omitempty` (fault
        // es-bookmark-object-bare: it does not).
        let bare = self
            .state
            .config
            .faults
            .has(crate::Fault::EsBookmarkObjectBare);
        for (key, value) in self.filter.api.empty_object_fields() {
            if !bare {
                object.insert((*key).to_owned(), value.clone());
            }
        }
        Value::Object(object)
    }
}

/// Frames recently built for objects many watchers send, by object identity and event type.
///
/// With N watchers of one collection each event would otherwise be serialized N times. An entry
/// holds its object, so the address it is keyed by cannot be reused while the entry lives.
struct FrameCache {
    frames: HashMap<FrameKey, (Arc<Value>, Bytes)>,
    order: VecDeque<FrameKey>,
}

/// An object's address, the event type and whether the frame is protobuf.
type FrameKey = (usize, &'static str, bool);

/// How many frames the cache keeps (watchers lagging further behind serialize again).
const FRAME_CACHE_ENTRIES: usize = 4096;

static FRAME_CACHE: LazyLock<Mutex<FrameCache>> = LazyLock::new(|| {
    Mutex::new(FrameCache {
        frames: HashMap::new(),
        order: VecDeque::new(),
    })
});

fn frame_cache() -> std::sync::MutexGuard<'static, FrameCache> {
    // The cache only ever holds complete entries; a panic elsewhere cannot leave one half-written.
    FRAME_CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`frame`] for an object shared between watchers (a store event's or snapshot's object).
fn shared_frame(kind: &'static str, object: &Arc<Value>, protobuf: bool) -> Bytes {
    let key = (Arc::as_ptr(object).addr(), kind, protobuf);
    if let Some((_, bytes)) = frame_cache().frames.get(&key) {
        return bytes.clone();
    }
    let bytes = frame(kind, object, protobuf);
    let mut cache = frame_cache();
    if cache
        .frames
        .insert(key, (object.clone(), bytes.clone()))
        .is_none()
    {
        cache.order.push_back(key);
        while cache.order.len() > FRAME_CACHE_ENTRIES {
            if let Some(old) = cache.order.pop_front() {
                cache.frames.remove(&old);
            }
        }
    }
    bytes
}

/// One watch frame: `{"type":"<T>","object":{...}}` and a newline, Go-escaped like every body; or in
/// protobuf the 4-byte length and a bare WatchEvent whose object is a whole envelope.
fn frame(kind: &str, object: &Value, protobuf: bool) -> Bytes {
    if protobuf {
        // Every object sent here (Endpoints, bookmark, Status) has a message; an empty frame would
        // be a bug the stream's reader reports.
        return Bytes::from(
            kconform_spec::protobuf::encode_watch_frame(kind, object).unwrap_or_default(),
        );
    }
    #[derive(serde::Serialize)]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        object: crate::objects::Canonical<'a>,
    }
    // Serializing a JSON value cannot fail.
    let object = crate::objects::Canonical::object(object);
    Bytes::from(kconform_spec::json::to_go_json(&Frame { kind, object }).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn event(
        kind: EventType,
        rv: u64,
        now: &[(&str, &str)],
        before: Option<&[(&str, &str)]>,
    ) -> Event {
        let object = json!({"metadata": {"name": "ep-1", "namespace": "ns", "resourceVersion": rv.to_string()}});
        Event {
            kind,
            rv,
            object: Arc::new(object),
            previous: before.map(|_| Arc::new(json!({"metadata": {"name": "ep-1", "namespace": "ns", "resourceVersion": "5"}}))),
            namespace: "ns".to_owned(),
            name: "ep-1".to_owned(),
            labels: labels(now),
            previous_labels: labels(before.unwrap_or(&[])),
        }
    }

    fn filter(selector: &str) -> Filter {
        Filter {
            api: crate::Api::Endpoints,
            namespace: Some("ns".to_owned()),
            labels: LabelSelector::parse(selector).unwrap(),
            fields: FieldSelector::default(),
        }
    }

    #[test]
    fn selector_transitions() {
        let f = filter("app=a");
        let entering = event(
            EventType::Modified,
            7,
            &[("app", "a")],
            Some(&[("app", "b")]),
        );
        assert_eq!(f.convert(&entering).unwrap().0, EventType::Added);
        let leaving = event(
            EventType::Modified,
            8,
            &[("app", "b")],
            Some(&[("app", "a")]),
        );
        let (kind, object) = f.convert(&leaving).unwrap();
        assert_eq!(kind, EventType::Deleted);
        assert_eq!(object["metadata"]["resourceVersion"], "8");
        let outside = event(
            EventType::Modified,
            9,
            &[("app", "b")],
            Some(&[("app", "c")]),
        );
        assert!(f.convert(&outside).is_none());
        let inside = event(
            EventType::Modified,
            10,
            &[("app", "a")],
            Some(&[("app", "a")]),
        );
        assert_eq!(f.convert(&inside).unwrap().0, EventType::Modified);
        let deleted = event(
            EventType::Deleted,
            11,
            &[("app", "a")],
            Some(&[("app", "a")]),
        );
        assert_eq!(f.convert(&deleted).unwrap().0, EventType::Deleted);
        let other_namespace = Filter {
            namespace: Some("other".to_owned()),
            ..filter("")
        };
        assert!(other_namespace.convert(&inside).is_none());
    }

    #[test]
    fn start_plans() {
        let plan = |rv: Option<&str>, sie: Option<bool>| {
            let opts = ListOptions {
                resource_version: rv.unwrap_or_default().to_owned(),
                send_initial_events: sie,
                ..ListOptions::default()
            };
            start_plan(&opts, K8sVersion::new(36))
        };
        assert!(matches!(
            plan(None, None).unwrap(),
            StartPlan::State {
                streaming: false,
                ..
            }
        ));
        assert!(matches!(
            plan(Some("0"), Some(true)).unwrap(),
            StartPlan::State {
                streaming: true,
                at_least: None
            }
        ));
        assert!(matches!(
            plan(Some("9"), None).unwrap(),
            StartPlan::After(9)
        ));
        assert!(matches!(plan(None, Some(false)).unwrap(), StartPlan::Now));
        let err = plan(Some("abc"), None).unwrap_err();
        assert_eq!(err.body().code, 500);
        assert_eq!(
            err.body().message,
            "resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax"
        );
    }

    #[test]
    fn frames_and_bookmarks() {
        let f = frame("ADDED", &json!({"a": "<b>"}), false);
        assert_eq!(
            &f[..],
            b"{\"type\":\"ADDED\",\"object\":{\"a\":\"\\u003cb\\u003e\"}}\n"
        );
        let status = serde_json::to_value(Status::watch_too_old(1, 6)).unwrap();
        let f = frame("ERROR", &status, true);
        assert_eq!(f.len(), 4 + usize::from(f[3]));
        assert_eq!(
            kconform_spec::protobuf::decode_watch_event(&f[4..]).unwrap(),
            ("ERROR".to_owned(), status)
        );
        let (sender, _receiver) = mpsc::channel(1);
        let watcher = |minor| Watcher {
            state: crate::AppState::new(crate::Config::default()),
            filter: filter(""),
            version: K8sVersion::new(minor),
            bookmarks: true,
            deadline: Instant::now() + Duration::from_secs(5),
            protobuf: false,
            table: None,
            sender: sender.clone(),
            misdelivery: std::sync::Mutex::new((0, None)),
        };
        assert_eq!(
            watcher(28).bookmark(12, false),
            json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": "12", "creationTimestamp": null}})
        );
        assert_eq!(
            watcher(36).bookmark(12, true),
            json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": "12", "annotations": {"k8s.io/initial-events-end": "true"}}})
        );
        let w = watcher(36);
        let now = Instant::now();
        let first = w.next_bookmark(now).unwrap();
        assert!(first <= w.deadline - BOOKMARK_BEFORE_DEADLINE);
        assert!(
            w.next_bookmark(w.deadline - Duration::from_secs(1))
                .is_none()
        );
    }

    /// Reads one watch body until `want` events arrived (bounded), returning their
    /// `(type, namespace/name, resourceVersion)`.
    async fn collect(response: reqwest::Response, want: usize) -> Vec<(String, String, u64)> {
        let mut response = response;
        let mut buffer = Vec::new();
        let mut events = Vec::new();
        let read = async {
            while events.len() < want {
                let Some(chunk) = response.chunk().await.expect("the stream reads") else {
                    break;
                };
                buffer.extend_from_slice(&chunk);
                while let Some(newline) = buffer.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buffer.drain(..=newline).collect();
                    let frame: Value = serde_json::from_slice(&line).expect("a JSON frame");
                    let meta = &frame["object"]["metadata"];
                    events.push((
                        frame["type"].as_str().unwrap_or_default().to_owned(),
                        format!(
                            "{}/{}",
                            meta["namespace"].as_str().unwrap_or_default(),
                            meta["name"].as_str().unwrap_or_default()
                        ),
                        meta["resourceVersion"]
                            .as_str()
                            .and_then(|rv| rv.parse().ok())
                            .unwrap_or_default(),
                    ));
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .expect("every event arrives within 20 s");
        events
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_lose_and_duplicate_nothing() {
        const WRITERS: usize = 4;
        const WRITES: usize = 100;
        let server = crate::spawn(crate::Config::default()).await.unwrap();
        let store = server.state.store.clone();
        let start = store.current_rv();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let open = |path: String| {
            let client = client.clone();
            let url = format!("{}{path}", server.url);
            async move {
                let response = client.get(url).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response
            }
        };
        let query = format!("watch=1&resourceVersion={start}&timeoutSeconds=30");
        let mut namespaced = Vec::new();
        for _ in 0..4 {
            namespaced.push(open(format!("/api/v1/namespaces/a/endpoints?{query}")).await);
        }
        let everywhere = open(format!("/api/v1/endpoints?{query}")).await;
        let selected = open(format!(
            "/api/v1/endpoints?{query}&labelSelector=even%3Dtrue"
        ))
        .await;

        // Writers race on the store: creates, updates and deletes in two namespaces.
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..WRITES {
                    let namespace = if i % 2 == 0 { "a" } else { "b" };
                    let name = format!("ep-{w}-{}", i % 10);
                    let mutation = if i % 7 == 6 {
                        crate::store::Mutation::Delete
                    } else {
                        crate::store::Mutation::Put(json!({
                            "kind": "Endpoints", "apiVersion": "v1",
                            "metadata": {"name": name, "namespace": namespace,
                                         "labels": {"even": (i % 4 == 0).to_string(), "i": i.to_string()}}
                        }))
                    };
                    store
                        .write(namespace, &name, |_, _| Ok::<_, ()>((mutation, ())))
                        .unwrap();
                    tokio::task::yield_now().await;
                }
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }

        // What the store says happened after `start`, per namespace.
        let everything = store
            .subscribe(None, crate::store::WatchStart::After(start))
            .unwrap()
            .backlog;
        let expected = |namespace: Option<&str>| -> Vec<(String, String, u64)> {
            everything
                .iter()
                .filter(|e| namespace.is_none_or(|ns| e.namespace == ns))
                .map(|e| {
                    (
                        e.kind.as_str().to_owned(),
                        format!("{}/{}", e.namespace, e.name),
                        e.rv,
                    )
                })
                .collect()
        };
        let in_a = expected(Some("a"));
        for watch in namespaced {
            assert_eq!(collect(watch, in_a.len()).await, in_a);
        }
        let all = expected(None);
        assert_eq!(collect(everywhere, all.len()).await, all);

        // The selector watch sees a consistent story: per object, ADDED/MODIFIED only while it matches,
        // DELETED exactly when it leaves or is deleted, in resourceVersion order.
        let filter = Filter {
            api: crate::Api::Endpoints,
            namespace: None,
            labels: LabelSelector::parse("even=true").unwrap(),
            fields: FieldSelector::default(),
        };
        let want: Vec<(String, String, u64)> = everything
            .iter()
            .filter_map(|e| {
                filter.convert(e).map(|(kind, _)| {
                    (
                        kind.as_str().to_owned(),
                        format!("{}/{}", e.namespace, e.name),
                        e.rv,
                    )
                })
            })
            .collect();
        let got = collect(selected, want.len()).await;
        assert_eq!(got, want);
        assert!(got.windows(2).all(|w| w[0].2 < w[1].2));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_yaml_watch_is_not_acceptable() {
        let server = crate::spawn(crate::Config::default()).await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/namespaces/default/endpoints?watch=1",
                server.url
            ))
            .header("Accept", "application/yaml, application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 406);
        // Like every handler-level error, the Status comes in the negotiated (YAML) form.
        let body = response.text().await.unwrap();
        assert!(body.contains("reason: NotAcceptable"), "{body}");
        assert!(body.contains("application/json;stream=watch"), "{body}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn bookmarks_come_at_the_configured_interval_once_something_was_written() {
        let config = crate::Config {
            bookmark_interval: Duration::from_millis(300),
            ..crate::Config::default()
        };
        let server = crate::spawn(config).await.unwrap();
        let store = server.state.store.clone();
        let start = store.current_rv();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut response = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/namespaces/a/endpoints?watch=1&resourceVersion={start}&allowWatchBookmarks=true&timeoutSeconds=30",
                server.url
            ))
            .send()
            .await
            .unwrap();
        // Quiet at first: no frame at all for more than two bookmark intervals while nothing is
        // written (the read must still be waiting when the deadline passes).
        let quiet = tokio::time::timeout(Duration::from_millis(700), response.chunk()).await;
        assert!(
            quiet.is_err(),
            "a frame arrived before anything was written: {quiet:?}"
        );
        // A write in another namespace: not delivered, but it makes bookmarks worth sending.
        let object = json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "x", "namespace": "b"}});
        store
            .write("b", "x", |_, _| {
                Ok::<_, ()>((crate::store::Mutation::Put(object), ()))
            })
            .unwrap();
        let written = store.current_rv();
        let events = collect(response, 2).await;
        assert_eq!(events.len(), 2);
        for (kind, key, rv) in events {
            assert_eq!(
                (kind.as_str(), key.as_str(), rv),
                ("BOOKMARK", "/", written)
            );
        }
        server.shutdown().await;
    }
}
