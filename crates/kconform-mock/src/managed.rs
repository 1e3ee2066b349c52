//! Server-side field management for Endpoints: `metadata.managedFields` with `Update` and `Apply`
//! entries, computed the way structured-merge-diff does for this schema.
//!
//! A field set is a set of paths. Every node of the object is a member (structs, maps, list items,
//! scalars), except that atomic values (`subsets`) are single leaves, and kube-apiserver's strip set
//! (`apiVersion`, `kind`, `metadata` itself and its system fields) is removed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// One path element, in FieldsV1 spelling (`f:labels`, `k:{"uid":"x"}`, `v:"fin"`).
type Path = Vec<String>;

/// A set of field paths.
pub(crate) type FieldSet = BTreeSet<Path>;

/// The leaves (and their values, borrowed from the object) and all member paths of an object.
struct Walk<'a> {
    members: FieldSet,
    leaves: BTreeMap<Path, &'a Value>,
}

const STRIPPED_METADATA: [&str; 9] = [
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
];

fn field(name: &str) -> String {
    format!("f:{name}")
}

fn walk(object: &Value) -> Walk<'_> {
    let mut w = Walk {
        members: FieldSet::new(),
        leaves: BTreeMap::new(),
    };
    let Some(root) = object.as_object() else {
        return w;
    };
    for (key, value) in root {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => walk_metadata(&mut w, value),
            // A null field (EndpointSlice's `endpoints: null`) is no field at all.
            _ if value.is_null() => {}
            _ => {
                // `subsets` is an atomic list: one leaf. Unknown top-level fields never reach here
                // (decoding drops them), but if they do they are leaves too.
                leaf(&mut w, vec![field(key)], value);
            }
        }
    }
    w
}

fn leaf<'a>(w: &mut Walk<'a>, path: Path, value: &'a Value) {
    w.members.insert(path.clone());
    w.leaves.insert(path, value);
}

fn walk_metadata<'a>(w: &mut Walk<'a>, meta: &'a Value) {
    let Some(meta) = meta.as_object() else { return };
    let base = vec![field("metadata")];
    for (key, value) in meta {
        if STRIPPED_METADATA.contains(&key.as_str()) {
            continue;
        }
        let path = [base.clone(), vec![field(key)]].concat();
        match (key.as_str(), value) {
            ("labels" | "annotations", Value::Object(map)) => {
                w.members.insert(path.clone());
                for (k, v) in map {
                    leaf(w, [path.clone(), vec![field(k)]].concat(), v);
                }
            }
            ("finalizers", Value::Array(items)) => {
                w.members.insert(path.clone());
                for item in items {
                    let key = format!("v:{}", serde_json::to_string(item).unwrap_or_default());
                    leaf(w, [path.clone(), vec![key]].concat(), item);
                }
            }
            ("ownerReferences", Value::Array(items)) => {
                w.members.insert(path.clone());
                for item in items {
                    let uid = item.get("uid").cloned().unwrap_or(Value::Null);
                    let key = format!(
                        "k:{}",
                        serde_json::to_string(&serde_json::json!({ "uid": uid }))
                            .unwrap_or_default()
                    );
                    let element = [path.clone(), vec![key]].concat();
                    w.members.insert(element.clone());
                    if let Some(fields) = item.as_object() {
                        for (k, v) in fields {
                            leaf(w, [element.clone(), vec![field(k)]].concat(), v);
                        }
                    }
                }
            }
            _ => leaf(w, path, value),
        }
    }
}

/// The fields an applier owns: structured-merge-diff's `ToFieldSet` of the applied configuration,
/// which holds the leaves and the elements of associative lists (`k:{...}`) but not the maps and
/// lists that contain them, so an Apply entry has no `"."` under `f:labels` (recorded at v1.28.7
/// and v1.36.2), unlike an Update entry, whose set is a comparison that adds the new map itself.
pub(crate) fn applied_fields_of(object: &Value) -> FieldSet {
    let w = walk(object);
    w.members
        .into_iter()
        .filter(|p| w.leaves.contains_key(p) || p.last().is_some_and(|e| e.starts_with("k:")))
        .collect()
}

