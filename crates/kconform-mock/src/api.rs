//! The resources the reference server stores, and what differs between them: names, decoding,
//! defaulting, validation and warnings, each from `kconform_spec`. Everything else (the store, the
//! watch hub, the field manager, the handlers' order of checks) is shared, so a handler asks the
//! request's [`Api`] where the two differ and nothing else.

use kconform_spec::K8sVersion;
use kconform_spec::cause::Cause;
use kconform_spec::decode::{BodyFormat, DecodeError, Decoded};
use kconform_spec::endpointslice;
use kconform_spec::status::ApiResource;
use serde_json::Value;

/// A stored resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// core/v1 Endpoints.
    Endpoints,
    /// discovery.k8s.io/v1 EndpointSlice.
    EndpointSlices,
}

impl Api {
    /// Every stored resource.
    pub const ALL: [Api; 2] = [Api::Endpoints, Api::EndpointSlices];

    /// The resource as Status bodies name it.
    pub(crate) fn resource(self) -> &'static ApiResource {
        match self {
            Api::Endpoints => &ApiResource::ENDPOINTS,
            Api::EndpointSlices => &endpointslice::RESOURCE,
        }
    }

    /// The objects' `apiVersion`.
    pub(crate) fn api_version(self) -> &'static str {
        match self {
            Api::Endpoints => "v1",
            Api::EndpointSlices => "discovery.k8s.io/v1",
        }
    }

    /// The objects' `kind`.
    pub(crate) fn kind(self) -> &'static str {
        self.resource().kind
    }

    /// The kind of a list.
    pub(crate) fn list_kind(self) -> &'static str {
        match self {
            Api::Endpoints => "EndpointsList",
            Api::EndpointSlices => "EndpointSliceList",
        }
    }

    /// The etcd key prefix under `/registry` (storage errors name it).
    pub(crate) fn registry_key(self) -> &'static str {
        match self {
            Api::Endpoints => "services/endpoints",
            Api::EndpointSlices => "endpointslices",
        }
    }

    /// Whether the server speaks protobuf for this resource (EndpointSlice answers JSON only).
    pub(crate) fn protobuf(self) -> bool {
        self == Api::Endpoints
    }

    /// The fields Go writes for an empty object besides its metadata (a BOOKMARK's object): those
    /// without `omitempty`.
    pub(crate) fn empty_object_fields(self) -> &'static [(&'static str, Value)] {
        static SLICE: std::sync::LazyLock<[(&'static str, Value); 3]> =
            std::sync::LazyLock::new(|| {
                [
                    ("addressType", Value::String(String::new())),
                    ("endpoints", Value::Null),
                    ("ports", Value::Null),
                ]
            });
        match self {
            Api::Endpoints => &[],
            Api::EndpointSlices => SLICE.as_slice(),
        }
    }

    /// Decodes a POST or PUT body.
    pub(crate) fn decode(
        self,
        body: &[u8],
        format: BodyFormat,
        v: K8sVersion,
    ) -> Result<Decoded, DecodeError> {
        match self {
            Api::Endpoints => kconform_spec::decode::decode_endpoints_for(body, format, v),
            Api::EndpointSlices => endpointslice::decode::decode_for(body, format, v),
        }
    }

    /// Defaulting, field dropping and Go's encoding of a decoded object (after the generic
    /// `omit_empty`).
    pub(crate) fn default(self, object: &mut Value, no_default_protocol: bool) {
        match self {
            Api::Endpoints => {
                if !no_default_protocol {
                    kconform_spec::defaults::default_endpoints(object);
                }
            }
            Api::EndpointSlices => {
                if !no_default_protocol {
                    endpointslice::defaults::default_endpoint_slice(object);
                }
                endpointslice::defaults::drop_fields(object);
                endpointslice::defaults::go_round_trip(object);
            }
        }
    }

    /// The strategy's `PrepareForCreate` beyond defaulting: EndpointSlice starts at generation 1.
    pub(crate) fn prepare_create(self, object: &mut Value) {
        if self == Api::EndpointSlices {
            crate::objects::set_meta(object, "generation", Value::from(1));
        }
    }

    /// The strategy's `PrepareForUpdate` (after `BeforeUpdate` copied the stored generation):
    /// EndpointSlice's generation moves with its endpoints, ports, address type and labels.
    pub(crate) fn prepare_update(self, object: &mut Value, old: &Value) {
        if self == Api::EndpointSlices {
            let generation = endpointslice::defaults::generation_after_update(object, old);
            crate::objects::set_meta(object, "generation", Value::from(generation));
        }
    }

    /// The object as storage gives it back (EndpointSlice: empty lists become `null`), after the
    /// field manager saw it as sent.
    pub(crate) fn storage_form(self, object: &mut Value) {
        if self == Api::EndpointSlices {
            endpointslice::defaults::storage_form(object);
        }
    }

    /// Create validation.
    pub(crate) fn validate(self, object: &Value, v: K8sVersion) -> Vec<Cause> {
        match self {
            Api::Endpoints => kconform_spec::validate::validate(object, v),
            Api::EndpointSlices => endpointslice::validate::validate(object, v),
        }
    }

    /// Update validation.
    pub(crate) fn validate_update(self, new: &Value, old: &Value, v: K8sVersion) -> Vec<Cause> {
        match self {
            Api::Endpoints => kconform_spec::validate::validate_update(new, old, v),
            Api::EndpointSlices => endpointslice::validate::validate_update(new, old, v),
        }
    }

    /// The warnings of a write that passed validation.
    pub(crate) fn warnings(self, object: &Value, v: K8sVersion) -> Vec<String> {
        match self {
            Api::Endpoints => kconform_spec::warnings::ip_warnings(object, v),
            Api::EndpointSlices => endpointslice::warnings(object, v),
        }
    }

    /// The deprecation warning every request of the resource carries, if any.
    pub(crate) fn deprecation_warning(self, v: K8sVersion) -> Option<&'static str> {
        match self {
            Api::Endpoints => kconform_spec::warnings::deprecation_warning(v),
            Api::EndpointSlices => None,
        }
    }
}
