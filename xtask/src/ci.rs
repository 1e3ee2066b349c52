//! `cargo xtask ci`: run `.ci/run`, the exact script CI runs.

use std::process::{Command, ExitCode};

use anyhow::Context;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root()?;
    let status = Command::new("bash")
        .arg(".ci/run")
        .current_dir(root)
        .status()
        .context("failed to start bash .ci/run")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
