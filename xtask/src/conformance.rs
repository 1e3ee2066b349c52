//! `cargo xtask conformance` (being written by its owner).

use std::process::ExitCode;

/// Options of `cargo xtask conformance`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask conformance` is not written yet")
}
