//! `cargo xtask fixtures` (being written by its owner).

use std::process::ExitCode;

/// Options of `cargo xtask fixtures`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask fixtures` is not written yet")
}
