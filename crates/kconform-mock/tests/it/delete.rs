//! DELETE and deletecollection: Status bodies, finalizers, preconditions, propagation.

use reqwest::Method;
use serde_json::{Value, json};

use kconform_mock::Config;

use crate::http_support::*;

async fn delete(s: &TestServer, name: &str, query: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = s.req(
        Method::DELETE,
        &format!("{}{query}", ep_path("d", Some(name))),
    );
    if let Some(body) = body {
        request = request.json(&body);
    }
    json_of(request.send().await.unwrap()).await
}

#[tokio::test]
async fn delete_answers_a_success_status_without_code() {
    let s = TestServer::start().await;
    s.create_namespace("d").await;
    let (_, created) = s.post("d", &endpoints("ep")).await;
    let (status, body) = delete(&s, "ep", "", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": {"name": "ep", "kind": "endpoints", "uid": created["metadata"]["uid"]}})
    );
    assert_eq!(s.get("d", "ep").await.0, 404);
    assert_eq!(delete(&s, "ep", "", None).await.0, 404);
}

#[tokio::test]
async fn finalizers_hold_objects_until_removed() {
    let s = TestServer::start().await;
    s.create_namespace("d").await;
    let mut body = endpoints("held");
    body["metadata"]["finalizers"] = json!(["example.com/hold"]);
    s.post("d", &body).await;
    let (status, first) = delete(&s, "held", "", None).await;
    assert_eq!(status, 200);
    assert!(first["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(first["metadata"]["deletionGracePeriodSeconds"], 0);
    let (status, second) = delete(&s, "held", "?orphanDependents=false", None).await;
    assert_eq!(status, 202);
    assert_eq!(
        second["metadata"]["deletionTimestamp"],
        first["metadata"]["deletionTimestamp"]
    );
    let (status, conflict) = s.post("d", &endpoints("held")).await;
    assert_eq!(
        (status, conflict["message"].as_str()),
        (
            409,
            Some("object is being deleted: endpoints \"held\" already exists")
        )
    );
    let response = s
        .req(Method::PATCH, &ep_path("d", Some("held")))
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"metadata": {"finalizers": null}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        s.get("d", "held").await.0,
        404,
        "removing the last finalizer deletes"
    );
}

#[tokio::test]
async fn preconditions_and_propagation() {
    let s = TestServer::start().await;
    s.create_namespace("d").await;
    let (_, created) = s.post("d", &endpoints("ep")).await;
    let options = |preconditions: Value| {
        Some(json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": preconditions}))
    };
    let (status, body) = delete(
        &s,
        "ep",
        "",
        options(json!({"uid": "00000000-0000-4000-8000-000000000001"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["details"]["kind"], "Endpoints");
    let (status, _) = delete(&s, "ep", "", options(json!({"resourceVersion": "1"}))).await;
    assert_eq!(status, 409);
    let (status, _) = delete(&s, "ep", "?dryRun=All", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        s.get("d", "ep").await.0,
        200,
        "dry-run deletes keep the object"
    );
    let (status, pending) = delete(&s, "ep", "?propagationPolicy=Foreground", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        pending["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    let (status, held) = s.get("d", "ep").await;
    assert_eq!(
        (status, &held["metadata"]["finalizers"]),
        (200, &json!(["foregroundDeletion"])),
        "without a garbage collector the object stays with its finalizer, as on a kube-apiserver alone"
    );
    let _ = created;
    let (status, invalid) = delete(&s, "ep", "?propagationPolicy=Bogus", None).await;
    assert_eq!(status, 422);
    assert_eq!(invalid["details"]["kind"], "DeleteOptions");
}

/// A second delete's options replace the garbage collector's finalizer (store.go,
/// `deletionFinalizersForGarbageCollection`): the held object is not held twice.
#[tokio::test]
async fn a_second_delete_s_options_replace_the_garbage_collector_s_finalizer() {
    let s = TestServer::start().await;
    s.create_namespace("d").await;
    s.post("d", &endpoints("ep")).await;
    let (_, orphaned) = delete(&s, "ep", "?propagationPolicy=Orphan", None).await;
    assert_eq!(orphaned["metadata"]["finalizers"], json!(["orphan"]));
    let (status, again) = delete(&s, "ep", "", None).await;
    assert_eq!(
        (status, &again["metadata"]["finalizers"]),
        (200, &json!(["orphan"])),
        "no option: the object's own finalizer stays"
    );
    let (status, foreground) = delete(&s, "ep", "?propagationPolicy=Foreground", None).await;
    assert_eq!(
        (status, &foreground["metadata"]["finalizers"]),
        (200, &json!(["foregroundDeletion"]))
    );
    assert_eq!(
        foreground["metadata"]["deletionTimestamp"],
        orphaned["metadata"]["deletionTimestamp"]
    );
    let (status, gone) = delete(&s, "ep", "?orphanDependents=false", None).await;
    assert_eq!(
        (status, gone["kind"].as_str(), gone["status"].as_str()),
        (200, Some("Status"), Some("Success")),
        "nothing holds it any more: deleted at once, 200 not 202"
    );
    assert_eq!(s.get("d", "ep").await.0, 404);

    let mut body = endpoints("held");
    body["metadata"]["finalizers"] = json!(["orphan", "example.com/hold"]);
    s.post("d", &body).await;
    let (status, held) = delete(&s, "held", "?orphanDependents=false", None).await;
    assert_eq!(
        (status, &held["metadata"]["finalizers"]),
        (202, &json!(["example.com/hold"]))
    );
    let (status, background) = delete(&s, "held", "?propagationPolicy=Background", None).await;
    assert_eq!(
        (status, &background["metadata"]["finalizers"]),
        (200, &json!(["example.com/hold"]))
    );
}

#[tokio::test]
async fn deletecollection_answers_the_deleted_list() {
    let s = TestServer::start().await;
    s.create_namespace("d").await;
    for (name, app) in [("a", "x"), ("b", "x"), ("c", "y")] {
        let mut body = endpoints(name);
        body["metadata"]["labels"] = json!({"app": app});
        s.post("d", &body).await;
    }
    let (status, deleted) = json_of(
        s.req(
            Method::DELETE,
            "/api/v1/namespaces/d/endpoints?labelSelector=app%3Dx",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["kind"], "EndpointsList");
    assert_eq!(deleted["items"].as_array().unwrap().len(), 2);
    assert_eq!(s.get("d", "a").await.0, 404);
    assert_eq!(s.get("d", "c").await.0, 200);
}

#[tokio::test]
async fn the_configured_garbage_collector_removes_its_finalizers_at_once() {
    let s = TestServer::with(Config {
        garbage_collector: true,
        ..config(36)
    })
    .await;
    s.create_namespace("d").await;
    for name in ["fg", "or", "held"] {
        let mut body = endpoints(name);
        if name == "held" {
            body["metadata"]["finalizers"] = json!(["example.com/hold"]);
        }
        assert_eq!(s.post("d", &body).await.0, 201);
    }
    let delete = |name: &str, policy: &str| {
        s.req(
            Method::DELETE,
            &format!("/api/v1/namespaces/d/endpoints/{name}?propagationPolicy={policy}"),
        )
        .send()
    };
    for (name, policy) in [
        ("fg", "Foreground"),
        ("or", "Orphan"),
        ("held", "Foreground"),
    ] {
        assert_eq!(delete(name, policy).await.expect("DELETE").status(), 200);
    }
    assert_eq!(s.get("d", "fg").await.0, 404);
    assert_eq!(s.get("d", "or").await.0, 404);
    let (status, held) = s.get("d", "held").await;
    assert_eq!(
        (status, &held["metadata"]["finalizers"]),
        (200, &json!(["example.com/hold"])),
        "the collector removes its own finalizer only"
    );
}
