//! EndpointSlice bodies decoded as kube-apiserver does, through the generic decoder of
//! [`crate::decode`] with the `discovery.k8s.io/v1` Go structs of each version.

use crate::decode::{
    BodyFormat, DecodeError, Decoded, OBJECT_META, OBJECT_REFERENCE, Refusal, Struct, Target, Ty,
    decode_json_for, decode_protobuf_for, not_registered,
};
use crate::version::K8sVersion;

static ENDPOINT_CONDITIONS: Struct = Struct {
    name: "EndpointConditions",
    fields: &[
        ("ready", Ty::Bool),
        ("serving", Ty::Bool),
        ("terminating", Ty::Bool),
    ],
};
static FOR_ZONE: Struct = Struct {
    name: "ForZone",
    fields: &[("name", Ty::Str)],
};
static FOR_NODE: Struct = Struct {
    name: "ForNode",
    fields: &[("name", Ty::Str)],
};
/// `EndpointHints` up to 1.32: no `forNodes` (added in 1.33), so 1.28 reports it as unknown.
static ENDPOINT_HINTS_OLD: Struct = Struct {
    name: "EndpointHints",
    fields: &[("forZones", Ty::Slice(&FOR_ZONE))],
};
static ENDPOINT_HINTS: Struct = Struct {
    name: "EndpointHints",
    fields: &[
        ("forZones", Ty::Slice(&FOR_ZONE)),
        ("forNodes", Ty::Slice(&FOR_NODE)),
    ],
};
static ENDPOINT_PORT: Struct = Struct {
    name: "EndpointPort",
    fields: &[
        ("name", Ty::Str),
        ("protocol", Ty::NamedStr("v1.Protocol")),
        ("port", Ty::Int32),
        ("appProtocol", Ty::Str),
    ],
};
/// The `Endpoint` and `EndpointSlice` structs around a version's `EndpointHints`.
macro_rules! endpoint_slice_structs {
    ($endpoint:ident, $slice:ident, $hints:expr) => {
        static $endpoint: Struct = Struct {
            name: "Endpoint",
            fields: &[
                ("addresses", Ty::StrSlice),
                ("conditions", Ty::Struct(&ENDPOINT_CONDITIONS)),
                ("hostname", Ty::Str),
                ("targetRef", Ty::Struct(&OBJECT_REFERENCE)),
                ("deprecatedTopology", Ty::StrMap),
                ("nodeName", Ty::Str),
                ("zone", Ty::Str),
                ("hints", Ty::Struct($hints)),
            ],
        };
        static $slice: Struct = Struct {
            name: "EndpointSlice",
            fields: &[
                ("kind", Ty::Str),
                ("apiVersion", Ty::Str),
                ("metadata", Ty::Struct(&OBJECT_META)),
                ("addressType", Ty::NamedStr("v1.AddressType")),
                ("endpoints", Ty::Slice(&$endpoint)),
                ("ports", Ty::Slice(&ENDPOINT_PORT)),
            ],
        };
    };
}

endpoint_slice_structs!(ENDPOINT_OLD, ENDPOINT_SLICE_OLD, &ENDPOINT_HINTS_OLD);
endpoint_slice_structs!(ENDPOINT, ENDPOINT_SLICE, &ENDPOINT_HINTS);

/// The kinds `discovery.k8s.io/v1` registers besides EndpointSlice (the list and the meta kinds
/// `AddToGroupVersion` adds).
const DISCOVERY_V1_KINDS: &[&str] = &[
    "EndpointSliceList",
    "CreateOptions",
    "DeleteOptions",
    "GetOptions",
    "ListOptions",
    "PatchOptions",
    "UpdateOptions",
    "WatchEvent",
];

/// Another kind, or the same kind in another version, refused as the scheme and the codec do: an
/// EndpointSlice of `discovery.k8s.io/v1beta1` decodes (the scheme knows it) but the codec then
/// refuses its version; anything else is not registered or cannot be converted.
fn refuse(kind: &str, group_version: &str, v: K8sVersion) -> Refusal {
    match (group_version, kind) {
        ("discovery.k8s.io/v1beta1", "EndpointSlice") => Refusal::Message(format!(
            "the API version in the data ({group_version}) does not match the expected API version (discovery.k8s.io/v1)"
        )),
        ("discovery.k8s.io/v1", kind) if DISCOVERY_V1_KINDS.contains(&kind) => {
            Refusal::CannotHandle(format!(
                "converting (v1.{kind}) to (discovery.EndpointSlice): unknown conversion"
            ))
        }
        _ => Refusal::CannotHandle(not_registered(kind, group_version, v)),
    }
}

static TARGET_OLD: Target = Target {
    kind: "EndpointSlice",
    group: "discovery.k8s.io",
    version: "v1",
    root: &ENDPOINT_SLICE_OLD,
    refuse,
};
static TARGET: Target = Target {
    kind: "EndpointSlice",
    group: "discovery.k8s.io",
    version: "v1",
    root: &ENDPOINT_SLICE,
    refuse,
};

/// Decodes a POST or PUT body into an EndpointSlice as kube-apiserver 1.`v` does: unknown fields
/// (by the version's structs: `hints.forNodes` is unknown before 1.33) and type errors as for
/// Endpoints, with the kind's name in the texts.
///
/// # Errors
/// The [`DecodeError`] whose `Display` is kube-apiserver's 400 message; for a protobuf body, the
/// envelope's and the message's texts as for Endpoints.
pub fn decode_for(body: &[u8], format: BodyFormat, v: K8sVersion) -> Result<Decoded, DecodeError> {
    decode_with_structs_of(body, format, v, v)
}

