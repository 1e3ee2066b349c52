//! Each fault switch breaks exactly the behaviour it names.

use kconform_mock::Fault;
use reqwest::Method;
use serde_json::json;

use crate::http_support::*;

async fn with_fault(fault: Fault) -> TestServer {
    let mut config = config(36);
    config.faults.insert(fault);
    let s = TestServer::with(config).await;
    s.create_namespace("f").await;
    s
}

#[tokio::test]
async fn create_returns_200() {
    let s = with_fault(Fault::CreateReturns200).await;
    assert_eq!(s.post("f", &endpoints("a")).await.0, 200);
}

#[tokio::test]
async fn no_conflict_on_stale_rv() {
    let s = with_fault(Fault::NoConflictOnStaleRv).await;
    let (_, created) = s.post("f", &endpoints("a")).await;
    let mut changed = created.clone();
    changed["metadata"]["labels"] = json!({"v": "1"});
    assert_eq!(
        s.req(Method::PUT, &ep_path("f", Some("a")))
            .json(&changed)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    changed["metadata"]["labels"] = json!({"v": "2"});
    assert_eq!(
        s.req(Method::PUT, &ep_path("f", Some("a")))
            .json(&changed)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn limit_ignored_and_no_remaining_item_count() {
    let s = with_fault(Fault::LimitIgnored).await;
    s.post("f", &endpoints("a")).await;
    s.post("f", &endpoints("b")).await;
    let (_, list) = json_of(
        s.req(Method::GET, "/api/v1/namespaces/f/endpoints?limit=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let s = with_fault(Fault::NoRemainingItemCount).await;
    s.post("f", &endpoints("a")).await;
    s.post("f", &endpoints("b")).await;
    let (_, list) = json_of(
        s.req(Method::GET, "/api/v1/namespaces/f/endpoints?limit=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list["metadata"]["continue"].is_string());
    assert!(list["metadata"].get("remainingItemCount").is_none());
}

#[tokio::test]
async fn dry_run_persists() {
    let s = with_fault(Fault::DryRunPersists).await;
    let response = s
        .req(Method::POST, "/api/v1/namespaces/f/endpoints?dryRun=All")
        .json(&endpoints("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(s.get("f", "a").await.0, 200);
}

#[tokio::test]
async fn drop_deprecation_warning() {
    let s = with_fault(Fault::DropDeprecationWarning).await;
    let response = s
        .req(Method::GET, "/api/v1/endpoints")
        .send()
        .await
        .unwrap();
    assert!(warnings(&response).is_empty());
}

#[tokio::test]
async fn no_default_protocol_skip_validation_and_reasons() {
    let s = with_fault(Fault::NoDefaultProtocol).await;
    let (_, created) = s.post("f", &endpoints("a")).await;
    assert!(created["subsets"][0]["ports"][0].get("protocol").is_none());
    let s = with_fault(Fault::SkipValidation).await;
    let mut bad = endpoints("b");
    bad["subsets"][0]["ports"][0]["port"] = json!(0);
    assert_eq!(s.post("f", &bad).await.0, 201);
    let s = with_fault(Fault::NotFoundWrongReason).await;
    assert_eq!(s.get("f", "missing").await.1["reason"], "Gone");
}

#[tokio::test]
async fn delete_returns_object() {
    let s = with_fault(Fault::DeleteReturnsObject).await;
    s.post("f", &endpoints("a")).await;
    let (status, body) = json_of(
        s.req(Method::DELETE, &ep_path("f", Some("a")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["kind"].as_str()), (200, Some("Endpoints")));
}
