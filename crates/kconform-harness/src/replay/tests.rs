use std::path::Path;

use serde_json::json;

use super::*;

fn recorded(version: &str, id: &str) -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts")
        .join(format!("kube-apiserver-{version}"));
    load_dir(&dir)
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap()
}

fn target() -> Target {
    Target::new(&ReplayOptions::new(
        "http://127.0.0.1:1",
        crate::resource::tests::ENDPOINTS,
        Some("t".to_owned()),
    ))
    .unwrap()
}

fn scenario_run(target: &Target) -> Run<'_> {
    Run::new(target, "zz-kcr-abcde-001")
}

#[test]
fn options_are_checked() {
    let remote = ReplayOptions::new(
        "https://10.0.0.1:6443",
        crate::resource::tests::ENDPOINTS,
        None,
    );
    assert!(matches!(
        Target::new(&remote),
        Err(ReplayError::RemoteTarget { .. })
    ));
    let bad = ReplayOptions::new("ftp://127.0.0.1", crate::resource::tests::ENDPOINTS, None);
    assert!(matches!(
        Target::new(&bad),
        Err(ReplayError::InvalidTarget { .. })
    ));
    let mut prefix = ReplayOptions::new(
        "http://127.0.0.1:1",
        crate::resource::tests::ENDPOINTS,
        None,
    );
    prefix.namespace_prefix = "Bad_".to_owned();
    assert!(matches!(
        Target::new(&prefix),
        Err(ReplayError::NamespacePrefix { .. })
    ));
    let scenarios = vec![recorded("v1.36.2", "watch/timeout-seconds")];
    assert!(matches!(
        select(&scenarios, Some("(")),
        Err(ReplayError::Filter { .. })
    ));
    assert_eq!(select(&scenarios, Some("^watch/")).unwrap().len(), 1);
    assert!(select(&scenarios, Some("^list/")).unwrap().is_empty());
}

#[test]
fn placeholders_bind_from_answers_and_fill_requests() {
    let target = target();
    let mut run = scenario_run(&target);
    let scenario = recorded("v1.36.2", "watch/create-update-patch-delete");
    // The POST at step 3 answered with uid u-1 and resourceVersion 1201; the list at step 1 with 1200.
    let list_expected = scenario.steps[0].response.as_ref().unwrap()["body"].clone();
    run.bind(
        &list_expected,
        &json!({"kind": "EndpointsList", "metadata": {"resourceVersion": "1200"}, "items": []}),
    );
    let created_expected = scenario.steps[2].response.as_ref().unwrap()["body"].clone();
    let mut created_actual = created_expected.clone();
    created_actual["metadata"]["uid"] = json!("u-1");
    created_actual["metadata"]["resourceVersion"] = json!("1201");
    created_actual["metadata"]["namespace"] = json!("zz-kcr-abcde-001");
    created_actual["metadata"]["creationTimestamp"] = json!("2026-11-27T13:00:00Z");
    created_actual["metadata"]["managedFields"][0]["time"] = json!("2026-11-27T13:00:01Z");
    run.bind(&created_expected, &created_actual);
    run.learn(&created_actual);
    assert_eq!(run.bindings["<rv-0+>"], "1200");
    assert_eq!(run.bindings["<uid-1>"], "u-1");
    assert_eq!(run.bindings["<rv-1>"], "1201");

    // The watch at step 2 starts from the list's resourceVersion.
    let (watch, _) = run.outgoing(&scenario.steps[1]);
    assert_eq!(watch.path, "/api/v1/namespaces/zz-kcr-abcde-001/endpoints");
    assert_eq!(
        watch.query[1],
        ("resourceVersion".to_owned(), "1200".to_owned())
    );
    // The PUT at step 4 sends the created object back: uid, resourceVersion and times restored.
    let (put, _) = run.outgoing(&scenario.steps[3]);
    let body: Value = serde_json::from_slice(put.body.as_ref().unwrap()).unwrap();
    assert_eq!(body["metadata"]["uid"], "u-1");
    assert_eq!(body["metadata"]["resourceVersion"], "1201");
    assert_eq!(body["metadata"]["namespace"], "zz-kcr-abcde-001");
    assert_eq!(
        body["metadata"]["creationTimestamp"],
        "2026-11-27T13:00:00Z"
    );
    assert_eq!(
        body["metadata"]["managedFields"][0]["time"],
        "2026-11-27T13:00:01Z"
    );
    assert_eq!(
        put.headers[0],
        ("Accept".to_owned(), "application/json".to_owned())
    );
    assert!(run.notes.is_empty(), "{:?}", run.notes);
}

