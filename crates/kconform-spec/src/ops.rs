//! The operation table: the 11 Endpoints operations of the vendored OpenAPI v2 subset (behaviour document §8).
//!
//! The data is `data/openapi-v2-endpoints-v1.36.json`, compiled in and parsed once. Path-level parameters
//! are merged into each operation (an operation's own parameter wins on a name clash, as OpenAPI says), and
//! `$ref` parameters are resolved against the document's `parameters` section.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The vendored OpenAPI subset (kube-apiserver 1.36 `swagger.json`, Endpoints paths only).
pub const OPENAPI_V2: &str = include_str!("../data/openapi-v2-endpoints-v1.36.json");

/// Where a parameter is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamIn {
    /// A path segment, e.g. `{namespace}`.
    Path,
    /// A query parameter.
    Query,
    /// The request body.
    Body,
}

/// One declared parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The parameter name, e.g. `fieldManager`.
    pub name: &'static str,
    /// Where it is carried.
    pub location: ParamIn,
    /// The OpenAPI type: `string`, `integer`, `boolean`, or `object` for a body with a schema.
    pub ty: &'static str,
    /// Whether OpenAPI marks it required.
    pub required: bool,
}

/// One operation (method + path) of the Endpoints API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The operationId, e.g. `createCoreV1NamespacedEndpoints`.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/api/v1/namespaces/{namespace}/endpoints/{name}`.
    pub path: &'static str,
    /// `x-kubernetes-action`: list, watchlist, watch, get, post, put, patch, delete, deletecollection.
    pub action: &'static str,
    /// Declared parameters, path-level ones merged in, in path-level then operation order.
    pub params: Vec<Param>,
    /// Declared response codes, ascending.
    pub responses: Vec<u16>,
    /// Declared request media types.
    pub consumes: Vec<String>,
}

impl Operation {
    /// The declared parameter with this name, if any.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// True when the operation declares the parameter.
    pub fn declares(&self, name: &str) -> bool {
        self.param(name).is_some()
    }
}

/// Why the vendored document could not be turned into operations.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The document is not the JSON shape expected.
    #[error("the vendored OpenAPI document cannot be parsed")]
    Parse(#[source] serde_json::Error),
    /// A `$ref` names a parameter that is not defined.
    #[error("parameter reference {0:?} does not resolve")]
    UnresolvedRef(String),
    /// A parameter has an unknown `in`.
    #[error("parameter {name:?} has unknown location {location:?}")]
    UnknownLocation {
        /// The parameter name.
        name: String,
        /// The `in` value.
        location: String,
    },
    /// A response key is not a status code.
    #[error("response key {0:?} is not an HTTP status code")]
    BadResponseCode(String),
}

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(borrow)]
    paths: BTreeMap<&'a str, RawPathItem<'a>>,
    #[serde(borrow)]
    parameters: BTreeMap<&'a str, RawParam<'a>>,
}

#[derive(Deserialize)]
struct RawPathItem<'a> {
    #[serde(borrow, default)]
    parameters: Vec<RawParam<'a>>,
    #[serde(borrow)]
    get: Option<RawOperation<'a>>,
    #[serde(borrow)]
    put: Option<RawOperation<'a>>,
    #[serde(borrow)]
    post: Option<RawOperation<'a>>,
    #[serde(borrow)]
    delete: Option<RawOperation<'a>>,
    #[serde(borrow)]
    patch: Option<RawOperation<'a>>,
}

#[derive(Deserialize)]
struct RawOperation<'a> {
    #[serde(rename = "operationId")]
    operation_id: &'a str,
    #[serde(rename = "x-kubernetes-action")]
    action: &'a str,
    #[serde(borrow, default)]
    consumes: Vec<&'a str>,
    #[serde(borrow, default)]
    parameters: Vec<RawParam<'a>>,
    #[serde(borrow)]
    responses: BTreeMap<&'a str, serde::de::IgnoredAny>,
}

#[derive(Deserialize, Clone)]
struct RawParam<'a> {
    #[serde(rename = "$ref")]
    reference: Option<&'a str>,
    name: Option<&'a str>,
    #[serde(rename = "in")]
    location: Option<&'a str>,
    #[serde(rename = "type")]
    ty: Option<&'a str>,
    #[serde(default)]
    required: bool,
    schema: Option<serde::de::IgnoredAny>,
}

fn resolve(raw: &RawParam<'static>, doc: &RawDoc<'static>) -> Result<Param, OpsError> {
    let param = match raw.reference {
        Some(reference) => {
            let key = reference.strip_prefix("#/parameters/").unwrap_or(reference);
            doc.parameters
                .get(key)
                .ok_or_else(|| OpsError::UnresolvedRef(reference.to_owned()))?
        }
        None => raw,
    };
    let name = param
        .name
        .ok_or_else(|| OpsError::UnresolvedRef(format!("{:?}", param.reference)))?;
    let location = match param.location.unwrap_or_default() {
        "path" => ParamIn::Path,
        "query" => ParamIn::Query,
        "body" => ParamIn::Body,
        other => {
            return Err(OpsError::UnknownLocation {
                name: name.to_owned(),
                location: other.to_owned(),
            });
        }
    };
    let ty = match (param.ty, &param.schema) {
        (Some(ty), _) => ty,
        (None, Some(_)) => "object",
        (None, None) => "string",
    };
    Ok(Param {
        name,
        location,
        ty,
        required: param.required,
    })
}

