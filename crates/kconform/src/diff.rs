//! `kconform diff`: sends the same seeded random sequences of requests to a reference and to a
//! target, compares every answer, shrinks each differing sequence to a small reproduction and
//! writes the reports.
//!
//! Exit codes follow [`crate::exit`]: 0 no sequence differs, 1 some sequence differs, 2 the diff
//! could not run (bad options, a reference that cannot run the sequences, a target that never
//! answers, reports that cannot be written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use kconform_harness::diff::{
    self, DiffOptions, DiffReport, SequenceResult, SequenceVerdict, ShrinkOptions,
};
use kconform_harness::replay::{self, ReplayOptions};

use crate::exit;
use crate::launch;

/// A reference `kconform diff` launches itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LaunchReference {
    /// etcd and kube-apiserver from binaries (`--kube-apiserver PATH --etcd PATH`), on loopback
    /// ports, with generated certificates and tokens, torn down when the diff ends.
    KubeApiserver,
}

/// Options of `kconform diff`.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("reference_kind").args(["reference", "reference_recording", "launch_reference"]))]
pub struct DiffArgs {
    /// Base URL of the server under test.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The API whose sequences to send: endpoints-v1 (core/v1 Endpoints) or endpointslice-v1
    /// (discovery.k8s.io/v1 EndpointSlice). A seed names the same sequence of one suite forever.
    #[arg(long, value_name = "SUITE", default_value = "endpoints-v1", value_parser = crate::cli::suite_name)]
    pub suite: String,
    #[command(flatten)]
    pub tokens: crate::cli::TokenArgs,
    /// PEM file of the CA that signed the target's certificate.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the target's certificate.
    #[arg(long)]
    pub insecure: bool,
    /// Base URL of a reference server, e.g. a kind cluster [default: the built-in reference
    /// server, launched in process, emulating the version the target reports].
    #[arg(long, value_name = "URL")]
    pub reference: Option<String>,
    /// Bearer token of an administrator of the reference.
    #[arg(
        long,
        value_name = "T",
        env = "KCONFORM_REFERENCE_TOKEN",
        hide_env_values = true
    )]
    pub reference_token: Option<String>,
    /// PEM file of the CA that signed the reference's certificate.
    #[arg(long, value_name = "FILE", conflicts_with = "reference_insecure")]
    pub reference_ca_file: Option<PathBuf>,
    /// Do not verify the reference's certificate.
    #[arg(long)]
    pub reference_insecure: bool,
    /// Compare against recorded reference answers (a directory written by --record, or any
    /// transcript directory with sequence rules) instead of a live reference; nothing is shrunk.
    #[arg(long, value_name = "DIR")]
    pub reference_recording: Option<PathBuf>,
    /// Launch the reference from binaries.
    #[arg(long, value_enum, value_name = "KIND")]
    pub launch_reference: Option<LaunchReference>,
    /// The kube-apiserver binary, for --launch-reference kube-apiserver.
    #[arg(long, value_name = "PATH", requires = "launch_reference")]
    pub kube_apiserver: Option<PathBuf>,
    /// The etcd binary, for --launch-reference kube-apiserver.
    #[arg(long, value_name = "PATH", requires = "launch_reference")]
    pub etcd: Option<PathBuf>,
    /// The Kubernetes version the built-in reference emulates (e.g. 1.33) [default: the version
    /// the target reports on /version, else the newest].
    #[arg(long, value_name = "V")]
    pub k8s_version: Option<kconform_spec::K8sVersion>,
    /// Seed of the first sequence; sequence i uses seed + i.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Number of sequences.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub sequences: u64,
    /// Requests per sequence.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub steps: u64,
    /// Sequences run at the same time. A sequence waits on the servers (its watches last their
    /// timeoutSeconds on each side), so the default, as `kconform run --jobs`, is set by what a
    /// server should bear, not by this machine's cores.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Do not shrink differing sequences.
    #[arg(long)]
    pub no_shrink: bool,
    /// At most this many trials per shrink (each one a run on the reference and on the target).
    #[arg(long, value_name = "N", default_value_t = 150)]
    pub shrink_trials: usize,
    /// At most this long per shrink, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub shrink_timeout: u64,
    /// Also write the reference's answers as transcripts into this directory, for a later
    /// offline `--reference-recording DIR` or `kconform replay`.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Directory for report.json, report.md, report.html and reproductions/ [default:
    /// target/kconform/diff/<host>-<port>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Allow servers that are not on the loopback interface (diff creates and deletes namespaces).
    #[arg(long)]
    pub allow_remote: bool,
}

/// Runs `kconform diff`.
///
/// # Errors
/// Unusable options, a reference that cannot be launched, reports that cannot be written.
pub fn diff_blocking(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(diff_async(args))
}