/// The fault `apply-owns-label-map`: every Apply entry of `object` also claims the labels map
/// itself, as an Update entry would.
pub(crate) fn apply_owns_label_map(object: &mut Value) {
    let Some(entries) = object
        .pointer_mut("/metadata/managedFields")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for entry in entries {
        if entry.get("operation").and_then(Value::as_str) != Some("Apply") {
            continue;
        }
        if let Some(labels) = entry
            .pointer_mut("/fieldsV1/f:metadata/f:labels")
            .and_then(Value::as_object_mut)
        {
            labels.insert(".".to_owned(), Value::Object(Map::new()));
        }
    }
}

/// The comparison of two objects: paths added, removed and (leaf values) modified.
pub(crate) struct Comparison {
    pub(crate) added: FieldSet,
    pub(crate) removed: FieldSet,
    pub(crate) modified: FieldSet,
}

pub(crate) fn compare(old: &Value, new: &Value) -> Comparison {
    let new = walk(new);
    if old.as_object().is_none_or(Map::is_empty) {
        // Nothing before (a create): everything is added, as the general case below would find
        // against an empty walk, without copying every path into the differences.
        return Comparison {
            added: new.members,
            removed: FieldSet::new(),
            modified: FieldSet::new(),
        };
    }
    let old = walk(old);
    let added = new.members.difference(&old.members).cloned().collect();
    let removed = old.members.difference(&new.members).cloned().collect();
    let modified = new
        .leaves
        .iter()
        .filter(|(path, value)| old.leaves.get(*path).is_some_and(|before| before != *value))
        .map(|(path, _)| path.clone())
        .collect();
    Comparison {
        added,
        removed,
        modified,
    }
}

/// One `managedFields` entry, decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) manager: String,
    /// `Update` or `Apply`.
    pub(crate) operation: String,
    pub(crate) api_version: String,
    pub(crate) time: Option<String>,
    pub(crate) fields: FieldSet,
}

impl Entry {
    fn is_apply(&self) -> bool {
        self.operation == "Apply"
    }
}

/// Decode `metadata.managedFields`; None when absent, empty or malformed.
pub(crate) fn decode(object: &Value) -> Option<Vec<Entry>> {
    let items = object.pointer("/metadata/managedFields")?.as_array()?;
    if items.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    for item in items {
        let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut fields = FieldSet::new();
        if let Some(trie) = item.get("fieldsV1") {
            trie_to_set(trie, &mut Vec::new(), &mut fields);
        }
        entries.push(Entry {
            manager: text("manager").unwrap_or_default(),
            operation: text("operation").unwrap_or_else(|| "Update".to_owned()),
            api_version: text("apiVersion").unwrap_or_else(|| "v1".to_owned()),
            time: text("time"),
            fields,
        });
    }
    Some(entries)
}

fn trie_to_set(node: &Value, prefix: &mut Path, out: &mut FieldSet) {
    let Some(map) = node.as_object() else { return };
    if map.is_empty() && !prefix.is_empty() {
        out.insert(prefix.clone());
        return;
    }
    for (key, child) in map {
        if key == "." {
            out.insert(prefix.clone());
            continue;
        }
        prefix.push(key.clone());
        trie_to_set(child, prefix, out);
        prefix.pop();
    }
}

/// FieldsV1 JSON of a set, children in structured-merge-diff's order (`.` first, then by kind and text).
fn set_to_trie(set: &FieldSet) -> Value {
    #[derive(Default)]
    struct Node {
        member: bool,
        children: BTreeMap<(u8, String), Node>,
    }
    fn rank(element: &str) -> u8 {
        match element.as_bytes().first() {
            Some(b'f') => 0,
            Some(b'v') => 1,
            Some(b'i') => 2,
            _ => 3,
        }
    }
    let mut root = Node::default();
    for path in set {
        let mut node = &mut root;
        for element in path {
            node = node
                .children
                .entry((rank(element), element.clone()))
                .or_default();
        }
        node.member = true;
    }
    fn render(node: &Node) -> Value {
        let mut map = Map::new();
        if node.member && !node.children.is_empty() {
            map.insert(".".to_owned(), Value::Object(Map::new()));
        }
        for ((_, element), child) in &node.children {
            map.insert(element.clone(), render(child));
        }
        Value::Object(map)
    }
    render(&root)
}

