//! Benchmarks of `kconform diff` (`cargo xtask bench --only diff`): sequences per second between
//! two loopback reference servers, and the time to shrink a difference found in 30-step sequences.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use kconform_harness::diff::{self, DiffOptions, ShrinkOptions};
use kconform_harness::replay::ReplayOptions;
use kconform_mock::{Config, Fault};

const TOKEN: &str = "kconform-bench-admin";
const STEPS: usize = 30;
/// (sequences, concurrency) of the throughput runs. A sequence spends most of its time in watches,
/// which last their `timeoutSeconds` (1 or 2 s) on each side whatever the CPU: throughput comes
/// from running many sequences at once.
const THROUGHPUT_RUNS: [(usize, usize); 2] = [(48, 16), (384, 192)];
/// Concurrency of the shrink runs.
const CONCURRENCY: usize = 16;

pub(crate) fn run() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        throughput().await?;
        shrink_time().await
    })
}

async fn mock(faults: &[Fault]) -> anyhow::Result<kconform_mock::RunningServer> {
    let mut config = Config::default().with_admin_token(TOKEN);
    for fault in faults {
        config.faults.insert(*fault);
    }
    kconform_mock::spawn(config)
        .await
        .context("starting a reference server")
}

fn options(reference: &str, target: &str, sequences: usize, concurrency: usize) -> DiffOptions {
    let side = |url: &str| {
        let mut opts = ReplayOptions::new(url, endpoints_v1::RESOURCE, Some(TOKEN.to_owned()));
        opts.namespace_prefix = diff::DEFAULT_NAMESPACE_PREFIX.to_owned();
        opts
    };
    DiffOptions {
        reference: side(reference),
        target: side(target),
        model: endpoints_v1::sequence::model,
        seed: 1,
        sequences,
        steps: STEPS,
        concurrency,
        shrink: ShrinkOptions::default(),
    }
}

/// Sequences per second of a diff between two faithful servers (nothing to shrink).
async fn throughput() -> anyhow::Result<()> {
    for (sequences, concurrency) in THROUGHPUT_RUNS {
        let (a, b) = (mock(&[]).await?, mock(&[]).await?);
        let started = Instant::now();
        let report = diff::run(&options(&a.url, &b.url, sequences, concurrency), |_| {})
            .await
            .context("the diff could not run")?;
        let took = started.elapsed();
        a.shutdown().await;
        b.shutdown().await;
        println!(
            "diff: {sequences} sequences of {STEPS} steps between two loopback reference servers in {:.1} s: {:.1} sequences/s ({} identical, concurrency {concurrency})",
            took.as_secs_f64(),
            sequences as f64 / took.as_secs_f64().max(f64::EPSILON),
            report.identical
        );
    }
    Ok(())
}

/// The time to shrink each difference a fault leaves in 30-step sequences.
async fn shrink_time() -> anyhow::Result<()> {
    for fault in [Fault::ApplyOwnsLabelMap, Fault::ContinueSkipsItem] {
        let (a, b) = (mock(&[]).await?, mock(&[fault]).await?);
        let report = diff::run(&options(&a.url, &b.url, 8, CONCURRENCY), |_| {})
            .await
            .context("the diff could not run")?;
        a.shutdown().await;
        b.shutdown().await;
        let shrunk: Vec<_> = report
            .results
            .iter()
            .filter_map(|r| r.shrunk.as_ref().map(|s| (r.first_difference, s)))
            .collect();
        if shrunk.is_empty() {
            println!("diff shrink ({fault}): no difference in 8 sequences of {STEPS} steps");
            continue;
        }
        let total: Duration = shrunk
            .iter()
            .map(|(_, s)| Duration::from_millis(s.duration_ms))
            .sum();
        let n = shrunk.len() as u32;
        let trials: usize = shrunk.iter().map(|(_, s)| s.trials).sum();
        let sizes: Vec<String> = shrunk
            .iter()
            .map(|(first, s)| format!("{}→{}", first.unwrap_or(STEPS), s.steps))
            .collect();
        println!(
            "diff shrink ({fault}): {n} differing sequences of {STEPS} steps, mean {:.2} s and {:.0} trials per shrink (first differing step → reproduction steps: {})",
            (total / n).as_secs_f64(),
            trials as f64 / f64::from(n),
            sizes.join(", ")
        );
    }
    Ok(())
}
