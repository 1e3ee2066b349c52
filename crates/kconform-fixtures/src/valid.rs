//! Strategies for valid Endpoints objects, by shape.
//!
//! Every object these strategies yield is accepted by kube-apiserver on create (201) for every version
//! in [`ValidEndpoints::versions`]; only the legacy IP shapes are limited to versions before 1.36.

use kconform_spec::K8sVersion;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

use crate::draw::{self, Draw};
use crate::expect::VersionRange;
use crate::model::{Address, Endpoints, Meta, Port, Subset, Subsets, TargetRef};

/// The shapes of valid objects; each is a file-name stem in the corpus (`valid/<shape>-NNN.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValidShape {
    /// Anything valid: every other shape mixed.
    Any,
    /// IPv4 addresses only.
    Ipv4,
    /// Canonical IPv6 addresses only.
    Ipv6,
    /// IPv6 spelled non-canonically (uppercase, zero-padded, uncompressed, dotted tail): accepted by every version.
    Ipv6NonCanonical,
    /// IPv4 and IPv6 mixed.
    DualStack,
    /// IPv4 with leading zeros: accepted before 1.36 only.
    LeadingZeroIpv4,
    /// IPv4-mapped IPv6: accepted before 1.36 only.
    Ipv4MappedIpv6,
    /// Subsets without ports.
    Headless,
    /// Subsets with only `notReadyAddresses`.
    NotReady,
    /// Four to twelve subsets.
    ManySubsets,
    /// One port without a name.
    SingleUnnamedPort,
    /// Two to six named ports.
    NamedPorts,
    /// Ports with explicit protocols and `appProtocol`.
    Protocols,
    /// Addresses with `hostname`, `nodeName` and `targetRef`.
    AddressDetails,
    /// Labels and annotations.
    LabelsAnnotations,
    /// `generateName` instead of `name`.
    GenerateName,
    /// `subsets: []` or no `subsets` at all.
    EmptySubsets,
}

impl ValidShape {
    /// Every shape, in corpus order.
    pub const ALL: &'static [ValidShape] = &[
        ValidShape::Any,
        ValidShape::Ipv4,
        ValidShape::Ipv6,
        ValidShape::Ipv6NonCanonical,
        ValidShape::DualStack,
        ValidShape::LeadingZeroIpv4,
        ValidShape::Ipv4MappedIpv6,
        ValidShape::Headless,
        ValidShape::NotReady,
        ValidShape::ManySubsets,
        ValidShape::SingleUnnamedPort,
        ValidShape::NamedPorts,
        ValidShape::Protocols,
        ValidShape::AddressDetails,
        ValidShape::LabelsAnnotations,
        ValidShape::GenerateName,
        ValidShape::EmptySubsets,
    ];

    /// The stable name used in file names and the index.
    pub fn name(self) -> &'static str {
        match self {
            ValidShape::Any => "any",
            ValidShape::Ipv4 => "ipv4",
            ValidShape::Ipv6 => "ipv6",
            ValidShape::Ipv6NonCanonical => "ipv6-noncanonical",
            ValidShape::DualStack => "dual-stack",
            ValidShape::LeadingZeroIpv4 => "leading-zero-ipv4",
            ValidShape::Ipv4MappedIpv6 => "ipv4-mapped-ipv6",
            ValidShape::Headless => "headless",
            ValidShape::NotReady => "not-ready",
            ValidShape::ManySubsets => "many-subsets",
            ValidShape::SingleUnnamedPort => "single-unnamed-port",
            ValidShape::NamedPorts => "named-ports",
            ValidShape::Protocols => "protocols",
            ValidShape::AddressDetails => "address-details",
            ValidShape::LabelsAnnotations => "labels-annotations",
            ValidShape::GenerateName => "generate-name",
            ValidShape::EmptySubsets => "empty-subsets",
        }
    }

    /// The versions for which objects of this shape can be generated at all.
    pub fn versions(self) -> VersionRange {
        match self {
            ValidShape::LeadingZeroIpv4 | ValidShape::Ipv4MappedIpv6 => VersionRange {
                from: K8sVersion::OLDEST,
                to: K8sVersion::new(35),
            },
            _ => VersionRange::ALL,
        }
    }
}