fn encode(entries: &[Entry]) -> Value {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    // kube-apiserver sorts managedFields by operation, then time, then manager.
    sorted.sort_by(|a, b| {
        a.operation
            .cmp(&b.operation)
            .then_with(|| a.time.cmp(&b.time))
            .then_with(|| a.manager.cmp(&b.manager))
    });
    Value::Array(
        sorted
            .iter()
            .map(|entry| {
                let mut map = Map::new();
                map.insert("manager".to_owned(), Value::String(entry.manager.clone()));
                map.insert(
                    "operation".to_owned(),
                    Value::String(entry.operation.clone()),
                );
                map.insert(
                    "apiVersion".to_owned(),
                    Value::String(entry.api_version.clone()),
                );
                if let Some(time) = &entry.time {
                    map.insert("time".to_owned(), Value::String(time.clone()));
                }
                map.insert(
                    "fieldsType".to_owned(),
                    Value::String("FieldsV1".to_owned()),
                );
                map.insert("fieldsV1".to_owned(), set_to_trie(&entry.fields));
                Value::Object(map)
            })
            .collect(),
    )
}

/// Write `entries` into `object.metadata.managedFields` (removing the member when there are none).
pub(crate) fn store(object: &mut Value, entries: &[Entry]) {
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".to_owned(), encode(entries));
    }
}

fn base_entries(live: Option<&Value>, new: &Value) -> Vec<Entry> {
    decode(new)
        .or_else(|| live.and_then(decode))
        .unwrap_or_default()
}

/// The managedFields after an Update operation (POST, PUT, non-apply PATCH) by `manager`, written into
/// `new`. `live` is the stored object (None on create).
pub(crate) fn update(
    live: Option<&Value>,
    new: &mut Value,
    manager: &str,
    now: &str,
    faults: Faults,
) {
    let mut entries = base_entries(live, new);
    if live.is_some() && entries.is_empty() && !faults.track_untracked {
        // fieldmanager's skipNonAppliedManager: an update of an object that has no managed fields
        // (created empty, or cleared) is not tracked; only a create or an apply starts tracking.
        store(new, &[]);
        return;
    }
    let empty = Value::Object(Map::new());
    let comparison = compare(live.unwrap_or(&empty), new);
    let api_version = object_api_version(new);
    let mut taken = comparison.added;
    taken.extend(comparison.modified);
    for entry in &mut entries {
        // Update operations take fields over without conflicts; removed fields leave every owner.
        entry.fields = entry.fields.difference(&taken).cloned().collect();
        entry.fields = entry
            .fields
            .difference(&comparison.removed)
            .cloned()
            .collect();
    }
    // The manager's own earlier set stays; what it just changed is added and its time moves.
    let own = entries
        .iter()
        .position(|e| e.manager == manager && !e.is_apply());
    if !taken.is_empty() {
        match own {
            Some(index) => {
                let entry = &mut entries[index];
                entry.fields = entry.fields.union(&taken).cloned().collect();
                entry.time = Some(now.to_owned());
                entry.api_version = api_version;
            }
            None => entries.push(Entry {
                manager: manager.to_owned(),
                operation: "Update".to_owned(),
                api_version,
                time: Some(now.to_owned()),
                fields: taken,
            }),
        }
    }
    entries.retain(|entry| !entry.fields.is_empty());
    store(new, &entries);
}

/// The `apiVersion` a manager's entry records: the object's (`v1`, `discovery.k8s.io/v1`).
fn object_api_version(object: &Value) -> String {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1")
        .to_owned()
}

/// A server-side apply conflict: the other manager, whether it is an Update manager, and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub(crate) manager: String,
    pub(crate) update: bool,
    pub(crate) field: String,
}

/// `.metadata.labels.app` style text for a path (as apply conflict messages print it).
pub(crate) fn path_text(path: &Path) -> String {
    let mut out = String::new();
    for element in path {
        if let Some(name) = element.strip_prefix("f:") {
            out.push('.');
            out.push_str(name);
        } else if let Some(key) = element.strip_prefix("k:") {
            out.push('[');
            let fields: Value = serde_json::from_str(key).unwrap_or(Value::Null);
            if let Some(map) = fields.as_object() {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}={}", serde_json::to_string(v).unwrap_or_default()))
                    .collect();
                out.push_str(&parts.join(","));
            }
            out.push(']');
        } else if let Some(value) = element.strip_prefix("v:") {
            out.push_str(&format!("[={value}]"));
        } else {
            out.push_str(element);
        }
    }
    out
}

