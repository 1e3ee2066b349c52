//! Small helpers on Endpoints objects held as JSON: metadata access, system fields, canonical field
//! order, generated names, request bodies.

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use kconform_spec::status::Status;
use rand::Rng;
use serde_json::{Map, Value};

use crate::http::ApiError;

/// kube-apiserver's request body limit (`MaxRequestBodyBytes`).
pub(crate) const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// How long a request body may take to arrive (kube-apiserver's default request timeout).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Read the whole body, refusing more than [`MAX_BODY_BYTES`] with 413.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    // kube-apiserver's request timeout bounds a client that stops sending half-way.
    let Ok(collected) = tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await else {
        return Err(ApiError::status(Status::request_timeout()));
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::status(Status::request_entity_too_large()))
        }
        Err(err) => Err(ApiError::internal(format!(
            "reading the request body failed: {err}"
        ))),
    }
}

/// A request body of a kind the reference server holds no store for (a Namespace, a review):
/// protobuf when the request says so, otherwise JSON, with the decoder's Go texts; the body's kind
/// must be `kind` or absent. `internal` is the kind as Go's conversion names it
/// (`core.Namespace`).
pub(crate) fn decode_kind(
    bytes: &[u8],
    protobuf: bool,
    kind: &'static str,
    internal: &str,
) -> Result<Value, ApiError> {
    use kconform_spec::decode::DecodeError;
    let sent = if protobuf {
        kconform_spec::protobuf::decode(bytes)
            .map_err(|err| ApiError::status(DecodeError::Other(err.to_string()).to_status()))?
    } else {
        kconform_spec::gojson::parse(bytes)
            .map_err(|err| {
                ApiError::status(
                    DecodeError::Unrecognized {
                        target: kind,
                        error: format!("couldn't get version/kind; json parse error: {err}"),
                        summary: kconform_spec::decode::summarize_data(bytes),
                    }
                    .to_status(),
                )
            })?
            .to_value()
    };
    match sent.get("kind").and_then(Value::as_str) {
        None | Some("") => Ok(sent),
        Some(sent_kind) if sent_kind == kind => Ok(sent),
        Some(sent_kind) => Err(ApiError::status(
            DecodeError::CannotHandle {
                target: kind,
                kind: sent_kind.to_owned(),
                version: "v1".to_owned(),
                error: format!("converting (v1.{sent_kind}) to ({internal}): unknown conversion"),
            }
            .to_status(),
        )),
    }
}

/// The current time as Kubernetes writes it (`2006-01-02T15:04:05Z`, seconds precision).
pub(crate) fn now() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    // Formatting a UTC timestamp with a fixed, valid description cannot fail; fall back to the epoch
    // rather than panic if it ever did.
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// A fresh object uid.
pub(crate) fn new_uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The characters of generated name suffixes (no vowels, no confusable digits).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `generateName[:58]` plus five random characters, as `names.SimpleNameGenerator` does.
pub(crate) fn generate_name(base: &str) -> String {
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| char::from(NAME_ALPHABET[rng.random_range(0..NAME_ALPHABET.len())]))
        .collect();
    kconform_spec::names::generated_name(base, &suffix)
}

/// `metadata.<key>` as a string ("" when absent or not a string).
pub(crate) fn meta_str<'a>(object: &'a Value, key: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The `metadata` map, created if missing (or replaced if not an object).
pub(crate) fn meta_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    let map = object.as_object_mut().expect("made an object above");
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().expect("made an object above")
}

/// Set `metadata.<key>`.
pub(crate) fn set_meta(object: &mut Value, key: &str, value: Value) {
    meta_mut(object).insert(key.to_owned(), value);
}

/// Remove `metadata.<key>`.
pub(crate) fn remove_meta(object: &mut Value, key: &str) {
    meta_mut(object).remove(key);
}

/// The finalizers of an object.
pub(crate) fn finalizers(object: &Value) -> Vec<String> {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `metadata.deletionTimestamp` is set.
pub(crate) fn being_deleted(object: &Value) -> bool {
    !meta_str(object, "deletionTimestamp").is_empty()
}

const METADATA_ORDER: [&str; 16] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "clusterName",
    "managedFields",
];

