//! Every EndpointSlice create recorded under `transcripts/endpointslice/` (`create/`, `validation/`)
//! is replayed through the spec alone: decoding (400s and unknown-field warnings), defaulting and
//! validation must give what the real 1.28.7 and 1.36.2 servers answered (the 422 causes and
//! message, or no cause and the same warnings), and every cause names a registered rule.

use kconform_spec::K8sVersion;
use kconform_spec::decode::BodyFormat;
use kconform_spec::endpointslice::{self, decode, defaults, validate};
use kconform_spec::status::{ApiResource, Status};
use kconform_spec::warnings::header_value;
use serde_json::Value;

use crate::recordings::{SERVERS, expand, transcripts_root};

fn query_has(step: &Value, key: &str, value: &str) -> bool {
    step["request"]["query"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|pair| pair[0] == key && pair[1] == value)
}

#[test]
fn recorded_creates_decode_and_validate_as_kube_apiserver() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for (server, minor) in SERVERS {
        let v = K8sVersion::new(minor);
        for folder in ["create", "validation"] {
            let dir = transcripts_root()
                .join("endpointslice")
                .join(server)
                .join(folder);
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let scenario: Value =
                    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
                let id = scenario["id"].as_str().unwrap_or_default().to_owned();
                for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
                    let status = step["response"]["status"].as_u64().unwrap_or(0);
                    let posted = step["request"]["method"] == "POST"
                        && step["request"]["path"]
                            .as_str()
                            .is_some_and(|p| p.ends_with("/endpointslices"));
                    // 404 and 409 come from the store and the namespace, not from the body.
                    if !posted || !matches!(status, 201 | 400 | 422) {
                        continue;
                    }
                    let mut body = step["request"]["body"].clone();
                    expand(&mut body);
                    let at = format!("{server} {id} step {}", i + 1);
                    let recorded = &step["response"]["body"];
                    let bytes = serde_json::to_vec(&body).unwrap();
                    let decoded = match decode::decode_for(&bytes, BodyFormat::Json, v) {
                        Ok(decoded) => decoded,
                        Err(err) => {
                            if status != 400 || recorded["message"] != err.to_string() {
                                problems.push(format!("{at}: decoding gave {err}"));
                            }
                            checked += 1;
                            continue;
                        }
                    };
                    if query_has(step, "fieldValidation", "Strict")
                        && let Some(err) = decoded.strict_error()
                    {
                        if status != 400 || recorded["message"] != err.to_string() {
                            problems.push(format!("{at}: strict decoding gave {err}"));
                        }
                        checked += 1;
                        continue;
                    }
                    let mut object = decoded.object.clone();
                    defaults::default_endpoint_slice(&mut object);
                    defaults::drop_fields(&mut object);
                    defaults::go_round_trip(&mut object);
                    let findings = validate::validate_findings(&object, v);
                    for finding in &findings {
                        if endpointslice::rules::rule(finding.rule).is_none()
                            && kconform_spec::rules::rule(finding.rule).is_none()
                        {
                            problems.push(format!("{at}: unregistered rule {}", finding.rule));
                        }
                    }
                    let causes: Vec<_> = findings.into_iter().map(|f| f.cause).collect();
                    if status == 422 {
                        let name = object["metadata"]["name"].as_str().unwrap_or_default();
                        let expected = Status::invalid(
                            ApiResource::ENDPOINT_SLICES.group_kind(),
                            name,
                            causes,
                        );
                        let expected = serde_json::to_value(&expected).unwrap();
                        if expected["message"] != recorded["message"]
                            || expected["details"]["causes"] != recorded["details"]["causes"]
                        {
                            problems.push(format!(
                                "{at}: expected {} got {}",
                                recorded["message"], expected["message"]
                            ));
                        }
                    } else if status == 201 {
                        if !causes.is_empty() {
                            problems.push(format!("{at}: accepted, but causes {causes:?}"));
                        }
                        let mut warnings = Vec::new();
                        if !query_has(step, "fieldValidation", "Ignore") {
                            warnings.extend(decoded.warnings());
                        }
                        warnings.extend(endpointslice::warnings(&object, v));
                        let warnings: Vec<String> =
                            warnings.iter().map(|w| header_value(w)).collect();
                        let recorded_warnings: Vec<String> = step["response"]["headers"]["Warning"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|w| w.as_str().map(str::to_owned))
                            .collect();
                        if warnings != recorded_warnings {
                            problems.push(format!(
                                "{at}: warnings {warnings:?}, recorded {recorded_warnings:?}"
                            ));
                        }
                    } else if recorded["message"] != Status::namespace_mismatch().message.as_str() {
                        // The handler's own 400 (the body's namespace against the URL's) aside.
                        problems.push(format!("{at}: recorded 400 but the body decodes"));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} creates checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
