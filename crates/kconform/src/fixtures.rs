//! `kconform fixtures`: writes a fixture corpus (valid and invalid objects, each with the answer a
//! real kube-apiserver gives) into a directory of the user's project, or checks that a vendored copy
//! is up to date: core/v1 Endpoints by default, discovery.k8s.io/v1 EndpointSlice with
//! `--api endpointslices`.
//!
//! The corpus is deterministic: the same seed, count and version always give byte-identical files,
//! so a vendored copy can be checked in CI with `--check`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use kconform_fixtures::corpus::{self, Api, CorpusError, CorpusOptions, FixtureKind};
use kconform_spec::K8sVersion;

use crate::exit;

/// Options of `kconform fixtures`.
#[derive(Debug, Clone, clap::Args)]
pub struct FixturesArgs {
    /// The API whose corpus is written: endpoints (core/v1) or endpointslices (discovery.k8s.io/v1).
    #[arg(long, value_name = "API", default_value = "endpoints", value_parser = parse_api)]
    pub api: Api,
    /// Directory to write the corpus into (created if needed; corpus files no longer generated are
    /// removed) [default: fixtures/endpoints-v1, or fixtures/endpointslice-v1 with --api endpointslices].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed of every random stream; the same seed always gives byte-identical files.
    #[arg(long, default_value_t = corpus::DEFAULT_SEED)]
    pub seed: u64,
    /// Fixtures per valid shape and per validation rule.
    #[arg(long, default_value_t = default_count(), value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub count: u16,
    /// Only fixtures whose expected answer holds for this Kubernetes version (e.g. 1.33) [default: every modelled version].
    #[arg(long, value_name = "V")]
    pub k8s_version: Option<K8sVersion>,
    /// Do not write: exit 1 with a diff when the directory differs from what would be generated.
    #[arg(long)]
    pub check: bool,
}

fn parse_api(s: &str) -> Result<Api, String> {
    s.parse()
}

impl FixturesArgs {
    /// The corpus directory: `--out`, or the API's folder.
    fn dir(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from(self.api.default_dir()))
    }
}

/// The corpus default count as the option's type (it is small: the conversion cannot fail, and the
/// fallback only guards a future change of the constant).
fn default_count() -> u16 {
    u16::try_from(corpus::DEFAULT_COUNT).unwrap_or(3)
}

/// Runs `kconform fixtures`.
///
/// # Errors
/// Generation failed, or the directory cannot be read or written.
pub fn run(args: &FixturesArgs) -> anyhow::Result<ExitCode> {
    let options = CorpusOptions {
        seed: args.seed,
        count: usize::from(args.count),
        k8s_version: args.k8s_version,
    };
    let dir = args.dir();
    let corpus = corpus::generate_api(args.api, &options)
        .with_context(|| format!("generating the {} fixture corpus", args.api))?;
    let valid = corpus
        .index
        .fixtures
        .iter()
        .filter(|f| f.kind == FixtureKind::Valid)
        .count();
    let invalid = corpus.index.fixtures.len() - valid;
    if args.check {
        return match corpus.check(&dir) {
            Ok(()) => {
                eprintln!(
                    "the fixture corpus in {} is up to date ({valid} valid, {invalid} invalid)",
                    dir.display()
                );
                Ok(exit::code(exit::SUCCESS))
            }
            Err(CorpusError::Stale(stale)) => {
                // The generator's own fix command is for this repository; users regenerate with ours.
                eprintln!(
                    "the fixture corpus in {} is stale; run `{}` and commit the result\n{}",
                    dir.display(),
                    regenerate_command(args),
                    stale.diff
                );
                Ok(exit::code(exit::REGRESSION))
            }
            Err(err) => Err(err).context("checking the fixture corpus"),
        };
    }
    corpus
        .write(&dir)
        .with_context(|| format!("writing the fixture corpus to {}", dir.display()))?;
    eprintln!(
        "wrote {} files ({valid} valid and {invalid} invalid fixtures, index.json) to {}",
        corpus.files.len(),
        dir.display()
    );
    Ok(exit::code(exit::SUCCESS))
}

/// The command that regenerates exactly this corpus.
fn regenerate_command(args: &FixturesArgs) -> String {
    let mut command = "kconform fixtures".to_owned();
    if args.api != Api::default() {
        command.push_str(&format!(" --api {}", args.api));
    }
    command.push_str(&format!(" --out {}", args.dir().display()));
    if args.seed != corpus::DEFAULT_SEED {
        command.push_str(&format!(" --seed {}", args.seed));
    }
    if usize::from(args.count) != corpus::DEFAULT_COUNT {
        command.push_str(&format!(" --count {}", args.count));
    }
    if let Some(version) = args.k8s_version {
        command.push_str(&format!(" --k8s-version {version}"));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regenerate_command_repeats_non_default_options() {
        let mut args = FixturesArgs {
            api: Api::Endpoints,
            out: Some(PathBuf::from("vendor/fixtures")),
            seed: corpus::DEFAULT_SEED,
            count: default_count(),
            k8s_version: None,
            check: true,
        };
        assert_eq!(
            regenerate_command(&args),
            "kconform fixtures --out vendor/fixtures"
        );
        args.seed = 7;
        args.count = 5;
        args.k8s_version = Some(K8sVersion::new(33));
        assert_eq!(
            regenerate_command(&args),
            "kconform fixtures --out vendor/fixtures --seed 7 --count 5 --k8s-version 1.33"
        );
        args.api = Api::EndpointSlices;
        args.out = None;
        assert_eq!(
            regenerate_command(&args),
            "kconform fixtures --api endpointslices --out fixtures/endpointslice-v1 --seed 7 --count 5 --k8s-version 1.33"
        );
    }
}
