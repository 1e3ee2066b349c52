//! Defaulting and field dropping of EndpointSlice, and the shape a stored object has after Go's
//! decoding and encoding (what kube-apiserver answers).
//!
//! - `SetDefaults_EndpointPort`: a port without `name` gets `""`, without `protocol` gets `TCP`.
//! - The v1 strategy drops `endpoints[*].deprecatedTopology` silently.
//! - `endpoints` and `ports` have no `omitempty`: empty or absent lists are written `null`; every
//!   endpoint's `conditions` is a struct, written `{}` when empty.

use serde_json::{Map, Value};

/// Defaults the ports (`name: ""`, `protocol: TCP` when absent or null).
pub fn default_endpoint_slice(obj: &mut Value) {
    for port in items_mut(obj, "ports") {
        if port.get("name").is_none_or(Value::is_null) {
            port.insert("name".to_owned(), Value::String(String::new()));
        }
        if port.get("protocol").is_none_or(Value::is_null) {
            port.insert("protocol".to_owned(), Value::String("TCP".to_owned()));
        }
    }
}

/// What the strategy drops before storing: `deprecatedTopology` of every endpoint.
pub fn drop_fields(obj: &mut Value) {
    for endpoint in items_mut(obj, "endpoints") {
        endpoint.remove("deprecatedTopology");
    }
}

/// The object as Go writes it after decoding: nulls of pointer fields gone, `endpoints` and `ports`
/// `null` when absent, `conditions: {}` on every endpoint. An empty list stays until
/// [`storage_form`]: the field manager sees it (`f:endpoints`), the stored object does not.
pub fn go_round_trip(obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    for list in ["endpoints", "ports"] {
        if !map.get(list).is_some_and(Value::is_array) {
            map.insert(list.to_owned(), Value::Null);
        }
    }
    for endpoint in items_mut(obj, "endpoints") {
        endpoint.retain(|_, v| !v.is_null());
        endpoint
            .entry("conditions")
            .or_insert_with(|| Value::Object(Map::new()));
        if !endpoint.contains_key("addresses") {
            endpoint.insert("addresses".to_owned(), Value::Null);
        }
        if let Some(Value::Object(target)) = endpoint.get_mut("targetRef") {
            // Every ObjectReference field is an omitempty string.
            target.retain(|_, v| !(v.is_null() || v.as_str() == Some("")));
        }
    }
    for port in items_mut(obj, "ports") {
        port.retain(|_, v| !v.is_null());
    }
}

/// The object as it comes back from storage (protobuf has no empty list): `endpoints: []` and
/// `ports: []` become `null`.
pub fn storage_form(obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    for list in ["endpoints", "ports"] {
        if map
            .get(list)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            map.insert(list.to_owned(), Value::Null);
        }
    }
}

/// The `metadata.generation` the strategy gives an update: one more than the stored object's when
/// the address type, the endpoints, the ports or the labels change (an annotation alone does not),
/// the stored one otherwise. A create starts at 1.
pub fn generation_after_update(new: &Value, old: &Value) -> i64 {
    let old_generation = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let labels = |obj: &Value| {
        obj.pointer("/metadata/labels")
            .cloned()
            .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()))
    };
    let changed = ["addressType", "endpoints", "ports"]
        .iter()
        .any(|key| new.get(*key) != old.get(*key))
        || labels(new) != labels(old);
    if changed {
        old_generation + 1
    } else {
        old_generation
    }
}

/// The objects of the list `list` (`endpoints`, `ports`).
fn items_mut<'a>(
    obj: &'a mut Value,
    list: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    obj.get_mut(list)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_are_defaulted_and_empty_lists_are_null() {
        let mut obj = json!({"addressType": "IPv4", "endpoints": [],
            "ports": [{"port": 8080}, {"name": "b", "protocol": "UDP", "appProtocol": null}]});
        default_endpoint_slice(&mut obj);
        drop_fields(&mut obj);
        go_round_trip(&mut obj);
        assert_eq!(obj["endpoints"], json!([]));
        storage_form(&mut obj);
        assert_eq!(
            obj,
            json!({"addressType": "IPv4", "endpoints": null,
                "ports": [{"port": 8080, "name": "", "protocol": "TCP"}, {"name": "b", "protocol": "UDP"}]})
        );
        let mut obj = json!({"endpoints": [{"addresses": ["10.1.2.3"], "deprecatedTopology": {"a": "b"}, "zone": null}]});
        drop_fields(&mut obj);
        go_round_trip(&mut obj);
        assert_eq!(
            obj,
            json!({"endpoints": [{"addresses": ["10.1.2.3"], "conditions": {}}], "ports": null})
        );
    }
}
