//! The runner against the reference server served in-process on a loopback port.

use std::sync::Mutex;
use std::time::Duration;

use kconform_harness::client::Request;
use kconform_harness::model::{CheckMeta, CleanupOutcome, Level, Outcome};
use kconform_harness::runner::{Check, Ctx, Progress, RunOptions, run};
use kconform_harness::target::Target;
use serde_json::json;

async fn reference_server() -> String {
    let config = kconform_mock::config::Config::default().with_admin_token("admin-token");
    let app = kconform_mock::app(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

const fn meta(id: &'static str, level: Level, since: Option<u32>) -> CheckMeta {
    CheckMeta {
        id,
        level,
        requirement: "test requirement",
        spec_ref: "test",
        operations: &["createCoreV1NamespacedEndpoints"],
        params: &[],
        statuses: &[201],
        since,
        until: None,
        features: &[],
    }
}

async fn creates_an_object(ctx: Ctx) -> Outcome {
    let name = ctx.name("ep");
    let body = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name},
                      "subsets": [{"addresses": [{"ip": "10.1.2.3"}]}]});
    match ctx
        .client
        .send(Request::post(ctx.collection_path()).json(&body))
        .await
    {
        Ok(r) if r.status == 201 => Outcome::Pass,
        Ok(r) => Outcome::fail("HTTP 201", format!("HTTP {}", r.status), ctx.log()),
        Err(e) => Outcome::error(e.to_string()),
    }
}

async fn panics(_ctx: Ctx) -> Outcome {
    panic!("boom");
}

async fn fails(ctx: Ctx) -> Outcome {
    let _ = ctx
        .client
        .send(Request::get(ctx.object_path("missing")))
        .await;
    Outcome::fail("an object", "HTTP 404", ctx.log())
}

async fn sleeps(_ctx: Ctx) -> Outcome {
    tokio::time::sleep(Duration::from_secs(30)).await;
    Outcome::Pass
}

fn checks() -> Vec<Check> {
    vec![
        Check {
            meta: meta("EP-TEST-001", Level::Must, None),
            run: |c| Box::pin(creates_an_object(c)),
        },
        Check {
            meta: meta("EP-TEST-002", Level::Must, None),
            run: |c| Box::pin(panics(c)),
        },
        Check {
            meta: meta("EP-TEST-003", Level::Should, None),
            run: |c| Box::pin(fails(c)),
        },
        Check {
            meta: meta("EP-TEST-004", Level::May, Some(99)),
            run: |c| Box::pin(creates_an_object(c)),
        },
        Check {
            meta: meta("EP-OTHER-001", Level::Must, None),
            run: |c| Box::pin(sleeps(c)),
        },
    ]
}

