//! The in-memory store: a multi-version key space with one global revision counter, an event log and
//! a broadcast of new events, modelled on what kube-apiserver gets from etcd and its watch cache.
//!
//! Every write takes the next value of a strictly increasing `resourceVersion` counter, shared by
//! Endpoints and namespaces exactly as etcd's revision is shared by every resource.
//! Each Endpoints key keeps its past revisions until compaction, so a list can be served at an older
//! resourceVersion (continue tokens, `resourceVersionMatch=Exact`), and a watch can start from any
//! retained resourceVersion.
//! Compaction happens when the retained history grows past its window, or on demand
//! ([`Store::compact_now`]); reads older than the compacted revision then get 410 Expired.
//!
//! Invariant: the store knows nothing of HTTP, validation or field management.
//! It stores JSON objects, stamps `metadata.resourceVersion`, and keeps the history consistent.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

/// The first resourceVersion the counter hands out is `INITIAL_RESOURCE_VERSION + 1`.
///
/// Real clusters have written thousands of revisions before anyone talks to them, and everything up to
/// here counts as compacted, so a client asking for `resourceVersion=1` gets 410 deterministically, as
/// it does against a cluster that has been up for more than one compaction interval.
pub const INITIAL_RESOURCE_VERSION: u64 = 1000;

/// How many events the broadcast channel buffers for a slow subscriber before it lags.
const BROADCAST_CAPACITY: usize = 16 * 1024;

/// The kind of a watch event kept in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// The key did not exist before this revision.
    Added,
    /// The key existed and its object changed.
    Modified,
    /// The key was removed; the event's object is the last state with the deletion revision.
    Deleted,
}

impl EventType {
    /// The wire name used in watch frames (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change of one Endpoints object, as the watch handler needs it.
#[derive(Clone, Debug)]
pub struct Event {
    /// ADDED, MODIFIED or DELETED.
    pub kind: EventType,
    /// The revision of this change (also written into `object.metadata.resourceVersion`).
    pub rv: u64,
    /// The object after the change; for DELETED, the last state with `resourceVersion` = `rv`.
    pub object: Arc<Value>,
    /// The object before the change (None for ADDED), so selector watches can tell that an object
    /// stopped or started matching.
    pub previous: Option<Arc<Value>>,
    /// `metadata.namespace` of the object.
    pub namespace: String,
    /// `metadata.name` of the object.
    pub name: String,
    /// `metadata.labels` of `object`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.labels` of `previous` (empty when there is none).
    pub previous_labels: BTreeMap<String, String>,
}

/// Failures of store reads.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The requested revision was compacted away.
    #[error("resource version {requested} is compacted (history starts after {compacted})")]
    Compacted {
        /// The revision asked for.
        requested: u64,
        /// The newest compacted revision; history is complete for revisions above it.
        compacted: u64,
    },
    /// The requested revision has not been written yet.
    #[error("resource version {requested} is in the future (current is {current})")]
    Future {
        /// The revision asked for.
        requested: u64,
        /// The newest revision.
        current: u64,
    },
}

/// What a write closure decides to do with a key.
#[derive(Debug)]
pub enum Mutation {
    /// Leave the key alone (dry run, error already decided, or nothing to do).
    Keep,
    /// Store this object (create or update). If it equals the stored object, nothing is written.
    Put(Value),
    /// Remove the key.
    Delete,
}

/// The result of [`Store::write`].
#[derive(Debug)]
pub struct Written {
    /// The stored object after the write (None when the key does not exist afterwards).
    pub object: Option<Arc<Value>>,
    /// The object before the write.
    pub previous: Option<Arc<Value>>,
    /// The event emitted, if the write changed anything.
    pub event: Option<Arc<Event>>,
}

/// One retained event with the key whose revision it made (the object's metadata need not spell
/// the key, so compaction does not rebuild it from there).
#[derive(Debug)]
struct Logged {
    key: String,
    event: Arc<Event>,
}

/// One revision of one key: `None` is a tombstone.
#[derive(Clone, Debug)]
struct Revision {
    rv: u64,
    object: Option<Arc<Value>>,
}

#[derive(Debug)]
struct Inner {
    /// The newest revision handed out.
    rv: u64,
    /// Revisions up to and including this one are gone; history is complete above it.
    compacted: u64,
    /// Maximum number of events kept in `log`; older ones are compacted automatically.
    history: usize,
    /// Endpoints, keyed `<namespace>/<name>` like etcd keys (so all-namespace order matches), each with
    /// its revisions oldest first. Only the newest revision at or below `compacted` is kept.
    endpoints: BTreeMap<String, Vec<Revision>>,
    /// The retained events, oldest first, all with `rv > compacted`: exactly one per revision above
    /// `compacted` in `endpoints`.
    log: VecDeque<Logged>,
    /// Namespaces by name (no history: nothing lists them at an old revision).
    namespaces: BTreeMap<String, Arc<Value>>,
    /// What compaction dropped while the lock was held, freed once it is released
    /// ([`Store::unlock`]), so that writers do not wait for other writers' frees.
    dropped: Vec<Logged>,
}

