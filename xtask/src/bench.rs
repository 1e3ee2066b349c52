//! `cargo xtask bench`: every benchmark of the project, printed as figures on stdout.
//!
//! Speed and memory targets are measured here, never asserted by timed tests.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only the benchmarks whose group is named: fixtures, protobuf (the codec's encode and
    /// decode rates), mock, mock-creates (the create scaling figures alone; mock includes them),
    /// mock-protobuf (get and list-100 in protobuf beside JSON; mock includes them), diff, or
    /// suites (the full run of each suite and of both against the reference server).
    #[arg(long)]
    only: Option<String>,
    /// Measure this kconform-mock binary instead of building the release binary of this checkout
    /// (to compare two revisions with the same client).
    #[arg(long)]
    mock_binary: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // A group also runs when a group it belongs to is named (`mock` runs `mock-creates`).
    let wants = |group: &str| {
        args.only
            .as_deref()
            .is_none_or(|only| only == group || group.starts_with(&format!("{only}-")))
    };
    if wants("fixtures") {
        crate::bench_fixtures::run()?;
    }
    if wants("protobuf") {
        crate::bench_protobuf::run()?;
    }
    let mock = crate::bench_mock::Groups {
        server: wants("mock"),
        creates: wants("mock-creates"),
        watch: wants("mock"),
        protobuf: wants("mock-protobuf"),
    };
    if mock.server || mock.creates || mock.watch || mock.protobuf {
        crate::bench_mock::run(mock, args.mock_binary)?;
    }
    if wants("diff") {
        crate::bench_diff::run()?;
    }
    if wants("suites") {
        crate::bench_suites::run()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds `bin` of `package` in release mode and returns its path (under `CARGO_TARGET_DIR` when
/// that is set, as the nested cargo puts it there).
pub(crate) fn build_release(package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    eprintln!("bench: building {bin} (release)");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release", "-p", package, "--bin", bin])
        .current_dir(&root)
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build of {bin} failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    Ok(root.join(target).join("release").join(bin))
}
