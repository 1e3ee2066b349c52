//! Invalid EndpointSlices: one mutator per reachable rule of `kconform_spec::endpointslice::rules`
//! (and the metadata rules the recordings show on EndpointSlice), each stating what the server
//! answers per version — written from the recordings in `transcripts/endpointslice/`, never computed
//! by `kconform_spec::endpointslice::validate` (tests compare the two).

use kconform_spec::K8sVersion;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::model::{Endpoint, Hints, Slice};
use super::valid::{Family, address, base_model, fqdn, node_hints, zone_hints};
use crate::bad;
use crate::expect::{
    ExpectedCause, Outcome, PerVersion, VersionRange, by_version, invalid_fixed, label_causes,
    qualified_causes,
};
use crate::invalid::Body;
use crate::ip;
use crate::model::Port;
use crate::names;
use crate::text::{
    self, dns_label_regex, dns_subdomain_regex, dots, max_len_qualified, max63, max253,
};

pub use crate::expect::Expectation;

/// An invalid slice with the rule it breaks and the answers a server must give.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidEndpointSlice {
    /// The id of the broken rule (`kconform_spec::endpointslice::rules`, or `kconform_spec::rules`
    /// for the metadata rules).
    pub rule: &'static str,
    /// What is POSTed.
    pub body: Body,
    /// The expected answer per range of versions; versions not covered accept the body.
    pub expected: Vec<Expectation>,
}

/// Every rule id with a mutator: the EndpointSlice rules in table order, then the metadata rules.
pub const MUTATED_RULES: &[&str] = &[
    "ES-T1", "ES-T2", "ES-E1", "ES-A1", "ES-A2", "ES-I1", "ES-I2", "ES-I3", "ES-I4", "ES-I5",
    "ES-I6", "ES-I7", "ES-I8", "ES-F1", "ES-F2", "ES-N1", "ES-H1", "ES-Z1", "ES-Z2", "ES-Z3",
    "ES-Y1", "ES-Y2", "ES-Y3", "ES-P1", "ES-P2", "ES-P3", "ES-P4", "M1", "M2", "M2-long", "M6",
    "M6-long",
];

/// Rules of `kconform_spec::endpointslice::rules` without a mutator of their own, and why.
pub const NOT_MUTATED: &[(&str, &str)] = &[
    (
        "ES-T3",
        "unreachable on create: only an update changes addressType (hand-written patch fixture corner-ES-T3-patch)",
    ),
    (
        "ES-I1-old4",
        "the 1.28-1.32 cause of the ES-I1 and ES-I4 fixtures of IPv4 slices",
    ),
    (
        "ES-I1-old6",
        "the 1.28-1.32 cause of the ES-I1, ES-I3 and ES-I4 fixtures of IPv6 slices",
    ),
    (
        "ES-I1-old",
        "the second 1.28-1.32 cause of every ES-I1 fixture; not reachable alone",
    ),
];

const REQ: &str = "FieldValueRequired";
const MANY: &str = "FieldValueTooMany";
const DUP: &str = "FieldValueDuplicate";
const NSUP: &str = "FieldValueNotSupported";

/// Builds a mutator: a valid base slice of `family`, the violation's parameters, and `apply`.
fn mutate<P, S, F>(
    rule: &'static str,
    family: Family,
    params: S,
    apply: F,
) -> BoxedStrategy<InvalidEndpointSlice>
where
    P: std::fmt::Debug + Clone + 'static,
    S: Strategy<Value = P> + 'static,
    F: Fn(&mut Slice, P) -> PerVersion + 'static,
{
    (base_model(family), params)
        .prop_map(move |(mut slice, p)| {
            let per_version = apply(&mut slice, p);
            InvalidEndpointSlice {
                rule,
                body: Body::Json(slice.to_value()),
                expected: by_version(per_version),
            }
        })
        .boxed()
}