/// [`decode_for`] with the Go structs of 1.`structs` and every text of 1.`v` (the reference server's
/// fault switch that keeps `hints.forNodes` before 1.33 decodes with 1.33's structs).
///
/// # Errors
/// As [`decode_for`].
pub fn decode_with_structs_of(
    body: &[u8],
    format: BodyFormat,
    v: K8sVersion,
    structs: K8sVersion,
) -> Result<Decoded, DecodeError> {
    let target = if structs.at_least(33) {
        &TARGET
    } else {
        &TARGET_OLD
    };
    if format != BodyFormat::Protobuf {
        return decode_json_for(body, format, v, target);
    }
    let mut decoded = decode_protobuf_for(body, v, target)?;
    if !structs.at_least(33) {
        // The Go struct before 1.33 has no `forNodes`: its field number is skipped as unknown,
        // silently (protobuf has no strict decoding), leaving `hints` without it.
        let endpoints = decoded
            .object
            .get_mut("endpoints")
            .and_then(serde_json::Value::as_array_mut);
        for endpoint in endpoints.into_iter().flatten() {
            if let Some(hints) = endpoint
                .get_mut("hints")
                .and_then(serde_json::Value::as_object_mut)
            {
                hints.remove("forNodes");
            }
        }
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_for_nodes_is_unknown_before_1_33() {
        let body = br#"{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"a"},"addressType":"IPv4","endpoints":[{"addresses":["10.1.2.3"],"hints":{"forNodes":[{"name":"n"}]}}]}"#;
        let old = decode_for(body, BodyFormat::Json, K8sVersion::new(28)).unwrap();
        assert_eq!(old.unknown_fields, ["endpoints[0].hints.forNodes"]);
        assert_eq!(
            old.strict_error().unwrap().to_string(),
            "EndpointSlice in version \"v1\" cannot be handled as a EndpointSlice: strict decoding error: unknown field \"endpoints[0].hints.forNodes\""
        );
        let new = decode_for(body, BodyFormat::Json, K8sVersion::new(36)).unwrap();
        assert!(new.unknown_fields.is_empty());
        assert_eq!(
            new.object.pointer("/endpoints/0/hints/forNodes/0/name"),
            Some(&serde_json::json!("n"))
        );
    }

    #[test]
    fn other_kinds_and_versions_are_refused_with_the_recorded_texts() {
        let v = K8sVersion::new(36);
        let err = |body: &[u8]| {
            decode_for(body, BodyFormat::Json, v)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(br#"{"apiVersion":"discovery.k8s.io/v1","kind":"Endpoints"}"#),
            "Endpoints in version \"v1\" cannot be handled as a EndpointSlice: no kind \"Endpoints\" is registered for version \"discovery.k8s.io/v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""
        );
        assert_eq!(
            err(br#"{"apiVersion":"discovery.k8s.io/v1beta1","kind":"EndpointSlice"}"#),
            "the API version in the data (discovery.k8s.io/v1beta1) does not match the expected API version (discovery.k8s.io/v1)"
        );
        let defaulted = decode_for(br#"{"metadata":{"name":"a"}}"#, BodyFormat::Json, v).unwrap();
        assert_eq!(defaulted.object["apiVersion"], "discovery.k8s.io/v1");
        assert_eq!(defaulted.object["kind"], "EndpointSlice");
    }

    #[test]
    fn protobuf_bodies_decode_like_their_json_twins() {
        let slice = serde_json::json!({"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": "a", "creationTimestamp": null}, "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {"ready": true},
                "hints": {"forNodes": [{"name": "n"}]}}],
            "ports": [{"name": "", "protocol": "TCP", "port": 80}]});
        let bytes = crate::protobuf::encode(&slice).unwrap();
        let new = decode_for(&bytes, BodyFormat::Protobuf, K8sVersion::new(36)).unwrap();
        assert_eq!(new.object, slice);
        assert!(new.unknown_fields.is_empty() && new.strict_error().is_none());
        // Before 1.33 field 2 of EndpointHints is unknown and skipped, silently.
        let old = decode_for(&bytes, BodyFormat::Protobuf, K8sVersion::new(28)).unwrap();
        assert_eq!(old.object["endpoints"][0]["hints"], serde_json::json!({}));
        assert!(old.unknown_fields.is_empty());
        // Without kind and apiVersion the request's are taken.
        let bare = crate::protobuf::Unknown {
            raw: crate::protobuf::parse_envelope(&bytes).unwrap().raw,
            ..Default::default()
        };
        let defaulted =
            decode_for(&bare.to_bytes(), BodyFormat::Protobuf, K8sVersion::new(36)).unwrap();
        assert_eq!(defaulted.object, slice);
    }

    #[test]
    fn protobuf_bodies_of_other_kinds_are_refused_with_the_decoder_texts() {
        let v = K8sVersion::new(36);
        let err = |bytes: &[u8]| {
            decode_for(bytes, BodyFormat::Protobuf, v)
                .unwrap_err()
                .to_string()
        };
        let list = crate::protobuf::encode_list(
            "EndpointSliceList",
            "discovery.k8s.io/v1",
            &serde_json::Map::new(),
            [],
        )
        .unwrap();
        assert_eq!(
            err(&list),
            "EndpointSliceList in version \"v1\" cannot be handled as a EndpointSlice: converting (v1.EndpointSliceList) to (discovery.EndpointSlice): unknown conversion"
        );
        assert_eq!(
            err(b"{}"),
            "the object provided is unrecognized (must be of type EndpointSlice): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({})"
        );
        let endpoints = crate::protobuf::encode(
            &serde_json::json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {}}),
        )
        .unwrap();
        assert!(err(&endpoints).starts_with(
            "Endpoints in version \"v1\" cannot be handled as a EndpointSlice: no kind \"Endpoints\" is registered"
        ));
    }
}
