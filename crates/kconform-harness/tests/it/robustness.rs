//! Robustness: the real checks against servers that answer badly.
//!
//! * Crafted bad answers (wrong status, malformed JSON, missing fields, wrong content type, a huge
//!   body) make a representative check of every family FAIL with evidence: not pass, not error, no
//!   panic, within its bounds.
//! * Broken watch streams (truncated, silent, endless blank lines) make the watch checks fail within
//!   their bounds.
//! * A server that accepts connections and never answers: every check ends within its bounds with
//!   an error or a failure.
//! * Random bodies and statuses fed to every response parser never panic, and never make a check
//!   panic or pass.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::Response as AxumResponse;
use bytes::Bytes;
use kconform_harness::model::{CheckResult, Outcome};
use kconform_harness::runner::{self, Check, RunOptions};
use kconform_harness::target::Target;
use regex::Regex;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "robustness-admin";
const USER_TOKEN: &str = "robustness-user";

/// One representative check per family.
const FAMILIES: &[(&str, &str)] = &[
    ("crud", "EP-CREATE-001"),
    ("crud", "EP-READ-001"),
    ("crud", "EP-REPLACE-001"),
    ("list", "EP-LIST-001"),
    ("watch", "EP-WATCH-002"),
    ("patch", "EP-PATCH-001"),
    ("delete", "EP-DELETE-001"),
    ("delete", "EP-DELCOL-001"),
    ("validation", "EP-VALID-001"),
    ("auth", "EP-AUTH-001"),
    ("options", "EP-OPTS-007"),
    ("discovery", "EP-DISC-001"),
];

fn checks_matching(ids: &[&str]) -> Vec<Check> {
    endpoints_v1::checks()
        .into_iter()
        .filter(|c| ids.contains(&c.meta.id))
        .collect()
}

async fn run_checks(url: &str, ids: &[&str], options: RunOptions) -> Vec<CheckResult> {
    let target = Target::new(url)
        .expect("a loopback target")
        .with_token(TOKEN)
        .with_user_token(USER_TOKEN)
        .with_timeout(Duration::from_secs(10));
    let checks = checks_matching(ids);
    assert_eq!(checks.len(), ids.len(), "every named check exists: {ids:?}");
    let pattern = format!("^({})$", ids.join("|"));
    let options = RunOptions {
        filter: Some(Regex::new(&pattern).expect("id pattern")),
        ..options
    };
    let run = tokio::time::timeout(
        Duration::from_secs(120),
        runner::run(&target, endpoints_v1::RESOURCE, &checks, &options, &|_| {}),
    )
    .await
    .expect("the run ends within 120 s")
    .expect("the run starts");
    run.results
}

fn options() -> RunOptions {
    RunOptions {
        jobs: 12,
        check_timeout: Duration::from_secs(30),
        ..RunOptions::default()
    }
}

/// Asserts a clear failure: expected and actual stated, evidence with a recorded answer, evidence
/// bodies bounded; returns a problem description otherwise.
fn clear_failure(scenario: &str, result: &CheckResult) -> Option<String> {
    let Outcome::Fail(failure) = &result.outcome else {
        return Some(format!(
            "{scenario}: {} {} instead of fail: {:?}",
            result.id,
            result.outcome.kind(),
            result.outcome
        ));
    };
    if failure.expected.trim().is_empty() || failure.actual.trim().is_empty() {
        return Some(format!(
            "{scenario}: {} fails without expected/actual: {failure:?}",
            result.id
        ));
    }
    if failure.evidence.is_empty() {
        return Some(format!("{scenario}: {} fails without evidence", result.id));
    }
    for exchange in &failure.evidence {
        if exchange.curl.is_empty() {
            return Some(format!(
                "{scenario}: {} evidence without a curl line",
                result.id
            ));
        }
        if let Some(response) = &exchange.response
            && response.body.len() > 1024 * 1024
        {
            return Some(format!(
                "{scenario}: {} evidence body of {} bytes is not truncated",
                result.id,
                response.body.len()
            ));
        }
    }
    if result.duration > Duration::from_secs(30) {
        return Some(format!(
            "{scenario}: {} took {:?}",
            result.id, result.duration
        ));
    }
    None
}

// ---- crafted bad answers (wiremock) ---------------------------------------------------------------

/// A server that lets the harness set up (version, namespaces) and answers every Endpoints request
/// with `bad(method)`.
async fn bad_server(bad: impl Fn(&str) -> ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/version"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"major": "1", "minor": "36", "gitVersion": "v1.36.2"})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/namespaces"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"kind": "Namespace", "apiVersion": "v1"})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"^/api/v1/namespaces/[^/]+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "Namespace"})))
        .with_priority(1)
        .mount(&server)
        .await;
    for verb in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        Mock::given(method(verb))
            .respond_with(bad(verb))
            .with_priority(5)
            .mount(&server)
            .await;
    }
    server
}

