use serde_json::{Value, json};

use super::*;

fn json_of(yaml: &str) -> Value {
    let bytes = yaml_to_json(yaml.as_bytes()).unwrap_or_else(|e| panic!("{yaml:?}: {e}"));
    serde_json::from_slice(&bytes).expect("valid JSON")
}

fn error_of(yaml: &str) -> String {
    yaml_to_json(yaml.as_bytes())
        .expect_err("an error")
        .to_string()
}

#[test]
fn yaml_1_1_scalars_become_go_values() {
    assert_eq!(
        json_of(
            "a: off\nb: Y\nc: 0x1F90\nd: +80\ne: 010\nf: 443.0\ng: 1e3\nh: ~\ni: 2026-01-01\nj: '5'\n"
        ),
        json!({"a": false, "b": true, "c": 8080, "d": 80, "e": 8, "f": 443, "g": 1000, "h": null, "i": "2026-01-01", "j": "5"})
    );
    // Keys resolve too, and are stringified as sigs.k8s.io/yaml does.
    assert_eq!(
        json_of("no: x\n1: v\n1.5: z\ntrue: w\n"),
        json!({"false": "x", "1": "v", "1.5": "z", "true": "w"})
    );
    assert_eq!(
        yaml_to_json(b"p: 9223372036854775808\nq: 18446744073709551616\n").unwrap(),
        b"{\"p\":9223372036854775808,\"q\":18446744073709552000}"
    );
}

#[test]
fn keys_come_out_sorted_and_duplicates_last_wins() {
    assert_eq!(
        yaml_to_json(b"b: 1\na: 2\nb: 3\n").unwrap(),
        b"{\"a\":2,\"b\":3}"
    );
    assert_eq!(
        yaml_to_json_strict(b"b: 1\na: 2\nb: 3\n")
            .unwrap_err()
            .to_string(),
        "yaml: unmarshal errors:\n  line 3: key \"b\" already set in map"
    );
}

#[test]
fn anchors_aliases_and_merge_keys() {
    assert_eq!(
        json_of("a: &x [1, 2]\nb: *x\n"),
        json!({"a": [1, 2], "b": [1, 2]})
    );
    assert_eq!(
        json_of("base: &b {ip: 10.0.0.1, hostname: h}\nm:\n  <<: *b\n  hostname: k\n"),
        json!({"base": {"ip": "10.0.0.1", "hostname": "h"}, "m": {"ip": "10.0.0.1", "hostname": "k"}})
    );
    assert_eq!(
        json_of("m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n"),
        json!({"m": {"a": 1, "b": 2}})
    );
    assert_eq!(error_of("a: *x\n"), "yaml: unknown anchor 'x' referenced");
    assert_eq!(
        error_of("a: &x [*x]\n"),
        "yaml: anchor 'x' value contains itself"
    );
    assert_eq!(
        error_of("a:\n  <<: 5\n"),
        "yaml: map merge requires map or sequence of maps as the value"
    );
}

#[test]
fn only_the_first_document_is_read() {
    assert_eq!(json_of("a: 1\n---\nb: [\n"), json!({"a": 1}));
    assert_eq!(json_of("--- x\n"), json!("x"));
    assert_eq!(yaml_to_json(b"").unwrap(), b"null");
    assert_eq!(yaml_to_json(b"# only a comment\n").unwrap(), b"null");
}

#[test]
fn tags_binary_and_unsupported_values() {
    assert_eq!(
        json_of("a: !!str 5\nb: !!binary aGk=\nc: !!float 3\n"),
        json!({"a": "5", "b": "hi", "c": 3})
    );
    assert_eq!(
        error_of("a: !!int abc\n"),
        "yaml: cannot decode !!str `abc` as a !!int"
    );
    assert_eq!(
        error_of("a: !!binary '%%'\n"),
        "yaml: !!binary value contains invalid base64 data"
    );
    assert_eq!(error_of("a: .NaN\n"), "json: unsupported value: NaN");
    assert_eq!(error_of("a: -.inf\n"), "json: unsupported value: -Inf");
    assert_eq!(
        error_of("~: x\n"),
        "unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\""
    );
    assert_eq!(
        error_of("? [a]\n: b\n"),
        "yaml: invalid map key: []interface {}{\"a\"}"
    );
}

