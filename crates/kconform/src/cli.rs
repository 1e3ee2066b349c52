//! The command line: `kconform run | list | explain | fixtures | mock | replay | diff`.
//!
//! [`RunArgs`] is shared with `cargo xtask conformance`, which flattens it, so both accept exactly
//! the same options and run the same code ([`crate::run::run`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use kconform_harness::model::Level;
use kconform_spec::K8sVersion;

/// `kconform`: Kubernetes core/v1 Endpoints API conformance.
#[derive(Debug, Parser)]
#[command(
    name = "kconform",
    version,
    about = "Check that a server speaks the Kubernetes core/v1 Endpoints API exactly as kube-apiserver does",
    after_help = "Exit codes: 0 no regression, 1 conformance regression, 2 harness or target error, 130 interrupted."
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite against a server (by default a freshly launched reference server).
    Run(RunArgs),
    /// List every check with its id and level.
    List(ListArgs),
    /// Explain one check: requirement, specification reference, how to reproduce it.
    Explain(ExplainArgs),
    /// Generate the Endpoints fixture corpus (valid and invalid objects with expected answers).
    Fixtures(crate::fixtures::FixturesArgs),
    /// Run the reference server.
    Mock(crate::mock::MockArgs),
    /// Replay recorded kube-apiserver transcripts against a server and show the differences.
    Replay(crate::replay::ReplayArgs),
    /// Send the same random request sequences to a reference and a server, show every difference
    /// shrunk to a small reproduction.
    Diff(crate::diff::DiffArgs),
}

/// Which server to launch when no `--target` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LaunchKind {
    /// The built-in reference server, in process, on a free loopback port.
    Mock,
    /// etcd and kube-apiserver from `--etcd` and `--kube-apiserver`, on loopback.
    KubeApiserver,
}

/// The bearer tokens a command sends, from flags or the environment.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TokenArgs {
    /// Bearer token of an administrator of the target (overrides a kubeconfig's).
    // No `requires`/`conflicts_with` here: clap applies them to values from the environment too,
    // and a CI job with KCONFORM_TOKEN set must still be able to run against a launched server.
    #[arg(long, value_name = "T", env = "KCONFORM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Bearer token of an authenticated user without rights on the resource (enables the
    /// authorization checks; replay skips the scenarios that need it without it).
    #[arg(
        long,
        value_name = "T",
        env = "KCONFORM_USER_TOKEN",
        hide_env_values = true
    )]
    pub user_token: Option<String>,
}

/// Options of `kconform run` and `cargo xtask conformance`.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("remote").args(["target", "kubeconfig"]).multiple(true))]
pub struct RunArgs {
    /// Base URL of the server to check (e.g. https://127.0.0.1:6443). Without it (and without
    /// --kubeconfig) a server is launched, see --launch.
    #[arg(long, value_name = "URL", conflicts_with = "launch")]
    pub target: Option<String>,
    /// Server to launch when no --target is given [default: mock].
    #[arg(long, value_enum, value_name = "KIND", conflicts_with = "kubeconfig")]
    pub launch: Option<LaunchKind>,
    /// The kube-apiserver binary, for --launch kube-apiserver.
    #[arg(
        long,
        value_name = "PATH",
        required_if_eq("launch", "kube-apiserver"),
        requires = "launch"
    )]
    pub kube_apiserver: Option<PathBuf>,
    /// The etcd binary, for --launch kube-apiserver.
    #[arg(
        long,
        value_name = "PATH",
        required_if_eq("launch", "kube-apiserver"),
        requires = "launch"
    )]
    pub etcd: Option<PathBuf>,
    #[command(flatten)]
    pub tokens: TokenArgs,
    /// Read the server URL and credentials from a kubeconfig file.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Context of the kubeconfig to use [default: its current-context].
    #[arg(long, value_name = "C", requires = "kubeconfig")]
    pub context: Option<String>,
    /// PEM file of the CA that signed the server's certificate.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "insecure",
        requires = "remote"
    )]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the server's certificate.
    #[arg(long, requires = "remote")]
    pub insecure: bool,
    /// Apply this Kubernetes version's expectations (e.g. 1.33) instead of the version the server reports.
    #[arg(long, value_name = "V")]
    pub k8s_version: Option<K8sVersion>,
    /// Run one suite only: endpoints-v1 (core/v1 Endpoints) or endpointslice-v1
    /// (discovery.k8s.io/v1 EndpointSlice) [default: every suite].
    #[arg(long, value_name = "SUITE", value_parser = suite_name)]
    pub suite: Option<String>,
    /// Only run checks whose id matches this regular expression (e.g. '^EP-WATCH-').
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Lowest requirement level to run: must runs MUST checks, should adds SHOULD, may runs all.
    #[arg(long, value_name = "LEVEL", default_value = "may")]
    pub level: Level,
    /// Baseline file (YAML or JSON) listing the target's expected failures, pending and ineligible checks.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Directory for report.json, junit.xml, report.md and report.html [default:
    /// target/kconform/<host>-<port>/, or target/kconform/reference-server/ and
    /// target/kconform/kube-apiserver/ for launched servers].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Checks run at the same time [default: 16; checks mostly wait on the target].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Fail (exit 1) when a check the baseline lists as failing passes.
    #[arg(long)]
    pub strict_baseline: bool,
    /// Upper bound for one check, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub check_timeout: u64,
}

