//! Every recorded request's query options (and DELETE bodies) go through the spec's option handling;
//! the spec must reject exactly the requests the real servers rejected at that stage, with the same
//! Status, and accept the others.

// The spec's option functions return the `Status` body itself as their error (see `options`).
#![allow(clippy::result_large_err)]

use kconform_spec::K8sVersion;
use kconform_spec::options::{
    ReadKind, WriteKind, check_continue_with_resource_version, check_field_selector_fields,
    check_named_watch, decode_continue, parse_delete_options, parse_list_options_for,
    parse_resource_version, parse_write_options, validate_list_options,
};
use kconform_spec::status::Status;
use serde_json::Value;

use crate::recordings::steps;

/// Re-encodes a recorded continue token placeholder from its decoded form, when its rv is a number.
fn resolve_continue(step: &Value, placeholder: &str) -> Option<String> {
    let decoded = step["continue_tokens"].get(placeholder)?;
    decoded["rv"].as_i64()?;
    let mut json = kconform_spec::json::to_go_json(decoded).ok()?;
    json.pop();
    Some(base64_url(&json))
}

fn base64_url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn query(step: &Value) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in step["request"]["query"].as_array()? {
        let key = pair[0].as_str()?.to_owned();
        let mut value = pair[1].as_str()?.to_owned();
        if value.starts_with("<continue-") {
            value = resolve_continue(step, &value)?;
        } else if value.starts_with("<rv-") {
            value = "12345".to_owned();
        }
        // The recorder writes the namespace as "<ns>"; any namespace name stands in for it.
        value = value.replace("<ns>", "ns");
        out.push((key, value));
    }
    Some(out)
}

fn list_outcome(query: &[(String, String)], path: &str, v: K8sVersion) -> Result<(), Status> {
    let watch_path = path.contains("/watch/");
    let mut opts = parse_list_options_for(query, v)?;
    opts.watch |= watch_path;
    validate_list_options(&mut opts, v)?;
    check_field_selector_fields(&opts)?;
    if watch_path && !path.ends_with("/endpoints") {
        check_named_watch(&opts, path.rsplit('/').next().unwrap_or(""))?;
    }
    let kind = if opts.watch {
        ReadKind::Watch
    } else {
        ReadKind::List
    };
    parse_resource_version(&opts.resource_version, kind, v)?;
    if !opts.watch && !opts.continue_token.is_empty() {
        check_continue_with_resource_version(&opts)?;
        decode_continue(&opts.continue_token)?;
    }
    Ok(())
}

/// Errors decided later than option handling (selectors, storage, admission …) are not the spec's to judge here.
fn later_stage(message: &str) -> bool {
    [
        "not found",
        "already exists",
        "Operation cannot",
        "too old",
        "Timeout",
        "mvcc",
        "is invalid: metadata",
        "is invalid: subsets",
        "name of the object",
        "namespace of the provided",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// True when the recorded answer is a rejection decided while handling options (not by decoding,
/// validation of the object, patching or storage).
fn is_options_error(status: u64, method: &str, response: &Value, message: &str) -> bool {
    if !matches!(status, 400 | 422 | 500) || later_stage(message) {
        return false;
    }
    if (status == 500 && method == "POST")
        || (status == 422 && response["body"]["details"]["kind"] == "Endpoints")
    {
        return false;
    }
    let decided_elsewhere = [
        " \"\" is invalid: patch",
        "the server rejected our request due to an error in our request",
        "the object provided is unrecognized",
        "invalid object type",
        "metadata.managedFields",
        "failed to create typed patch",
        "error decoding patch",
    ];
    !message.contains("cannot be handled as a Endpoints")
        && !decided_elsewhere.iter().any(|m| message.starts_with(m))
}

#[test]
fn option_handling_matches_every_recorded_answer() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for step in steps(&[
        "list",
        "watch",
        "get",
        "create",
        "replace",
        "patch",
        "delete",
        "deletecollection",
    ]) {
        let request = &step.value["request"];
        let response = &step.value["response"];
        let Some(query) = query(&step.value) else {
            continue;
        };
        let path = request["path"].as_str().unwrap_or("");
        let method = request["method"].as_str().unwrap_or("");
        let collection = path.ends_with("/endpoints");
        let watch_path = path.contains("/watch/");
        let content_type = request["headers"]["Content-Type"].as_str().unwrap_or("");
        let body: Vec<u8> = match &request["body"] {
            Value::Null => Vec::new(),
            Value::String(s) => s.as_bytes().to_vec(),
            other => serde_json::to_vec(other).unwrap(),
        };
        let outcome: Result<(), Status> = match (method, collection) {
            ("GET", true) => list_outcome(&query, path, step.version),
            ("GET", false) if watch_path => list_outcome(&query, path, step.version),
            ("POST", _) => parse_write_options(&query, WriteKind::Create, step.version).map(|_| ()),
            ("PUT", _) => parse_write_options(&query, WriteKind::Update, step.version).map(|_| ()),
            ("PATCH", _) => {
                let apply = content_type.starts_with("application/apply-patch");
                parse_write_options(&query, WriteKind::Patch { apply }, step.version).map(|_| ())
            }
            ("DELETE", true) => parse_list_options_for(&query, step.version)
                .and_then(|mut o| {
                    validate_list_options(&mut o, step.version)
                        .and_then(|()| check_field_selector_fields(&o))
                })
                .and_then(|()| parse_delete_options(&body, &query, step.version).map(|_| ())),
            ("DELETE", false) => parse_delete_options(&body, &query, step.version).map(|_| ()),
            _ => continue,
        };
        let status = response["status"].as_u64().unwrap_or(0);
        let recorded_message = response["body"]["message"].as_str().unwrap_or("");
        let recorded_is_options_error =
            is_options_error(status, method, response, recorded_message);
        let verdict = match (&outcome, recorded_is_options_error) {
            (Ok(()), false) => Ok(()),
            (Err(ours), true) => {
                let recorded: Status = serde_json::from_value(response["body"].clone()).unwrap();
                if *ours == recorded {
                    Ok(())
                } else {
                    Err(format!("ours {ours:?}\nrecorded {recorded:?}"))
                }
            }
            (Ok(()), true) => Err(format!(
                "accepted, but recorded {status} {recorded_message}"
            )),
            (Err(ours), false) => Err(format!(
                "rejected with {} {}, but recorded {status}",
                ours.code, ours.message
            )),
        };
        match verdict {
            Ok(()) => checked += 1,
            Err(e) => failures.push(format!(
                "{} {method} {path} {:?}: {e}",
                step.file, request["query"]
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 200, "only {checked} recorded steps were checked");
    eprintln!("checked {checked} recorded steps");
}
