//! `kconform diff` as a process: against the built-in reference, against a faulty server (exit 1,
//! a reproduction that `kconform replay` runs), recording and comparing offline, and the errors.

use crate::support::{kconform, scratch_dir, server};

fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the file was written");
    serde_json::from_str(&text).expect("it is JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faithful_server_has_no_difference_and_its_recording_compares_offline() {
    let target = server(&[]).await;
    let out = scratch_dir("diff-faithful");
    let record = out.join("recorded");
    let ran = kconform(&[
        "diff",
        "--target",
        &target.url,
        "--token",
        &target.token,
        "--seed",
        "5",
        "--sequences",
        "4",
        "--steps",
        "10",
        "--out",
        &out.display().to_string(),
        "--record",
        &record.display().to_string(),
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(
        ran.stdout.contains("4 identical, 0 differ"),
        "{}",
        ran.dump()
    );
    assert!(
        ran.stderr.contains("emulating Kubernetes"),
        "{}",
        ran.dump()
    );
    assert!(!ran.stdout.contains(&target.token) && !ran.stderr.contains(&target.token));
    let report = read_json(&out.join("report.json"));
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["identical"], 4);
    assert_eq!(report["results"].as_array().map(Vec::len), Some(4));
    assert!(
        std::fs::read_to_string(out.join("report.md"))
            .expect("report.md")
            .contains("# kconform diff")
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(
        html.contains("No difference") && !html.contains(&target.token),
        "{html}"
    );
    assert_eq!(read_json(&record.join("index.json"))["rules"], "sequence");

    // The recorded answers are a reference too: offline, the same server still agrees.
    let ran = kconform(&[
        "diff",
        "--target",
        &target.url,
        "--token",
        &target.token,
        "--reference-recording",
        &record.display().to_string(),
        "--out",
        &out.join("offline").display().to_string(),
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(
        ran.stdout.contains("4 identical, 0 differ"),
        "{}",
        ran.dump()
    );
    target.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faulty_server_differs_and_the_reproduction_replays() {
    let faulty = server(&[kconform_mock::Fault::NotFoundWrongReason]).await;
    let out = scratch_dir("diff-faulty");
    let ran = kconform(&[
        "diff",
        "--target",
        &faulty.url,
        "--token",
        &faulty.token,
        "--sequences",
        "4",
        "--steps",
        "16",
        "--out",
        &out.display().to_string(),
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    assert!(ran.stderr.contains("DIFFERS"), "{}", ran.dump());
    let report = read_json(&out.join("report.json"));
    let differing = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["verdict"] == "differs")
        .expect("a differing sequence in the report");
    let shrunk = differing["shrunk"]["steps"].as_u64();
    assert!(shrunk.is_some_and(|n| n <= 5), "{report:#}");
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(
        markdown.contains("```sh") && markdown.contains("$KCONFORM_TOKEN"),
        "{markdown}"
    );
    assert!(!markdown.contains(&faulty.token));
    // The HTML section shows the same sequence, its reproduction step by step and the script.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let id = differing["id"].as_str().expect("an id");
    assert!(
        html.contains("The target differs from the reference")
            && html.contains(id)
            && html.contains("class=\"diffstep differs\"")
            && html.contains("$KCONFORM_TOKEN"),
        "{html}"
    );
    assert!(!html.contains(&faulty.token));

    // The reproduction is a transcript: replay shows the same difference, and none on a
    // faithful server.
    let reproductions = out.join("reproductions").display().to_string();
    let ran = kconform(&[
        "replay",
        "--transcripts",
        &reproductions,
        "--target",
        &faulty.url,
        "--token",
        &faulty.token,
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    let faithful = server(&[]).await;
    let ran = kconform(&[
        "replay",
        "--transcripts",
        &reproductions,
        "--target",
        &faithful.url,
        "--token",
        &faithful.token,
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    faulty.server.shutdown().await;
    faithful.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_references_and_targets_exit_2_with_a_clear_error() {
    let ran = kconform(&[
        "diff",
        "--target",
        "http://127.0.0.1:9",
        "--launch-reference",
        "kube-apiserver",
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains(
            "--launch-reference kube-apiserver needs --kube-apiserver PATH and --etcd PATH"
        ),
        "{}",
        ran.dump()
    );

    let ran = kconform(&["diff", "--target", "http://192.0.2.1:6443"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains("refusing non-loopback target"),
        "{}",
        ran.dump()
    );

    // Nothing listens on port 9: the target never answers, which is no verdict about it.
    let out = scratch_dir("diff-unreachable");
    let ran = kconform(&[
        "diff",
        "--target",
        "http://127.0.0.1:9",
        "--sequences",
        "1",
        "--steps",
        "3",
        "--no-shrink",
        "--out",
        &out.display().to_string(),
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());

    let ran = kconform(&[
        "diff",
        "--target",
        "http://127.0.0.1:9",
        "--reference-recording",
        "/nonexistent/dir",
    ])
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(ran.stderr.contains("/nonexistent/dir"), "{}", ran.dump());
}

/// `--launch-reference kube-apiserver` with the stand-in binaries of `launch.rs`: the launcher
/// starts etcd and kube-apiserver, the diff reaches the reference over TLS with the generated CA
/// and admin token (the stand-in answers 401 to anything else), and both processes are gone
/// afterwards. The stand-in serves namespaces but no Endpoints, so the target differs from it.
#[tokio::test(flavor = "multi_thread")]
async fn launch_reference_kube_apiserver_starts_uses_and_tears_down_the_binaries() {
    use crate::launch::{assert_stand_ins_stopped, run_with_stand_ins, stand_ins};
    let target = server(&[]).await;
    let (dir, etcd, apiserver) = stand_ins("diff-launch-reference", None);
    let (code, dump, stdout, stderr) = run_with_stand_ins(
        &[
            "diff",
            "--target",
            &target.url,
            "--token",
            &target.token,
            "--launch-reference",
            "kube-apiserver",
            "--kube-apiserver",
            apiserver.to_str().expect("utf-8"),
            "--etcd",
            etcd.to_str().expect("utf-8"),
            "--sequences",
            "1",
            "--steps",
            "3",
            "--no-shrink",
            "--out",
            dir.join("out").to_str().expect("utf-8"),
        ],
        &dir,
    )
    .await;
    assert!(
        stderr.contains(
            "kconform diff: launched kube-apiserver as the reference at https://127.0.0.1:"
        ),
        "{dump}"
    );
    assert_eq!(code, Some(1), "{dump}");
    assert!(
        stdout.contains("against https://127.0.0.1:") && stdout.contains("0 identical, 1 differ"),
        "{dump}"
    );
    // The stand-in's own answer, so the request reached it with the admin token.
    assert!(stdout.contains("expected 404"), "{dump}");
    assert!(
        !stdout.contains(&target.token) && !stderr.contains(&target.token),
        "{dump}"
    );
    assert_stand_ins_stopped(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn endpointslice_sequences_find_a_fault_and_their_reproduction_replays() {
    let faulty = server(&[kconform_mock::Fault::NoConflictOnStaleRv]).await;
    let out = scratch_dir("diff-endpointslice");
    let ran = kconform(&[
        "diff",
        "--suite",
        "endpointslice-v1",
        "--target",
        &faulty.url,
        "--token",
        &faulty.token,
        "--sequences",
        "12",
        "--steps",
        "30",
        "--out",
        &out.display().to_string(),
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    let report = read_json(&out.join("report.json"));
    let differing: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] == "differs")
        .collect();
    assert!(!differing.is_empty(), "{report:#}");
    // Every request of a reproduction is an EndpointSlice one.
    let reproductions = out.join("reproductions");
    let markdown = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(
        markdown.contains("/apis/discovery.k8s.io/v1/namespaces/"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("/api/v1/namespaces/<ns>/endpoints"),
        "{markdown}"
    );
    let ran = kconform(&[
        "replay",
        "--transcripts",
        &reproductions.display().to_string(),
        "--target",
        &faulty.url,
        "--token",
        &faulty.token,
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    faulty.server.shutdown().await;
}