#[test]
fn crafted_continue_tokens_are_re_encoded() {
    let target = target();
    let mut run = scenario_run(&target);
    let scenario = recorded("v1.36.2", "list/continue-invalid");
    let step = scenario
        .steps
        .iter()
        .find(|s| s.note.as_deref() == Some("rv 0"))
        .unwrap();
    let (request, _) = run.outgoing(step);
    let token = &request
        .query
        .iter()
        .find(|(k, _)| k == "continue")
        .unwrap()
        .1;
    let decoded = normalize::decode_continue(token).unwrap();
    assert_eq!(decoded["rv"], 0);
    assert_eq!(decoded["start"], "ep-1\u{0}");
}

#[test]
fn generated_names_and_abbreviated_strings() {
    let target = target();
    let mut run = scenario_run(&target);
    bind_text(&mut run.bindings, "ep-gen-<gen-1>", "ep-gen-x7k2p", false);
    assert_eq!(run.bindings["<gen-1>"], "x7k2p");
    let scenario = recorded("v1.36.2", "create/generate-name");
    let (get, _) = run.outgoing(&scenario.steps[1]);
    assert!(
        get.path.ends_with("/endpoints/ep-gen-x7k2p"),
        "{}",
        get.path
    );
    let annotations = recorded("v1.36.2", "validation/annotations");
    let (post, _) = run.outgoing(&annotations.steps[1]);
    let body: Value = serde_json::from_slice(post.body.as_ref().unwrap()).unwrap();
    assert_eq!(
        body["metadata"]["annotations"]["big"]
            .as_str()
            .unwrap()
            .len(),
        262_142
    );
}

#[test]
fn watch_plans_follow_the_recording() {
    let until_server = recorded("v1.36.2", "watch/timeout-seconds");
    assert_eq!(
        watch_plan(&until_server.steps[1]),
        (WatchUntil::ServerEnd, Duration::from_secs(5))
    );
    let counted = recorded("v1.36.2", "watch/create-update-patch-delete");
    assert_eq!(
        watch_plan(&counted.steps[1]),
        (WatchUntil::Lines(4), Duration::from_secs(15))
    );
    let capped = recorded("v1.28.7", "watch/initial-events-end-bookmark");
    assert_eq!(
        watch_plan(&capped.steps[2]),
        (WatchUntil::ServerEnd, Duration::from_millis(2500))
    );
    let refused = recorded("v1.36.2", "watch/label-selector-invalid");
    assert_eq!(
        watch_plan(&refused.steps[0]),
        (WatchUntil::Lines(1), Duration::from_secs(6))
    );
}

#[test]
fn projection_keeps_the_endpoints_entry() {
    let body = json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "bindings"}, {"name": "endpoints", "verbs": ["get"]}]});
    let projected = resource_entry_only(&body, "endpoints");
    assert_eq!(
        projected["resources"],
        json!([{"name": "endpoints", "verbs": ["get"]}])
    );
    assert_eq!(projected["resourceNames"], json!(["bindings", "endpoints"]));
}

#[tokio::test]
async fn an_unreachable_target_is_an_error_in_the_report_not_a_panic() {
    let scenarios = vec![recorded("v1.36.2", "get/not-found")];
    // Port 1 on loopback refuses connections at once.
    let opts = ReplayOptions::new(
        "http://127.0.0.1:1",
        crate::resource::tests::ENDPOINTS,
        Some("t".to_owned()),
    );
    let report = run(&opts, &scenarios).await.unwrap();
    assert_eq!(report.differ, 1);
    let diff = &report.scenarios[0];
    assert!(
        diff.differences.iter().any(|d| d.path == "error"),
        "{:#?}",
        diff.differences
    );
}

