//! Snapshots of a few Status bodies, byte for byte as kube-apiserver writes them.

use kconform_spec::cause::Cause;
use kconform_spec::status::{GroupKind, Status};

fn text(status: &Status) -> String {
    String::from_utf8(status.to_json_bytes()).unwrap()
}

#[test]
fn invalid_endpoints() {
    let causes = vec![Cause::new(
        "FieldValueInvalid",
        "Invalid value: 0: must be between 1 and 65535, inclusive",
        "subsets[0].ports[0].port",
    )];
    insta::assert_snapshot!(text(&Status::invalid(GroupKind::ENDPOINTS, "ep1", causes)));
}

#[test]
fn expired_continue_with_token() {
    insta::assert_snapshot!(text(&Status::expired_continue(Some(
        "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiZXAyXHUwMDAwIn0"
    ))));
}

#[test]
fn not_acceptable_pretty() {
    insta::assert_snapshot!(
        String::from_utf8(Status::not_acceptable().to_pretty_json_bytes()).unwrap()
    );
}

#[test]
fn invalid_list_options() {
    let causes = vec![Cause::new(
        "FieldValueForbidden",
        "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        "resourceVersionMatch",
    )];
    insta::assert_snapshot!(text(&Status::invalid_options("ListOptions", causes)));
}
