//! The texts kube-apiserver puts in a non-apply PATCH's 422 (behaviour document §3.1, §5.4): when the
//! patched object fails strict decoding or a type check, the cause value is the patched document as
//! `evanphx/json-patch` re-encoded it (merge and JSON patches) or Go's `%+v` of the patch map
//! (strategic merge patch).
//!
//! `evanphx/json-patch` keeps untouched values as their original bytes and re-encodes every object it
//! had to open as a Go map, whose keys `encoding/json` sorts. So the document's top level is sorted,
//! objects the patch merged into are sorted, values taken from a merge patch are sorted all the way
//! down, and everything else keeps the stored order.

use serde_json::{Map, Value};

use crate::status::Status;

/// The PATCH content types that are not server-side apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchFormat {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
}

impl PatchFormat {
    /// The format for a PATCH `Content-Type` (parameters after `;` ignored); `None` for apply and unknown types.
    pub fn from_content_type(content_type: &str) -> Option<PatchFormat> {
        match content_type.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(PatchFormat::Json),
            "application/merge-patch+json" => Some(PatchFormat::Merge),
            "application/strategic-merge-patch+json" => Some(PatchFormat::Strategic),
            _ => None,
        }
    }
}

fn sorted_deep(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_deep(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_deep).collect()),
        other => other.clone(),
    }
}

fn sort_keys(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// RFC 7386 applied the way `evanphx/json-patch` `MergePatch` renders it (see the module documentation).
fn merge_rendered(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return sorted_deep(patch);
    };
    let mut out: Map<String, Value> = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_map {
        if value.is_null() {
            out.remove(key);
            continue;
        }
        let merged = match (out.get(key), value) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) => {
                merge_rendered(existing, value)
            }
            _ => sorted_deep(&prune_nulls(value)),
        };
        out.insert(key.clone(), merged);
    }
    Value::Object(sort_keys(out))
}

fn prune_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), prune_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(prune_nulls).collect()),
        other => other.clone(),
    }
}

/// Applies an RFC 7386 merge patch (plain semantics, key order as in `target`, new keys appended).
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return patch.clone();
    };
    let mut out: Map<String, Value> = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_map {
        if value.is_null() {
            out.remove(key);
        } else {
            let merged = merge_patch(out.get(key).unwrap_or(&Value::Null), value);
            out.insert(key.clone(), merged);
        }
    }
    Value::Object(out)
}