/// The whole path — namespaces, placeholders, a watch kept open across writes, normalization and
/// comparison — against the reference server emulating each recorded version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_recorded_scenarios_against_the_reference_server() {
    for (version, minor) in [("v1.36.2", 36), ("v1.28.7", 28)] {
        let mut config = kconform_mock::Config::default().with_admin_token("replay-admin");
        config.version = kconform_spec::K8sVersion::new(minor);
        let server = kconform_mock::spawn(config).await.unwrap();
        let mut opts = ReplayOptions::new(
            server.url.clone(),
            crate::resource::tests::ENDPOINTS,
            Some("replay-admin".to_owned()),
        );
        opts.only = Some("^(watch/create-update-patch-delete|replace/no-op|list/limit-continue|create/generate-name|auth/unprivileged)$".to_owned());
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../transcripts")
            .join(format!("kube-apiserver-{version}"));
        let scenarios = load_dir(&dir).unwrap();
        let report = run(&opts, &scenarios).await.unwrap();
        assert_eq!(report.scenarios.len(), 5, "{version}");
        // Without a user token, the unprivileged scenario is skipped, not failed.
        assert_eq!(report.skipped, 1, "{version}");
        for scenario in &report.scenarios {
            let lines: Vec<String> = scenario
                .differences
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(
                scenario.verdict != Verdict::Differs,
                "{version} {}: {lines:#?} {:?}",
                scenario.id,
                scenario.notes
            );
        }
        // A changed answer is caught: the same scenario against a recording with one status altered.
        let mut altered = scenarios
            .iter()
            .find(|s| s.id == "replace/no-op")
            .unwrap()
            .clone();
        altered.steps[1].response.as_mut().unwrap()["status"] = serde_json::json!(201);
        let target = Target::new(&opts).unwrap();
        let diff = replay(&target, &altered).await;
        assert_eq!(diff.verdict, Verdict::Differs);
        assert_eq!(diff.differences.len(), 1, "{:#?}", diff.differences);
        assert_eq!(diff.differences[0].path, "response.status");
        server.shutdown().await;
    }
}

/// Over TLS, trusting the server's certificate through a CA bundle (and refusing it without one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_over_tls_with_a_ca_bundle() {
    let mut config = kconform_mock::Config::default().with_admin_token("replay-admin");
    config.tls = kconform_mock::Tls::SelfSigned { cert_out: None };
    let server = kconform_mock::spawn(config).await.unwrap();
    let scenarios = vec![recorded("v1.36.2", "get/ok")];
    let mut opts = ReplayOptions::new(
        server.url.clone(),
        crate::resource::tests::ENDPOINTS,
        Some("replay-admin".to_owned()),
    );
    opts.ca_pem = server.ca_certificate_pem.clone().map(String::into_bytes);
    let out =
        std::env::temp_dir().join(format!("kconform-replay-{}", uuid::Uuid::new_v4().simple()));
    opts.record_dir = Some(out.clone());
    let report = run(&opts, &scenarios).await.unwrap();
    assert_eq!(
        report.identical, 1,
        "{:#?}",
        report.scenarios[0].differences
    );
    // The recorded answers read back as a transcript directory equal to the recording.
    let written = load_dir(&out).unwrap();
    assert_eq!(written.len(), 1);
    assert!(compare_scenarios(&scenarios[0], &written[0], &CompareOptions::default()).is_empty());
    assert_eq!(recorded_version(&out).as_deref(), Some("v1.36.2"));
    let _ = std::fs::remove_dir_all(&out);
    opts.record_dir = None;

    // Without the CA, the handshake fails: a scenario error, reported as a difference, no panic.
    opts.ca_pem = None;
    let report = run(&opts, &scenarios).await.unwrap();
    assert_eq!(report.differ, 1);
    assert!(
        report.scenarios[0]
            .differences
            .iter()
            .any(|d| d.path == "error")
    );
    let mut bad = ReplayOptions::new(server.url.clone(), crate::resource::tests::ENDPOINTS, None);
    bad.ca_pem = Some(b"not a certificate".to_vec());
    assert!(matches!(Target::new(&bad), Err(ReplayError::Ca { .. })));
    server.shutdown().await;
}

