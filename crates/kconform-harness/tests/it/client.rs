//! The recording client: exact requests, redacted evidence, reproducible curl lines, bounded waits.

use std::time::{Duration, Instant};

use kconform_harness::client::{Auth, Client, ClientError, Request};
use kconform_harness::target::Target;

use crate::support::{Script, json_response, serve};

#[tokio::test]
async fn records_exchange_with_redacted_token_and_curl_line() {
    let (url, mut heads) = serve(Script::Reply(json_response(
        "201 Created",
        &[r#"Warning: 299 - "unknown field \"foo\"""#],
        r#"{"kind":"Endpoints"}"#,
    )))
    .await;
    let target = Target::new(&url).expect("url").with_token("s3cret-token");
    let client = Client::new(&target).expect("client");
    let resp = client
        .send(
            Request::post("/api/v1/namespaces/ns/endpoints")
                .query("fieldManager", "it's me")
                .json(&serde_json::json!({"a": "b'c"})),
        )
        .await
        .expect("send");
    assert_eq!(resp.status, 201);
    assert_eq!(resp.warnings(), vec![r#"unknown field "foo""#]);

    let head = heads.recv().await.expect("request seen");
    assert!(
        head.starts_with("POST /api/v1/namespaces/ns/endpoints?fieldManager=it%27s+me HTTP/1.1"),
        "{head}"
    );
    assert!(
        head.contains("authorization: Bearer s3cret-token"),
        "the real token is sent: {head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("accept: application/json")
    );

    let log = client.log();
    assert_eq!(log.len(), 1);
    let ex = &log[0];
    let text = serde_json::to_string(ex).expect("json");
    assert!(
        !text.contains("s3cret-token"),
        "evidence leaks the token: {text}"
    );
    assert!(
        ex.request
            .headers
            .contains(&("Authorization".to_owned(), "Bearer <redacted>".to_owned()))
    );
    assert!(
        ex.curl.contains(r#"-H "Authorization: Bearer $TOKEN""#),
        "{}",
        ex.curl
    );
    assert!(
        ex.curl.contains(r#"--data-binary '{"a":"b'\''c"}'"#),
        "{}",
        ex.curl
    );
    assert!(ex.curl.starts_with("curl -sS -X POST"), "{}", ex.curl);
    assert_eq!(ex.response.as_ref().map(|r| r.status), Some(201));
}

#[tokio::test]
async fn anonymous_and_bad_token_requests_carry_no_target_credentials() {
    let (url, mut heads) = serve(Script::Reply(json_response("401 Unauthorized", &[], "{}"))).await;
    let client = Client::new(&Target::new(&url).expect("url").with_token("real")).expect("client");
    client
        .send(Request::get("/api").auth(Auth::Anonymous))
        .await
        .expect("send");
    let head = heads.recv().await.expect("head");
    assert!(
        !head.to_ascii_lowercase().contains("authorization"),
        "{head}"
    );
    client
        .send(Request::get("/api").auth(Auth::Bearer("bogus".to_owned())))
        .await
        .expect("send");
    let head = heads.recv().await.expect("head");
    assert!(
        head.contains("Bearer bogus") && !head.contains("real"),
        "{head}"
    );
    assert!(client.log()[1].curl.contains("$BAD_TOKEN"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (url, _heads) = serve(Script::Silent).await;
    let target = Target::new(&url)
        .expect("url")
        .with_timeout(Duration::from_millis(300));
    let client = Client::new(&target).expect("client");
    let started = Instant::now();
    let err = client
        .send(Request::get("/version"))
        .await
        .expect_err("must time out");
    assert!(matches!(err, ClientError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let err = client
        .stream(Request::get("/watch"))
        .await
        .expect_err("must time out");
    assert!(matches!(err, ClientError::Timeout { .. }), "{err}");
    assert_eq!(client.log().len(), 2, "failed exchanges are recorded too");
    assert!(client.log()[0].response.is_none());
}

#[tokio::test]
async fn malformed_requests_are_sent_as_given() {
    let (url, mut heads) = serve(Script::Reply(json_response("400 Bad Request", &[], "{}"))).await;
    let client = Client::new(&Target::new(&url).expect("url")).expect("client");
    client
        .send(
            Request::post("/x")
                .body_with_type("text/plain", "not json{")
                .header("Accept", "text/plain"),
        )
        .await
        .expect("send");
    let head = heads.recv().await.expect("head");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("content-type: text/plain"), "{head}");
    assert!(
        lower.contains("accept: text/plain") && !lower.contains("accept: application/json"),
        "{head}"
    );
    assert!(head.ends_with("not json{"), "{head}");
}

#[tokio::test]
async fn client_for_a_refused_port_reports_transport_error() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let target = Target::new(&format!("http://127.0.0.1:{port}"))
        .expect("url")
        .with_timeout(Duration::from_secs(2));
    let err = Client::new(&target)
        .expect("client")
        .send(Request::get("/"))
        .await
        .expect_err("refused");
    assert!(matches!(err, ClientError::Transport { .. }), "{err}");
}
