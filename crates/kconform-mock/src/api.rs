//! The resources the reference server stores, and what differs between them: names, decoding,
//! defaulting, validation and warnings, each from `kconform_spec`. Everything else (the store, the
//! watch hub, the field manager, the handlers' order of checks) is shared, so a handler asks the
//! request's [`Api`] where the two differ and nothing else.

use kconform_spec::K8sVersion;
use kconform_spec::cause::{Cause, reason};
use kconform_spec::decode::{BodyFormat, DecodeError, Decoded};
use kconform_spec::endpointslice;
use kconform_spec::gotext::go_quote;
use kconform_spec::status::ApiResource;
use serde_json::{Map, Value};

use crate::{Fault, FaultSet};

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

    /// Whether the server speaks protobuf for this resource: whenever the spec's codec has a message
    /// for its kind and its list (both resources do; a resource without would answer JSON).
    pub(crate) fn protobuf(self) -> bool {
        kconform_spec::protobuf::has_message(self.kind())
            && kconform_spec::protobuf::has_message(self.list_kind())
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
        faults: &FaultSet,
    ) -> Result<Decoded, DecodeError> {
        match self {
            Api::Endpoints => kconform_spec::decode::decode_endpoints_for(body, format, v),
            // Fault es-hints-for-nodes-kept: before 1.33 the Go struct has no `hints.forNodes`;
            // decoding with 1.33's struct keeps it (no unknown-field Warning, no Strict 400).
            Api::EndpointSlices if faults.has(Fault::EsHintsForNodesKept) && !v.at_least(33) => {
                endpointslice::decode::decode_with_structs_of(body, format, v, K8sVersion::new(33))
            }
            Api::EndpointSlices => endpointslice::decode::decode_for(body, format, v),
        }
    }

    /// Defaulting, field dropping and Go's encoding of a decoded object (after the generic
    /// `omit_empty`).
    pub(crate) fn default(self, object: &mut Value, faults: &FaultSet) {
        let no_default_protocol = faults.has(Fault::NoDefaultProtocol);
        match self {
            Api::Endpoints => {
                if !no_default_protocol {
                    kconform_spec::defaults::default_endpoints(object);
                }
            }
            Api::EndpointSlices => {
                // Fault es-port-name-not-defaulted: a port without a name stays without one.
                let unnamed: Vec<bool> = ports(object)
                    .map(|port| port.get("name").is_none_or(Value::is_null))
                    .collect();
                if !no_default_protocol {
                    endpointslice::defaults::default_endpoint_slice(object);
                }
                if faults.has(Fault::EsPortNameNotDefaulted) {
                    for (port, unnamed) in ports_mut(object).zip(unnamed) {
                        if unnamed {
                            port.remove("name");
                        }
                    }
                }
                // Fault es-deprecated-topology-kept: the v1 strategy's drop is skipped.
                if !faults.has(Fault::EsDeprecatedTopologyKept) {
                    endpointslice::defaults::drop_fields(object);
                }
                endpointslice::defaults::go_round_trip(object);
            }
        }
    }

    /// The strategy's `PrepareForCreate` beyond defaulting: EndpointSlice starts at generation 1.
    pub(crate) fn prepare_create(self, object: &mut Value, faults: &FaultSet) {
        // Fault es-generation-not-set: no generation on create.
        if self == Api::EndpointSlices && !faults.has(Fault::EsGenerationNotSet) {
            crate::objects::set_meta(object, "generation", Value::from(1));
        }
    }

    /// The strategy's `PrepareForUpdate` (after `BeforeUpdate` copied the stored generation):
    /// EndpointSlice's generation moves with its endpoints, ports, address type and labels.
    pub(crate) fn prepare_update(self, object: &mut Value, old: &Value, faults: &FaultSet) {
        if self != Api::EndpointSlices {
            return;
        }
        let mut compared = object.clone();
        // Fault es-generation-ignores-ports: the ports are left out of the comparison.
        if faults.has(Fault::EsGenerationIgnoresPorts) {
            compared["ports"] = old.get("ports").cloned().unwrap_or(Value::Null);
        }
        let mut generation = endpointslice::defaults::generation_after_update(&compared, old);
        // Fault es-generation-counts-annotations: an annotation change counts as a spec change.
        let annotations = |obj: &Value| obj.pointer("/metadata/annotations").cloned();
        if faults.has(Fault::EsGenerationCountsAnnotations)
            && annotations(object) != annotations(old)
            && generation
                == old
                    .pointer("/metadata/generation")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
        {
            generation += 1;
        }
        crate::objects::set_meta(object, "generation", Value::from(generation));
    }

    /// The object as storage gives it back (EndpointSlice: empty lists become `null`), after the
    /// field manager saw it as sent.
    pub(crate) fn storage_form(self, object: &mut Value, faults: &FaultSet) {
        if self != Api::EndpointSlices {
            return;
        }
        // Fault es-empty-endpoints-stored: `[]` is kept as sent.
        if !faults.has(Fault::EsEmptyEndpointsStored) {
            endpointslice::defaults::storage_form(object);
        }
        // Fault es-null-lists-omitted: the `null` lists Go writes are left out.
        if faults.has(Fault::EsNullListsOmitted)
            && let Some(map) = object.as_object_mut()
        {
            map.retain(|key, value| {
                !(matches!(key.as_str(), "endpoints" | "ports") && value.is_null())
            });
        }
    }

    /// Create validation.
    pub(crate) fn validate(self, object: &Value, v: K8sVersion, faults: &FaultSet) -> Vec<Cause> {
        match self {
            Api::Endpoints => kconform_spec::validate::validate(object, v),
            Api::EndpointSlices => {
                let mut causes = endpointslice::validate::validate(object, v);
                // Fault es-ip-address-type-creatable: the deprecated `IP` type passes on create.
                if faults.has(Fault::EsIpAddressTypeCreatable) {
                    causes.retain(|c| {
                        !(c.field == "addressType"
                            && c.message.starts_with("Unsupported value: \"IP\""))
                    });
                }
                slice_validation_faults(object, v, faults, &mut causes);
                causes
            }
        }
    }

    /// Update validation.
    pub(crate) fn validate_update(
        self,
        new: &Value,
        old: &Value,
        v: K8sVersion,
        faults: &FaultSet,
    ) -> Vec<Cause> {
        match self {
            Api::Endpoints => kconform_spec::validate::validate_update(new, old, v),
            Api::EndpointSlices => {
                let mut causes = endpointslice::validate::validate_update(new, old, v);
                // Fault es-address-type-mutable: the immutability check is skipped.
                if faults.has(Fault::EsAddressTypeMutable) {
                    causes.retain(|c| {
                        !(c.field == "addressType" && c.message.ends_with("field is immutable"))
                    });
                }
                slice_validation_faults(new, v, faults, &mut causes);
                causes
            }
        }
    }

    /// The warnings of a write that passed validation.
    pub(crate) fn warnings(self, object: &Value, v: K8sVersion, faults: &FaultSet) -> Vec<String> {
        match self {
            Api::Endpoints => kconform_spec::warnings::ip_warnings(object, v),
            // Fault es-fqdn-warning-missing: no FQDN deprecation Warning.
            Api::EndpointSlices if faults.has(Fault::EsFqdnWarningMissing) => Vec::new(),
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

/// The ports of a slice.
fn ports(object: &Value) -> impl Iterator<Item = &Map<String, Value>> {
    object
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn ports_mut(object: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    object
        .get_mut("ports")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn too_many(field: &str, count: usize, max: usize) -> Cause {
    Cause::new(
        reason::TOO_MANY,
        format!("Too many: {count}: must have at most {max} items"),
        field,
    )
}

fn invalid_value(field: &str, value: &str, detail: &str) -> Cause {
    Cause::new(
        reason::INVALID,
        format!("Invalid value: {value}: {detail}"),
        field,
    )
}

/// The validation fault switches that add a cause kube-apiserver does not give: checks it does not
/// make (port range, number of ports, zone, an IP in an FQDN slice) and limits checked with `>=`.
fn slice_validation_faults(
    object: &Value,
    v: K8sVersion,
    faults: &FaultSet,
    causes: &mut Vec<Cause>,
) {
    let list = |obj: &Value, key: &str| {
        obj.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let endpoints = list(object, "endpoints");
    // Fault es-endpoints-limit-off-by-one: 1000 endpoints are already too many.
    if faults.has(Fault::EsEndpointsLimitOffByOne) && endpoints.len() == 1000 {
        causes.push(too_many("endpoints", 1000, 1000));
    }
    let fqdn = object.get("addressType").and_then(Value::as_str) == Some("FQDN");
    for (i, endpoint) in endpoints.iter().enumerate() {
        let addresses = list(endpoint, "addresses");
        // Fault es-addresses-limit-off-by-one: 100 addresses are already too many.
        if faults.has(Fault::EsAddressesLimitOffByOne) && addresses.len() == 100 {
            causes.push(too_many(&format!("endpoints[{i}].addresses"), 100, 100));
        }
        // Fault es-fqdn-rejects-ip: an FQDN slice refuses IP addresses.
        if faults.has(Fault::EsFqdnRejectsIp) && fqdn {
            for (j, address) in addresses.iter().enumerate() {
                let address = address.as_str().unwrap_or("");
                if kconform_spec::ip::parse_ip_sloppy(address).is_some() {
                    causes.push(invalid_value(
                        &format!("endpoints[{i}].addresses[{j}]"),
                        &go_quote(address),
                        "must be a fully qualified domain name, not an IP address",
                    ));
                }
            }
        }
        // Fault es-zone-validated: the zone is checked as a label value.
        if faults.has(Fault::EsZoneValidated)
            && let Some(zone) = endpoint.get("zone").and_then(Value::as_str)
        {
            for msg in kconform_spec::names::label_value(zone, v) {
                causes.push(invalid_value(
                    &format!("endpoints[{i}].zone"),
                    &go_quote(zone),
                    &msg,
                ));
            }
        }
        // Fault es-zone-hints-limit-off-by-one: 8 zone hints are already too many.
        let zones = endpoint
            .pointer("/hints/forZones")
            .and_then(Value::as_array);
        if faults.has(Fault::EsZoneHintsLimitOffByOne) && zones.is_some_and(|z| z.len() == 8) {
            causes.push(too_many(&format!("endpoints[{i}].hints.forZones"), 8, 8));
        }
    }
    let ports = list(object, "ports");
    // Fault es-ports-limit-enforced: at most 100 ports, as for endpoints.
    if faults.has(Fault::EsPortsLimitEnforced) && ports.len() > 100 {
        causes.push(too_many("ports", ports.len(), 100));
    }
    // Fault es-port-range-validated: port numbers must be 1..65535, as for Endpoints.
    if faults.has(Fault::EsPortRangeValidated) {
        for (k, port) in ports.iter().enumerate() {
            if let Some(number) = port.get("port").and_then(Value::as_i64)
                && !(1..=65535).contains(&number)
            {
                causes.push(invalid_value(
                    &format!("ports[{k}].port"),
                    &number.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
    }
}
