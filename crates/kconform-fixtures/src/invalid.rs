//! Invalid Endpoints: one mutator per validation or decode rule that a create (POST) can reach.
//!
//! Each mutator starts from a valid object accepted by every version, breaks exactly one rule, and
//! states what the server answers — written here from the behaviour document and the real-server
//! recordings, never computed by `kconform_spec::validate` (tests compare the two).
//! The violation is placed through shrinkable indices that are resolved against the object's current
//! size, so it survives shrinking and shrinking ends at a minimal object.

use kconform_spec::K8sVersion;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value, json};

use crate::bad::{self, BadQualifiedName, QualifiedFault};
use crate::expect::{
    Expectation, ExpectedCause, Outcome, PerVersion, bad_request, by_version, invalid_always,
    invalid_fixed, label_causes, qualified_causes,
};
use crate::ip;
use crate::model::{Address, Endpoints, Port, Subset};
use crate::names;
use crate::text::{self, dns_label_regex, dns_subdomain_regex, dots, max63, max253};
use crate::valid::base_model;

/// A request body: a JSON object, or raw bytes for bodies that are not a JSON object at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A JSON value (sent as JSON, or converted to YAML).
    Json(Value),
    /// Bytes sent as they are with `Content-Type: application/json`.
    Raw(Vec<u8>),
}

impl Body {
    /// The bytes sent on the wire with `Content-Type: application/json`.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        match self {
            // Serialising a `Value` cannot fail: all map keys are strings.
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Raw(b) => b.clone(),
        }
    }
}

/// An invalid object with the rule it breaks and the answers a server must give.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidEndpoints {
    /// The id of the broken rule in `kconform_spec::rules`.
    pub rule: &'static str,
    /// What is POSTed.
    pub body: Body,
    /// The expected answer per range of versions. Versions not covered are not expected to reject the body
    /// (e.g. leading-zero IPs before 1.36).
    pub expected: Vec<Expectation>,
}

/// Every rule id that has a mutator, in `kconform_spec::rules` table order.
pub const MUTATED_RULES: &[&str] = &[
    "S1",
    "A1",
    "A2",
    "A3",
    "A5",
    "A6",
    "A7",
    "A8",
    "H1",
    "H1-dots",
    "H1-long",
    "N1",
    "N1-long",
    "P1",
    "P2",
    "P2-dots",
    "P2-long",
    "P4-range",
    "P4-int32",
    "P6",
    "P7",
    "P7-empty",
    "P7-prefix",
    "P7-slashes",
    "P7-long",
    "M1",
    "M2",
    "M2-long",
    "M3",
    "M4",
    "M5",
    "M6",
    "M6-long",
    "M7",
    "M8",
    "M9",
    "M9-kind",
    "M9-name",
    "M9-uid",
    "M9-event",
    "M9-controllers",
    "M10",
    "M11",
    "M12",
    "D1",
    "D2",
    "D3",
    "D5",
    "D6",
];

/// Rules of the table deliberately without a mutator, and why. Rules reached only by a request other than a
/// plain create (`D4`, `M14`, `M15`) have hand-written fixtures in [`crate::corner`] instead.
pub const NOT_MUTATED: &[(&str, &str)] = &[
    (
        "M2-namespace",
        "unreachable over REST: a body namespace that differs from the URL's is a 400 before validation",
    ),
    (
        "M13-manager-char",
        "unreachable on create: the field manager replaces managedFields it cannot decode",
    ),
    (
        "A1-second",
        "the second cause of every A1 fixture; not reachable alone",
    ),
    (
        "P5",
        "unreachable over REST: decoding defaults an empty protocol to TCP",
    ),
    (
        "M13",
        "unreachable on create: the field manager replaces managedFields it cannot decode",
    ),
    (
        "M13-fieldsType",
        "unreachable on create: the field manager replaces managedFields it cannot decode",
    ),
    (
        "M13-manager",
        "unreachable on create: the field manager replaces managedFields it cannot decode",
    ),
];

const INV: &str = "FieldValueInvalid";
const REQ: &str = "FieldValueRequired";