/// A valid object and the versions that accept it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEndpoints {
    /// The shape it was drawn from.
    pub shape: ValidShape,
    /// The body, exactly as a client sends it.
    pub object: Value,
    /// The versions that answer 201 to a create of `object`.
    pub versions: VersionRange,
}

/// Which addresses a shape uses.
#[derive(Debug, Clone, Copy)]
enum IpMix {
    Any { legacy: bool },
    V4,
    V6,
    V6NonCanonical,
    Dual,
    LeadingZero,
    Mapped,
}

#[derive(Debug, Clone, Copy)]
enum PortsMode {
    Any,
    None,
    SingleUnnamed,
    Named,
    Protocols,
}

#[derive(Debug, Clone, Copy)]
struct Config {
    ips: IpMix,
    subsets: (usize, usize),
    ready: bool,
    not_ready: bool,
    ports: PortsMode,
    details: bool,
    metadata: bool,
    generate_name: bool,
    /// The mixed shape: some objects use generateName, some have no or empty subsets.
    mixed: bool,
}

const BASE: Config = Config {
    ips: IpMix::Any { legacy: false },
    subsets: (1, 3),
    ready: true,
    not_ready: true,
    ports: PortsMode::Any,
    details: false,
    metadata: false,
    generate_name: false,
    mixed: false,
};

/// An IP and whether it is a legacy (pre-1.36) form.
fn ip_from(mix: IpMix, d: &mut Draw) -> (String, bool) {
    match mix {
        IpMix::V4 => (draw::valid_v4(d), false),
        IpMix::V6 => (draw::valid_v6(d), false),
        IpMix::V6NonCanonical => (draw::valid_v6_noncanonical(d), false),
        IpMix::Dual => {
            if d.bits(1) == 0 {
                (draw::valid_v4(d), false)
            } else {
                (draw::valid_v6(d), false)
            }
        }
        IpMix::LeadingZero => (draw::leading_zero_v4(d), true),
        IpMix::Mapped => (draw::mapped_v6(d), true),
        IpMix::Any { legacy } => match d.bits(4) {
            0..=9 => (draw::valid_v4(d), false),
            10..=13 => (draw::valid_v6(d), false),
            15 if legacy => {
                if d.bits(1) == 0 {
                    (draw::leading_zero_v4(d), true)
                } else {
                    (draw::mapped_v6(d), true)
                }
            }
            _ => (draw::valid_v6_noncanonical(d), false),
        },
    }
}

fn target_ref(d: &mut Draw) -> TargetRef {
    const KINDS: &[&str] = &["Pod", "Node", "Service", "VirtualMachineInstance"];
    let kind = KINDS[d.below(2, KINDS.len())].to_owned();
    let namespace = d.flag(1, 1).then(|| draw::dns_label(&mut d.sub()));
    let name = draw::dns_subdomain(&mut d.sub());
    let uid = d.flag(1, 1).then(|| draw::uid(d));
    let resource_version = d
        .flag(2, 1)
        .then(|| (1 + d.rand() % 10_000_000).to_string());
    TargetRef {
        kind,
        namespace,
        name,
        uid,
        resource_version,
    }
}

