//! The command-line options of the server, shared by the `kconform-mock` binary and `cargo xtask mock`.

use std::net::SocketAddr;
use std::path::PathBuf;

use kconform_spec::K8sVersion;

use crate::config::{self, Config, Fault, ParseError, Tls, TokenFileError};

/// How to run the reference server.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Kubernetes version whose behaviour to emulate (1.28 ... 1.36).
    #[arg(long, default_value = "1.36")]
    pub emulate: K8sVersion,
    /// A bearer token for an administrator (user "admin", group system:masters).
    #[arg(long)]
    pub token: Option<String>,
    /// A kube-apiserver static token file: token,user,uid,"group1,group2" per line.
    #[arg(long)]
    pub token_auth_file: Option<PathBuf>,
    /// Rights for a user outside system:masters: USER=VERB[,VERB...] (verbs on endpoints and endpointslices, or *).
    #[arg(long = "grant")]
    pub grants: Vec<String>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the self-signed certificate (PEM) for clients to trust (default: a file in the
    /// temp directory, named on stderr).
    #[arg(long, requires = "tls")]
    pub tls_cert_out: Option<PathBuf>,
    /// Serve HTTPS with this certificate (PEM).
    #[arg(long, requires = "tls_private_key_file", conflicts_with = "tls")]
    pub tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert-file.
    #[arg(long, requires = "tls_cert_file")]
    pub tls_private_key_file: Option<PathBuf>,
    /// Number of events kept for continue tokens, Exact reads and watches before compaction.
    #[arg(long, default_value_t = config::DEFAULT_HISTORY)]
    pub history: usize,
    /// Do the garbage collector's part too: remove the `orphan` and `foregroundDeletion` finalizers
    /// of a deleted object at once, as a cluster running kube-controller-manager does (a
    /// kube-apiserver alone, as recorded, keeps them).
    #[arg(long)]
    pub garbage_collector: bool,
    /// How many milliseconds a deleted namespace stays Terminating before the namespace
    /// controller's part (deleting its objects, then the namespace) is done.
    #[arg(long, value_name = "MS", default_value_t = duration_ms(config::DEFAULT_NAMESPACE_FINALIZE_AFTER))]
    pub namespace_finalize_after_ms: u64,
    /// Break one behaviour on purpose (repeatable); see --list-faults.
    #[arg(long = "fault")]
    pub faults: Vec<Fault>,
}

/// A duration in whole milliseconds, for a flag's default.
fn duration_ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Why the options do not make a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// The token file cannot be read.
    #[error("cannot read {path}")]
    ReadTokenFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The token file is malformed.
    #[error("invalid token file {path}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: TokenFileError,
    },
    /// A `--grant` is malformed.
    #[error("invalid --grant")]
    Grant(#[source] ParseError),
}

impl ServeArgs {
    /// The server configuration these options describe.
    ///
    /// # Errors
    /// [`ArgsError`] for an unreadable or malformed token file or grant.
    pub fn to_config(&self) -> Result<Config, ArgsError> {
        let mut config = Config {
            version: self.emulate,
            history: self.history,
            garbage_collector: self.garbage_collector,
            namespace_finalize_after: std::time::Duration::from_millis(
                self.namespace_finalize_after_ms,
            ),
            ..Config::default()
        };
        if let Some(token) = &self.token {
            config = config.with_admin_token(token.clone());
        }
        if let Some(path) = &self.token_auth_file {
            let text =
                std::fs::read_to_string(path).map_err(|source| ArgsError::ReadTokenFile {
                    path: path.clone(),
                    source,
                })?;
            let entries =
                config::parse_token_file(&text).map_err(|source| ArgsError::TokenFile {
                    path: path.clone(),
                    source,
                })?;
            config.tokens.extend(entries);
        }
        for grant in &self.grants {
            let (user, verbs) = config::parse_grant(grant).map_err(ArgsError::Grant)?;
            config.grants.entry(user).or_default().extend(verbs);
        }
        config.faults = self.faults.iter().copied().collect();
        config.tls = match (&self.tls_cert_file, &self.tls_private_key_file) {
            (Some(cert), Some(key)) => Tls::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            // The generated certificate always lands in a file clients can point at.
            _ if self.tls => Tls::SelfSigned {
                cert_out: Some(self.tls_cert_out.clone().unwrap_or_else(|| {
                    std::env::temp_dir()
                        .join(format!("kconform-mock-{}-ca.crt", std::process::id()))
                })),
            },
            _ => Tls::Off,
        };
        Ok(config)
    }
}

/// One line per fault: name and what it breaks (for `--list-faults`).
pub fn fault_list() -> String {
    Fault::ALL
        .iter()
        .map(|fault| format!("{:40} {}\n", fault.name(), fault.description()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn options_become_a_config() {
        let args = Wrapper::parse_from([
            "x",
            "--emulate",
            "1.28",
            "--token",
            "t",
            "--grant",
            "bob=get,list",
            "--fault",
            "limit-ignored",
            "--history",
            "7",
        ]);
        let config = args.serve.to_config().unwrap();
        assert_eq!(config.version, K8sVersion::new(28));
        assert_eq!(config.admin_token(), Some("t"));
        assert_eq!(config.grants["bob"].len(), 2);
        assert!(config.faults.has(Fault::LimitIgnored));
        assert_eq!(config.history, 7);
        assert!(fault_list().contains("limit-ignored"));
    }
}