/// Like [`mutate`] on an IPv4 or IPv6 slice, chosen by the draw.
fn mutate_ip<P, S, F>(
    rule: &'static str,
    params: S,
    apply: F,
) -> BoxedStrategy<InvalidEndpointSlice>
where
    P: std::fmt::Debug + Clone + 'static,
    S: Strategy<Value = P> + Clone + 'static,
    F: Fn(&mut Slice, P) -> PerVersion + Clone + 'static,
{
    prop_oneof![
        mutate(rule, Family::V4, params.clone(), apply.clone()),
        mutate(rule, Family::V6, params, apply),
    ]
    .boxed()
}

/// Where a violation goes: shrinkable indices resolved against the slice's current size.
#[derive(Debug, Clone)]
struct Spot {
    endpoint: Index,
    item: Index,
}

fn spot() -> impl Strategy<Value = Spot> + Clone {
    (any::<Index>(), any::<Index>()).prop_map(|(endpoint, item)| Spot { endpoint, item })
}

fn is_ipv6(slice: &Slice) -> bool {
    slice.address_type.as_deref() == Some("IPv6")
}

/// An address that fits the slice's type, for endpoints created to hold a violation.
fn filler(slice: &Slice) -> &'static str {
    match slice.address_type.as_deref() {
        Some("IPv6") => "2001:db8::10",
        Some("FQDN") => "filler.example.com",
        _ => "10.0.0.10",
    }
}

/// The endpoint at `spot` and its path (`endpoints[i]`).
fn endpoint_at<'a>(slice: &'a mut Slice, spot: &Spot) -> (String, &'a mut Endpoint) {
    let fill = filler(slice);
    let list = slice.endpoints_mut(fill);
    let i = spot.endpoint.index(list.len());
    (format!("endpoints[{i}]"), &mut list[i])
}

/// Replaces the address at `spot` and returns the item's and the list's paths.
fn set_address(slice: &mut Slice, spot: &Spot, value: &str) -> (String, String) {
    let fill = filler(slice);
    let (path, endpoint) = endpoint_at(slice, spot);
    let addresses = endpoint.addresses_mut();
    if addresses.is_empty() {
        addresses.push(fill.to_owned());
    }
    let j = spot.item.index(addresses.len());
    addresses[j] = value.to_owned();
    (
        format!("{path}.addresses[{j}]"),
        format!("{path}.addresses"),
    )
}

/// The family message of the validation before 1.33 (`IsValidIPv4Address`/`IsValidIPv6Address`).
fn old_family(ipv6: bool) -> (&'static str, &'static str) {
    if ipv6 {
        ("ES-I1-old6", "must be a valid IPv6 address")
    } else {
        ("ES-I1-old4", "must be a valid IPv4 address")
    }
}

/// The family message from 1.33, on the list's path.
fn new_family(ipv6: bool) -> &'static str {
    if ipv6 {
        "must be an IPv6 address"
    } else {
        "must be an IPv4 address"
    }
}

/// A special-range IP in a slice of its own family: one cause in every version.
fn special_ip(
    rule: &'static str,
    ips: BoxedStrategy<String>,
    detail: fn(&str) -> String,
) -> BoxedStrategy<InvalidEndpointSlice> {
    ips.prop_flat_map(move |ip| {
        let family = if ip.contains(':') {
            Family::V6
        } else {
            Family::V4
        };
        mutate(
            rule,
            family,
            (Just(ip), spot()),
            move |slice, (ip, spot)| {
                let (item, _) = set_address(slice, &spot, &ip);
                invalid_fixed(vec![ExpectedCause::invalid(
                    rule,
                    item,
                    text::invalid_str(&ip, &detail(&ip)),
                )])
            },
        )
    })
    .boxed()
}

/// The port at `at` (adding one when the slice has none) and its index.
fn port_at<'a>(slice: &'a mut Slice, at: &Index) -> (usize, &'a mut Port) {
    let ports = slice.ports_mut();
    if ports.is_empty() {
        ports.push(Port::numbered(Some("http"), 80));
    }
    let k = at.index(ports.len());
    (k, &mut ports[k])
}

/// `Too many: <n>: must have at most <max> items`.
fn too_many(rule: &str, field: String, n: usize, max: usize) -> ExpectedCause {
    ExpectedCause::new(
        rule,
        MANY,
        field,
        Some(format!("Too many: {n}: must have at most {max} items")),
    )
}