/// Bookmarks caused by another client's writes elsewhere are recognised (and not a difference), as
/// the recording tool does for `watch/bookmark-quiet`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_from_other_writers_are_not_differences() {
    let server = kconform_mock::spawn(kconform_mock::Config::default())
        .await
        .unwrap();
    let store = server.state.store.clone();
    let writer = tokio::spawn(async move {
        // Write while the scenario's watch is open: wait until it has subscribed (bounded).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while store.watchers() == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the scenario's watch never opened"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let object = json!({"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"name": "elsewhere", "namespace": "other-team"}});
        store
            .write("other-team", "elsewhere", |_, _| {
                Ok::<_, ()>((kconform_mock::store::Mutation::Put(object), ()))
            })
            .unwrap();
    });
    let scenario = recorded("v1.36.2", "watch/bookmark-quiet");
    let target = Target::new(&ReplayOptions::new(
        server.url.clone(),
        crate::resource::tests::ENDPOINTS,
        None,
    ))
    .unwrap();
    let diff = replay(&target, &scenario).await;
    writer.await.unwrap();
    assert_eq!(diff.verdict, Verdict::Identical, "{:#?}", diff.differences);
    let watch = &diff.actual.steps[1];
    assert!(
        watch
            .nondeterministic
            .as_ref()
            .is_some_and(|m| m.contains_key("bookmarks"))
    );
    assert_eq!(plain_bookmarks(watch.events.as_ref()), 1);
    server.shutdown().await;
}

#[test]
fn projection_follows_the_names_list_of_the_recording() {
    let slices = Resource {
        group: "discovery.k8s.io",
        version: "v1",
        kind: "EndpointSlice",
        plural: "endpointslices",
        namespaced: true,
        operations: kconform_spec::ops::operations,
    };
    let groups =
        json!({"kind": "APIGroupList", "groups": [{"name": "apps"}, {"name": "discovery.k8s.io"}]});
    let projected = project(Some(&json!({"groupNames": []})), &groups, &slices);
    assert_eq!(projected["groups"], json!([{"name": "discovery.k8s.io"}]));
    assert_eq!(projected["groupNames"], json!(["apps", "discovery.k8s.io"]));
    assert!(projected.get("resources").is_none());
    // A Status where the list was expected still gets the (empty) lists, as the recorder wrote them.
    let status = json!({"kind": "Status", "code": 406});
    let projected = project(Some(&json!({"itemNames": []})), &status, &slices);
    assert_eq!(projected["items"], json!([]));
    assert_eq!(projected["itemNames"], json!([]));
    let openapi = json!({"openapi": "3.0.0", "info": {"version": "1"},
        "paths": {"/apis/discovery.k8s.io/v1/": {"get": {"operationId": "getX"}, "parameters": []}},
        "components": {"schemas": {"io.k8s.api.discovery.v1.EndpointSlice": {"type": "object"},
            "io.k8s.apimachinery.pkg.apis.meta.v1.Status": {}}}});
    let projected = project(Some(&json!({"otherSchemaNames": []})), &openapi, &slices);
    assert_eq!(
        projected,
        json!({"openapi": "3.0.0", "info": {"version": "1"},
            "paths": {"/apis/discovery.k8s.io/v1/": {"get": "getX"}},
            "schemas": {"io.k8s.api.discovery.v1.EndpointSlice": {"type": "object"}},
            "otherSchemaNames": ["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]})
    );
}

// ---- protobuf answers --------------------------------------------------------------------------

const PB_NS: &str = "zz-kcd-abcde-0001";

fn pb_endpoints(uid: &str, rv: &str, ip: &str) -> Value {
    json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "ep-1",
        "namespace": PB_NS, "uid": uid, "resourceVersion": rv,
        "creationTimestamp": "2026-12-04T10:00:00Z"},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"port": 80, "protocol": "TCP"}]}]})
}

