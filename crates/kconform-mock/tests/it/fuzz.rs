//! Random requests: every answer is a success or a well-formed Status (or, for a path with a malformed
//! percent-escape, Go's HTTP server's plain `400 Bad Request`), and the server keeps serving.

use std::sync::OnceLock;

use proptest::prelude::*;
use reqwest::Method;
use serde_json::Value;

use crate::http_support::*;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        runtime().block_on(async {
            let s = TestServer::start().await;
            s.create_namespace("fuzz").await;
            s
        })
    })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::PATCH),
        Just(Method::DELETE),
        Just(Method::HEAD),
        Just(Method::OPTIONS),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("ep-1".to_owned()),
        Just("".to_owned()),
        "[a-z0-9.%-]{1,12}",
        Just("..".to_owned())
    ];
    (0..8u8, name).prop_map(|(shape, name)| match shape {
        0 => "/api/v1/namespaces/fuzz/endpoints".to_owned(),
        1 => format!("/api/v1/namespaces/fuzz/endpoints/{name}"),
        2 => "/api/v1/endpoints".to_owned(),
        3 => format!("/api/v1/namespaces/{name}/endpoints"),
        4 => format!("/api/v1/namespaces/{name}"),
        5 => "/api/v1/namespaces".to_owned(),
        6 => format!("/{name}"),
        _ => format!("/api/v1/namespaces/fuzz/endpoints/{name}/status"),
    })
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("limit"),
        Just("continue"),
        Just("resourceVersion"),
        Just("resourceVersionMatch"),
        Just("labelSelector"),
        Just("fieldSelector"),
        Just("dryRun"),
        Just("fieldManager"),
        Just("fieldValidation"),
        Just("force"),
        Just("pretty"),
        Just("propagationPolicy"),
        Just("orphanDependents"),
        Just("gracePeriodSeconds"),
        Just("timeoutSeconds"),
        Just("sendInitialEvents"),
    ];
    let value = prop_oneof![
        Just("1".to_owned()),
        Just("All".to_owned()),
        Just("-1".to_owned()),
        "[ -~]{0,12}"
    ];
    proptest::collection::vec((key, value), 0..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json")),
        Just(Some("application/yaml")),
        Just(Some("text/plain")),
        Just(Some("application/merge-patch+json")),
        Just(Some("application/json-patch+json")),
        Just(Some("application/strategic-merge-patch+json")),
        Just(Some("application/apply-patch+yaml")),
    ]
}

fn accept() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json")),
        Just(Some("application/yaml")),
        Just(Some("text/html")),
        Just(Some("*/*"))
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let object = prop_oneof![
        Just(
            r#"{"metadata":{"name":"ep-1"},"subsets":[{"addresses":[{"ip":"10.1.2.3"}]}]}"#
                .to_owned()
        ),
        Just(r#"[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]"#.to_owned()),
        Just(r#"{"metadata":{"name":"ep-1","finalizers":["example.com/x"]}}"#.to_owned()),
        Just(
            r#"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"x"}}"#.to_owned()
        ),
        Just("apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ep-1\n".to_owned()),
        "[ -~]{0,40}",
    ];
    prop_oneof![
        object.prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..64)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, .. ProptestConfig::default() })]

    #[test]
    fn every_answer_is_a_success_or_a_status(
        method in method(), path in path(), query in query(), content_type in content_type(), accept in accept(),
        body in body(),
    ) {
        let s = server();
        let url = if query.is_empty() { s.url(&path) } else { format!("{}?{query}", s.url(&path)) };
        let outcome = runtime().block_on(async {
            let mut request = s.client.request(method.clone(), url).bearer_auth(ADMIN_TOKEN).body(body);
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            let response = request.send().await.expect("the server answers");
            let status = response.status().as_u16();
            let content = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
            (status, content, response.bytes().await.expect("a complete body"))
        });
        let (status, content, bytes) = outcome;
        prop_assert!(status <= 500 || status == 504, "unexpected status {}", status);
        if kconform_spec::urls::unescape_path(&path).is_err() {
            // Go's net/http refuses the request URI before kube-apiserver sees it.
            prop_assert_eq!(status, 400);
            prop_assert_eq!(content.as_deref(), Some("text/plain; charset=utf-8"));
            if method != Method::HEAD {
                prop_assert_eq!(&bytes[..], b"400 Bad Request");
            }
        } else if status >= 400 && method != Method::HEAD {
            let text = String::from_utf8_lossy(&bytes);
            let parsed: Result<Value, _> = if content.as_deref() == Some("application/yaml") {
                kconform_spec::yaml::yaml_to_json(&bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|json| serde_json::from_slice(&json).map_err(|e| e.to_string()))
            } else {
                serde_json::from_str(&text).map_err(|e| e.to_string())
            };
            let value = parsed.map_err(|e| TestCaseError::fail(format!("{status} body is not a document ({e}): {text}")))?;
            prop_assert_eq!(&value["kind"], "Status", "{}", text);
            prop_assert_eq!(&value["status"], "Failure");
            prop_assert_eq!(value["code"].as_u64(), Some(u64::from(status)), "{}", text);
        }
        if status == 500 {
            // The only 500s are the ones kube-apiserver gives too, never a crash.
            let text = String::from_utf8_lossy(&bytes);
            prop_assert!(!text.contains("panicked"), "{}", text);
        }
    }
}

#[test]
fn the_server_still_answers_after_fuzzing() {
    let s = server();
    let status = runtime().block_on(async {
        s.req(Method::GET, "/healthz")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
}
