//! `kconform-mock`: run the reference server. Prints the bound URL on stdout (one line), logs on stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use kconform_mock::config::{self, Config, Fault, Tls};
use kconform_spec::K8sVersion;

/// An in-memory Kubernetes core/v1 Endpoints API that behaves like kube-apiserver.
#[derive(Parser, Debug)]
#[command(name = "kconform-mock", version)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Kubernetes version whose behaviour to emulate (1.28 ... 1.36).
    #[arg(long, default_value = "1.36")]
    emulate: K8sVersion,
    /// A bearer token for an administrator (user "admin", group system:masters).
    #[arg(long)]
    token: Option<String>,
    /// A kube-apiserver static token file: token,user,uid,"group1,group2" per line.
    #[arg(long)]
    token_auth_file: Option<PathBuf>,
    /// Rights for a user outside system:masters: USER=VERB[,VERB...] (verbs on endpoints, or *).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    tls: bool,
    /// Where to write the self-signed certificate (PEM) for clients to trust.
    #[arg(long, requires = "tls")]
    tls_cert_out: Option<PathBuf>,
    /// Serve HTTPS with this certificate (PEM).
    #[arg(long, requires = "tls_private_key_file", conflicts_with = "tls")]
    tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert-file.
    #[arg(long, requires = "tls_cert_file")]
    tls_private_key_file: Option<PathBuf>,
    /// Number of events kept for continue tokens, Exact reads and watches before compaction.
    #[arg(long, default_value_t = config::DEFAULT_HISTORY)]
    history: usize,
    /// Break one behaviour on purpose (repeatable); see --list-faults.
    #[arg(long = "fault")]
    faults: Vec<Fault>,
    /// Print the fault names with what each breaks, then exit.
    #[arg(long)]
    list_faults: bool,
}

fn config_from(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config {
        version: cli.emulate,
        history: cli.history,
        ..Config::default()
    };
    if let Some(token) = &cli.token {
        config = config.with_admin_token(token.clone());
    }
    if let Some(path) = &cli.token_auth_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let entries = config::parse_token_file(&text)
            .with_context(|| format!("parsing {}", path.display()))?;
        config.tokens.extend(entries);
    }
    for grant in &cli.grants {
        let (user, verbs) = config::parse_grant(grant)?;
        config.grants.entry(user).or_default().extend(verbs);
    }
    config.faults = cli.faults.iter().copied().collect();
    config.tls = match (&cli.tls_cert_file, &cli.tls_private_key_file) {
        (Some(cert), Some(key)) => Tls::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ if cli.tls => Tls::SelfSigned {
            cert_out: cli.tls_cert_out.clone(),
        },
        _ => Tls::Off,
    };
    Ok(config)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config_from(&cli)?;
    let faults: Vec<String> = config.faults.iter().map(|f| f.name().to_owned()).collect();
    let version = config.version;
    let server = kconform_mock::serve(config, cli.listen)
        .await
        .context("starting the server")?;
    println!("{}", server.url);
    eprintln!(
        "kconform-mock: serving Kubernetes {version} Endpoints API at {}{}",
        server.url,
        if faults.is_empty() {
            String::new()
        } else {
            format!(" with faults: {}", faults.join(", "))
        }
    );
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
        for fault in Fault::ALL {
            println!("{:28} {}", fault.name(), fault.description());
        }
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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