fn address_from(mix: IpMix, details: bool, n: u64) -> Address {
    let mut d = Draw::new(n);
    // Presence of hostname, nodeName and targetRef: about 15 % each, 7 in 8 for the address-details shape.
    let hits = if details { 7 } else { 1 };
    let has_hostname = d.flag(3, hits);
    let has_node_name = d.flag(3, hits);
    let has_target_ref = d.flag(3, hits);
    let (ip, legacy) = ip_from(mix, &mut d.sub());
    let hostname = has_hostname.then(|| {
        if d.flag(4, 1) {
            String::new()
        } else {
            draw::dns_label(&mut d.sub())
        }
    });
    let node_name = has_node_name.then(|| {
        if d.flag(3, 1) {
            draw::valid_v4(&mut d.sub())
        } else {
            draw::dns_subdomain(&mut d.sub())
        }
    });
    let target_ref = has_target_ref.then(|| target_ref(&mut d.sub()));
    Address {
        ip,
        legacy,
        hostname,
        node_name,
        target_ref,
    }
}

const COMMON_PORTS: &[i64] = &[80, 443, 53, 8080, 8443, 9090, 6443, 5432, 1, 65535];

fn port_from(named: bool, protocols: bool, n: u64) -> Port {
    const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
    const APP_PROTOCOLS: &[&str] = &[
        "http",
        "HTTP",
        "https",
        "h2c",
        "kubernetes.io/h2c",
        "kubernetes.io/ws",
        "kubernetes.io/wss",
        "mycompany.com/my-proto",
    ];
    let mut d = Draw::new(n);
    let has_protocol = protocols || d.flag(1, 1);
    let has_app_protocol = protocols || d.flag(3, 1);
    let port = if d.bits(2) < 2 {
        COMMON_PORTS[d.below(4, COMMON_PORTS.len())]
    } else {
        1 + (d.rand() % 65535) as i64
    };
    let protocol = has_protocol.then(|| PROTOCOLS[d.below(2, 3)].to_owned());
    let app_protocol = has_app_protocol.then(|| {
        if d.bits(2) < 3 {
            APP_PROTOCOLS[d.below(3, APP_PROTOCOLS.len())].to_owned()
        } else {
            draw::qualified_name(&mut d.sub())
        }
    });
    let name = if named {
        Some(draw::dns_label(&mut d.sub()))
    } else if d.bits(1) == 0 {
        None
    } else {
        Some(String::new())
    };
    Port {
        name,
        port: Some(port),
        protocol,
        app_protocol,
    }
}

fn ports(mode: PortsMode) -> BoxedStrategy<Vec<Port>> {
    let decode = |named: bool, protocols: bool| {
        move |numbers: Vec<u64>| -> Vec<Port> {
            numbers
                .into_iter()
                .map(|n| port_from(named, protocols, n))
                .collect()
        }
    };
    match mode {
        PortsMode::None => Just(Vec::new()).boxed(),
        PortsMode::SingleUnnamed => any::<u64>()
            .prop_map(|n| vec![port_from(false, false, n)])
            .boxed(),
        PortsMode::Named => vec(any::<u64>(), 2..=6)
            .prop_map(decode(true, false))
            .boxed(),
        PortsMode::Protocols => vec(any::<u64>(), 1..=4)
            .prop_map(decode(true, true))
            .boxed(),
        // A quarter of the subsets have one unnamed port; the others zero to four named ones.
        PortsMode::Any => (any::<u8>(), vec(any::<u64>(), 0..=4))
            .prop_map(|(mode, numbers)| {
                if mode >= 192 && !numbers.is_empty() {
                    vec![port_from(false, false, numbers[0])]
                } else {
                    numbers
                        .into_iter()
                        .map(|n| port_from(true, false, n))
                        .collect()
                }
            })
            .boxed(),
    }
}

