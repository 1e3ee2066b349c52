//! Recorded PUT and merge-PATCH requests against a stored object: `validate_update` must give the causes
//! the real servers gave (duplicated metadata causes included) and accept what they accepted.

use kconform_spec::cause::Cause;
use kconform_spec::validate::{invalid_message, validate_update};
use serde_json::{Map, Value};

use crate::recordings::steps;

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return patch.clone();
    };
    let mut out = match target {
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

#[test]
fn update_validation_matches_every_recorded_answer() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut stored: Option<(String, Value)> = None;
    let mut last_file = String::new();
    for step in steps(&["replace", "patch", "delete"]) {
        if step.file != last_file {
            stored = None;
            last_file = step.file.clone();
        }
        let request = &step.value["request"];
        let response = &step.value["response"];
        let method = request["method"].as_str().unwrap_or("");
        let status = response["status"].as_u64().unwrap_or(0);
        let content_type = request["headers"]["Content-Type"].as_str().unwrap_or("");
        let is_update = method == "PUT"
            || (method == "PATCH" && content_type == "application/merge-patch+json");
        if is_update
            && let Some((_, old)) = &stored
            && request["query"].as_array().is_some_and(Vec::is_empty)
        {
            let new = if method == "PUT" {
                request["body"].clone()
            } else {
                merge_patch(old, &request["body"])
            };
            let same_identity = new["metadata"]["name"] == old["metadata"]["name"];
            let stale = new["metadata"]["resourceVersion"]
                .as_str()
                .is_some_and(|rv| rv != old["metadata"]["resourceVersion"]);
            if same_identity
                && !stale
                && new["metadata"]
                    .get("namespace")
                    .is_none_or(|ns| ns == "<ns>")
            {
                // The recorder writes the namespace as "<ns>"; any real namespace name stands in for it.
                let (mut new, mut old) = (new.clone(), old.clone());
                for obj in [&mut new, &mut old] {
                    if obj["metadata"].get("namespace").is_some() {
                        obj["metadata"]["namespace"] = Value::String("ns".into());
                    }
                }
                let causes = validate_update(&new, &old, step.version);
                let verdict = match status {
                    200 => causes
                        .is_empty()
                        .then_some(())
                        .ok_or(format!("recorded 200, causes {causes:#?}")),
                    422 if response["body"]["details"]["kind"] == "Endpoints" => {
                        let expected: Vec<Cause> =
                            serde_json::from_value(response["body"]["details"]["causes"].clone())
                                .unwrap();
                        let message_ok =
                            invalid_message("ep-1", &causes) == response["body"]["message"];
                        (causes == expected && message_ok)
                            .then_some(())
                            .ok_or(format!("expected {expected:#?}\nactual {causes:#?}"))
                    }
                    _ => Ok(()),
                };
                match verdict {
                    Ok(()) => checked += 1,
                    Err(e) => failures.push(format!("{} ({}): {e}", step.file, step.value["note"])),
                }
            }
        }
        if matches!(status, 200 | 201) && response["body"]["kind"] == "Endpoints" {
            let name = response["body"]["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            stored = Some((name, response["body"].clone()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked >= 20,
        "only {checked} recorded updates were checked"
    );
    eprintln!("checked {checked} recorded updates");
}

#[test]
fn strict_patch_rejections_match_the_recorded_422() {
    use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
    use kconform_spec::patch::{PatchFormat, merge_patch, patch_invalid};
    use kconform_spec::status::Status;

    let mut checked = 0;
    let mut stored: Option<Value> = None;
    let mut last_file = String::new();
    for step in steps(&["patch"]) {
        if step.file != last_file {
            stored = None;
            last_file = step.file.clone();
        }
        let request = &step.value["request"];
        let response = &step.value["response"];
        let content_type = request["headers"]["Content-Type"].as_str().unwrap_or("");
        let strict = request["query"].as_array().is_some_and(|q| {
            q.iter()
                .any(|p| p[0] == "fieldValidation" && p[1] == "Strict")
        });
        if let (Some(format), Some(original), true) = (
            PatchFormat::from_content_type(content_type),
            &stored,
            strict,
        ) {
            let patch = &request["body"];
            let patched = merge_patch(original, patch);
            // The recorder replaced timestamps with "<time>"; decoding needs a real one (only the unknown
            // fields matter for the strict error).
            let for_decoding = serde_json::to_string(&patched)
                .unwrap()
                .replace("<time>", "2026-01-01T00:00:00Z");
            let decoded =
                decode_endpoints_for(for_decoding.as_bytes(), BodyFormat::Json, step.version)
                    .unwrap();
            let error = decoded
                .strict_error()
                .expect("a strict patch in the recordings has unknown fields");
            let inner = error.to_string();
            let inner = inner
                .split_once("cannot be handled as a Endpoints: ")
                .map(|(_, e)| e)
                .unwrap_or(&inner);
            let mut built = patch_invalid(format, original, patch, &patched, inner);
            // Go escapes '<' and '>' in the document; the recorder's "<time>"-style placeholders were written
            // into the message afterwards, so they appear unescaped in the recording.
            let unescape = |s: &str| s.replace("\\\\u003c", "<").replace("\\\\u003e", ">");
            built.message = unescape(&built.message);
            for cause in &mut built.details.as_mut().unwrap().causes {
                cause.message = unescape(&cause.message);
            }
            let recorded: Status = serde_json::from_value(response["body"].clone()).unwrap();
            assert_eq!(built, recorded, "{}", step.file);
            checked += 1;
        }
        if matches!(response["status"].as_u64(), Some(200 | 201))
            && response["body"]["kind"] == "Endpoints"
        {
            stored = Some(response["body"].clone());
        }
    }
    assert!(checked >= 4, "only {checked} strict patches checked");
}