fn side(
    suite: &crate::suite::Suite,
    url: &str,
    token: Option<String>,
    ca_file: Option<&Path>,
    insecure: bool,
    allow_remote: bool,
) -> anyhow::Result<ReplayOptions> {
    let mut options = ReplayOptions::new(url, suite.resource, token);
    options.namespace_prefix = diff::DEFAULT_NAMESPACE_PREFIX.to_owned();
    options.insecure = insecure;
    options.allow_remote = allow_remote;
    options.compare.rules = replay::Rules::Sequence;
    if let Some(ca) = ca_file {
        options.ca_pem =
            Some(std::fs::read(ca).with_context(|| format!("reading CA file {}", ca.display()))?);
    }
    Ok(options)
}

fn default_out(target: &str) -> PathBuf {
    let name = reqwest::Url::parse(target)
        .ok()
        .map(|url| {
            format!(
                "{}-{}",
                url.host_str()
                    .unwrap_or("target")
                    .replace(['[', ']', ':'], "_"),
                url.port_or_known_default().unwrap_or(0)
            )
        })
        .unwrap_or_else(|| "target".to_owned());
    PathBuf::from("target/kconform/diff").join(name)
}

fn progress_line(done: usize, total: usize, result: &SequenceResult) -> String {
    let detail = match result.verdict {
        SequenceVerdict::Identical => String::new(),
        SequenceVerdict::Differs => {
            let first = result
                .first_difference
                .map(|n| format!(" from step {n}"))
                .unwrap_or_default();
            let shrunk = result
                .shrunk
                .as_ref()
                .map(|s| format!(", shrunk to {} steps in {} trials", s.steps, s.trials))
                .unwrap_or_default();
            format!("{first}{shrunk}")
        }
        SequenceVerdict::Error => format!(": {}", result.error.as_deref().unwrap_or("")),
    };
    let word = match result.verdict {
        SequenceVerdict::Identical => "identical",
        SequenceVerdict::Differs => "DIFFERS",
        SequenceVerdict::Error => "ERROR",
    };
    format!(
        "[{done}/{total}] {word:<9} {} ({} ms){detail}",
        result.id, result.duration_ms
    )
}

async fn diff_async(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let suite = crate::suite::named(&args.suite)?;
    let target = side(
        suite,
        &args.target,
        args.tokens.token.clone(),
        args.ca_file.as_deref(),
        args.insecure,
        args.allow_remote,
    )?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.target));
    let sequences = usize::try_from(args.sequences).context("--sequences")?;
    let steps = usize::try_from(args.steps).context("--steps")?;
    let concurrency = usize::from(args.concurrency);
    let mut done = 0usize;

    let result = if let Some(dir) = &args.reference_recording {
        let scenarios = replay::load_dir(dir)
            .with_context(|| format!("reading the recorded reference from {}", dir.display()))?;
        if replay::recorded_rules(dir) != replay::Rules::Sequence {
            bail!(
                "{} was not recorded by sequence rules (its index.json names another tool); use `kconform replay` for it",
                dir.display()
            );
        }
        let total = scenarios.len();
        let recording = dir.display().to_string();
        eprintln!(
            "kconform diff: {total} recorded sequences from {} against {}",
            dir.display(),
            args.target
        );
        tokio::select! {
            result = diff::run_recorded(
                &target,
                &recording,
                replay::recorded_version(dir),
                &scenarios,
                concurrency,
                |r| { done += 1; eprintln!("{}", progress_line(done, total, r)); },
            ) => Some(result.context("the diff could not run")?),
            _ = tokio::signal::ctrl_c() => None,
        }
    } else {
        let (reference, launched) = match (&args.reference, args.launch_reference) {
            (Some(url), _) => (
                side(
                    suite,
                    url,
                    args.reference_token.clone(),
                    args.reference_ca_file.as_deref(),
                    args.reference_insecure,
                    args.allow_remote,
                )?,
                None,
            ),
            (None, Some(LaunchReference::KubeApiserver)) => {
                let (Some(kube_apiserver), Some(etcd)) = (&args.kube_apiserver, &args.etcd) else {
                    bail!(
                        "--launch-reference kube-apiserver needs --kube-apiserver PATH and --etcd PATH"
                    );
                };
                let binaries = launch::kube_apiserver::Binaries {
                    kube_apiserver: kube_apiserver.clone(),
                    etcd: etcd.clone(),
                };
                let launched = tokio::select! {
                    launched = launch::kube_apiserver(&binaries) => launched?,
                    _ = tokio::signal::ctrl_c() => {
                        // Dropping the launch future kills any half-started child (kill_on_drop).
                        eprintln!("kconform diff: interrupted while starting the reference");
                        return Ok(exit::code(exit::INTERRUPTED));
                    }
                };
                eprintln!(
                    "kconform diff: launched kube-apiserver as the reference at {}",
                    launched.target.url
                );
                let mut reference = side(
                    suite,
                    &launched.target.url,
                    launched.target.token.clone(),
                    None,
                    false,
                    false,
                )?;
                reference.ca_pem = launched.target.ca_pem.clone();
                (reference, Some(launched.server))
            }
            (None, None) => {
                let mut config = kconform_mock::Config::default();
                let reported = match args.k8s_version {
                    Some(version) => {
                        config.version = version;
                        None
                    }
                    None => {
                        let probe = replay::Target::new(&target).context("the target")?;
                        let reported = probe.version().await;
                        if let Some(version) = reported.as_deref().and_then(|v| v.parse().ok()) {
                            config.version = version;
                        }
                        reported
                    }
                };
                let emulated = config.version;
                let launched = launch::mock(config).await?;
                eprintln!(
                    "kconform diff: launched the reference server at {}, emulating Kubernetes {emulated}{}",
                    launched.target.url,
                    match &reported {
                        Some(v) => format!(" (the target reports {v})"),
                        None if args.k8s_version.is_some() => " (--k8s-version)".to_owned(),
                        None => " (the target reports no version)".to_owned(),
                    }
                );
                let reference = side(
                    suite,
                    &launched.target.url,
                    launched.target.token.clone(),
                    None,
                    false,
                    false,
                )?;
                (reference, Some(launched.server))
            }
        };
        let options = DiffOptions {
            reference,
            target: target.clone(),
            model: suite.sequence,
            seed: args.seed,
            sequences,
            steps,
            concurrency,
            shrink: ShrinkOptions {
                enabled: !args.no_shrink,
                max_trials: args.shrink_trials,
                time_limit: Duration::from_secs(args.shrink_timeout),
            },
        };
        eprintln!(
            "kconform diff: {sequences} sequences of {steps} steps (seeds {} to {}) against {}",
            args.seed,
            args.seed.wrapping_add(args.sequences - 1),
            args.target
        );
        let result = tokio::select! {
            result = diff::run(&options, |r| {
                done += 1;
                eprintln!("{}", progress_line(done, sequences, r));
            }) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        };
        if let Some(server) = launched {
            server.shutdown().await;
        }
        match result {
            Some(result) => Some(result.context("the diff could not run")?),
            None => None,
        }
    };
    let Some(report) = result else {
        eprintln!("kconform diff: interrupted");
        return Ok(exit::code(exit::INTERRUPTED));
    };
    write_reports(&report, &out, args.record.as_deref())?;
    println!(
        "diff of {} against {}: {} identical, {} differ, {} could not run on the reference",
        report.target, report.reference, report.identical, report.differing, report.errors
    );
    for result in report
        .results
        .iter()
        .filter(|r| r.verdict == SequenceVerdict::Differs)
    {
        let size = result
            .shrunk
            .as_ref()
            .map_or(result.steps, |shrunk| shrunk.steps);
        let first = result
            .differences
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        println!("  {} ({size} steps): {first}", result.id);
    }
    println!("reports: {}", out.display());
    Ok(exit::code(verdict(&report)))
}

