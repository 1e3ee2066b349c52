//! `kconform-mock`: run the reference server. Prints the bound URL on stdout (one line), logs on stderr.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use kconform_mock::cli::{ServeArgs, fault_list};

/// An in-memory Kubernetes core/v1 Endpoints API that behaves like kube-apiserver.
#[derive(Parser, Debug)]
#[command(name = "kconform-mock", version)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    /// Print the fault names with what each breaks, then exit.
    #[arg(long)]
    list_faults: bool,
}

async fn run(serve: ServeArgs) -> anyhow::Result<()> {
    let config = serve.to_config()?;
    let faults: Vec<&str> = config.faults.iter().map(|f| f.name()).collect();
    let summary = format!("Kubernetes {} Endpoints API", config.version);
    let faults = if faults.is_empty() {
        String::new()
    } else {
        format!(" with faults: {}", faults.join(", "))
    };
    let cert_path = match &config.tls {
        kconform_mock::Tls::SelfSigned {
            cert_out: Some(path),
        } => Some(path.clone()),
        _ => None,
    };
    let server = kconform_mock::serve(config, serve.listen)
        .await
        .context("starting the server")?;
    println!("{}", server.url);
    eprintln!("kconform-mock: serving {summary} at {}{faults}", server.url);
    if let Some(path) = cert_path {
        eprintln!(
            "kconform-mock: self-signed CA certificate written to {}",
            path.display()
        );
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    eprintln!("kconform-mock: shutting down");
    server.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.list_faults {
        print!("{}", fault_list());
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the tokio runtime: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