/// Which Go struct a JSON object is, for its field order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Root,
    Metadata,
    OwnerReference,
    Subset,
    Address,
    TargetRef,
    Port,
    /// An EndpointSlice.
    SliceRoot,
    /// `discovery/v1.Endpoint`.
    SliceEndpoint,
    /// `discovery/v1.EndpointConditions`.
    Conditions,
    /// `discovery/v1.EndpointHints`.
    Hints,
    /// `discovery/v1.EndpointPort`.
    SlicePort,
    /// `labels` and `annotations`: Go maps, which Go's JSON writes with sorted keys.
    SortedMap,
    /// Anything without a struct order: written as stored.
    Plain,
}

impl Shape {
    fn order(self) -> &'static [&'static str] {
        match self {
            Shape::Root => &["kind", "apiVersion", "metadata", "subsets"],
            Shape::Metadata => &METADATA_ORDER,
            Shape::OwnerReference => &[
                "apiVersion",
                "kind",
                "name",
                "uid",
                "controller",
                "blockOwnerDeletion",
            ],
            Shape::Subset => &["addresses", "notReadyAddresses", "ports"],
            Shape::Address => &["ip", "hostname", "nodeName", "targetRef"],
            Shape::TargetRef => &[
                "kind",
                "namespace",
                "name",
                "uid",
                "apiVersion",
                "resourceVersion",
                "fieldPath",
            ],
            Shape::Port => &["name", "port", "protocol", "appProtocol"],
            Shape::SliceRoot => &[
                "kind",
                "apiVersion",
                "metadata",
                "addressType",
                "endpoints",
                "ports",
            ],
            Shape::SliceEndpoint => &[
                "addresses",
                "conditions",
                "hostname",
                "targetRef",
                "deprecatedTopology",
                "nodeName",
                "zone",
                "hints",
            ],
            Shape::Conditions => &["ready", "serving", "terminating"],
            Shape::Hints => &["forZones", "forNodes"],
            Shape::SlicePort => &["name", "protocol", "port", "appProtocol"],
            Shape::SortedMap | Shape::Plain => &[],
        }
    }

    /// The shape of the member `key` (for arrays: of its elements).
    fn child(self, key: &str) -> Shape {
        match (self, key) {
            (Shape::Root, "metadata") => Shape::Metadata,
            (Shape::Root, "subsets") => Shape::Subset,
            (Shape::Metadata, "ownerReferences") => Shape::OwnerReference,
            (Shape::Metadata, "labels" | "annotations") => Shape::SortedMap,
            (Shape::Subset, "addresses" | "notReadyAddresses") => Shape::Address,
            (Shape::Subset, "ports") => Shape::Port,
            (Shape::Address, "targetRef") => Shape::TargetRef,
            (Shape::SliceRoot, "metadata") => Shape::Metadata,
            (Shape::SliceRoot, "endpoints") => Shape::SliceEndpoint,
            (Shape::SliceRoot, "ports") => Shape::SlicePort,
            (Shape::SliceEndpoint, "conditions") => Shape::Conditions,
            (Shape::SliceEndpoint, "targetRef") => Shape::TargetRef,
            (Shape::SliceEndpoint, "hints") => Shape::Hints,
            (Shape::SliceEndpoint, "deprecatedTopology") => Shape::SortedMap,
            _ => Shape::Plain,
        }
    }
}

/// The struct of a stored object, by its kind (every stored object carries it).
fn root_shape(value: &Value) -> Shape {
    match value.get("kind").and_then(Value::as_str) {
        Some("EndpointSlice") => Shape::SliceRoot,
        _ => Shape::Root,
    }
}

/// A view of an object that serialises with Go's struct field order, without copying it.
pub(crate) struct Canonical<'a> {
    value: &'a Value,
    shape: Shape,
    /// Leave out `kind` and `apiVersion` (list items).
    skip_type: bool,
}

