//! `kconform run` and `cargo xtask conformance`: resolve or launch the target, run the suite, gate
//! the results with the baseline, write the reports, and decide the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use kconform_harness::baseline::{self, Baseline, Gate, GateStatus, Verdict};
use kconform_harness::client::{Client, Request};
use kconform_harness::model::{CheckResult, CleanupOutcome, Outcome, RunResults};
use kconform_harness::report::{self, BuildInput, CoverageGrid, Report};
use kconform_harness::runner::{self, Check};
use kconform_harness::target::Target;

use crate::cli::{LaunchKind, RunArgs};
use crate::exit;
use crate::launch::{self, Launched, kube_apiserver};
use crate::progress::{Mode, Reporter};
use crate::suite;

/// The files a run writes into its output directory.
pub mod files {
    /// The versioned JSON report.
    pub const JSON: &str = "report.json";
    /// JUnit XML.
    pub const JUNIT: &str = "junit.xml";
    /// Markdown summary.
    pub const MARKDOWN: &str = "report.md";
    /// Self-contained HTML page.
    pub const HTML: &str = "report.html";
}

/// Runs the suite as the command line asks and returns the process exit code.
///
/// Errors returned here are harness or target errors: the caller prints them and exits with
/// [`exit::HARNESS_ERROR`].
///
/// # Errors
/// Bad options, an unreadable baseline, a target that cannot be reached or launched, a report that
/// cannot be written.
pub fn run_blocking(args: RunArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(args))
}

/// Everything validated up front, before any server is started.
struct Prepared {
    filter: Option<regex::Regex>,
    baseline: Baseline,
    baseline_path: Option<String>,
}

/// The async body of [`run_blocking`].
///
/// # Errors
/// See [`run_blocking`].
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    kconform_harness::client::install_crypto_provider();
    let prepared = prepare(&args)?;
    let (target, launched, name) = match resolve_target(&args)? {
        Resolved::External(target) => {
            let name = host_port_name(&target.url);
            (target, None, name)
        }
        Resolved::Launch(kind) => {
            let launching = async {
                match kind {
                    LaunchKind::Mock => {
                        // The reference server emulates the version whose expectations apply.
                        let config = kconform_mock::Config {
                            version: args
                                .k8s_version
                                .unwrap_or(kconform_spec::K8sVersion::NEWEST),
                            ..kconform_mock::Config::default()
                        };
                        launch::mock(config).await
                    }
                    LaunchKind::KubeApiserver => {
                        let binaries = kube_apiserver::Binaries {
                            // clap's required_if_eq guarantees both are present for this kind.
                            kube_apiserver: args.kube_apiserver.clone().unwrap_or_default(),
                            etcd: args.etcd.clone().unwrap_or_default(),
                        };
                        launch::kube_apiserver(&binaries).await
                    }
                }
            };
            let launched = tokio::select! {
                launched = launching => launched?,
                _ = tokio::signal::ctrl_c() => {
                    // Dropping the launch future kills any half-started child (kill_on_drop).
                    eprintln!("kconform: interrupted while starting the server");
                    return Ok(exit::code(exit::INTERRUPTED));
                }
            };
            eprintln!(
                "kconform: launched the {} at {}",
                launched.name.replace('-', " "),
                launched.target.url
            );
            (
                launched.target,
                Some(launched.server),
                launched.name.to_owned(),
            )
        }
    };

    let outcome = tokio::select! {
        outcome = run_against(&args, &prepared, &target, &name) => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    if let Some(server) = launched {
        stop(server).await;
    }
    match outcome {
        Some(outcome) => outcome,
        None => {
            eprintln!("kconform: interrupted; launched servers were stopped");
            Ok(exit::code(exit::INTERRUPTED))
        }
    }
}

async fn stop(server: Launched) {
    // Bounded: a server that does not stop in time is dropped, which kills child processes.
    let _ = tokio::time::timeout(Duration::from_secs(15), server.shutdown()).await;
}

fn prepare(args: &RunArgs) -> anyhow::Result<Prepared> {
    let filter = args
        .filter
        .as_deref()
        .map(|f| {
            regex::Regex::new(f)
                .with_context(|| format!("--filter {f:?} is not a valid regular expression"))
        })
        .transpose()?;
    let (baseline, baseline_path) = match &args.baseline {
        Some(path) => (
            Baseline::load(path).map_err(anyhow::Error::from)?,
            Some(path.display().to_string()),
        ),
        None => (Baseline::empty("unnamed"), None),
    };
    Ok(Prepared {
        filter,
        baseline,
        baseline_path,
    })
}

