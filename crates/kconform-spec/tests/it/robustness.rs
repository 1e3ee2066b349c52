//! Property tests: no input makes the parsers or the validator panic, and what they accept is consistent.

use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::options::decode_continue;
use kconform_spec::selectors::{parse_field_selector, parse_label_selector};
use kconform_spec::validate::{validate, validate_update};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9.:/_ -]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("10.0.0.1"),
            Just("::1"),
            Just("010.1.1.1"),
            Just("::ffff:1.2.3.4"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let keys = prop_oneof![
            Just("metadata"),
            Just("subsets"),
            Just("addresses"),
            Just("notReadyAddresses"),
            Just("ports"),
            Just("ip"),
            Just("hostname"),
            Just("nodeName"),
            Just("name"),
            Just("port"),
            Just("protocol"),
            Just("appProtocol"),
            Just("labels"),
            Just("annotations"),
            Just("finalizers"),
            Just("ownerReferences"),
            Just("generation"),
            Just("x"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((keys, inner), 0..5).prop_map(|members| Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), text in ".{0,60}") {
        for v in [K8sVersion::new(28), K8sVersion::new(36)] {
            let _ = decode_endpoints_for(&bytes, BodyFormat::Json, v);
            let _ = decode_endpoints_for(&bytes, BodyFormat::Yaml, v);
            let _ = parse_label_selector(&text, v);
        }
        let _ = parse_field_selector(&text);
        let _ = decode_continue(&text);
    }

    #[test]
    fn validation_never_panics_and_decoding_round_trips(value in json_value()) {
        for v in [K8sVersion::new(28), K8sVersion::new(33), K8sVersion::new(36)] {
            let causes = validate(&value, v);
            prop_assert!(causes.iter().all(|c| !c.reason.is_empty() && !c.message.is_empty()));
            let _ = validate_update(&value, &value, v);
        }
        let bytes = serde_json::to_vec(&value).unwrap();
        if let Ok(decoded) = decode_endpoints_for(&bytes, BodyFormat::Json, K8sVersion::NEWEST) {
            // A decoded object re-encoded decodes to itself, without strict problems.
            let again = decode_endpoints_for(&serde_json::to_vec(&decoded.object).unwrap(), BodyFormat::Json, K8sVersion::NEWEST).unwrap();
            prop_assert_eq!(&again.object, &decoded.object);
            prop_assert!(again.strict.is_empty());
        }
    }
}

/// Text that exercises YAML's syntax: indicators, quotes, breaks, tabs, escapes and non-ASCII.
fn yaml_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_owned()),
        Just("  ".to_owned()),
        Just("\t".to_owned()),
        Just("- ".to_owned()),
        Just(": ".to_owned()),
        Just("? ".to_owned()),
        Just("---\n".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("<<: ".to_owned()),
        Just("!!binary ".to_owned()),
        Just("|+\n".to_owned()),
        Just(">-\n".to_owned()),
        Just("%YAML 1.1\n".to_owned()),
        "[\\[\\]{},'\"#\\\\!|>@`%]".prop_map(|s| s),
        "[a-z0-9.~é🙂]{1,6}".prop_map(|s| s),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Any string, with the characters YAML treats specially over-represented.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-z\n\t:#'\"&*!|>%@`,\\[\\]{}?~0-9.+-]{0,30}",
        "[a-z ]{60,120}",
        Just("yes".to_owned()),
        Just("0x1F".to_owned()),
        Just("1:20".to_owned()),
        Just("\u{85}\u{2028}\u{FEFF}\u{1F642}".to_owned()),
    ]
}

fn yaml_roundtrip_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((tricky_string(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// serde_json's map keeps insertion order; YAML comes back with keys sorted, so compare as sets.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, Value)> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(members.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes and YAML-shaped text never panic, hang or overflow the stack: they give JSON
    /// or one of Go's errors.
    #[test]
    fn yaml_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), text in yaml_text()) {
        let _ = kconform_spec::yaml::yaml_to_json(&bytes);
        let _ = kconform_spec::yaml::yaml_to_json_strict(text.as_bytes());
        let _ = decode_endpoints_for(text.as_bytes(), BodyFormat::Yaml, K8sVersion::NEWEST);
    }

    /// What the encoder writes, the decoder reads back as the same value: every quoting and block
    /// style decision is one go-yaml's parser undoes.
    #[test]
    fn yaml_encoding_round_trips(value in yaml_roundtrip_value()) {
        let text = kconform_spec::yaml::to_yaml(&value);
        let json = kconform_spec::yaml::yaml_to_json(text.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        let back: Value = serde_json::from_slice(&json).expect("JSON");
        prop_assert_eq!(canonical(&back), canonical(&value), "{:?}", text);
    }
}
