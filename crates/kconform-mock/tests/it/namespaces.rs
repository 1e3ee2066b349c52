//! The minimal namespaces API, the admin compaction endpoint and `as=Table` answers.

use reqwest::Method;
use serde_json::Value;

use crate::http_support::*;

#[tokio::test]
async fn namespaces_are_created_listed_and_terminated() {
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
    assert!(deleted["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        deleted["spec"]["finalizers"],
        serde_json::json!(["kubernetes"])
    );
    // Terminating: still readable, its objects too, and a second DELETE answers it as it is.
    let (status, again) = json_of(
        s.req(Method::DELETE, "/api/v1/namespaces/ns-a")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &again["metadata"]["resourceVersion"]),
        (200, &deleted["metadata"]["resourceVersion"])
    );
    assert_eq!(
        s.get("ns-a", "ep").await.0,
        200,
        "its objects stay until finalized"
    );
    // NamespaceLifecycle: no new content in a terminating namespace.
    let (status, refused) = s.post("ns-a", &endpoints("ep-2")).await;
    assert_eq!(
        (status, refused),
        (
            403,
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure",
                "message": "endpoints \"ep-2\" is forbidden: unable to create new content in namespace ns-a because it is being terminated",
                "reason": "Forbidden",
                "details": {"name": "ep-2", "kind": "endpoints", "causes": [{
                    "reason": "NamespaceTerminating",
                    "message": "namespace ns-a is being terminated",
                    "field": "metadata.namespace"}]},
                "code": 403})
        )
    );
    let (status, generated) = s
        .post(
            "ns-a",
            &serde_json::json!({"metadata": {"generateName": "ep-"}}),
        )
        .await;
    assert_eq!(
        (status, generated["message"].as_str()),
        (
            403,
            Some(
                "endpoints is forbidden: unable to create new content in namespace ns-a because it is being terminated"
            )
        )
    );
    // The namespace controller's part follows: the namespace and its objects go.
    wait_until_gone(&s, "ns-a").await;
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

/// Waits, bounded, for namespace `name` to be gone (GET 404).
async fn wait_until_gone(s: &TestServer, name: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = s
            .req(Method::GET, &format!("/api/v1/namespaces/{name}"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 404 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "namespace {name} still there (HTTP {status})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_initial_namespaces_may_not_be_deleted_and_finalizers_hold_a_namespace() {
    let s = TestServer::start().await;
    for name in ["default", "kube-system", "kube-public"] {
        let (status, body) = json_of(
            s.req(Method::DELETE, &format!("/api/v1/namespaces/{name}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, body["message"].as_str(), &body["details"]),
            (
                403,
                Some(
                    format!(
                        "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
                    )
                    .as_str()
                ),
                &serde_json::json!({"name": name, "kind": "namespaces"})
            )
        );
    }
    // A finalizer of the namespace's metadata holds it, finalized, until a client removes it.
    let (status, _) = json_of(
        s.req(Method::POST, "/api/v1/namespaces")
            .json(&serde_json::json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(s.post("held", &endpoints("ep")).await.0, 201);
    let status = s
        .req(Method::DELETE, "/api/v1/namespaces/held")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    // Wait, bounded, for the controller's part: the contents go, the `kubernetes` finalizer too.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, ns) = json_of(
            s.req(Method::GET, "/api/v1/namespaces/held")
                .send()
                .await
                .unwrap(),
        )
        .await;
        if ns["spec"]["finalizers"].is_null() {
            assert_eq!(ns["status"]["phase"], "Terminating");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never finalized: {ns}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(s.get("held", "ep").await.0, 404);
    let status = s
        .req(Method::PATCH, "/api/v1/namespaces/held")
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"metadata":{"finalizers":null}}"#)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    wait_until_gone(&s, "held").await;
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