/// A GET answered with these protobuf bytes, recorded as replay records an answer.
fn pb_step(bytes: &[u8]) -> Step {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/vnd.kubernetes.protobuf"),
    );
    let mut request_headers = Map::new();
    request_headers.insert(
        "Accept".to_owned(),
        json!("application/vnd.kubernetes.protobuf"),
    );
    Step {
        note: None,
        request: transcript::Request {
            method: "GET".to_owned(),
            path: format!("/api/v1/namespaces/{PB_NS}/endpoints/ep-1"),
            query: Vec::new(),
            headers: request_headers,
            auth: "admin".to_owned(),
            body: None,
        },
        nondeterministic: None,
        response: Some(http::response_record(200, &headers, bytes)),
        events: None,
        stream: None,
        continue_tokens: None,
    }
}

/// The differences between two sequences of one raw step each, normalized as diff does.
fn pb_differences(reference: &[u8], target: &[u8]) -> Vec<Difference> {
    let mut opts = ReplayOptions::new(
        "http://127.0.0.1:1",
        crate::resource::tests::ENDPOINTS,
        Some("t".to_owned()),
    );
    opts.compare.rules = Rules::Sequence;
    let side = Target::new(&opts).unwrap();
    let scenario = |bytes: &[u8]| Scenario {
        id: "diff/seed-1".to_owned(),
        description: String::new(),
        steps: normalize_steps(&side, PB_NS, &[pb_step(bytes)]),
        error: None,
        skipped: None,
    };
    compare_scenarios(&scenario(reference), &scenario(target), &opts.compare)
}

#[test]
fn protobuf_answers_are_recorded_decoded_and_compared_like_json() {
    let reference =
        kconform_spec::protobuf::encode(&pb_endpoints("u-1", "17", "10.1.2.3")).unwrap();
    let recorded = pb_step(&reference).response.unwrap();
    assert_eq!(recorded["format"], "protobuf");
    assert_eq!(recorded["go_exact"], true);
    assert_eq!(
        recorded["body"]["subsets"][0]["addresses"][0]["ip"],
        "10.1.2.3"
    );
    // The server-chosen values differ, nothing else: normalization pairs them.
    let same = kconform_spec::protobuf::encode(&pb_endpoints("u-9", "40", "10.1.2.3")).unwrap();
    assert_eq!(pb_differences(&reference, &same), Vec::new());
    // One real field differs: reported, at its path, and nothing else is.
    let other = kconform_spec::protobuf::encode(&pb_endpoints("u-9", "40", "10.1.2.4")).unwrap();
    let found = pb_differences(&reference, &other);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, "response.body.subsets[0].addresses[0].ip");
}

#[test]
fn protobuf_bytes_that_are_not_gos_are_a_difference() {
    let object = pb_endpoints("u-1", "17", "10.1.2.3");
    let go = kconform_spec::protobuf::encode(&object).unwrap();
    // The same object without the empty fields Go always writes: it decodes to the same value.
    let minimal = kconform_spec::protobuf::encode_minimal(&object).unwrap();
    assert_ne!(go, minimal);
    assert_eq!(
        kconform_spec::protobuf::decode(&go).unwrap(),
        kconform_spec::protobuf::decode(&minimal).unwrap()
    );
    let found = pb_differences(&go, &minimal);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, "response.go_exact");
    // Bytes that are not protobuf at all: recorded as such and compared, never a panic.
    let broken = pb_step(b"k8s\0\x0a\xff").response.unwrap();
    assert_eq!(broken["format"], http::PROTOBUF_UNDECODABLE);
    assert!(broken.get("go_exact").is_none());
    let found = pb_differences(&go, b"k8s\0\x0a\xff");
    assert!(
        found.iter().any(|d| d.path == "response.format"),
        "{found:#?}"
    );
}

