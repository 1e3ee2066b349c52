//! The EndpointSlice generator's stated expectations against `kconform_spec::endpointslice`
//! (decode, default, validate, warnings): many generated cases per rule and shape, every corpus
//! fixture and its YAML twin, the committed corpus, and the rule coverage.

use std::collections::BTreeSet;
use std::path::PathBuf;

use kconform_fixtures::Body;
use kconform_fixtures::corner::Replay;
use kconform_fixtures::corpus::{self, Api, CorpusOptions, FixtureKind};
use kconform_fixtures::endpointslice::{
    SliceShape, corner::corner_cases, invalid, valid_endpoint_slice, valid_slice_shape,
};
use kconform_fixtures::expect::{Expectation, Outcome, outcome_at};
use kconform_spec::K8sVersion;
use kconform_spec::decode::BodyFormat;
use kconform_spec::endpointslice::decode::decode_for;
use kconform_spec::endpointslice::defaults::{default_endpoint_slice, drop_fields};
use kconform_spec::endpointslice::validate::{validate_findings, validate_update_findings};
use kconform_spec::endpointslice::{rules, warnings};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::check::{causes_text, findings_text, same_causes};

/// Paths of `deprecatedTopology` in a body, which the strategy drops.
fn topology_paths(object: &Value) -> Vec<String> {
    object["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, e)| e.get("deprecatedTopology").is_some())
        .map(|(i, _)| format!("endpoints[{i}].deprecatedTopology"))
        .collect()
}

/// One body at one version against the stated outcome.
fn check_at(
    bytes: &[u8],
    format: BodyFormat,
    v: K8sVersion,
    replay: &Replay,
    outcome: &Outcome,
) -> Result<(), String> {
    let short: String = String::from_utf8_lossy(bytes).chars().take(400).collect();
    let validation = replay.query.get("fieldValidation").map(String::as_str);
    // A refusal (decoding, or strict decoding) must be the stated 400.
    let refused = |err: &dyn std::fmt::Display, how: &str| {
        if outcome.status == 400
            && outcome
                .message
                .as_ref()
                .is_none_or(|m| *m == err.to_string())
        {
            Ok(())
        } else {
            Err(format!(
                "{v}: expected {outcome:?}, the spec's {how} refuses: {err}\nbody: {short}"
            ))
        }
    };
    let decoded = match decode_for(bytes, format, v) {
        Err(err) => return refused(&err, "decoding"),
        Ok(decoded) => decoded,
    };
    if validation == Some("Strict")
        && let Some(err) = decoded.strict_error()
    {
        return refused(&err, "strict decoding");
    }
    if outcome.status == 400 {
        return Err(format!(
            "{v}: expected 400, the spec decodes the body\nbody: {short}"
        ));
    }
    let mut object = decoded.object.clone();
    default_endpoint_slice(&mut object);
    let findings = validate_findings(&object, v);
    if !same_causes(&findings, outcome) {
        return Err(format!(
            "{v}: causes differ\nexpected: {:#?}\nspec:     {:#?}\nbody: {short}",
            causes_text(outcome),
            findings_text(&findings)
        ));
    }
    if outcome.status != 201 {
        return Ok(());
    }
    let mut spec_warnings: Vec<String> = if validation == Some("Ignore") {
        Vec::new()
    } else {
        decoded
            .unknown_fields
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .collect()
    };
    spec_warnings.extend(warnings(&object, v));
    if spec_warnings != outcome.warnings {
        return Err(format!(
            "{v}: warnings differ\nexpected: {:?}\nspec:     {spec_warnings:?}\nbody: {short}",
            outcome.warnings
        ));
    }
    let mut dropped = decoded.unknown_fields.clone();
    let mut stored = object.clone();
    drop_fields(&mut stored);
    let before = topology_paths(&object);
    let after = topology_paths(&stored);
    dropped.extend(before.into_iter().filter(|p| !after.contains(p)));
    if dropped != outcome.dropped {
        return Err(format!(
            "{v}: dropped fields differ\nexpected: {:?}\nspec:     {dropped:?}\nbody: {short}",
            outcome.dropped
        ));
    }
    Ok(())
}

/// A body against every version its expectations cover, as JSON and (for objects) as YAML.
pub(crate) fn check_fixture(
    body: &Body,
    expected: &[Expectation],
    replay: &Replay,
) -> Result<(), String> {
    let json = body.to_json_bytes();
    let yaml = match body {
        Body::Json(value) => Some(kconform_spec::yaml::to_yaml(value)),
        Body::Raw(_) => None,
    };
    for v in K8sVersion::all() {
        let Some(outcome) = outcome_at(expected, v) else {
            continue;
        };
        check_at(&json, BodyFormat::Json, v, replay, outcome)?;
        if let Some(yaml) = &yaml {
            check_at(yaml.as_bytes(), BodyFormat::Yaml, v, replay, outcome)
                .map_err(|m| format!("as YAML: {m}"))?;
        }
    }
    Ok(())
}

/// A merge-patch fixture: the stored object as the server keeps it, patched, validated as an update.
fn check_patch(patch: &Value, stored: &Value, expected: &[Expectation]) -> Result<(), String> {
    for e in expected {
        for v in e.versions.iter() {
            let mut old = stored.clone();
            default_endpoint_slice(&mut old);
            old["metadata"]["namespace"] = "ns".into();
            old["metadata"]["uid"] = "6f0c5f0e-2b43-4c1e-9f57-000000000001".into();
            old["metadata"]["resourceVersion"] = "1".into();
            old["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z".into();
            let mut new = kconform_spec::patch::merge_patch(&old, patch);
            default_endpoint_slice(&mut new);
            let got = findings_text(&validate_update_findings(&new, &old, v));
            if e.outcome.status != 422 || got != causes_text(&e.outcome) {
                return Err(format!(
                    "{v}: update causes differ\nexpected: {:#?}\nspec:     {got:#?}",
                    causes_text(&e.outcome)
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_mutator_states_what_the_spec_answers() {
    let mut runner = TestRunner::deterministic();
    for rule in invalid::MUTATED_RULES {
        let strategy = invalid::invalid_for_rule(rule).expect("a mutator");
        let cases = if *rule == "ES-E1" { 2 } else { 48 };
        for _ in 0..cases {
            let drawn = strategy.new_tree(&mut runner).unwrap().current();
            assert_eq!(drawn.rule, *rule);
            assert!(!drawn.expected.is_empty(), "{rule}: no expectation");
            assert!(
                drawn.expected.iter().any(|e| e
                    .outcome
                    .causes
                    .iter()
                    .any(|c| c.rule.starts_with(rule))),
                "{rule}: no cause names the rule: {:?}",
                drawn.expected
            );
            if let Err(problem) = check_fixture(&drawn.body, &drawn.expected, &Replay::default()) {
                panic!("{rule}: {problem}");
            }
        }
    }
}

#[test]
fn every_valid_shape_is_created_as_stated() {
    let mut runner = TestRunner::deterministic();
    for &shape in SliceShape::ALL {
        let strategy = valid_slice_shape(shape);
        for _ in 0..48 {
            let drawn = strategy.new_tree(&mut runner).unwrap().current();
            assert_eq!(drawn.shape, shape);
            assert!(drawn.expected.iter().all(|e| e.outcome.status == 201));
            if let Err(problem) = check_fixture(
                &Body::Json(drawn.object),
                &drawn.expected,
                &Replay::default(),
            ) {
                panic!("{}: {problem}", shape.name());
            }
        }
    }
    // The mixed strategy for one version creates without an error at that version.
    for v in [K8sVersion::new(28), K8sVersion::NEWEST] {
        let strategy = valid_endpoint_slice(v);
        for _ in 0..64 {
            let object = strategy.new_tree(&mut runner).unwrap().current();
            let bytes = serde_json::to_vec(&object).unwrap();
            let decoded = decode_for(&bytes, BodyFormat::Json, v).unwrap();
            let mut defaulted = decoded.object;
            default_endpoint_slice(&mut defaulted);
            let findings = validate_findings(&defaulted, v);
            assert!(findings.is_empty(), "{v}: {object}: {findings:?}");
        }
    }
}

#[test]
fn every_corner_case_states_what_the_spec_answers() {
    for case in corner_cases() {
        let result = match (&case.replay.stored, &case.body) {
            (Some(stored), Body::Json(patch)) => check_patch(patch, stored, &case.expected),
            _ => check_fixture(&case.body, &case.expected, &case.replay),
        };
        if let Err(problem) = result {
            panic!("corner {}: {problem}", case.name);
        }
    }
}

#[test]
fn every_rule_has_a_mutator_or_a_reason() {
    let mutated: BTreeSet<&str> = invalid::MUTATED_RULES.iter().copied().collect();
    let reasons: BTreeSet<&str> = invalid::NOT_MUTATED.iter().map(|(id, _)| *id).collect();
    assert!(mutated.is_disjoint(&reasons));
    for rule in rules::all_rules() {
        assert!(
            mutated.contains(rule.id) || reasons.contains(rule.id),
            "{} has neither a mutator nor a reason",
            rule.id
        );
    }
    for id in mutated.iter().chain(&reasons) {
        assert!(
            rules::rule(id).is_some() || kconform_spec::rules::rule(id).is_some(),
            "{id} is no rule of the spec"
        );
    }
}

fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(corpus::ENDPOINT_SLICE_DIR)
}

#[test]
fn the_committed_endpoint_slice_corpus_is_up_to_date() {
    let corpus = corpus::generate_api(Api::EndpointSlices, &CorpusOptions::default()).unwrap();
    if let Err(err) = corpus.check(&committed_dir()) {
        panic!("{err}");
    }
}

#[test]
fn the_corpus_is_deterministic_and_covers_every_reachable_rule() {
    let options = CorpusOptions::default();
    let a = corpus::generate_api(Api::EndpointSlices, &options).unwrap();
    let b = corpus::generate_api(Api::EndpointSlices, &options).unwrap();
    assert_eq!(a.files, b.files);
    assert!(
        a.index.generated_by.contains("--api endpointslices"),
        "{}",
        a.index.generated_by
    );
    let named: BTreeSet<String> = a
        .index
        .fixtures
        .iter()
        .flat_map(|f| &f.expected)
        .flat_map(|e| &e.outcome.causes)
        .map(|c| c.rule.clone())
        .collect();
    for rule in rules::all_rules() {
        assert!(named.contains(rule.id), "no fixture shows {}", rule.id);
    }
    for entry in &a.index.fixtures {
        // A protobuf twin or the reason for none, never both; the codec has the message.
        assert_ne!(
            entry.protobuf.is_some(),
            entry.no_protobuf.is_some(),
            "{}",
            entry.file
        );
        assert_ne!(
            entry.no_protobuf,
            Some(corpus::NoProtobuf::NoMessage),
            "{}",
            entry.file
        );
        assert_eq!(
            entry.kind == FixtureKind::Valid,
            entry.expected.iter().all(|e| e.outcome.status == 201),
            "{}",
            entry.file
        );
    }
}

#[test]
fn every_corpus_fixture_and_yaml_twin_agrees_with_the_spec() {
    let corpus = corpus::generate_api(Api::EndpointSlices, &CorpusOptions::default()).unwrap();
    let mut checked = 0;
    for entry in &corpus.index.fixtures {
        let bytes = &corpus.files[&entry.file];
        let replay = Replay {
            stored: entry.stored.clone(),
            delete_stored: entry.delete_stored,
            query: entry.query.clone(),
        };
        let body: Value = serde_json::from_slice(bytes).unwrap();
        let result = match &entry.stored {
            Some(stored) => check_patch(&body, stored, &entry.expected),
            None => {
                let yaml = entry.yaml.as_ref().expect("a YAML twin");
                let twin = kconform_spec::yaml::yaml_to_json(&corpus.files[yaml])
                    .map_err(|e| e.to_string())
                    .and_then(|json| {
                        serde_json::from_slice::<Value>(&json).map_err(|e| e.to_string())
                    })
                    .and_then(|twin| {
                        if twin == body {
                            Ok(())
                        } else {
                            Err(format!("{yaml} reads as {twin}"))
                        }
                    });
                twin.and_then(|()| check_fixture(&Body::Json(body), &entry.expected, &replay))
            }
        };
        if let Err(problem) = result {
            panic!("{}: {problem}", entry.file);
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}

/// The object as Go holds it, for comparing a JSON decoding with a protobuf one: what protobuf cannot
/// tell apart from absent is dropped (nulls, empty lists and maps, the empty non-pointer strings Go
/// always writes, `generation: 0`), and every endpoint has its `conditions` struct. The pointer
/// strings of Endpoint and EndpointPort keep `""` (protobuf sends a set pointer to `""`).
fn go_held(value: &serde_json::Value, parent: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let pointer_strings: &[&str] = match parent {
                "endpoints" => &["hostname", "nodeName", "zone"],
                "ports" => &["name", "protocol", "appProtocol"],
                _ => &[],
            };
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(key, x)| {
                    let dropped = x.is_null()
                        || x.as_array().is_some_and(Vec::is_empty)
                        || (matches!(
                            key.as_str(),
                            "labels" | "annotations" | "deprecatedTopology"
                        ) && x.as_object().is_some_and(serde_json::Map::is_empty))
                        || (x.as_str() == Some("") && !pointer_strings.contains(&key.as_str()))
                        || (key.as_str() == "generation" && x.as_i64() == Some(0));
                    !dropped
                })
                .map(|(key, x)| (key.clone(), go_held(x, key)))
                .collect();
            if parent == "endpoints" {
                out.entry("conditions")
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|x| go_held(x, parent)).collect()),
        other => other.clone(),
    }
}

/// Every protobuf twin reads, with kube-apiserver's protobuf decoding of each version, as the object
/// its JSON twin decodes to as Go holds it (or fails with the same 400 message), except that
/// `hints.forNodes` before 1.33 is an unknown JSON field but a skipped protobuf field number.
#[test]
fn every_protobuf_twin_decodes_to_its_json_twin() {
    let corpus = corpus::generate_api(Api::EndpointSlices, &CorpusOptions::default()).unwrap();
    let mut twins = 0;
    let mut failures = Vec::new();
    for entry in &corpus.index.fixtures {
        let Some(pb_file) = &entry.protobuf else {
            continue;
        };
        let pb = &corpus.files[pb_file];
        let json = &corpus.files[&entry.file];
        for v in entry.versions.iter() {
            match (
                decode_for(json, BodyFormat::Json, v),
                decode_for(pb, BodyFormat::Protobuf, v),
            ) {
                (Ok(j), Ok(p)) => {
                    let mut j = j.object;
                    if !v.at_least(33) {
                        for endpoint in j["endpoints"].as_array_mut().into_iter().flatten() {
                            if let Some(hints) = endpoint["hints"].as_object_mut() {
                                hints.shift_remove("forNodes");
                            }
                        }
                    }
                    let (j, p) = (go_held(&j, ""), go_held(&p.object, ""));
                    if p != j {
                        failures.push(format!(
                            "{v}: {pb_file} reads as\n  {p}\nbut {} as\n  {j}",
                            entry.file
                        ));
                    }
                }
                (Err(j), Err(p)) if j.to_string() == p.to_string() => {}
                (j, p) => failures.push(format!(
                    "{v}: {pb_file} decodes as {:?}\nbut {} as {:?}",
                    p.map(|d| d.object),
                    entry.file,
                    j.map(|d| d.object)
                )),
            }
        }
        twins += 1;
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(twins > 100, "only {twins} protobuf twins");
}
