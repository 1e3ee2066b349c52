//! Serving the router: plain HTTP or TLS (given or self-signed certificates), in-process for tests
//! ([`spawn`]) or for the binary ([`serve`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{AppState, Config, Tls};

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A certificate or key file could not be read.
    #[error("cannot read {path}")]
    ReadPem {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{path} holds no PEM {what}")]
    NoPem {
        /// The file.
        path: PathBuf,
        /// `certificate` or `private key`.
        what: &'static str,
    },
    /// The self-signed certificate could not be generated.
    #[error("cannot generate a self-signed certificate")]
    Generate(#[source] rcgen::Error),
    /// The certificate could not be written.
    #[error("cannot write the certificate to {path}")]
    WriteCert {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// rustls refused the certificate and key.
    #[error("invalid TLS certificate or key")]
    Tls(#[source] rustls::Error),
}

/// A server running in the background of the current tokio runtime.
#[derive(Debug)]
pub struct RunningServer {
    /// The base URL, e.g. `http://127.0.0.1:41234` (or `https://`).
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// An administrator token, when authentication is on.
    pub token: Option<String>,
    /// The certificate (PEM) clients should trust, when serving TLS.
    pub ca_certificate_pem: Option<String>,
    /// The shared state (store, configuration), for tests that inspect or compact the store.
    pub state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Stop accepting connections, end open watches and wait (bounded) for the accept loop to finish.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
    }

    fn stop_now(&mut self) {
        self.state.begin_shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn ensure_crypto_provider() {
    // Another component may have installed the ring provider already; that is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The TLS configuration for `tls`, and the certificate PEM clients should trust.
fn tls_config(tls: &Tls) -> Result<Option<(Arc<rustls::ServerConfig>, String)>, ServeError> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (certs, key, pem): (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String) =
        match tls {
            Tls::Off => return Ok(None),
            Tls::SelfSigned { cert_out } => {
                let generated = rcgen::generate_simple_self_signed(vec![
                    "127.0.0.1".to_owned(),
                    "localhost".to_owned(),
                ])
                .map_err(ServeError::Generate)?;
                let pem = generated.cert.pem();
                if let Some(path) = cert_out {
                    std::fs::write(path, &pem).map_err(|source| ServeError::WriteCert {
                        path: path.clone(),
                        source,
                    })?;
                }
                let key = PrivateKeyDer::try_from(generated.signing_key.serialize_der()).map_err(
                    |_| ServeError::NoPem {
                        path: PathBuf::from("<generated>"),
                        what: "private key",
                    },
                )?;
                (vec![generated.cert.der().clone()], key, pem)
            }
            Tls::Files { cert, key } => {
                let read = |path: &PathBuf| {
                    std::fs::read(path).map_err(|source| ServeError::ReadPem {
                        path: path.clone(),
                        source,
                    })
                };
                let cert_pem = read(cert)?;
                let key_pem = read(key)?;
                let certs: Vec<CertificateDer<'static>> =
                    rustls_pemfile::certs(&mut cert_pem.as_slice())
                        .filter_map(Result::ok)
                        .collect();
                if certs.is_empty() {
                    return Err(ServeError::NoPem {
                        path: cert.clone(),
                        what: "certificate",
                    });
                }
                let private = rustls_pemfile::private_key(&mut key_pem.as_slice())
                    .ok()
                    .flatten()
                    .ok_or_else(|| ServeError::NoPem {
                        path: key.clone(),
                        what: "private key",
                    })?;
                (
                    certs,
                    private,
                    String::from_utf8_lossy(&cert_pem).into_owned(),
                )
            }
        };
    ensure_crypto_provider();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(ServeError::Tls)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(ServeError::Tls)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some((Arc::new(config), pem)))
}

/// Bind `addr` and serve `config` in the background of the current runtime.
///
/// # Errors
/// [`ServeError`] when the address cannot be bound or TLS cannot be set up.
pub async fn serve(config: Config, addr: SocketAddr) -> Result<RunningServer, ServeError> {
    let tls = tls_config(&config.tls)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let token = config.admin_token().map(str::to_owned);
    let state = AppState::new(config);
    let router = crate::app_with_state(state.clone());
    let (stop, mut stopped) = oneshot::channel::<()>();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let ca_certificate_pem = tls.as_ref().map(|(_, pem)| pem.clone());
    let acceptor = tls.map(|(config, _)| tokio_rustls::TlsAcceptor::from(config));
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::warn!("accept failed: {err}");
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(router.clone());
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let mut builder = auto::Builder::new(TokioExecutor::new());
                // A client that never finishes its request head does not hold a task forever.
                builder
                    .http1()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(std::time::Duration::from_secs(30));
                let result = match acceptor {
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(tls_stream) => {
                            builder
                                .serve_connection(TokioIo::new(tls_stream), service)
                                .await
                        }
                        Err(err) => {
                            tracing::debug!("TLS handshake failed: {err}");
                            return;
                        }
                    },
                    None => {
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                };
                if let Err(err) = result {
                    tracing::debug!("connection ended with an error: {err}");
                }
            });
        }
    });
    Ok(RunningServer {
        url: format!("{scheme}://{addr}"),
        addr,
        token,
        ca_certificate_pem,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Serve `config` on `127.0.0.1:0` in the background of the current runtime (for tests and the runner).
///
/// # Errors
/// [`ServeError`] when no port can be bound or TLS cannot be set up.
pub async fn spawn(config: Config) -> Result<RunningServer, ServeError> {
    serve(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}