#[test]
fn a_protobuf_request_body_is_sent_encoded() {
    let target = target();
    let mut run = scenario_run(&target);
    let body = json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "ep-1"},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}]}]});
    let mut step = pb_step(b"");
    step.request.method = "POST".to_owned();
    step.request.path = "/api/v1/namespaces/<ns>/endpoints".to_owned();
    step.request.headers.insert(
        "Content-Type".to_owned(),
        json!("application/vnd.kubernetes.protobuf"),
    );
    step.request.body = Some(body.clone());
    let (outgoing, sent) = run.build(&step);
    assert_eq!(
        outgoing.body,
        Some(kconform_spec::protobuf::encode(&body).unwrap())
    );
    // The transcript keeps the JSON form.
    assert_eq!(sent.request.body, Some(body));
    // A patch document has no protobuf message: its JSON text goes, as the bytes of a body that
    // is not protobuf.
    step.request.method = "PATCH".to_owned();
    step.request.body = Some(json!({"metadata": {"labels": {"a": "b"}}}));
    let (outgoing, _) = run.build(&step);
    assert_eq!(
        outgoing.body.as_deref(),
        Some(&br#"{"metadata":{"labels":{"a":"b"}}}"#[..])
    );
}

/// The sequence-rules scenario of [`a_read_naming_a_rank_its_own_answer_pushed_up_is_tried_lower`]:
/// ep-a created (`<rv-1>`, then changed out of sight), ep-b created (`<rv-2>`) and patched
/// (`<rv-3>`), then a list at ep-b's creation. That list reveals ep-a's unseen revision, older than
/// the one it reads at, so prefix numbering writes its resourceVersion `<rv-3>`, the rank of ep-b's
/// patch before it.
fn rank_shift_scenario() -> Scenario {
    let collection = "/api/v1/namespaces/<ns>/endpoints";
    let object = |name: &str, uid: &str, rv: &str| json!({"metadata": {"name": name, "uid": uid, "resourceVersion": rv}});
    let answered = |status: u16, body: Value| {
        json!({"status": status, "headers": {"Content-Type": "application/json"},
               "format": "json", "body": body})
    };
    let step = |method: &str, path: &str, query: &[(&str, &str)], body: Option<Value>, answer| {
        let mut headers = Map::new();
        headers.insert("Accept".to_owned(), json!("application/json"));
        if body.is_some() {
            headers.insert("Content-Type".to_owned(), json!("application/json"));
        }
        Step {
            note: None,
            request: transcript::Request {
                method: method.to_owned(),
                path: path.to_owned(),
                query: query
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                headers,
                auth: "admin".to_owned(),
                body,
            },
            nondeterministic: None,
            response: Some(answer),
            events: None,
            stream: None,
            continue_tokens: None,
        }
    };
    let ep_b = format!("{collection}/ep-b");
    let list = json!({"kind": "EndpointsList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "<rv-3+>"},
        "items": [object("ep-a", "<uid-1>", "<rv-2>"), object("ep-b", "<uid-2>", "<rv-3>")]});
    Scenario {
        id: "diff/seed-1".to_owned(),
        description: String::new(),
        steps: vec![
            step(
                "POST",
                collection,
                &[],
                Some(json!({"metadata": {"name": "ep-a"}})),
                answered(201, object("ep-a", "<uid-1>", "<rv-1>")),
            ),
            step(
                "POST",
                collection,
                &[],
                Some(json!({"metadata": {"name": "ep-b"}})),
                answered(201, object("ep-b", "<uid-2>", "<rv-2>")),
            ),
            step(
                "PATCH",
                &ep_b,
                &[],
                Some(json!({"metadata": {"labels": {"x": "y"}}})),
                answered(
                    200,
                    json!({"metadata": {"name": "ep-b", "uid": "<uid-2>",
                     "resourceVersion": "<rv-3>", "labels": {"x": "y"}}}),
                ),
            ),
            step(
                "GET",
                collection,
                &[
                    ("resourceVersion", "<rv-3>"),
                    ("resourceVersionMatch", "Exact"),
                ],
                None,
                answered(200, list),
            ),
        ],
        error: None,
        skipped: None,
    }
}

