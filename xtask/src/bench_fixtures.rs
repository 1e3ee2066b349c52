//! Benchmark group "fixtures": how fast the generator draws objects, on one core.
//!
//! Prints `fixtures <metric> <value> <unit>` lines on stdout. Debug builds are an order of magnitude
//! slower; the figures that count come from `cargo run --release -p xtask -- bench --only fixtures`.

use std::time::{Duration, Instant};

use kconform_fixtures::corpus::{self, CorpusOptions};
use kconform_spec::K8sVersion;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};

/// How long each throughput measurement runs.
const MEASURE_FOR: Duration = Duration::from_secs(3);

/// CPU seconds this process has used (user + system), from /proc on Linux; `None` elsewhere.
///
/// Reported beside wall-clock figures because on a busy machine wall time understates one core's speed.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux configuration Rust supports.
    Some((utime + stime) / 100.0)
}

/// Draws values for `MEASURE_FOR`: (values per wall second, values per CPU second, mean JSON bytes per value).
fn throughput<T: std::fmt::Debug>(
    strategy: &BoxedStrategy<T>,
    seed: u64,
    size: impl Fn(&T) -> usize,
) -> anyhow::Result<(f64, Option<f64>, f64)> {
    let mut runner = corpus::seeded_runner(seed);
    // Warm up allocator and caches, and measure the mean size on these draws: serialising inside the
    // timed loop would count JSON encoding as generation time.
    let mut bytes = 0usize;
    for _ in 0..1_000 {
        let tree = strategy
            .new_tree(&mut runner)
            .map_err(|e| anyhow::anyhow!("strategy gave up: {e}"))?;
        bytes += size(&tree.current());
    }
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut n = 0u64;
    while start.elapsed() < MEASURE_FOR {
        for _ in 0..256 {
            let tree = strategy
                .new_tree(&mut runner)
                .map_err(|e| anyhow::anyhow!("strategy gave up: {e}"))?;
            std::hint::black_box(tree.current());
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_start
        .zip(cpu_seconds())
        .map(|(a, b)| b - a)
        .filter(|c| *c > 0.0)
        .map(|c| n as f64 / c);
    Ok((n as f64 / secs, cpu, bytes as f64 / 1_000.0))
}

fn json_len(v: &serde_json::Value) -> usize {
    serde_json::to_vec(v).map_or(0, |b| b.len())
}

pub(crate) fn run() -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "note: xtask was built without optimizations; for real figures run `cargo run --release -p xtask -- bench --only fixtures`"
        );
    }
    eprintln!(
        "fixtures: measuring valid objects ({}s)",
        MEASURE_FOR.as_secs()
    );
    let (per_sec, per_cpu_sec, mean) = throughput(
        &kconform_fixtures::valid_endpoints(K8sVersion::NEWEST),
        1,
        json_len,
    )?;
    println!("fixtures valid_objects_per_second {per_sec:.0} objects/s");
    if let Some(c) = per_cpu_sec {
        println!("fixtures valid_objects_per_cpu_second {c:.0} objects/s");
    }
    println!("fixtures valid_object_mean_size {mean:.0} bytes");

    eprintln!(
        "fixtures: measuring invalid objects ({}s)",
        MEASURE_FOR.as_secs()
    );
    let invalid_size = |i: &kconform_fixtures::InvalidEndpoints| i.body.to_json_bytes().len();
    let (per_sec, per_cpu_sec, mean) = throughput(
        &kconform_fixtures::invalid_endpoints(K8sVersion::NEWEST),
        2,
        invalid_size,
    )?;
    println!("fixtures invalid_objects_per_second {per_sec:.0} objects/s");
    if let Some(c) = per_cpu_sec {
        println!("fixtures invalid_objects_per_cpu_second {c:.0} objects/s");
    }
    println!("fixtures invalid_object_mean_size {mean:.0} bytes");

    eprintln!("fixtures: generating the default corpus");
    let start = Instant::now();
    let generated = corpus::generate(&CorpusOptions::default())?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "fixtures default_corpus_generation {ms:.1} ms ({} files)",
        generated.files.len()
    );
    Ok(())
}