impl<'a> Canonical<'a> {
    /// The whole object.
    pub(crate) fn object(value: &'a Value) -> Self {
        Canonical {
            value,
            shape: root_shape(value),
            skip_type: false,
        }
    }

    /// The object as a list item (without `kind` and `apiVersion`).
    pub(crate) fn item(value: &'a Value) -> Self {
        Canonical {
            value,
            shape: root_shape(value),
            skip_type: true,
        }
    }
}

impl<'a> serde::Serialize for Canonical<'a> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.value {
            Value::Object(map) if self.shape == Shape::SortedMap => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, value)?;
                }
                out.end()
            }
            Value::Object(map) if self.shape != Shape::Plain => {
                let skip = |key: &str| self.skip_type && (key == "kind" || key == "apiVersion");
                let order = self.shape.order();
                let mut out = serializer.serialize_map(None)?;
                let child = |key: &str, value: &'a Value| Canonical {
                    value,
                    shape: self.shape.child(key),
                    skip_type: false,
                };
                for key in order.iter().filter(|key| !skip(key)) {
                    if let Some(value) = map.get(*key) {
                        out.serialize_entry(key, &child(key, value))?;
                    }
                }
                for (key, value) in map
                    .iter()
                    .filter(|(key, _)| !order.contains(&key.as_str()) && !skip(key))
                {
                    out.serialize_entry(key, &child(key, value))?;
                }
                out.end()
            }
            Value::Array(items) if !matches!(self.shape, Shape::Plain | Shape::SortedMap) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    out.serialize_element(&Canonical {
                        value,
                        shape: self.shape,
                        skip_type: false,
                    })?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// The object with Go's struct field order (kind, apiVersion, metadata..., subsets...), as
/// kube-apiserver encodes it.
pub(crate) fn canonical(object: &Value) -> Value {
    // Serialising plain JSON into a Value cannot fail; fall back to the object as it is.
    serde_json::to_value(Canonical::object(object)).unwrap_or_else(|_| object.clone())
}

/// What a Go round trip (decode into the typed struct, encode with `omitempty`) drops: nulls, empty
/// lists and maps (`subsets`, address and port lists, labels, annotations, finalizers,
/// ownerReferences, managedFields), empty strings of `omitempty` string fields (port names, hostnames,
/// targetRef fields, metadata strings) and a zero `generation`. Pointer fields (`nodeName`,
/// `appProtocol`, `deletionGracePeriodSeconds`) keep their empty values.
pub(crate) fn omit_empty(object: &mut Value) {
    fn empty(value: &Value) -> bool {
        match value {
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map.is_empty(),
            Value::Null => true,
            _ => false,
        }
    }
    fn blank(value: &Value) -> bool {
        value.is_null() || value.as_str() == Some("")
    }
    fn drop_blank(map: &mut Map<String, Value>, keys: &[&str]) {
        map.retain(|key, value| {
            let dropped = value.is_null() || (keys.contains(&key.as_str()) && blank(value));
            !dropped
        });
    }
    let Some(map) = object.as_object_mut() else {
        return;
    };
    map.retain(|_, value| !value.is_null());
    if let Some(Value::Array(subsets)) = map.get_mut("subsets") {
        for subset in subsets.iter_mut().filter_map(Value::as_object_mut) {
            for list in ["addresses", "notReadyAddresses"] {
                for address in subset
                    .get_mut(list)
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    let Some(address) = address.as_object_mut() else {
                        continue;
                    };
                    drop_blank(address, &["hostname"]);
                    if let Some(Value::Object(target)) = address.get_mut("targetRef") {
                        // Every ObjectReference field is an omitempty string.
                        drop_blank(target, Shape::TargetRef.order());
                    }
                }
            }
            for port in subset
                .get_mut("ports")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(port) = port.as_object_mut() {
                    drop_blank(port, &["name", "protocol"]);
                }
            }
            subset.retain(|key, value| {
                !(matches!(key.as_str(), "addresses" | "notReadyAddresses" | "ports")
                    && empty(value))
            });
        }
    }
    if map.get("subsets").is_some_and(empty) {
        map.remove("subsets");
    }
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        drop_blank(
            meta,
            &[
                "name",
                "generateName",
                "namespace",
                "selfLink",
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
            ],
        );
        meta.retain(|key, value| {
            let empty_collection = matches!(
                key.as_str(),
                "labels" | "annotations" | "finalizers" | "ownerReferences" | "managedFields"
            ) && empty(value);
            let zero_generation = key == "generation" && value.as_i64() == Some(0);
            !(empty_collection || zero_generation)
        });
    }
}

