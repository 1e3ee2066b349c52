//! Watch stream frames (behaviour document §6.2–§6.4): one JSON event per line.

use serde_json::{Map, Value, json};

use crate::status::Status;
use crate::version::K8sVersion;

/// The annotation on the bookmark that ends the initial events of a streaming watch.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// Watch event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
    /// `BOOKMARK`.
    Bookmark,
    /// `ERROR`.
    Error,
}

impl EventType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
            EventType::Bookmark => "BOOKMARK",
            EventType::Error => "ERROR",
        }
    }
}

/// `{"type":…,"object":…}`.
pub fn event(kind: EventType, object: &Value) -> Value {
    json!({"type": kind.as_str(), "object": object})
}

/// One frame as written on the wire: Go's compact JSON and a newline.
pub fn event_line(kind: EventType, object: &Value) -> Vec<u8> {
    // A Value always serialises; the fallback keeps the frame well-formed regardless.
    crate::json::to_go_json(&event(kind, object)).unwrap_or_else(|_| b"{}\n".to_vec())
}

/// The `ERROR` event carrying a Status (e.g. [`Status::watch_too_old`]).
pub fn error_event(status: &Status) -> Value {
    let object = serde_json::to_value(status).unwrap_or(Value::Null);
    event(EventType::Error, &object)
}

/// A bookmark's object: an empty Endpoints with only `metadata.resourceVersion`, the initial-events-end
/// annotation when it ends a streaming watch's initial events, and `creationTimestamp: null` up to 1.33.
pub fn bookmark_object(resource_version: &str, initial_events_end: bool, v: K8sVersion) -> Value {
    let mut metadata = Map::new();
    metadata.insert(
        "resourceVersion".to_owned(),
        Value::String(resource_version.to_owned()),
    );
    if !v.at_least(34) {
        metadata.insert("creationTimestamp".to_owned(), Value::Null);
    }
    if initial_events_end {
        metadata.insert(
            "annotations".to_owned(),
            json!({INITIAL_EVENTS_END_ANNOTATION: "true"}),
        );
    }
    json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": metadata})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookmarks_per_version() {
        assert_eq!(
            bookmark_object("5", false, K8sVersion::new(28)),
            json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": "5", "creationTimestamp": null}})
        );
        assert_eq!(
            String::from_utf8(event_line(
                EventType::Bookmark,
                &bookmark_object("5", true, K8sVersion::new(36))
            ))
            .unwrap(),
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Endpoints\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"5\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}\n"
        );
    }

    #[test]
    fn error_event_wraps_the_status() {
        let e = error_event(&Status::watch_too_old(1, 7));
        assert_eq!(e["type"], "ERROR");
        assert_eq!(e["object"]["message"], "too old resource version: 1 (7)");
        assert_eq!(e["object"]["code"], 410);
        assert_eq!(e["object"]["metadata"], json!({}));
    }
}
