//! The check model: levels, version ranges and the serde shapes reports rely on.

use std::time::Duration;

use kconform_harness::model::*;

const META: CheckMeta = CheckMeta {
    id: "EP-WATCH-017",
    level: Level::Must,
    requirement: "r",
    spec_ref: "kube-apiserver behaviour §6.3",
    operations: &["listCoreV1NamespacedEndpoints"],
    params: &["sendInitialEvents"],
    statuses: &[200],
    since: Some(32),
    until: Some(35),
    features: &[],
};

#[test]
fn version_range_is_inclusive() {
    assert!(!META.applies_to(31));
    assert!(META.applies_to(32));
    assert!(META.applies_to(35));
    assert!(!META.applies_to(36));
    assert_eq!(META.area(), "WATCH");
}

#[test]
fn meta_serialises_with_its_header_fields() {
    let v = serde_json::to_value(META).expect("serialise");
    assert_eq!(v["id"], "EP-WATCH-017");
    assert_eq!(v["level"], "MUST");
    assert_eq!(v["since"], 32);
}

#[test]
fn run_results_round_trip_through_json() {
    let results = RunResults {
        target: TargetInfo {
            url: "http://127.0.0.1:1".to_owned(),
            k8s_version: "1.36".to_owned(),
            server_version: Some("v1.36.2".to_owned()),
        },
        started_at: "2026-11-27T12:00:00Z".to_owned(),
        duration: Duration::from_millis(1500),
        results: vec![
            CheckResult {
                id: "EP-CREATE-001".to_owned(),
                level: Level::Must,
                outcome: Outcome::fail(
                    "HTTP 201",
                    "HTTP 500",
                    vec![Exchange {
                        request: RecordedRequest {
                            method: "POST".to_owned(),
                            url: "http://127.0.0.1:1/api/v1/namespaces/ns/endpoints".to_owned(),
                            headers: vec![(
                                "Authorization".to_owned(),
                                "Bearer <redacted>".to_owned(),
                            )],
                            body: Some("{}".to_owned()),
                        },
                        response: Some(RecordedResponse {
                            status: 500,
                            headers: vec![],
                            body: "{}".to_owned(),
                        }),
                        curl: "curl -sS -X POST 'http://127.0.0.1:1/'".to_owned(),
                    }],
                ),
                duration: Duration::from_millis(3),
                cleanup: CleanupOutcome::Done,
            },
            CheckResult {
                id: "EP-AUTH-003".to_owned(),
                level: Level::Must,
                outcome: Outcome::unsupported("unprivileged-user", "no user token"),
                duration: Duration::ZERO,
                cleanup: CleanupOutcome::Failed {
                    message: "DELETE answered 500".to_owned(),
                },
            },
        ],
    };
    let text = serde_json::to_string(&results).expect("serialise");
    let back: RunResults = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, results);
    assert_eq!(back.count("fail"), 1);
    assert_eq!(back.count("unsupported"), 1);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["results"][0]["outcome"]["kind"], "fail");
    assert_eq!(v["results"][1]["cleanup"]["kind"], "failed");
}
