//! Every rule in the registry has an input that triggers it, and every cause the validator produces
//! carries a registered rule id.

use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::rules::{all_rules, rule};
use kconform_spec::validate::{validate_findings, validate_update_findings};
use serde_json::{Value, json};

fn ep_with(subsets: Value) -> Value {
    json!({"metadata": {"name": "ep-1"}, "subsets": subsets})
}

fn meta(extra: Value) -> Value {
    let mut metadata = json!({"name": "ep-1"});
    for (k, v) in extra.as_object().unwrap() {
        metadata[k] = v.clone();
    }
    json!({"metadata": metadata, "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]})
}

fn address(fields: Value) -> Value {
    ep_with(json!([{"addresses": [fields]}]))
}

fn port(fields: Value) -> Value {
    ep_with(json!([{"addresses": [{"ip": "10.0.0.1"}], "ports": [fields]}]))
}

/// (rule id, version, object) for create-path rules.
fn create_cases() -> Vec<(&'static str, u32, Value)> {
    vec![
        ("S1", 36, ep_with(json!([{}]))),
        ("A1", 28, address(json!({"ip": "foo"}))),
        ("A1-second", 36, address(json!({"ip": "1.2.3.4/24"}))),
        ("A2", 36, address(json!({"ip": "010.1.1.1"}))),
        ("A3", 36, address(json!({"ip": "::ffff:10.1.1.1"}))),
        ("A5", 30, address(json!({"ip": "::"}))),
        ("A6", 30, address(json!({"ip": "127.0.0.2"}))),
        ("A7", 30, address(json!({"ip": "fe80::2"}))),
        ("A8", 30, address(json!({"ip": "ff12::1"}))),
        (
            "H1",
            30,
            address(json!({"ip": "10.0.0.1", "hostname": "Host-A"})),
        ),
        (
            "H1-dots",
            30,
            address(json!({"ip": "10.0.0.1", "hostname": "a.b"})),
        ),
        (
            "H1-long",
            30,
            address(json!({"ip": "10.0.0.1", "hostname": "h".repeat(64)})),
        ),
        ("N1", 30, address(json!({"ip": "10.0.0.1", "nodeName": ""}))),
        (
            "N1-long",
            30,
            address(json!({"ip": "10.0.0.1", "nodeName": "n".repeat(254)})),
        ),
        (
            "P1",
            30,
            ep_with(
                json!([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "a", "port": 1, "protocol": "TCP"}, {"port": 2, "protocol": "TCP"}]}]),
            ),
        ),
        (
            "P2",
            30,
            port(json!({"name": "HTTP_Port", "port": 80, "protocol": "TCP"})),
        ),
        (
            "P2-dots",
            30,
            port(json!({"name": "a.b", "port": 80, "protocol": "TCP"})),
        ),
        (
            "P2-long",
            30,
            port(json!({"name": "p".repeat(64), "port": 80, "protocol": "TCP"})),
        ),
        (
            "P4-range",
            30,
            port(json!({"port": 65536, "protocol": "TCP"})),
        ),
        ("P5", 30, port(json!({"port": 80}))),
        ("P6", 30, port(json!({"port": 80, "protocol": "tcp"}))),
        (
            "P7",
            30,
            port(json!({"port": 80, "protocol": "TCP", "appProtocol": "a b"})),
        ),
        (
            "P7-empty",
            30,
            port(json!({"port": 80, "protocol": "TCP", "appProtocol": ""})),
        ),
        (
            "P7-prefix",
            30,
            port(json!({"port": 80, "protocol": "TCP", "appProtocol": "/x"})),
        ),
        (
            "P7-slashes",
            35,
            port(json!({"port": 80, "protocol": "TCP", "appProtocol": "a/b/c"})),
        ),
        (
            "P7-long",
            35,
            port(json!({"port": 80, "protocol": "TCP", "appProtocol": "p".repeat(64)})),
        ),
        ("M1", 30, json!({"metadata": {}})),
        ("M2", 30, json!({"metadata": {"name": "EP_1"}})),
        (
            "M2-long",
            30,
            json!({"metadata": {"name": "n".repeat(254)}}),
        ),
        (
            "M2-namespace",
            30,
            json!({"metadata": {"name": "a", "namespace": "Bad_NS"}}),
        ),
        (
            "M3",
            30,
            json!({"metadata": {"name": "x", "generateName": "Bad_"}}),
        ),
        ("M4", 30, meta(json!({"generation": -1}))),
        ("M5", 30, meta(json!({"labels": {"bad key": "v"}}))),
        ("M6", 30, meta(json!({"labels": {"k": "bad value!"}}))),
        (
            "M6-long",
            35,
            meta(json!({"labels": {"k": "v".repeat(64)}})),
        ),
        ("M7", 30, meta(json!({"annotations": {"bad!key": "v"}}))),
        (
            "M8",
            31,
            meta(json!({"annotations": {"big": "x".repeat(262_142)}})),
        ),
        (
            "M9",
            30,
            meta(
                json!({"ownerReferences": [{"apiVersion": "", "kind": "S", "name": "a", "uid": "u"}]}),
            ),
        ),
        (
            "M9-kind",
            30,
            meta(
                json!({"ownerReferences": [{"apiVersion": "v1", "kind": "", "name": "a", "uid": "u"}]}),
            ),
        ),
        (
            "M9-name",
            31,
            meta(
                json!({"ownerReferences": [{"apiVersion": "v1", "kind": "S", "name": "", "uid": "u"}]}),
            ),
        ),
        (
            "M9-uid",
            31,
            meta(
                json!({"ownerReferences": [{"apiVersion": "v1", "kind": "S", "name": "a", "uid": ""}]}),
            ),
        ),
        (
            "M9-event",
            34,
            meta(
                json!({"ownerReferences": [{"apiVersion": "v1", "kind": "Event", "name": "a", "uid": "u"}]}),
            ),
        ),
        (
            "M9-controllers",
            34,
            meta(json!({"ownerReferences": [
            {"apiVersion": "v1", "kind": "S", "name": "a", "uid": "u1", "controller": true},
            {"apiVersion": "v1", "kind": "S", "name": "b", "uid": "u2", "controller": true}]})),
        ),
        (
            "M10",
            30,
            meta(json!({"finalizers": ["example.com/bad name"]})),
        ),
        ("M11", 30, meta(json!({"finalizers": ["foo"]}))),
        (
            "M12",
            33,
            meta(json!({"finalizers": ["orphan", "foregroundDeletion"]})),
        ),
        (
            "M13",
            30,
            meta(
                json!({"managedFields": [{"manager": "m", "operation": "Patch", "fieldsType": "FieldsV1"}]}),
            ),
        ),
        (
            "M13-fieldsType",
            30,
            meta(
                json!({"managedFields": [{"manager": "m", "operation": "Apply", "fieldsType": "FieldsV2"}]}),
            ),
        ),
        (
            "M13-manager-char",
            32,
            meta(json!({"managedFields": [{"manager": "a\tb", "operation": "Apply"}]})),
        ),
        (
            "M13-manager",
            32,
            meta(json!({"managedFields": [{"manager": "m".repeat(129), "operation": "Apply"}]})),
        ),
    ]
}

