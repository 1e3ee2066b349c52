//! Hand-written EndpointSlice cases from the recordings in `transcripts/endpointslice/`: what
//! passes where one would not guess (zone, port numbers, 101 ports, an IP in an FQDN slice), the
//! decoder's refusals, the unknown-field warnings, several errors at once, and the immutable
//! address type (a patch).

use std::collections::BTreeMap;

use kconform_spec::K8sVersion;
use serde_json::{Value, json};

use crate::corner::{CornerCase, Replay, before_1_36, cause, invalid_by_version, rules_of};
use crate::expect::{Expectation, ExpectedCause, Outcome, VersionRange, by_version};
use crate::invalid::Body;
use crate::text;

fn slice(name: &str, address_type: &str, endpoints: Value) -> Value {
    json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": name},
        "addressType": address_type, "endpoints": endpoints,
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]})
}

fn with_addresses(address_type: &str, addresses: &[&str]) -> Value {
    slice("es-1", address_type, json!([{ "addresses": addresses }]))
}

/// A valid case: 201 at `versions` with these warnings and dropped fields.
fn valid(
    name: &str,
    body: Value,
    versions: VersionRange,
    outcome: impl Fn(K8sVersion) -> Outcome,
) -> CornerCase {
    CornerCase {
        name: name.to_owned(),
        valid: true,
        rules: Vec::new(),
        body: Body::Json(body),
        expected: by_version(|v| versions.contains(v).then(|| outcome(v))),
        replay: Replay::default(),
    }
}

fn created(_: K8sVersion) -> Outcome {
    Outcome::created()
}

fn strict() -> Replay {
    Replay {
        query: BTreeMap::from([("fieldValidation".to_owned(), "Strict".to_owned())]),
        ..Replay::default()
    }
}

/// The scheme kube-apiserver names when a kind is not registered: recorded on 1.28 and 1.36 only,
/// so no message is claimed for the versions between.
fn not_registered(kind: &str, group_version: &str, v: K8sVersion) -> Option<String> {
    let scheme = match v.minor {
        28 => "pkg/runtime/scheme.go:100",
        36 => "pkg/api/legacyscheme/scheme.go:30",
        _ => return None,
    };
    Some(format!(
        "{kind} in version \"v1\" cannot be handled as a EndpointSlice: no kind \"{kind}\" is registered for version \"{group_version}\" in scheme \"{scheme}\""
    ))
}

fn refused(
    name: &str,
    rule: &str,
    body: Value,
    message: impl Fn(K8sVersion) -> Option<String>,
) -> CornerCase {
    CornerCase {
        name: name.to_owned(),
        valid: false,
        rules: vec![rule.to_owned()],
        body: Body::Json(body),
        expected: by_version(|v| Some(Outcome::bad_request(message(v)))),
        replay: Replay::default(),
    }
}

const STRICT_PREFIX: &str =
    "EndpointSlice in version \"v1\" cannot be handled as a EndpointSlice: strict decoding error: ";

