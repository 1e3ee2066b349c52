//! `kconform mock`: runs the reference server (the same server as the `kconform-mock` binary and
//! `cargo xtask mock`), until Ctrl-C. Prints the bound URL on stdout (one line), logs on stderr.
//!
//! The flags are those of `kconform-mock`; the parsing of token files, grants and fault names is the
//! mock crate's own (`kconform_mock::config`), so both accept exactly the same values.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use kconform_mock::config::{self, Config, Fault, Tls};
use kconform_spec::K8sVersion;

use crate::exit;

/// Options of `kconform mock`.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// Address to listen on (port 0 picks a free port); only loopback addresses make sense for a test server.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Kubernetes version whose behaviour to emulate (1.28 ... 1.36).
    #[arg(long, default_value = "1.36")]
    pub emulate: K8sVersion,
    /// A bearer token for an administrator (user "admin", group system:masters).
    #[arg(long)]
    pub token: Option<String>,
    /// A kube-apiserver static token file: token,user,uid,"group1,group2" per line.
    #[arg(long, value_name = "FILE")]
    pub token_auth_file: Option<PathBuf>,
    /// Rights for a user outside system:masters: USER=VERB[,VERB...] (verbs on endpoints, or *).
    #[arg(long = "grant", value_name = "USER=VERBS")]
    pub grants: Vec<String>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the self-signed certificate (PEM) for clients to trust.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert_out: Option<PathBuf>,
    /// Serve HTTPS with this certificate (PEM).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_private_key_file",
        conflicts_with = "tls"
    )]
    pub tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert-file.
    #[arg(long, value_name = "FILE", requires = "tls_cert_file")]
    pub tls_private_key_file: Option<PathBuf>,
    /// Number of events kept for continue tokens, Exact reads and watches before compaction.
    #[arg(long, default_value_t = config::DEFAULT_HISTORY)]
    pub history: usize,
    /// Break one behaviour on purpose (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<Fault>,
    /// Print the fault names with what each breaks, then exit.
    #[arg(long)]
    pub list_faults: bool,
}

/// The server configuration the options describe.
///
/// # Errors
/// The token file cannot be read or parsed, or a grant is malformed.
pub fn config_from(args: &MockArgs) -> anyhow::Result<Config> {
    let mut config = Config {
        version: args.emulate,
        history: args.history,
        ..Config::default()
    };
    if let Some(token) = &args.token {
        config = config.with_admin_token(token.clone());
    }
    if let Some(path) = &args.token_auth_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let entries = config::parse_token_file(&text)
            .with_context(|| format!("parsing {}", path.display()))?;
        config.tokens.extend(entries);
    }
    for grant in &args.grants {
        let (user, verbs) =
            config::parse_grant(grant).with_context(|| format!("--grant {grant:?}"))?;
        config.grants.entry(user).or_default().extend(verbs);
    }
    config.faults = args.faults.iter().copied().collect();
    config.tls = match (&args.tls_cert_file, &args.tls_private_key_file) {
        (Some(cert), Some(key)) => Tls::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ if args.tls => Tls::SelfSigned {
            cert_out: args.tls_cert_out.clone(),
        },
        _ => Tls::Off,
    };
    Ok(config)
}

/// Runs `kconform mock` until Ctrl-C.
///
/// # Errors
/// Bad options, or the server cannot bind or set up TLS.
pub fn run(args: MockArgs) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        for fault in Fault::ALL {
            println!("{:28} {}", fault.name(), fault.description());
        }
        return Ok(exit::code(exit::SUCCESS));
    }
    let config = config_from(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let faults: Vec<&str> = config.faults.iter().map(Fault::name).collect();
        let faults = faults.join(", ");
        let version = config.version;
        let server = kconform_mock::serve(config, args.listen)
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

    use super::*;

    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: MockArgs,
    }

    fn args(argv: &[&str]) -> MockArgs {
        Wrapper::try_parse_from(std::iter::once("mock").chain(argv.iter().copied()))
            .expect("parses")
            .args
    }

    #[test]
    fn options_become_the_mock_configuration() {
        let config = config_from(&args(&[
            "--emulate",
            "1.33",
            "--token",
            "admin-token",
            "--grant",
            "bob=get,list",
            "--fault",
            "create-returns-200",
            "--history",
            "50",
        ]))
        .expect("config");
        assert_eq!(config.version, K8sVersion::new(33));
        assert_eq!(config.admin_token(), Some("admin-token"));
        assert_eq!(config.grants["bob"].len(), 2);
        assert!(config.faults.has(Fault::CreateReturns200));
        assert_eq!(config.history, 50);
        assert!(matches!(config.tls, Tls::Off));
    }

    #[test]
    fn bad_values_are_refused_with_the_mock_parsers_messages() {
        assert!(
            Wrapper::try_parse_from(["mock", "--fault", "no-such-fault"]).is_err(),
            "unknown fault"
        );
        let err = config_from(&args(&["--grant", "bob"])).expect_err("malformed grant");
        assert!(err.to_string().contains("--grant \"bob\""), "{err:#}");
        let err = config_from(&args(&["--token-auth-file", "/nonexistent/tokens.csv"]))
            .expect_err("missing file");
        assert_eq!(err.to_string(), "reading /nonexistent/tokens.csv");
    }
}