#[tokio::test]
async fn runs_checks_in_namespaces_and_reports_every_outcome() {
    let url = reference_server().await;
    let target = Target::new(&url).expect("url").with_token("admin-token");
    let options = RunOptions {
        jobs: 4,
        filter: Some(regex::Regex::new("^EP-TEST-").expect("regex")),
        check_timeout: Duration::from_secs(10),
        ..RunOptions::default()
    };
    let seen = Mutex::new(Vec::new());
    let progress = |p: Progress<'_>| {
        let line = match p {
            Progress::Planned { total, .. } => format!("planned {total}"),
            Progress::Started { id } => format!("started {id}"),
            Progress::Finished {
                result,
                done,
                total,
            } => format!("finished {} {done}/{total}", result.id),
        };
        seen.lock().expect("lock").push(line);
    };
    let results = run(
        &target,
        endpoints_v1::RESOURCE,
        &checks(),
        &options,
        &progress,
    )
    .await
    .expect("run");
    let ids: Vec<&str> = results.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["EP-TEST-001", "EP-TEST-002", "EP-TEST-003", "EP-TEST-004"],
        "filtered, in registry order"
    );
    let kinds: Vec<&str> = results.results.iter().map(|r| r.outcome.kind()).collect();
    assert_eq!(kinds, ["pass", "error", "fail", "skip"]);
    assert!(
        matches!(&results.results[1].outcome, Outcome::Error { message } if message.contains("boom"))
    );
    match &results.results[2].outcome {
        Outcome::Fail(f) => {
            assert_eq!(f.evidence.len(), 1);
            assert!(
                f.evidence[0].curl.contains("$TOKEN")
                    && !f.evidence[0].curl.contains("admin-token")
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(results.results[0].cleanup, CleanupOutcome::Done);
    assert_eq!(results.target.k8s_version, "1.36");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen[0], "planned 4");
    assert_eq!(seen.iter().filter(|l| l.starts_with("finished")).count(), 4);
    assert!(seen.iter().any(|l| l.ends_with("4/4")));
}

#[tokio::test]
async fn level_threshold_timeout_and_explicit_version() {
    let url = reference_server().await;
    let target = Target::new(&url).expect("url").with_token("admin-token");
    let options = RunOptions {
        level: Level::Must,
        check_timeout: Duration::from_millis(500),
        k8s_version: Some(kconform_spec::K8sVersion::new(30)),
        filter: Some(regex::Regex::new("EP-(TEST-001|OTHER)").expect("regex")),
        ..RunOptions::default()
    };
    let results = run(
        &target,
        endpoints_v1::RESOURCE,
        &checks(),
        &options,
        &|_| {},
    )
    .await
    .expect("run");
    let ids: Vec<&str> = results.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["EP-TEST-001", "EP-OTHER-001"]);
    assert!(
        matches!(&results.results[1].outcome, Outcome::Error { message } if message.contains("did not finish"))
    );
    assert_eq!(results.target.k8s_version, "1.30");
    assert!(results.duration < Duration::from_secs(10));
}

#[tokio::test]
async fn an_existing_namespace_is_shared_and_only_created_objects_are_removed() {
    let url = reference_server().await;
    let target = Target::new(&url).expect("url").with_token("admin-token");
    let client = kconform_harness::client::Client::new(&target).expect("client");
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shared"}});
    let r = client
        .send(Request::post("/api/v1/namespaces").json(&ns))
        .await
        .expect("ns");
    assert!(r.status == 201 || r.status == 409, "{}", r.status);
    let keep = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "keep-me"}});
    let r = client
        .send(Request::post("/api/v1/namespaces/shared/endpoints").json(&keep))
        .await
        .expect("create");
    assert_eq!(r.status, 201);
    let options = RunOptions {
        namespace: Some("shared".to_owned()),
        filter: Some(regex::Regex::new("^EP-TEST-001$").expect("regex")),
        ..RunOptions::default()
    };
    let results = run(
        &target,
        endpoints_v1::RESOURCE,
        &checks(),
        &options,
        &|_| {},
    )
    .await
    .expect("run");
    assert_eq!(results.results[0].outcome, Outcome::Pass);
    assert_eq!(results.results[0].cleanup, CleanupOutcome::Done);
    let list = client
        .send(Request::get("/api/v1/namespaces/shared/endpoints"))
        .await
        .expect("list");
    let v = list.json().expect("json");
    let names: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["keep-me"],
        "the check's own object is gone, the other one stays"
    );
}

#[tokio::test]
async fn http2_prior_knowledge_reaches_the_reference_server() {
    let url = reference_server().await;
    let target = Target::new(&url)
        .expect("url")
        .with_token("admin-token")
        .with_http(kconform_harness::target::HttpVersion::Http2);
    let client = kconform_harness::client::Client::new(&target).expect("client");
    let resp = client
        .send(Request::get("/api/v1"))
        .await
        .expect("HTTP/2 request");
    assert_eq!(resp.status, 200);
    assert!(client.log()[0].curl.contains("--http2-prior-knowledge"));
}
