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

/// The path of an EndpointSlice (or the collection).
fn es_path(ns: &str, name: Option<&str>) -> String {
    let base = format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices");
    name.map_or(base.clone(), |name| format!("{base}/{name}"))
}

fn slice(name: &str, addresses: usize) -> serde_json::Value {
    let addresses: Vec<String> = (0..addresses)
        .map(|i| format!("10.1.{}.{}", i / 250, i % 250 + 1))
        .collect();
    json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": name},
        "addressType": "IPv4", "endpoints": [{"addresses": addresses}], "ports": [{"name": "http", "port": 80}]})
}

async fn es_send(
    s: &TestServer,
    method: Method,
    name: Option<&str>,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    json_of(
        s.req(method, &es_path("f", name))
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn es_generation_switches_break_only_their_rule() {
    // Faithful: ports move the generation, annotations do not.
    for (fault, after_ports, after_annotation) in [
        (None, 2, 2),
        (Some(Fault::EsGenerationIgnoresPorts), 1, 1),
        (Some(Fault::EsGenerationCountsAnnotations), 2, 3),
    ] {
        let mut config = config(36);
        if let Some(fault) = fault {
            config.faults.insert(fault);
        }
        let s = TestServer::with(config).await;
        s.create_namespace("f").await;
        let (code, mut object) = es_send(&s, Method::POST, None, &slice("es-1", 1)).await;
        assert_eq!(
            (code, object["metadata"]["generation"].clone()),
            (201, json!(1))
        );
        object["ports"] = json!([{"name": "http", "port": 8080, "protocol": "TCP"}]);
        let (code, mut object) = es_send(&s, Method::PUT, Some("es-1"), &object).await;
        assert_eq!(code, 200);
        assert_eq!(
            object["metadata"]["generation"],
            json!(after_ports),
            "{fault:?}"
        );
        object["metadata"]["annotations"] = json!({"a": "b"});
        let (_, object) = es_send(&s, Method::PUT, Some("es-1"), &object).await;
        assert_eq!(
            object["metadata"]["generation"],
            json!(after_annotation),
            "{fault:?}"
        );
    }
}

#[tokio::test]
async fn es_addresses_limit_off_by_one_refuses_exactly_100() {
    for (fault, code_100) in [(None, 201), (Some(Fault::EsAddressesLimitOffByOne), 422)] {
        let mut config = config(36);
        if let Some(fault) = fault {
            config.faults.insert(fault);
        }
        let s = TestServer::with(config).await;
        s.create_namespace("f").await;
        let (code, body) = es_send(&s, Method::POST, None, &slice("es-1", 100)).await;
        assert_eq!(code, code_100, "{fault:?}: {body}");
        let (code, body) = es_send(&s, Method::POST, None, &slice("es-2", 101)).await;
        assert_eq!(code, 422, "{fault:?}");
        assert_eq!(
            body["details"]["causes"][0]["message"],
            json!("Too many: 101: must have at most 100 items")
        );
    }
}

#[tokio::test]
async fn es_put_creates_gives_endpoint_slices_create_on_update() {
    for (fault, code) in [(None, 404), (Some(Fault::EsPutCreates), 201)] {
        let mut config = config(36);
        if let Some(fault) = fault {
            config.faults.insert(fault);
        }
        let s = TestServer::with(config).await;
        s.create_namespace("f").await;
        let (got, _) = es_send(&s, Method::PUT, Some("es-1"), &slice("es-1", 1)).await;
        assert_eq!(got, code, "{fault:?}");
    }
}
