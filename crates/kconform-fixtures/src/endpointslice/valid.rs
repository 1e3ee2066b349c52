//! Strategies for valid EndpointSlices, by shape, each with the answer per version: 201, with the
//! `Warning`s kube-apiserver sends (FQDN is deprecated; `hints.forNodes` is an unknown field before
//! 1.33) and the fields it drops (`hints.forNodes` before 1.33, `deprecatedTopology` always).

use kconform_spec::K8sVersion;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::model::{Conditions, Endpoint, Hints, Slice};
use crate::expect::{Expectation, Outcome, VersionRange, by_version};
use crate::ip::{self, V6Style};
use crate::model::{Meta, Port, TargetRef};
use crate::names::{self, truncate_subdomain};
use crate::text;

/// The shapes of valid slices; each is a file-name stem in the corpus (`valid/<shape>-NNN.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SliceShape {
    /// Anything valid: the other shapes mixed (IPv4, IPv6 or FQDN).
    Any,
    /// `addressType: IPv4`.
    Ipv4,
    /// `addressType: IPv6`, canonical addresses.
    Ipv6,
    /// `addressType: IPv6` spelled non-canonically (uppercase, zero-padded, uncompressed, dotted tail).
    Ipv6NonCanonical,
    /// `addressType: FQDN` (accepted with the deprecation warning).
    Fqdn,
    /// Endpoints with `conditions` (ready, serving, terminating).
    Conditions,
    /// Endpoints with `hostname`, `nodeName`, `zone` and `targetRef`.
    EndpointDetails,
    /// Endpoints with `hints.forZones`.
    HintsForZones,
    /// Endpoints with `hints.forNodes` (and zones): stored from 1.33, dropped with a warning before.
    HintsForNodes,
    /// Named ports with protocols and `appProtocol`.
    Ports,
    /// One port without a name (and perhaps without a number).
    UnnamedPort,
    /// No ports at all.
    NoPorts,
    /// The `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by` labels.
    ServiceLabels,
    /// `generateName` instead of `name`.
    GenerateName,
    /// `endpoints: []` or no `endpoints`.
    Empty,
    /// IPv4 with leading zeros: accepted before 1.36 only.
    LeadingZeroIpv4,
    /// IPv4-mapped IPv6 in an IPv4 slice: accepted before 1.36 only.
    Ipv4MappedIpv6,
}

impl SliceShape {
    /// Every shape, in corpus order.
    pub const ALL: &'static [SliceShape] = &[
        SliceShape::Any,
        SliceShape::Ipv4,
        SliceShape::Ipv6,
        SliceShape::Ipv6NonCanonical,
        SliceShape::Fqdn,
        SliceShape::Conditions,
        SliceShape::EndpointDetails,
        SliceShape::HintsForZones,
        SliceShape::HintsForNodes,
        SliceShape::Ports,
        SliceShape::UnnamedPort,
        SliceShape::NoPorts,
        SliceShape::ServiceLabels,
        SliceShape::GenerateName,
        SliceShape::Empty,
        SliceShape::LeadingZeroIpv4,
        SliceShape::Ipv4MappedIpv6,
    ];

    /// The stable name used in file names and the index.
    pub fn name(self) -> &'static str {
        match self {
            SliceShape::Any => "any",
            SliceShape::Ipv4 => "ipv4",
            SliceShape::Ipv6 => "ipv6",
            SliceShape::Ipv6NonCanonical => "ipv6-noncanonical",
            SliceShape::Fqdn => "fqdn",
            SliceShape::Conditions => "conditions",
            SliceShape::EndpointDetails => "endpoint-details",
            SliceShape::HintsForZones => "hints-for-zones",
            SliceShape::HintsForNodes => "hints-for-nodes",
            SliceShape::Ports => "ports",
            SliceShape::UnnamedPort => "unnamed-port",
            SliceShape::NoPorts => "no-ports",
            SliceShape::ServiceLabels => "service-labels",
            SliceShape::GenerateName => "generate-name",
            SliceShape::Empty => "empty",
            SliceShape::LeadingZeroIpv4 => "leading-zero-ipv4",
            SliceShape::Ipv4MappedIpv6 => "ipv4-mapped-ipv6",
        }
    }

    /// The versions that accept objects of this shape.
    pub fn versions(self) -> VersionRange {
        match self {
            SliceShape::LeadingZeroIpv4 | SliceShape::Ipv4MappedIpv6 => VersionRange {
                from: K8sVersion::OLDEST,
                to: K8sVersion::new(35),
            },
            _ => VersionRange::ALL,
        }
    }
}

