//! `kconform`: the command-line tool of the kconform project, as a library so that
//! `cargo xtask conformance` runs exactly the same code as `kconform run`.
//!
//! Commands: [`run`] (the suite, gated by a baseline, with reports), [`catalog`] (`list`, `explain`),
//! [`fixtures`], [`mock`], [`replay`], [`diff`]. Exit codes are documented in [`exit`].
//!
//! Only this crate and `xtask` print or exit; the libraries below it return values and errors.

pub mod catalog;
pub mod cli;
pub mod diff;
pub mod exit;
pub mod fixtures;
pub mod launch;
pub mod mock;
pub mod progress;
pub mod replay;
pub mod run;
pub mod suite;

use std::process::ExitCode;

/// Runs a parsed command line and returns the exit code; errors are printed to stderr and become
/// [`exit::HARNESS_ERROR`].
pub fn main_with(cli: cli::Cli) -> ExitCode {
    let result = match cli.command {
        cli::Command::Run(args) => run::run_blocking(args),
        cli::Command::List(args) => catalog::list(&args).map(|()| ExitCode::SUCCESS),
        cli::Command::Explain(args) => catalog::explain(&args).map(|()| ExitCode::SUCCESS),
        cli::Command::Fixtures(args) => fixtures::run(&args),
        cli::Command::Mock(args) => mock::run(args),
        cli::Command::Replay(args) => replay::replay_blocking(args),
        cli::Command::Diff(args) => diff::diff_blocking(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit::code(exit::HARNESS_ERROR)
        }
    }
}
