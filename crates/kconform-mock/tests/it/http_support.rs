//! Shared helpers for the HTTP tests: a server on 127.0.0.1:0 and a reqwest client with its token.

use std::time::Duration;

use kconform_mock::{Config, RunningServer};
use kconform_spec::K8sVersion;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub(crate) const ADMIN_TOKEN: &str = "admin-token";
pub(crate) const USER_TOKEN: &str = "user-token";
pub(crate) const DEPRECATION: &str =
    "299 - \"v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\"";

/// A running mock with an HTTP client.
pub(crate) struct TestServer {
    pub(crate) server: RunningServer,
    pub(crate) client: reqwest::Client,
}

pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a plain client builds")
}

/// A config with an administrator and an unprivileged user `bob`.
pub(crate) fn config(version: u32) -> Config {
    let mut config = Config {
        version: K8sVersion::new(version),
        ..Config::default()
    }
    .with_admin_token(ADMIN_TOKEN);
    config.tokens.push(kconform_mock::TokenEntry {
        token: USER_TOKEN.to_owned(),
        user: "bob".to_owned(),
        uid: "bob-uid".to_owned(),
        groups: vec![],
    });
    config
}

impl TestServer {
    pub(crate) async fn start() -> TestServer {
        TestServer::with(config(36)).await
    }

    pub(crate) async fn with(config: Config) -> TestServer {
        let server = kconform_mock::spawn(config)
            .await
            .expect("the mock starts on 127.0.0.1:0");
        TestServer {
            server,
            client: client(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    /// A request as the administrator.
    pub(crate) fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .header("User-Agent", "it-tests/1.0")
    }

    pub(crate) async fn create_namespace(&self, name: &str) {
        let response = self
            .req(Method::POST, "/api/v1/namespaces")
            .json(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
            .send()
            .await
            .expect("POST namespace");
        assert_eq!(response.status(), 201, "creating namespace {name}");
    }

    pub(crate) async fn post(&self, ns: &str, body: &Value) -> (u16, Value) {
        let response = self
            .req(Method::POST, &ep_path(ns, None))
            .json(body)
            .send()
            .await
            .expect("POST");
        json_of(response).await
    }

    pub(crate) async fn get(&self, ns: &str, name: &str) -> (u16, Value) {
        json_of(
            self.req(Method::GET, &ep_path(ns, Some(name)))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }
}

pub(crate) fn ep_path(ns: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("/api/v1/namespaces/{ns}/endpoints/{name}"),
        None => format!("/api/v1/namespaces/{ns}/endpoints"),
    }
}

/// A valid Endpoints body.
pub(crate) fn endpoints(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80}]}]})
}

pub(crate) async fn json_of(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a readable body");
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("body is not JSON ({err}): {text}"));
    (status, value)
}

pub(crate) fn warnings(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect()
}

pub(crate) fn rv(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a numeric resourceVersion")
}