/// Parses the vendored document into operations. [`operations`] caches the result.
///
/// # Errors
/// Returns an [`OpsError`] if the document's structure is not what kube-apiserver's swagger.json looks like.
pub fn parse_operations(doc_text: &'static str) -> Result<Vec<Operation>, OpsError> {
    let doc: RawDoc<'static> = serde_json::from_str(doc_text).map_err(OpsError::Parse)?;
    let mut operations = Vec::new();
    for (path, item) in &doc.paths {
        let shared: Vec<Param> = item
            .parameters
            .iter()
            .map(|p| resolve(p, &doc))
            .collect::<Result<_, _>>()?;
        let methods = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, raw) in methods {
            let Some(raw) = raw else { continue };
            let own: Vec<Param> = raw
                .parameters
                .iter()
                .map(|p| resolve(p, &doc))
                .collect::<Result<_, _>>()?;
            let mut params: Vec<Param> = shared
                .iter()
                .filter(|s| !own.iter().any(|o| o.name == s.name))
                .cloned()
                .collect();
            params.extend(own);
            let mut responses = raw
                .responses
                .keys()
                .map(|code| {
                    code.parse::<u16>()
                        .map_err(|_| OpsError::BadResponseCode((*code).to_owned()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            responses.sort_unstable();
            operations.push(Operation {
                id: raw.operation_id,
                method,
                path,
                action: raw.action,
                params,
                responses,
                consumes: raw.consumes.iter().map(|c| (*c).to_owned()).collect(),
            });
        }
    }
    Ok(operations)
}

/// All 11 operations, parsed once from the compiled-in OpenAPI subset.
pub fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        // The document is compiled in and `ops::tests` parses it, so a failure here is a build-time data bug.
        parse_operations(OPENAPI_V2).expect("the vendored OpenAPI subset parses")
    })
}

/// The operation with this operationId.
pub fn operation(id: &str) -> Option<&'static Operation> {
    operations().iter().find(|op| op.id == id)
}

/// The operation serving `method` on a concrete request `path` (query string excluded), with the path
/// parameters it binds, e.g. `("GET", "/api/v1/namespaces/ns1/endpoints/ep-1")` →
/// `readCoreV1NamespacedEndpoints` with `namespace=ns1`, `name=ep-1`.
pub fn match_request(
    method: &str,
    path: &str,
) -> Option<(&'static Operation, Vec<(&'static str, String)>)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    operations()
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .find_map(|op| {
            let template: Vec<&'static str> = op.path.split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut bound = Vec::new();
            for (pattern, actual) in template.iter().zip(&segments) {
                match pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if !actual.is_empty() => bound.push((name, (*actual).to_owned())),
                    Some(_) => return None,
                    None if pattern == actual => {}
                    None => return None,
                }
            }
            Some((op, bound))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_document_parses_into_eleven_operations() {
        let ops = parse_operations(OPENAPI_V2).unwrap();
        assert_eq!(ops.len(), 11);
        let patch = ops
            .iter()
            .find(|o| o.id == "patchCoreV1NamespacedEndpoints")
            .unwrap();
        assert_eq!(patch.method, "PATCH");
        assert_eq!(patch.action, "patch");
        assert_eq!(patch.responses, vec![200, 201, 401]);
        assert!(
            patch
                .consumes
                .iter()
                .any(|c| c == "application/apply-patch+yaml")
        );
        let name = patch.param("name").unwrap();
        assert_eq!(
            (name.location, name.ty, name.required),
            (ParamIn::Path, "string", true)
        );
        assert_eq!(patch.param("force").unwrap().ty, "boolean");
        assert_eq!(patch.param("body").unwrap().location, ParamIn::Body);
        assert!(
            patch.declares("pretty"),
            "path-level parameters are merged in"
        );
    }

    #[test]
    fn concrete_paths_match_their_operation() {
        let (op, bound) = match_request("GET", "/api/v1/namespaces/ns1/endpoints/ep-1").unwrap();
        assert_eq!(op.id, "readCoreV1NamespacedEndpoints");
        assert_eq!(
            bound,
            vec![("namespace", "ns1".to_owned()), ("name", "ep-1".to_owned())]
        );
        assert_eq!(
            match_request("DELETE", "/api/v1/namespaces/ns1/endpoints")
                .unwrap()
                .0
                .id,
            "deleteCoreV1CollectionNamespacedEndpoints"
        );
        assert_eq!(
            match_request("GET", "/api/v1/watch/endpoints")
                .unwrap()
                .0
                .id,
            "watchCoreV1EndpointsListForAllNamespaces"
        );
        assert!(match_request("POST", "/api/v1/namespaces/ns1/endpoints/ep-1").is_none());
        assert!(match_request("GET", "/api/v1/namespaces//endpoints").is_none());
    }

    #[test]
    fn unresolved_references_are_errors() {
        let doc = r##"{"parameters":{},"paths":{"/x":{"get":{"operationId":"x","x-kubernetes-action":"get","parameters":[{"$ref":"#/parameters/nope"}],"responses":{"200":{}}}}}}"##;
        assert!(matches!(
            parse_operations(doc),
            Err(OpsError::UnresolvedRef(_))
        ));
    }
}
