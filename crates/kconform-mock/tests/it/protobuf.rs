//! Kubernetes protobuf against the reference server.
//!
//! The recordings of `transcripts/protobuf/` (real kube-apiserver v1.28.7 and v1.36.2, exact bytes)
//! are replayed against the reference server emulating each version over a loopback socket, each
//! scenario on a fresh server, and every answer must be identical byte for byte once the server-chosen
//! values are substituted (by re-encoding, see `kconform_harness::replay::pb_record`).

use std::path::{Path, PathBuf};

use kconform_harness::replay::pb_record::{PbTarget, load_pb_dir, replay_pb};
use kconform_mock::{Config, TokenEntry};
use kconform_spec::K8sVersion;

const ADMIN_TOKEN: &str = "kconform-protobuf-admin";
const USER_TOKEN: &str = "kconform-protobuf-user";
/// The recordings' unprivileged user; 403 messages name it.
const USER_NAME: &str = "ref-user";

fn recordings(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../transcripts/protobuf")
        .join(format!("kube-apiserver-{version}"))
}

fn config(minor: u32) -> Config {
    let mut config = Config::default().with_admin_token(ADMIN_TOKEN);
    config.version = K8sVersion::new(minor);
    config.tokens.push(TokenEntry {
        token: USER_TOKEN.to_owned(),
        user: USER_NAME.to_owned(),
        uid: USER_NAME.to_owned(),
        groups: vec!["system:authenticated".to_owned()],
    });
    config
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