/// The status a well-behaved server would send for a successful request with this method.
fn success_status(verb: &str) -> u16 {
    if verb == "POST" { 201 } else { 200 }
}

/// What a bad server answers to a request with the given method.
type BadAnswer = Box<dyn Fn(&str) -> ResponseTemplate>;

fn scenarios() -> Vec<(&'static str, BadAnswer)> {
    let huge = {
        let mut body = String::from(
            r#"{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"x"},"pad":""#,
        );
        body.push_str(&"a".repeat(4 * 1024 * 1024));
        body.push_str("\"}");
        Bytes::from(body)
    };
    vec![
        (
            "wrong status",
            Box::new(|_: &str| {
                ResponseTemplate::new(500).set_body_json(json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "boom", "reason": "InternalError", "code": 500
                }))
            }),
        ),
        (
            "malformed JSON",
            Box::new(|verb: &str| {
                ResponseTemplate::new(success_status(verb)).set_body_raw(
                    r#"{"kind":"Endpoints","metadata":{"name":"#,
                    "application/json",
                )
            }),
        ),
        (
            "missing fields",
            Box::new(|verb: &str| {
                ResponseTemplate::new(success_status(verb)).set_body_raw("{}", "application/json")
            }),
        ),
        (
            "wrong content type",
            Box::new(|verb: &str| {
                ResponseTemplate::new(success_status(verb))
                    .set_body_raw("<html><body>hello</body></html>", "text/html")
            }),
        ),
        (
            "huge body",
            Box::new(move |verb: &str| {
                ResponseTemplate::new(success_status(verb))
                    .set_body_raw(huge.to_vec(), "application/json")
            }),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crafted_bad_answers_make_every_family_fail_with_evidence() {
    let ids: Vec<&str> = FAMILIES.iter().map(|(_, id)| *id).collect();
    let mut problems = Vec::new();
    for (scenario, bad) in scenarios() {
        let server = bad_server(bad).await;
        let started = Instant::now();
        let results = run_checks(&server.uri(), &ids, options()).await;
        assert_eq!(results.len(), ids.len(), "{scenario}: every check ran");
        problems.extend(results.iter().filter_map(|r| clear_failure(scenario, r)));
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{scenario}: the checks took {:?}",
            started.elapsed()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- broken watch streams (axum) ------------------------------------------------------------------

/// How the watch stream of [`watch_server`] misbehaves.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BrokenStream {
    /// Half an event, then the end.
    Truncated,
    /// Headers, then nothing, forever.
    Silent,
    /// An empty line every 20 ms, forever.
    EndlessBlankLines,
    /// One line that never ends.
    EndlessLine,
}

/// A server that behaves for everything but watches: creates echo the object, lists are empty.
pub(crate) async fn watch_server(broken: BrokenStream) -> String {
    let app = axum::Router::new().fallback(move |request: AxumRequest| async move {
        watch_server_answer(broken, request).await
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn json_answer(status: u16, body: &Value) -> AxumResponse {
    let mut response = AxumResponse::new(Body::from(body.to_string()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn watch_server_answer(broken: BrokenStream, request: AxumRequest) -> AxumResponse {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let is_watch = uri
        .query()
        .is_some_and(|q| q.contains("watch=true") || q.contains("watch=1"))
        || uri.path().starts_with("/api/v1/watch/");
    let body = axum::body::to_bytes(request.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    if uri.path() == "/version" {
        return json_answer(
            200,
            &json!({"major": "1", "minor": "36", "gitVersion": "v1.36.2"}),
        );
    }
    if is_watch {
        let stream: futures::stream::BoxStream<'static, Result<Bytes, Infallible>> = match broken {
            BrokenStream::Truncated => Box::pin(futures::stream::iter([Ok(Bytes::from_static(
                br#"{"type":"ADDED","object":{"kind":"Endpoi"#,
            ))])),
            BrokenStream::Silent => Box::pin(futures::stream::pending()),
            BrokenStream::EndlessBlankLines => Box::pin(futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some((Ok(Bytes::from_static(b"\n")), ()))
            })),
            BrokenStream::EndlessLine => Box::pin(futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((Ok(Bytes::from(vec![b'x'; 64 * 1024])), ()))
            })),
        };
        let mut response = AxumResponse::new(Body::from_stream(stream));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        return response;
    }
    let mut object: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".to_owned(), json!("7"));
        meta.insert(
            "uid".to_owned(),
            json!("00000000-0000-0000-0000-000000000001"),
        );
    }
    match method.as_str() {
        "POST" => json_answer(201, &object),
        "GET" => json_answer(
            200,
            &json!({"kind": "EndpointsList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}, "items": []}),
        ),
        "PUT" => json_answer(200, &object),
        _ => json_answer(
            200,
            &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broken_watch_streams_fail_within_their_bounds() {
    let ids = ["EP-WATCH-001", "EP-WATCH-002", "EP-WATCH-010"];
    let mut problems = Vec::new();
    let runs = [
        BrokenStream::Truncated,
        BrokenStream::Silent,
        BrokenStream::EndlessBlankLines,
        BrokenStream::EndlessLine,
    ]
    .map(|broken| async move {
        let url = watch_server(broken).await;
        (broken, run_checks(&url, &ids, options()).await)
    });
    for (broken, results) in futures::future::join_all(runs).await {
        let scenario = format!("{broken:?} watch stream");
        assert_eq!(results.len(), ids.len(), "{scenario}: every check ran");
        problems.extend(results.iter().filter_map(|r| clear_failure(&scenario, r)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- a server that never answers ------------------------------------------------------------------

/// Accepts every connection and holds it open without reading or writing.
async fn hanging_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (format!("http://{addr}"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_check_hangs_on_a_server_that_never_answers() {
    let (url, server) = hanging_server().await;
    let checks = endpoints_v1::checks();
    let target = Target::new(&url)
        .expect("a loopback target")
        .with_token(TOKEN)
        .with_user_token(USER_TOKEN)
        .with_timeout(Duration::from_secs(2));
    let check_timeout = Duration::from_secs(8);
    let options = RunOptions {
        jobs: 64,
        check_timeout,
        // An existing namespace, so the checks themselves (not the namespace setup) meet the server.
        namespace: Some("kconform-hanging".to_owned()),
        ..RunOptions::default()
    };
    let started = Instant::now();
    let run = tokio::time::timeout(
        Duration::from_secs(180),
        runner::run(&target, endpoints_v1::RESOURCE, &checks, &options, &|_| {}),
    )
    .await
    .expect("the whole suite ends within 180 s against a server that never answers")
    .expect("the run starts");
    server.abort();
    assert_eq!(run.results.len(), checks.len());
    let mut problems = Vec::new();
    for result in &run.results {
        match &result.outcome {
            Outcome::Error { message } if !message.is_empty() => {}
            Outcome::Fail(failure) if !failure.actual.is_empty() => {}
            Outcome::Skip { .. } | Outcome::Unsupported { .. } => {}
            other => problems.push(format!("{}: {other:?}", result.id)),
        }
        if result.duration > check_timeout + Duration::from_secs(2) {
            problems.push(format!("{} took {:?}", result.id, result.duration));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!(
        "{} checks against a silent server ended in {:?}",
        run.results.len(),
        started.elapsed()
    );
}

// ---- random answers to every parser -----------------------------------------------------------------

mod parsers {
    use std::path::Path;

    use kconform_harness::baseline::{Baseline, BaselineFormat};
    use kconform_harness::client::{Client, Request, split_warning_header};
    use kconform_harness::watch::{WatchLimits, WatchReader};
    use proptest::prelude::*;

    use super::*;

    /// Bodies that look a little like what a server sends, and plain noise.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            "[ -~\n]{0,256}".prop_map(String::into_bytes),
            proptest::sample::select(vec![
                r#"{"kind":"Status","apiVersion":"v1","status":"Failure","code":"x"}"#,
                r#"{"kind":"EndpointsList","items":null,"metadata":{"continue":7}}"#,
                r#"{"type":"ADDED","object":null}"#,
                r#"{"type":7,"object":{"metadata":{"resourceVersion":[1]}}}"#,
                r#"{"gitVersion":{},"major":1}"#,
                "\u{feff}{}",
                "null",
                "[]",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn watch_decoding_never_panics_and_ends(chunks in proptest::collection::vec(body(), 0..6)) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let stream = futures::stream::iter(
                    chunks.into_iter().map(|c| Ok::<_, std::io::Error>(Bytes::from(c))),
                );
                let limits = WatchLimits {
                    per_event: Duration::from_millis(200),
                    overall: Duration::from_secs(2),
                    max_line: 300,
                };
                let mut reader = WatchReader::new(Box::pin(stream), limits);
                let drained = tokio::time::timeout(Duration::from_secs(5), reader.drain())
                    .await
                    .expect("a finite stream is drained within its bounds");
                // Every line is accounted for as an event or as malformed, never lost silently.
                let _ = (drained.events.len(), drained.malformed.len(), drained.end.by_server());
            });
        }

        #[test]
        fn status_and_list_bodies_never_panic(bytes in body()) {
            let _ = serde_json::from_slice::<kconform_spec::status::Status>(&bytes);
            if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                let _ = value.pointer("/metadata/continue").and_then(Value::as_str);
                let _ = value.get("items").and_then(Value::as_array).map(Vec::len);
            }
        }

        #[test]
        fn kubeconfig_parsing_never_panics(text in "[ -~\n]{0,400}") {
            let _ = Target::from_kubeconfig_str(&text, None, Path::new("/nonexistent"));
            let _ = Target::from_kubeconfig_str(&text, Some("ctx"), Path::new("/nonexistent"));
        }

        #[test]
        fn kubeconfig_like_yaml_never_panics(
            server in "[ -~]{0,40}",
            token in "[ -~]{0,20}",
            ca in "[A-Za-z0-9+/=]{0,40}",
        ) {
            let text = format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: {server:?}\n    certificate-authority-data: {ca}\ncontexts:\n- name: c\n  context:\n    cluster: k\n    user: u\nusers:\n- name: u\n  user:\n    token: {token:?}\n"
            );
            let _ = Target::from_kubeconfig_str(&text, None, Path::new("/nonexistent"));
        }

        #[test]
        fn baselines_and_warnings_never_panic(text in "[ -~\n]{0,300}") {
            let _ = Baseline::parse(&text, BaselineFormat::Yaml, Path::new("b.yaml"));
            let _ = Baseline::parse(&text, BaselineFormat::Json, Path::new("b.json"));
            let _ = split_warning_header(&text);
            let _ = kconform_spec::options::decode_continue(&text);
        }
    }

    proptest! {
        // Each case is a real HTTP exchange; fewer cases keep the test fast.
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        #[test]
        fn random_answers_never_make_a_check_panic_or_pass(status in 200u16..600, bytes in body()) {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async {
                let answer = bytes.clone();
                let bytes = Bytes::from(bytes);
                let server = bad_server(move |_| {
                    ResponseTemplate::new(status).set_body_raw(bytes.to_vec(), "application/json")
                })
                .await;
                let ids: Vec<&str> = FAMILIES.iter().map(|(_, id)| *id).collect();
                let results = run_checks(&server.uri(), &ids, options()).await;
                for result in &results {
                    let panicked = matches!(&result.outcome, Outcome::Error { message } if message.contains("panicked"));
                    assert!(!panicked, "{} panicked: {:?}", result.id, result.outcome);
                    assert!(
                        !matches!(result.outcome, Outcome::Pass),
                        "{} passed against a server answering {status} {:?}",
                        result.id,
                        String::from_utf8_lossy(&answer)
                    );
                    assert!(result.duration < Duration::from_secs(30), "{} took {:?}", result.id, result.duration);
                }
            });
        }

        #[test]
        fn random_answers_over_http_never_panic(status in 100u16..600, bytes in body(), content_type in "[a-z/+-]{0,30}") {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async {
                let server = MockServer::start().await;
                // 1xx and 101 cannot be sent as final answers; use 200 for those.
                let status = if status < 200 { 200 } else { status };
                Mock::given(wiremock::matchers::any())
                    .respond_with(ResponseTemplate::new(status).set_body_raw(bytes.clone(), content_type.as_str()))
                    .mount(&server)
                    .await;
                let target = Target::new(&server.uri()).expect("target").with_timeout(Duration::from_secs(3));
                // /version parsing in the runner's preparation.
                let env = runner::RunEnv::prepare(&target, endpoints_v1::RESOURCE, &RunOptions::default()).await.expect("prepare");
                let _ = env.target_info();
                let client = Client::new(&target).expect("client");
                if let Ok(response) = client.send(Request::get("/api/v1/namespaces/x/endpoints")).await {
                    let _ = response.json();
                    let _ = response.warnings();
                    let _ = response.text();
                }
                if let Ok(stream) = client.stream(Request::get("/api/v1/endpoints").query("watch", "true")).await {
                    let limits = WatchLimits { per_event: Duration::from_millis(300), overall: Duration::from_secs(2), max_line: 4096 };
                    let mut reader = WatchReader::from_response(stream, limits);
                    let _ = tokio::time::timeout(Duration::from_secs(5), reader.drain()).await.expect("bounded");
                }
            });
        }
    }

    #[test]
    fn the_watch_reader_bounds_a_line_that_never_ends() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let endless = futures::stream::repeat_with(|| Ok(Bytes::from(vec![b'{'; 4096])));
            let limits = WatchLimits {
                per_event: Duration::from_secs(1),
                overall: Duration::from_secs(2),
                max_line: 64 * 1024,
            };
            let mut reader = WatchReader::new(Box::pin(endless), limits);
            let drained = tokio::time::timeout(Duration::from_secs(5), reader.drain())
                .await
                .expect("an endless line ends at the line limit");
            assert!(drained.events.is_empty());
            assert!(
                !drained.end.by_server(),
                "an endless line is not a server-side end: {:?}",
                drained.end
            );
        });
    }
}
