//! Discovery, version, OpenAPI and health documents: enough for kubectl and client-go to work
//! unmodified. The OpenAPI documents are kube-apiserver's, reduced to the served types (data/README.md).

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::http::{respond, text};

const API_V1_128: &str = include_str!("../data/v1.28.7/api_v1.json");
const API_V1_136: &str = include_str!("../data/v1.36.2/api_v1.json");
const OPENAPI_V2: &str = include_str!("../data/v1.36.2/openapi_v2.json");
const OPENAPI_V3_API_V1: &str = include_str!("../data/v1.36.2/openapi_v3_api_v1.json");

/// `/healthz`, `/livez`, `/readyz`.
pub(crate) fn health() -> Response {
    text(StatusCode::OK, "ok")
}

/// The gitVersion reported for an emulated minor version: the recorded patch releases for 1.28 and
/// 1.36, `.0` otherwise.
pub(crate) fn git_version(minor: u32) -> String {
    match minor {
        28 => "v1.28.7".to_owned(),
        36 => "v1.36.2".to_owned(),
        other => format!("v1.{other}.0"),
    }
}

/// `/version`.
pub(crate) fn version(ctx: &Ctx) -> Response {
    let minor = ctx.version().minor;
    let mut body = serde_json::Map::new();
    body.insert("major".to_owned(), json!("1"));
    body.insert("minor".to_owned(), json!(minor.to_string()));
    if minor >= 31 {
        body.insert("emulationMajor".to_owned(), json!("1"));
        body.insert("emulationMinor".to_owned(), json!(minor.to_string()));
        body.insert("minCompatibilityMajor".to_owned(), json!("1"));
        body.insert(
            "minCompatibilityMinor".to_owned(),
            json!((minor - 1).to_string()),
        );
    }
    body.insert("gitVersion".to_owned(), json!(git_version(minor)));
    body.insert(
        "gitCommit".to_owned(),
        json!("0000000000000000000000000000000000000000"),
    );
    body.insert(
        "gitTreeState".to_owned(),
        json!(if minor >= 31 { "clean" } else { "archive" }),
    );
    body.insert("buildDate".to_owned(), json!("2026-01-01T00:00:00Z"));
    body.insert(
        "goVersion".to_owned(),
        json!(if minor >= 33 { "go1.26.6" } else { "go1.21.13" }),
    );
    body.insert("compiler".to_owned(), json!("gc"));
    body.insert("platform".to_owned(), json!("linux/amd64"));
    // The version handler always writes indented JSON.
    let format = crate::http::Format {
        pretty: true,
        ..ctx.format
    };
    respond(StatusCode::OK, &Value::Object(body), format)
}

/// `/api`.
pub(crate) fn api(ctx: &Ctx) -> Response {
    let host = ctx
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let body = json!({"kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]});
    respond(StatusCode::OK, &body, ctx.format)
}

/// `/api/v1`: the real resource list of the emulated version's recording.
pub(crate) fn api_v1(ctx: &Ctx) -> Response {
    let text = if ctx.version().at_least(33) {
        API_V1_136
    } else {
        API_V1_128
    };
    let mut body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if ctx.fault(crate::Fault::DiscoveryMissingDeleteCollection) {
        for resource in body["resources"].as_array_mut().into_iter().flatten() {
            if let Some(verbs) = resource["verbs"].as_array_mut() {
                verbs.retain(|verb| verb != "deletecollection");
            }
        }
    }
    respond(StatusCode::OK, &body, ctx.format)
}

/// `/apis`: no API groups are served.
pub(crate) fn apis(ctx: &Ctx) -> Response {
    respond(
        StatusCode::OK,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
        ctx.format,
    )
}

fn raw_json(body: &'static str) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The media types clients ask for the protobuf OpenAPI v2 document with (old and current spelling).
const OPENAPI_V2_PROTOBUF_ACCEPT: [&str; 2] = [
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
];
/// The Content-Type of the answer (the `@` form is not a valid Go media type).
const OPENAPI_V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// `/openapi/v2` (reduced): JSON, or gnostic protobuf when the client asks for it first.
pub(crate) fn openapi_v2(headers: &http::HeaderMap) -> Response {
    let accept = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    if OPENAPI_V2_PROTOBUF_ACCEPT.contains(&first) {
        let doc: Value = serde_json::from_str(OPENAPI_V2).unwrap_or(Value::Null);
        let mut response = Response::new(axum::body::Body::from(crate::openapi_pb::encode(&doc)));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(OPENAPI_V2_PROTOBUF),
        );
        return response;
    }
    raw_json(OPENAPI_V2)
}

/// `/openapi/v3/api/v1` (reduced).
pub(crate) fn openapi_v3_api_v1() -> Response {
    raw_json(OPENAPI_V3_API_V1)
}

/// FNV-1a of the served document, as the cache-busting hash clients pass back.
fn document_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016X}")
}

/// `/openapi/v3`: the index of OpenAPI v3 documents.
pub(crate) fn openapi_v3() -> Response {
    let url = format!(
        "/openapi/v3/api/v1?hash={}",
        document_hash(OPENAPI_V3_API_V1)
    );
    let body = json!({"paths": {"api/v1": {"serverRelativeURL": url}}});
    let mut response = Response::new(axum::body::Body::from(body.to_string()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_documents_parse() {
        for text in [API_V1_128, API_V1_136, OPENAPI_V2, OPENAPI_V3_API_V1] {
            assert!(serde_json::from_str::<Value>(text).is_ok());
        }
        assert_eq!(git_version(36), "v1.36.2");
        assert_eq!(git_version(30), "v1.30.0");
    }
}
