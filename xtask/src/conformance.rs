//! `cargo xtask conformance`: the same command as `kconform run` (one implementation, in the
//! `kconform` library), with one convenience: against a server it launches, the committed baseline
//! of that server (`suites/baselines/`) applies unless `--baseline` says otherwise.

use std::path::Path;
use std::process::ExitCode;

use kconform::cli::LaunchKind;

/// Options of `cargo xtask conformance`: exactly those of `kconform run`.
#[derive(clap::Args)]
pub(crate) struct Args {
    // Boxed: the options are large next to the other commands' (clippy::large_enum_variant).
    #[command(flatten)]
    run: Box<kconform::cli::RunArgs>,
}

/// The committed baseline of the reference server (`--launch mock`), relative to the workspace root.
const REFERENCE_BASELINE: &str = "suites/baselines/reference-server.yaml";
/// The committed baseline of a launched kube-apiserver, relative to the workspace root.
const KUBE_APISERVER_BASELINE: &str = "suites/baselines/kube-apiserver.yaml";

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut run = *args.run;
    let launched = if run.target.is_some() || run.kubeconfig.is_some() {
        None
    } else {
        Some(run.launch.unwrap_or(LaunchKind::Mock))
    };
    let committed = match launched {
        Some(LaunchKind::Mock) => Some(REFERENCE_BASELINE),
        Some(LaunchKind::KubeApiserver) => Some(KUBE_APISERVER_BASELINE),
        None => None,
    };
    if let (Some(committed), None) = (committed, &run.baseline) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("."));
        let baseline = root.join(committed);
        if baseline.is_file() {
            run.baseline = Some(baseline);
        }
    }
    kconform::run::run_blocking(run)
}