/// Every hand-written case, valid first.
pub fn corner_cases() -> Vec<CornerCase> {
    let all = VersionRange::ALL;
    let fqdn_warning =
        |_: K8sVersion| Outcome::created_with(vec![text::FQDN_DEPRECATED.to_owned()], Vec::new());
    let ports_101: Vec<Value> = (0..101)
        .map(|k| json!({"name": format!("p-{k}"), "port": 1000 + k}))
        .collect();
    let addresses_100: Vec<String> = (0..100).map(|k| format!("10.1.0.{}", k + 2)).collect();
    let zones_8: Vec<Value> = (0..8)
        .map(|k| json!({"name": format!("zone-{k}")}))
        .collect();
    let nodes_8: Vec<Value> = (0..8)
        .map(|k| json!({"name": format!("node-{k}")}))
        .collect();
    let unknown = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-1"},
        "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"], "bar": 1}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}], "foo": "bar"});
    let for_nodes = slice(
        "es-1",
        "IPv4",
        json!([{"addresses": ["10.1.2.3"], "zone": "zone-a", "nodeName": "node-1",
            "hints": {"forZones": [{"name": "zone-a"}], "forNodes": [{"name": "node-1"}]}}]),
    );
    let for_nodes_path = "endpoints[0].hints.forNodes";
    let mut cases = vec![
        valid(
            "fqdn-holding-ip",
            with_addresses("FQDN", &["10.1.2.3"]),
            all,
            fqdn_warning,
        ),
        valid(
            "zone-unchecked",
            slice(
                "es-1",
                "IPv4",
                json!([{"addresses": ["10.1.2.3"], "zone": "zone a"}, {"addresses": ["10.1.2.4"], "zone": "zone!"},
                    {"addresses": ["10.1.2.5"], "zone": "z".repeat(64)}]),
            ),
            all,
            created,
        ),
        valid(
            "port-numbers-unchecked",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-1"},
                "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}],
                "ports": [{"name": "zero", "port": 0}, {"name": "above", "port": 65536}, {"name": "negative", "port": -1}]}),
            all,
            created,
        ),
        valid(
            "ports-101",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-1"},
                "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}], "ports": ports_101}),
            all,
            created,
        ),
        valid(
            "addresses-100",
            slice("es-1", "IPv4", json!([{ "addresses": addresses_100 }])),
            all,
            created,
        ),
        valid(
            "hints-for-zones-8",
            slice(
                "es-1",
                "IPv4",
                json!([{"addresses": ["10.1.2.3"], "hints": {"forZones": zones_8}}]),
            ),
            all,
            created,
        ),
        valid(
            "hints-for-nodes-8",
            slice(
                "es-1",
                "IPv4",
                json!([{"addresses": ["10.1.2.3"], "hints": {"forNodes": nodes_8}}]),
            ),
            all,
            |v| {
                if v.at_least(33) {
                    Outcome::created()
                } else {
                    Outcome::created_with(
                        vec![text::unknown_field(for_nodes_path)],
                        vec![for_nodes_path.to_owned()],
                    )
                }
            },
        ),
        valid(
            "endpoints-empty",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-1"},
                "addressType": "IPv4", "endpoints": []}),
            all,
            created,
        ),
        valid(
            "no-endpoints",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-2"},
                "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}),
            all,
            created,
        ),
        valid(
            "deprecated-topology",
            slice(
                "es-1",
                "IPv4",
                json!([{"addresses": ["10.1.2.3"], "deprecatedTopology": {"kubernetes.io/hostname": "node-1"}}]),
            ),
            all,
            |_| {
                Outcome::created_with(
                    Vec::new(),
                    vec!["endpoints[0].deprecatedTopology".to_owned()],
                )
            },
        ),
        valid(
            "no-type-meta",
            json!({"metadata": {"name": "es-4"}, "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}],
                "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}),
            all,
            created,
        ),
        valid(
            "ip-leading-zeros",
            with_addresses("IPv4", &["010.1.1.1"]),
            before_1_36(),
            created,
        ),
        valid(
            "ipv4-mapped-in-ipv4-slice",
            with_addresses("IPv4", &["::ffff:10.1.1.1"]),
            before_1_36(),
            created,
        ),
        valid("unknown-fields-warned", unknown.clone(), all, |_| {
            Outcome::created_with(
                vec![
                    text::unknown_field("endpoints[0].bar"),
                    text::unknown_field("foo"),
                ],
                vec!["endpoints[0].bar".to_owned(), "foo".to_owned()],
            )
        }),
    ];

    cases.push(refused(
        "wrong-kind-endpoints",
        "D5",
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "Endpoints", "metadata": {"name": "es-1"},
            "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}]}),
        |v| not_registered("Endpoints", "discovery.k8s.io/v1", v),
    ));
    cases.push(refused(
        "api-version-v1",
        "D5",
        json!({"apiVersion": "v1", "kind": "EndpointSlice", "metadata": {"name": "es-2"},
            "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}]}),
        |v| not_registered("EndpointSlice", "v1", v),
    ));
    cases.push(refused(
        "api-version-v1beta1",
        "D5",
        json!({"apiVersion": "discovery.k8s.io/v1beta1", "kind": "EndpointSlice", "metadata": {"name": "es-3"},
            "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}]}),
        |_| {
            Some("the API version in the data (discovery.k8s.io/v1beta1) does not match the expected API version (discovery.k8s.io/v1)".to_owned())
        },
    ));
    cases.push(CornerCase {
        replay: strict(),
        ..refused("strict-unknown-fields", "D4", unknown, |_| {
            Some(format!(
                "{STRICT_PREFIX}unknown field \"endpoints[0].bar\", unknown field \"foo\""
            ))
        })
    });
    let strict_nodes = by_version(|v| {
        Some(if v.at_least(33) {
            Outcome::created()
        } else {
            Outcome::bad_request(Some(format!(
                "{STRICT_PREFIX}unknown field \"{for_nodes_path}\""
            )))
        })
    });
    cases.push(CornerCase {
        name: "strict-hints-for-nodes".to_owned(),
        valid: false,
        rules: vec!["D4".to_owned()],
        body: Body::Json(for_nodes),
        expected: strict_nodes,
        replay: strict(),
    });

    let multiple = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "es-1"},
        "addressType": "IPv4", "endpoints": [{"addresses": ["foo"]}],
        "ports": [{"name": "Bad_Name", "port": 80, "protocol": "HTTP"}]});
    let protocol = ExpectedCause::new(
        "ES-P3",
        "FieldValueNotSupported",
        "ports[0].protocol",
        Some(
            "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"".to_owned(),
        ),
    );
    cases.push(invalid_by_version("multiple-errors", multiple, |v| {
        let name = cause("ES-P1", "ports[0].name", "Bad_Name", text::DNS_LABEL_REGEX);
        let address = "endpoints[0].addresses[0]";
        let causes = if v.at_least(33) {
            vec![
                name,
                protocol.clone(),
                cause(
                    "ES-I1",
                    address,
                    "foo",
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                ),
            ]
        } else {
            vec![
                cause("ES-I1-old4", address, "foo", "must be a valid IPv4 address"),
                cause("ES-I1-old", address, "foo", "must be a valid IP address"),
                name,
                protocol.clone(),
            ]
        };
        Some(Outcome::invalid(causes))
    }));
    cases.push(invalid_by_version(
        "ES-I3-ipv4-slice",
        with_addresses("IPv4", &["::ffff:10.1.1.1"]),
        |v| {
            v.at_least(36).then(|| {
                Outcome::invalid(vec![cause(
                    "ES-I3",
                    "endpoints[0].addresses[0]",
                    "::ffff:10.1.1.1",
                    "must not be an IPv4-mapped IPv6 address",
                )])
            })
        },
    ));
    let immutable: Vec<Expectation> = by_version(|_| {
        Some(Outcome::invalid(vec![cause(
            "ES-T3",
            "addressType",
            "IPv6",
            "field is immutable",
        )]))
    });
    cases.push(CornerCase {
        name: "ES-T3-patch".to_owned(),
        valid: false,
        rules: rules_of(&immutable),
        body: Body::Json(
            json!({"addressType": "IPv6", "endpoints": [{"addresses": ["2001:db8::1"]}]}),
        ),
        expected: immutable,
        replay: Replay {
            stored: Some(with_addresses("IPv4", &["10.1.2.3"])),
            ..Replay::default()
        },
    });
    cases
}
