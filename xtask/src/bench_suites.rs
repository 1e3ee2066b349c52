//! `cargo xtask bench --only suites`: the wall time of a full run of each suite, and of both
//! together, against the reference server `kconform run` launches, on the release binary.
//!
//! The figure is the run's own `duration_ms` from `report.json` (launch and report writing
//! excluded), the median of a few runs; the target is under 10 s for both suites on 2 cores.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// Runs per selection; the median is printed.
const RUNS: usize = 3;

pub(crate) fn run() -> anyhow::Result<()> {
    let kconform = crate::bench::build_release("kconform", "kconform")?;
    let scratch =
        std::env::temp_dir().join(format!("kconform-bench-suites-{}", std::process::id()));
    println!(
        "suite runs against the launched reference server (release binary, default --jobs, median of {RUNS})"
    );
    for (label, suite) in [
        ("endpoints-v1", Some("endpoints-v1")),
        ("endpointslice-v1", Some("endpointslice-v1")),
        ("both suites", None),
    ] {
        let mut times = Vec::new();
        let mut checks = 0;
        for n in 0..RUNS {
            let out = scratch.join(format!("{label}-{n}").replace(' ', "-"));
            let (ms, count) = one_run(&kconform, suite, &out)?;
            times.push(ms);
            checks = count;
        }
        times.sort_unstable();
        println!(
            "  {label:<18} {checks:>4} checks  {:>6.2} s  (runs: {})",
            times[RUNS / 2] as f64 / 1000.0,
            times
                .iter()
                .map(|t| format!("{:.2}", *t as f64 / 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// One `kconform run` into `out`: the run's duration in ms and its number of checks.
fn one_run(kconform: &Path, suite: Option<&str>, out: &Path) -> anyhow::Result<(u64, usize)> {
    let mut cmd = Command::new(kconform);
    cmd.arg("run").arg("--out").arg(out);
    if let Some(s) = suite {
        cmd.arg("--suite").arg(s);
    }
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", kconform.display()))?;
    if !status.success() {
        bail!(
            "kconform run {} failed ({status}); see {}",
            suite.unwrap_or("(all suites)"),
            out.display()
        );
    }
    let text = std::fs::read_to_string(out.join("report.json"))
        .with_context(|| format!("reading {}", out.join("report.json").display()))?;
    let report: serde_json::Value =
        serde_json::from_str(&text).context("report.json is not JSON")?;
    let ms = report["duration_ms"]
        .as_u64()
        .context("report.json has no duration_ms")?;
    let checks = report["checks"].as_array().map_or(0, Vec::len);
    Ok((ms, checks))
}
