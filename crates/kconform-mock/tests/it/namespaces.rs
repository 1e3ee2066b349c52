//! The minimal namespaces API, the admin compaction endpoint and `as=Table` answers.

use reqwest::Method;
use serde_json::Value;

use crate::http_support::*;

#[tokio::test]
async fn namespaces_are_created_listed_and_deleted_at_once() {
    let s = TestServer::start().await;
    s.create_namespace("ns-a").await;
    let (status, dup) = json_of(
        s.req(Method::POST, "/api/v1/namespaces")
            .json(&serde_json::json!({"metadata": {"name": "ns-a"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, dup["reason"].as_str()),
        (409, Some("AlreadyExists"))
    );
    assert_eq!(s.post("ns-a", &endpoints("ep")).await.0, 201);
    let (_, list) = json_of(
        s.req(Method::GET, "/api/v1/namespaces")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["metadata"]["name"].as_str())
        .collect();
    assert!(
        names.contains(&"default") && names.contains(&"ns-a"),
        "{names:?}"
    );
    let (status, deleted) = json_of(
        s.req(Method::DELETE, "/api/v1/namespaces/ns-a")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, deleted["status"]["phase"].as_str()),
        (200, Some("Terminating"))
    );
    assert_eq!(
        s.req(Method::GET, "/api/v1/namespaces/ns-a")
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "gone at once"
    );
    assert_eq!(s.get("ns-a", "ep").await.0, 404, "its objects went with it");
    let (status, events) = json_of(
        s.req(Method::GET, "/api/v1/namespaces/default/events")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, events["items"].clone()),
        (200, serde_json::json!([]))
    );
}

#[tokio::test]
async fn only_administrators_compact() {
    let s = TestServer::start().await;
    let user = s
        .client
        .post(s.url("/kconform/admin/compact"))
        .bearer_auth(USER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), 403);
    let (status, body) = json_of(
        s.req(Method::POST, "/kconform/admin/compact")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let compacted: u64 = body["compactedResourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(compacted, s.server.state.store.current_rv());
}

#[tokio::test]
async fn kubectl_tables_have_the_endpoints_column() {
    let s = TestServer::start().await;
    s.post("default", &endpoints("ep-t")).await;
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    for path in [
        "/api/v1/namespaces/default/endpoints",
        "/api/v1/namespaces/default/endpoints/ep-t",
    ] {
        let response = s
            .req(Method::GET, path)
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        let (status, table) = json_of(response).await;
        assert_eq!(
            (status, table["kind"].as_str()),
            (200, Some("Table")),
            "{path}"
        );
        let columns: Vec<&str> = table["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(columns, ["Name", "Endpoints", "Age"]);
        let row: &Value = &table["rows"][0];
        assert_eq!(row["cells"][0], "ep-t");
        assert_eq!(row["cells"][1], "10.1.2.3:80");
        assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    }
}

/// A watch asked for as a Table (`kubectl get -w`) sends each event's object as a Table of it, and
/// only the first one with the column definitions (handlers/watch.go sets `NoHeaders` after it).
#[tokio::test]
async fn watched_tables_carry_the_columns_once() {
    let s = TestServer::start().await;
    let (_, created) = s.post("default", &endpoints("ep-w")).await;
    let patched = s
        .req(Method::PATCH, &ep_path("default", Some("ep-w")))
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"metadata":{"labels":{"w":"1"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let from = rv(&created) - 1;
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let response = s
        .req(
            Method::GET,
            &format!("/api/v1/namespaces/default/endpoints?watch=1&resourceVersion={from}&timeoutSeconds=1"),
        )
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{text}");
    assert_eq!(
        (events[0]["type"].as_str(), events[1]["type"].as_str()),
        (Some("ADDED"), Some("MODIFIED"))
    );
    for event in &events {
        let table = &event["object"];
        assert_eq!(table["kind"], "Table");
        assert_eq!(table["rows"][0]["cells"][0], "ep-w");
        assert_eq!(table["rows"][0]["cells"][1], "10.1.2.3:80");
    }
    assert_eq!(
        events[0]["object"]["columnDefinitions"][1]["name"],
        "Endpoints"
    );
    assert!(events[1]["object"]["columnDefinitions"].is_null(), "{text}");
    assert_eq!(
        events[1]["object"]["metadata"]["resourceVersion"],
        events[1]["object"]["rows"][0]["object"]["metadata"]["resourceVersion"]
    );
}