/// Builds a mutator strategy: a valid base object, the violation's parameters, and `apply`.
fn mutate<P, S, F>(rule: &'static str, params: S, apply: F) -> BoxedStrategy<InvalidEndpoints>
where
    P: std::fmt::Debug + Clone + 'static,
    S: Strategy<Value = P> + 'static,
    F: Fn(&mut Endpoints, P) -> PerVersion + 'static,
{
    (base_model(), params)
        .prop_map(move |(mut ep, p)| {
            let per_version = apply(&mut ep, p);
            InvalidEndpoints {
                rule,
                body: Body::Json(ep.to_value()),
                expected: by_version(per_version),
            }
        })
        .boxed()
}

/// Like [`mutate`], for violations made on the JSON value (wrong types, 400s).
fn mutate_json<P, S, F>(rule: &'static str, params: S, apply: F) -> BoxedStrategy<InvalidEndpoints>
where
    P: std::fmt::Debug + Clone + 'static,
    S: Strategy<Value = P> + 'static,
    F: Fn(&mut Endpoints, P) -> (Body, PerVersion) + 'static,
{
    (base_model(), params)
        .prop_map(move |(mut ep, p)| {
            let (body, per_version) = apply(&mut ep, p);
            InvalidEndpoints {
                rule,
                body,
                expected: by_version(per_version),
            }
        })
        .boxed()
}

fn ensure_subset(ep: &mut Endpoints) -> &mut Vec<Subset> {
    let list = ep.subsets_mut();
    if list.is_empty() {
        list.push(Subset {
            addresses: vec![Address::plain("10.0.0.1")],
            ..Subset::default()
        });
    }
    list
}

/// Where a violation goes: shrinkable indices resolved against the object's current size.
#[derive(Debug, Clone)]
struct Spot {
    subset: Index,
    item: Index,
}

fn spot() -> impl Strategy<Value = Spot> {
    (any::<Index>(), any::<Index>()).prop_map(|(subset, item)| Spot { subset, item })
}

/// The address at `spot` (ready or not ready) and its field path.
fn address_at<'a>(ep: &'a mut Endpoints, spot: &Spot) -> (String, &'a mut Address) {
    let list = ensure_subset(ep);
    let si = spot.subset.index(list.len());
    let subset = &mut list[si];
    let n_ready = subset.addresses.len();
    let k = spot.item.index(n_ready + subset.not_ready.len());
    if k < n_ready {
        (
            format!("subsets[{si}].addresses[{k}]"),
            &mut subset.addresses[k],
        )
    } else {
        let j = k - n_ready;
        (
            format!("subsets[{si}].notReadyAddresses[{j}]"),
            &mut subset.not_ready[j],
        )
    }
}

/// The port at `spot` (adding one when the subset has none) and its field path.
fn port_at<'a>(ep: &'a mut Endpoints, spot: &Spot) -> (String, &'a mut Port) {
    let list = ensure_subset(ep);
    let si = spot.subset.index(list.len());
    let subset = &mut list[si];
    if subset.ports.is_empty() {
        subset.ports.push(Port::numbered(None, 80));
    }
    let k = spot.item.index(subset.ports.len());
    (format!("subsets[{si}].ports[{k}]"), &mut subset.ports[k])
}

fn set_ip(ep: &mut Endpoints, spot: &Spot, ip: &str) -> String {
    let (path, address) = address_at(ep, spot);
    address.ip = ip.to_owned();
    address.legacy = false;
    format!("{path}.ip")
}

/// A special-range IP: one cause, the same in every version.
fn special_ip(
    rule: &'static str,
    ips: BoxedStrategy<String>,
    detail: fn(&str) -> String,
) -> BoxedStrategy<InvalidEndpoints> {
    mutate(rule, (spot(), ips), move |ep, (spot, ip)| {
        let field = set_ip(ep, &spot, &ip);
        invalid_fixed(vec![ExpectedCause::invalid(
            rule,
            field,
            text::invalid_str(&ip, &detail(&ip)),
        )])
    })
}

fn app_protocol(fault: QualifiedFault, rule: &'static str) -> BoxedStrategy<InvalidEndpoints> {
    mutate(rule, (spot(), bad::qualified(fault)), |ep, (spot, bad)| {
        let (path, port) = port_at(ep, &spot);
        port.app_protocol = Some(bad.value.clone());
        qualified_causes(None, format!("{path}.appProtocol"), bad)
    })
}

fn port_name(
    rule: &'static str,
    names: BoxedStrategy<String>,
    detail: fn(K8sVersion) -> String,
) -> BoxedStrategy<InvalidEndpoints> {
    mutate(rule, (spot(), names), move |ep, (spot, name)| {
        let (path, port) = port_at(ep, &spot);
        port.name = Some(name.clone());
        label_causes(rule, format!("{path}.name"), name, detail)
    })
}

fn hostname(
    rule: &'static str,
    names: BoxedStrategy<String>,
    detail: fn(K8sVersion) -> String,
) -> BoxedStrategy<InvalidEndpoints> {
    mutate(rule, (spot(), names), move |ep, (spot, name)| {
        let (path, address) = address_at(ep, &spot);
        address.hostname = Some(name.clone());
        label_causes(rule, format!("{path}.hostname"), name, detail)
    })
}