/// A valid slice and the answers a server gives to its create.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEndpointSlice {
    /// The shape it was drawn from.
    pub shape: SliceShape,
    /// The body, exactly as a client sends it.
    pub object: Value,
    /// The versions that answer 201 to a create of `object`.
    pub versions: VersionRange,
    /// The 201 per range of versions, with its warnings and dropped fields.
    pub expected: Vec<Expectation>,
}

/// Which addresses a slice holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
    V6NonCanonical,
    Fqdn,
    LeadingZero,
    Mapped,
}

impl Family {
    pub(crate) fn address_type(self) -> &'static str {
        match self {
            Family::V4 | Family::LeadingZero | Family::Mapped => "IPv4",
            Family::V6 | Family::V6NonCanonical => "IPv6",
            Family::Fqdn => "FQDN",
        }
    }
}

/// A valid FQDN address: a lowercase DNS subdomain of two to four labels.
pub(crate) fn fqdn() -> BoxedStrategy<String> {
    vec(names::dns_label(), 2..=4)
        .prop_map(|labels| truncate_subdomain(labels.join("."), 253))
        .boxed()
}

/// A valid address of `family`.
pub(crate) fn address(family: Family) -> BoxedStrategy<String> {
    let styles = select(
        &[
            V6Style::Upper,
            V6Style::ZeroPadded,
            V6Style::Full,
            V6Style::FullPaddedUpper,
            V6Style::DottedTail,
        ][..],
    );
    match family {
        Family::V4 => ip::valid_v4(),
        Family::V6 => ip::valid_v6(),
        Family::V6NonCanonical => (ip::valid_v6_groups(), styles)
            .prop_map(|(g, style)| ip::v6_styled(g, style))
            .boxed(),
        Family::Fqdn => fqdn(),
        Family::LeadingZero => ip::legacy_leading_zero_v4(),
        Family::Mapped => ip::legacy_mapped_v6(),
    }
}

#[derive(Debug, Clone, Copy)]
enum PortsMode {
    Any,
    None,
    Unnamed,
    Named,
}

#[derive(Debug, Clone, Copy)]
struct Config {
    family: Family,
    endpoints: (usize, usize),
    addresses: (usize, usize),
    /// Probability of each optional endpoint part (conditions, details, zone hints).
    conditions: f64,
    details: f64,
    zones: f64,
    nodes: bool,
    ports: PortsMode,
    labels: bool,
    generate_name: bool,
    /// The mixed shape: some slices have no or empty `endpoints`, some use generateName.
    mixed: bool,
}

const BASE: Config = Config {
    family: Family::V4,
    endpoints: (1, 3),
    addresses: (1, 2),
    conditions: 0.3,
    details: 0.2,
    zones: 0.0,
    nodes: false,
    ports: PortsMode::Any,
    labels: false,
    generate_name: false,
    mixed: false,
};

fn conditions() -> BoxedStrategy<Conditions> {
    (
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
    )
        .prop_map(|(ready, serving, terminating)| Conditions {
            ready,
            serving,
            terminating,
        })
        .boxed()
}

fn target_ref() -> BoxedStrategy<TargetRef> {
    (
        names::dns_subdomain(),
        option::of(names::dns_label()),
        option::of(any::<u64>()),
    )
        .prop_map(|(name, namespace, uid)| TargetRef {
            kind: "Pod".to_owned(),
            namespace,
            name,
            uid: uid.map(|n| format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff)),
            resource_version: None,
        })
        .boxed()
}

