//! HTTP plumbing shared by every handler: query parsing, content negotiation, response rendering and
//! the one error type that turns every failure into a Kubernetes `Status` body.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use kconform_spec::status::Status;
use serde::Serialize;

/// The parsed query string: decoded `(key, value)` pairs in request order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parse a raw query string as Go's `url.ParseQuery` does (`kconform_spec::urls::parse_query`):
    /// `+` is a space, a pair with a malformed escape or a `;` is dropped.
    pub fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: kconform_spec::urls::parse_query(raw.unwrap_or_default()),
        }
    }

    /// The first value of `key` (Go's `url.Values.Get`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `key` appears at all.
    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// The decoded pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The response encoding chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Format {
    /// YAML instead of JSON.
    pub yaml: bool,
    /// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) for the kinds it has a message for.
    pub protobuf: bool,
    /// Indented JSON (`?pretty=true` or a curl/Wget/browser User-Agent).
    pub pretty: bool,
    /// `as=Table` was asked for: the Table apiVersion (`meta.k8s.io/v1` or `meta.k8s.io/v1beta1`).
    pub table: Option<&'static str>,
}

/// Choose the response encoding from `Accept`, or None for 406.
///
/// Like kube-apiserver's negotiation, the acceptable entry with the highest `q` wins, the first of
/// equals: client-go's `application/vnd.kubernetes.protobuf,application/json` gets protobuf, as does
/// `application/json;q=0.5,application/vnd.kubernetes.protobuf`; `*/*` or no Accept gets JSON. `as=Table` (meta.k8s.io v1 or v1beta1) is honoured for Endpoints reads; other `as=`
/// conversions are skipped, so clients fall back to the plain type. `ignore_q` is the
/// `accept-q-values-ignored` fault switch: the first acceptable entry wins whatever its `q`.
pub fn negotiate(headers: &HeaderMap, query: &Query, ignore_q: bool) -> Option<Format> {
    use kconform_spec::negotiation::{MediaType, negotiate_accept, wants_pretty};
    let accept = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pretty = wants_pretty(query.get("pretty"), agent);
    // kubectl get puts `as=Table` first; the spec's negotiation covers the plain media types.
    if let Some(version) = accept.split(',').next().and_then(table_version) {
        return Some(Format {
            yaml: false,
            protobuf: false,
            pretty,
            table: Some(version),
        });
    }
    let plain: Vec<&str> = accept
        .split(',')
        .filter(|clause| !clause.contains("as="))
        .map(|clause| match clause.split_once(";q=") {
            Some((media, _)) if ignore_q => media,
            _ => clause,
        })
        .collect();
    let media = negotiate_accept(Some(&plain.join(","))).ok()?;
    Some(Format {
        yaml: media == MediaType::Yaml,
        protobuf: media == MediaType::Protobuf,
        pretty,
        table: None,
    })
}

/// The Table apiVersion an `Accept` clause like `application/json;as=Table;v=v1;g=meta.k8s.io` asks for.
fn table_version(clause: &str) -> Option<&'static str> {
    let mut parts = clause.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("").to_ascii_lowercase();
    let params: Vec<&str> = parts.collect();
    let has = |wanted: &str| params.contains(&wanted);
    if mime != "application/json" || !has("as=Table") || !has("g=meta.k8s.io") {
        return None;
    }
    if has("v=v1") {
        Some("meta.k8s.io/v1")
    } else if has("v=v1beta1") {
        Some("meta.k8s.io/v1beta1")
    } else {
        None
    }
}

/// Serialise `value` as kube-apiserver would: Go-escaped compact JSON with a trailing newline,
/// indented JSON without one, or YAML.
pub fn encode<T: Serialize + ?Sized>(
    value: &T,
    format: Format,
) -> Result<(Vec<u8>, &'static str), ApiError> {
    let failed = |err: &dyn std::fmt::Display| {
        ApiError::internal(format!("encoding the response failed: {err}"))
    };
    if format.yaml {
        // kube-apiserver writes YAML as go-yaml writes the Go map of the JSON: keys sorted, its quoting.
        let json = serde_json::to_value(value).map_err(|e| failed(&e))?;
        let text = kconform_spec::yaml::to_yaml(&json);
        return Ok((text.into_bytes(), "application/yaml"));
    }
    let bytes = if format.pretty {
        kconform_spec::json::to_go_json_pretty(value)
    } else {
        kconform_spec::json::to_go_json(value)
    }
    .map_err(|e| failed(&e))?;
    Ok((bytes, "application/json"))
}

/// Build a response from a serialisable body: protobuf when it was negotiated and the body's kind has
/// a message (Endpoints, EndpointSlice, their lists, Status), otherwise [`encode`]'s JSON or YAML.
pub fn respond<T: Serialize + ?Sized>(code: StatusCode, value: &T, format: Format) -> Response {
    if format.protobuf
        && let Ok(json) = serde_json::to_value(value)
        && let Ok(bytes) = kconform_spec::protobuf::encode(&json)
    {
        return respond_protobuf(code, bytes);
    }
    match encode(value, format) {
        Ok((bytes, content_type)) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = code;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        Err(err) => err.into_response(),
    }
}