/// The revision counter stores share, as every resource shares etcd's one revision: a write in any
/// store takes the next revision, and every store reads the newest one as its current revision.
#[derive(Debug)]
pub struct Clock(AtomicU64);

impl Clock {
    /// A clock at [`INITIAL_RESOURCE_VERSION`].
    pub fn new() -> Arc<Clock> {
        Arc::new(Clock(AtomicU64::new(INITIAL_RESOURCE_VERSION)))
    }

    /// The newest revision handed out.
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Hand out the next revision.
    fn tick(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The shared store. Cheap to share behind an `Arc`; every operation takes one short lock.
#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
    clock: Arc<Clock>,
    events: broadcast::Sender<Arc<Event>>,
}

/// A consistent read of every Endpoints object at one revision.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The revision the snapshot is at.
    pub rv: u64,
    /// The objects in key order (`<namespace>/<name>`), with their keys.
    pub items: Vec<(String, Arc<Value>)>,
}

/// What [`Store::scan`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// The revision read.
    pub rv: u64,
    /// Visible objects after the one where the visitor stopped (0 if it never stopped).
    pub remaining: usize,
}

/// A watch subscription: the state or backlog to send first, then the live receiver.
///
/// The backlog and the receiver are taken under the same lock as every write, so no event is lost or
/// repeated between them: `receiver` yields exactly the events that come after the initial state or
/// the backlog.
#[derive(Debug)]
pub struct Subscription {
    /// For [`WatchStart::Now`]: the current objects (to be sent as ADDED); for [`WatchStart::After`]:
    /// empty.
    pub initial: Vec<(String, Arc<Value>)>,
    /// For [`WatchStart::After`]: the retained events newer than the requested revision, oldest
    /// first. Empty for [`WatchStart::Now`].
    pub backlog: Vec<Arc<Event>>,
    /// The revision the subscription starts at: every later event arrives on `receiver`.
    pub rv: u64,
    /// New events, all with a revision above `rv` and above the last backlog event.
    pub receiver: broadcast::Receiver<Arc<Event>>,
}

/// Where a watch subscription starts.
#[derive(Debug, Clone, Copy)]
pub enum WatchStart {
    /// At the current revision, with the current state as initial objects.
    Now,
    /// Strictly after this revision, replaying the retained events since then.
    After(u64),
}

/// Whether `metadata.finalizers` of `object` holds anything.
fn held_by_finalizers(object: &Value) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
}

/// The key of an object: `<namespace>/<name>`.
pub fn key(namespace: &str, name: &str) -> String {
    format!("{namespace}/{name}")
}

/// The labels of an object as a map (empty when absent or malformed).
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    // `get` rather than `pointer`: a JSON pointer is split and unescaped into new strings on every
    // call, and this runs for every event and every object a label selector looks at.
    object
        .get("metadata")
        .and_then(|meta| meta.get("labels"))
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn set_resource_version(object: &mut Value, rv: u64) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
    }
}

/// `value` with maps and arrays of exactly the capacity they need: the maps are rebuilt around the
/// same keys and values (moved, not copied), the arrays and strings shrunk in place.
fn shrink(value: Value) -> Value {
    match value {
        // Collecting an exact-size iterator allocates the map at its length.
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, child)| (key, shrink(child)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(shrink).collect();
            items.shrink_to_fit();
            Value::Array(items)
        }
        Value::String(mut text) => {
            text.shrink_to_fit();
            Value::String(text)
        }
        other => other,
    }
}

