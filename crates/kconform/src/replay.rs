//! `kconform replay`: replays transcripts recorded from a real kube-apiserver against a server and
//! prints how each scenario compared.
//!
//! Exit codes follow [`crate::exit`]: 0 every scenario answered as recorded, 1 some scenario
//! differs, 2 the replay could not run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use kconform_harness::replay::pb_record::{self, PbTarget};
use kconform_harness::replay::{self, ReplayOptions, Verdict};

use crate::exit;
use crate::launch;

/// Output format of `kconform replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayFormat {
    /// One line per scenario, then the differences.
    Text,
    /// The whole replay report as JSON.
    Json,
}

/// Options of `kconform replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// Directory of recorded transcripts (e.g. transcripts/kube-apiserver-v1.36.2).
    #[arg(long, value_name = "DIR")]
    pub transcripts: PathBuf,
    /// Base URL of the server to replay against [default: a freshly launched reference server].
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    #[command(flatten)]
    pub tokens: crate::cli::TokenArgs,
    /// PEM file of the CA that signed the server's certificate.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the server's certificate.
    #[arg(long)]
    pub insecure: bool,
    /// Only scenarios whose id (e.g. watch/bookmark-quiet) matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub only: Option<String>,
    /// Scenarios replayed at once.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Also write the normalized actual transcripts into this directory.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Allow a target that is not on the loopback interface (replay creates and deletes namespaces).
    #[arg(long)]
    pub allow_remote: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReplayFormat,
}

/// Runs `kconform replay`.
///
/// # Errors
/// Unreadable transcripts or CA file, unusable options, a server that cannot be launched.
pub fn replay_blocking(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(replay_async(args))
}

/// The `api` the recordings' `index.json` names, if any.
fn recorded_api(dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("index.json")).ok()?;
    let index: serde_json::Value = serde_json::from_str(&text).ok()?;
    index.get("api")?.as_str().map(str::to_owned)
}

async fn replay_async(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    if pb_record::is_pb_record_dir(&args.transcripts) {
        return replay_protobuf(&args).await;
    }
    let scenarios = replay::load_dir(&args.transcripts)
        .with_context(|| format!("reading transcripts from {}", args.transcripts.display()))?;
    let resource = crate::suite::resource_named(recorded_api(&args.transcripts).as_deref())?;
    let (mut options, launched) = match &args.target {
        Some(url) => (
            ReplayOptions::new(url.clone(), resource, args.tokens.token.clone()),
            None,
        ),
        None => {
            let launched = launch_as_recorded(&args.transcripts).await?;
            let mut options = ReplayOptions::new(
                launched.target.url.clone(),
                resource,
                launched.target.token.clone(),
            );
            options.user_token = launched.target.user_token.clone();
            (options, Some(launched.server))
        }
    };
    if args.target.is_some() {
        options.user_token = args.tokens.user_token.clone();
    }
    options.insecure = args.insecure;
    if let Some(ca) = &args.ca_file {
        options.ca_pem =
            Some(std::fs::read(ca).with_context(|| format!("reading --ca-file {}", ca.display()))?);
    }
    options.only = args.only.clone();
    options.concurrency = usize::from(args.concurrency);
    options.record_dir = args.record.clone();
    options.allow_remote = args.allow_remote;
    options.compare.rules = replay::recorded_rules(&args.transcripts);

    let total = replay::select(&scenarios, options.only.as_deref())
        .map(|s| s.len())
        .unwrap_or(0);
    let mut done = 0usize;
    let result = tokio::select! {
        result = replay::run_with_progress(&options, &scenarios, |diff| {
            done += 1;
            eprintln!("[{done}/{total}] {:<9} {}", verdict_word(diff.verdict), diff.id);
        }) => Some(result),
        _ = tokio::signal::ctrl_c() => None,
    };
    if let Some(server) = launched {
        server.shutdown().await;
    }
    let Some(result) = result else {
        eprintln!("kconform: interrupted");
        return Ok(exit::code(exit::INTERRUPTED));
    };
    let report = result.context("the replay could not run")?;
    match args.format {
        ReplayFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).context("serialising the replay report")?
            );
        }
        ReplayFormat::Text => {
            for scenario in report
                .scenarios
                .iter()
                .filter(|s| s.verdict == Verdict::Differs)
            {
                println!("{} differs:", scenario.id);
                for difference in &scenario.differences {
                    println!("  {difference}");
                }
            }
            println!(
                "replay against {}: {} identical, {} differ, {} skipped",
                report.target, report.identical, report.differ, report.skipped
            );
        }
    }
    Ok(exit::code(if report.all_identical() {
        exit::SUCCESS
    } else {
        exit::REGRESSION
    }))
}

