//! The corpus: determinism, version filtering, the committed copy, snapshots.

use std::path::PathBuf;

use kconform_fixtures::corpus::{self, CorpusOptions, FixtureKind};
use kconform_spec::K8sVersion;

use kconform_spec::decode::BodyFormat;

use crate::check::{check_at, check_replayed};

fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(corpus::DEFAULT_DIR)
}

#[test]
fn the_same_seed_gives_identical_files() {
    let options = CorpusOptions {
        count: 2,
        ..CorpusOptions::default()
    };
    let a = corpus::generate(&options).unwrap();
    let b = corpus::generate(&options).unwrap();
    assert_eq!(a.files, b.files);
    let other = corpus::generate(&CorpusOptions { seed: 1, ..options }).unwrap();
    assert_ne!(a.files, other.files);
}

#[test]
fn the_committed_corpus_is_up_to_date() {
    let corpus = corpus::generate(&CorpusOptions::default()).unwrap();
    if let Err(err) = corpus.check(&committed_dir()) {
        panic!("{err}");
    }
}

#[test]
fn check_reports_a_stale_corpus_with_the_fixing_command() {
    let dir = std::env::temp_dir().join(format!("kconform-fixtures-stale-{}", std::process::id()));
    let options = CorpusOptions {
        count: 1,
        ..CorpusOptions::default()
    };
    let corpus = corpus::generate(&options).unwrap();
    corpus.write(&dir).unwrap();
    corpus.check(&dir).unwrap();
    std::fs::write(dir.join("valid/any-000.json"), "{}\n").unwrap();
    std::fs::write(dir.join("invalid/extra.json"), "{}\n").unwrap();
    let err = corpus.check(&dir).unwrap_err().to_string();
    assert!(err.contains("changed: valid/any-000.json"), "{err}");
    assert!(err.contains("extra: invalid/extra.json"), "{err}");
    assert!(err.contains("cargo xtask fixtures --seed"), "{err}");
    // Writing again repairs it and removes the extra file.
    corpus.write(&dir).unwrap();
    corpus.check(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_fixture_of_the_default_corpus_agrees_with_the_spec() {
    let corpus = corpus::generate(&CorpusOptions::default()).unwrap();
    let mut failures = Vec::new();
    for entry in &corpus.index.fixtures {
        let bytes = &corpus.files[&entry.file];
        let body = match entry.yaml {
            Some(_) if entry.stored.is_none() => {
                kconform_fixtures::Body::Json(serde_json::from_slice(bytes).unwrap())
            }
            _ if entry.stored.is_some() => {
                kconform_fixtures::Body::Json(serde_json::from_slice(bytes).unwrap())
            }
            _ => kconform_fixtures::Body::Raw(bytes.clone()),
        };
        assert!(
            entry
                .expected
                .iter()
                .all(|e| e.outcome.status == entry.status),
            "{}",
            entry.file
        );
        assert_eq!(
            entry.kind == FixtureKind::Valid,
            entry.status == 201,
            "{}",
            entry.file
        );
        for rule in &entry.rules {
            assert!(
                kconform_spec::rules::rule(rule).is_some(),
                "{}: unknown rule {rule}",
                entry.file
            );
        }
        let rule = entry.rules.first().map(String::as_str).unwrap_or("");
        let replay = kconform_fixtures::corner::Replay {
            stored: entry.stored.clone(),
            delete_stored: entry.delete_stored,
            query: entry.query.clone(),
        };
        assert_eq!(
            entry.operation.is_some(),
            entry.stored.is_some(),
            "{}",
            entry.file
        );
        if let Err(m) = check_replayed(&body, rule, &entry.expected, &replay) {
            failures.push(format!("{}: {m}", entry.file));
        }
        // The protobuf twin states the JSON twin's expectation, at every version of it.
        if let Some(pb_file) = &entry.protobuf {
            let pb = &corpus.files[pb_file];
            for e in &entry.expected {
                for v in e.versions.iter() {
                    if let Err(m) = check_at(pb, BodyFormat::Protobuf, v, rule, &e.outcome) {
                        failures.push(format!("{pb_file}: {m}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures disagree:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_version_filter_keeps_only_fixtures_for_that_version() {
    let at_36 = corpus::generate(&CorpusOptions {
        count: 1,
        k8s_version: Some(K8sVersion::new(36)),
        ..CorpusOptions::default()
    })
    .unwrap();
    assert!(at_36.files.keys().all(
        |f| !f.starts_with("valid/leading-zero") && f != "valid/corner-leading-zero-ipv4.json"
    ));
    assert!(at_36.files.contains_key("invalid/A2-000.json"));
    let at_35 = corpus::generate(&CorpusOptions {
        count: 1,
        k8s_version: Some(K8sVersion::new(35)),
        ..CorpusOptions::default()
    })
    .unwrap();
    assert!(at_35.files.contains_key("valid/leading-zero-ipv4-000.json"));
    assert!(!at_35.files.contains_key("invalid/A2-000.json"));
    for entry in at_35.index.fixtures {
        assert!(
            entry
                .expected
                .iter()
                .any(|e| e.versions.contains(K8sVersion::new(35))),
            "{}",
            entry.file
        );
    }
}

#[test]
fn index_snapshot() {
    let corpus = corpus::generate(&CorpusOptions {
        count: 1,
        ..CorpusOptions::default()
    })
    .unwrap();
    let lines: Vec<String> = corpus
        .index
        .fixtures
        .iter()
        .map(|e| {
            let ranges: Vec<String> = e
                .expected
                .iter()
                .map(|x| {
                    format!(
                        "{}-{}:{}",
                        x.versions.from,
                        x.versions.to,
                        x.outcome.causes.len()
                    )
                })
                .collect();
            format!(
                "{} {} [{}] {}",
                e.file,
                e.status,
                e.rules.join(","),
                ranges.join(" ")
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn fixture_samples_snapshot() {
    let corpus = corpus::generate(&CorpusOptions {
        count: 1,
        ..CorpusOptions::default()
    })
    .unwrap();
    for file in [
        "valid/any-000.json",
        "valid/ipv6-noncanonical-000.yaml",
        "invalid/A1-000.json",
        "invalid/P7-empty-000.json",
        "invalid/M9-controllers-000.json",
        "invalid/D2-000.json",
    ] {
        let text = String::from_utf8(corpus.files[file].clone()).unwrap();
        insta::assert_snapshot!(file.replace(['/', '.'], "_"), text);
    }
    let entry = corpus
        .index
        .fixtures
        .iter()
        .find(|e| e.file == "invalid/M9-controllers-000.json")
        .unwrap();
    insta::assert_json_snapshot!("index_entry_m9_controllers", entry);
}

/// Every YAML twin reads, with kube-apiserver's YAML decoding (go-yaml v2 and `sigs.k8s.io/yaml`),
/// as exactly its JSON twin: a twin that a real server refuses as YAML (a tab inside a block scalar,
/// as `invalid/M7-000.yaml` once had) or reads as another value cannot be written again.
#[test]
fn every_yaml_twin_decodes_to_its_json_twin() {
    let corpus = corpus::generate(&CorpusOptions::default()).unwrap();
    let mut checked = 0;
    for entry in &corpus.index.fixtures {
        let Some(yaml_file) = &entry.yaml else {
            continue;
        };
        let yaml = &corpus.files[yaml_file];
        let json: serde_json::Value =
            serde_json::from_slice(&corpus.files[&entry.file]).expect("the JSON twin is JSON");
        let converted = kconform_spec::yaml::yaml_to_json(yaml)
            .unwrap_or_else(|e| panic!("{yaml_file} does not read as YAML: {e}"));
        let from_yaml: serde_json::Value =
            serde_json::from_slice(&converted).expect("converted YAML is JSON");
        assert_eq!(
            from_yaml, json,
            "{yaml_file} reads as another value than {}",
            entry.file
        );
        checked += 1;
    }
    assert!(checked > 200, "only {checked} YAML twins");
    eprintln!("{checked} YAML twins read as their JSON twins");
}

/// The object as Go's `json.Marshal` writes the struct it decodes into: `omitempty` drops empty
/// strings (except `ip` and the pointers `nodeName` and `appProtocol`), empty lists, empty label and
/// annotation maps and a zero `generation`; an absent `port` or `ip` is written as its zero value;
/// `null` is what a zero `creationTimestamp` marshals to, and protobuf always carries one where the
/// JSON body had none.
fn go_marshalled(value: &serde_json::Value, parent: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(key, x)| {
                    let key = key.as_str();
                    let dropped = x.is_null()
                        || x.as_array().is_some_and(Vec::is_empty)
                        || (matches!(key, "labels" | "annotations")
                            && x.as_object().is_some_and(serde_json::Map::is_empty))
                        || (x.as_str() == Some("")
                            && !matches!(key, "ip" | "nodeName" | "appProtocol"))
                        || (key == "generation" && x.as_i64() == Some(0));
                    !dropped
                })
                .map(|(key, x)| (key.clone(), go_marshalled(x, key)))
                .collect();
            match parent {
                "ports" => {
                    out.entry("port").or_insert(Value::from(0));
                }
                "addresses" | "notReadyAddresses" => {
                    out.entry("ip").or_insert(Value::from(""));
                }
                _ => {}
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|x| go_marshalled(x, parent)).collect())
        }
        other => other.clone(),
    }
}

/// Every protobuf twin reads, with kube-apiserver's protobuf decoding, as exactly the object its JSON
/// twin decodes to, as Go holds it (or fails with the same 400 message), at every version its expectation covers;
/// every fixture without a twin says why.
#[test]
fn every_protobuf_twin_decodes_to_its_json_twin() {
    use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
    let corpus = corpus::generate(&CorpusOptions::default()).unwrap();
    let (mut twins, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for entry in &corpus.index.fixtures {
        let Some(pb_file) = &entry.protobuf else {
            assert!(
                entry.no_protobuf.is_some(),
                "{}: no twin, no reason",
                entry.file
            );
            skipped += 1;
            continue;
        };
        assert!(
            entry.no_protobuf.is_none(),
            "{pb_file}: a twin and a reason"
        );
        let pb = &corpus.files[pb_file];
        let json = &corpus.files[&entry.file];
        for v in entry.versions.iter() {
            let from_json = decode_endpoints_for(json, BodyFormat::Json, v);
            let from_pb = decode_endpoints_for(pb, BodyFormat::Protobuf, v);
            match (from_json, from_pb) {
                (Ok(j), Ok(p)) => {
                    let (j, p) = (go_marshalled(&j.object, ""), go_marshalled(&p.object, ""));
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
    assert!(twins > 200, "only {twins} protobuf twins");
    eprintln!("{twins} protobuf twins read as their JSON twins; {skipped} fixtures have none");
}
