//! The body of every suite's test binary (`suites/<suite>/tests/conformance.rs` includes it): one
//! libtest trial per check, named by its id, against `KCONFORM_TARGET` or a reference server
//! started for the run. See a suite's `tests/conformance.rs` for the environment it reads.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use kconform_harness::model::{Level, Outcome};
use kconform_harness::resource::Resource;
use kconform_harness::runner::{Check, RunEnv, RunOptions};
use kconform_harness::target::Target;
use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Kills the reference server when the run ends.
struct MockProcess {
    child: Child,
    _dir: TempDir,
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop (for the mock's token file).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn mock_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = env("KCONFORM_MOCK_BIN") {
        return Ok(PathBuf::from(p));
    }
    // This binary lives in target/<profile>/deps/; the mock is built into target/<profile>/.
    let exe = std::env::current_exe().context("cannot locate the test binary")?;
    let profile_dir = exe.parent().and_then(|deps| deps.parent());
    let target_dir = profile_dir.and_then(|p| p.parent());
    let mut candidates = Vec::new();
    if let Some(p) = profile_dir {
        candidates.push(p.join("kconform-mock"));
    }
    if let Some(t) = target_dir {
        candidates.push(t.join("debug").join("kconform-mock"));
        candidates.push(t.join("release").join("kconform-mock"));
    }
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .with_context(|| {
            format!(
                "no reference server binary found (looked at {}); run `cargo build -p kconform-mock` first, \
                 or set KCONFORM_TARGET to test another server",
                candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            )
        })
}

fn start_mock() -> anyhow::Result<(Target, MockProcess)> {
    let bin = mock_binary()?;
    let admin = format!("admin-{}", kconform_harness::runner::random_token(12));
    let user = format!("user-{}", kconform_harness::runner::random_token(12));
    let dir = std::env::temp_dir().join(format!(
        "kconform-conformance-{}",
        kconform_harness::runner::random_token(8)
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = TempDir(dir);
    let tokens = dir.0.join("tokens.csv");
    std::fs::write(
        &tokens,
        format!("{admin},admin,admin,\"system:masters\"\n{user},ref-user,ref-user,\"\"\n"),
    )
    .with_context(|| format!("cannot write {}", tokens.display()))?;
    let mut cmd = Command::new(&bin);
    cmd.arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--token-auth-file")
        .arg(&tokens);
    if let Some(v) = env("KCONFORM_EMULATE") {
        cmd.arg("--emulate").arg(v);
    }
    // Faults break the reference server on purpose, to see what the suite says about it. The proof
    // that every fault is caught is the kill matrix (crates/kconform-mock/tests/it/kill_matrix.rs).
    let from_env = env("KCONFORM_MOCK_FAULTS").unwrap_or_default();
    for fault in from_env.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        cmd.arg("--fault").arg(fault);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stdout = child
        .stdout
        .take()
        .context("no stdout from the reference server")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let process = MockProcess { child, _dir: dir };
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .context("the reference server printed no URL within 10 s")?;
    let url = line.trim();
    if url.is_empty() {
        bail!("the reference server exited without printing its URL");
    }
    let target = Target::new(url)?.with_token(admin).with_user_token(user);
    Ok((target, process))
}

fn target_from_env() -> anyhow::Result<Option<Target>> {
    let mut target = if let Some(url) = env("KCONFORM_TARGET") {
        Target::new(&url)?
    } else if let Some(kc) = env("KCONFORM_KUBECONFIG") {
        Target::from_kubeconfig(&PathBuf::from(kc), env("KCONFORM_CONTEXT").as_deref())?
    } else {
        return Ok(None);
    };
    if let Some(t) = env("KCONFORM_TOKEN") {
        target = target.with_token(t);
    }
    if let Some(t) = env("KCONFORM_USER_TOKEN") {
        target = target.with_user_token(t);
    }
    if let Some(ca) = env("KCONFORM_CA_FILE") {
        target = target.with_ca_file(&PathBuf::from(ca))?;
    }
    if env("KCONFORM_INSECURE").is_some_and(|v| v != "0" && v != "false") {
        target = target.with_insecure(true);
    }
    Ok(Some(target))
}

fn render_failure(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Fail(f) => {
            let mut s = format!("Expected: {}\nActual:   {}\n", f.expected, f.actual);
            for ex in &f.evidence {
                s.push_str(&format!("  $ {}\n", ex.curl));
                if let Some(r) = &ex.response {
                    let body: String = r.body.chars().take(400).collect();
                    s.push_str(&format!("    -> {} {}\n", r.status, body.trim_end()));
                }
            }
            s
        }
        Outcome::Error { message } => format!("error: {message}"),
        other => format!("{other:?}"),
    }
}

/// Runs `checks` of `resource` as one trial each, against `KCONFORM_TARGET` or a reference server
/// started for the run.
pub(crate) fn main(resource: Resource, checks: Vec<Check>) -> anyhow::Result<()> {
    let mut args = Arguments::from_args();
    // Checks mostly wait on the network; run many at once unless the user chose.
    if args.test_threads.is_none() {
        args.test_threads = Some(16);
    }
    if args.list {
        let trials: Vec<Trial> = checks
            .iter()
            .map(|c| Trial::test(c.meta.id, || Ok(())))
            .collect();
        libtest_mimic::run(&args, trials).exit();
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?,
    );
    let (target, _mock) = match target_from_env()? {
        Some(t) => (t, None),
        None => {
            let (t, p) = start_mock()?;
            (t, Some(p))
        }
    };
    let options = RunOptions {
        level: Level::May,
        k8s_version: env("KCONFORM_K8S_VERSION")
            .map(|v| v.parse())
            .transpose()
            .map_err(|e| anyhow::anyhow!("KCONFORM_K8S_VERSION: {e}"))?,
        namespace: env("KCONFORM_NAMESPACE"),
        check_timeout: Duration::from_secs(60),
        ..RunOptions::default()
    };
    let run_env = Arc::new(runtime.block_on(RunEnv::prepare(&target, resource, &options))?);
    let version = run_env.version();
    // Checks that may compact the target's history run alone (see the runner); queue them last so
    // that they do not hold the others up while they wait for their turn.
    let mut checks = checks;
    checks.sort_by_key(|c| {
        c.meta
            .features
            .contains(&kconform_harness::runner::EXCLUSIVE_FEATURE)
    });
    let trials = checks
        .into_iter()
        .map(|check| {
            let run_env = Arc::clone(&run_env);
            let runtime = Arc::clone(&runtime);
            let applies = check.meta.applies_to(version.minor);
            Trial::ignorable_test(check.meta.id, move || {
                let result = runtime.block_on(run_env.run_one(&check));
                match &result.outcome {
                    Outcome::Pass => Ok(Completion::Completed),
                    Outcome::Skip { reason } => Ok(Completion::ignored_with(reason.clone())),
                    Outcome::Unsupported { feature, reason } => Ok(Completion::ignored_with(
                        format!("unsupported {feature}: {reason}"),
                    )),
                    other => Err(Failed::from(render_failure(other))),
                }
            })
            .with_ignored_flag(!applies)
        })
        .collect::<Vec<_>>();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(_mock);
    conclusion.exit()
}
