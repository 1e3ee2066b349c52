//! `cargo xtask conformance`: the same command as `kconform run` (one implementation, in the
//! `kconform` library), with one convenience: against the launched reference server, the committed
//! reference-server baseline applies unless `--baseline` says otherwise.

use std::path::Path;
use std::process::ExitCode;

/// Options of `cargo xtask conformance`: exactly those of `kconform run`.
#[derive(clap::Args)]
pub(crate) struct Args {
    // Boxed: the options are large next to the other commands' (clippy::large_enum_variant).
    #[command(flatten)]
    run: Box<kconform::cli::RunArgs>,
}

/// The committed baseline of the reference server, relative to the workspace root.
const REFERENCE_BASELINE: &str = "suites/endpoints-v1/baselines/reference-server.yaml";

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut run = *args.run;
    let launches_mock = run.target.is_none()
        && run.kubeconfig.is_none()
        && run
            .launch
            .is_none_or(|k| k == kconform::cli::LaunchKind::Mock);
    if launches_mock && run.baseline.is_none() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("."));
        let baseline = root.join(REFERENCE_BASELINE);
        if baseline.is_file() {
            run.baseline = Some(baseline);
        }
    }
    kconform::run::run_blocking(run)
}
