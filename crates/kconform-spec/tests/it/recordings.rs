//! Every recorded create request under `validation/` and `valid/` (and the other folders' 422s and
//! decode 400s) is replayed through the spec: the causes, messages and warnings must equal what the
//! real 1.28.7 and 1.36.2 servers answered.

use std::path::{Path, PathBuf};

use kconform_spec::K8sVersion;
use kconform_spec::cause::Cause;
use kconform_spec::validate::{invalid_message, validate};
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

/// Expands the recorder's `<N x 'c'>` abbreviation of long strings.
pub(crate) fn expand(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix("'>"))
                && let Some((count, ch)) = inner.split_once(" x '")
                && let Ok(count) = count.parse::<usize>()
            {
                *s = ch.repeat(count);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(expand),
        Value::Object(map) => map.values_mut().for_each(expand),
        _ => {}
    }
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

#[test]
fn create_validation_matches_every_recorded_answer() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for step in steps(&["validation", "valid", "create"]) {
        let request = &step.value["request"];
        let response = &step.value["response"];
        let body = &request["body"];
        if request["method"] != "POST"
            || !body.is_object()
            || !request["query"].as_array().is_some_and(Vec::is_empty)
        {
            continue;
        }
        let status = response["status"].as_u64().unwrap();
        let expected: Option<Vec<Cause>> = match status {
            201 => Some(Vec::new()),
            422 if response["body"]["details"]["kind"] == "Endpoints" => {
                Some(serde_json::from_value(response["body"]["details"]["causes"].clone()).unwrap())
            }
            _ => None,
        };
        let Some(expected) = expected else { continue };
        let actual = validate(body, step.version);
        checked += 1;
        if actual != expected {
            failures.push(format!(
                "{} ({}): expected {expected:#?}\nactual {actual:#?}",
                step.file, step.value["note"]
            ));
            continue;
        }
        if status == 422 {
            let name = response["body"]["details"]["name"].as_str().unwrap_or("");
            assert_eq!(
                invalid_message(name, &actual),
                response["body"]["message"],
                "{}",
                step.file
            );
        } else if step.file.contains("/valid") {
            let warnings: Vec<String> = ip_warnings(body, step.version)
                .iter()
                .map(|w| kconform_spec::warnings::header_value(w))
                .collect();
            assert_eq!(
                warnings,
                non_deprecation_warnings(&step.value),
                "{} warnings",
                step.file
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 60, "only {checked} recorded steps were checked");
}