enum Resolved {
    External(Target),
    Launch(LaunchKind),
}

fn resolve_target(args: &RunArgs) -> anyhow::Result<Resolved> {
    let mut target = match (&args.kubeconfig, &args.target) {
        (Some(kubeconfig), url) => {
            let mut target = Target::from_kubeconfig(kubeconfig, args.context.as_deref())
                .map_err(anyhow::Error::from)
                .with_context(|| format!("reading --kubeconfig {}", kubeconfig.display()))?;
            if let Some(url) = url {
                // --target overrides the kubeconfig's server, keeping its credentials.
                target.url = Target::new(url)?.url;
            }
            target
        }
        (None, Some(url)) => Target::new(url)?,
        (None, None) => {
            if args.tokens.token.is_some() || args.tokens.user_token.is_some() {
                // Often KCONFORM_TOKEN from the environment: not an error, but not silently ignored.
                eprintln!(
                    "kconform: --token/--user-token (or KCONFORM_TOKEN/KCONFORM_USER_TOKEN) ignored: \
                     the launched server gets tokens of its own"
                );
            }
            return Ok(Resolved::Launch(args.launch.unwrap_or(LaunchKind::Mock)));
        }
    };
    if let Some(token) = &args.tokens.token {
        target = target.with_token(token.clone());
    }
    if let Some(user) = &args.tokens.user_token {
        target = target.with_user_token(user.clone());
    }
    if let Some(ca) = &args.ca_file {
        target = target.with_ca_file(ca)?;
    }
    if args.insecure {
        target = target.with_insecure(true);
    }
    Ok(Resolved::External(target))
}

/// `127.0.0.1-6443` for `https://127.0.0.1:6443/`: a directory name for the default `--out`.
pub fn host_port_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let name: String = authority
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Collapse runs of dashes (from `[::1]:80`) so the name stays readable.
    let mut collapsed = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c == '-' && collapsed.ends_with('-')) {
            collapsed.push(c);
        }
    }
    let name = collapsed.trim_matches('-').to_owned();
    if name.is_empty() {
        "target".to_owned()
    } else {
        name
    }
}

/// The default output directory for a target name.
pub fn default_out_dir(name: &str) -> PathBuf {
    Path::new("target").join("kconform").join(name)
}

/// Checks that the target answers HTTP and accepts the credentials, so that a refused connection
/// or a wrong token is one clear error instead of every check erroring.
async fn preflight(target: &Target) -> anyhow::Result<()> {
    let client = Client::new(target)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot set up a client for {}", target.url))?;
    if let Err(err) = client.send(Request::get("/version")).await {
        bail!(
            "cannot reach the target at {}: {} (is the server running and listening there?)",
            target.url,
            runner::error_chain(&err)
        );
    }
    // Every check works in namespaces it creates: an administrator is needed. Other answers (a
    // server without a namespace list, say) are left for the checks to report.
    let namespaces = client
        .send(Request::get("/api/v1/namespaces").query("limit", "1"))
        .await;
    match namespaces.map(|r| r.status) {
        Ok(401) => bail!(
            "the target at {} rejected the credentials (401 Unauthorized on GET /api/v1/namespaces): \
             check --token or the kubeconfig",
            target.url
        ),
        Ok(403) => bail!(
            "the target at {} does not let this user list namespaces (403 Forbidden): the suite \
             creates a namespace per check and needs an administrator's token",
            target.url
        ),
        _ => Ok(()),
    }
}