/// A response with a protobuf body already encoded.
pub fn respond_protobuf(code: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = code;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(kconform_spec::protobuf::MEDIA_TYPE),
    );
    response
}

/// Append `Warning: 299 - "<text>"` headers, deduplicated by text like kube-apiserver's recorder.
pub fn add_warnings(response: &mut Response, warnings: &[String]) {
    let mut seen: Vec<&str> = Vec::new();
    for text in warnings {
        if seen.contains(&text.as_str()) {
            continue;
        }
        seen.push(text);
        let value = kconform_spec::warnings::header_value(text);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
}

/// Every failure of a request, rendered as a `Status` body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A handler-level error: encoded like the success body would have been (pretty, YAML), with the
    /// request's Warning headers.
    #[error("{}", .0.message)]
    Status(Box<Status>),
    /// An error written by the router or a filter before the handler runs (401, 403, 406, PATCH 415):
    /// `pretty` selects the indented form go-restful uses for 406. It is protobuf when the request
    /// asked for protobuf (the 406 is rendered as JSON by its caller), never YAML.
    #[error("{}", .status.message)]
    Router {
        /// The body.
        status: Box<Status>,
        /// Whether the router writes it indented.
        pretty: bool,
    },
}

impl ApiError {
    /// A handler-level error from a spec Status builder.
    pub fn status(status: Status) -> ApiError {
        ApiError::Status(Box::new(status))
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::status(Status::bad_request(message))
    }

    /// 500 without a reason, like a plain Go error.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::status(Status::internal(message))
    }

    /// The Status body.
    pub fn body(&self) -> &Status {
        match self {
            ApiError::Status(status) => status,
            ApiError::Router { status, .. } => status,
        }
    }

    /// Whether the request's Warning headers go out with this error (handler-level errors only).
    pub fn carries_warnings(&self) -> bool {
        matches!(self, ApiError::Status(_))
    }

    /// Render with the request's negotiated format.
    pub fn render(&self, format: Format) -> Response {
        let (status, format) = match self {
            ApiError::Status(status) => (status, format),
            ApiError::Router { status, pretty } => (
                status,
                Format {
                    yaml: false,
                    protobuf: format.protobuf,
                    pretty: *pretty,
                    table: None,
                },
            ),
        };
        let code =
            StatusCode::from_u16(status.http_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = respond(code, status.as_ref(), format);
        if let Some(seconds) = status.retry_after() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        ApiError::status(status)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.body().http_code())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = self.body().to_json_bytes();
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = code;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// A response with a plain text body (health checks).
pub(crate) fn text(code: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_go() {
        let query = Query::parse(Some(
            "a=1&labelSelector=app%20in%20(a%2Cb)&b=x+y&a=2&flag&bad=%zz&end=%4",
        ));
        assert_eq!(query.get("a"), Some("1"));
        assert_eq!(query.all("a"), ["1", "2"]);
        assert_eq!(query.get("labelSelector"), Some("app in (a,b)"));
        assert_eq!(query.get("b"), Some("x y"));
        assert_eq!(query.get("flag"), Some(""));
        assert_eq!(query.get("bad"), None);
        assert_eq!(query.get("end"), None);
    }

    #[test]
    fn negotiation_follows_q_values_and_order_and_refuses_text() {
        let query = Query::default();
        let mut headers = HeaderMap::new();
        let protobuf = Some(Format {
            protobuf: true,
            ..Format::default()
        });
        for accept in [
            "application/vnd.kubernetes.protobuf,application/json",
            "application/json;q=0.5,application/vnd.kubernetes.protobuf",
            "application/vnd.kubernetes.protobuf;stream=watch",
        ] {
            headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept));
            assert_eq!(negotiate(&headers, &query, false), protobuf, "{accept}");
        }
        for accept in [
            "*/*",
            "application/json,application/vnd.kubernetes.protobuf",
        ] {
            headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept));
            assert_eq!(
                negotiate(&headers, &query, false),
                Some(Format::default()),
                "{accept}"
            );
        }
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/cbor"),
        );
        assert_eq!(negotiate(&headers, &query, false), None);
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/yaml"),
        );
        assert_eq!(
            negotiate(&headers, &query, false).map(|f| f.yaml),
            Some(true)
        );
        headers.insert(http::header::ACCEPT, HeaderValue::from_static("text/plain"));
        assert_eq!(negotiate(&headers, &query, false), None);
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            ),
        );
        assert_eq!(
            negotiate(&headers, &query, false).and_then(|f| f.table),
            Some("meta.k8s.io/v1")
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static(
                "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json",
            ),
        );
        assert_eq!(negotiate(&headers, &query, false), Some(Format::default()));
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static("curl/8.0"),
        );
        assert!(negotiate(&headers, &query, false).unwrap().pretty);
        assert!(
            !negotiate(&headers, &Query::parse(Some("pretty=false")), false)
                .unwrap()
                .pretty
        );
    }
}
