//! `cargo xtask bench`: every benchmark of the project, printed as figures on stdout.
//!
//! Speed and memory targets are measured here, never asserted by timed tests.

use std::process::ExitCode;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only the benchmarks whose group is named (fixtures, mock, diff).
    #[arg(long)]
    only: Option<String>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let wants = |group: &str| args.only.as_deref().is_none_or(|only| only == group);
    if wants("fixtures") {
        crate::bench_fixtures::run()?;
    }
    if wants("mock") {
        crate::bench_mock::run()?;
    }
    if wants("diff") {
        crate::bench_diff::run()?;
    }
    Ok(ExitCode::SUCCESS)
}
