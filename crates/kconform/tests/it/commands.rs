//! `list`, `explain` and argument errors, as a user runs them.

use crate::support::kconform;

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_every_check_with_id_and_level_on_stdout() {
    let ran = kconform(&["list"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    let checks: Vec<_> = kconform::suite::all_checks().map(|(_, c)| c).collect();
    assert_eq!(ran.stdout.lines().count(), checks.len());
    // Both APIs' suites, Endpoints first.
    assert!(checks.iter().any(|c| c.meta.id.starts_with("EP-")));
    assert!(checks.iter().any(|c| c.meta.id.starts_with("ES-")));
    for check in &checks {
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

    // --suite lists one suite; an unknown name is a usage error naming the suites.
    let ran = kconform(&["list", "--suite", "endpointslice-v1"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert_eq!(
        ran.stdout.lines().count(),
        kconform::suite::ENDPOINT_SLICES.checks().len()
    );
    assert!(ran.stdout.lines().all(|l| l.starts_with("ES-")));
    let ran = kconform(&["list", "--suite", "pods-v1"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr.contains("endpoints-v1, endpointslice-v1"),
        "{}",
        ran.dump()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_requirement_reference_and_reproduction() {
    let check = kconform::suite::ENDPOINTS.checks()[0].meta;
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

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_the_run_and_exits_130() {
    use tokio::io::AsyncBufReadExt as _;

    let out = crate::support::scratch_dir("interrupt");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kconform"))
        .args(["run", "--out", out.to_str().expect("utf-8"), "--jobs", "1"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kconform starts");
    let pid = child.id().expect("running child has a pid");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let mut seen = Vec::new();
    // Wait (bounded) until checks are running, so the signal handler is installed.
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let running = line.starts_with("[");
            seen.push(line);
            if running {
                break;
            }
        }
    })
    .await
    .expect("the run started within 60 s");
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let rest = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push(line);
        }
        child.wait().await
    })
    .await
    .expect("kconform stops within 30 s of Ctrl-C")
    .expect("wait");
    let stderr = seen.join("\n");
    assert_eq!(rest.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; launched servers were stopped"),
        "{stderr}"
    );
    assert!(!out.join("report.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn fixtures_are_written_checked_and_found_stale() {
    let dir = crate::support::scratch_dir("fixtures");
    let out = dir.join("vendored");
    let out_str = out.to_str().expect("utf-8");
    let ran = kconform(&["fixtures", "--out", out_str, "--k8s-version", "1.33"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stderr.contains("valid and "), "{}", ran.dump());
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("index.json")).expect("index.json written"),
    )
    .expect("index.json is JSON");
    let fixtures = index["fixtures"].as_array().expect("fixtures array");
    assert!(!fixtures.is_empty());
    for fixture in fixtures {
        let file = fixture["file"].as_str().expect("file");
        assert!(out.join(file).is_file(), "{file} listed but not written");
    }

    let ran = kconform(&[
        "fixtures",
        "--out",
        out_str,
        "--k8s-version",
        "1.33",
        "--check",
    ])
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stderr.contains("is up to date"), "{}", ran.dump());

    let first = fixtures[0]["file"].as_str().expect("file");
    std::fs::write(out.join(first), "{}").expect("tamper");
    let ran = kconform(&[
        "fixtures",
        "--out",
        out_str,
        "--k8s-version",
        "1.33",
        "--check",
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    assert!(
        ran.stderr.contains(&format!(
            "run `kconform fixtures --out {out_str} --k8s-version 1.33`"
        )),
        "{}",
        ran.dump()
    );
    assert!(
        ran.stderr.contains(&format!("changed: {first}")),
        "{}",
        ran.dump()
    );
}

fn transcripts() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../transcripts/kube-apiserver-v1.36.2"
    )
    .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_against_the_reference_server_matches_the_recordings() {
    let ran = kconform(&["replay", "--transcripts", &transcripts(), "--only", "^get/"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stdout.contains(" 0 differ"), "{}", ran.dump());
    assert!(
        ran.stderr.contains("identical get/not-found"),
        "{}",
        ran.dump()
    );
}

/// `kconform replay` recognizes `pb-record` recordings (exact protobuf bytes) and replays them
/// byte for byte; a server that streams JSON where protobuf was asked for differs.
#[tokio::test(flavor = "multi_thread")]
async fn replay_of_protobuf_recordings_compares_bytes() {
    let protobuf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../transcripts/protobuf/kube-apiserver-v1.36.2"
    );
    let ran = kconform(&["replay", "--transcripts", protobuf]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(
        ran.stdout.contains("9 identical, 0 differ, 0 skipped"),
        "{}",
        ran.dump()
    );
    let server = crate::support::server(&[kconform_mock::Fault::ProtobufWatchJson]).await;
    let ran = kconform(&[
        "replay",
        "--transcripts",
        protobuf,
        "--only",
        "^watch-protobuf$",
        "--target",
        &server.url,
        "--token",
        &server.token,
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    assert!(
        ran.stdout.contains("watch-protobuf differs:")
            && ran.stdout.contains("0 identical, 1 differ, 0 skipped"),
        "{}",
        ran.dump()
    );
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_launched_reference_server_emulates_the_recorded_version() {
    let v128 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../transcripts/kube-apiserver-v1.28.7"
    );
    // 1.28 sends no deprecation Warning; a server emulating 1.36 would differ on every step.
    let ran = kconform(&["replay", "--transcripts", v128, "--only", "^get/"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.dump());
    assert!(ran.stdout.contains(" 0 differ"), "{}", ran.dump());
    assert!(
        ran.stderr.contains("emulating Kubernetes 1.28 as recorded"),
        "{}",
        ran.dump()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_against_a_faulty_server_exits_1_and_shows_the_difference() {
    let server = crate::support::server(&[kconform_mock::Fault::NotFoundWrongReason]).await;
    let ran = kconform(&[
        "replay",
        "--transcripts",
        &transcripts(),
        "--only",
        "^get/not-found$",
        "--target",
        &server.url,
        "--token",
        &server.token,
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    assert!(
        ran.stdout.contains("get/not-found differs:"),
        "{}",
        ran.dump()
    );
    assert!(ran.stdout.contains("reason"), "{}", ran.dump());
    server.server.shutdown().await;

    let ran = kconform(&["replay", "--transcripts", "/nonexistent/transcripts"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.dump());
    assert!(
        ran.stderr
            .contains("reading transcripts from /nonexistent/transcripts"),
        "{}",
        ran.dump()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_serves_until_ctrl_c_and_prints_its_url() {
    use tokio::io::AsyncBufReadExt as _;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kconform"))
        .args(["mock", "--token", "secret", "--emulate", "1.33"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kconform mock starts");
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let url = tokio::time::timeout(std::time::Duration::from_secs(30), stdout.next_line())
        .await
        .expect("the URL is printed within 30 s")
        .expect("stdout readable")
        .expect("one line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    kconform_harness::client::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client");
    let version: serde_json::Value = client
        .get(format!("{url}/version"))
        .bearer_auth("secret")
        .send()
        .await
        .expect("the mock answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(version["minor"], "33", "{version}");
    let denied = client
        .get(format!("{url}/api/v1/endpoints"))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(denied.status().as_u16(), 401);

    let pid = child.id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("the mock stops within 30 s of Ctrl-C")
        .expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_the_environment_does_not_stop_a_launched_run() {
    let out = crate::support::scratch_dir("env-token");
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_kconform"))
            .args(["run", "--filter", "^EP-CREATE-001$", "--out"])
            .arg(&out)
            .env("KCONFORM_TOKEN", "from-the-environment")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("finished within 120 s")
    .expect("started");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("KCONFORM_TOKEN/KCONFORM_USER_TOKEN) ignored"),
        "{stderr}"
    );
}
