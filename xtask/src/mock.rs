//! `cargo xtask mock`: run the reference server in the foreground; the same command as `kconform mock`
//! (and the same options as the `kconform-mock` binary). Prints the bound URL on stdout, logs on
//! stderr; Ctrl-C stops it.

use std::process::ExitCode;

/// Options of `cargo xtask mock`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    mock: kconform::mock::MockArgs,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    kconform::mock::run(args.mock)
}
