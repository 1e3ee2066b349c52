//! `cargo xtask fixtures`: generate the fixture corpus, or check that the committed one is up to date.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use kconform_fixtures::corpus::{self, CorpusError, CorpusOptions};
use kconform_spec::K8sVersion;

/// Options of `cargo xtask fixtures`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The API: endpoints (fixtures/endpoints-v1) or endpointslices (fixtures/endpointslice-v1).
    #[arg(long, default_value = "endpoints", value_parser = |s: &str| s.parse::<corpus::Api>())]
    api: corpus::Api,
    /// Seed of every random stream; the same seed always gives byte-identical files.
    #[arg(long, default_value_t = corpus::DEFAULT_SEED)]
    seed: u64,
    /// Fixtures per valid shape and per rule.
    #[arg(long, default_value_t = corpus::DEFAULT_COUNT)]
    count: usize,
    /// Only fixtures whose expectation covers this Kubernetes version (e.g. 1.36); default: every modelled version.
    #[arg(long)]
    k8s_version: Option<K8sVersion>,
    /// The corpus directory (default: the API's folder of this repository).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not write: fail with a diff when the directory differs from what would be generated.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives one level below the workspace root")?;
    let dir = args
        .out
        .unwrap_or_else(|| root.join(args.api.default_dir()));
    let options = CorpusOptions {
        seed: args.seed,
        count: args.count,
        k8s_version: args.k8s_version,
    };
    let corpus =
        corpus::generate_api(args.api, &options).context("generating the fixture corpus")?;
    let n_valid = corpus
        .index
        .fixtures
        .iter()
        .filter(|f| f.kind == corpus::FixtureKind::Valid)
        .count();
    let n_invalid = corpus.index.fixtures.len() - n_valid;
    if args.check {
        match corpus.check(&dir) {
            Ok(()) => {
                eprintln!(
                    "fixture corpus in {} is up to date ({n_valid} valid, {n_invalid} invalid)",
                    dir.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(CorpusError::Stale(stale)) => {
                eprintln!("{stale}");
                Ok(ExitCode::from(1))
            }
            Err(err) => Err(err).context("checking the fixture corpus"),
        }
    } else {
        corpus
            .write(&dir)
            .with_context(|| format!("writing the fixture corpus to {}", dir.display()))?;
        eprintln!(
            "wrote {} files ({n_valid} valid and {n_invalid} invalid fixtures, index.json) to {}",
            corpus.files.len(),
            dir.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}
