//! LIST: pagination, snapshots, selectors, resourceVersion rules and 410s after compaction.

use reqwest::Method;
use serde_json::{Value, json};

use crate::http_support::*;

async fn list(s: &TestServer, path: &str) -> (u16, Value) {
    json_of(s.req(Method::GET, path).send().await.unwrap()).await
}

#[tokio::test]
async fn pages_come_from_one_snapshot_with_remaining_counts() {
    let s = TestServer::start().await;
    s.create_namespace("pages").await;
    for name in ["ep-1", "ep-2", "ep-3"] {
        assert_eq!(s.post("pages", &endpoints(name)).await.0, 201);
    }
    let (status, first) = list(&s, "/api/v1/namespaces/pages/endpoints?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(first["items"][0]["metadata"]["name"], "ep-1");
    assert_eq!(first["metadata"]["remainingItemCount"], 2);
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    // Written after the first page: not part of the snapshot the token refers to.
    assert_eq!(s.post("pages", &endpoints("ep-0")).await.0, 201);
    assert_eq!(s.post("pages", &endpoints("ep-4")).await.0, 201);
    let (_, second) = list(
        &s,
        &format!("/api/v1/namespaces/pages/endpoints?limit=1&continue={token}"),
    )
    .await;
    assert_eq!(second["items"][0]["metadata"]["name"], "ep-2");
    assert_eq!(second["metadata"]["remainingItemCount"], 1);
    assert_eq!(
        second["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
    let token = second["metadata"]["continue"].as_str().unwrap().to_owned();
    let (_, third) = list(
        &s,
        &format!("/api/v1/namespaces/pages/endpoints?limit=1&continue={token}"),
    )
    .await;
    assert_eq!(third["items"][0]["metadata"]["name"], "ep-3");
    assert!(third["metadata"].get("continue").is_none());
    assert!(third["metadata"].get("remainingItemCount").is_none());
    assert!(
        third["items"][0].get("kind").is_none(),
        "list items carry no kind"
    );
}

#[tokio::test]
async fn compaction_expires_tokens_and_exact_reads() {
    let s = TestServer::start().await;
    s.create_namespace("old").await;
    for name in ["a", "b"] {
        s.post("old", &endpoints(name)).await;
    }
    let (_, page) = list(&s, "/api/v1/namespaces/old/endpoints?limit=1").await;
    let token = page["metadata"]["continue"].as_str().unwrap().to_owned();
    let old_rv = page["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post("old", &endpoints("c")).await;
    let response = s
        .req(Method::POST, "/kconform/admin/compact")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, expired) = list(
        &s,
        &format!("/api/v1/namespaces/old/endpoints?limit=1&continue={token}"),
    )
    .await;
    assert_eq!((status, expired["reason"].as_str()), (410, Some("Expired")));
    let fresh = expired["metadata"]["continue"]
        .as_str()
        .expect("a new inconsistent token")
        .to_owned();
    let (status, rest) = list(
        &s,
        &format!("/api/v1/namespaces/old/endpoints?continue={fresh}"),
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["b", "c"],
        "continuing at latest includes later writes"
    );
    let (status, exact) = list(
        &s,
        &format!(
            "/api/v1/namespaces/old/endpoints?resourceVersion={old_rv}&resourceVersionMatch=Exact"
        ),
    )
    .await;
    assert_eq!(
        (status, exact["message"].as_str()),
        (
            410,
            Some("The resourceVersion for the provided list is too old.")
        )
    );
    let (status, _) = list(
        &s,
        "/api/v1/namespaces/old/endpoints?resourceVersion=1&limit=1",
    )
    .await;
    assert_eq!(
        status, 410,
        "resourceVersion=1 is always older than the history"
    );
}

#[tokio::test]
async fn selectors_filter_and_report_exact_errors() {
    let s = TestServer::start().await;
    s.create_namespace("sel").await;
    for (name, labels) in [
        ("ep-1", json!({"app": "a", "tier": "1"})),
        ("ep-2", json!({"app": "b"})),
        ("ep-3", json!({})),
    ] {
        let mut body = endpoints(name);
        body["metadata"]["labels"] = labels;
        s.post("sel", &body).await;
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (selector, expected) in [
        ("app%3Da", vec!["ep-1"]),
        ("app%20in%20(a%2Cb)", vec!["ep-1", "ep-2"]),
        ("!app", vec!["ep-3"]),
        ("tier%3E0", vec!["ep-1"]),
    ] {
        let (_, body) = list(
            &s,
            &format!("/api/v1/namespaces/sel/endpoints?labelSelector={selector}"),
        )
        .await;
        assert_eq!(names(&body), expected, "{selector}");
    }
    let (_, paged) = list(
        &s,
        "/api/v1/namespaces/sel/endpoints?labelSelector=app&limit=1",
    )
    .await;
    assert!(
        paged["metadata"].get("remainingItemCount").is_none(),
        "no count with selectors"
    );
    let (_, by_name) = list(&s, "/api/v1/endpoints?fieldSelector=metadata.name%3Dep-2").await;
    assert_eq!(names(&by_name), ["ep-2"]);
    let (status, bad) = list(
        &s,
        "/api/v1/namespaces/sel/endpoints?fieldSelector=spec.foo%3Dx",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        bad["message"],
        "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let (status, bad) = list(&s, "/api/v1/namespaces/sel/endpoints?labelSelector=a%20b").await;
    assert_eq!(
        (status, bad["message"].as_str()),
        (
            400,
            Some("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")
        )
    );
}

#[tokio::test]
async fn resource_version_rules() {
    let s = TestServer::start().await;
    s.create_namespace("rvs").await;
    for name in ["a", "b"] {
        s.post("rvs", &endpoints(name)).await;
    }
    let (_, all) = list(
        &s,
        "/api/v1/namespaces/rvs/endpoints?resourceVersion=0&limit=1",
    )
    .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        2,
        "resourceVersion=0 ignores limit"
    );
    let (status, invalid) = list(
        &s,
        "/api/v1/namespaces/rvs/endpoints?resourceVersionMatch=NotOlderThan",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(invalid["details"]["kind"], "ListOptions");
    let (status, _) = list(&s, "/api/v1/namespaces/rvs/endpoints?limit=abc").await;
    assert_eq!(status, 400);
    let (status, empty) = list(&s, "/api/v1/namespaces/absent/endpoints").await;
    assert_eq!((status, empty["items"].clone()), (200, json!([])));
}