/// Remove ownerReferences that repeat an earlier uid, as kube-apiserver does before admission, and
/// return the Warning it sends about them.
pub(crate) fn dedup_owner_references(object: &mut Value) -> Option<String> {
    let references = object
        .pointer_mut("/metadata/ownerReferences")?
        .as_array_mut()?;
    let mut seen: Vec<String> = Vec::new();
    let mut duplicates: Vec<String> = Vec::new();
    references.retain(|reference| {
        let uid = reference
            .get("uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if seen.contains(&uid) {
            if !duplicates.contains(&uid) {
                duplicates.push(uid);
            }
            false
        } else {
            seen.push(uid);
            true
        }
    });
    (!duplicates.is_empty()).then(|| {
        format!(
            ".metadata.ownerReferences contains duplicate entries; API server dedups owner references in 1.20+, and may reject such requests as early as 1.24; please fix your requests; duplicate UID(s) observed: {}",
            duplicates.join(", ")
        )
    })
}

/// The object as a list item: without `kind` and `apiVersion`, as kube-apiserver lists them.
pub(crate) fn list_item(object: &Value) -> Value {
    // See `canonical`: this cannot fail on plain JSON.
    serde_json::to_value(Canonical::item(object)).unwrap_or_else(|_| object.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_names_use_the_kubernetes_alphabet() {
        let name = generate_name(&"x".repeat(70));
        assert_eq!(name.len(), 63);
        assert!(name[58..].bytes().all(|b| NAME_ALPHABET.contains(&b)));
        assert!(generate_name("ep-").starts_with("ep-"));
    }

    #[test]
    fn go_round_trips_drop_empty_values() {
        let mut object = json!({"metadata": {"name": "a", "generateName": "", "generation": 0, "labels": {}},
            "subsets": [{"addresses": [{"ip": "1.2.3.4", "hostname": "", "nodeName": ""}],
                         "notReadyAddresses": [], "ports": [{"name": "", "port": 80, "appProtocol": ""}]}],
            "extra": null});
        omit_empty(&mut object);
        assert_eq!(
            object,
            json!({"metadata": {"name": "a"},
            "subsets": [{"addresses": [{"ip": "1.2.3.4", "nodeName": ""}], "ports": [{"port": 80, "appProtocol": ""}]}]})
        );
    }

    #[test]
    fn duplicate_owner_references_are_dropped_with_a_warning() {
        let mut object =
            json!({"metadata": {"ownerReferences": [{"uid": "a"}, {"uid": "b"}, {"uid": "a"}]}});
        let warning = dedup_owner_references(&mut object).unwrap();
        assert!(
            warning.ends_with("duplicate UID(s) observed: a"),
            "{warning}"
        );
        assert_eq!(
            object["metadata"]["ownerReferences"],
            json!([{"uid": "a"}, {"uid": "b"}])
        );
        assert!(dedup_owner_references(&mut object).is_none());
    }

    #[test]
    fn canonical_order_matches_go_structs() {
        let object = json!({"subsets": [{"ports": [{"protocol": "TCP", "port": 80}], "addresses": [{"ip": "1.2.3.4"}]}],
            "metadata": {"uid": "u", "name": "a"}, "apiVersion": "v1", "kind": "Endpoints"});
        let text = serde_json::to_string(&canonical(&object)).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"a","uid":"u"},"subsets":[{"addresses":[{"ip":"1.2.3.4"}],"ports":[{"port":80,"protocol":"TCP"}]}]}"#
        );
    }
}
