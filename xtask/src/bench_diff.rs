//! Benchmarks of `kconform diff` (`cargo xtask bench --only diff`): sequences per second between
//! two loopback reference servers, and the time to shrink a difference found in 30-step sequences.
//!
//! Everything runs as a user runs it: the release `kconform` binary, `kconform mock` twice as the
//! two servers and `kconform diff` between them, over loopback, with the figures read from the
//! diff's own `report.json`. (In process, in xtask's dev profile, the client's normalization and
//! comparison ran unoptimized and the figure said more about the profile than about `diff`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::bench_mock::server::{Server, TOKEN, start_with};

const STEPS: usize = 30;
/// (sequences, concurrency) of the throughput runs. A sequence spends most of its time in watches,
/// which last their `timeoutSeconds` (1 or 2 s) on each side whatever the CPU: throughput comes
/// from running many sequences at once.
const THROUGHPUT_RUNS: [(usize, usize); 3] = [(48, 16), (384, 192), (768, 384)];
/// Concurrency of the shrink runs.
const CONCURRENCY: usize = 16;
/// Faults whose differences the shrink figures are taken from.
const SHRINK_FAULTS: [&str; 2] = ["apply-owns-label-map", "no-conflict-on-stale-rv"];

pub(crate) fn run() -> anyhow::Result<()> {
    let kconform = crate::bench::build_release("kconform", "kconform")?;
    let scratch = std::env::temp_dir().join(format!("kconform-bench-diff-{}", std::process::id()));
    let result = throughput(&kconform, &scratch).and_then(|()| shrink_time(&kconform, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// `kconform mock` with `faults` on 127.0.0.1:0 (killed on drop), and its URL.
fn mock(kconform: &Path, faults: &[&str]) -> anyhow::Result<(Server, String)> {
    let extra: Vec<&str> = faults
        .iter()
        .flat_map(|fault| ["--fault", *fault])
        .collect();
    let server = start_with(kconform, &["mock"], &extra)?;
    let url = format!("http://{}", server.addr);
    Ok((server, url))
}

/// One `kconform diff` of `target` against `reference`: its report and the wall time.
fn diff(
    kconform: &Path,
    reference: &str,
    target: &str,
    sequences: usize,
    concurrency: usize,
    shrink: bool,
    out: &PathBuf,
) -> anyhow::Result<(Value, f64)> {
    let mut cmd = Command::new(kconform);
    cmd.args(["diff", "--target", target, "--reference", reference])
        .args(["--token", TOKEN, "--reference-token", TOKEN, "--seed", "1"])
        .args(["--sequences", &sequences.to_string()])
        .args(["--steps", &STEPS.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--out")
        .arg(out);
    if !shrink {
        cmd.arg("--no-shrink");
    }
    let started = Instant::now();
    let output = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run kconform diff")?;
    let took = started.elapsed().as_secs_f64();
    // 0: nothing differs, 1: differences; 2 is a harness error, which its last lines say.
    if !matches!(output.status.code(), Some(0 | 1)) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "kconform diff failed ({}): {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let path = out.join("report.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let report =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok((report, took))
}

fn count(report: &Value, field: &str) -> u64 {
    report.get(field).and_then(Value::as_u64).unwrap_or(0)
}

/// Sequences per second of a diff between two faithful servers (nothing to shrink).
fn throughput(kconform: &Path, scratch: &Path) -> anyhow::Result<()> {
    for (sequences, concurrency) in THROUGHPUT_RUNS {
        let ((_a, a), (_b, b)) = (mock(kconform, &[])?, mock(kconform, &[])?);
        let out = scratch.join(format!("throughput-{concurrency}"));
        let (report, took) = diff(kconform, &a, &b, sequences, concurrency, false, &out)?;
        println!(
            "diff: {sequences} sequences of {STEPS} steps between two loopback reference servers (release binaries) in {took:.1} s: {:.1} sequences/s ({} identical, {} differ, concurrency {concurrency})",
            sequences as f64 / took.max(f64::EPSILON),
            count(&report, "identical"),
            count(&report, "differing"),
        );
    }
    Ok(())
}

/// The time to shrink each difference a fault leaves in 30-step sequences.
fn shrink_time(kconform: &Path, scratch: &Path) -> anyhow::Result<()> {
    for fault in SHRINK_FAULTS {
        let ((_a, a), (_b, b)) = (mock(kconform, &[])?, mock(kconform, &[fault])?);
        let out = scratch.join(format!("shrink-{fault}"));
        let (report, _) = diff(kconform, &a, &b, 8, CONCURRENCY, true, &out)?;
        let results = report
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let shrunk: Vec<(u64, &Value)> = results
            .iter()
            .filter_map(|r| {
                let first = r.get("first_difference").and_then(Value::as_u64);
                r.get("shrunk").map(|s| (first.unwrap_or(STEPS as u64), s))
            })
            .collect();
        if shrunk.is_empty() {
            println!("diff shrink ({fault}): no difference in 8 sequences of {STEPS} steps");
            continue;
        }
        let n = shrunk.len() as f64;
        let total_ms: u64 = shrunk.iter().map(|(_, s)| count(s, "duration_ms")).sum();
        let trials: u64 = shrunk.iter().map(|(_, s)| count(s, "trials")).sum();
        let sizes: Vec<String> = shrunk
            .iter()
            .map(|(first, s)| format!("{first}→{}", count(s, "steps")))
            .collect();
        println!(
            "diff shrink ({fault}): {} differing sequences of {STEPS} steps, mean {:.2} s and {:.0} trials per shrink (first differing step → reproduction steps: {})",
            shrunk.len(),
            total_ms as f64 / n / 1000.0,
            trials as f64 / n,
            sizes.join(", ")
        );
    }
    Ok(())
}