fn duplicate(rule: &str, field: String, value: &str) -> ExpectedCause {
    ExpectedCause::new(
        rule,
        DUP,
        field,
        Some(format!("Duplicate value: {}", text::go_quote(value))),
    )
}

/// Which hint list a hint mutator breaks.
#[derive(Debug, Clone, Copy)]
enum HintList {
    Zones,
    Nodes,
}

impl HintList {
    fn key(self) -> &'static str {
        match self {
            HintList::Zones => "forZones",
            HintList::Nodes => "forNodes",
        }
    }

    fn set(self, endpoint: &mut Endpoint, names: Vec<String>) {
        let hints = endpoint.hints.get_or_insert_with(Hints::default);
        match self {
            HintList::Zones => hints.for_zones = Some(names),
            HintList::Nodes => hints.for_nodes = Some(names),
        }
    }

    fn valid_names(self, max: usize) -> BoxedStrategy<Vec<String>> {
        match self {
            HintList::Zones => zone_hints(max),
            HintList::Nodes => node_hints(max),
        }
    }

    /// Node hints are an unknown field before 1.33: dropped with a warning, the slice created.
    fn outcome(self, list_path: String, cause: ExpectedCause) -> PerVersion {
        Box::new(move |v| match self {
            HintList::Nodes if !v.at_least(33) => Some(Outcome::created_with(
                vec![text::unknown_field(&list_path)],
                vec![list_path.clone()],
            )),
            _ => Some(Outcome::invalid(vec![cause.clone()])),
        })
    }
}

/// 9 to 12 distinct hints.
fn hints_too_many(rule: &'static str, list: HintList) -> BoxedStrategy<InvalidEndpointSlice> {
    mutate(
        rule,
        Family::V4,
        (spot(), names::dns_label(), 9usize..=12),
        move |slice, (spot, stem, n)| {
            let stem = names::truncate_subdomain(stem, 50);
            let (path, endpoint) = endpoint_at(slice, &spot);
            list.set(endpoint, (0..n).map(|k| format!("{stem}-{k}")).collect());
            let list_path = format!("{path}.hints.{}", list.key());
            list.outcome(list_path.clone(), too_many(rule, list_path, n, 8))
        },
    )
}

/// One invalid name among valid hints.
fn hint_name(
    rule: &'static str,
    list: HintList,
    bad_names: BoxedStrategy<(String, Detail)>,
) -> BoxedStrategy<InvalidEndpointSlice> {
    mutate(
        rule,
        Family::V4,
        (spot(), list.valid_names(7), bad_names, any::<Index>()),
        move |slice, (spot, mut names, (bad, detail), at)| {
            let (path, endpoint) = endpoint_at(slice, &spot);
            let k = at.index(names.len() + 1);
            names.insert(k, bad.clone());
            list.set(endpoint, names);
            let list_path = format!("{path}.hints.{}", list.key());
            let field = format!("{list_path}[{k}].name");
            // The detail is the same in every version for node names; zone names say "bytes" from 1.35.
            let causes = move |v: K8sVersion| {
                vec![ExpectedCause::invalid(
                    rule,
                    field.clone(),
                    text::invalid_str(&bad, &detail(v)),
                )]
            };
            Box::new(move |v| match list {
                HintList::Nodes if !v.at_least(33) => Some(Outcome::created_with(
                    vec![text::unknown_field(&list_path)],
                    vec![list_path.clone()],
                )),
                _ => Some(Outcome::invalid(causes(v))),
            })
        },
    )
}

/// A repeated hint name.
fn hint_duplicate(rule: &'static str, list: HintList) -> BoxedStrategy<InvalidEndpointSlice> {
    mutate(
        rule,
        Family::V4,
        (spot(), list.valid_names(7), any::<Index>(), any::<Index>()),
        move |slice, (spot, mut names, from, to)| {
            let (path, endpoint) = endpoint_at(slice, &spot);
            let j = from.index(names.len());
            let k = j + 1 + to.index(names.len() - j);
            let name = names[j].clone();
            names.insert(k, name.clone());
            list.set(endpoint, names);
            let list_path = format!("{path}.hints.{}", list.key());
            list.outcome(
                list_path.clone(),
                duplicate(rule, format!("{list_path}[{k}].name"), &name),
            )
        },
    )
}

