//! The target client: sends exactly the bytes a check asks for and records every exchange.
//!
//! Nothing here knows about any particular resource.
//! Requests are built with [`Request`] (method, path, query, headers, raw body), so a check can send
//! malformed input on purpose; the client adds only `Accept: application/json` when the check set no
//! `Accept`, and the credentials selected by [`Auth`].
//! Every exchange is kept in the client's log as an [`Exchange`] with the `Authorization` header
//! redacted and a curl line that reproduces it with the token replaced by `$TOKEN`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt as _, TryStreamExt as _};

use crate::model::{Exchange, RecordedRequest, RecordedResponse};
use crate::target::{HttpVersion, Target};

/// At most this many bytes of a request or response body are kept as evidence.
pub const EVIDENCE_BODY_LIMIT: usize = 16 * 1024;

/// The media type of Kubernetes protobuf bodies.
pub const PROTOBUF: &str = kconform_spec::protobuf::MEDIA_TYPE;

/// Responses larger than this are refused rather than buffered.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Errors from the client (transport and decoding; HTTP error statuses are not errors).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be built from the target's TLS material.
    #[error("cannot build the HTTP client")]
    Build(#[source] reqwest::Error),
    /// The URL could not be formed.
    #[error("invalid request url {0:?}")]
    Url(String),
    /// A header name or value is not valid HTTP.
    #[error("invalid header {0:?}")]
    Header(String),
    /// The request failed in transport (connect, TLS, reset, ...).
    #[error("{method} {url} failed")]
    Transport {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// No complete answer within the timeout.
    #[error("{method} {url} timed out after {timeout:?}")]
    Timeout {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The response body exceeded [`MAX_RESPONSE_BYTES`].
    #[error("response body of {method} {url} exceeds {limit} bytes")]
    TooLarge {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The response body is not the Kubernetes protobuf the caller expected.
    #[error("response body is not Kubernetes protobuf ({error}): {snippet}")]
    Protobuf {
        /// The start of the body, in hex.
        snippet: String,
        /// What is wrong with it.
        error: String,
    },
    /// A value has no Kubernetes protobuf form (a kind without a message, a time that is not
    /// RFC 3339).
    #[error("cannot encode the request body as Kubernetes protobuf: {0}")]
    ProtobufEncode(String),
    /// The response body is not the JSON the caller expected.
    #[error("response body is not JSON: {snippet}")]
    Json {
        /// The start of the body.
        snippet: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// Which credentials a request carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    /// The target's credentials (token and/or client certificate).
    #[default]
    Target,
    /// No credentials at all: no token, no client certificate.
    Anonymous,
    /// This bearer token instead of the target's credentials, and no client certificate.
    Bearer(String),
    /// The target's unprivileged user token ([`Target::user_token`]), and no client certificate.
    User,
}

/// A request as a check describes it.
#[derive(Debug, Clone)]
pub struct Request {
    method: http::Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
    auth: Auth,
    timeout: Option<Duration>,
}

impl Request {
    /// A request with any method; `path` starts with `/` and has no query.
    pub fn new(method: http::Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            auth: Auth::Target,
            timeout: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Request {
        Request::new(http::Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Request {
        Request::new(http::Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Request {
        Request::new(http::Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Request {
        Request::new(http::Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Request {
        Request::new(http::Method::DELETE, path)
    }

    /// Appends a query parameter (percent-encoded when sent).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Request {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Appends query parameters.
    pub fn queries<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Request {
        self.query
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets a header, replacing an earlier value of the same name.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a JSON body and `Content-Type: application/json` unless one is set.
    pub fn json(self, body: &serde_json::Value) -> Request {
        let has_type = self.has_header("content-type");
        // Serialising a `Value` cannot fail: its map keys are strings.
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let r = self.body(bytes);
        if has_type {
            r
        } else {
            r.header("Content-Type", "application/json")
        }
    }

    /// Sets a Kubernetes protobuf body (the `k8s\0` envelope, written as Go's marshalling writes
    /// it, as client-go sends) and `Content-Type: application/vnd.kubernetes.protobuf` unless one
    /// is set.
    ///
    /// # Errors
    /// [`ClientError::ProtobufEncode`] when the object's kind has no protobuf message.
    pub fn protobuf(self, body: &serde_json::Value) -> Result<Request, ClientError> {
        let bytes = kconform_spec::protobuf::encode(body)
            .map_err(|e| ClientError::ProtobufEncode(e.to_string()))?;
        let has_type = self.has_header("content-type");
        let r = self.body(bytes);
        Ok(if has_type {
            r
        } else {
            r.header("Content-Type", PROTOBUF)
        })
    }

    /// Sets a body with the given content type.
    pub fn body_with_type(self, content_type: &str, body: impl Into<Bytes>) -> Request {
        self.body(body).header("Content-Type", content_type)
    }

    /// Sets a raw body; no Content-Type is added.
    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Selects the credentials.
    pub fn auth(mut self, auth: Auth) -> Request {
        self.auth = auth;
        self
    }

    /// Overrides the target's per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// The method.
    pub fn method(&self) -> &http::Method {
        &self.method
    }

    /// The path (without query).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers in receive order (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// The exchange as recorded for evidence.
    pub exchange: Exchange,
}

impl Response {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// Every value of a header, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The texts of the `Warning` headers, unquoted (`299 - "text"` gives `text`).
    pub fn warnings(&self) -> Vec<String> {
        self.header_all("warning")
            .into_iter()
            .flat_map(split_warning_header)
            .collect()
    }

    /// The body as lossy UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the answer is Kubernetes protobuf (by its Content-Type).
    pub fn is_protobuf(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| media_type(t) == PROTOBUF)
    }

    /// The body decoded from Kubernetes protobuf into its JSON form (`kind` and `apiVersion`
    /// from the envelope first).
    ///
    /// # Errors
    /// [`ClientError::Protobuf`] when the body is not a protobuf object of a known kind.
    pub fn protobuf(&self) -> Result<serde_json::Value, ClientError> {
        kconform_spec::protobuf::decode(&self.body).map_err(|e| ClientError::Protobuf {
            snippet: hex_snippet(&self.body, 64),
            error: e.to_string(),
        })
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// [`ClientError::Json`] when the body is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, ClientError> {
        serde_json::from_slice(&self.body).map_err(|source| ClientError::Json {
            snippet: snippet(&self.body, 200),
            source,
        })
    }
}

/// A response whose body is read incrementally (watch streams).
pub struct StreamResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers in receive order (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The exchange as recorded so far (the response body is empty: it is a stream).
    pub exchange: Exchange,
    /// The body chunks.
    pub body: BodyStream,
}

/// A stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

impl std::fmt::Debug for StreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl StreamResponse {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// Reads the rest of the body (bounded by `timeout`) into a [`Response`]; for non-200 answers.
    ///
    /// # Errors
    /// [`ClientError::Timeout`] or [`ClientError::TooLarge`].
    pub async fn into_response(self, timeout: Duration) -> Result<Response, ClientError> {
        let StreamResponse {
            status,
            headers,
            mut exchange,
            body,
        } = self;
        let method = exchange.request.method.clone();
        let url = exchange.request.url.clone();
        let read = async {
            let mut buf = Vec::new();
            let mut body = body;
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(c) => {
                        if buf.len() + c.len() > MAX_RESPONSE_BYTES {
                            return Err(ClientError::TooLarge {
                                method: method.clone(),
                                url: url.clone(),
                                limit: MAX_RESPONSE_BYTES,
                            });
                        }
                        buf.extend_from_slice(&c);
                    }
                    // A reset after a partial body still leaves evidence worth reporting.
                    Err(_) => break,
                }
            }
            Ok(buf)
        };
        let buf =
            tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| ClientError::Timeout {
                    method: method.clone(),
                    url: url.clone(),
                    timeout,
                })??;
        if let Some(r) = exchange.response.as_mut() {
            r.body = snippet(&buf, EVIDENCE_BODY_LIMIT);
        }
        Ok(Response {
            status,
            headers,
            body: Bytes::from(buf),
            exchange,
        })
    }
}

/// The client for one target, with a log of every exchange.
///
/// Clones share the log; [`Client::fork`] gives a clone with a fresh log (one per check).
#[derive(Debug, Clone)]
pub struct Client {
    authed: reqwest::Client,
    anonymous: reqwest::Client,
    base: String,
    token: Option<String>,
    user_token: Option<String>,
    timeout: Duration,
    insecure: bool,
    has_client_cert: bool,
    ca_pem: Option<Arc<Vec<u8>>>,
    http: HttpVersion,
    log: Arc<Mutex<Vec<Exchange>>>,
}

/// Installs ring as the process-wide rustls provider (idempotent).
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    /// Builds the client for a target.
    ///
    /// # Errors
    /// [`ClientError::Build`] when the TLS material is unusable.
    pub fn new(target: &Target) -> Result<Client, ClientError> {
        install_crypto_provider();
        let authed = build_http(target, true)?;
        let anonymous = build_http(target, false)?;
        Ok(Client {
            authed,
            anonymous,
            base: target.url.clone(),
            token: target.token.clone(),
            user_token: target.user_token.clone(),
            timeout: target.timeout,
            insecure: target.insecure,
            has_client_cert: target.client_cert.is_some(),
            ca_pem: target.ca_pem.clone().map(Arc::new),
            http: target.http,
            log: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// A clone sharing the connection pool but with a fresh, empty log.
    pub fn fork(&self) -> Client {
        Client {
            log: Arc::new(Mutex::new(Vec::new())),
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Whether the target has an unprivileged user token for [`Auth::User`].
    pub fn has_user_token(&self) -> bool {
        self.user_token.is_some()
    }

    /// Whether requests carry credentials (a token or a client certificate) by default.
    pub fn has_credentials(&self) -> bool {
        self.token.is_some() || self.has_client_cert
    }

    /// Whether the target is reached without verifying its certificate.
    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// The PEM CA bundle the target's certificate is verified with, if one was given.
    pub fn ca_pem(&self) -> Option<&[u8]> {
        self.ca_pem.as_deref().map(Vec::as_slice)
    }

    /// The bearer tokens of the target: the administrator's and the unprivileged user's.
    pub fn tokens(&self) -> (Option<&str>, Option<&str>) {
        (self.token.as_deref(), self.user_token.as_deref())
    }

    /// Whether requests authenticate with a client certificate.
    pub fn has_client_cert(&self) -> bool {
        self.has_client_cert
    }

    /// The default per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A copy of every exchange recorded so far, oldest first.
    pub fn log(&self) -> Vec<Exchange> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The full URL a request will be sent to.
    ///
    /// # Errors
    /// [`ClientError::Url`] when the path cannot be joined to the base URL.
    pub fn url_of(&self, req: &Request) -> Result<reqwest::Url, ClientError> {
        let raw = format!("{}{}", self.base, req.path);
        let mut url = reqwest::Url::parse(&raw).map_err(|_| ClientError::Url(raw.clone()))?;
        if !req.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &req.query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn build(
        &self,
        req: &Request,
    ) -> Result<(reqwest::RequestBuilder, RecordedRequest, String), ClientError> {
        let url = self.url_of(req)?;
        let (http, token) = match &req.auth {
            Auth::Target => (&self.authed, self.token.as_deref()),
            Auth::Anonymous => (&self.anonymous, None),
            Auth::Bearer(t) => (&self.anonymous, Some(t.as_str())),
            Auth::User => (&self.anonymous, self.user_token.as_deref()),
        };
        let mut builder = http.request(req.method.clone(), url.clone());
        let mut recorded_headers = Vec::new();
        if !req.has_header("accept") {
            builder = builder.header("Accept", "application/json");
            recorded_headers.push(("Accept".to_owned(), "application/json".to_owned()));
        }
        for (n, v) in &req.headers {
            let name = http::HeaderName::from_bytes(n.as_bytes())
                .map_err(|_| ClientError::Header(n.clone()))?;
            let value =
                http::HeaderValue::from_str(v).map_err(|_| ClientError::Header(n.clone()))?;
            builder = builder.header(name, value);
            recorded_headers.push((n.clone(), v.clone()));
        }
        if let Some(t) = token {
            builder = builder.bearer_auth(t);
            recorded_headers.push(("Authorization".to_owned(), "Bearer <redacted>".to_owned()));
        }
        if let Some(b) = &req.body {
            builder = builder.body(b.clone());
        }
        let recorded = RecordedRequest {
            method: req.method.to_string(),
            url: url.to_string(),
            headers: recorded_headers,
            body: req.body.as_ref().map(|b| {
                let content_type = req
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.as_str());
                evidence_body(b, content_type)
            }),
        };
        let curl = self.curl_line(req, &url, token.is_some(), &req.auth);
        Ok((builder, recorded, curl))
    }

    fn curl_line(&self, req: &Request, url: &reqwest::Url, token: bool, auth: &Auth) -> String {
        let mut parts = vec!["curl -sS".to_owned()];
        // Files and secrets are shell variables: the evidence never holds key material.
        if self.insecure {
            parts.push("-k".to_owned());
        } else if self.ca_pem.is_some() {
            parts.push("--cacert \"$CA_FILE\"".to_owned());
        }
        if self.has_client_cert && *auth == Auth::Target {
            parts.push("--cert \"$CLIENT_CERT\" --key \"$CLIENT_KEY\"".to_owned());
        }
        match self.http {
            HttpVersion::Http1 => parts.push("--http1.1".to_owned()),
            HttpVersion::Http2 if url.scheme() == "http" => {
                parts.push("--http2-prior-knowledge".to_owned())
            }
            HttpVersion::Http2 => parts.push("--http2".to_owned()),
            HttpVersion::Auto => {}
        }
        if req.method != http::Method::GET {
            parts.push(format!("-X {}", req.method));
        }
        if !req.has_header("accept") {
            parts.push(shell_quote("-H", "Accept: application/json"));
        }
        for (n, v) in &req.headers {
            parts.push(shell_quote("-H", &format!("{n}: {v}")));
        }
        if token {
            // Double quotes so that the shell expands $TOKEN; the real token is never written.
            let var = match auth {
                Auth::Bearer(_) => "$BAD_TOKEN",
                Auth::User => "$USER_TOKEN",
                _ => "$TOKEN",
            };
            parts.push(format!("-H \"Authorization: Bearer {var}\""));
        }
        // A binary body (protobuf) is written to a file first and sent from it.
        let mut prelude = String::new();
        if let Some(b) = &req.body {
            if b.len() <= EVIDENCE_BODY_LIMIT && std::str::from_utf8(b).is_ok() {
                parts.push(shell_quote("--data-binary", &String::from_utf8_lossy(b)));
            } else if b.len() <= EVIDENCE_BODY_LIMIT {
                prelude = format!("printf '{}' > body.bin && ", printf_escaped(b));
                parts.push("--data-binary @body.bin".to_owned());
            } else {
                parts.push(format!(
                    "--data-binary @body.bin  # {} bytes, not shown",
                    b.len()
                ));
            }
        }
        parts.push(shell_quote("", url.as_str()).trim_start().to_owned());
        prelude + &parts.join(" ")
    }

    fn push_log(&self, exchange: &Exchange) {
        if let Ok(mut log) = self.log.lock() {
            log.push(exchange.clone());
        }
    }

    /// Sends a request and reads the whole response, within the request's timeout.
    ///
    /// # Errors
    /// Transport failures and timeouts; HTTP error statuses are returned as responses.
    pub async fn send(&self, req: Request) -> Result<Response, ClientError> {
        let timeout = req.timeout.unwrap_or(self.timeout);
        let (builder, recorded, curl) = self.build(&req)?;
        let method = recorded.method.clone();
        let url = recorded.url.clone();
        let work = async {
            let resp = builder
                .send()
                .await
                .map_err(|source| ClientError::Transport {
                    method: method.clone(),
                    url: url.clone(),
                    source,
                })?;
            let status = resp.status().as_u16();
            let headers = header_pairs(resp.headers());
            let mut stream = resp.bytes_stream();
            let mut buf = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|source| ClientError::Transport {
                    method: method.clone(),
                    url: url.clone(),
                    source,
                })?;
                if buf.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(ClientError::TooLarge {
                        method: method.clone(),
                        url: url.clone(),
                        limit: MAX_RESPONSE_BYTES,
                    });
                }
                buf.extend_from_slice(&chunk);
            }
            Ok((status, headers, buf))
        };
        let result = tokio::time::timeout(timeout, work).await;
        let (status, headers, buf) = match result {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                self.push_log(&Exchange {
                    request: recorded,
                    response: None,
                    curl,
                });
                return Err(e);
            }
            Err(_) => {
                self.push_log(&Exchange {
                    request: recorded,
                    response: None,
                    curl,
                });
                return Err(ClientError::Timeout {
                    method,
                    url,
                    timeout,
                });
            }
        };
        let exchange = Exchange {
            request: recorded,
            response: Some(RecordedResponse {
                status,
                headers: headers.clone(),
                body: evidence_body(&buf, header_of(&headers, "content-type")),
            }),
            curl,
        };
        self.push_log(&exchange);
        Ok(Response {
            status,
            headers,
            body: Bytes::from(buf),
            exchange,
        })
    }

    /// Sends a request and returns as soon as the response head arrives (within the timeout);
    /// the body is left to the caller (see [`crate::watch::WatchReader`]).
    ///
    /// # Errors
    /// Transport failures and timeouts before the head arrives.
    pub async fn stream(&self, req: Request) -> Result<StreamResponse, ClientError> {
        let timeout = req.timeout.unwrap_or(self.timeout);
        let (builder, recorded, curl) = self.build(&req)?;
        let method = recorded.method.clone();
        let url = recorded.url.clone();
        let sent = tokio::time::timeout(timeout, builder.send()).await;
        let resp = match sent {
            Ok(Ok(r)) => r,
            Ok(Err(source)) => {
                self.push_log(&Exchange {
                    request: recorded,
                    response: None,
                    curl,
                });
                return Err(ClientError::Transport {
                    method,
                    url,
                    source,
                });
            }
            Err(_) => {
                self.push_log(&Exchange {
                    request: recorded,
                    response: None,
                    curl,
                });
                return Err(ClientError::Timeout {
                    method,
                    url,
                    timeout,
                });
            }
        };
        let status = resp.status().as_u16();
        let headers = header_pairs(resp.headers());
        let exchange = Exchange {
            request: recorded,
            response: Some(RecordedResponse {
                status,
                headers: headers.clone(),
                body: String::new(),
            }),
            curl,
        };
        self.push_log(&exchange);
        let body: BodyStream = Box::pin(resp.bytes_stream().map_err(std::io::Error::other));
        Ok(StreamResponse {
            status,
            headers,
            exchange,
            body,
        })
    }
}

fn build_http(target: &Target, with_credentials: bool) -> Result<reqwest::Client, ClientError> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(target.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        // The suite asserts exact headers; reqwest must not add or negotiate encodings.
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .user_agent(concat!("kconform/", env!("CARGO_PKG_VERSION")));
    match target.http {
        HttpVersion::Auto => {}
        HttpVersion::Http1 => b = b.http1_only(),
        HttpVersion::Http2 => b = b.http2_prior_knowledge(),
    }
    if let Some(ca) = &target.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(ca).map_err(ClientError::Build)?;
        b = b.tls_certs_only(certs);
    } else if target.url.starts_with("http://") {
        // Plain HTTP never uses TLS (redirects are not followed): skip loading the platform's
        // root certificates, which costs tens of milliseconds per client.
        b = b.tls_certs_only(Vec::new());
    }
    if target.insecure {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    if with_credentials && let Some(cc) = &target.client_cert {
        let mut pem = cc.cert_pem.clone();
        pem.push(b'\n');
        pem.extend_from_slice(&cc.key_pem);
        b = b.identity(reqwest::Identity::from_pem(&pem).map_err(ClientError::Build)?);
    }
    b.build().map_err(ClientError::Build)
}

fn header_pairs(h: &http::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits one `Warning` header value into the texts it carries.
///
/// A value is `code agent "text"[, code agent "text"]...`; the text is quoted with `\"` and `\\`
/// escapes (RFC 7234 §5.5). A value that does not follow the format is returned whole.
pub fn split_warning_header(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let Some(q) = rest.find('"') else {
            out.push(rest.to_owned());
            break;
        };
        let mut text = String::new();
        let mut chars = rest[q + 1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        text.push(n);
                    }
                }
                '"' => {
                    end = Some(q + 1 + i + 1);
                    break;
                }
                c => text.push(c),
            }
        }
        out.push(text);
        let Some(end) = end else { break };
        rest = rest[end..].trim_start();
        // An optional warn-date may follow the text; then a comma separates values.
        match rest.find(',') {
            Some(c) => rest = rest[c + 1..].trim_start(),
            None => break,
        }
    }
    out
}

/// Lossy UTF-8 of at most `limit` bytes, with a marker when truncated.
pub fn snippet(bytes: &[u8], limit: usize) -> String {
    if bytes.len() <= limit {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        format!(
            "{}…[{} more bytes]",
            String::from_utf8_lossy(&bytes[..limit]),
            bytes.len() - limit
        )
    }
}

/// The media type of a Content-Type value, without parameters, lower-case.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A body as evidence: text as (lossy) UTF-8; Kubernetes protobuf as its size, its bytes in hex
/// and its decoded JSON form, so a reader sees what the bytes say.
pub fn evidence_body(bytes: &[u8], content_type: Option<&str>) -> String {
    let protobuf = content_type.is_some_and(|t| media_type(t) == PROTOBUF)
        || bytes.starts_with(&kconform_spec::protobuf::MAGIC);
    if !protobuf || bytes.is_empty() {
        return snippet(bytes, EVIDENCE_BODY_LIMIT);
    }
    let decoded = match kconform_spec::protobuf::decode(bytes) {
        Ok(value) => format!("decoded: {value}"),
        Err(e) => format!("not decodable: {e}"),
    };
    snippet(
        format!(
            "[protobuf, {} bytes: {}]\n{decoded}",
            bytes.len(),
            hex_snippet(bytes, 256)
        )
        .as_bytes(),
        EVIDENCE_BODY_LIMIT,
    )
}

/// At most `limit` bytes in hex, with a marker when truncated.
pub fn hex_snippet(bytes: &[u8], limit: usize) -> String {
    let shown: String = bytes
        .iter()
        .take(limit)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > limit {
        format!("{shown}…[{} more bytes]", bytes.len() - limit)
    } else {
        shown
    }
}

/// `bytes` as the text of a single-quoted `printf` format that writes exactly them: printable
/// ASCII as itself, everything else (and `%`, `\`, `'`) as an octal escape.
fn printf_escaped(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'%' | b'\\' | b'\'' => format!("\\{b:03o}"),
            0x20..=0x7e => char::from(b).to_string(),
            _ => format!("\\{b:03o}"),
        })
        .collect()
}

fn shell_quote(flag: &str, value: &str) -> String {
    let quoted = format!("'{}'", value.replace('\'', r"'\''"));
    if flag.is_empty() {
        quoted
    } else {
        format!("{flag} {quoted}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_header_texts_are_unquoted() {
        assert_eq!(
            split_warning_header(r#"299 - "unknown field \"foo\"""#),
            vec![r#"unknown field "foo""#]
        );
        assert_eq!(
            split_warning_header(r#"299 - "a", 299 - "b\\c""#),
            vec!["a", r"b\c"]
        );
        assert_eq!(split_warning_header("garbage"), vec!["garbage"]);
    }

    #[test]
    fn snippet_truncates_with_marker() {
        assert_eq!(snippet(b"abc", 10), "abc");
        assert_eq!(snippet(b"abcdef", 2), "ab…[4 more bytes]");
    }

    #[test]
    fn printf_escapes_write_the_exact_bytes() {
        assert_eq!(printf_escaped(b"k8s\0%'\\\n"), r"k8s\000\045\047\134\012");
    }

    #[test]
    fn protobuf_evidence_shows_the_decoded_object() {
        let bytes = kconform_spec::protobuf::encode(&serde_json::json!({"kind": "Status",
            "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": 404}))
        .unwrap();
        let text = evidence_body(&bytes, Some("application/vnd.kubernetes.protobuf"));
        assert!(text.starts_with("[protobuf, "), "{text}");
        assert!(text.contains(r#"decoded: {"kind":"Status""#), "{text}");
        assert!(text.contains("6b387300"), "{text}");
        let bad = evidence_body(b"k8s\0\xff", None);
        assert!(bad.contains("not decodable: "), "{bad}");
        assert_eq!(evidence_body(b"{}", Some("application/json")), "{}");
    }

    #[test]
    fn shell_quote_escapes_single_quotes() {
        assert_eq!(shell_quote("-d", "it's"), r"-d 'it'\''s'");
    }
}