/// Re-renders an already patched document for a JSON patch: the top level and every object on an
/// operation's path are sorted, all else keeps its order.
fn json_patch_rendered(patched: &Value, operations: &Value) -> Value {
    let paths: Vec<Vec<String>> = operations
        .as_array()
        .map(|ops| {
            ops.iter()
                .flat_map(|op| {
                    ["path", "from"]
                        .into_iter()
                        .filter_map(move |k| op.get(k).and_then(Value::as_str))
                })
                .map(|p| {
                    p.split('/')
                        .skip(1)
                        .map(|t| t.replace("~1", "/").replace("~0", "~"))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    fn walk(value: &Value, prefix: &mut Vec<String>, paths: &[Vec<String>]) -> Value {
        let touched = prefix.is_empty()
            || paths
                .iter()
                .any(|p| p.len() > prefix.len() && p.starts_with(prefix));
        match value {
            Value::Object(map) if touched => {
                let mut out = Map::new();
                for (k, v) in map {
                    prefix.push(k.clone());
                    out.insert(k.clone(), walk(v, prefix, paths));
                    prefix.pop();
                }
                Value::Object(sort_keys(out))
            }
            Value::Array(items) if touched => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        prefix.push(i.to_string());
                        let out = walk(v, prefix, paths);
                        prefix.pop();
                        out
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(patched, &mut Vec::new(), &paths)
}

/// Go's `fmt.Sprintf("%+v", v)` of a value decoded into `interface{}` (maps sorted, numbers as float64).
pub fn go_plus_v(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) => go_float(f),
            None => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_plus_v).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_plus_v(&map[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%v` of a float64: `80`, `1.5`, `1e+21` (strconv 'g' with the shortest representation).
fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    let exponent = f.abs().log10().floor() as i32;
    if (-4..21).contains(&exponent) {
        let text = format!("{f}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    } else {
        let text = format!("{f:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// The text kube-apiserver quotes as the `patch` cause's value.
///
/// `original` is the stored object (in its stored key order), `patch` the request's patch document and
/// `patched` the result of applying it (used for JSON patches only).
pub fn rendered_patch_value(
    format: PatchFormat,
    original: &Value,
    patch: &Value,
    patched: &Value,
) -> String {
    let value = match format {
        PatchFormat::Strategic => return go_plus_v(patch),
        PatchFormat::Merge => merge_rendered(original, patch),
        PatchFormat::Json => json_patch_rendered(patched, patch),
    };
    let mut bytes = crate::json::to_go_json(&value).unwrap_or_default();
    bytes.pop();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The 422 for a non-apply PATCH whose result fails decoding: `error` is the decoder's text, e.g.
/// `strict decoding error: unknown field "foo"` or `json: cannot unmarshal …`.
pub fn patch_invalid(
    format: PatchFormat,
    original: &Value,
    patch: &Value,
    patched: &Value,
    error: &str,
) -> Status {
    Status::invalid_patch(
        &rendered_patch_value(format, original, patch, patched),
        error,
    )
}

/// A JSON patch body read as kube-apiserver's jsonPatcher reads it (`handlers/patch.go`,
/// `applyJSPatch`): with `fieldValidation` Strict or Warn first strictly into `[]jsonPatchOp`
/// (`op`, `path`, `from` strings and any `value`), whose type errors are a 400 `error decoding
/// patch: json: …` and whose unknown and duplicate keys are strict problems (`json patch unknown
/// field "[0].foo"`); then always by `jsonpatch.DecodePatch` into `[]map[string]*json.RawMessage`,
/// whose type errors are a 400 with the bare `json: …` text. Gives the operations (`null` is none)
/// and the strict problems, in document order.
///
/// # Errors
/// The 400 Status of the first stage that fails, with Go's texts.
pub fn decode_json_patch(bytes: &[u8], strict_stage: bool) -> Result<(Value, Vec<String>), Status> {
    use crate::gojson::Node;
    let node =
        crate::gojson::parse(bytes).map_err(|err| Status::patch_decode_failed(&err.to_string()))?;
    let unmarshal = |kind: &str, into: &str| format!("json: cannot unmarshal {kind} into {into}");
    let mut problems = Vec::new();
    if strict_stage {
        // encoding/json records the first type error and goes on; it is the one returned.
        let mut first_error: Option<String> = None;
        match &node {
            Node::Null => {}
            Node::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Null => {}
                        Node::Object(members) => {
                            let mut seen: Vec<&str> = Vec::new();
                            for (key, value) in members {
                                if seen.contains(&key.as_str()) {
                                    problems.push(format!(
                                        "json patch duplicate field \"[{i}].{key}\""
                                    ));
                                } else {
                                    seen.push(key);
                                }
                                match key.as_str() {
                                    "op" | "path" | "from" => {
                                        if !matches!(value, Node::String(_) | Node::Null) {
                                            first_error.get_or_insert_with(|| {
                                                unmarshal(
                                                    value.kind_word(),
                                                    &format!("Go struct field jsonPatchOp.{key} of type string"),
                                                )
                                            });
                                        }
                                    }
                                    "value" => {}
                                    _ => problems
                                        .push(format!("json patch unknown field \"[{i}].{key}\"")),
                                }
                            }
                        }
                        other => {
                            first_error.get_or_insert_with(|| {
                                unmarshal(
                                    other.kind_word(),
                                    "Go value of type handlers.jsonPatchOp",
                                )
                            });
                        }
                    }
                }
            }
            other => {
                first_error = Some(unmarshal(
                    other.kind_word(),
                    "Go value of type []handlers.jsonPatchOp",
                ));
            }
        }
        if let Some(error) = first_error {
            return Err(Status::patch_decode_failed(&error));
        }
    }
    match &node {
        Node::Null => return Ok((Value::Array(Vec::new()), problems)),
        Node::Array(items) => {
            if let Some(item) = items
                .iter()
                .find(|item| !matches!(item, Node::Null | Node::Object(_)))
            {
                return Err(Status::bad_request(unmarshal(
                    item.kind_word(),
                    "Go value of type jsonpatch.Operation",
                )));
            }
        }
        other => {
            return Err(Status::bad_request(unmarshal(
                other.kind_word(),
                "Go value of type jsonpatch.Patch",
            )));
        }
    }
    Ok((node.to_value(), problems))
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_patch_bodies_are_read_with_go_s_texts() {
        let read = |body: &str, strict: bool| super::decode_json_patch(body.as_bytes(), strict);
        let message = |body: &str, strict: bool| read(body, strict).unwrap_err().message;
        assert_eq!(
            message(r#"{"metadata":{}}"#, true),
            "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"
        );
        assert_eq!(
            message(r#"{"metadata":{}}"#, false),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        assert_eq!(
            message(r#"[{"op":1,"path":"/a"}]"#, true),
            "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string"
        );
        assert_eq!(
            message("[3]", true),
            "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp"
        );
        assert_eq!(
            message("[3]", false),
            "json: cannot unmarshal number into Go value of type jsonpatch.Operation"
        );
        assert_eq!(read("null", true).unwrap().0, serde_json::json!([]));
        let (ops, problems) = read(
            r#"[{"op":"add","path":"/a","value":1,"foo":2,"op":"add"}]"#,
            true,
        )
        .unwrap();
        assert_eq!(ops[0]["path"], "/a");
        assert_eq!(
            problems,
            [
                r#"json patch unknown field "[0].foo""#,
                r#"json patch duplicate field "[0].op""#
            ]
        );
        assert!(
            read(r#"[{"op":"add","path":"/a","foo":2}]"#, false)
                .unwrap()
                .1
                .is_empty()
        );
    }

    use super::*;
    use serde_json::json;

    fn stored() -> Value {
        json!({"kind": "Endpoints", "apiVersion": "v1",
               "metadata": {"name": "ep-1", "namespace": "ns", "managedFields": [{"manager": "m", "operation": "Update"}]},
               "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]})
    }

    #[test]
    fn merge_patch_rendering_matches_the_recording_shape() {
        let patch = json!({"foo": "bar", "metadata": {"labels": {"mode": "strict"}}});
        let text = rendered_patch_value(PatchFormat::Merge, &stored(), &patch, &Value::Null);
        assert_eq!(
            text,
            r#"{"apiVersion":"v1","foo":"bar","kind":"Endpoints","metadata":{"labels":{"mode":"strict"},"managedFields":[{"manager":"m","operation":"Update"}],"name":"ep-1","namespace":"ns"},"subsets":[{"addresses":[{"ip":"10.1.2.3"}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}]}"#
        );
        let status = patch_invalid(
            PatchFormat::Merge,
            &stored(),
            &patch,
            &Value::Null,
            "strict decoding error: unknown field \"foo\"",
        );
        assert!(
            status
                .message
                .starts_with(" \"\" is invalid: patch: Invalid value: \"{\\\"apiVersion\\\"")
        );
        assert_eq!(status.code, 422);
    }

    #[test]
    fn strategic_patch_uses_go_map_formatting() {
        assert_eq!(go_plus_v(&json!({"foo": "bar"})), "map[foo:bar]");
        assert_eq!(
            go_plus_v(&json!({"b": [1, 2.5, null], "a": {"x": true}})),
            "map[a:map[x:true] b:[1 2.5 <nil>]]"
        );
        assert_eq!(go_float(1e21), "1e+21");
        let status = patch_invalid(
            PatchFormat::Strategic,
            &stored(),
            &json!({"foo": "bar"}),
            &Value::Null,
            "strict decoding error: unknown field \"foo\"",
        );
        assert_eq!(
            status.message,
            " \"\" is invalid: patch: Invalid value: \"map[foo:bar]\": strict decoding error: unknown field \"foo\""
        );
    }

    #[test]
    fn json_patch_sorts_only_touched_objects() {
        let ops = json!([{"op": "add", "path": "/metadata/labels", "value": {"z": "1", "a": "2"}}]);
        let mut patched = stored();
        patched["metadata"]["labels"] = json!({"z": "1", "a": "2"});
        let text = rendered_patch_value(PatchFormat::Json, &stored(), &ops, &patched);
        assert!(text.starts_with(r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"labels":{"z":"1","a":"2"},"managedFields""#), "{text}");
        assert_eq!(
            merge_patch(
                &json!({"a": 1, "b": {"c": 2}}),
                &json!({"b": {"c": null, "d": 3}})
            ),
            json!({"a": 1, "b": {"d": 3}})
        );
        assert_eq!(
            PatchFormat::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchFormat::Merge)
        );
    }
}