/// The endpoint's `zone`: kube-apiserver does not check it.
fn zone() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(&["us-east-1a", "us-east-1b", "europe-west1-b", "zone-a", "zone-b"][..]).prop_map(str::to_owned),
        1 => names::dns_label(),
    ]
    .boxed()
}

/// Distinct names, first occurrence kept.
pub(crate) fn distinct(mut names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// One to eight distinct zone hints.
pub(crate) fn zone_hints(max: usize) -> BoxedStrategy<Vec<String>> {
    vec(prop_oneof![3 => zone(), 1 => names::label_value()], 1..=max)
        .prop_map(distinct)
        .boxed()
}

/// One to eight distinct node hints.
pub(crate) fn node_hints(max: usize) -> BoxedStrategy<Vec<String>> {
    vec(names::dns_subdomain(), 1..=max)
        .prop_map(distinct)
        .boxed()
}

/// `Some` with probability `p` (0 and 1 included, which `option::weighted` refuses).
fn maybe<T: std::fmt::Debug + Clone + 'static>(
    p: f64,
    strategy: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    if p <= 0.0 {
        Just(None).boxed()
    } else if p >= 1.0 {
        strategy.prop_map(Some).boxed()
    } else {
        option::weighted(p, strategy).boxed()
    }
}

fn endpoint(cfg: Config) -> BoxedStrategy<Endpoint> {
    let details = (
        option::of(names::dns_label()),
        option::of(target_ref()),
        option::of(names::dns_subdomain()),
        option::of(zone()),
    );
    (
        vec(address(cfg.family), cfg.addresses.0..=cfg.addresses.1),
        maybe(cfg.conditions, conditions()),
        maybe(cfg.details, details),
        maybe(cfg.zones, zone_hints(8)),
        maybe(if cfg.nodes { 1.0 } else { 0.0 }, node_hints(8)),
    )
        .prop_map(|(addresses, conditions, details, zones, nodes)| {
            let (hostname, target_ref, node_name, zone) = details.unwrap_or_default();
            let hints = (zones.is_some() || nodes.is_some()).then_some(Hints {
                for_zones: zones,
                for_nodes: nodes,
            });
            Endpoint {
                addresses: Some(addresses),
                conditions,
                hostname,
                target_ref,
                node_name,
                zone,
                hints,
                deprecated_topology: None,
            }
        })
        .boxed()
}

const APP_PROTOCOLS: &[&str] = &[
    "http",
    "https",
    "h2c",
    "grpc",
    "kubernetes.io/h2c",
    "kubernetes.io/ws",
    "kubernetes.io/wss",
    "example.com/custom",
];

fn port(named: bool) -> BoxedStrategy<Port> {
    (
        maybe(if named { 1.0 } else { 0.8 }, names::dns_label()),
        option::weighted(0.9, 1i64..=65535),
        option::of(select(&["TCP", "UDP", "SCTP"][..])),
        option::weighted(
            0.4,
            prop_oneof![2 => select(APP_PROTOCOLS).prop_map(str::to_owned), 1 => names::name_part()],
        ),
    )
        .prop_map(|(name, port, protocol, app_protocol)| Port {
            name,
            port,
            protocol: protocol.map(str::to_owned),
            app_protocol,
        })
        .boxed()
}

/// Ports with distinct names (an absent name is the empty name, which may appear once).
pub(crate) fn distinct_ports(mut ports: Vec<Port>) -> Vec<Port> {
    let mut seen = std::collections::BTreeSet::new();
    ports.retain(|p| seen.insert(p.name.clone().unwrap_or_default()));
    ports
}