/// Merge an applied configuration into the live object (structured merge for this schema: `subsets`
/// atomic, labels and annotations by key, finalizers as a set, ownerReferences by uid).
pub(crate) fn merge_applied(live: &Value, applied: &Value) -> Value {
    let mut out = live.clone();
    let (Some(out_map), Some(applied_map)) = (out.as_object_mut(), applied.as_object()) else {
        return applied.clone();
    };
    for (key, value) in applied_map {
        if key == "metadata" {
            let meta = out_map
                .entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()));
            merge_metadata(meta, value);
        } else {
            out_map.insert(key.clone(), value.clone());
        }
    }
    out
}

fn merge_metadata(live: &mut Value, applied: &Value) {
    let (Some(live), Some(applied)) = (live.as_object_mut(), applied.as_object()) else {
        return;
    };
    for (key, value) in applied {
        match (key.as_str(), value) {
            ("labels" | "annotations", Value::Object(map)) => {
                let target = live
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(target) = target.as_object_mut() {
                    for (k, v) in map {
                        target.insert(k.clone(), v.clone());
                    }
                }
            }
            ("finalizers", Value::Array(items)) => {
                let target = live
                    .entry(key.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(target) = target.as_array_mut() {
                    for item in items {
                        if !target.contains(item) {
                            target.push(item.clone());
                        }
                    }
                }
            }
            ("ownerReferences", Value::Array(items)) => {
                let target = live
                    .entry(key.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(target) = target.as_array_mut() {
                    for item in items {
                        match target
                            .iter_mut()
                            .find(|existing| existing.get("uid") == item.get("uid"))
                        {
                            Some(existing) => *existing = item.clone(),
                            None => target.push(item.clone()),
                        }
                    }
                }
            }
            (
                "name" | "namespace" | "uid" | "resourceVersion" | "creationTimestamp"
                | "managedFields",
                _,
            ) => {
                if !live.contains_key(key) {
                    live.insert(key.clone(), value.clone());
                }
            }
            _ => {
                live.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Remove from `object` the fields in `drop` (paths no manager owns any more after an apply).
fn prune(object: &mut Value, drop: &FieldSet) {
    for path in drop {
        remove_path(object, path);
    }
    // Empty label or annotation maps and finalizer lists left behind disappear, as a merge result would.
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["labels", "annotations", "finalizers", "ownerReferences"] {
            let empty = match meta.get(key) {
                Some(Value::Object(map)) => map.is_empty(),
                Some(Value::Array(items)) => items.is_empty(),
                _ => false,
            };
            if empty
                && drop
                    .iter()
                    .any(|p| p.get(1).is_some_and(|e| e == &field(key)))
            {
                meta.remove(key);
            }
        }
    }
}

fn remove_path(object: &mut Value, path: &Path) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = object;
    for element in parents {
        let next = match element.strip_prefix("f:") {
            Some(name) => node.get_mut(name),
            None => match element.strip_prefix("k:") {
                Some(key) => {
                    let key: Value = serde_json::from_str(key).unwrap_or(Value::Null);
                    node.as_array_mut().and_then(|items| {
                        items
                            .iter_mut()
                            .find(|item| item.get("uid") == key.get("uid"))
                    })
                }
                None => None,
            },
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Some(name) = last.strip_prefix("f:") {
        if let Some(map) = node.as_object_mut() {
            map.remove(name);
        }
    } else if let Some(value) = last.strip_prefix("v:") {
        let value: Value = serde_json::from_str(value).unwrap_or(Value::Null);
        if let Some(items) = node.as_array_mut() {
            items.retain(|item| *item != value);
        }
    } else if let Some(key) = last.strip_prefix("k:") {
        let key: Value = serde_json::from_str(key).unwrap_or(Value::Null);
        if let Some(items) = node.as_array_mut() {
            items.retain(|item| item.get("uid") != key.get("uid"));
        }
    }
}

/// Server-side apply of `applied` by `manager` over `live` (None: create).
///
/// Returns the new object with its managedFields, or the conflicts when `force` is false and another
/// manager owns a field whose value would change.
/// The order structured-merge-diff's `Set.Iterate` visits paths in, which is the order of an apply
/// conflict's fields: at each node its members (paths ending there) first, then its children, each
/// group by path element (field names, then keys, then values, then indexes).
fn set_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn element(e: &str) -> (u8, &str) {
        let rank = match e.get(..2) {
            Some("f:") => 0,
            Some("k:") => 1,
            Some("v:") => 2,
            Some("i:") => 3,
            _ => 4,
        };
        (rank, e.get(2..).unwrap_or(e))
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let member = |p: &Path| p.len() == i + 1;
        match (member(a), member(b)) {
            (true, false) if x != y => return Ordering::Less,
            (false, true) if x != y => return Ordering::Greater,
            _ => {}
        }
        match element(x).cmp(&element(y)) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// The field manager's behaviours a fault switch can break (all false: as kube-apiserver).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Faults {
    /// Track an update of an object that has no managedFields.
    pub(crate) track_untracked: bool,
    /// Give the first apply to an untracked object its fields without a `before-first-apply` owner.
    pub(crate) no_before_first_apply: bool,
    /// Order a manager's conflicting paths as text.
    pub(crate) paths_as_text: bool,
}

/// The manager that owns an untracked object's fields at its first apply (fieldmanager's
/// `beforeApplyManagerName`).
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

pub(crate) fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
    faults: Faults,
) -> Result<Value, Vec<Conflict>> {
    let empty = Value::Object(Map::new());
    let live_object = live.unwrap_or(&empty);
    let mut entries = live.and_then(decode).unwrap_or_default();
    if let (Some(live), true) = (live, entries.is_empty() && !faults.no_before_first_apply) {
        // fieldmanager's skipNonAppliedManager: the first apply to an object nobody tracks gives
        // everything it holds to an Update manager "before-first-apply", so the apply conflicts
        // with the fields set before it.
        let mut tracked = live.clone();
        update(None, &mut tracked, BEFORE_FIRST_APPLY, now, faults);
        entries = decode(&tracked).unwrap_or_default();
    }
    let mut merged = merge_applied(live_object, applied);
    let applied_set = applied_fields_of(applied);

    // Prune what this manager applied last time and no longer applies, unless someone else owns it.
    let last_set: FieldSet = entries
        .iter()
        .find(|e| e.manager == manager && e.is_apply())
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !(e.manager == manager && e.is_apply()))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    let drop: FieldSet = last_set
        .difference(&applied_set)
        .filter(|p| !others.contains(*p))
        .cloned()
        .collect();
    prune(&mut merged, &drop);

    let comparison = compare(live_object, &merged);
    let changed: FieldSet = comparison
        .added
        .union(&comparison.modified)
        .cloned()
        .collect();
    let mut conflicts = Vec::new();
    for entry in &entries {
        if entry.manager == manager && entry.is_apply() {
            continue;
        }
        let mut paths: Vec<&Path> = entry.fields.intersection(&changed).collect();
        if faults.paths_as_text {
            paths.sort_by_cached_key(|p| path_text(p));
        } else {
            paths.sort_by(|a, b| set_order(a, b));
        }
        for path in paths {
            conflicts.push(Conflict {
                manager: entry.manager.clone(),
                update: !entry.is_apply(),
                field: path_text(path),
            });
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for entry in &mut entries {
        if entry.manager == manager && entry.is_apply() {
            continue;
        }
        entry.fields = entry.fields.difference(&changed).cloned().collect();
        entry.fields = entry
            .fields
            .difference(&comparison.removed)
            .cloned()
            .collect();
    }
    let unchanged = comparison.added.is_empty()
        && comparison.modified.is_empty()
        && comparison.removed.is_empty();
    match entries
        .iter_mut()
        .find(|e| e.manager == manager && e.is_apply())
    {
        Some(entry) => {
            if !unchanged || entry.fields != applied_set {
                entry.time = Some(now.to_owned());
            }
            entry.fields = applied_set;
        }
        None => entries.push(Entry {
            manager: manager.to_owned(),
            operation: "Apply".to_owned(),
            api_version: object_api_version(applied),
            time: Some(now.to_owned()),
            fields: applied_set,
        }),
    }
    entries.retain(|entry| !entry.fields.is_empty());
    store(&mut merged, &entries);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conflicts_list_members_before_children_as_structured_merge_diff_iterates() {
        let path = |p: &[&str]| p.iter().map(|e| (*e).to_owned()).collect::<Path>();
        let mut paths = [
            path(&["f:metadata", "f:labels", "f:app"]),
            path(&["f:subsets"]),
            path(&["f:metadata", "f:annotations", "f:a"]),
            path(&["f:metadata", "f:finalizers", "v:\"x\""]),
            path(&["f:metadata", "f:labels", "f:tier"]),
        ];
        paths.sort_by(set_order);
        let text: Vec<String> = paths.iter().map(path_text).collect();
        assert_eq!(
            text,
            [
                ".subsets",
                ".metadata.annotations.a",
                ".metadata.finalizers[=\"x\"]",
                ".metadata.labels.app",
                ".metadata.labels.tier"
            ]
        );
    }

    #[test]
    fn create_gives_one_update_entry_like_the_recordings() {
        let mut object = json!({"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"name": "ep-1", "namespace": "ns", "labels": {"app": "demo"}},
            "subsets": [{"addresses": [{"ip": "10.1.2.3"}]}]});
        update(
            None,
            &mut object,
            "k8s-transcript",
            "2026-01-01T00:00:00Z",
            Faults::default(),
        );
        assert_eq!(
            object["metadata"]["managedFields"],
            json!([{"manager": "k8s-transcript", "operation": "Update", "apiVersion": "v1",
                "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:subsets": {}}}])
        );
        let decoded = decode(&object).unwrap();
        assert_eq!(decoded[0].fields, walk(&object).members);
    }

    #[test]
    fn a_second_updater_takes_the_changed_fields() {
        let mut first = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "subsets": []});
        update(None, &mut first, "one", "t1", Faults::default());
        let mut second = first.clone();
        second["subsets"] = json!([{"addresses": [{"ip": "10.0.0.1"}]}]);
        update(Some(&first), &mut second, "two", "t2", Faults::default());
        let entries = decode(&second).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].manager, "two");
        assert_eq!(
            entries[1].fields,
            [vec!["f:subsets".to_owned()]].into_iter().collect()
        );
        let mut same = second.clone();
        update(Some(&second), &mut same, "three", "t3", Faults::default());
        assert_eq!(same, second, "a no-op update changes nothing");
    }

    #[test]
    fn apply_conflicts_with_other_owners_unless_forced() {
        let applied = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]});
        let created = apply(None, &applied, "a", false, "t1", Faults::default()).unwrap();
        let other = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a"},
            "subsets": [{"addresses": [{"ip": "10.0.0.2"}]}]});
        let conflicts =
            apply(Some(&created), &other, "b", false, "t2", Faults::default()).unwrap_err();
        assert_eq!(
            conflicts,
            [Conflict {
                manager: "a".to_owned(),
                update: false,
                field: ".subsets".to_owned()
            }]
        );
        let forced = apply(Some(&created), &other, "b", true, "t2", Faults::default()).unwrap();
        let entries = decode(&forced).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].manager, "b");
        assert_eq!(
            apply(Some(&forced), &other, "b", false, "t3", Faults::default()).unwrap(),
            forced
        );
    }

    #[test]
    fn an_apply_entry_owns_leaves_and_list_elements_not_their_maps() {
        let applied = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "a", "labels": {"app": "x"}, "finalizers": ["example.com/hold"],
                "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u1"}]},
            "subsets": []});
        let created = apply(None, &applied, "a", false, "t1", Faults::default()).unwrap();
        let fields = &created["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"];
        assert_eq!(fields["f:labels"], json!({"f:app": {}}), "{fields}");
        assert_eq!(
            fields["f:finalizers"],
            json!({"v:\"example.com/hold\"": {}}),
            "{fields}"
        );
        let owner = &fields["f:ownerReferences"]["k:{\"uid\":\"u1\"}"];
        assert_eq!(
            owner["."],
            json!({}),
            "the element itself is owned: {fields}"
        );
        assert!(fields["f:ownerReferences"].get(".").is_none(), "{fields}");
        // An Update of the same object owns the maps too, as the recordings show.
        let mut updated = applied.clone();
        update(None, &mut updated, "u", "t1", Faults::default());
        let fields = &updated["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"];
        assert_eq!(
            fields["f:labels"],
            json!({".": {}, "f:app": {}}),
            "{fields}"
        );
    }
}