async fn run_against(
    args: &RunArgs,
    prepared: &Prepared,
    target: &Target,
    name: &str,
) -> anyhow::Result<ExitCode> {
    preflight(target).await?;
    let suites = suite::selected(args.suite.as_deref())?;
    let checks: Vec<Check> = suites
        .iter()
        .flat_map(|s| s.checks().iter().copied())
        .collect();
    let checks = checks.as_slice();
    let ineligible = prepared.baseline.ineligible_ids();
    // Ineligible checks are not run at all (they may need features the target lacks and only
    // time out); they are still reported, as ineligible, so the report lists every selected check.
    let runnable: Vec<(kconform_harness::resource::Resource, Vec<Check>)> = suites
        .iter()
        .map(|s| {
            let checks = s
                .checks()
                .iter()
                .filter(|c| !ineligible.contains(c.meta.id))
                .copied()
                .collect();
            (s.resource, checks)
        })
        .collect();
    let runnable: Vec<(kconform_harness::resource::Resource, &[Check])> =
        runnable.iter().map(|(r, c)| (*r, c.as_slice())).collect();
    let options = runner::RunOptions {
        jobs: usize::from(args.jobs.unwrap_or_else(default_jobs)),
        filter: prepared.filter.clone(),
        level: args.level,
        k8s_version: args.k8s_version,
        check_timeout: Duration::from_secs(args.check_timeout),
        ..runner::RunOptions::default()
    };
    let reporter = Reporter::new(Mode::detect(), &prepared.baseline);
    let mut results =
        runner::run_suites(target, &runnable, &options, &|event| reporter.event(event))
            .await
            .map_err(anyhow::Error::from)
            .context("the run could not start")?;
    reporter.finish();
    add_ineligible(&mut results, checks, &prepared.baseline, &options);
    if results.results.is_empty() {
        bail!(
            "no check was selected (--filter {:?}, --level {}): nothing to gate",
            args.filter.as_deref().unwrap_or(""),
            args.level
        );
    }

    let gate = baseline::evaluate(
        &prepared.baseline,
        &results.results,
        // Every suite's ids, so a baseline for all suites is not stale under --suite.
        suite::all_checks().map(|(_, c)| c.meta.id),
    );
    let catalog: Vec<_> = checks.iter().map(|c| c.meta).collect();
    // The coverage grid shows what this run exercised: a filtered run colours only its own checks.
    let ran: Vec<_> = catalog
        .iter()
        .filter(|m| results.results.iter().any(|r| r.id == m.id))
        .copied()
        .collect();
    let report = report::build(
        &results,
        BuildInput {
            // A suite none of whose checks was selected (--filter) is left out of the report.
            suites: suites
                .iter()
                .filter(|s| {
                    s.checks()
                        .iter()
                        .any(|c| results.results.iter().any(|r| r.id == c.meta.id))
                })
                .map(|s| {
                    let ids: Vec<&str> = s.checks().iter().map(|c| c.meta.id).collect();
                    let ran: Vec<_> = ran
                        .iter()
                        .filter(|m| ids.contains(&m.id))
                        .copied()
                        .collect();
                    report::SuiteInput {
                        name: s.name,
                        resource: s.resource,
                        coverage: CoverageGrid::from_catalog(&s.resource, &ran),
                        ids,
                    }
                })
                .collect(),
            catalog: &catalog,
            gate: &gate,
            baseline: prepared
                .baseline_path
                .as_deref()
                .map(|path| (&prepared.baseline, path)),
            options: report::RunOptions {
                level: args.level,
                filter: args.filter.clone(),
                jobs: options.jobs,
                strict_baseline: args.strict_baseline,
            },
        },
    );
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(name));
    write_reports(&report, &out)?;
    print_summary(&report, &gate, &out);
    Ok(exit::code(exit_code(report.verdict)))
}

/// Results for the selected checks the baseline marks ineligible (they were not run).
fn add_ineligible(
    results: &mut RunResults,
    checks: &[Check],
    baseline: &Baseline,
    options: &runner::RunOptions,
) {
    for entry in &baseline.ineligible {
        let Some(check) = checks.iter().find(|c| c.meta.id == entry.id) else {
            continue;
        };
        let selected = check.meta.level.meets(options.level)
            && options
                .filter
                .as_ref()
                .is_none_or(|re| re.is_match(check.meta.id));
        if selected {
            results.results.push(CheckResult {
                id: entry.id.clone(),
                level: check.meta.level,
                outcome: Outcome::skip(format!("ineligible per baseline: {}", entry.reason)),
                duration: Duration::ZERO,
                cleanup: CleanupOutcome::NotNeeded,
            });
        }
    }
    // Keep suite order, so reports list checks the same way whatever the baseline says.
    let position = |id: &str| {
        checks
            .iter()
            .position(|c| c.meta.id == id)
            .unwrap_or(usize::MAX)
    };
    results.results.sort_by_key(|r| position(&r.id));
}