/// Launches the reference server emulating the version the recordings in `dir` were made from
/// (their index.json), so that version-dependent answers compare like for like.
async fn launch_as_recorded(dir: &std::path::Path) -> anyhow::Result<launch::LaunchedTarget> {
    let mut config = kconform_mock::Config::default();
    let recorded = replay::recorded_version(dir);
    if let Some(version) = recorded.as_deref() {
        config.version = version.parse().with_context(|| {
            format!(
                "{}/index.json names server version {version:?}, which is not a Kubernetes 1.x version",
                dir.display()
            )
        })?;
    }
    let emulated = config.version;
    let launched = launch::mock(config).await?;
    eprintln!(
        "kconform: launched the reference server at {}, emulating Kubernetes {emulated}{}",
        launched.target.url,
        if recorded.is_some() {
            " as recorded"
        } else {
            " (the recordings name no version)"
        }
    );
    Ok(launched)
}

/// Replays `pb-record` recordings (exact protobuf and JSON bytes, e.g. `transcripts/protobuf/…`):
/// every answer must be the recorded bytes once the server-chosen values are substituted.
async fn replay_protobuf(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let scenarios = pb_record::load_pb_dir(&args.transcripts)
        .with_context(|| format!("reading recordings from {}", args.transcripts.display()))?;
    let only = args
        .only
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .context("--only is not a regular expression")?;
    let (url, token, user_token, launched) = match &args.target {
        Some(url) => {
            let parsed = reqwest::Url::parse(url)
                .with_context(|| format!("--target {url:?} is not a URL"))?;
            let host = parsed.host_str().unwrap_or_default();
            let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
            if !loopback && !args.allow_remote {
                anyhow::bail!(
                    "--target {url} is not on the loopback interface: replay creates and deletes namespaces, pass --allow-remote to do that there"
                );
            }
            let token = args.tokens.token.clone().context(
                "replaying protobuf recordings needs --token (an administrator of the target)",
            )?;
            (url.clone(), token, args.tokens.user_token.clone(), None)
        }
        None => {
            let launched = launch_as_recorded(&args.transcripts).await?;
            let target = &launched.target;
            (
                target.url.clone(),
                target.token.clone().unwrap_or_default(),
                target.user_token.clone(),
                Some(launched.server),
            )
        }
    };
    let mut target = PbTarget::new(&url, &token, user_token.as_deref().unwrap_or_default())
        .context("building the HTTP client")?;
    if args.ca_file.is_some() || args.insecure {
        let ca = args
            .ca_file
            .as_ref()
            .map(|ca| {
                std::fs::read(ca).with_context(|| format!("reading --ca-file {}", ca.display()))
            })
            .transpose()?;
        target = target
            .with_tls(ca.as_deref(), args.insecure)
            .context("building the HTTP client")?;
    }
    let selected: Vec<&pb_record::PbScenario> = scenarios
        .iter()
        .filter(|s| only.as_ref().is_none_or(|re| re.is_match(&s.id)))
        .collect();
    let total = selected.len();
    let (mut identical, mut differ, mut skipped) = (0usize, 0usize, 0usize);
    let mut report = Vec::new();
    for (done, scenario) in selected.into_iter().enumerate() {
        if scenario.needs_user() && user_token.is_none() {
            skipped += 1;
            eprintln!(
                "[{}/{total}] skipped   {} (no --user-token given)",
                done + 1,
                scenario.id
            );
            report.push(serde_json::json!({"id": scenario.id, "verdict": "skipped"}));
            continue;
        }
        let replayed = tokio::select! {
            diff = pb_record::replay_pb(&target, scenario) => Some(diff),
            _ = tokio::signal::ctrl_c() => None,
        };
        let Some(diff) = replayed else {
            eprintln!("kconform: interrupted");
            return Ok(exit::code(exit::INTERRUPTED));
        };
        let verdict = if diff.differences.is_empty() {
            identical += 1;
            Verdict::Identical
        } else {
            differ += 1;
            Verdict::Differs
        };
        eprintln!(
            "[{}/{total}] {:<9} {}",
            done + 1,
            verdict_word(verdict),
            diff.id
        );
        report.push(
            serde_json::json!({"id": diff.id, "verdict": verdict_word(verdict),
            "steps": diff.steps, "differences": diff.differences}),
        );
        if args.format == ReplayFormat::Text && !diff.differences.is_empty() {
            println!("{} differs:", diff.id);
            for difference in &diff.differences {
                println!("  {difference}");
            }
        }
    }
    if let Some(server) = launched {
        server.shutdown().await;
    }
    match args.format {
        ReplayFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"target": url,
                "identical": identical, "differ": differ, "skipped": skipped, "scenarios": report}))
            .context("serialising the replay report")?
        ),
        ReplayFormat::Text => println!(
            "replay against {url}: {identical} identical, {differ} differ, {skipped} skipped"
        ),
    }
    Ok(exit::code(if differ == 0 {
        exit::SUCCESS
    } else {
        exit::REGRESSION
    }))
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Identical => "identical",
        Verdict::Differs => "DIFFERS",
        Verdict::Skipped => "skipped",
    }
}
