//! `list`, `explain` and argument errors, as a user runs them.

use crate::support::kconform;

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_every_check_with_id_and_level_on_stdout() {
    let ran = kconform(&["list"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let checks = kconform::suite::checks();
    assert_eq!(ran.stdout.lines().count(), checks.len());
    for check in checks {
        let line = ran
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(check.meta.id))
            .unwrap_or_else(|| panic!("{} listed", check.meta.id));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(check.meta.level.as_str())
        );
    }
    assert!(ran.stderr.is_empty(), "{}", ran.dump());

    let ran = kconform(&["list", "--format", "json", "--level", "must"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let value: serde_json::Value = serde_json::from_str(&ran.stdout).expect("json");
    let listed = value.as_array().expect("array");
    let musts = checks
        .iter()
        .filter(|c| c.meta.level == kconform_harness::model::Level::Must)
        .count();
    assert_eq!(listed.len(), musts);
    assert!(listed.iter().all(|c| c["level"] == "MUST"));
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_requirement_reference_and_reproduction() {
    let check = kconform::suite::checks()[0].meta;
    let ran = kconform(&["explain", &check.id.to_ascii_lowercase()]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stdout.contains(check.requirement));
    assert!(ran.stdout.contains(check.spec_ref));
    assert!(ran.stdout.contains(&format!("--filter '^{}$'", check.id)));

    let ran = kconform(&["explain", "EP-NOPE-999"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains("no check has the id \"EP-NOPE-999\""),
        "{}",
        ran.dump()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    let ran = kconform(&["run", "--target", "http://127.0.0.1:1", "--launch", "mock"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(ran.stderr.contains("cannot be used with"), "{}", ran.dump());
    let ran = kconform(&["run", "--launch", "kube-apiserver"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(ran.stderr.contains("--kube-apiserver"), "{}", ran.dump());
}

#[tokio::test(flavor = "multi_thread")]
async fn launching_kube_apiserver_from_missing_binaries_is_a_clear_error() {
    let ran = kconform(&[
        "run",
        "--launch",
        "kube-apiserver",
        "--kube-apiserver",
        "/nonexistent/kube-apiserver",
        "--etcd",
        "/nonexistent/etcd",
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr
            .contains("--kube-apiserver /nonexistent/kube-apiserver: no such file"),
        "{}",
        ran.dump()
    );
}
