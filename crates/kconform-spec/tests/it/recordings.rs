//! Every recorded create request under `validation/` and `valid/` (and the other folders' 422s and
//! decode 400s) is replayed through the spec: the causes, messages and warnings must equal what the
//! real 1.28.7 and 1.36.2 servers answered.

use std::path::{Path, PathBuf};

use kconform_spec::K8sVersion;
use kconform_spec::cause::Cause;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::validate::{invalid_message, validate};
use kconform_spec::warnings::header_value;
use kconform_spec::warnings::ip_warnings;
use serde_json::Value;

pub(crate) fn transcripts_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../transcripts")
}

pub(crate) const SERVERS: [(&str, u32); 2] = [
    ("kube-apiserver-v1.28.7", 28),
    ("kube-apiserver-v1.36.2", 36),
];

pub(crate) struct Step {
    pub(crate) file: String,
    pub(crate) version: K8sVersion,
    pub(crate) value: Value,
}

/// Expands the recorder's `<N x 'c'>` abbreviation of long strings ([`kconform_spec::notation`], the one reader
/// of the recordings' notation).
pub(crate) fn expand(value: &mut Value) {
    let opaque = kconform_spec::notation::expand_long_strings(value);
    assert!(
        opaque.is_empty(),
        "unexpandable strings in a recording: {opaque:?}"
    );
}

pub(crate) fn steps(folders: &[&str]) -> Vec<Step> {
    let mut out = Vec::new();
    for (server, minor) in SERVERS {
        for folder in folders {
            let dir = transcripts_root().join(server).join(folder);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let scenario: Value = serde_json::from_str(&text).unwrap();
                for step in scenario["steps"].as_array().unwrap() {
                    let mut step = step.clone();
                    expand(&mut step["request"]["body"]);
                    out.push(Step {
                        file: format!(
                            "{server}/{folder}/{}",
                            file.file_name().unwrap().to_string_lossy()
                        ),
                        version: K8sVersion::new(minor),
                        value: step,
                    });
                }
            }
        }
    }
    out
}

fn non_deprecation_warnings(step: &Value) -> Vec<String> {
    step["response"]["headers"]["Warning"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(Value::as_str)
                .filter(|w| !w.contains("is deprecated"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Replays a recorded POST through decode → default → validate → warnings and compares with the answer.
/// Returns `None` when the step is not a create whose outcome the spec decides.
fn replay_create(step: &Step) -> Option<Result<(), String>> {
    let request = &step.value["request"];
    let response = &step.value["response"];
    if request["method"] != "POST"
        || !request["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/endpoints"))
    {
        return None;
    }
    let mut field_validation = "Warn";
    for pair in request["query"].as_array()? {
        match (pair[0].as_str()?, pair[1].as_str()?) {
            ("fieldValidation", v) => {
                field_validation = if v == "Strict" || v == "Ignore" {
                    v
                } else {
                    "Warn"
                }
            }
            _ => return None,
        }
    }
    let format = match request["headers"]["Content-Type"].as_str() {
        None | Some("application/json") => BodyFormat::Json,
        Some("application/yaml") => BodyFormat::Yaml,
        Some(_) => return None,
    };
    let body: Vec<u8> = match &request["body"] {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Null => Vec::new(),
        other => serde_json::to_vec(other).unwrap(),
    };
    let status = response["status"].as_u64()?;
    let recorded_message = response["body"]["message"].as_str().unwrap_or("");
    let outcome = decode_endpoints_for(&body, format, step.version);
    let decoded = match outcome {
        Err(e) => {
            return Some(if status == 400 && recorded_message == e.to_string() {
                Ok(())
            } else {
                Err(format!(
                    "decode error {e} but recorded {status} {recorded_message}"
                ))
            });
        }
        Ok(decoded) => decoded,
    };
    if field_validation == "Strict"
        && let Some(e) = decoded.strict_error()
    {
        return Some(if status == 400 && recorded_message == e.to_string() {
            Ok(())
        } else {
            Err(format!("strict error {e}, recorded {status}"))
        });
    }
    let mut object = decoded.object.clone();
    // The handler takes the namespace from the URL; a differing body namespace is a 400 before validation.
    if object["metadata"]
        .get("namespace")
        .is_some_and(|ns| ns != "<ns>")
    {
        return None;
    }
    if object["metadata"].get("resourceVersion").is_some() {
        return None;
    }
    kconform_spec::defaults::default_endpoints(&mut object);
    let causes = validate(&object, step.version);
    match status {
        201 => {
            if !causes.is_empty() {
                return Some(Err(format!("recorded 201 but causes {causes:#?}")));
            }
            let mut warnings: Vec<String> = if field_validation == "Warn" {
                decoded.warnings()
            } else {
                Vec::new()
            };
            warnings.extend(ip_warnings(&object, step.version));
            let headers: Vec<String> = warnings.iter().map(|w| header_value(w)).collect();
            let recorded = non_deprecation_warnings(&step.value);
            Some(if headers == recorded {
                Ok(())
            } else {
                Err(format!("warnings {headers:?} != recorded {recorded:?}"))
            })
        }
        422 if response["body"]["details"]["kind"] == "Endpoints" => {
            let expected: Vec<Cause> =
                serde_json::from_value(response["body"]["details"]["causes"].clone()).unwrap();
            // The recordings normalize Go pointer addresses; so must we, before comparing.
            let causes: Vec<Cause> = causes
                .into_iter()
                .map(|c| Cause {
                    message: normalize_pointers(&c.message),
                    ..c
                })
                .collect();
            if causes != expected {
                return Some(Err(format!("expected {expected:#?}\nactual {causes:#?}")));
            }
            let name = response["body"]["details"]["name"].as_str().unwrap_or("");
            Some(
                if normalize_pointers(&invalid_message(name, &causes)) == recorded_message {
                    Ok(())
                } else {
                    Err("422 message differs".into())
                },
            )
        }
        _ => None,
    }
}

/// Replaces Go pointer addresses as the recordings do: `(*bool)(0xc000123450)` becomes
/// `(*bool)(<pointer>)`.
fn normalize_pointers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(")(0x") {
        let (head, tail) = rest.split_at(at + 2);
        let digits = tail[2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        if digits > 0 && tail[2 + digits..].starts_with(')') {
            out.push_str(head);
            out.push_str("<pointer>");
            rest = &tail[2 + digits..];
        } else {
            out.push_str(head);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn create_pipeline_matches_every_recorded_answer() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for step in steps(&["validation", "valid", "create"]) {
        match replay_create(&step) {
            None => {}
            Some(Ok(())) => checked += 1,
            Some(Err(e)) => failures.push(format!("{} ({}): {e}", step.file, step.value["note"])),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 90, "only {checked} recorded steps were checked");
    eprintln!("checked {checked} recorded create steps");
}

#[test]
fn every_validation_recording_is_replayed() {
    let mut skipped = Vec::new();
    for step in steps(&["validation", "valid"]) {
        if step.value["request"]["method"] == "POST" && replay_create(&step).is_none() {
            skipped.push(format!("{} ({})", step.file, step.value["note"]));
        }
    }
    assert!(
        skipped.is_empty(),
        "recorded creates the spec did not judge: {skipped:#?}"
    );
}
