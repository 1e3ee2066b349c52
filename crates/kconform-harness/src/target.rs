//! The server under test: where it is and how to authenticate to it.
//!
//! A [`Target`] is built either from explicit parts (base URL, bearer token, client certificate,
//! CA file or `insecure`) or from a kubeconfig file and context.
//! The kubeconfig is parsed here, with only the fields a conformance run needs, so that the harness
//! does not depend on a Kubernetes client library.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

/// Which HTTP versions the client may speak to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/1.1 for `http://`, ALPN negotiation (HTTP/2 preferred) for `https://`.
    #[default]
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only (prior knowledge on `http://`, ALPN `h2` on `https://`).
    Http2,
}

/// A PEM-encoded client certificate and its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret: never print it, not even in debug output.
        f.debug_struct("ClientCert")
            .field("cert_pem", &format_args!("<{} bytes>", self.cert_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The server under test.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// Base URL without a trailing slash, e.g. `https://127.0.0.1:6443`.
    pub url: String,
    /// Bearer token sent as `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Client certificate for mutual TLS.
    pub client_cert: Option<ClientCert>,
    /// Token of a user without rights on the suite's resource, for the 403 checks (optional).
    pub user_token: Option<String>,
    /// CA bundle (PEM) that signs the server certificate; `None` uses the platform roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Skip server certificate verification.
    pub insecure: bool,
    /// HTTP versions to use.
    pub http: HttpVersion,
    /// Upper bound for every request (for watches: until the response head arrives).
    pub timeout: Duration,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("client_cert", &self.client_cert)
            .field(
                "user_token",
                &self.user_token.as_ref().map(|_| "<redacted>"),
            )
            .field("ca_pem", &self.ca_pem.as_ref().map(Vec::len))
            .field("insecure", &self.insecure)
            .field("http", &self.http)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors building a [`Target`].
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The URL is not `http://` or `https://`.
    #[error("target url {0:?} must start with http:// or https://")]
    BadUrl(String),
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The kubeconfig is not valid YAML for the expected shape.
    #[error("cannot parse kubeconfig {path}")]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// The cause (boxed: the parser's error is large).
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    /// The context (or the current context) does not exist.
    #[error("kubeconfig has no context {0:?}")]
    NoContext(String),
    /// The kubeconfig names no context and has no current-context.
    #[error("kubeconfig has no current-context; pass a context name")]
    NoCurrentContext,
    /// The context names a cluster that does not exist.
    #[error("kubeconfig has no cluster {0:?}")]
    NoCluster(String),
    /// The context names a user that does not exist.
    #[error("kubeconfig has no user {0:?}")]
    NoUser(String),
    /// A `*-data` field is not valid base64.
    #[error("kubeconfig field {field} is not valid base64")]
    Base64 {
        /// The field name.
        field: &'static str,
        /// The cause.
        #[source]
        source: base64::DecodeError,
    },
    /// A client certificate was given without its key or the other way round.
    #[error("client certificate and client key must be given together")]
    HalfClientCert,
}

impl Target {
    /// A target at `url` with no credentials and default settings.
    ///
    /// # Errors
    /// [`TargetError::BadUrl`] unless the URL starts with `http://` or `https://`.
    pub fn new(url: &str) -> Result<Target, TargetError> {
        let url = url.trim().trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(TargetError::BadUrl(url));
        }
        Ok(Target {
            url,
            token: None,
            client_cert: None,
            user_token: None,
            ca_pem: None,
            insecure: false,
            http: HttpVersion::Auto,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Sets the bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Target {
        self.token = Some(token.into());
        self
    }

    /// Sets the token of a user without rights on the suite's resource (enables the 403 checks).
    pub fn with_user_token(mut self, token: impl Into<String>) -> Target {
        self.user_token = Some(token.into());
        self
    }

    /// Reads the CA bundle from a PEM file.
    ///
    /// # Errors
    /// [`TargetError::Read`] when the file cannot be read.
    pub fn with_ca_file(mut self, path: &Path) -> Result<Target, TargetError> {
        self.ca_pem = Some(read(path)?);
        Ok(self)
    }

    /// Reads a client certificate and key from PEM files.
    ///
    /// # Errors
    /// [`TargetError::Read`] when a file cannot be read.
    pub fn with_client_cert_files(
        mut self,
        cert: &Path,
        key: &Path,
    ) -> Result<Target, TargetError> {
        self.client_cert = Some(ClientCert {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
        });
        Ok(self)
    }

    /// Skips server certificate verification.
    pub fn with_insecure(mut self, insecure: bool) -> Target {
        self.insecure = insecure;
        self
    }

    /// Sets the HTTP versions to use.
    pub fn with_http(mut self, http: HttpVersion) -> Target {
        self.http = http;
        self
    }

    /// Sets the per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Target {
        self.timeout = timeout;
        self
    }

    /// Builds a target from a kubeconfig file; `context` `None` means the file's `current-context`.
    ///
    /// Relative certificate paths are resolved against the kubeconfig's directory, as kubectl does.
    ///
    /// # Errors
    /// Any [`TargetError`] describing what is missing or malformed.
    pub fn from_kubeconfig(path: &Path, context: Option<&str>) -> Result<Target, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Target::from_kubeconfig_str(&text, context, base).map_err(|e| match e {
            TargetError::Kubeconfig { source, .. } => TargetError::Kubeconfig {
                path: path.to_owned(),
                source,
            },
            other => other,
        })
    }

    /// Builds a target from kubeconfig text; relative file paths are resolved against `base_dir`.
    ///
    /// # Errors
    /// Any [`TargetError`] describing what is missing or malformed.
    pub fn from_kubeconfig_str(
        text: &str,
        context: Option<&str>,
        base_dir: &Path,
    ) -> Result<Target, TargetError> {
        let config: Kubeconfig =
            serde_saphyr::from_str(text).map_err(|source| TargetError::Kubeconfig {
                path: PathBuf::from("<kubeconfig>"),
                source: Box::new(source),
            })?;
        let context_name = match context {
            Some(c) => c.to_owned(),
            None => config
                .current_context
                .clone()
                .filter(|c| !c.is_empty())
                .ok_or(TargetError::NoCurrentContext)?,
        };
        let ctx = config
            .contexts
            .iter()
            .find(|c| c.name == context_name)
            .ok_or_else(|| TargetError::NoContext(context_name.clone()))?;
        let cluster = config
            .clusters
            .iter()
            .find(|c| c.name == ctx.context.cluster)
            .ok_or_else(|| TargetError::NoCluster(ctx.context.cluster.clone()))?;
        let user = match ctx.context.user.as_deref() {
            Some(name) if !name.is_empty() => Some(
                config
                    .users
                    .iter()
                    .find(|u| u.name == name)
                    .ok_or_else(|| TargetError::NoUser(name.to_owned()))?,
            ),
            _ => None,
        };

        let mut target = Target::new(&cluster.cluster.server)?;
        target.insecure = cluster.cluster.insecure_skip_tls_verify;
        target.ca_pem = data_or_file(
            cluster.cluster.certificate_authority_data.as_deref(),
            cluster.cluster.certificate_authority.as_deref(),
            "certificate-authority-data",
            base_dir,
        )?;
        if let Some(user) = user {
            let u = &user.user;
            target.token = match (&u.token, &u.token_file) {
                (Some(t), _) if !t.is_empty() => Some(t.clone()),
                (_, Some(file)) => Some(
                    String::from_utf8_lossy(&read(&base_dir.join(file))?)
                        .trim()
                        .to_owned(),
                ),
                _ => None,
            };
            let cert = data_or_file(
                u.client_certificate_data.as_deref(),
                u.client_certificate.as_deref(),
                "client-certificate-data",
                base_dir,
            )?;
            let key = data_or_file(
                u.client_key_data.as_deref(),
                u.client_key.as_deref(),
                "client-key-data",
                base_dir,
            )?;
            target.client_cert = match (cert, key) {
                (Some(cert_pem), Some(key_pem)) => Some(ClientCert { cert_pem, key_pem }),
                (None, None) => None,
                _ => return Err(TargetError::HalfClientCert),
            };
        }
        Ok(target)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TargetError> {
    std::fs::read(path).map_err(|source| TargetError::Read {
        path: path.to_owned(),
        source,
    })
}

fn data_or_file(
    data: Option<&str>,
    file: Option<&str>,
    field: &'static str,
    base_dir: &Path,
) -> Result<Option<Vec<u8>>, TargetError> {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        // kubeconfig writers sometimes wrap long base64 lines; whitespace is not part of the data.
        let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
        return base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map(Some)
            .map_err(|source| TargetError::Base64 { field, source });
    }
    match file.filter(|f| !f.is_empty()) {
        Some(f) => read(&base_dir.join(f)).map(Some),
        None => Ok(None),
    }
}

/// The subset of a kubeconfig file the harness reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Kubeconfig {
    #[serde(default)]
    current_context: Option<String>,
    #[serde(default)]
    clusters: Vec<NamedCluster>,
    #[serde(default)]
    contexts: Vec<NamedContext>,
    #[serde(default)]
    users: Vec<NamedUser>,
}

#[derive(Debug, Deserialize)]
struct NamedCluster {
    name: String,
    cluster: Cluster,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Cluster {
    server: String,
    #[serde(default)]
    certificate_authority: Option<String>,
    #[serde(default)]
    certificate_authority_data: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
}

#[derive(Debug, Deserialize)]
struct NamedContext {
    name: String,
    context: Context,
}

#[derive(Debug, Deserialize)]
struct Context {
    cluster: String,
    #[serde(default)]
    user: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: User,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct User {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    token_file: Option<String>,
    #[serde(default)]
    client_certificate: Option<String>,
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: c2
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
contexts:
- name: dev
  context: {cluster: c1, user: admin}
- name: other
  context: {cluster: c2, user: certs}
users:
- name: admin
  user:
    token: s3cret
- name: certs
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
"#;

    #[test]
    fn kubeconfig_current_context_gives_server_ca_and_token() {
        let t = Target::from_kubeconfig_str(KUBECONFIG, None, Path::new(".")).expect("parse");
        assert_eq!(t.url, "https://127.0.0.1:6443");
        assert_eq!(t.token.as_deref(), Some("s3cret"));
        assert_eq!(t.ca_pem.as_deref(), Some(&b"-----BEGIN"[..]));
        assert!(!t.insecure);
        assert!(
            !format!("{t:?}").contains("s3cret"),
            "debug output leaks the token"
        );
    }

    #[test]
    fn kubeconfig_named_context_gives_client_cert_and_insecure() {
        let t =
            Target::from_kubeconfig_str(KUBECONFIG, Some("other"), Path::new(".")).expect("parse");
        assert!(t.insecure);
        let cert = t.client_cert.expect("client cert");
        assert_eq!(cert.cert_pem, b"cert");
        assert_eq!(cert.key_pem, b"key");
    }

    #[test]
    fn kubeconfig_errors_name_what_is_missing() {
        let err = Target::from_kubeconfig_str(KUBECONFIG, Some("nope"), Path::new("."))
            .expect_err("missing context");
        assert_eq!(err.to_string(), "kubeconfig has no context \"nope\"");
        let err =
            Target::from_kubeconfig_str("clusters: [", None, Path::new(".")).expect_err("bad yaml");
        assert!(err.to_string().starts_with("cannot parse kubeconfig"));
    }

    #[test]
    fn url_must_be_http() {
        assert!(Target::new("ftp://x").is_err());
        assert_eq!(Target::new("http://a/").expect("ok").url, "http://a");
    }
}