type Detail = fn(K8sVersion) -> String;

fn with_detail(names: BoxedStrategy<String>, detail: Detail) -> BoxedStrategy<(String, Detail)> {
    names.prop_map(move |n| (n, detail)).boxed()
}

/// Invalid DNS subdomains with their message: the regex (also for ""), or the length.
fn bad_subdomains() -> BoxedStrategy<(String, Detail)> {
    prop_oneof![
        4 => with_detail(bad::subdomain_regex(), dns_subdomain_regex),
        1 => with_detail(Just(String::new()).boxed(), dns_subdomain_regex),
        1 => with_detail(bad::long_subdomain(), max253),
    ]
    .boxed()
}

/// Invalid DNS labels with their message: the regex, dots, or the length.
fn bad_labels() -> BoxedStrategy<(String, Detail)> {
    prop_oneof![
        3 => with_detail(bad::label_regex(), dns_label_regex),
        1 => with_detail(bad::dotted_label(), dots),
        1 => with_detail(bad::long_label(), max63),
    ]
    .boxed()
}

/// Invalid label values with their message: the regex, or the length ("bytes" from 1.35).
fn bad_label_values() -> BoxedStrategy<(String, Detail)> {
    prop_oneof![
        3 => with_detail(bad::label_value_regex(), |_| text::LABEL_VALUE_REGEX.to_owned()),
        1 => with_detail(bad::long_label_value(), |v| max_len_qualified(63, v)),
    ]
    .boxed()
}

/// `n` distinct valid addresses of an IPv4 slice, from a base.
fn numbered_v4(second: u8, n: usize) -> Vec<String> {
    (0..n)
        .map(|k| format!("10.{second}.{}.{}", k / 250, k % 250 + 1))
        .collect()
}