fn ports(mode: PortsMode) -> BoxedStrategy<Option<Vec<Port>>> {
    match mode {
        PortsMode::Any => {
            option::weighted(0.85, vec(port(false), 0..=4).prop_map(distinct_ports)).boxed()
        }
        PortsMode::None => prop_oneof![Just(None), Just(Some(Vec::new()))].boxed(),
        PortsMode::Unnamed => (option::weighted(0.8, 1i64..=65535), any::<bool>())
            .prop_map(|(port, udp)| {
                Some(vec![Port {
                    name: None,
                    port,
                    protocol: udp.then(|| "UDP".to_owned()),
                    app_protocol: None,
                }])
            })
            .boxed(),
        PortsMode::Named => vec(port(true), 1..=6)
            .prop_map(|p| Some(distinct_ports(p)))
            .boxed(),
    }
}

const LABEL_KEYS: &[&str] = &[
    "app",
    "tier",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "example.com/team",
];

fn meta(cfg: Config) -> BoxedStrategy<Meta> {
    let generate = cfg.generate_name;
    let mixed = cfg.mixed;
    let labels = cfg.labels;
    (
        names::dns_subdomain(),
        names::dns_label(),
        0u8..8,
        maybe(if labels { 1.0 } else { 0.2 }, names::dns_label()),
        option::weighted(
            if labels { 0.7 } else { 0.1 },
            select(
                &[
                    "endpointslice-controller.k8s.io",
                    "mesh-controller.example.com",
                ][..],
            ),
        ),
        vec(
            (select(LABEL_KEYS), names::label_value()),
            0..=if labels { 3 } else { 1 },
        ),
    )
        .prop_map(move |(name, prefix, pick, service, managed_by, others)| {
            let generate = generate || (mixed && pick == 0);
            let mut pairs: Vec<(String, String)> = Vec::new();
            if let Some(service) = service {
                pairs.push(("kubernetes.io/service-name".to_owned(), service));
            }
            if let Some(manager) = managed_by {
                pairs.push((
                    "endpointslice.kubernetes.io/managed-by".to_owned(),
                    manager.to_owned(),
                ));
            }
            for (k, v) in others {
                if !pairs.iter().any(|(key, _)| key == k) {
                    pairs.push((k.to_owned(), v));
                }
            }
            let (name, generate_name) = if generate {
                (None, Some(format!("{}-", truncate_subdomain(prefix, 50))))
            } else {
                (Some(name), None)
            };
            Meta {
                name,
                generate_name,
                labels: pairs,
                ..Meta::default()
            }
        })
        .boxed()
}

fn slice(cfg: Config) -> BoxedStrategy<Slice> {
    (
        meta(cfg),
        vec(endpoint(cfg), cfg.endpoints.0..=cfg.endpoints.1),
        ports(cfg.ports),
        0u8..16,
    )
        .prop_map(move |(meta, endpoints, ports, pick)| {
            let endpoints = match pick {
                0 if cfg.mixed => None,
                1 if cfg.mixed => Some(Vec::new()),
                _ => Some(endpoints),
            };
            Slice {
                meta,
                address_type: Some(cfg.family.address_type().to_owned()),
                endpoints,
                ports,
            }
        })
        .boxed()
}