fn node_name(
    rule: &'static str,
    names: BoxedStrategy<String>,
    detail: fn(K8sVersion) -> String,
) -> BoxedStrategy<InvalidEndpoints> {
    mutate(rule, (spot(), names), move |ep, (spot, name)| {
        let (path, address) = address_at(ep, &spot);
        address.node_name = Some(name.clone());
        label_causes(rule, format!("{path}.nodeName"), name, detail)
    })
}

fn uid() -> BoxedStrategy<String> {
    any::<u64>()
        .prop_map(|n| format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff))
        .boxed()
}

/// An owner reference in Go field order.
fn owner_ref(
    api_version: &str,
    kind: &str,
    name: &str,
    uid: &str,
    controller: Option<bool>,
) -> Value {
    let mut m = Map::new();
    m.insert("apiVersion".into(), api_version.into());
    m.insert("kind".into(), kind.into());
    m.insert("name".into(), name.into());
    m.insert("uid".into(), uid.into());
    if let Some(c) = controller {
        m.insert("controller".into(), c.into());
    }
    Value::Object(m)
}

/// Which owner-reference field a mutator empties.
#[derive(Debug, Clone, Copy)]
enum OwnerField {
    ApiVersion,
    Kind,
    Name,
    Uid,
}

fn owner_missing(rule: &'static str, which: OwnerField) -> BoxedStrategy<InvalidEndpoints> {
    mutate(
        rule,
        (names::dns_label(), uid(), any::<bool>()),
        move |ep, (name, uid, omit)| {
            let mut reference = owner_ref("v1", "Service", &name, &uid, None);
            let key = match which {
                OwnerField::ApiVersion => "apiVersion",
                OwnerField::Kind => "kind",
                OwnerField::Name => "name",
                OwnerField::Uid => "uid",
            };
            if let Value::Object(m) = &mut reference {
                if omit {
                    m.shift_remove(key);
                } else {
                    m.insert(key.into(), "".into());
                }
            }
            ep.meta.owner_references = Some(Value::Array(vec![reference]));
            let field = format!("metadata.ownerReferences.{key}");
            invalid_always(move |v| {
                let detail = match which {
                    OwnerField::ApiVersion => "version must not be empty".to_owned(),
                    // The field name was dropped from these messages after 1.30 (behaviour document §2.3; 1.28 and 1.36 recorded).
                    _ if v.at_least(31) => "must not be empty".to_owned(),
                    _ => format!("{key} must not be empty"),
                };
                vec![ExpectedCause::invalid(
                    rule,
                    field.clone(),
                    text::invalid_str("", &detail),
                )]
            })
        },
    )
}

/// Wrong JSON types: each variant replaces one value of a valid body.
const WRONG_TYPES: &[&str] = &[
    "port-string",
    "port-bool",
    "ip-number",
    "hostname-number",
    "node-name-bool",
    "subsets-object",
    "subsets-string",
    "addresses-object",
    "ports-string",
    "subset-string",
    "metadata-array",
    "name-number",
    "labels-array",
    "label-value-number",
    "annotation-value-bool",
    "protocol-number",
    "app-protocol-number",
    "target-ref-string",
    "port-name-number",
];

fn wrong_type(ep: &mut Endpoints, variant: &str) -> (Body, Option<String>) {
    // Make sure the replaced value exists in subset 0, address 0, port 0.
    let list = ensure_subset(ep);
    if list[0].addresses.is_empty() {
        list[0].addresses.push(Address::plain("10.0.0.2"));
    }
    if list[0].ports.is_empty() {
        list[0].ports.push(Port::numbered(None, 80));
    }
    let port_number = list[0].ports[0].port.unwrap_or(80);
    let mut body = ep.to_value();
    let mut message = None;
    let subset = &mut body["subsets"][0];
    match variant {
        "port-string" => {
            subset["ports"][0]["port"] = Value::from(port_number.to_string());
            message = Some("Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal string into Go struct field EndpointPort.subsets.ports.port of type int32".to_owned());
        }
        "port-bool" => subset["ports"][0]["port"] = Value::from(true),
        "ip-number" => subset["addresses"][0]["ip"] = Value::from(167_772_161),
        "hostname-number" => subset["addresses"][0]["hostname"] = Value::from(42),
        "node-name-bool" => subset["addresses"][0]["nodeName"] = Value::from(false),
        "subsets-object" => body["subsets"] = json!({}),
        "subsets-string" => body["subsets"] = Value::from("none"),
        "addresses-object" => subset["addresses"] = json!({"ip": "10.0.0.3"}),
        "ports-string" => subset["ports"] = Value::from("80"),
        "subset-string" => body["subsets"][0] = Value::from("10.0.0.4"),
        "metadata-array" => body["metadata"] = json!([]),
        "name-number" => body["metadata"]["name"] = Value::from(123),
        "labels-array" => body["metadata"]["labels"] = json!(["app"]),
        "label-value-number" => body["metadata"]["labels"] = json!({"app": 1}),
        "annotation-value-bool" => body["metadata"]["annotations"] = json!({"note": true}),
        "protocol-number" => subset["ports"][0]["protocol"] = Value::from(6),
        "app-protocol-number" => subset["ports"][0]["appProtocol"] = Value::from(1),
        "target-ref-string" => subset["addresses"][0]["targetRef"] = Value::from("pod/x"),
        _ => subset["ports"][0]["name"] = Value::from(8080),
    }
    (Body::Json(body), message)
}

