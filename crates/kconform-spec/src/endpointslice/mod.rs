//! discovery.k8s.io/v1 EndpointSlice as data and rules, beside core/v1 Endpoints.
//!
//! It reuses everything generic: the Status builders (with [`RESOURCE`]), causes, Go's texts, names,
//! IP parsing, the metadata rules, the decoding machinery, options, selectors and watch frames.
//! What is particular to EndpointSlice is here:
//! - [`ops`]: the operations, read from the recorded OpenAPI v3 document;
//! - [`decode`]: the Go structs per version (`hints.forNodes` from 1.33);
//! - [`defaults`]: port defaulting, `deprecatedTopology` dropped, Go's encoding of empty lists;
//! - [`rules`] and [`validate`]: the rules with stable ids and the exact causes per version;
//! - [`warnings`].

pub mod decode;
pub mod defaults;
pub mod ops;
pub mod rules;
pub mod validate;

use serde_json::Value;

use crate::status::ApiResource;
use crate::version::K8sVersion;

/// The resource as Status bodies name it.
pub const RESOURCE: ApiResource = ApiResource::ENDPOINT_SLICES;

/// The warning kube-apiserver sends for a slice of addressType FQDN.
pub const FQDN_DEPRECATED: &str = "spec.addressType: FQDN endpoints are deprecated";

/// The `Warning` texts of a create or update that passed validation.
pub fn warnings(obj: &Value, _v: K8sVersion) -> Vec<String> {
    let mut out = Vec::new();
    if obj.get("addressType").and_then(Value::as_str) == Some("FQDN") {
        out.push(FQDN_DEPRECATED.to_owned());
    }
    out
}
