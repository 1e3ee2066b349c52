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
const OPENAPI_V3_DISCOVERY_128: &str = include_str!("../data/v1.28.7/openapi_v3_discovery_v1.json");
const OPENAPI_V3_DISCOVERY_136: &str = include_str!("../data/v1.36.2/openapi_v3_discovery_v1.json");
const GROUP_NAMES_128: &str = include_str!("../data/v1.28.7/apis_group_names.json");
const GROUP_NAMES_136: &str = include_str!("../data/v1.36.2/apis_group_names.json");

/// The one API group served besides the core group.
const DISCOVERY_GROUP: &str = "discovery.k8s.io";

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

/// The API groups `/apis` names in the emulated version's recording, in its order.
fn group_names(ctx: &Ctx) -> Vec<String> {
    let text = if ctx.version().at_least(33) {
        GROUP_NAMES_136
    } else {
        GROUP_NAMES_128
    };
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|doc| doc.get("groupNames").cloned())
        .and_then(|names| serde_json::from_value(names).ok())
        .unwrap_or_else(|| vec![DISCOVERY_GROUP.to_owned()])
}

fn group_version_for_discovery() -> Value {
    json!({"groupVersion": "discovery.k8s.io/v1", "version": "v1"})
}

/// The `APIGroup` of discovery.k8s.io; the other groups are named without versions (the reference
/// server serves none of their resources).
fn api_group(name: &str) -> Value {
    if name == DISCOVERY_GROUP {
        json!({"name": name, "versions": [group_version_for_discovery()],
            "preferredVersion": group_version_for_discovery()})
    } else {
        json!({"name": name, "versions": []})
    }
}

/// The aggregated discovery versions (`apidiscovery.k8s.io/<v>`) the emulated version serves:
/// v2beta1 up to 1.32, v2 from 1.30 (the recordings: 1.28 only v2beta1, 1.36 only v2).
fn aggregated_versions(ctx: &Ctx) -> Vec<&'static str> {
    let minor = ctx.version().minor;
    // Fault es-aggregated-discovery-v2beta1: the beta version only, whatever the version.
    if ctx.fault(crate::Fault::EsAggregatedDiscoveryV2beta1) {
        return vec!["v2beta1"];
    }
    let mut out = Vec::new();
    if minor >= 30 {
        out.push("v2");
    }
    if minor <= 32 {
        out.push("v2beta1");
    }
    out
}

/// What an `Accept` header asks `/apis` for: aggregated discovery in a served version, the plain
/// `APIGroupList`, or nothing it can serve (only aggregated versions it does not).
enum DiscoveryAccept {
    Aggregated(&'static str),
    Plain,
    NotAcceptable,
}

fn discovery_accept(ctx: &Ctx) -> DiscoveryAccept {
    let Some(accept) = ctx
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return DiscoveryAccept::Plain;
    };
    let served = aggregated_versions(ctx);
    for clause in accept.split(',') {
        let mut parts = clause.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        if param("as") == Some("APIGroupDiscoveryList") {
            if media == "application/json"
                && param("g") == Some("apidiscovery.k8s.io")
                && let Some(version) = param("v").and_then(|v| served.iter().find(|s| **s == v))
            {
                return DiscoveryAccept::Aggregated(version);
            }
            continue;
        }
        if matches!(
            media,
            "application/json" | "application/yaml" | "*/*" | "application/*" | ""
        ) || media == kconform_spec::protobuf::MEDIA_TYPE
        {
            return DiscoveryAccept::Plain;
        }
    }
    DiscoveryAccept::NotAcceptable
}

/// The aggregated discovery document of `/apis` (`APIGroupDiscoveryList`).
fn aggregated(ctx: &Ctx, version: &str) -> Value {
    let old_meta = version == "v2beta1";
    let items: Vec<Value> = group_names(ctx)
        .iter()
        .map(|name| {
            let mut metadata = json!({"name": name});
            if old_meta {
                metadata["creationTimestamp"] = Value::Null;
            }
            let versions = if name == DISCOVERY_GROUP {
                json!([{"version": "v1", "resources": [{"resource": "endpointslices",
                    "responseKind": {"group": "", "version": "", "kind": "EndpointSlice"},
                    "scope": "Namespaced", "singularResource": "endpointslice",
                    "verbs": endpoint_slice_verbs(ctx)}],
                    "freshness": "Current"}])
            } else {
                json!([])
            };
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {}, "items": items})
}

