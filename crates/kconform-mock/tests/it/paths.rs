//! Odd request paths and queries: the 20 requests of `transcripts/paths/` (recorded from real
//! kube-apiserver v1.28.7 and v1.36.2) are sent to the reference server emulating each version,
//! byte for byte over a plain loopback socket, and must get the recorded status, kind, reason and
//! message. An HTTP client library would not do: it removes dot segments (`/.`, `%2E`) before sending.
//!
//! Also a proptest: a name the server accepts is found under any percent-encoding of it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconform_mock::{Config, RunningServer};
use kconform_spec::K8sVersion;
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::http_support::{TestServer, config, endpoints, json_of};

fn recording(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/paths")
        .join(format!("kube-apiserver-{version}.json"))
}

/// The recorded answer's fields, or the same fields read from the reference server's answer.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    kind: String,
    reason: Value,
    message: Value,
}

fn recorded_answer(case: &Value) -> Answer {
    Answer {
        status: case["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .expect("a recorded status"),
        kind: case["kind"].as_str().expect("a recorded kind").to_owned(),
        reason: case["reason"].clone(),
        message: case["message"].clone(),
    }
}

/// Undoes `Transfer-Encoding: chunked`.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = std::str::from_utf8(&body[..line_end]).expect("an ASCII chunk size");
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("a hex chunk size");
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}

/// Sends `METHOD target` exactly as written, as the recorder did (`Accept: application/json`, the
/// body `{}` for PUT and POST), and reads the answer as the recordings summarise it: a JSON body's
/// kind, reason and message, or `text` with the body as the message.
async fn send_raw(server: &RunningServer, method: &str, target: &str) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("the mock accepts connections");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: paths-replay/1\r\nConnection: close\r\n",
        server.addr
    );
    let body = if matches!(method, "PUT" | "POST") {
        "{}"
    } else {
        ""
    };
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    head.push_str(body);
    stream
        .write_all(head.as_bytes())
        .await
        .expect("the request is written");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the answer ends within 20 s")
        .expect("the answer is readable");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut payload = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    match serde_json::from_slice::<Value>(&payload) {
        Ok(value) if value.get("kind").is_some() => Answer {
            status,
            kind: value["kind"].as_str().unwrap_or_default().to_owned(),
            reason: value.get("reason").cloned().unwrap_or(Value::Null),
            message: value.get("message").cloned().unwrap_or(Value::Null),
        },
        _ => Answer {
            status,
            kind: "text".to_owned(),
            reason: Value::Null,
            message: Value::from(String::from_utf8_lossy(&payload).into_owned()),
        },
    }
}

async fn replay_paths(version: &str, minor: u32) {
    let text = std::fs::read_to_string(recording(version)).expect("the path recording reads");
    let recorded: Value = serde_json::from_str(&text).expect("the path recording is JSON");
    let cases = recorded["cases"].as_array().expect("a list of cases");
    assert_eq!(cases.len(), 20, "the recording holds the 20 cases");
    let server = kconform_mock::spawn(Config {
        version: K8sVersion::new(minor),
        ..Config::default()
    })
    .await
    .expect("the mock starts on 127.0.0.1:0");
    let mut differing = Vec::new();
    for case in cases {
        let request = case["request"].as_str().expect("a recorded request");
        let (method, target) = request.split_once(' ').expect("METHOD target");
        let want = recorded_answer(case);
        let got = send_raw(&server, method, target).await;
        if got != want {
            differing.push(format!(
                "{request}\n    expected {want:?}\n    actual   {got:?}"
            ));
        }
    }
    server.shutdown().await;
    assert!(
        differing.is_empty(),
        "{} of {} recorded path cases answer differently from kube-apiserver {version}:\n{}",
        differing.len(),
        cases.len(),
        differing.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_paths_answer_as_kube_apiserver_1_28() {
    replay_paths("v1.28.7", 28).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_paths_answer_as_kube_apiserver_1_36() {
    replay_paths("v1.36.2", 36).await;
}

/// A malformed escape is refused by Go's HTTP server before kube-apiserver sees the request, even
/// before authentication (net/http `conn.serve`: plain text, connection closed). Not recorded: read
/// from Go's source.
#[tokio::test]
async fn malformed_escapes_get_go_s_plain_400() {
    let server = kconform_mock::spawn(Config::default().with_admin_token("t"))
        .await
        .expect("the mock starts on 127.0.0.1:0");
    for target in [
        "/api/v1/namespaces/default/endpoints/a%zz",
        "/api/v1/namespaces/default/endpoints/a%4",
    ] {
        let got = send_raw(&server, "GET", target).await;
        let want = Answer {
            status: 400,
            kind: "text".to_owned(),
            reason: Value::Null,
            message: Value::from("400 Bad Request"),
        };
        assert_eq!(got, want, "{target}");
    }
    server.shutdown().await;
}

/// A DNS-subdomain name (what Endpoints accept) and, per byte, how to spell it: as is, or escaped
/// with lower or upper hex digits.
fn name_and_spelling() -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        "[a-z0-9]([a-z0-9.-]{0,30}[a-z0-9])?",
        proptest::collection::vec(0u8..3, 32),
    )
        .prop_filter(
            "no `..` inside a name segment, as the subdomain rule wants",
            |(name, _)| !name.contains("..") && !name.contains(".-") && !name.contains("-."),
        )
}

fn spell(name: &str, spelling: &[u8]) -> String {
    name.bytes()
        .enumerate()
        .map(|(i, byte)| match spelling[i % spelling.len()] {
            0 => char::from(byte).to_string(),
            1 => format!("%{byte:02x}"),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any name the server accepts is found under any percent-encoding of it, and the answer names
    /// it decoded.
    #[test]
    fn accepted_names_are_found_under_any_percent_encoding((name, spelling) in name_and_spelling()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime builds");
        runtime.block_on(async {
            let server = TestServer::with(config(36)).await;
            let (code, _) = server.post("default", &endpoints(&name)).await;
            prop_assert_eq!(code, 201, "{} is accepted", name);
            let spelled = spell(&name, &spelling);
            let (code, read) = json_of(
                server
                    .req(Method::GET, &format!("/api/v1/namespaces/default/endpoints/{spelled}"))
                    .send()
                    .await
                    .expect("GET"),
            )
            .await;
            prop_assert_eq!(code, 200, "GET {}", spelled);
            prop_assert_eq!(&read["metadata"]["name"], &json!(name));
            server.server.shutdown().await;
            Ok(())
        })?;
    }
}