/// The model strategy behind a shape.
pub(crate) fn shape_model(shape: SliceShape) -> BoxedStrategy<Slice> {
    let with = |cfg: Config| slice(cfg);
    match shape {
        SliceShape::Any => {
            let mixed = |family| Config {
                family,
                endpoints: (1, 4),
                addresses: (1, 3),
                zones: 0.2,
                mixed: true,
                ..BASE
            };
            prop_oneof![
                4 => with(mixed(Family::V4)),
                2 => with(mixed(Family::V6)),
                1 => with(mixed(Family::Fqdn)),
            ]
            .boxed()
        }
        SliceShape::Ipv4 => with(BASE),
        SliceShape::Ipv6 => with(Config {
            family: Family::V6,
            ..BASE
        }),
        SliceShape::Ipv6NonCanonical => with(Config {
            family: Family::V6NonCanonical,
            ..BASE
        }),
        SliceShape::Fqdn => with(Config {
            family: Family::Fqdn,
            ..BASE
        }),
        SliceShape::Conditions => with(Config {
            endpoints: (2, 6),
            conditions: 1.0,
            ..BASE
        }),
        SliceShape::EndpointDetails => with(Config {
            details: 1.0,
            ..BASE
        }),
        SliceShape::HintsForZones => with(Config {
            details: 0.5,
            zones: 1.0,
            ..BASE
        }),
        SliceShape::HintsForNodes => with(Config {
            endpoints: (1, 2),
            zones: 0.5,
            nodes: true,
            ..BASE
        }),
        SliceShape::Ports => with(Config {
            ports: PortsMode::Named,
            ..BASE
        }),
        SliceShape::UnnamedPort => with(Config {
            ports: PortsMode::Unnamed,
            ..BASE
        }),
        SliceShape::NoPorts => with(Config {
            ports: PortsMode::None,
            ..BASE
        }),
        SliceShape::ServiceLabels => with(Config {
            labels: true,
            ..BASE
        }),
        SliceShape::GenerateName => with(Config {
            generate_name: true,
            ..BASE
        }),
        SliceShape::Empty => (meta(BASE), any::<bool>(), ports(PortsMode::Any))
            .prop_map(|(meta, absent, ports)| Slice {
                meta,
                address_type: Some("IPv4".to_owned()),
                endpoints: (!absent).then(Vec::new),
                ports,
            })
            .boxed(),
        SliceShape::LeadingZeroIpv4 => with(Config {
            family: Family::LeadingZero,
            ..BASE
        }),
        SliceShape::Ipv4MappedIpv6 => with(Config {
            family: Family::Mapped,
            ..BASE
        }),
    }
}

/// The 201 a server answers at each version of `versions` to a create of `slice`: the unknown-field
/// warnings of decoding first, then the FQDN deprecation.
pub(crate) fn created_expectations(slice: &Slice, versions: VersionRange) -> Vec<Expectation> {
    let for_nodes = slice.for_nodes_paths();
    let topology: Vec<String> = slice
        .endpoints
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, e)| e.deprecated_topology.is_some())
        .map(|(i, _)| format!("endpoints[{i}].deprecatedTopology"))
        .collect();
    let fqdn = slice.address_type.as_deref() == Some("FQDN");
    by_version(|v| {
        versions.contains(v).then(|| {
            let mut warnings = Vec::new();
            let mut dropped = Vec::new();
            if !v.at_least(33) {
                for path in &for_nodes {
                    warnings.push(text::unknown_field(path));
                    dropped.push(path.clone());
                }
            }
            if fqdn {
                warnings.push(text::FQDN_DEPRECATED.to_owned());
            }
            dropped.extend(topology.iter().cloned());
            Outcome::created_with(warnings, dropped)
        })
    })
}

/// A valid slice of one shape with its answers per version.
pub fn valid_slice_shape(shape: SliceShape) -> BoxedStrategy<ValidEndpointSlice> {
    shape_model(shape)
        .prop_map(move |slice| {
            let versions = shape.versions();
            ValidEndpointSlice {
                shape,
                object: slice.to_value(),
                versions,
                expected: created_expectations(&slice, versions),
            }
        })
        .boxed()
}

/// A valid slice of any shape that `v` accepts (legacy IP forms only before 1.36).
pub fn valid_endpoint_slice(v: K8sVersion) -> BoxedStrategy<Value> {
    let shapes: Vec<SliceShape> = SliceShape::ALL
        .iter()
        .copied()
        .filter(|s| s.versions().contains(v))
        .collect();
    select(shapes)
        .prop_flat_map(|shape| shape_model(shape).prop_map(|s| s.to_value()))
        .boxed()
}

/// The model of a valid slice of `family` that every version accepts without a warning (FQDN
/// aside): the base the invalid mutators start from.
pub(crate) fn base_model(family: Family) -> BoxedStrategy<Slice> {
    slice(Config {
        family,
        endpoints: (1, 3),
        ports: PortsMode::Named,
        ..BASE
    })
}
