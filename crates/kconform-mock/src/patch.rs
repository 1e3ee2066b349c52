//! Strategic merge patch for Endpoints and EndpointSlice.
//!
//! Endpoints declare no patch strategy on `subsets` (or anything inside it), so lists there are replaced
//! whole. In `metadata`, `labels` and `annotations` merge by key (`null` deletes), `finalizers` merge as a
//! set, and `ownerReferences` merge by `uid`. The `$patch` (`replace`, `delete`, `merge`), `$retainKeys`,
//! `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` directives are honoured.

use serde_json::{Map, Value};

/// Why a strategic merge patch cannot be applied (400 texts).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SmpError {
    /// The patch is not a JSON object.
    #[error("unable to find api field in struct Endpoints for the json field \"\"")]
    NotAnObject,
    /// An unknown `$patch` value.
    #[error("Unsupported strategic merge patch format: {0}")]
    BadDirective(String),
}

/// How a list at a path merges.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    Replace,
    MergePrimitives,
    MergeByUid,
}

fn list_strategy(path: &[&str]) -> ListStrategy {
    match path {
        ["metadata", "finalizers"] => ListStrategy::MergePrimitives,
        ["metadata", "ownerReferences"] => ListStrategy::MergeByUid,
        _ => ListStrategy::Replace,
    }
}

/// Apply a strategic merge patch to `original`.
///
/// # Errors
/// [`SmpError`] when the patch is not an object or carries an unknown directive.
pub(crate) fn strategic_merge(original: &Value, patch: &Value) -> Result<Value, SmpError> {
    let Value::Object(patch) = patch else {
        return Err(SmpError::NotAnObject);
    };
    let original = original.as_object().cloned().unwrap_or_default();
    Ok(merge_map(original, patch, &mut Vec::new())?
        .map(Value::Object)
        .unwrap_or(Value::Object(Map::new())))
}

/// Merge `patch` into `original`; None when the map is deleted (`$patch: delete`).
fn merge_map<'a>(
    mut original: Map<String, Value>,
    patch: &'a Map<String, Value>,
    path: &mut Vec<&'a str>,
) -> Result<Option<Map<String, Value>>, SmpError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => return Ok(Some(strip_directives(patch))),
        Some("delete") => return Ok(None),
        Some("merge") | None => {}
        Some(other) => return Err(SmpError::BadDirective(other.to_owned())),
    }
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        original.retain(|key, _| keep.contains(&key.as_str()));
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(remove)) =
                (original.get_mut(field), value)
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        path.push(key);
        match value {
            Value::Null => {
                original.remove(key);
            }
            Value::Object(child_patch) => match original.remove(key) {
                Some(Value::Object(child)) => {
                    if let Some(merged) = merge_map(child, child_patch, path)? {
                        original.insert(key.clone(), Value::Object(merged));
                    }
                }
                _ => {
                    if let Some(merged) = merge_map(Map::new(), child_patch, path)? {
                        original.insert(key.clone(), Value::Object(merged));
                    }
                }
            },
            Value::Array(items) => {
                let merged = match (list_strategy(path), original.get(key)) {
                    (ListStrategy::MergePrimitives, Some(Value::Array(existing))) => {
                        let mut out = existing.clone();
                        for item in items {
                            if !out.contains(item) {
                                out.push(item.clone());
                            }
                        }
                        out
                    }
                    (ListStrategy::MergeByUid, Some(Value::Array(existing))) => {
                        merge_by_uid(existing, items)
                    }
                    (ListStrategy::MergeByUid, _) => merge_by_uid(&[], items),
                    // A list without a merge strategy (Endpoints' `subsets`, EndpointSlice's
                    // atomic `endpoints` and `ports`) is the patch's list as sent: directives
                    // inside its items are not read, and decoding then reports them as unknown
                    // fields (recorded for EndpointSlice).
                    _ => items.clone(),
                };
                original.insert(key.clone(), Value::Array(merged));
            }
            scalar => {
                original.insert(key.clone(), scalar.clone());
            }
        }
        path.pop();
    }
    Ok(Some(original))
}

fn merge_by_uid(existing: &[Value], items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = existing.to_vec();
    for item in items {
        let uid = item.get("uid");
        let position = out.iter().position(|e| e.get("uid") == uid);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(index), true) => {
                out.remove(index);
            }
            (None, true) => {}
            (Some(index), false) => {
                if let (Some(Value::Object(target)), Value::Object(patch)) =
                    (out.get_mut(index), item)
                {
                    for (k, v) in patch {
                        if k.starts_with('$') {
                            continue;
                        }
                        if v.is_null() {
                            target.remove(k);
                        } else {
                            target.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (None, false) => out.push(strip_value(item)),
        }
    }
    out
}

fn strip_directives(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), strip_value(v)))
        .collect()
}

fn strip_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip_directives(map)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subsets_are_replaced_and_labels_merged() {
        let original = json!({"metadata": {"name": "ep", "labels": {"a": "1"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}]}]});
        let patch = json!({"metadata": {"labels": {"test-service": "patched"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.25"}], "ports": [{"name": "http-test", "port": 8080}]}]});
        let out = strategic_merge(&original, &patch).unwrap();
        assert_eq!(
            out["metadata"]["labels"],
            json!({"a": "1", "test-service": "patched"})
        );
        assert_eq!(out["subsets"], patch["subsets"]);
        let removed = strategic_merge(
            &out,
            &json!({"metadata": {"labels": {"a": null}}, "subsets": null}),
        )
        .unwrap();
        assert_eq!(
            removed,
            json!({"metadata": {"name": "ep", "labels": {"test-service": "patched"}}})
        );
    }

    #[test]
    fn finalizers_merge_as_a_set_and_owner_references_by_uid() {
        let original = json!({"metadata": {"finalizers": ["a"], "ownerReferences": [{"uid": "1", "name": "x"}]}});
        let patch = json!({"metadata": {"finalizers": ["b", "a"],
            "ownerReferences": [{"uid": "1", "name": "y"}, {"uid": "2", "name": "z"}],
            "$deleteFromPrimitiveList/finalizers": ["a"]}});
        let out = strategic_merge(&original, &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        assert_eq!(
            out["metadata"]["ownerReferences"],
            json!([{"uid": "1", "name": "y"}, {"uid": "2", "name": "z"}])
        );
        let deleted = strategic_merge(
            &out,
            &json!({"metadata": {"ownerReferences": [{"uid": "1", "$patch": "delete"}]}}),
        )
        .unwrap();
        assert_eq!(
            deleted["metadata"]["ownerReferences"],
            json!([{"uid": "2", "name": "z"}])
        );
    }

    #[test]
    fn directives() {
        let original = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let replaced = strategic_merge(
            &original,
            &json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
        )
        .unwrap();
        assert_eq!(replaced["metadata"]["labels"], json!({"c": "3"}));
        let gone = strategic_merge(
            &original,
            &json!({"metadata": {"labels": {"$patch": "delete"}}}),
        )
        .unwrap();
        assert_eq!(gone, json!({"metadata": {}}));
        assert!(strategic_merge(&original, &json!([])).is_err());
        assert!(strategic_merge(&original, &json!({"$patch": "bogus"})).is_err());
    }
}
