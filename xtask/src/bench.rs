//! `cargo xtask bench`: every benchmark of the project, printed as figures on stdout.
//!
//! Speed and memory targets are measured here, never asserted by timed tests.

use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only the benchmarks whose group is named: fixtures, protobuf (the codec's encode and
    /// decode rates), mock, mock-creates (the create scaling figures alone; mock includes them),
    /// mock-protobuf (get and list-100 in protobuf beside JSON; mock includes them), or diff.
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
    Ok(ExitCode::SUCCESS)
}