/// `metadata.<key>` as a string ("" when absent or not a string).
fn meta_str<'a>(object: &'a Value, key: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|meta| meta.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl Store {
    /// An empty store retaining at most `history` events (at least 1), with a clock of its own.
    pub fn new(history: usize) -> Self {
        Store::sharing(history, Clock::new())
    }

    /// An empty store whose revisions come from `clock`, which other stores share.
    pub fn sharing(history: usize, clock: Arc<Clock>) -> Self {
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            inner: Mutex::new(Inner {
                rv: INITIAL_RESOURCE_VERSION,
                compacted: INITIAL_RESOURCE_VERSION,
                history: history.max(1),
                endpoints: BTreeMap::new(),
                log: VecDeque::new(),
                namespaces: BTreeMap::new(),
                dropped: Vec::new(),
            }),
            clock,
            events,
        }
    }

    /// The clock this store takes its revisions from.
    pub fn clock(&self) -> Arc<Clock> {
        self.clock.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters more
        // than refusing every later request would, so a poisoned lock is taken over.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Writes elsewhere moved the shared clock; this store's writes all hold this lock, so its
        // state at the newest revision is its state now.
        inner.rv = inner.rv.max(self.clock.now());
        inner
    }

    /// Release a lock taken for a write and free what its compaction dropped.
    fn unlock(mut inner: MutexGuard<'_, Inner>) {
        let dropped = std::mem::take(&mut inner.dropped);
        drop(inner);
        drop(dropped);
    }

    /// The newest revision.
    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    /// The newest compacted revision: history (lists, continue tokens, watches) is complete only for
    /// revisions at or above it; anything older is 410 Expired.
    pub fn compacted_rv(&self) -> u64 {
        self.lock().compacted
    }

    /// The oldest revision still present in the event log (the first retained event), or the
    /// current revision + 1 if the log is empty. A watch "too old" message reports this.
    pub fn oldest_retained_rv(&self) -> u64 {
        let inner = self.lock();
        inner
            .log
            .front()
            .map_or(inner.rv + 1, |logged| logged.event.rv)
    }

    /// How many events the log currently retains.
    pub fn retained_events(&self) -> usize {
        self.lock().log.len()
    }

    /// Change the retained-history window; compacts at once if the log is now too long.
    pub fn set_history(&self, history: usize) {
        let mut inner = self.lock();
        inner.history = history.max(1);
        inner.trim();
        Self::unlock(inner);
    }

    /// Forget all history up to the current revision (the admin "compact now").
    /// Returns the new compacted revision.
    pub fn compact_now(&self) -> u64 {
        let mut inner = self.lock();
        let to = inner.rv;
        inner.compact_to(to);
        Self::unlock(inner);
        to
    }

    /// The current object at `namespace/name`.
    pub fn get(&self, namespace: &str, name: &str) -> Option<Arc<Value>> {
        let inner = self.lock();
        inner
            .endpoints
            .get(&key(namespace, name))
            .and_then(|revs| revs.last())
            .and_then(|rev| rev.object.clone())
    }

    /// The object at `namespace/name` as of revision `rv` (checked against compaction and the future).
    ///
    /// # Errors
    /// [`StoreError::Compacted`] or [`StoreError::Future`].
    pub fn get_at(
        &self,
        namespace: &str,
        name: &str,
        rv: u64,
    ) -> Result<Option<Arc<Value>>, StoreError> {
        let inner = self.lock();
        inner.check_rv(rv)?;
        Ok(inner
            .endpoints
            .get(&key(namespace, name))
            .and_then(|revs| at_revision(revs, rv)))
    }

    /// Every object (in one namespace, or all when `namespace` is None) at revision `at`, or now.
    ///
    /// # Errors
    /// [`StoreError::Compacted`] when `at` is older than the retained history, [`StoreError::Future`]
    /// when it has not been reached.
    pub fn snapshot(
        &self,
        namespace: Option<&str>,
        at: Option<u64>,
    ) -> Result<Snapshot, StoreError> {
        let inner = self.lock();
        let rv = match at {
            Some(rv) => {
                inner.check_rv(rv)?;
                rv
            }
            None => inner.rv,
        };
        Ok(Snapshot {
            rv,
            items: inner.items_at(namespace, rv),
        })
    }

    /// Visit the objects (in one namespace, or all) at revision `at` (or now) in key order, starting at
    /// key `start` (inclusive, an absolute `<namespace>/<name>` key), until `visit` returns false.
    /// Returns the revision read and how many visible objects follow the last one visited, so a page
    /// costs what it holds rather than the whole collection.
    ///
    /// # Errors
    /// [`StoreError::Compacted`] or [`StoreError::Future`] as for [`Store::snapshot`].
    pub fn scan(
        &self,
        namespace: Option<&str>,
        at: Option<u64>,
        start: Option<&str>,
        mut visit: impl FnMut(&str, &Arc<Value>) -> bool,
    ) -> Result<Scanned, StoreError> {
        let inner = self.lock();
        let rv = match at {
            Some(rv) => {
                inner.check_rv(rv)?;
                rv
            }
            None => inner.rv,
        };
        let prefix = namespace.map(|ns| key(ns, "")).unwrap_or_default();
        let from = match start {
            Some(start) if start > prefix.as_str() => start.to_owned(),
            _ => prefix.clone(),
        };
        let mut remaining = 0;
        let mut visiting = true;
        for (k, revs) in inner
            .endpoints
            .range(from..)
            .take_while(|(k, _)| k.starts_with(&prefix))
        {
            let Some(object) = at_revision(revs, rv) else {
                continue;
            };
            if visiting {
                visiting = visit(k, &object);
            } else {
                remaining += 1;
            }
        }
        Ok(Scanned { rv, remaining })
    }

    /// Read-modify-write one key atomically, like etcd's GuaranteedUpdate.
    ///
    /// `decide` sees the current object and the revision this write would get, and returns what to do
    /// plus a value passed back to the caller. A `Put` equal to the stored object writes nothing (no new
    /// resourceVersion, no event), as etcd3's store does for byte-identical updates.
    ///
    /// # Errors
    /// Whatever `decide` returns; the store is then unchanged.
    pub fn write<T, E>(
        &self,
        namespace: &str,
        name: &str,
        decide: impl FnOnce(Option<&Arc<Value>>, u64) -> Result<(Mutation, T), E>,
    ) -> Result<(Written, T), E> {
        let mut inner = self.lock();
        let k = key(namespace, name);
        let current = inner
            .endpoints
            .get(&k)
            .and_then(|revs| revs.last())
            .and_then(|rev| rev.object.clone());
        let (mutation, out) = decide(current.as_ref(), inner.rv + 1)?;
        let written = match mutation {
            Mutation::Keep => Written {
                object: current.clone(),
                previous: current,
                event: None,
            },
            Mutation::Put(mut object) => {
                if let Some(old) = &current {
                    let old_rv = meta_str(old, "resourceVersion").to_owned();
                    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                        meta.insert("resourceVersion".to_owned(), Value::String(old_rv));
                    }
                    if object == **old {
                        return Ok((
                            Written {
                                object: current.clone(),
                                previous: current,
                                event: None,
                            },
                            out,
                        ));
                    }
                }
                inner.rv = self.clock.tick();
                let rv = inner.rv;
                set_resource_version(&mut object, rv);
                // Maps built by inserting keep spare capacity; the stored object is rebuilt exactly
                // sized once stamped (it stays in memory for as long as the key or the history window
                // holds it).
                let object = Arc::new(shrink(object));
                let kind = if current.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                };
                let event = self.emit(
                    &mut inner,
                    k,
                    kind,
                    rv,
                    object.clone(),
                    current.clone(),
                    Some(object.clone()),
                );
                Written {
                    object: Some(object),
                    previous: current,
                    event: Some(event),
                }
            }
            Mutation::Delete => match &current {
                None => Written {
                    object: None,
                    previous: None,
                    event: None,
                },
                Some(old) => {
                    inner.rv = self.clock.tick();
                    let rv = inner.rv;
                    let mut last = (**old).clone();
                    set_resource_version(&mut last, rv);
                    let event = self.emit(
                        &mut inner,
                        k,
                        EventType::Deleted,
                        rv,
                        Arc::new(last),
                        current.clone(),
                        None,
                    );
                    Written {
                        object: None,
                        previous: current,
                        event: Some(event),
                    }
                }
            },
        };
        Self::unlock(inner);
        Ok((written, out))
    }

    #[allow(clippy::too_many_arguments)] // One call site per write kind; a struct would only rename these.
    fn emit(
        &self,
        inner: &mut Inner,
        k: String,
        kind: EventType,
        rv: u64,
        event_object: Arc<Value>,
        previous: Option<Arc<Value>>,
        stored: Option<Arc<Value>>,
    ) -> Arc<Event> {
        let event = Arc::new(Event {
            kind,
            rv,
            namespace: meta_str(&event_object, "namespace").to_owned(),
            name: meta_str(&event_object, "name").to_owned(),
            labels: labels_of(&event_object),
            previous_labels: previous.as_deref().map(labels_of).unwrap_or_default(),
            object: event_object,
            previous,
        });
        inner
            .endpoints
            .entry(k.clone())
            .or_default()
            .push(Revision { rv, object: stored });
        inner.log.push_back(Logged {
            key: k,
            event: event.clone(),
        });
        inner.trim();
        // Sending while the lock is held keeps the broadcast in revision order and atomic with
        // subscriptions; an error only means nobody is subscribed.
        let _ = self.events.send(event.clone());
        event
    }

    /// How many watches are subscribed now (tests wait for a watch to be open before writing).
    pub fn watchers(&self) -> usize {
        self.events.receiver_count()
    }

    /// Subscribe to new events, atomically with the starting state.
    ///
    /// # Errors
    /// [`StoreError::Compacted`] when `After(rv)` is older than the compacted revision (the watch handler
    /// reports it as a 410 "too old resource version" event), [`StoreError::Future`] when `rv` is newer
    /// than the current revision.
    pub fn subscribe(
        &self,
        namespace: Option<&str>,
        start: WatchStart,
    ) -> Result<Subscription, StoreError> {
        let inner = self.lock();
        let receiver = self.events.subscribe();
        match start {
            WatchStart::Now => Ok(Subscription {
                initial: inner.items_at(namespace, inner.rv),
                backlog: Vec::new(),
                rv: inner.rv,
                receiver,
            }),
            WatchStart::After(rv) => {
                inner.check_rv(rv)?;
                let backlog = inner
                    .log
                    .iter()
                    .map(|logged| &logged.event)
                    .filter(|event| event.rv > rv)
                    .filter(|event| namespace.is_none_or(|ns| event.namespace == ns))
                    .cloned()
                    .collect();
                Ok(Subscription {
                    initial: Vec::new(),
                    backlog,
                    rv: inner.rv,
                    receiver,
                })
            }
        }
    }

    /// Create namespace `name` from `object` (stamped with a new resourceVersion).
    /// Returns None when it already exists.
    pub fn create_namespace(&self, name: &str, mut object: Value) -> Option<Arc<Value>> {
        let mut inner = self.lock();
        if inner.namespaces.contains_key(name) {
            return None;
        }
        inner.rv = self.clock.tick();
        set_resource_version(&mut object, inner.rv);
        let object = Arc::new(object);
        inner.namespaces.insert(name.to_owned(), object.clone());
        Some(object)
    }

    /// Replace namespace `name` by `object` at a new revision, if the namespace exists and still has
    /// resourceVersion `expected` (when given); `Err(true)` when it does not exist, `Err(false)` when
    /// it has another resourceVersion.
    pub fn update_namespace(
        &self,
        name: &str,
        expected: Option<&str>,
        mut object: Value,
    ) -> Result<Arc<Value>, bool> {
        let mut inner = self.lock();
        let current = inner.namespaces.get(name).ok_or(true)?;
        if let Some(expected) = expected
            && current
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                != Some(expected)
        {
            return Err(false);
        }
        inner.rv = self.clock.tick();
        set_resource_version(&mut object, inner.rv);
        let object = Arc::new(object);
        inner.namespaces.insert(name.to_owned(), object.clone());
        Ok(object)
    }

    /// The namespace `name`, if it exists.
    pub fn get_namespace(&self, name: &str) -> Option<Arc<Value>> {
        self.lock().namespaces.get(name).cloned()
    }

    /// Every namespace, by name, and the current revision.
    pub fn list_namespaces(&self) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        (inner.namespaces.values().cloned().collect(), inner.rv)
    }

    /// Starts the termination of namespace `name` (the first DELETE): `deletionTimestamp` set to
    /// `now`, phase Terminating, at a new revision. The namespace as stored and whether this call
    /// started it (a namespace already terminating is given back unchanged); None when it does not
    /// exist.
    pub fn terminate_namespace(&self, name: &str, now: &str) -> Option<(Arc<Value>, bool)> {
        let mut inner = self.lock();
        let current = inner.namespaces.get(name)?.clone();
        if current.pointer("/metadata/deletionTimestamp").is_some() {
            return Some((current, false));
        }
        let mut object = (*current).clone();
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert(
                "deletionTimestamp".to_owned(),
                Value::String(now.to_owned()),
            );
        }
        object["status"] = serde_json::json!({"phase": "Terminating"});
        inner.rv = self.clock.tick();
        set_resource_version(&mut object, inner.rv);
        let object = Arc::new(object);
        inner.namespaces.insert(name.to_owned(), object.clone());
        Some((object, true))
    }

    /// The namespace controller's part of a terminating namespace `name`: its objects deleted,
    /// the `kubernetes` finalizer removed, and the namespace itself once no finalizer of its
    /// metadata holds it. Whether the namespace is gone.
    pub fn finalize_namespace(&self, name: &str) -> bool {
        let mut inner = self.lock();
        let Some(current) = inner.namespaces.get(name).cloned() else {
            return true;
        };
        if current.pointer("/metadata/deletionTimestamp").is_none() {
            return false;
        }
        if held_by_finalizers(&current) {
            let mut object = (*current).clone();
            object["spec"] = serde_json::json!({});
            inner.rv = self.clock.tick();
            set_resource_version(&mut object, inner.rv);
            inner.namespaces.insert(name.to_owned(), Arc::new(object));
            self.delete_objects_in(inner, name);
            return false;
        }
        inner.namespaces.remove(name);
        self.delete_objects_in(inner, name);
        true
    }

    /// Removes namespace `name` if it is terminating, finalized (no `spec.finalizers`) and no
    /// longer held by finalizers of its metadata (an update just removed the last one).
    pub fn remove_finalized_namespace(&self, name: &str) -> bool {
        let mut inner = self.lock();
        let finalized = inner.namespaces.get(name).is_some_and(|ns| {
            ns.pointer("/metadata/deletionTimestamp").is_some()
                && ns
                    .pointer("/spec/finalizers")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty)
                && !held_by_finalizers(ns)
        });
        if finalized {
            inner.namespaces.remove(name);
            self.delete_objects_in(inner, name);
        }
        finalized
    }

    /// Delete every object in namespace `name` at once (a store whose namespaces live in another
    /// store, when that one deletes the namespace).
    pub fn delete_namespace_objects(&self, name: &str) {
        let inner = self.lock();
        self.delete_objects_in(inner, name);
    }

    fn delete_objects_in(&self, mut inner: MutexGuard<'_, Inner>, name: &str) {
        let prefix = key(name, "");
        let keys: Vec<String> = inner
            .endpoints
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, revs)| revs.last().is_some_and(|rev| rev.object.is_some()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            let old = inner
                .endpoints
                .get(&k)
                .and_then(|revs| revs.last())
                .and_then(|rev| rev.object.clone());
            if let Some(old) = old {
                inner.rv = self.clock.tick();
                let rv = inner.rv;
                let mut last = (*old).clone();
                set_resource_version(&mut last, rv);
                self.emit(
                    &mut inner,
                    k,
                    EventType::Deleted,
                    rv,
                    Arc::new(last),
                    Some(old),
                    None,
                );
            }
        }
        inner.rv = self.clock.tick();
        Self::unlock(inner);
    }

    /// Replace the stored namespace object (used to mark it Terminating), with a new resourceVersion.
    pub fn put_namespace(&self, name: &str, mut object: Value) -> Arc<Value> {
        let mut inner = self.lock();
        inner.rv = self.clock.tick();
        set_resource_version(&mut object, inner.rv);
        let object = Arc::new(object);
        inner.namespaces.insert(name.to_owned(), object.clone());
        object
    }
}