/// `/apis`: the API groups, as an `APIGroupList` or, when asked for, as aggregated discovery.
pub(crate) fn apis(ctx: &Ctx) -> Response {
    match discovery_accept(ctx) {
        DiscoveryAccept::Aggregated(version) => {
            let body = aggregated(ctx, version);
            let mut response = respond(StatusCode::OK, &body, crate::http::Format::default());
            if let Ok(value) = http::HeaderValue::from_str(&format!(
                "application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
            )) {
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_TYPE, value);
            }
            response
        }
        DiscoveryAccept::NotAcceptable => {
            let format = crate::http::Format {
                pretty: true,
                ..crate::http::Format::default()
            };
            crate::http::ApiError::status(
                kconform_spec::status::Status::not_acceptable_media_types(),
            )
            .render(format)
        }
        DiscoveryAccept::Plain => {
            let groups: Vec<Value> = group_names(ctx).iter().map(|n| api_group(n)).collect();
            respond(
                StatusCode::OK,
                &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
                ctx.format,
            )
        }
    }
}

/// `/apis/discovery.k8s.io`.
pub(crate) fn discovery_group(ctx: &Ctx) -> Response {
    let body = json!({"kind": "APIGroup", "apiVersion": "v1", "name": DISCOVERY_GROUP,
        "versions": [group_version_for_discovery()],
        "preferredVersion": group_version_for_discovery()});
    respond(StatusCode::OK, &body, ctx.format)
}

/// The verbs discovery lists for endpointslices (fault es-discovery-missing-delete-collection: without
/// deletecollection).
fn endpoint_slice_verbs(ctx: &Ctx) -> Vec<&'static str> {
    let mut verbs = vec![
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ];
    if ctx.fault(crate::Fault::EsDiscoveryMissingDeleteCollection) {
        verbs.retain(|verb| *verb != "deletecollection");
    }
    verbs
}

/// `/apis/discovery.k8s.io/v1`: the EndpointSlice resource; its storage version hash as recorded.
pub(crate) fn discovery_group_version(ctx: &Ctx) -> Response {
    let hash = if ctx.version().at_least(33) {
        "qgS0xkrxYAI="
    } else {
        "Nx3SIv6I0mE="
    };
    let body = json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "discovery.k8s.io/v1",
        "resources": [{"name": "endpointslices", "singularName": "endpointslice", "namespaced": true,
            "kind": "EndpointSlice",
            "verbs": endpoint_slice_verbs(ctx),
            "storageVersionHash": hash}]});
    respond(StatusCode::OK, &body, ctx.format)
}

/// `/openapi/v3/apis/discovery.k8s.io/v1` (as recorded: operationIds and the discovery schemas).
pub(crate) fn openapi_v3_discovery(ctx: &Ctx) -> Response {
    raw_json(if ctx.version().at_least(33) {
        OPENAPI_V3_DISCOVERY_136
    } else {
        OPENAPI_V3_DISCOVERY_128
    })
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
    let discovery_url = format!(
        "/openapi/v3/apis/discovery.k8s.io/v1?hash={}",
        document_hash(OPENAPI_V3_DISCOVERY_136)
    );
    let body = json!({"paths": {"api/v1": {"serverRelativeURL": url},
        "apis/discovery.k8s.io/v1": {"serverRelativeURL": discovery_url}}});
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
        for text in [
            API_V1_128,
            API_V1_136,
            OPENAPI_V2,
            OPENAPI_V3_API_V1,
            OPENAPI_V3_DISCOVERY_128,
            OPENAPI_V3_DISCOVERY_136,
            GROUP_NAMES_128,
            GROUP_NAMES_136,
        ] {
            assert!(serde_json::from_str::<Value>(text).is_ok());
        }
        assert_eq!(git_version(36), "v1.36.2");
        assert_eq!(git_version(30), "v1.30.0");
    }
}