fn decode_cases() -> Vec<(&'static str, &'static str)> {
    vec![
        ("D1", "this is not json"),
        ("D2", r#"{"subsets":[{"ports":[{"port":"80"}]}]}"#),
        ("D3", r#"{"subsets":[{"ports":[{"port":4294967296}]}]}"#),
        (
            "P4-int32",
            r#"{"subsets":[{"ports":[{"port":-2147483649}]}]}"#,
        ),
        ("D5", r#"{"apiVersion":"v2","kind":"Endpoints"}"#),
        ("D6", r#"{"apiVersion":"v1","kind":"Service"}"#),
    ]
}

#[test]
fn every_rule_is_triggered_by_an_example() {
    let mut covered: Vec<&str> = Vec::new();
    for (id, minor, obj) in create_cases() {
        let v = K8sVersion::new(minor);
        let findings = validate_findings(&obj, v);
        assert!(
            findings.iter().any(|f| f.rule == id),
            "{id} not produced for {obj}: {findings:#?}"
        );
        for finding in &findings {
            let registered = rule(finding.rule)
                .unwrap_or_else(|| panic!("unregistered rule id {}", finding.rule));
            assert!(
                registered.holds_in(v),
                "{} produced outside its versions",
                finding.rule
            );
            let pattern = registered
                .field
                .replace("[i]", "[0]")
                .replace("[j]", "[0]")
                .replace("[k]", "[0]");
            let loose = |f: &str| {
                f.replace("notReadyAddresses", "addresses")
                    .replace("[1]", "[0]")
            };
            assert!(
                loose(&finding.cause.field) == pattern
                    || registered.field.starts_with("metadata.")
                    || registered.id == "M14",
                "{}: field {} does not match {}",
                finding.rule,
                finding.cause.field,
                registered.field
            );
            assert_eq!(finding.cause.reason, registered.reason, "{}", finding.rule);
        }
        covered.push(id);
    }
    for (id, body) in decode_cases() {
        let err = decode_endpoints_for(body.as_bytes(), BodyFormat::Json, K8sVersion::NEWEST)
            .unwrap_err();
        let expected = if id == "P4-int32" { "D3" } else { id };
        assert_eq!(err.rule_id(), expected, "{body}");
        covered.push(id);
    }
    let strict =
        decode_endpoints_for(br#"{"foo":1}"#, BodyFormat::Json, K8sVersion::NEWEST).unwrap();
    assert_eq!(strict.strict_error().unwrap().rule_id(), "D4");
    covered.push("D4");

    // Update-only rules.
    let old = json!({"metadata": {"name": "ep-1", "uid": "u", "deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["a/b"]}});
    let new = json!({"metadata": {"name": "ep-1", "uid": "other", "finalizers": ["a/b", "c/d"]}});
    let findings = validate_update_findings(&new, &old, K8sVersion::NEWEST);
    for id in ["M14", "M15"] {
        assert!(
            findings.iter().any(|f| f.rule == id),
            "{id} missing: {findings:#?}"
        );
        covered.push(id);
    }

    for registered in all_rules() {
        assert!(
            covered.contains(&registered.id),
            "rule {} has no triggering example",
            registered.id
        );
    }
    assert_eq!(
        covered.len(),
        all_rules().len(),
        "an example names a rule twice or an unregistered rule"
    );
}

#[test]
fn version_dependent_wording() {
    let v = K8sVersion::new;
    let message =
        |obj: &Value, minor: u32| validate_findings(obj, v(minor))[0].cause.message.clone();
    let big = meta(json!({"annotations": {"big": "x".repeat(262_142)}}));
    assert_eq!(
        message(&big, 31),
        "Too long: must have at most 262144 bytes"
    );
    assert_eq!(
        message(&big, 32),
        "Too long: may not be more than 262144 bytes"
    );
    let finalizers = meta(json!({"finalizers": ["orphan", "foregroundDeletion"]}));
    assert!(
        message(&finalizers, 33)
            .starts_with("Invalid value: []string{\"orphan\", \"foregroundDeletion\"}")
    );
    assert!(
        message(&finalizers, 34).starts_with("Invalid value: [\"orphan\",\"foregroundDeletion\"]")
    );
    let long_value = meta(json!({"labels": {"k": "v".repeat(64)}}));
    assert!(message(&long_value, 34).ends_with("63 characters"));
    assert!(message(&long_value, 35).ends_with("63 bytes"));
    let owner = meta(
        json!({"ownerReferences": [{"apiVersion": "v1", "kind": "", "name": "a", "uid": "u"}]}),
    );
    assert!(message(&owner, 30).ends_with("kind must not be empty"));
    assert!(message(&owner, 31).ends_with(": must not be empty"));
    let leading = address(json!({"ip": "010.1.1.1"}));
    assert!(validate_findings(&leading, v(35)).is_empty());
}
