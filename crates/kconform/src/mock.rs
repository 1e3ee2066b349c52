//! `kconform mock`: runs the reference server (the same server as the `kconform-mock` binary and
//! `cargo xtask mock`), until Ctrl-C. Prints the bound URL on stdout (one line), logs on stderr.
//!
//! The options are the mock crate's own [`ServeArgs`](kconform_mock::cli::ServeArgs), flattened, so
//! all three entry points accept exactly the same flags and build the same configuration.

use std::process::ExitCode;

use anyhow::Context as _;
use kconform_mock::cli::{ServeArgs, fault_list};
use kconform_mock::config::Fault;

use crate::exit;

/// Options of `kconform mock`.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// How to serve (shared with `kconform-mock`).
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Print the fault names with what each breaks, then exit.
    #[arg(long)]
    pub list_faults: bool,
}

/// Runs `kconform mock` until Ctrl-C.
///
/// # Errors
/// Bad options, or the server cannot bind or set up TLS.
pub fn run(args: MockArgs) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        print!("{}", fault_list());
        return Ok(exit::code(exit::SUCCESS));
    }
    let config = args.serve.to_config().context("invalid mock options")?;
    let cert_path = match &config.tls {
        kconform_mock::Tls::SelfSigned {
            cert_out: Some(path),
        } => Some(path.clone()),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let faults: Vec<&str> = config.faults.iter().map(Fault::name).collect();
        let faults = faults.join(", ");
        let version = config.version;
        let server = kconform_mock::serve(config, args.serve.listen)
            .await
            .context("starting the reference server")?;
        println!("{}", server.url);
        eprintln!(
            "kconform mock: serving the Kubernetes {version} Endpoints API at {}{}; Ctrl-C stops it",
            server.url,
            if faults.is_empty() {
                String::new()
            } else {
                format!(" with faults: {faults}")
            }
        );
        if let Some(path) = &cert_path {
            eprintln!(
                "kconform mock: self-signed CA certificate written to {}",
                path.display()
            );
        }
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        eprintln!("kconform mock: shutting down");
        server.shutdown().await;
        Ok(exit::code(exit::SUCCESS))
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use kconform_spec::K8sVersion;

    use super::*;

    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: MockArgs,
    }

    #[test]
    fn the_mock_options_are_the_mock_crates_own() {
        let args = Wrapper::try_parse_from([
            "mock",
            "--emulate",
            "1.33",
            "--token",
            "admin-token",
            "--fault",
            "create-returns-200",
        ])
        .expect("parses")
        .args;
        assert!(!args.list_faults);
        let config = args.serve.to_config().expect("config");
        assert_eq!(config.version, K8sVersion::new(33));
        assert_eq!(config.admin_token(), Some("admin-token"));
        assert!(config.faults.has(Fault::CreateReturns200));
        assert!(Wrapper::try_parse_from(["mock", "--fault", "no-such-fault"]).is_err());
        assert!(
            Wrapper::try_parse_from(["mock", "--list-faults"]).is_ok_and(|w| w.args.list_faults)
        );
    }
}