fn subset(cfg: Config) -> BoxedStrategy<Subset> {
    let n_ready = if cfg.ready { 0..=3usize } else { 0..=0 };
    let n_not_ready = if cfg.not_ready { 0..=2usize } else { 0..=0 };
    // Addresses are drawn as plain numbers and decoded here: no boxed value tree per address.
    (
        any::<u8>(),
        any::<u64>(),
        vec(any::<u64>(), n_ready),
        vec(any::<u64>(), n_not_ready),
        ports(cfg.ports),
    )
        .prop_map(move |(selector, first, ready, not_ready, ports)| {
            let decode = |numbers: Vec<u64>| -> Vec<Address> {
                numbers
                    .into_iter()
                    .map(|n| address_from(cfg.ips, cfg.details, n))
                    .collect()
            };
            let mut addresses = decode(ready);
            let mut not_ready = decode(not_ready);
            // A subset needs at least one address (rule S1): `first` is always there, in a list the shape allows.
            let first_not_ready = !cfg.ready || (cfg.not_ready && selector >= 218);
            let first = address_from(cfg.ips, cfg.details, first);
            if first_not_ready {
                not_ready.insert(0, first);
            } else {
                addresses.insert(0, first);
            }
            Subset {
                addresses,
                not_ready,
                ports,
            }
        })
        .boxed()
}

fn meta(cfg: Config) -> BoxedStrategy<Meta> {
    let (n_labels, n_annotations) = if cfg.metadata {
        (1..=6usize, 1..=6usize)
    } else {
        (0..=3, 0..=2)
    };
    let (generate, mixed, metadata) = (cfg.generate_name, cfg.mixed, cfg.metadata);
    (
        any::<u64>(),
        vec(any::<u64>(), n_labels),
        vec(any::<u64>(), n_annotations),
    )
        .prop_map(move |(n, labels, annotations)| {
            let mut d = Draw::new(n);
            // Without the metadata shape, three objects in four carry neither labels nor annotations.
            let with_maps = metadata || d.flag(2, 1);
            let generate = generate || (mixed && d.flag(4, 1));
            let (name, generate_name) = if generate {
                (None, Some(draw::generate_name(&mut d.sub())))
            } else {
                (Some(draw::dns_subdomain(&mut d.sub())), None)
            };
            let pairs =
                |numbers: &[u64], value: fn(&mut Draw) -> String| -> Vec<(String, String)> {
                    if !with_maps {
                        return Vec::new();
                    }
                    dedup_keys(
                        numbers
                            .iter()
                            .map(|&k| {
                                let mut d = Draw::new(k);
                                (draw::qualified_name(&mut d.sub()), value(&mut d.sub()))
                            })
                            .collect(),
                    )
                };
            Meta {
                name,
                generate_name,
                labels: pairs(&labels, draw::label_value),
                annotations: pairs(&annotations, draw::annotation_value),
                ..Meta::default()
            }
        })
        .boxed()
}

/// JSON objects cannot repeat a key: keep the first of each.
fn dedup_keys(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::BTreeSet::new();
    pairs.retain(|(k, _)| seen.insert(k.clone()));
    pairs
}

fn endpoints(cfg: Config) -> BoxedStrategy<Endpoints> {
    let subsets = vec(subset(cfg), cfg.subsets.0..=cfg.subsets.1);
    // One selector instead of a union: unions clone the test runner for every branch not taken.
    (any::<u8>(), meta(cfg), subsets)
        .prop_map(move |(selector, meta, subsets)| {
            let subsets = match selector {
                0..=7 if cfg.mixed => Subsets::Absent,
                8..=15 if cfg.mixed => Subsets::List(Vec::new()),
                _ => Subsets::List(subsets),
            };
            Endpoints { meta, subsets }
        })
        .boxed()
}

fn empty_subsets(cfg: Config) -> BoxedStrategy<Endpoints> {
    (meta(cfg), prop::bool::ANY)
        .prop_map(|(meta, absent)| Endpoints {
            meta,
            subsets: if absent {
                Subsets::Absent
            } else {
                Subsets::List(Vec::new())
            },
        })
        .boxed()
}

