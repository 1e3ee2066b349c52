//! Kubernetes protobuf against the reference server.
//!
//! The recordings of `transcripts/protobuf/` (real kube-apiserver v1.28.7 and v1.36.2, exact bytes)
//! are replayed against the reference server emulating each version over a loopback socket, each
//! scenario on a fresh server, and every answer must be identical byte for byte once the server-chosen
//! values are substituted (by re-encoding, see `kconform_harness::replay::pb_record`).

use std::path::{Path, PathBuf};

use kconform_harness::replay::pb_record::{PbTarget, load_pb_dir, replay_pb};

use crate::transcripts::{ADMIN_TOKEN, USER_TOKEN, config};

fn recordings(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/protobuf")
        .join(format!("kube-apiserver-{version}"))
}

async fn replay_version(version: &str, minor: u32) {
    let scenarios = load_pb_dir(&recordings(version)).expect("the recordings load");
    assert_eq!(scenarios.len(), 9, "9 recorded scenarios at {version}");
    let runs = scenarios.iter().map(|scenario| async move {
        let server = kconform_mock::spawn(config(minor))
            .await
            .expect("the mock starts on 127.0.0.1:0");
        let target = PbTarget::new(&server.url, ADMIN_TOKEN, USER_TOKEN).expect("a client");
        let diff = replay_pb(&target, scenario).await;
        server.shutdown().await;
        diff
    });
    let diffs = futures::future::join_all(runs).await;
    let steps: usize = diffs.iter().map(|d| d.steps).sum();
    let differences: Vec<&String> = diffs.iter().flat_map(|d| &d.differences).collect();
    assert!(
        differences.is_empty(),
        "{} of {steps} steps differ at {version}:\n{}",
        differences.len(),
        differences
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(steps >= 50, "{steps} steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recorded_protobuf_scenarios_are_identical_at_1_36() {
    replay_version("v1.36.2", 36).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recorded_protobuf_scenarios_are_identical_at_1_28() {
    replay_version("v1.28.7", 28).await;
}

/// The harness's protobuf client (the spec crate's codec over HTTP), used as a client-go controller
/// configured for protobuf uses the API server: every request carries client-go's Accept
/// (`application/vnd.kubernetes.protobuf,application/json`), writes send protobuf bodies, a delete
/// sends a protobuf DeleteOptions, and an informer lists, then watches from the list's
/// resourceVersion and reads the frames.
mod client {
    use std::time::Duration;

    use kconform_harness::client::{Client, PROTOBUF, Request, Response};
    use kconform_harness::target::Target;
    use kconform_harness::watch::{Framing, WatchItem, WatchLimits, WatchReader};
    use serde_json::{Value, json};

    use crate::http_support::{ADMIN_TOKEN, TestServer, config};

    const CLIENT_GO_ACCEPT: &str = "application/vnd.kubernetes.protobuf,application/json";

    fn client(server: &TestServer) -> Client {
        let target = Target::new(&server.server.url)
            .expect("a loopback target")
            .with_token(ADMIN_TOKEN);
        Client::new(&target).expect("a client")
    }

    async fn send(client: &Client, req: Request) -> (u16, Value) {
        let resp: Response = client
            .send(req.header("Accept", CLIENT_GO_ACCEPT))
            .await
            .expect("the server answers");
        assert_eq!(
            resp.header("content-type"),
            Some(PROTOBUF),
            "{}",
            resp.exchange.curl
        );
        (resp.status, resp.protobuf().expect("a protobuf body"))
    }

    fn endpoints(name: &str, ip: &str) -> Value {
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": name},
            "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]})
    }

    async fn informer_flow(minor: u32) {
        let server = TestServer::with(config(minor)).await;
        server.create_namespace("pb-client").await;
        let client = client(&server);
        let collection = "/api/v1/namespaces/pb-client/endpoints";
        // The informer's initial list, then its watch from the list's resourceVersion.
        let (status, list) = send(&client, Request::get(collection).query("limit", "500")).await;
        assert_eq!(status, 200);
        assert_eq!(list["kind"], "EndpointsList");
        let from = list["metadata"]["resourceVersion"]
            .as_str()
            .expect("a list resourceVersion")
            .to_owned();
        let watch = client
            .stream(
                Request::get(collection)
                    .query("watch", "true")
                    .query("allowWatchBookmarks", "true")
                    .query("resourceVersion", from)
                    .query("timeoutSeconds", "30")
                    .header("Accept", CLIENT_GO_ACCEPT),
            )
            .await
            .expect("the watch opens");
        assert_eq!(watch.status, 200);
        let limits = WatchLimits {
            per_event: Duration::from_secs(5),
            overall: Duration::from_secs(20),
            max_line: 1 << 20,
        };
        let mut reader = WatchReader::from_response(watch, limits);
        assert_eq!(reader.framing(), Framing::Protobuf);
        // The controller writes: create, replace, and delete with a DeleteOptions body.
        let create = Request::post(collection)
            .protobuf(&endpoints("ep-1", "10.0.0.1"))
            .expect("encodes");
        let (status, created) = send(&client, create).await;
        assert_eq!(status, 201, "{created}");
        let mut changed = created.clone();
        changed["subsets"][0]["addresses"][0]["ip"] = json!("10.0.0.2");
        let replace = Request::put(format!("{collection}/ep-1"))
            .protobuf(&changed)
            .expect("encodes");
        let (status, replaced) = send(&client, replace).await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["subsets"][0]["addresses"][0]["ip"], "10.0.0.2");
        let (status, conflict) = send(
            &client,
            Request::put(format!("{collection}/ep-1"))
                .protobuf(&created)
                .expect("encodes"),
        )
        .await;
        assert_eq!((status, &conflict["reason"]), (409, &json!("Conflict")));
        let options = json!({"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1",
            "propagationPolicy": "Background", "preconditions": {"uid": created["metadata"]["uid"]}});
        let delete = Request::delete(format!("{collection}/ep-1"))
            .protobuf(&options)
            .expect("encodes");
        let (status, deleted) = send(&client, delete).await;
        assert_eq!(status, 200, "{deleted}");
        assert_eq!(deleted["status"], "Success");
        // The informer saw every write, in order, with the objects the writes answered.
        let mut events = Vec::new();
        while events.len() < 3 {
            match reader.next().await {
                WatchItem::Event(event) if event.kind == "BOOKMARK" => {}
                WatchItem::Event(event) => events.push(event),
                other => panic!("after {} events: {other:?}", events.len()),
            }
        }
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
        assert_eq!(events[0].object, created);
        assert_eq!(events[1].object, replaced);
        let (status, missing) = send(&client, Request::get(format!("{collection}/ep-1"))).await;
        assert_eq!((status, &missing["reason"]), (404, &json!("NotFound")));
        server.server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_protobuf_controller_lists_watches_and_writes_at_1_36() {
        informer_flow(36).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_protobuf_controller_lists_watches_and_writes_at_1_28() {
        informer_flow(28).await;
    }
}

/// Status messages of undecodable protobuf bodies are Go's texts, never a Rust library's.
mod malformed {
    use reqwest::Method;
    use serde_json::{Value, json};

    use crate::http_support::{TestServer, config};

    const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
    const UNRECOGNIZED: &str = "the object provided is unrecognized (must be of type Endpoints): ";

    async fn post(server: &TestServer, body: Vec<u8>) -> (u16, Value) {
        let response = server
            .req(Method::POST, "/api/v1/namespaces/pb-malformed/endpoints")
            .header("Content-Type", PROTOBUF)
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    fn valid() -> Vec<u8> {
        kconform_spec::protobuf::encode(&json!({"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"name": "ep-1", "labels": {"a": "b"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": "n"}], "ports": [{"port": 80}]}]}))
        .expect("encodes")
    }

    /// The decoder texts of Go's gogo-protobuf and apimachinery's protobuf serializer.
    fn is_go_protobuf_error(error: &str) -> bool {
        let fixed = [
            "unexpected EOF",
            "proto: integer overflow",
            "proto: negative length found during unmarshaling",
            "proto: unexpected end of group",
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
        ];
        fixed.contains(&error)
            || error
                .strip_prefix("proto: illegal wireType ")
                .is_some_and(|n| n.parse::<u8>().is_ok())
            || (error.starts_with("proto: wrong wireType = ") && error.contains(" for field "))
            || (error.starts_with("proto: ")
                && (error.contains(": illegal tag ")
                    || error.ends_with(": wiretype end group for non-group")))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn undecodable_protobuf_bodies_get_go_texts() {
        let server = TestServer::with(config(36)).await;
        server.create_namespace("pb-malformed").await;
        let good = valid();
        let cases: Vec<(Vec<u8>, String)> = vec![
            (
                b"\x00\x01garbage\xff".to_vec(),
                format!(
                    "{UNRECOGNIZED}provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (000167617262616765ff)"
                ),
            ),
            (
                b"k8s\0\xff\xff\xff\xff garbage".to_vec(),
                format!(
                    "{UNRECOGNIZED}proto: illegal wireType 7 (6b387300ffffffff2067617262616765)"
                ),
            ),
            (
                good[..good.len() - 3].to_vec(),
                format!("{UNRECOGNIZED}unexpected EOF ({} ...)", hex(&good[..30])),
            ),
        ];
        for (body, message) in cases {
            let (status, answer) = post(&server, body.clone()).await;
            assert_eq!(status, 400, "{body:?}: {answer}");
            assert_eq!(answer["message"], message.as_str(), "{body:?}");
            assert_eq!(answer["reason"], "BadRequest");
        }
        server.server.shutdown().await;
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Whatever bytes of a protobuf body are changed or cut, the answer is a write or one of
        /// kube-apiserver's answers, and a 400 for an unreadable body carries a Go text.
        #[test]
        fn every_protobuf_error_message_is_a_go_text(
            cut in 4usize..120,
            changes in proptest::collection::vec((4usize..120, proptest::prelude::any::<u8>()), 0..4),
        ) {
            let mut body = valid();
            for (at, byte) in changes {
                let at = at % body.len();
                body[at] = byte;
            }
            body.truncate(cut.min(body.len()));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            let (status, answer) = runtime.block_on(async {
                let server = TestServer::with(config(36)).await;
                server.create_namespace("pb-malformed").await;
                let answer = post(&server, body.clone()).await;
                server.server.shutdown().await;
                answer
            });
            let message = answer["message"].as_str().unwrap_or_default();
            proptest::prop_assert!([201, 400, 422].contains(&status), "{status}: {answer}");
            if status == 400 {
                if let Some(rest) = message.strip_prefix(UNRECOGNIZED) {
                    let error = rest.rsplit_once(" (").map_or(rest, |(error, _)| error);
                    proptest::prop_assert!(is_go_protobuf_error(error), "{:?}: {}", body, message);
                } else {
                    proptest::prop_assert!(
                        message.contains(" cannot be handled as a Endpoints: ")
                            || message == "the namespace of the provided object does not match the namespace sent on the request",
                        "{:?}: {}", body, message
                    );
                }
            }
            for leaked in ["prost", "serde", "utf-8", "Utf8", "panicked", " at line "] {
                proptest::prop_assert!(!message.contains(leaked), "{:?}: {}", body, message);
            }
        }
    }
}

/// discovery.k8s.io/v1 EndpointSlice in protobuf, every route, through the same code as Endpoints:
/// a client-go controller's flow (list, watch, create, replace, patch, delete, deletecollection) and
/// the errors, each answer checked to be protobuf that decodes to what its JSON twin says.
mod endpoint_slice {
    use std::time::Duration;

    use kconform_harness::client::{Auth, Client, PROTOBUF, Request, Response};
    use kconform_harness::target::Target;
    use kconform_harness::watch::{Framing, WatchItem, WatchLimits, WatchReader};
    use serde_json::{Value, json};

    use crate::http_support::{ADMIN_TOKEN, TestServer, USER_TOKEN, config};

    const CLIENT_GO_ACCEPT: &str = "application/vnd.kubernetes.protobuf,application/json";
    const COLLECTION: &str = "/apis/discovery.k8s.io/v1/namespaces/pb-es/endpointslices";

    fn client(server: &TestServer) -> Client {
        let target = Target::new(&server.server.url)
            .expect("a loopback target")
            .with_token(ADMIN_TOKEN)
            .with_user_token(USER_TOKEN);
        Client::new(&target).expect("a client")
    }

    async fn send(client: &Client, req: Request) -> (u16, Value, Response) {
        let resp: Response = client
            .send(req.header("Accept", CLIENT_GO_ACCEPT))
            .await
            .expect("the server answers");
        assert_eq!(
            resp.header("content-type"),
            Some(PROTOBUF),
            "{}",
            resp.exchange.curl
        );
        let object = resp.protobuf().expect("a protobuf body");
        // Every answer is the bytes Go writes for its JSON form.
        assert_eq!(
            kconform_spec::protobuf::encode(&object).expect("re-encodes"),
            resp.body.to_vec(),
            "{}",
            resp.exchange.curl
        );
        (resp.status, object, resp)
    }

    fn slice(name: &str, ip: &str) -> Value {
        json!({"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": true},
                "hints": {"forZones": [{"name": "z1"}]}, "zone": "z1"}],
            "ports": [{"name": "http", "port": 80}]})
    }

    async fn controller_flow(minor: u32) {
        let server = TestServer::with(config(minor)).await;
        server.create_namespace("pb-es").await;
        let client = client(&server);
        let (status, list, _) = send(&client, Request::get(COLLECTION).query("limit", "500")).await;
        assert_eq!(status, 200);
        assert_eq!(list["kind"], "EndpointSliceList");
        assert_eq!(list["apiVersion"], "discovery.k8s.io/v1");
        let from = list["metadata"]["resourceVersion"]
            .as_str()
            .expect("a list resourceVersion")
            .to_owned();
        let watch = client
            .stream(
                Request::get(COLLECTION)
                    .query("watch", "true")
                    .query("allowWatchBookmarks", "true")
                    .query("resourceVersion", from)
                    .query("timeoutSeconds", "30")
                    .header("Accept", CLIENT_GO_ACCEPT),
            )
            .await
            .expect("the watch opens");
        assert_eq!(watch.status, 200);
        assert_eq!(
            watch.header("content-type"),
            Some(kconform_spec::protobuf::STREAM_MEDIA_TYPE)
        );
        let limits = WatchLimits {
            per_event: Duration::from_secs(5),
            overall: Duration::from_secs(20),
            max_line: 1 << 20,
        };
        let mut reader = WatchReader::from_response(watch, limits);
        assert_eq!(reader.framing(), Framing::Protobuf);

        // Create from a protobuf body: defaulted (protocol TCP) and answered in protobuf.
        let create = Request::post(COLLECTION)
            .protobuf(&slice("es-1", "10.0.0.1"))
            .expect("encodes");
        let (status, created, _) = send(&client, create).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["ports"][0]["protocol"], "TCP");
        assert_eq!(
            created["endpoints"][0]["conditions"],
            json!({"ready": true})
        );
        let (status, got, _) = send(&client, Request::get(format!("{COLLECTION}/es-1"))).await;
        assert_eq!((status, &got), (200, &created));
        // The same object over JSON is the same JSON.
        let json_twin = client
            .send(Request::get(format!("{COLLECTION}/es-1")).header("Accept", "application/json"))
            .await
            .expect("answers")
            .json()
            .expect("JSON");
        assert_eq!(json_twin, created);

        let mut changed = created.clone();
        changed["endpoints"][0]["addresses"][0] = json!("10.0.0.2");
        let (status, replaced, _) = send(
            &client,
            Request::put(format!("{COLLECTION}/es-1"))
                .protobuf(&changed)
                .expect("encodes"),
        )
        .await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["endpoints"][0]["addresses"][0], "10.0.0.2");
        assert_eq!(replaced["metadata"]["generation"], 2);
        // A stale replace: 409 as a protobuf Status.
        let (status, conflict, _) = send(
            &client,
            Request::put(format!("{COLLECTION}/es-1"))
                .protobuf(&created)
                .expect("encodes"),
        )
        .await;
        assert_eq!((status, &conflict["reason"]), (409, &json!("Conflict")));
        assert_eq!(conflict["details"]["group"], "discovery.k8s.io");
        // A patch body is JSON; the answer is protobuf.
        let (status, patched, _) = send(
            &client,
            Request::patch(format!("{COLLECTION}/es-1")).body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"extra":"x"}}}"#,
            ),
        )
        .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["metadata"]["labels"]["extra"], "x");

        let options = json!({"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1",
            "preconditions": {"uid": created["metadata"]["uid"]}});
        let (status, deleted, _) = send(
            &client,
            Request::delete(format!("{COLLECTION}/es-1"))
                .protobuf(&options)
                .expect("encodes"),
        )
        .await;
        assert_eq!(status, 200, "{deleted}");
        assert_eq!(deleted["status"], "Success");
        assert_eq!(deleted["details"]["kind"], "endpointslices");

        let mut events = Vec::new();
        while events.len() < 4 {
            match reader.next().await {
                WatchItem::Event(event) if event.kind == "BOOKMARK" => {}
                WatchItem::Event(event) => events.push(event),
                other => panic!("after {} events: {other:?}", events.len()),
            }
        }
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
        assert_eq!(events[0].object, created);
        assert_eq!(events[1].object, replaced);
        assert_eq!(events[2].object, patched);

        // Two more, a page of one with a continue token, then deletecollection answering the list.
        for (name, ip) in [("es-2", "10.0.0.3"), ("es-3", "10.0.0.4")] {
            let (status, _, _) = send(
                &client,
                Request::post(COLLECTION)
                    .protobuf(&slice(name, ip))
                    .expect("encodes"),
            )
            .await;
            assert_eq!(status, 201);
        }
        let (status, page, _) = send(&client, Request::get(COLLECTION).query("limit", "1")).await;
        assert_eq!(status, 200);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        assert!(
            page["metadata"]["continue"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        assert_eq!(page["metadata"]["remainingItemCount"], 1);
        let (status, removed, _) = send(&client, Request::delete(COLLECTION)).await;
        assert_eq!(status, 200, "{removed}");
        assert_eq!(removed["kind"], "EndpointSliceList");
        assert_eq!(removed["items"].as_array().map(Vec::len), Some(2));

        let (status, missing, _) = send(&client, Request::get(format!("{COLLECTION}/es-1"))).await;
        assert_eq!((status, &missing["reason"]), (404, &json!("NotFound")));
        server.server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_protobuf_controller_uses_endpoint_slices_at_1_36() {
        controller_flow(36).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_protobuf_controller_uses_endpoint_slices_at_1_28() {
        controller_flow(28).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn errors_are_protobuf_status_bodies() {
        let server = TestServer::with(config(36)).await;
        server.create_namespace("pb-es").await;
        let client = client(&server);
        // 422: an invalid slice (no address).
        let mut invalid = slice("bad", "10.0.0.1");
        invalid["endpoints"][0]["addresses"] = json!([]);
        let (status, answer, _) = send(
            &client,
            Request::post(COLLECTION)
                .protobuf(&invalid)
                .expect("encodes"),
        )
        .await;
        assert_eq!(
            (status, &answer["reason"]),
            (422, &json!("Invalid")),
            "{answer}"
        );
        assert_eq!(answer["details"]["kind"], "EndpointSlice");
        // 400: no magic, and a list where the object belongs, with the decoder's texts.
        let (status, answer, _) = send(
            &client,
            Request::post(COLLECTION).body_with_type(PROTOBUF, &b"\x00\x01garbage"[..]),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            answer["message"],
            "the object provided is unrecognized (must be of type EndpointSlice): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (000167617262616765)"
        );
        let list = kconform_spec::protobuf::encode_list(
            "EndpointSliceList",
            "discovery.k8s.io/v1",
            &serde_json::Map::new(),
            [],
        )
        .expect("encodes");
        let (status, answer, _) = send(
            &client,
            Request::post(COLLECTION).body_with_type(PROTOBUF, list),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            answer["message"],
            "EndpointSliceList in version \"v1\" cannot be handled as a EndpointSlice: converting (v1.EndpointSliceList) to (discovery.EndpointSlice): unknown conversion"
        );
        // 415: a protobuf PATCH body, the router's text.
        let (status, answer, _) = send(
            &client,
            Request::patch(format!("{COLLECTION}/es-1")).body_with_type(PROTOBUF, &b"k8s\0"[..]),
        )
        .await;
        assert_eq!(
            (status, &answer["message"]),
            (415, &json!("415: Unsupported Media Type"))
        );
        // 401 and 403 come from the filters, in protobuf too.
        let (status, answer, _) = send(
            &client,
            Request::get(COLLECTION).auth(Auth::Bearer("wrong".to_owned())),
        )
        .await;
        assert_eq!((status, &answer["reason"]), (401, &json!("Unauthorized")));
        let (status, answer, _) = send(&client, Request::get(COLLECTION).auth(Auth::User)).await;
        assert_eq!((status, &answer["reason"]), (403, &json!("Forbidden")));
        // A watch from a compacted resourceVersion: a 200 stream whose one frame is the 410 ERROR.
        let watch = client
            .stream(
                Request::get(COLLECTION)
                    .query("watch", "true")
                    .query("resourceVersion", "1")
                    .header("Accept", CLIENT_GO_ACCEPT),
            )
            .await
            .expect("the watch opens");
        assert_eq!(watch.status, 200);
        let limits = WatchLimits {
            per_event: Duration::from_secs(5),
            overall: Duration::from_secs(10),
            max_line: 1 << 20,
        };
        let mut reader = WatchReader::from_response(watch, limits);
        match reader.next().await {
            WatchItem::Event(event) => {
                assert_eq!(event.kind, "ERROR");
                assert_eq!(event.object["code"], 410);
            }
            other => panic!("{other:?}"),
        }
        // `*/*` still gets JSON.
        let resp = client
            .send(Request::get(COLLECTION).header("Accept", "*/*"))
            .await
            .expect("answers");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        server.server.shutdown().await;
    }
}
