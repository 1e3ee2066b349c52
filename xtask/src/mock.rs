//! `cargo xtask mock` (being written by its owner).

use std::process::ExitCode;

/// Options of `cargo xtask mock`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask mock` is not written yet")
}
