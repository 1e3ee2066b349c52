//! Running the binary with a bound on time, and starting reference servers.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// What one run of the binary produced.
#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    /// Everything printed, for assertion messages.
    pub(crate) fn dump(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Upper bound for one run of the binary: the whole suite against the in-memory server takes
/// seconds; this only keeps a hung run from hanging the test suite.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `kconform ARGS` and waits (bounded) for it.
pub(crate) async fn kconform(args: &[&str]) -> Ran {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kconform"));
    command
        .args(args)
        .env_remove("KCONFORM_TOKEN")
        .env_remove("KCONFORM_USER_TOKEN")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output: Output = tokio::time::timeout(RUN_TIMEOUT, command.output())
        .await
        .expect("kconform finished within the time bound")
        .expect("kconform started");
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A reference server in this process, with an admin and an unprivileged token.
pub(crate) struct Server {
    pub(crate) server: kconform_mock::RunningServer,
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) user_token: String,
}

/// Starts the reference server with the given faults switched on.
pub(crate) async fn server(faults: &[kconform_mock::Fault]) -> Server {
    let token = "kconform-it-admin".to_owned();
    let user_token = "kconform-it-user".to_owned();
    let mut config = kconform_mock::Config {
        faults: faults.iter().copied().collect(),
        ..kconform_mock::Config::default()
    }
    .with_admin_token(token.clone());
    config.tokens.push(kconform_mock::TokenEntry {
        token: user_token.clone(),
        user: "nobody".to_owned(),
        uid: "nobody".to_owned(),
        groups: Vec::new(),
    });
    let server = kconform_mock::spawn(config)
        .await
        .expect("reference server starts");
    let url = server.url.clone();
    Server {
        server,
        url,
        token,
        user_token,
    }
}

impl Server {
    /// The command-line arguments that point `kconform run` at this server.
    pub(crate) fn target_args(&self) -> Vec<String> {
        vec![
            "--target".to_owned(),
            self.url.clone(),
            "--token".to_owned(),
            self.token.clone(),
            "--user-token".to_owned(),
            self.user_token.clone(),
        ]
    }
}

/// A fresh, empty directory under the target directory (kept after the test for inspection).
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("kconform-it")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Reads and parses `report.json` from an output directory.
pub(crate) fn read_report(out: &Path) -> kconform_harness::report::Report {
    let text = std::fs::read_to_string(out.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json parses as a Report")
}

/// `&[String]` as `&[&str]`.
pub(crate) fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
