//! `diff` end to end over loopback sockets: the reference server against itself (no difference),
//! against itself with a fault switched on (found and shrunk), and against hostile servers (no
//! panic, no hang).

use std::time::Instant;

use kconform_harness::diff::{self, DiffOptions, DiffReport, SequenceVerdict, ShrinkOptions};
use kconform_harness::replay::ReplayOptions;
use kconform_mock::{Config, Fault};

const TOKEN: &str = "kconform-diff-admin";
/// Steps per sequence of the self-diff: short enough for 200 sequences to run in well under a
/// minute in a debug build on two shared cores, long enough for objects to be created, changed,
/// listed, watched and deleted within one sequence.
const SELF_DIFF_STEPS: usize = 8;

async fn mock(faults: &[Fault]) -> kconform_mock::RunningServer {
    let mut config = Config::default().with_admin_token(TOKEN);
    for fault in faults {
        config.faults.insert(*fault);
    }
    kconform_mock::spawn(config)
        .await
        .expect("the mock starts on 127.0.0.1:0")
}

fn options(
    reference: &str,
    target: &str,
    seed: u64,
    sequences: usize,
    steps: usize,
) -> DiffOptions {
    let side = |url: &str| {
        let mut opts = ReplayOptions::new(url, endpoints_v1::RESOURCE, Some(TOKEN.to_owned()));
        opts.namespace_prefix = diff::DEFAULT_NAMESPACE_PREFIX.to_owned();
        opts
    };
    DiffOptions {
        reference: side(reference),
        target: side(target),
        model: endpoints_v1::sequence::model,
        seed,
        sequences,
        steps,
        concurrency: 16,
        shrink: ShrinkOptions::default(),
    }
}

fn summary(report: &DiffReport) -> String {
    let mut out = String::new();
    for result in report
        .results
        .iter()
        .filter(|r| r.verdict != SequenceVerdict::Identical)
    {
        out.push_str(&format!(
            "{} {:?} {:?}\n",
            result.id, result.verdict, result.error
        ));
        for d in result.differences.iter().take(4) {
            out.push_str(&format!("    {d}\n"));
        }
        for n in result.notes.iter().take(3) {
            out.push_str(&format!("    note: {n}\n"));
        }
    }
    out
}

/// The reference server against a second instance of itself: every one of 200 sequences agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reference_server_agrees_with_itself_over_200_sequences() {
    let (a, b) = (mock(&[]).await, mock(&[]).await);
    let sequences = std::env::var("KCONFORM_DIFF_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let first = std::env::var("KCONFORM_DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let started = Instant::now();
    let mut opts = options(&a.url, &b.url, first, sequences, SELF_DIFF_STEPS);
    opts.shrink.enabled = std::env::var_os("KCONFORM_DIFF_NO_SHRINK").is_none();
    let report = diff::run(&opts, |_| {}).await.expect("the diff runs");
    if let Ok(dir) = std::env::var("KCONFORM_DIFF_OUT") {
        let dir = std::path::Path::new(&dir);
        report
            .write_reproductions(&dir.join("reference"))
            .expect("the output directory is writable");
        for result in report
            .results
            .iter()
            .filter(|r| r.verdict != SequenceVerdict::Identical)
        {
            kconform_harness::replay::write_scenario(&dir.join("target"), &result.target)
                .expect("the output directory is writable");
        }
    }
    eprintln!(
        "self-diff: {sequences} sequences in {:?}",
        started.elapsed()
    );
    assert_eq!(report.sequences, sequences);
    assert_eq!(report.identical, sequences, "{}", summary(&report));
    a.shutdown().await;
    b.shutdown().await;
}