#[test]
fn syntax_errors_carry_libyaml_texts_and_go_yaml_lines() {
    // Scanner errors: the 0-based line of the position plus one, none on the first line.
    assert_eq!(
        error_of("a: b: c\n"),
        "yaml: mapping values are not allowed in this context"
    );
    assert_eq!(
        error_of("a:\n\tb: c\n"),
        "yaml: line 2: found character that cannot start any token"
    );
    assert_eq!(
        error_of("a: \"x\n"),
        "yaml: line 2: found unexpected end of stream"
    );
    assert_eq!(
        error_of("a: |\n  x\n\ty\n"),
        "yaml: line 3: found a tab character where an indentation space is expected"
    );
    assert_eq!(
        error_of("a: \"\\q\"\n"),
        "yaml: found unknown escape character"
    );
    assert_eq!(
        error_of("a: @x\n"),
        "yaml: found character that cannot start any token"
    );
    // Parser errors: the 0-based line of the token, as go-yaml prints it.
    assert_eq!(
        error_of("a: ["),
        "yaml: line 1: did not find expected node content"
    );
    assert_eq!(
        error_of("{a: 1"),
        "yaml: line 1: did not find expected ',' or '}'"
    );
    assert_eq!(
        error_of("- a\nb: c\n"),
        "yaml: line 1: did not find expected '-' indicator"
    );
    assert_eq!(
        error_of("a:\n  b: 1\n c: 2\n"),
        "yaml: line 2: did not find expected key"
    );
    // Reader errors have no position.
    assert_eq!(
        error_of("a: \u{1}\n"),
        "yaml: control characters are not allowed"
    );
    assert_eq!(
        yaml_to_json(b"a: \xff\n").unwrap_err().to_string(),
        "yaml: invalid leading UTF-8 octet"
    );
}

#[test]
fn block_scalars_and_folding() {
    assert_eq!(
        json_of("a: |+\n  line\n\n\nb: >\n  x\n  y\n\n  z\nc: |-\n  k\n"),
        json!({"a": "line\n\n\n", "b": "x y\nz\n", "c": "k"})
    );
    assert_eq!(
        json_of("a: plain\n  continued\nb: 'it''s'\nc: \"caf\\u00e9 \\t\"\n"),
        json!({"a": "plain continued", "b": "it's", "c": "café \t"})
    );
}

#[test]
fn nesting_beyond_the_json_limit_is_refused_without_exhausting_the_stack() {
    let deep = "[".repeat(5000) + &"]".repeat(5000);
    assert_eq!(yaml_to_json(deep.as_bytes()), Err(YamlError::TooDeep));
    let block: String = (0..2000)
        .map(|i| format!("{}- \n", " ".repeat(i)))
        .collect();
    assert!(yaml_to_json(block.as_bytes()).is_err());
}

#[test]
fn alias_bombs_stop_at_go_yaml_budget() {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        doc.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    assert_eq!(error_of(&doc), "yaml: document contains excessive aliasing");
}

#[test]
fn a_mapping_with_many_keys_keeps_each_once() {
    // Keys are looked up by hash: a body with tens of thousands of annotations stays linear.
    let mut doc = String::new();
    for i in 0..50_000 {
        doc.push_str(&format!("k{i}: v\n"));
    }
    doc.push_str("k7: last\n");
    let value = json_of(&doc);
    let map = value.as_object().expect("a mapping");
    assert_eq!(map.len(), 50_000);
    assert_eq!(map["k7"], "last");
    assert_eq!(
        yaml_to_json_strict(doc.as_bytes()).unwrap_err().to_string(),
        "yaml: unmarshal errors:\n  line 50001: key \"k7\" already set in map"
    );
}