/// The mutator for `rule`, or `None` if the rule has none (see [`NOT_MUTATED`]).
pub fn invalid_for_rule(rule: &str) -> Option<BoxedStrategy<InvalidEndpointSlice>> {
    let strategy = match rule {
        "ES-T1" => mutate("ES-T1", Family::V4, any::<bool>(), |slice, empty| {
            slice.address_type = empty.then(String::new);
            invalid_fixed(vec![ExpectedCause::new(
                "ES-T1",
                REQ,
                "addressType",
                Some("Required value".to_owned()),
            )])
        }),
        "ES-T2" => mutate(
            "ES-T2",
            Family::V4,
            select(&["IP", "ipv4", "ipv6", "fqdn", "IPV4", "Bogus", "IPv5", "dns"][..]),
            |slice, bad| {
                slice.address_type = Some(bad.to_owned());
                invalid_fixed(vec![ExpectedCause::new(
                    "ES-T2",
                    NSUP,
                    "addressType",
                    Some(format!(
                        "Unsupported value: {}: supported values: \"FQDN\", \"IPv4\", \"IPv6\"",
                        text::go_quote(bad)
                    )),
                )])
            },
        ),
        "ES-E1" => mutate("ES-E1", Family::V4, 1001usize..=1004, |slice, n| {
            slice.endpoints = Some(
                numbered_v4(1, n)
                    .into_iter()
                    .map(|a| Endpoint::with_addresses(vec![a]))
                    .collect(),
            );
            invalid_fixed(vec![too_many("ES-E1", "endpoints".to_owned(), n, 1000)])
        }),
        "ES-A1" => mutate_ip("ES-A1", (spot(), any::<bool>()), |slice, (spot, absent)| {
            let (path, endpoint) = endpoint_at(slice, &spot);
            endpoint.addresses = (!absent).then(Vec::new);
            invalid_fixed(vec![ExpectedCause::new(
                "ES-A1",
                REQ,
                format!("{path}.addresses"),
                Some("Required value: must contain at least 1 address".to_owned()),
            )])
        }),
        "ES-A2" => mutate(
            "ES-A2",
            Family::V4,
            (spot(), 101usize..=104),
            |slice, (spot, n)| {
                let (path, endpoint) = endpoint_at(slice, &spot);
                endpoint.addresses = Some(numbered_v4(2, n));
                invalid_fixed(vec![too_many("ES-A2", format!("{path}.addresses"), n, 100)])
            },
        ),
        "ES-I1" => mutate_ip(
            "ES-I1",
            (spot(), ip::unparseable()),
            |slice, (spot, bad)| {
                let ipv6 = is_ipv6(slice);
                let (item, _) = set_address(slice, &spot, &bad);
                Box::new(move |v| {
                    let causes = if v.at_least(33) {
                        vec![ExpectedCause::invalid(
                            "ES-I1",
                            item.clone(),
                            text::invalid_str(
                                &bad,
                                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                            ),
                        )]
                    } else {
                        let (rule, detail) = old_family(ipv6);
                        vec![
                            ExpectedCause::invalid(
                                rule,
                                item.clone(),
                                text::invalid_str(&bad, detail),
                            ),
                            ExpectedCause::invalid(
                                "ES-I1-old",
                                item.clone(),
                                text::invalid_str(&bad, "must be a valid IP address"),
                            ),
                        ]
                    };
                    Some(Outcome::invalid(causes))
                })
            },
        ),
        "ES-I2" => mutate(
            "ES-I2",
            Family::V4,
            (spot(), ip::legacy_leading_zero_v4()),
            |slice, (spot, bad)| {
                let (item, _) = set_address(slice, &spot, &bad);
                let cause = ExpectedCause::invalid(
                    "ES-I2",
                    item,
                    text::invalid_str(&bad, "must not have leading 0s"),
                );
                // Accepted before 1.36 (strict IP parsing off): no expectation there.
                Box::new(move |v| {
                    v.at_least(36)
                        .then(|| Outcome::invalid(vec![cause.clone()]))
                })
            },
        ),
        "ES-I3" => mutate(
            "ES-I3",
            Family::V6,
            (spot(), ip::legacy_mapped_v6()),
            |slice, (spot, bad)| {
                let (item, list) = set_address(slice, &spot, &bad);
                Box::new(move |v| {
                    let cause = if v.at_least(36) {
                        ExpectedCause::invalid(
                            "ES-I3",
                            item.clone(),
                            text::invalid_str(&bad, "must not be an IPv4-mapped IPv6 address"),
                        )
                    } else if v.at_least(33) {
                        ExpectedCause::invalid(
                            "ES-I4",
                            list.clone(),
                            text::invalid_str(&bad, new_family(true)),
                        )
                    } else {
                        let (rule, detail) = old_family(true);
                        ExpectedCause::invalid(rule, item.clone(), text::invalid_str(&bad, detail))
                    };
                    Some(Outcome::invalid(vec![cause]))
                })
            },
        ),
        "ES-I4" => prop_oneof![
            mutate(
                "ES-I4",
                Family::V4,
                (spot(), address(Family::V6)),
                wrong_family
            ),
            mutate(
                "ES-I4",
                Family::V6,
                (spot(), address(Family::V4)),
                wrong_family
            ),
        ]
        .boxed(),
        "ES-I5" => special_ip("ES-I5", ip::unspecified(), |ip| {
            format!("may not be unspecified ({ip})")
        }),
        "ES-I6" => special_ip("ES-I6", ip::loopback(), |_| {
            "may not be in the loopback range (127.0.0.0/8, ::1/128)".to_owned()
        }),
        "ES-I7" => special_ip("ES-I7", ip::link_local(), |_| {
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_owned()
        }),
        "ES-I8" => special_ip("ES-I8", ip::link_local_multicast(), |_| {
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_owned()
        }),
        "ES-F1" => mutate(
            "ES-F1",
            Family::Fqdn,
            (spot(), bad::label_regex(), fqdn()),
            |slice, (spot, bad, tail)| {
                // A bad first label before a valid domain: two segments, so only the regex fails.
                let value = names::truncate_subdomain(format!("{bad}.{tail}"), 200);
                let value = if value.contains('.') {
                    value
                } else {
                    format!("{value}.example.com")
                };
                let (item, _) = set_address(slice, &spot, &value);
                label_causes("ES-F1", item, value, dns_subdomain_regex)
            },
        ),
        "ES-F2" => mutate(
            "ES-F2",
            Family::Fqdn,
            (spot(), names::dns_label(), any::<bool>()),
            |slice, (spot, label, dot)| {
                let value = if dot {
                    format!("{label}.")
                } else {
                    label.clone()
                };
                let (item, _) = set_address(slice, &spot, &value);
                // The trailing dot is stripped before the check, and from the value reported.
                label_causes("ES-F2", item, label, |_| {
                    "should be a domain with at least two segments separated by dots".to_owned()
                })
            },
        ),
        "ES-N1" => mutate_ip(
            "ES-N1",
            (spot(), bad_subdomains()),
            |slice, (spot, (bad, detail))| {
                let (path, endpoint) = endpoint_at(slice, &spot);
                endpoint.node_name = Some(bad.clone());
                label_causes("ES-N1", format!("{path}.nodeName"), bad, detail)
            },
        ),
        "ES-H1" => mutate_ip(
            "ES-H1",
            (spot(), bad_labels()),
            |slice, (spot, (bad, detail))| {
                let (path, endpoint) = endpoint_at(slice, &spot);
                endpoint.hostname = Some(bad.clone());
                label_causes("ES-H1", format!("{path}.hostname"), bad, detail)
            },
        ),
        "ES-Z1" => hints_too_many("ES-Z1", HintList::Zones),
        "ES-Z2" => hint_name("ES-Z2", HintList::Zones, bad_label_values()),
        "ES-Z3" => hint_duplicate("ES-Z3", HintList::Zones),
        "ES-Y1" => hints_too_many("ES-Y1", HintList::Nodes),
        "ES-Y2" => hint_name("ES-Y2", HintList::Nodes, bad_subdomains()),
        "ES-Y3" => hint_duplicate("ES-Y3", HintList::Nodes),
        "ES-P1" => mutate_ip(
            "ES-P1",
            (any::<Index>(), bad_labels()),
            |slice, (at, (bad, detail))| {
                let (k, port) = port_at(slice, &at);
                port.name = Some(bad.clone());
                label_causes("ES-P1", format!("ports[{k}].name"), bad, detail)
            },
        ),
        "ES-P2" => mutate_ip(
            "ES-P2",
            (any::<Index>(), any::<Index>(), any::<bool>()),
            |slice, (from, to, unnamed)| {
                let ports = slice.ports_mut();
                while ports.len() < 2 {
                    let n = ports.len();
                    ports.push(Port::numbered(Some(&format!("extra-{n}")), 9000));
                }
                let j = from.index(ports.len() - 1);
                let k = j + 1 + to.index(ports.len() - j - 1);
                let name = if unnamed {
                    ports[j].name = None;
                    None
                } else {
                    ports[j].name.clone()
                };
                ports[k].name = name.clone();
                let name = name.unwrap_or_default();
                invalid_fixed(vec![duplicate("ES-P2", format!("ports[{k}].name"), &name)])
            },
        ),
        "ES-P3" => mutate_ip(
            "ES-P3",
            (
                any::<Index>(),
                select(&["tcp", "udp", "sctp", "HTTP", "ICMP", "Tcp", "ANY", "http"][..]),
            ),
            |slice, (at, bad)| {
                let (k, port) = port_at(slice, &at);
                port.protocol = Some(bad.to_owned());
                invalid_fixed(vec![ExpectedCause::new(
                    "ES-P3",
                    NSUP,
                    format!("ports[{k}].protocol"),
                    Some(format!(
                        "Unsupported value: {}: supported values: \"SCTP\", \"TCP\", \"UDP\"",
                        text::go_quote(bad)
                    )),
                )])
            },
        ),
        "ES-P4" => mutate_ip(
            "ES-P4",
            (any::<Index>(), bad::any_qualified()),
            |slice, (at, bad)| {
                let (k, port) = port_at(slice, &at);
                port.app_protocol = Some(bad.value.clone());
                qualified_causes(Some("ES-P4"), format!("ports[{k}].appProtocol"), bad)
            },
        ),
        "M1" => mutate("M1", Family::V4, 0u8..3, |slice, variant| {
            slice.meta.name = (variant == 1).then(String::new);
            slice.meta.generate_name = (variant == 2).then(String::new);
            invalid_fixed(vec![ExpectedCause::new(
                "M1",
                REQ,
                "metadata.name",
                Some("Required value: name or generateName is required".to_owned()),
            )])
        }),
        "M2" | "M2-long" => {
            let (rule, bad_names, detail): (&'static str, _, Detail) = if rule == "M2" {
                ("M2", bad::subdomain_regex(), dns_subdomain_regex)
            } else {
                ("M2-long", bad::long_subdomain(), max253)
            };
            mutate(rule, Family::V4, bad_names, move |slice, name| {
                slice.meta.name = Some(name.clone());
                slice.meta.generate_name = None;
                label_causes(rule, "metadata.name".to_owned(), name, detail)
            })
        }
        "M6" | "M6-long" => {
            let (rule, values, detail): (&'static str, _, Detail) = if rule == "M6" {
                ("M6", bad::label_value_regex(), |_| {
                    text::LABEL_VALUE_REGEX.to_owned()
                })
            } else {
                ("M6-long", bad::long_label_value(), |v| {
                    max_len_qualified(63, v)
                })
            };
            mutate(rule, Family::V4, values, move |slice, value| {
                const KEY: &str = "kubernetes.io/service-name";
                slice.meta.labels.retain(|(k, _)| k != KEY);
                slice.meta.labels.push((KEY.to_owned(), value.clone()));
                label_causes(rule, "metadata.labels".to_owned(), value, detail)
            })
        }
        _ => return None,
    };
    Some(strategy)
}

