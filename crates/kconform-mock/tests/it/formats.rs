//! Content negotiation, pretty output, YAML, body limits, Warning headers and version emulation.

use reqwest::Method;
use serde_json::Value;

use crate::http_support::*;

#[tokio::test]
async fn accept_headers_choose_json_or_yaml_or_406() {
    let s = TestServer::start().await;
    let path = "/api/v1/namespaces/default/endpoints";
    let response = s
        .req(Method::GET, path)
        .header(
            "Accept",
            "application/vnd.kubernetes.protobuf,application/json",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.kubernetes.protobuf"
    );
    let response = s
        .req(Method::GET, path)
        .header("Accept", "application/yaml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/yaml");
    let text = response.text().await.unwrap();
    assert!(text.contains("kind: EndpointsList"), "{text}");
    let response = s
        .req(Method::GET, path)
        .header("Accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert!(
        warnings(&response).is_empty(),
        "the router's 406 carries no Warning"
    );
    assert_eq!(response.status(), 406);
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("{\n  \"kind\": \"Status\""),
        "the router writes 406 indented: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["message"],
        "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch",
        "a list's route also produces the watch forms"
    );
}

#[tokio::test]
async fn pretty_output_by_parameter_or_user_agent() {
    let s = TestServer::start().await;
    let compact = s
        .req(Method::GET, "/api/v1/namespaces/default/endpoints")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        compact.ends_with("}\n") && !compact.contains("\n  "),
        "{compact}"
    );
    let pretty = s
        .req(
            Method::GET,
            "/api/v1/namespaces/default/endpoints?pretty=true",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        pretty.starts_with("{\n  \"kind\"") && pretty.ends_with('}'),
        "{pretty}"
    );
    let curl = s
        .client
        .get(s.url("/api/v1/namespaces/default/endpoints"))
        .bearer_auth(ADMIN_TOKEN)
        .header("User-Agent", "curl/8.5.0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(curl.starts_with("{\n  "));
}

#[tokio::test]
async fn yaml_bodies_and_the_body_limit() {
    let s = TestServer::start().await;
    let yaml = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ep-yaml\nsubsets:\n- addresses:\n  - ip: 10.1.2.3\n";
    let response = s
        .req(Method::POST, &ep_path("default", None))
        .header("Content-Type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let big = format!(
        "{{\"metadata\":{{\"name\":\"big\",\"annotations\":{{\"a\":\"{}\"}}}}}}",
        "x".repeat(3 * 1024 * 1024)
    );
    let response = s
        .req(Method::POST, &ep_path("default", None))
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (413, Some("Request entity too large: limit is 3145728"))
    );
    let response = s
        .req(Method::POST, &ep_path("default", None))
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        warnings(&response),
        [DEPRECATION],
        "handler-level errors carry the deprecation Warning"
    );
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn deprecation_warning_and_version_follow_the_emulated_version() {
    for (minor, git_version, warned) in [
        (36, "v1.36.2", true),
        (33, "v1.33.0", true),
        (28, "v1.28.7", false),
    ] {
        let s = TestServer::with(config(minor)).await;
        let response = s
            .req(Method::GET, "/api/v1/endpoints")
            .send()
            .await
            .unwrap();
        assert_eq!(!warnings(&response).is_empty(), warned, "1.{minor}");
        let (_, version) = json_of(s.req(Method::GET, "/version").send().await.unwrap()).await;
        assert_eq!(version["gitVersion"], git_version);
    }
}

#[tokio::test]
async fn discovery_and_health_for_kubectl() {
    let s = TestServer::start().await;
    for path in [
        "/api",
        "/api/v1",
        "/apis",
        "/openapi/v3",
        "/openapi/v3/api/v1",
        "/openapi/v2",
        "/api/v1/namespaces/default/events",
    ] {
        let response = s.req(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(body.is_object(), "{path}");
    }
    assert_eq!(
        s.req(Method::GET, "/readyz")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let (status, missing) =
        json_of(s.req(Method::GET, "/no/such/thing").send().await.unwrap()).await;
    assert_eq!(
        (status, missing["reason"].as_str()),
        (404, Some("NotFound"))
    );
}
