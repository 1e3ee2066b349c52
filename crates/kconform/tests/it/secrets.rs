//! Secrets: bearer tokens never appear in any output of `kconform run`: the four reports, the
//! progress and summary lines, and the curl lines of the evidence.
//!
//! The tokens are distinctive strings; the run is made to fail (a fault switch) so that the reports
//! carry evidence with requests, headers and curl lines, where a leak would show.

use std::path::{Path, PathBuf};

use kconform_mock::Fault;

use crate::support::{kconform, scratch_dir};

const ADMIN_SECRET: &str = "kconform-secret-admin-5f3a9c1e77d04b2a";
const USER_SECRET: &str = "kconform-secret-user-8b2d7f4a19c63e05";

/// Checks whose evidence carries authenticated requests of both users, failing under the fault.
const FILTER: &str = "^EP-(CREATE-00[1-3]|READ-001|AUTH-00[13]|WATCH-002|PATCH-001)$";

async fn server() -> kconform_mock::RunningServer {
    let mut config = kconform_mock::Config {
        faults: [Fault::CreateReturns200].into_iter().collect(),
        ..kconform_mock::Config::default()
    }
    .with_admin_token(ADMIN_SECRET);
    config.tokens.push(kconform_mock::TokenEntry {
        token: USER_SECRET.to_owned(),
        user: "nobody".to_owned(),
        uid: "nobody".to_owned(),
        groups: Vec::new(),
    });
    kconform_mock::spawn(config)
        .await
        .expect("reference server starts")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable output directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every place a secret would show in `text`, named by `source`.
fn leaks(source: &str, text: &str) -> Vec<String> {
    [ADMIN_SECRET, USER_SECRET]
        .iter()
        .filter(|secret| text.contains(*secret))
        .map(|secret| format!("{source} contains {secret}"))
        .collect()
}

fn assert_no_leaks(out: &Path, stdout: &str, stderr: &str) {
    let mut problems = Vec::new();
    problems.extend(leaks("stdout", stdout));
    problems.extend(leaks("stderr", stderr));
    let files = files_under(out);
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for expected in ["report.json", "junit.xml", "report.md", "report.html"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} written (got {names:?})"
        );
    }
    let mut curl_lines = 0;
    for file in &files {
        let text =
            String::from_utf8_lossy(&std::fs::read(file).expect("readable report")).into_owned();
        curl_lines += text.matches("curl ").count();
        problems.extend(leaks(&file.display().to_string(), &text));
    }
    assert!(
        curl_lines > 0,
        "the reports carry curl lines, so the test would see a leaked token in them"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_appear_in_reports_logs_or_curl_lines() {
    let server = server().await;
    let out = scratch_dir("secrets-flags");
    let out_arg = out.display().to_string();
    let ran = kconform(&[
        "run",
        "--target",
        &server.url,
        "--token",
        ADMIN_SECRET,
        "--user-token",
        USER_SECRET,
        "--filter",
        FILTER,
        "--out",
        &out_arg,
    ])
    .await;
    assert_eq!(
        ran.code,
        Some(1),
        "the fault makes checks fail: {}",
        ran.dump()
    );
    assert_no_leaks(&out, &ran.stdout, &ran.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_tokens_never_appear_in_any_output() {
    let server = server().await;
    let out = scratch_dir("secrets-kubeconfig");
    let kubeconfig = out.join("kubeconfig.yaml");
    let report_dir = out.join("reports");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: {}\ncontexts:\n- name: c\n  context:\n    cluster: k\n    user: u\nusers:\n- name: u\n  user:\n    token: {ADMIN_SECRET}\n",
            server.url
        ),
    )
    .expect("write kubeconfig");
    let kubeconfig_arg = kubeconfig.display().to_string();
    let report_arg = report_dir.display().to_string();
    let ran = kconform(&[
        "run",
        "--kubeconfig",
        &kubeconfig_arg,
        "--user-token",
        USER_SECRET,
        "--filter",
        FILTER,
        "--out",
        &report_arg,
    ])
    .await;
    assert_eq!(
        ran.code,
        Some(1),
        "the fault makes checks fail: {}",
        ran.dump()
    );
    assert_no_leaks(&report_dir, &ran.stdout, &ran.stderr);
}