/// ES-I4: an address of the other family. Before 1.33 reported on the item with the old message.
fn wrong_family(slice: &mut Slice, (spot, bad): (Spot, String)) -> PerVersion {
    let ipv6 = is_ipv6(slice);
    let (item, list) = set_address(slice, &spot, &bad);
    Box::new(move |v| {
        let cause = if v.at_least(33) {
            ExpectedCause::invalid(
                "ES-I4",
                list.clone(),
                text::invalid_str(&bad, new_family(ipv6)),
            )
        } else {
            let (rule, detail) = old_family(ipv6);
            ExpectedCause::invalid(rule, item.clone(), text::invalid_str(&bad, detail))
        };
        Some(Outcome::invalid(vec![cause]))
    })
}

/// The versions where `rule`'s mutator states an answer.
pub fn rule_versions(rule: &str) -> VersionRange {
    match rule {
        "ES-I2" => VersionRange {
            from: K8sVersion::new(36),
            to: K8sVersion::NEWEST,
        },
        _ => VersionRange::ALL,
    }
}

/// How many fixtures of `rule` the corpus holds when it asks for `count` per rule: one body of
/// more than 1000 endpoints is enough.
pub(crate) fn corpus_count(rule: &str, count: usize) -> usize {
    if rule == "ES-E1" { count.min(1) } else { count }
}

/// An invalid slice breaking any rule that holds at `v`.
pub fn invalid_endpoint_slice(v: K8sVersion) -> BoxedStrategy<InvalidEndpointSlice> {
    let strategies: Vec<BoxedStrategy<InvalidEndpointSlice>> = MUTATED_RULES
        .iter()
        .filter(|rule| rule_versions(rule).contains(v) && **rule != "ES-E1")
        .filter_map(|rule| invalid_for_rule(rule))
        .collect();
    let n = strategies.len();
    (0..n).prop_flat_map(move |i| strategies[i].clone()).boxed()
}