/// The D5 message: the scheme's name in it was recorded as `pkg/runtime/scheme.go:100` on 1.28 and
/// `pkg/api/legacyscheme/scheme.go:30` on 1.36; versions in between are not recorded, so no message is claimed.
pub(crate) fn no_kind_message(version: &str, v: K8sVersion) -> Option<String> {
    let scheme = match v.minor {
        28 => "pkg/runtime/scheme.go:100",
        36 => "pkg/api/legacyscheme/scheme.go:30",
        _ => return None,
    };
    Some(format!(
        "Endpoints in version \"{version}\" cannot be handled as a Endpoints: no kind \"Endpoints\" is registered for version \"{version}\" in scheme \"{scheme}\""
    ))
}

/// Bodies that are not a JSON object.
fn not_json(ep: &Endpoints, variant: u8, cut: &Index, word: &str) -> Vec<u8> {
    match variant {
        0 => Vec::new(),
        1 => format!("this is not {word}").into_bytes(),
        2 => {
            let full = serde_json::to_vec(&ep.to_value()).unwrap_or_default();
            // Any strict prefix of a compact JSON object is incomplete JSON.
            let n = cut.index(full.len().max(1));
            full[..n].to_vec()
        }
        3 => format!("apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: {word}\n").into_bytes(),
        4 => b"[]".to_vec(),
        5 => b"42".to_vec(),
        6 => format!("\"{word}\"").into_bytes(),
        _ => b"   \n".to_vec(),
    }
}