/// Output format of `kconform list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One line per check: id, level, requirement.
    Text,
    /// A JSON array of check descriptions.
    Json,
}

/// A `--suite` value: the name of a suite.
pub(crate) fn suite_name(value: &str) -> Result<String, String> {
    crate::suite::named(value)
        .map(|s| s.name.to_owned())
        .map_err(|e| e.to_string().replace("--suite ", ""))
}

/// Options of `kconform list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// List one suite only (endpoints-v1 or endpointslice-v1) [default: every suite].
    #[arg(long, value_name = "SUITE", value_parser = suite_name)]
    pub suite: Option<String>,
    /// Only checks whose id matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Lowest requirement level to list.
    #[arg(long, value_name = "LEVEL", default_value = "may")]
    pub level: Level,
}

/// Options of `kconform explain`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The check id, e.g. EP-CREATE-001.
    #[arg(value_name = "ID")]
    pub id: String,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("kconform").chain(args.iter().copied()))
    }

    fn run_args(args: &[&str]) -> RunArgs {
        match parse(args).expect("parses").command {
            Command::Run(run) => run,
            other => panic!("not a run command: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_defaults() {
        let args = run_args(&["run"]);
        assert_eq!(args.target, None);
        assert_eq!(args.launch, None);
        assert_eq!(args.level, Level::May);
        assert_eq!(args.check_timeout, 60);
        assert!(!args.strict_baseline);
    }

    #[test]
    fn run_parses_every_option() {
        let args = run_args(&[
            "run",
            "--target",
            "https://127.0.0.1:6443",
            "--token",
            "t",
            "--ca-file",
            "ca.pem",
            "--k8s-version",
            "1.33",
            "--filter",
            "^EP-WATCH-",
            "--level",
            "should",
            "--baseline",
            "b.yaml",
            "--out",
            "out",
            "--jobs",
            "3",
            "--strict-baseline",
        ]);
        assert_eq!(args.target.as_deref(), Some("https://127.0.0.1:6443"));
        assert_eq!(args.k8s_version, Some(K8sVersion::new(33)));
        assert_eq!(args.level, Level::Should);
        assert_eq!(args.jobs, Some(3));
        assert!(args.strict_baseline);
    }

    #[test]
    fn contradictory_or_incomplete_options_are_refused() {
        for bad in [
            &["run", "--target", "http://x", "--launch", "mock"][..],
            &["run", "--launch", "kube-apiserver", "--etcd", "/e"],
            &[
                "run",
                "--target",
                "https://x",
                "--insecure",
                "--ca-file",
                "c",
            ],
            // TLS options without a server to use them on.
            &["run", "--ca-file", "c"],
            &["run", "--insecure"],
            &["run", "--etcd", "/e"],
            &["run", "--context", "c"],
            &["run", "--level", "often"],
            &["run", "--jobs", "0"],
            &["run", "--k8s-version", "banana"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be refused");
        }
        let args = run_args(&[
            "run",
            "--launch",
            "kube-apiserver",
            "--etcd",
            "/e",
            "--kube-apiserver",
            "/k",
        ]);
        assert_eq!(args.launch, Some(LaunchKind::KubeApiserver));
        let args = run_args(&[
            "run",
            "--kubeconfig",
            "k",
            "--user-token",
            "u",
            "--insecure",
        ]);
        assert_eq!(args.tokens.user_token.as_deref(), Some("u"));
        assert!(args.insecure);
    }
}