fn at_revision(revs: &[Revision], rv: u64) -> Option<Arc<Value>> {
    revs.iter()
        .rev()
        .find(|rev| rev.rv <= rv)
        .and_then(|rev| rev.object.clone())
}

impl Inner {
    fn check_rv(&self, rv: u64) -> Result<(), StoreError> {
        if rv < self.compacted {
            return Err(StoreError::Compacted {
                requested: rv,
                compacted: self.compacted,
            });
        }
        if rv > self.rv {
            return Err(StoreError::Future {
                requested: rv,
                current: self.rv,
            });
        }
        Ok(())
    }

    fn items_at(&self, namespace: Option<&str>, rv: u64) -> Vec<(String, Arc<Value>)> {
        let visible = |(k, revs): (&String, &Vec<Revision>)| {
            at_revision(revs, rv).map(|object| (k.clone(), object))
        };
        match namespace {
            None => self.endpoints.iter().filter_map(visible).collect(),
            Some(ns) => {
                let prefix = key(ns, "");
                self.endpoints
                    .range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(&prefix))
                    .filter_map(visible)
                    .collect()
            }
        }
    }

    fn trim(&mut self) {
        if self.log.len() > self.history {
            let drop = self.log.len() - self.history;
            let to = self.log[drop - 1].event.rv;
            self.compact_to(to);
        }
    }

    /// Drop every event with `rv <= to`, and every key revision shadowed at `to`.
    fn compact_to(&mut self, to: u64) {
        if to <= self.compacted {
            return;
        }
        self.compacted = to;
        // Every key was reduced to its state at the previous compacted revision, so only a key with a
        // revision since then can hold anything to drop, and each such revision has its event in the
        // log. Visiting the keys of the dropped events makes compaction cost what it drops, not the
        // size of the store (issue 10: a create once cost a pass over every stored object).
        while self.log.front().is_some_and(|logged| logged.event.rv <= to) {
            if let Some(logged) = self.log.pop_front() {
                self.compact_key(&logged.key, to);
                self.dropped.push(logged);
            }
        }
    }

    /// Drop the revisions of `key` shadowed at `to`, and the key itself when all that is left is a
    /// tombstone at or below `to`.
    fn compact_key(&mut self, key: &str, to: u64) {
        let Some(revs) = self.endpoints.get_mut(key) else {
            return;
        };
        // Keep the newest revision at or below `to` (the state at `to`) and everything after it.
        let first_kept = revs.iter().rposition(|rev| rev.rv <= to).unwrap_or(0);
        revs.drain(..first_kept);
        if revs.len() == 1 && revs[0].object.is_none() && revs[0].rv <= to {
            self.endpoints.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ep(ns: &str, name: &str, label: &str) -> Value {
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns, "labels": {"l": label}}})
    }

    fn put(store: &Store, ns: &str, name: &str, label: &str) -> Written {
        let object = ep(ns, name, label);
        store
            .write(ns, name, |_, _| Ok::<_, ()>((Mutation::Put(object), ())))
            .unwrap()
            .0
    }

    #[test]
    fn revisions_increase_and_no_op_writes_are_free() {
        let store = Store::new(100);
        let a = put(&store, "ns", "a", "1");
        assert_eq!(a.event.as_ref().unwrap().kind, EventType::Added);
        let rv_a = a.event.unwrap().rv;
        assert_eq!(rv_a, INITIAL_RESOURCE_VERSION + 1);
        let same = put(&store, "ns", "a", "1");
        assert!(same.event.is_none());
        assert_eq!(store.current_rv(), rv_a);
        let changed = put(&store, "ns", "a", "2");
        assert_eq!(changed.event.as_ref().unwrap().kind, EventType::Modified);
        assert_eq!(
            changed.object.unwrap()["metadata"]["resourceVersion"],
            json!((rv_a + 1).to_string())
        );
    }

    #[test]
    fn snapshots_read_the_past_until_compacted() {
        let store = Store::new(100);
        put(&store, "ns", "a", "1");
        let rv1 = store.current_rv();
        put(&store, "ns", "b", "1");
        store
            .write("ns", "a", |_, _| Ok::<_, ()>((Mutation::Delete, ())))
            .unwrap();
        let now = store.snapshot(Some("ns"), None).unwrap();
        assert_eq!(
            now.items
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["ns/b"]
        );
        let past = store.snapshot(Some("ns"), Some(rv1)).unwrap();
        assert_eq!(
            past.items
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["ns/a"]
        );
        store.compact_now();
        assert!(matches!(
            store.snapshot(None, Some(rv1)),
            Err(StoreError::Compacted { .. })
        ));
        assert_eq!(
            store
                .snapshot(None, Some(store.current_rv()))
                .unwrap()
                .items
                .len(),
            1
        );
        assert!(matches!(
            store.snapshot(None, Some(1)),
            Err(StoreError::Compacted { .. })
        ));
        assert!(matches!(
            store.snapshot(None, Some(store.current_rv() + 1)),
            Err(StoreError::Future { .. })
        ));
    }

    #[test]
    fn scans_stop_early_and_count_the_rest() {
        let store = Store::new(100);
        for (ns, name) in [("a", "1"), ("a", "2"), ("a", "3"), ("b", "1")] {
            put(&store, ns, name, "x");
        }
        let mut seen = Vec::new();
        let scanned = store
            .scan(Some("a"), None, Some("a/2"), |k, _| {
                seen.push(k.to_owned());
                false
            })
            .unwrap();
        assert_eq!(seen, ["a/2"]);
        assert_eq!(scanned.remaining, 1);
        let all = store.scan(None, None, None, |_, _| true).unwrap();
        assert_eq!((all.remaining, all.rv), (0, store.current_rv()));
    }

    #[test]
    fn the_window_compacts_old_events() {
        let store = Store::new(2);
        for i in 0..5 {
            put(&store, "ns", &format!("o{i}"), "x");
        }
        assert_eq!(store.retained_events(), 2);
        assert_eq!(store.compacted_rv(), store.current_rv() - 2);
        assert_eq!(store.oldest_retained_rv(), store.current_rv() - 1);
        assert_eq!(store.snapshot(None, None).unwrap().items.len(), 5);
    }

    /// Compaction visits only the keys of the events it drops (issue 10: it used to visit every
    /// stored key on every write once the window was full). The store must still look as a pass over
    /// every key would leave it: at most one revision of a key at or below the compacted revision, no
    /// key that is only a compacted tombstone, one retained event per newer revision, and every
    /// retained revision reading as it was written.
    #[test]
    fn compaction_keeps_every_retained_state_and_nothing_older() {
        let store = Store::new(5);
        let mut states: Vec<(u64, Vec<(String, Value)>)> = Vec::new();
        for step in 0..300u64 {
            let ns = if step % 3 == 0 { "a" } else { "b" };
            let name = format!("o{}", step * 7 % 4);
            if step % 5 == 4 {
                store
                    .write(ns, &name, |_, _| Ok::<_, ()>((Mutation::Delete, ())))
                    .unwrap();
            } else {
                put(&store, ns, &name, &(step % 6).to_string());
            }
            if step % 37 == 36 {
                store.compact_now();
            }
            if step == 150 {
                store.set_history(2);
            }
            let now = store.snapshot(None, None).unwrap();
            states.push((
                now.rv,
                now.items
                    .iter()
                    .map(|(k, v)| (k.clone(), (**v).clone()))
                    .collect(),
            ));

            let inner = store.lock();
            let mut newer = 0;
            for (k, revs) in &inner.endpoints {
                let old = revs.iter().filter(|rev| rev.rv <= inner.compacted).count();
                assert!(old <= 1, "step {step}: {k} keeps {old} compacted revisions");
                assert!(
                    !(revs.len() == 1 && revs[0].object.is_none() && revs[0].rv <= inner.compacted),
                    "step {step}: {k} is only a compacted tombstone"
                );
                newer += revs.len() - old;
            }
            assert_eq!(
                inner.log.len(),
                newer,
                "step {step}: one event per newer revision"
            );
            drop(inner);

            let compacted = store.compacted_rv();
            for (rv, items) in states.iter().filter(|(rv, _)| *rv >= compacted) {
                let read = store.snapshot(None, Some(*rv)).unwrap();
                let read: Vec<(String, Value)> = read
                    .items
                    .iter()
                    .map(|(k, v)| (k.clone(), (**v).clone()))
                    .collect();
                assert_eq!(&read, items, "step {step}: revision {rv} reads differently");
            }
        }
    }

    #[test]
    fn subscriptions_see_backlog_then_live_events_without_gaps() {
        let store = Store::new(100);
        put(&store, "ns", "a", "1");
        let start = store.current_rv();
        put(&store, "ns", "a", "2");
        put(&store, "other", "x", "2");
        let mut sub = store
            .subscribe(Some("ns"), WatchStart::After(start))
            .unwrap();
        assert_eq!(sub.backlog.len(), 1);
        put(&store, "ns", "b", "3");
        let live = sub.receiver.try_recv().unwrap();
        assert_eq!(live.name, "b");
        assert!(live.rv > sub.rv);
        let deleted = store
            .write("ns", "b", |_, _| Ok::<_, ()>((Mutation::Delete, ())))
            .unwrap()
            .0;
        let event = deleted.event.unwrap();
        assert_eq!(event.kind, EventType::Deleted);
        assert_eq!(
            event.object["metadata"]["resourceVersion"],
            json!(event.rv.to_string())
        );
        assert_eq!(
            event.previous_labels.get("l").map(String::as_str),
            Some("3")
        );
        let now = store.subscribe(None, WatchStart::Now).unwrap();
        assert_eq!(now.initial.len(), 2);
    }

    #[test]
    fn stores_sharing_a_clock_hand_out_one_revision_sequence() {
        let endpoints = Store::new(100);
        let slices = Store::sharing(100, endpoints.clock());
        let a = put(&endpoints, "ns", "a", "1").event.map(|e| e.rv);
        let b = put(&slices, "ns", "b", "1").event.map(|e| e.rv);
        let c = put(&endpoints, "ns", "c", "1").event.map(|e| e.rv);
        assert_eq!(
            (a, b, c),
            (
                Some(INITIAL_RESOURCE_VERSION + 1),
                Some(INITIAL_RESOURCE_VERSION + 2),
                Some(INITIAL_RESOURCE_VERSION + 3)
            )
        );
        // Each store's current revision is the clock's, and its past reads stay consistent.
        assert_eq!(slices.current_rv(), INITIAL_RESOURCE_VERSION + 3);
        let snapshot = slices
            .snapshot(None, Some(INITIAL_RESOURCE_VERSION + 1))
            .unwrap();
        assert!(snapshot.items.is_empty());
        assert_eq!(slices.snapshot(None, None).unwrap().items.len(), 1);
    }

    #[test]
    fn a_store_without_namespaces_deletes_a_namespace_s_objects_when_told() {
        let store = Store::new(100);
        put(&store, "a", "x", "1");
        put(&store, "b", "y", "1");
        store.delete_namespace_objects("a");
        assert!(store.get("a", "x").is_none());
        assert!(store.get("b", "y").is_some());
    }

    #[test]
    fn deleting_a_namespace_deletes_its_objects() {
        let store = Store::new(100);
        store
            .create_namespace("ns", json!({"metadata": {"name": "ns"}}))
            .unwrap();
        assert!(
            store
                .create_namespace("ns", json!({"metadata": {"name": "ns"}}))
                .is_none()
        );
        put(&store, "ns", "a", "1");
        put(&store, "ns2", "a", "1");
        let mut sub = store.subscribe(None, WatchStart::Now).unwrap();
        let (terminating, started) = store
            .terminate_namespace("ns", "2026-12-06T00:00:00Z")
            .unwrap();
        assert!(started);
        assert_eq!(terminating["status"]["phase"], "Terminating");
        assert!(
            !store.terminate_namespace("ns", "later").unwrap().1,
            "already terminating"
        );
        assert!(
            store.get("ns", "a").is_some(),
            "objects stay until finalized"
        );
        assert!(sub.receiver.try_recv().is_err());
        assert!(store.finalize_namespace("ns"));
        assert_eq!(sub.receiver.try_recv().unwrap().kind, EventType::Deleted);
        assert!(store.get("ns", "a").is_none());
        assert!(store.get("ns2", "a").is_some());
        assert!(store.get_namespace("ns").is_none());
    }
}