fn default_jobs() -> u16 {
    // Checks spend nearly all their time waiting on the target (requests, watch streams with
    // timeoutSeconds), not on our CPU, so the default concurrency is set by what a server should
    // bear rather than by the cores of the machine running the suite.
    DEFAULT_JOBS
}

/// Checks in flight at once unless `--jobs` says otherwise.
const DEFAULT_JOBS: u16 = 16;

/// The exit code of a verdict.
pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Clean => exit::SUCCESS,
        Verdict::Regression => exit::REGRESSION,
        Verdict::Error => exit::HARNESS_ERROR,
    }
}

/// Writes the four report files into `out` (created if needed).
///
/// # Errors
/// The directory or a file cannot be written.
pub fn write_reports(report: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(
        files::JSON,
        report.to_json().context("serialising report.json")?,
    )?;
    write(
        files::JUNIT,
        report::render_junit(report).context("rendering junit.xml")?,
    )?;
    write(files::MARKDOWN, report::render_markdown(report))?;
    write(files::HTML, report::render_html(report))?;
    Ok(())
}

/// Longest detail printed per check in the summary; report.md has the full text.
const SUMMARY_WIDTH: usize = 240;

/// `text` on one line, cut at `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// The end-of-run summary on stdout: counts, the checks that matter, where the reports are.
fn print_summary(report: &Report, gate: &Gate, out: &Path) {
    let s = &report.summary;
    println!(
        "kconform {}: {} checks against {} (Kubernetes {})",
        report.suite_names(),
        s.total,
        report.target.url,
        report.target.k8s_version
    );
    let counts: Vec<String> = s
        .labelled()
        .iter()
        .map(|(label, n)| format!("{n} {label}"))
        .collect();
    println!("  {}", counts.join(", "));
    for (status, title) in [
        (GateStatus::Regression, "regressions (not in the baseline)"),
        (GateStatus::Error, "errors (no verdict)"),
        (
            GateStatus::UnexpectedPass,
            "unexpected passes (remove them from the baseline)",
        ),
    ] {
        let ids = gate.ids_with(status);
        if ids.is_empty() {
            continue;
        }
        println!("{title}:");
        for id in ids {
            let line = report
                .check(id)
                .map_or_else(String::new, |c| match &c.outcome {
                    Outcome::Fail(f) => format!("expected {}, got {}", f.expected, f.actual),
                    Outcome::Error { message } => message.clone(),
                    _ => c.requirement.clone(),
                });
            println!("  {id}  {}", one_line(&line, SUMMARY_WIDTH));
        }
    }
    if let Some(baseline) = report.baseline.as_ref().filter(|b| !b.stale_ids.is_empty()) {
        println!(
            "stale baseline ids (no such check): {}",
            baseline.stale_ids.join(", ")
        );
    }
    println!(
        "reports: {}",
        [files::JSON, files::JUNIT, files::MARKDOWN, files::HTML]
            .map(|f| out.join(f).display().to_string())
            .join(" ")
    );
    let verdict = match report.verdict {
        Verdict::Clean => "no regression",
        Verdict::Regression => "REGRESSION",
        Verdict::Error => "ERROR (some checks reached no verdict)",
    };
    println!("verdict: {verdict} (exit {})", exit_code(report.verdict));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_names_are_safe_directory_names() {
        assert_eq!(host_port_name("https://127.0.0.1:6443"), "127.0.0.1-6443");
        assert_eq!(
            host_port_name("http://localhost:8080/prefix/"),
            "localhost-8080"
        );
        assert_eq!(host_port_name("http://[::1]:80"), "1-80");
        assert_eq!(host_port_name("http:///"), "target");
        assert_eq!(
            default_out_dir("127.0.0.1-6443"),
            Path::new("target/kconform/127.0.0.1-6443")
        );
    }

    #[test]
    fn details_are_cut_to_one_line() {
        assert_eq!(one_line("a\nb", 10), "a b");
        assert_eq!(one_line("héllo wörld", 5), "héllo…");
        assert_eq!(one_line("short", 5), "short");
    }

    #[test]
    fn verdicts_map_to_the_documented_exit_codes() {
        assert_eq!(exit_code(Verdict::Clean), 0);
        assert_eq!(exit_code(Verdict::Regression), 1);
        assert_eq!(exit_code(Verdict::Error), 2);
    }
}
