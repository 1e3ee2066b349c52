//! `cargo xtask mock`: run the reference server in the foreground (the same options as the
//! `kconform-mock` binary). Prints the bound URL on stdout, logs on stderr; Ctrl-C stops it.

use std::process::ExitCode;

use anyhow::Context;
use kconform_mock::cli::{ServeArgs, fault_list};

/// Options of `cargo xtask mock`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    serve: ServeArgs,
    /// Print the fault names with what each breaks, then exit.
    #[arg(long)]
    list_faults: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        print!("{}", fault_list());
        return Ok(ExitCode::SUCCESS);
    }
    let config = args.serve.to_config()?;
    let cert_path = match &config.tls {
        kconform_mock::Tls::SelfSigned {
            cert_out: Some(path),
        } => Some(path.clone()),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let version = config.version;
        let server = kconform_mock::serve(config, args.serve.listen)
            .await
            .context("starting the reference server")?;
        println!("{}", server.url);
        eprintln!(
            "xtask mock: Kubernetes {version} Endpoints API at {} (Ctrl-C stops it)",
            server.url
        );
        if let Some(path) = &cert_path {
            eprintln!(
                "xtask mock: self-signed CA certificate written to {}",
                path.display()
            );
        }
        if let Some(token) = &server.token {
            eprintln!("xtask mock: admin token {token}");
        }
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        server.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
