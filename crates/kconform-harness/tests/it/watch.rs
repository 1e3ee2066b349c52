//! The watch-stream reader against loopback servers: chunking, who ended the stream, bounded waits,
//! malformed and huge lines.

use std::time::{Duration, Instant};

use kconform_harness::client::{Client, Request};
use kconform_harness::target::Target;
use kconform_harness::watch::{StreamEnd, WatchItem, WatchLimits, WatchReader};

use crate::support::{Script, chunked_head, serve};

fn limits(per_event_ms: u64, overall_ms: u64) -> WatchLimits {
    WatchLimits {
        per_event: Duration::from_millis(per_event_ms),
        overall: Duration::from_millis(overall_ms),
        max_line: 1024,
    }
}

async fn open(script: Script, limits: WatchLimits) -> WatchReader {
    let (url, _heads) = serve(script).await;
    let client = Client::new(
        &Target::new(&url)
            .expect("url")
            .with_timeout(Duration::from_secs(2)),
    )
    .expect("client");
    let resp = client
        .stream(Request::get("/api/v1/endpoints").query("watch", "true"))
        .await
        .expect("head");
    assert_eq!(resp.status, 200);
    WatchReader::from_response(resp, limits)
}

#[tokio::test]
async fn events_across_chunks_then_server_end() {
    let ms = Duration::from_millis;
    let mut reader = open(
        Script::Chunks {
            head: chunked_head(),
            chunks: vec![
                (
                    ms(0),
                    br#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#
                        .to_vec(),
                ),
                (ms(20), b"\n{\"type\":\"MODI".to_vec()),
                (
                    ms(20),
                    b"FIED\",\"object\":{\"metadata\":{\"resourceVersion\":\"2\"}}}\n".to_vec(),
                ),
            ],
            hang: false,
        },
        limits(2000, 5000),
    )
    .await;
    let d = reader.drain().await;
    assert_eq!(d.end, StreamEnd::Server);
    assert!(d.end.by_server());
    assert_eq!(
        d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["ADDED", "MODIFIED"]
    );
    assert_eq!(d.events[0].name(), Some("a"));
    assert_eq!(d.events[1].resource_version(), Some("2"));
    let evidence = reader.exchange().expect("evidence");
    let body = evidence.response.expect("response").body;
    assert!(
        body.contains("MODIFIED") && body.ends_with("[the server ended the stream]"),
        "{body}"
    );
}

#[tokio::test]
async fn a_stalled_stream_is_idle_then_capped() {
    let mut reader = open(
        Script::Chunks {
            head: chunked_head(),
            chunks: vec![],
            hang: true,
        },
        limits(100, 400),
    )
    .await;
    let started = Instant::now();
    assert_eq!(reader.next().await, WatchItem::Idle);
    assert!(reader.ended().is_none(), "idle is not an end");
    let d = reader.drain().await;
    assert_eq!(d.end, StreamEnd::IdleTimeout);
    assert!(!d.end.by_server());
    let mut last = reader.next().await;
    while last == WatchItem::Idle {
        last = reader.next().await;
    }
    assert_eq!(last, WatchItem::End(StreamEnd::Cap));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_server_that_never_answers_cannot_hang_the_client() {
    let (url, _heads) = serve(Script::Silent).await;
    let client = Client::new(
        &Target::new(&url)
            .expect("url")
            .with_timeout(Duration::from_millis(300)),
    )
    .expect("client");
    let started = Instant::now();
    assert!(
        client
            .stream(Request::get("/api/v1/endpoints?watch=true"))
            .await
            .is_err()
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_and_huge_lines_are_reported() {
    let ms = Duration::from_millis;
    let mut reader = open(
        Script::Chunks {
            head: chunked_head(),
            chunks: vec![
                (
                    ms(0),
                    b"garbage\n{\"type\":1,\"object\":{}}\n{\"type\":\"ADDED\"}\n".to_vec(),
                ),
                (ms(0), vec![b'x'; 2048]),
            ],
            hang: true,
        },
        limits(1000, 3000),
    )
    .await;
    let d = reader.drain().await;
    assert_eq!(d.malformed.len(), 3, "{:?}", d.malformed);
    assert!(d.malformed[0].1.starts_with("not JSON"));
    assert_eq!(d.end, StreamEnd::LineTooLong(1024));
    assert!(d.events.is_empty());
}