/// The mutator for `rule`, or `None` if the rule has none (see [`NOT_MUTATED`]).
pub fn invalid_for_rule(rule: &str) -> Option<BoxedStrategy<InvalidEndpoints>> {
    let strategy = match rule {
        "S1" => mutate(
            "S1",
            (any::<Index>(), any::<bool>()),
            |ep, (at, keep_ports)| {
                let list = ensure_subset(ep);
                let si = at.index(list.len());
                list[si].addresses.clear();
                list[si].not_ready.clear();
                if !keep_ports {
                    list[si].ports.clear();
                }
                invalid_fixed(vec![ExpectedCause::new(
                    "S1",
                    REQ,
                    format!("subsets[{si}]"),
                    Some(
                        "Required value: must specify `addresses` or `notReadyAddresses`"
                            .to_owned(),
                    ),
                )])
            },
        ),
        "A1" => mutate("A1", (spot(), ip::unparseable()), |ep, (spot, ip)| {
            let field = set_ip(ep, &spot, &ip);
            invalid_fixed(vec![
                ExpectedCause::invalid(
                    "A1",
                    field.clone(),
                    text::invalid_str(
                        &ip,
                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    ),
                ),
                ExpectedCause::invalid(
                    "A1-second",
                    field,
                    text::invalid_str(&ip, "must be a valid IP address"),
                ),
            ])
        }),
        "A2" | "A3" => {
            let (rule, ips, detail): (&'static str, _, &'static str) = if rule == "A2" {
                (
                    "A2",
                    ip::legacy_leading_zero_v4(),
                    "must not have leading 0s",
                )
            } else {
                (
                    "A3",
                    ip::legacy_mapped_v6(),
                    "must not be an IPv4-mapped IPv6 address",
                )
            };
            mutate(rule, (spot(), ips), move |ep, (spot, ip)| {
                let field = set_ip(ep, &spot, &ip);
                let cause = ExpectedCause::invalid(rule, field, text::invalid_str(&ip, detail));
                // Accepted before 1.36 (StrictIPCIDRValidation off): no expectation there.
                Box::new(move |v| {
                    v.at_least(36)
                        .then(|| Outcome::invalid(vec![cause.clone()]))
                })
            })
        }
        "A5" => special_ip("A5", ip::unspecified(), |ip| {
            format!("may not be unspecified ({ip})")
        }),
        "A6" => special_ip("A6", ip::loopback(), |_| {
            "may not be in the loopback range (127.0.0.0/8, ::1/128)".to_owned()
        }),
        "A7" => special_ip("A7", ip::link_local(), |_| {
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_owned()
        }),
        "A8" => special_ip("A8", ip::link_local_multicast(), |_| {
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_owned()
        }),
        "H1" => hostname("H1", bad::label_regex(), dns_label_regex),
        "H1-dots" => hostname("H1-dots", bad::dotted_label(), dots),
        "H1-long" => hostname("H1-long", bad::long_label(), max63),
        "N1" => node_name(
            "N1",
            prop_oneof![5 => bad::subdomain_regex(), 1 => Just(String::new())].boxed(),
            dns_subdomain_regex,
        ),
        "N1-long" => node_name("N1-long", bad::long_subdomain(), max253),
        "P1" => mutate("P1", (spot(), any::<bool>()), |ep, (spot, empty_string)| {
            let list = ensure_subset(ep);
            let si = spot.subset.index(list.len());
            let ports = &mut list[si].ports;
            for (k, port) in ports.iter_mut().enumerate() {
                if port.name.as_deref().is_none_or(str::is_empty) {
                    port.name = Some(format!("port-{k}"));
                }
            }
            while ports.len() < 2 {
                let k = ports.len();
                ports.push(Port::numbered(Some(&format!("port-{k}")), 8000 + k as i64));
            }
            let k = spot.item.index(ports.len());
            ports[k].name = if empty_string {
                Some(String::new())
            } else {
                None
            };
            invalid_fixed(vec![ExpectedCause::new(
                "P1",
                REQ,
                format!("subsets[{si}].ports[{k}].name"),
                Some("Required value".to_owned()),
            )])
        }),
        "P2" => port_name("P2", bad::label_regex(), dns_label_regex),
        "P2-dots" => port_name("P2-dots", bad::dotted_label(), dots),
        "P2-long" => port_name("P2-long", bad::long_label(), max63),
        "P4-range" => {
            let numbers = prop_oneof![
                2 => Just(Some(0i64)),
                1 => Just(None),
                2 => (i64::from(i32::MIN)..0).prop_map(Some),
                2 => (65536i64..=i64::from(i32::MAX)).prop_map(Some),
            ];
            mutate("P4-range", (spot(), numbers), |ep, (spot, number)| {
                let (path, port) = port_at(ep, &spot);
                port.port = number;
                let shown = number.unwrap_or(0);
                invalid_fixed(vec![ExpectedCause::invalid(
                    "P4-range",
                    format!("{path}.port"),
                    text::invalid_int(shown, "must be between 1 and 65535, inclusive"),
                )])
            })
        }
        "P4-int32" => {
            let numbers = prop_oneof![
                (i64::from(i32::MAX) + 1..=i64::MAX),
                (i64::MIN..i64::from(i32::MIN)),
            ];
            mutate_json("P4-int32", (spot(), numbers), |ep, (spot, number)| {
                let (_, port) = port_at(ep, &spot);
                port.port = Some(number);
                let message = format!(
                    "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number {number} into Go struct field EndpointPort.subsets.ports.port of type int32"
                );
                (Body::Json(ep.to_value()), bad_request(Some(message)))
            })
        }
        "P6" => {
            let protocols = prop_oneof![
                3 => select(&["tcp", "udp", "sctp", "Tcp", "HTTP", "ICMP", "UDPLITE", "TCP ", " UDP", "tcp6"][..]).prop_map(str::to_owned),
                1 => vec(select(&['A', 'B', 'Q', 'X', 'Z'][..]), 1..8).prop_map(|c| c.into_iter().collect::<String>()),
            ];
            mutate("P6", (spot(), protocols), |ep, (spot, protocol)| {
                let (path, port) = port_at(ep, &spot);
                port.protocol = Some(protocol.clone());
                invalid_fixed(vec![ExpectedCause::new(
                    "P6",
                    "FieldValueNotSupported",
                    format!("{path}.protocol"),
                    Some(format!(
                        "Unsupported value: {}: supported values: \"SCTP\", \"TCP\", \"UDP\"",
                        text::go_quote(&protocol)
                    )),
                )])
            })
        }
        "P7" => app_protocol(QualifiedFault::Regex, "P7"),
        "P7-empty" => app_protocol(QualifiedFault::Empty, "P7-empty"),
        "P7-prefix" => {
            let fault = prop_oneof![
                Just(QualifiedFault::EmptyPrefix),
                Just(QualifiedFault::BadPrefix)
            ];
            mutate(
                "P7-prefix",
                (spot(), fault.prop_flat_map(bad::qualified)),
                |ep, (spot, bad)| {
                    let (path, port) = port_at(ep, &spot);
                    port.app_protocol = Some(bad.value.clone());
                    qualified_causes(None, format!("{path}.appProtocol"), bad)
                },
            )
        }
        "P7-slashes" => app_protocol(QualifiedFault::Slashes, "P7-slashes"),
        "P7-long" => app_protocol(QualifiedFault::Long, "P7-long"),
        "M1" => mutate("M1", 0u8..3, |ep, variant| {
            ep.meta.name = (variant == 1).then(String::new);
            ep.meta.generate_name = (variant == 2).then(String::new);
            invalid_fixed(vec![ExpectedCause::new(
                "M1",
                REQ,
                "metadata.name",
                Some("Required value: name or generateName is required".to_owned()),
            )])
        }),
        "M2" => mutate("M2", bad::subdomain_regex(), |ep, name| {
            ep.meta.name = Some(name.clone());
            label_causes("M2", "metadata.name".to_owned(), name, dns_subdomain_regex)
        }),
        "M2-long" => mutate("M2-long", bad::long_subdomain(), |ep, name| {
            ep.meta.name = Some(name.clone());
            label_causes("M2-long", "metadata.name".to_owned(), name, max253)
        }),
        "M3" => {
            // Bad from its first character, so masking a trailing '-' cannot make it valid.
            let generate = (
                select(&['A', 'Z', '_', '.', '-', '!'][..]),
                names::dns_label(),
                any::<bool>(),
            )
                .prop_map(|(c, rest, dash)| format!("{c}{rest}{}", if dash { "-" } else { "" }));
            mutate("M3", generate, |ep, generate_name| {
                ep.meta.generate_name = Some(generate_name.clone());
                label_causes(
                    "M3",
                    "metadata.generateName".to_owned(),
                    generate_name,
                    dns_subdomain_regex,
                )
            })
        }
        "M4" => mutate(
            "M4",
            prop_oneof![Just(-1i64), i64::MIN..0],
            |ep, generation| {
                ep.meta.generation = Some(generation);
                invalid_fixed(vec![ExpectedCause::invalid(
                    "M4",
                    "metadata.generation",
                    text::invalid_int(generation, "must be greater than or equal to 0"),
                )])
            },
        ),
        "M5" => mutate(
            "M5",
            (bad::any_qualified(), names::label_value()),
            |ep, (bad, value)| {
                ep.meta.labels.push((bad.value.clone(), value));
                qualified_causes(Some("M5"), "metadata.labels".to_owned(), bad)
            },
        ),
        "M6" | "M6-long" => {
            let (rule, values, detail): (&'static str, _, fn(K8sVersion) -> String) =
                if rule == "M6" {
                    ("M6", bad::label_value_regex(), |_| {
                        text::LABEL_VALUE_REGEX.to_owned()
                    })
                } else {
                    ("M6-long", bad::long_label_value(), |v| {
                        text::max_len_qualified(63, v)
                    })
                };
            mutate(rule, values, move |ep, value| {
                ep.meta.labels.retain(|(k, _)| k != "kconform.io/bad-value");
                ep.meta
                    .labels
                    .push(("kconform.io/bad-value".to_owned(), value.clone()));
                label_causes(rule, "metadata.labels".to_owned(), value, detail)
            })
        }
        "M7" => mutate(
            "M7",
            (bad::any_qualified(), names::annotation_value()),
            |ep, (bad, value)| {
                ep.meta.annotations.push((bad.value.clone(), value));
                qualified_causes(Some("M7"), "metadata.annotations".to_owned(), bad)
            },
        ),
        "M8" => mutate("M8", 0usize..64, |ep, extra| {
            const KEY: &str = "kconform.io/big";
            ep.meta.annotations.retain(|(k, _)| k != KEY);
            let used: usize = ep
                .meta
                .annotations
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum();
            let limit = 262_144usize;
            let value_len = (limit + 1 + extra).saturating_sub(used + KEY.len());
            ep.meta
                .annotations
                .push((KEY.to_owned(), "x".repeat(value_len)));
            invalid_always(|v| {
                vec![ExpectedCause::new(
                    "M8",
                    "FieldValueTooLong",
                    "metadata.annotations",
                    Some(text::too_long_bytes(262_144, v)),
                )]
            })
        }),
        "M9" => owner_missing("M9", OwnerField::ApiVersion),
        "M9-kind" => owner_missing("M9-kind", OwnerField::Kind),
        "M9-name" => owner_missing("M9-name", OwnerField::Name),
        "M9-uid" => owner_missing("M9-uid", OwnerField::Uid),
        "M9-event" => mutate(
            "M9-event",
            (names::dns_label(), uid()),
            |ep, (name, uid)| {
                ep.meta.owner_references = Some(Value::Array(vec![owner_ref(
                    "v1", "Event", &name, &uid, None,
                )]));
                // The message renders the whole reference and the group-version-kind; not recorded, so only reason and field.
                invalid_fixed(vec![ExpectedCause::new(
                    "M9-event",
                    INV,
                    "metadata.ownerReferences",
                    None,
                )])
            },
        ),
        "M9-controllers" => mutate(
            "M9-controllers",
            (names::dns_label(), names::dns_label(), uid(), uid()),
            |ep, (a, b, ua, ub)| {
                let refs = vec![
                    owner_ref("v1", "Service", &a, &ua, Some(true)),
                    owner_ref("v1", "Service", &b, &ub, Some(true)),
                ];
                let rendered = serde_json::to_string(&refs).unwrap_or_default();
                ep.meta.owner_references = Some(Value::Array(refs));
                invalid_always(move |v| {
                    // Up to 1.33 the value is Go's %#v of the list, with pointer addresses: not predictable.
                    let message = v.at_least(34).then(|| {
                    format!(
                        "Invalid value: {rendered}: Only one reference can have Controller set to true. Found \"true\" in references for Service/{a} and Service/{b}"
                    )
                });
                    vec![ExpectedCause::new(
                        "M9-controllers",
                        INV,
                        "metadata.ownerReferences",
                        message,
                    )]
                })
            },
        ),
        "M10" => {
            let finalizers = (
                names::dns_subdomain(),
                bad::qualified(QualifiedFault::Regex),
            )
                .prop_map(|(prefix, bad)| {
                    // Keep a '/' so the finalizer is "fully qualified" and only the qualified-name check fails.
                    if bad.value.contains('/') {
                        bad
                    } else {
                        BadQualifiedName {
                            value: format!(
                                "{}/{}",
                                names::truncate_subdomain(prefix, 100),
                                bad.value
                            ),
                            ..bad
                        }
                    }
                });
            mutate("M10", finalizers, |ep, bad| {
                ep.meta.finalizers = vec![bad.value.clone()];
                qualified_causes(Some("M10"), "metadata.finalizers".to_owned(), bad)
            })
        }
        "M11" => {
            let standard = vec(
                select(&["kubernetes", "orphan", "example.com/keep"][..]),
                0..3,
            );
            let name = names::name_part().prop_filter("not a standard finalizer", |n| {
                !matches!(n.as_str(), "kubernetes" | "orphan" | "foregroundDeletion")
            });
            mutate("M11", (standard, name), |ep, (standard, name)| {
                let mut finalizers: Vec<String> =
                    standard.iter().map(|s| (*s).to_owned()).collect();
                let i = finalizers.len();
                finalizers.push(name.clone());
                ep.meta.finalizers = finalizers;
                invalid_fixed(vec![ExpectedCause::invalid(
                    "M11",
                    format!("metadata.finalizers[{i}]"),
                    text::invalid_str(
                        &name,
                        "name is neither a standard finalizer name nor is it fully qualified",
                    ),
                )])
            })
        }
        "M12" => mutate(
            "M12",
            (any::<bool>(), any::<bool>()),
            |ep, (swap, with_kubernetes)| {
                let mut finalizers = if swap {
                    vec!["foregroundDeletion", "orphan"]
                } else {
                    vec!["orphan", "foregroundDeletion"]
                };
                if with_kubernetes {
                    finalizers.push("kubernetes");
                }
                ep.meta.finalizers = finalizers.iter().map(|s| (*s).to_owned()).collect();
                invalid_always(move |v| {
                    vec![ExpectedCause::invalid(
                        "M12",
                        "metadata.finalizers",
                        format!(
                            "Invalid value: {}: finalizer orphan and foregroundDeletion cannot be both set",
                            text::string_list(&finalizers, v)
                        ),
                    )]
                })
            },
        ),
        "D1" => mutate_json(
            "D1",
            (
                0u8..8,
                any::<Index>(),
                select(&["json", "yaml", "valid", "endpoints"][..]),
            ),
            |ep, (variant, cut, word)| {
                (
                    Body::Raw(not_json(ep, variant, &cut, word)),
                    bad_request(None),
                )
            },
        ),
        "D2" => mutate_json("D2", select(WRONG_TYPES), |ep, variant| {
            let (body, message) = wrong_type(ep, variant);
            (body, bad_request(message))
        }),
        "D3" => {
            // Numbers that do not fit the Go integer type: too large for int64, or with a fraction.
            let numbers = prop_oneof![
                ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(|n| ("generation", json!(n))),
                (0i64..1000).prop_map(|n| ("generation", json!(n as f64 + 0.5))),
                (1i64..=65535).prop_map(|n| ("port", json!(n as f64 + 0.25))),
            ];
            mutate_json("D3", numbers, |ep, (field, number)| {
                if field == "port" {
                    let list = ensure_subset(ep);
                    if list[0].ports.is_empty() {
                        list[0].ports.push(Port::numbered(None, 80));
                    }
                }
                let mut body = ep.to_value();
                if field == "port" {
                    body["subsets"][0]["ports"][0]["port"] = number;
                } else {
                    body["metadata"]["generation"] = number;
                }
                (Body::Json(body), bad_request(None))
            })
        }
        "D5" => mutate_json(
            "D5",
            select(&["v2", "v3", "v1beta1", "v1alpha1"][..]),
            |ep, version| {
                let mut body = ep.to_value();
                body["apiVersion"] = Value::from(version);
                (
                    Body::Json(body),
                    Box::new(move |v: K8sVersion| {
                        Some(Outcome::bad_request(no_kind_message(version, v)))
                    }) as PerVersion,
                )
            },
        ),
        "D6" => mutate_json(
            "D6",
            select(&["Service", "Pod", "ConfigMap", "Secret", "Node", "Namespace"][..]),
            |ep, kind| {
                let mut body = ep.to_value();
                body["kind"] = Value::from(kind);
                let message = format!(
                    "{kind} in version \"v1\" cannot be handled as a Endpoints: converting (v1.{kind}) to (core.Endpoints): unknown conversion"
                );
                (Body::Json(body), bad_request(Some(message)))
            },
        ),
        _ => return None,
    };
    Some(strategy)
}

/// The versions where `rule`'s mutator yields a rejected body.
pub fn rule_versions(rule: &str) -> crate::expect::VersionRange {
    match rule {
        "A2" | "A3" => crate::expect::VersionRange {
            from: K8sVersion::new(36),
            to: K8sVersion::NEWEST,
        },
        _ => crate::expect::VersionRange::ALL,
    }
}

/// Picks one rule's strategy per draw and delegates to it.
///
/// Unlike a proptest union, which clones the test runner for every branch before the picked one, this
/// costs one random number, and shrinking stays within the picked rule, so the violation keeps its rule.
#[derive(Debug, Clone)]
struct PickRule {
    strategies: Vec<BoxedStrategy<InvalidEndpoints>>,
    /// Cumulative weights, one per strategy.
    cumulative: Vec<u32>,
}

impl Strategy for PickRule {
    type Tree = Box<dyn proptest::strategy::ValueTree<Value = InvalidEndpoints>>;
    type Value = InvalidEndpoints;

    fn new_tree(
        &self,
        runner: &mut proptest::test_runner::TestRunner,
    ) -> proptest::strategy::NewTree<Self> {
        let total = self.cumulative.last().copied().unwrap_or(1).max(1);
        let pick = runner.rng().next_u32() % total;
        let i = self
            .cumulative
            .partition_point(|&c| c <= pick)
            .min(self.strategies.len().saturating_sub(1));
        self.strategies[i].new_tree(runner)
    }
}

/// An invalid object breaking any rule that holds at `v`.
pub fn invalid_endpoints(v: K8sVersion) -> BoxedStrategy<InvalidEndpoints> {
    let mut pick = PickRule {
        strategies: Vec::new(),
        cumulative: Vec::new(),
    };
    let mut total = 0u32;
    for rule in MUTATED_RULES
        .iter()
        .filter(|rule| rule_versions(rule).contains(v))
    {
        if let Some(strategy) = invalid_for_rule(rule) {
            // The 256 KiB annotation body is rare so property runs stay fast.
            total += if *rule == "M8" { 1 } else { 20 };
            pick.cumulative.push(total);
            pick.strategies.push(strategy);
        }
    }
    pick.boxed()
}
