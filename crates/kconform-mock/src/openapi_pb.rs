//! The OpenAPI v2 document in gnostic's protobuf form (`openapi_v2.Document`), which kubectl up to 1.28
//! asks for (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) to learn whether the
//! server supports `fieldValidation`.
//!
//! Only what clients read is encoded: paths with their operations (operationId, parameters and the
//! `x-kubernetes-*` vendor extensions). Schemas are left out, so clients use their built-in types.
//! Field numbers are those of gnostic's `OpenAPIv2.proto`.

use serde_json::Value;

/// A protobuf message being written.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn key(&mut self, field: u32, wire_type: u8) {
        self.varint((u64::from(field) << 3) | u64::from(wire_type));
    }

    fn bytes(&mut self, field: u32, data: &[u8]) {
        self.key(field, 2);
        self.varint(data.len() as u64);
        self.0.extend_from_slice(data);
    }

    fn string(&mut self, field: u32, text: &str) {
        if !text.is_empty() {
            self.bytes(field, text.as_bytes());
        }
    }

    fn boolean(&mut self, field: u32, value: bool) {
        if value {
            self.key(field, 0);
            self.varint(1);
        }
    }

    fn message(&mut self, field: u32, message: Message) {
        self.bytes(field, &message.0);
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `NamedAny` with a YAML value (how gnostic carries vendor extensions).
fn vendor_extension(name: &str, value: &Value) -> Message {
    let yaml = match value {
        Value::String(s) => format!("{s}\n"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some("") => format!("{k}: \"\"\n"),
                Some(s) => format!("{k}: {s}\n"),
                None => format!("{k}: {v}\n"),
            })
            .collect(),
        other => format!("{other}\n"),
    };
    let mut any = Message::default();
    any.string(2, &yaml);
    let mut named = Message::default();
    named.string(1, name);
    named.message(2, any);
    named
}

/// `ParametersItem`: an inline query or path parameter, or a `$ref`.
fn parameter(param: &Value) -> Message {
    let mut item = Message::default();
    if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
        let mut json_reference = Message::default();
        json_reference.string(1, reference);
        item.message(2, json_reference);
        return item;
    }
    let mut sub_schema = Message::default();
    let required = param
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (field, type_field) = match text(param, "in") {
        "path" => (4, 5),
        "query" => (3, 6),
        // Body and header parameters carry schemas clients do not read from this document.
        _ => return item,
    };
    sub_schema.boolean(1, required);
    sub_schema.string(2, text(param, "in"));
    sub_schema.string(4, text(param, "name"));
    sub_schema.string(type_field, text(param, "type"));
    let mut non_body = Message::default();
    non_body.message(field, sub_schema);
    let mut parameter = Message::default();
    parameter.message(2, non_body);
    item.message(1, parameter);
    item
}

fn operation(op: &Value) -> Message {
    let mut message = Message::default();
    message.string(5, text(op, "operationId"));
    for param in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        message.message(8, parameter(param));
    }
    if let Some(map) = op.as_object() {
        for (key, value) in map.iter().filter(|(k, _)| k.starts_with("x-")) {
            message.message(13, vendor_extension(key, value));
        }
    }
    message
}

/// Encode the (JSON) OpenAPI v2 document as `openapi_v2.Document`.
pub(crate) fn encode(doc: &Value) -> Vec<u8> {
    let mut document = Message::default();
    document.string(1, text(doc, "swagger"));
    if let Some(info) = doc.get("info") {
        let mut message = Message::default();
        message.string(1, text(info, "title"));
        message.string(2, text(info, "version"));
        document.message(2, message);
    }
    let mut paths = Message::default();
    for (name, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut path_item = Message::default();
        for (method, field) in [
            ("get", 2),
            ("put", 3),
            ("post", 4),
            ("delete", 5),
            ("patch", 8),
        ] {
            if let Some(op) = item.get(method) {
                path_item.message(field, operation(op));
            }
        }
        for param in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            path_item.message(9, parameter(param));
        }
        let mut named = Message::default();
        named.string(1, name);
        named.message(2, path_item);
        paths.message(2, named);
    }
    document.message(8, paths);
    document.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn varints_and_nesting_follow_the_wire_format() {
        let mut message = Message::default();
        message.varint(300);
        assert_eq!(message.0, [0xac, 0x02]);
        let doc = json!({"swagger": "2.0", "paths": {"/a": {"patch": {"operationId": "p",
            "parameters": [{"name": "fieldValidation", "in": "query", "type": "string"}],
            "x-kubernetes-group-version-kind": {"group": "", "kind": "Endpoints", "version": "v1"}}}}});
        let bytes = encode(&doc);
        assert_eq!(&bytes[..5], &[0x0a, 0x03, b'2', b'.', b'0']);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("fieldValidation"));
        assert!(text.contains("group: \"\"\nkind: Endpoints\nversion: v1\n"));
    }
}