/// The model strategy behind a shape, for generating at version `v`.
pub(crate) fn shape_model(shape: ValidShape, v: K8sVersion) -> BoxedStrategy<Endpoints> {
    let legacy_ok = !v.at_least(36);
    match shape {
        ValidShape::Any => endpoints(Config {
            ips: IpMix::Any { legacy: legacy_ok },
            mixed: true,
            ..BASE
        }),
        ValidShape::Ipv4 => endpoints(Config {
            ips: IpMix::V4,
            ..BASE
        }),
        ValidShape::Ipv6 => endpoints(Config {
            ips: IpMix::V6,
            ..BASE
        }),
        ValidShape::Ipv6NonCanonical => endpoints(Config {
            ips: IpMix::V6NonCanonical,
            ..BASE
        }),
        ValidShape::DualStack => endpoints(Config {
            ips: IpMix::Dual,
            subsets: (1, 4),
            ..BASE
        }),
        ValidShape::LeadingZeroIpv4 => endpoints(Config {
            ips: IpMix::LeadingZero,
            ..BASE
        }),
        ValidShape::Ipv4MappedIpv6 => endpoints(Config {
            ips: IpMix::Mapped,
            ..BASE
        }),
        ValidShape::Headless => endpoints(Config {
            ports: PortsMode::None,
            ..BASE
        }),
        ValidShape::NotReady => endpoints(Config {
            ready: false,
            ..BASE
        }),
        ValidShape::ManySubsets => endpoints(Config {
            subsets: (4, 12),
            ..BASE
        }),
        ValidShape::SingleUnnamedPort => endpoints(Config {
            ports: PortsMode::SingleUnnamed,
            subsets: (1, 2),
            ..BASE
        }),
        ValidShape::NamedPorts => endpoints(Config {
            ports: PortsMode::Named,
            ..BASE
        }),
        ValidShape::Protocols => endpoints(Config {
            ports: PortsMode::Protocols,
            ..BASE
        }),
        ValidShape::AddressDetails => endpoints(Config {
            details: true,
            ..BASE
        }),
        ValidShape::LabelsAnnotations => endpoints(Config {
            metadata: true,
            subsets: (1, 2),
            ..BASE
        }),
        ValidShape::GenerateName => endpoints(Config {
            generate_name: true,
            subsets: (1, 2),
            ..BASE
        }),
        ValidShape::EmptySubsets => empty_subsets(BASE),
    }
}

/// A valid object of any shape, accepted by `v` (legacy IP forms only when `v` is before 1.36).
///
/// The objects are shaped exactly as a client sends them: `apiVersion: v1`, `kind: Endpoints`, `metadata`, `subsets`.
pub fn valid_endpoints(v: K8sVersion) -> BoxedStrategy<Value> {
    shape_model(ValidShape::Any, v)
        .prop_map(|ep| ep.to_value())
        .boxed()
}

/// A valid object of one shape, generated for version `v`, with the versions that accept it.
///
/// Legacy shapes ([`ValidShape::LeadingZeroIpv4`], [`ValidShape::Ipv4MappedIpv6`]) generated for 1.36 or later
/// still yield their pre-1.36 objects; [`ValidEndpoints::versions`] says which versions accept them.
pub fn valid_shape(shape: ValidShape, v: K8sVersion) -> BoxedStrategy<ValidEndpoints> {
    let gen_version = if shape.versions().contains(v) {
        v
    } else {
        shape.versions().to
    };
    shape_model(shape, gen_version)
        .prop_map(move |ep| {
            let versions = if ep.uses_legacy_ip() {
                VersionRange {
                    from: K8sVersion::OLDEST,
                    to: K8sVersion::new(35),
                }
            } else {
                VersionRange::ALL
            };
            ValidEndpoints {
                shape,
                object: ep.to_value(),
                versions,
            }
        })
        .boxed()
}

/// The model of a valid object accepted by every modelled version: the base the invalid mutators start from.
pub(crate) fn base_model() -> BoxedStrategy<Endpoints> {
    endpoints(Config {
        subsets: (0, 2),
        ..BASE
    })
}
