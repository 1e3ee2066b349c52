//! The EndpointSlice operations, read from the OpenAPI v3 document kube-apiserver 1.36.2 serves for
//! `discovery.k8s.io/v1` (`data/openapi-v3-discovery-v1-v1.36.projected.json`, the recording's body:
//! each path with its operationIds).
//!
//! The recording keeps the operationIds, not the parameters, so each operation takes its parameters,
//! response codes and request media types from the Endpoints operation of the same action: kube-apiserver
//! installs every resource's REST verbs with the same generic parameters (`installer.go`), and the two
//! documents differ only in the path and the names.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::ops::{Operation, OpsError};

/// The recorded OpenAPI v3 document of `discovery.k8s.io/v1` (projected: operationIds and the
/// `io.k8s.api.discovery.*` schemas).
pub const OPENAPI_V3: &str =
    include_str!("../../data/openapi-v3-discovery-v1-v1.36.projected.json");

/// The Endpoints operationId whose action an EndpointSlice operationId has: the group and kind
/// spelled as core/v1 Endpoints spells them.
fn endpoints_twin(id: &str) -> String {
    id.replace("DiscoveryV1", "CoreV1")
        .replace("EndpointSlice", "Endpoints")
}

/// Parses `doc_text` (a projected OpenAPI v3 document) into the EndpointSlice operations, in path
/// order then get, put, post, delete, patch; the group-version discovery path is not an operation
/// of the resource.
///
/// # Errors
/// [`OpsError::Parse`] when the document is not JSON of that shape, [`OpsError::UnresolvedRef`] when
/// an operation has no Endpoints twin.
pub fn parse_operations(doc_text: &'static str) -> Result<Vec<Operation>, OpsError> {
    #[derive(serde::Deserialize)]
    struct Doc<'a> {
        #[serde(borrow)]
        paths: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
    }
    let doc: Doc<'static> = serde_json::from_str(doc_text).map_err(OpsError::Parse)?;
    let mut out = Vec::new();
    for (path, methods) in &doc.paths {
        if !path.contains("endpointslices") {
            continue;
        }
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(id) = methods.get(method) else {
                continue;
            };
            let twin_id = endpoints_twin(id);
            let twin = crate::ops::operation(&twin_id)
                .ok_or_else(|| OpsError::UnresolvedRef(twin_id.clone()))?;
            out.push(Operation {
                id,
                method: twin.method,
                path,
                action: twin.action,
                params: twin.params.clone(),
                responses: twin.responses.clone(),
                consumes: twin.consumes.clone(),
            });
        }
    }
    Ok(out)
}

/// The 11 EndpointSlice operations, parsed once.
pub fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| {
        // The document is compiled in and checked by a test; it cannot fail to parse at run time.
        parse_operations(OPENAPI_V3).expect("the recorded OpenAPI document parses")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_document_gives_the_eleven_operations_with_endpoints_parameters() {
        let ops = operations();
        assert_eq!(ops.len(), 11);
        let create = ops
            .iter()
            .find(|op| op.id == "createDiscoveryV1NamespacedEndpointSlice")
            .unwrap();
        assert_eq!(create.method, "POST");
        assert_eq!(create.action, "post");
        assert_eq!(
            create.path,
            "/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"
        );
        assert!(create.declares("fieldValidation"));
        let watch = ops
            .iter()
            .find(|op| op.id == "watchDiscoveryV1NamespacedEndpointSlice")
            .unwrap();
        assert_eq!(watch.action, "watch");
        let actions: std::collections::BTreeSet<&str> = ops.iter().map(|op| op.action).collect();
        assert_eq!(actions.len(), 9, "{actions:?}");
    }
}
