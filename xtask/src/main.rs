//! Project automation: `cargo xtask <command>`.
//!
//! Each command lives in its own module; this file only parses the command line and dispatches.

mod bench;
mod bench_diff;
mod bench_fixtures;
mod bench_mock;
mod bench_protobuf;
mod bench_suites;
mod ci;
mod conformance;
mod fixtures;
mod mock;
mod test;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "kconform project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Endpoints v1 conformance suite (against the reference server unless --target is given).
    Conformance(conformance::Args),
    /// Generate the fixture corpus under fixtures/endpoints-v1 (or check that it is up to date).
    Fixtures(fixtures::Args),
    /// Run the reference server.
    Mock(mock::Args),
    /// Run the benchmarks and print their figures.
    Bench(bench::Args),
    /// Run the whole test suite, installing or locating what its tests need (Chromium, kubectl).
    Test(test::Args),
    /// Run what CI runs (.ci/run).
    Ci,
}

/// The workspace root: xtask lives one level below it.
pub(crate) fn workspace_root() -> anyhow::Result<&'static std::path::Path> {
    use anyhow::Context;
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives one level below the workspace root")
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(args) => conformance::run(args),
        Command::Fixtures(args) => fixtures::run(args),
        Command::Mock(args) => mock::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Test(args) => test::run(args),
        Command::Ci => ci::run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