/// The exit code of a finished diff.
fn verdict(report: &DiffReport) -> u8 {
    let unanswered = |r: &SequenceResult| {
        r.target
            .error
            .as_deref()
            // A transport error (`HttpError`), also when creating the namespace failed on one.
            .is_some_and(|e| e.contains("HttpError") || e.contains("request failed"))
    };
    let all_unanswered = report.identical == 0
        && report
            .results
            .iter()
            .filter(|r| r.verdict == SequenceVerdict::Differs)
            .all(unanswered);
    if report.errors > 0 || (report.differing > 0 && all_unanswered) {
        // The reference failed, or the target never answered: no verdict about the target.
        exit::HARNESS_ERROR
    } else if report.differing > 0 {
        exit::REGRESSION
    } else {
        exit::SUCCESS
    }
}

fn write_reports(report: &DiffReport, out: &Path, record: Option<&Path>) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let json = serde_json::to_string_pretty(report).context("serialising the diff report")?;
    std::fs::write(out.join("report.json"), json + "\n")
        .with_context(|| format!("writing {}", out.join("report.json").display()))?;
    std::fs::write(out.join("report.md"), diff::markdown(report))
        .with_context(|| format!("writing {}", out.join("report.md").display()))?;
    std::fs::write(out.join("report.html"), diff::html(report))
        .with_context(|| format!("writing {}", out.join("report.html").display()))?;
    let reproductions = out.join("reproductions");
    if reproductions.exists() {
        std::fs::remove_dir_all(&reproductions)
            .with_context(|| format!("clearing {}", reproductions.display()))?;
    }
    if report.differing > 0 {
        let written = report
            .write_reproductions(&reproductions)
            .context("writing the reproductions")?;
        eprintln!(
            "kconform diff: {written} reproductions in {} (kconform replay --transcripts {} --target URL)",
            reproductions.display(),
            reproductions.display()
        );
    }
    if let Some(dir) = record {
        report
            .write_recordings(dir)
            .with_context(|| format!("recording the reference's answers into {}", dir.display()))?;
        eprintln!(
            "kconform diff: the reference's answers recorded in {}",
            dir.display()
        );
    }
    Ok(())
}
