//! PATCH: the four patch types, conflicts, and the router's 415.

use reqwest::Method;
use serde_json::{Value, json};

use crate::http_support::*;

async fn patch(
    s: &TestServer,
    name: &str,
    content_type: &str,
    query: &str,
    body: String,
) -> (u16, Value) {
    let path = format!("{}{query}", ep_path("p", Some(name)));
    json_of(
        s.req(Method::PATCH, &path)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn merge_json_and_strategic_patches() {
    let s = TestServer::start().await;
    s.create_namespace("p").await;
    let mut body = endpoints("ep");
    body["metadata"]["labels"] = json!({"a": "1"});
    s.post("p", &body).await;
    let (status, merged) = patch(&s, "ep", "application/merge-patch+json", "",
        json!({"metadata": {"labels": {"b": "2"}}, "subsets": [{"addresses": [{"ip": "10.9.9.9"}]}]}).to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(merged["metadata"]["labels"], json!({"a": "1", "b": "2"}));
    assert_eq!(
        merged["subsets"],
        json!([{"addresses": [{"ip": "10.9.9.9"}]}])
    );
    let (status, patched) = patch(
        &s,
        "ep",
        "application/json-patch+json",
        "",
        json!([{"op": "add", "path": "/subsets/0/addresses/-", "value": {"ip": "10.9.9.10"}}])
            .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(patched["subsets"][0]["addresses"][1]["ip"], "10.9.9.10");
    let (status, smp) = patch(&s, "ep", "application/strategic-merge-patch+json", "",
        json!({"metadata": {"labels": {"a": null}}, "subsets": [{"addresses": [{"ip": "10.0.0.25"}], "ports": [{"name": "http-test", "port": 8080}]}]}).to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(smp["metadata"]["labels"], json!({"b": "2"}));
    assert_eq!(
        smp["subsets"][0]["ports"][0],
        json!({"name": "http-test", "port": 8080, "protocol": "TCP"})
    );
    let (status, failed) = patch(
        &s,
        "ep",
        "application/json-patch+json",
        "",
        json!([{"op": "test", "path": "/metadata/name", "value": "other"}]).to_string(),
    )
    .await;
    assert_eq!((status, failed["details"].clone()), (422, json!({})));
    let (status, missing) = patch(
        &s,
        "nope",
        "application/merge-patch+json",
        "",
        "{}".to_owned(),
    )
    .await;
    assert_eq!(
        (status, missing["reason"].as_str()),
        (404, Some("NotFound"))
    );
}

#[tokio::test]
async fn server_side_apply_owns_fields_and_conflicts() {
    let s = TestServer::start().await;
    s.create_namespace("p").await;
    let applied = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ep\nsubsets:\n- addresses:\n  - ip: 10.1.1.1\n";
    let (status, created) = patch(
        &s,
        "ep",
        "application/apply-patch+yaml",
        "?fieldManager=a",
        applied.to_owned(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        created["metadata"]["managedFields"][0]["operation"],
        "Apply"
    );
    let other = applied.replace("10.1.1.1", "10.2.2.2");
    let (status, conflict) = patch(
        &s,
        "ep",
        "application/apply-patch+yaml",
        "?fieldManager=b",
        other.clone(),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        conflict["message"],
        "Apply failed with 1 conflict: conflict with \"a\": .subsets"
    );
    let (status, forced) = patch(
        &s,
        "ep",
        "application/apply-patch+yaml",
        "?fieldManager=b&force=true",
        other,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(forced["subsets"][0]["addresses"][0]["ip"], "10.2.2.2");
    let (status, required) = patch(
        &s,
        "ep",
        "application/apply-patch+yaml",
        "",
        applied.to_owned(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        required["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
}

#[tokio::test]
async fn unsupported_patch_types_and_huge_json_patches() {
    let s = TestServer::start().await;
    s.create_namespace("p").await;
    s.post("p", &endpoints("ep")).await;
    let response = s
        .req(Method::PATCH, &ep_path("p", Some("ep")))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(
        warnings(&response).is_empty(),
        "the router's 415 carries no deprecation Warning"
    );
    let (status, body) = json_of(response).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (415, Some("415: Unsupported Media Type"))
    );
    let ops: Vec<Value> = (0..10_001)
        .map(|_| json!({"op": "test", "path": "/kind", "value": "Endpoints"}))
        .collect();
    let (status, too_many) = patch(
        &s,
        "ep",
        "application/json-patch+json",
        "",
        Value::Array(ops).to_string(),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        too_many["message"],
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    );
}

/// A JSON patch body is read as the jsonPatcher reads it (handlers/patch.go): strictly into
/// `[]jsonPatchOp` first (Strict and Warn), then by `jsonpatch.DecodePatch`, each failure with Go's
/// text; what decodes but cannot be applied is the generic 422; unknown operation keys are strict
/// problems.
#[tokio::test]
async fn json_patch_bodies_fail_with_go_s_texts() {
    let s = TestServer::start().await;
    s.create_namespace("p").await;
    s.post("p", &endpoints("jp")).await;
    let json_patch = "application/json-patch+json";
    let cases = [
        (
            "",
            r#"{"metadata":{}}"#,
            400,
            "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
        ),
        (
            "?fieldValidation=Strict",
            r#"[{"op":1,"path":"/x"}]"#,
            400,
            "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string",
        ),
        (
            "?fieldValidation=Ignore",
            r#"{"metadata":{}}"#,
            400,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        (
            "?fieldValidation=Ignore",
            r#"[{"op":1,"path":"/x"}]"#,
            422,
            "the server rejected our request due to an error in our request",
        ),
        (
            "",
            r#"[{"op":"bogus","path":"/x"}]"#,
            422,
            "the server rejected our request due to an error in our request",
        ),
    ];
    for (query, body, status, message) in cases {
        let (got, answer) = patch(&s, "jp", json_patch, query, body.to_owned()).await;
        assert_eq!(
            (got, answer["message"].as_str()),
            (status, Some(message)),
            "{query} {body}"
        );
    }
    let (status, unchanged) = patch(&s, "jp", json_patch, "", "null".to_owned()).await;
    assert_eq!(
        (status, unchanged["kind"].as_str()),
        (200, Some("Endpoints"))
    );
    let extra_key = r#"[{"op":"add","path":"/metadata/labels","value":{"a":"b"},"foo":1}]"#;
    let response = s
        .req(Method::PATCH, &ep_path("p", Some("jp")))
        .header("Content-Type", json_patch)
        .body(extra_key)
        .send()
        .await
        .unwrap();
    assert!(
        warnings(&response).contains(&r#"299 - "json patch unknown field \"[0].foo\"""#.to_owned()),
        "{:?}",
        warnings(&response)
    );
    let (status, strict) = patch(
        &s,
        "jp",
        json_patch,
        "?fieldValidation=Strict",
        extra_key.to_owned(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        strict["message"].as_str().is_some_and(
            |m| m.ends_with(r#"strict decoding error: json patch unknown field "[0].foo""#)
        ),
        "{strict}"
    );
}