/// A target answering [`rank_shift_scenario`] with its own resourceVersions (110, 112, 113; ep-a
/// changed at 111), and answering the list at ep-b's creation (112) with `at_112`.
async fn rank_shift_target(at_112: Value) -> wiremock::MockServer {
    use wiremock::matchers::{body_string_contains, method, path, path_regex, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let object = |name: &str, uid: &str, rv: &str| json!({"metadata": {"name": name, "uid": uid, "resourceVersion": rv}});
    let list = |items: Vec<Value>, rv: &str| {
        json!({"kind": "EndpointsList", "apiVersion": "v1",
               "metadata": {"resourceVersion": rv}, "items": items})
    };
    let patched = json!({"metadata": {"name": "ep-b", "uid": "u-b", "resourceVersion": "113",
                                      "labels": {"x": "y"}}});
    let answers = [
        (
            method("POST"),
            path_regex("/endpoints$"),
            Some("ep-a"),
            None,
            ResponseTemplate::new(201).set_body_json(object("ep-a", "u-a", "110")),
        ),
        (
            method("POST"),
            path_regex("/endpoints$"),
            Some("ep-b"),
            None,
            ResponseTemplate::new(201).set_body_json(object("ep-b", "u-b", "112")),
        ),
        (
            method("PATCH"),
            path_regex("/endpoints/ep-b$"),
            None,
            None,
            ResponseTemplate::new(200).set_body_json(patched.clone()),
        ),
        (
            method("GET"),
            path_regex("/endpoints$"),
            None,
            Some("112"),
            ResponseTemplate::new(200).set_body_json(at_112),
        ),
        (
            method("GET"),
            path_regex("/endpoints$"),
            None,
            Some("113"),
            ResponseTemplate::new(200)
                .set_body_json(list(vec![object("ep-a", "u-a", "111"), patched], "113")),
        ),
    ];
    for (m, p, body, rv, answer) in answers {
        let mut mock = Mock::given(m).and(p);
        if let Some(name) = body {
            mock = mock.and(body_string_contains(name));
        }
        if let Some(rv) = rv {
            mock = mock.and(query_param("resourceVersion", rv));
        }
        mock.respond_with(answer).mount(&server).await;
    }
    Mock::given(method("POST"))
        .and(path("/api/v1/namespaces"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "ns"}}),
        ))
        .mount(&server)
        .await;
    server
}

/// Prefix numbering may write a read's resourceVersion as a rank its own answer pushed up: the
/// replayer then also tries the lower ranks the answer can account for, and keeps the one whose
/// answer matches. The rule hides nothing: a target whose answer differs at every rank tried
/// still differs.
#[tokio::test]
async fn a_read_naming_a_rank_its_own_answer_pushed_up_is_tried_lower() {
    let object = |name: &str, uid: &str, rv: &str| json!({"metadata": {"name": name, "uid": uid, "resourceVersion": rv}});
    let at_112 = |a: Value| {
        json!({"kind": "EndpointsList", "apiVersion": "v1", "metadata": {"resourceVersion": "112"},
               "items": [a, object("ep-b", "u-b", "112")]})
    };
    let a = object("ep-a", "u-a", "111");
    let mut a_labelled = a.clone();
    a_labelled["metadata"]["labels"] = json!({"z": "1"});
    let scenario = rank_shift_scenario();
    for (answer, identical) in [(at_112(a), true), (at_112(a_labelled), false)] {
        let server = rank_shift_target(answer).await;
        let mut opts = ReplayOptions::new(
            server.uri(),
            crate::resource::tests::ENDPOINTS,
            Some("t".to_owned()),
        );
        opts.compare.rules = Rules::Sequence;
        let target = Target::new(&opts).unwrap();
        let diff = replay(&target, &scenario).await;
        if identical {
            assert_eq!(diff.verdict, Verdict::Identical, "{:#?}", diff.differences);
        } else {
            assert_eq!(diff.verdict, Verdict::Differs, "{:#?}", diff.actual.steps);
            // No rank tried answers as recorded: the first answer (at the bound rank) is the one
            // reported.
            assert!(
                !diff.differences.is_empty() && diff.differences.iter().all(|d| d.step == Some(4)),
                "{:#?}",
                diff.differences
            );
        }
    }
}
