//! Hand-written corner cases: every example of §2.2 and §2.3 of the behaviour document and of the
//! real-server recordings, valid and invalid, each with its expected answer.

use std::collections::BTreeMap;

use kconform_spec::K8sVersion;
use serde_json::{Value, json};

use crate::expect::{Expectation, ExpectedCause, Outcome, VersionRange, by_version};
use crate::invalid::Body;
use crate::text;

/// One hand-written case.
#[derive(Debug, Clone, PartialEq)]
pub struct CornerCase {
    /// File-name stem after `corner-`, e.g. `A1-zone`.
    pub name: String,
    /// True for bodies a server must accept.
    pub valid: bool,
    /// Rule ids the body breaks, in the order of its causes (empty when valid).
    pub rules: Vec<String>,
    /// What is POSTed.
    pub body: Body,
    /// The expected answers per range of versions.
    pub expected: Vec<Expectation>,
    /// How the body is sent when it is not a plain POST to the collection.
    pub replay: Replay,
}

/// How a fixture is sent. The default is a create: a POST of the body to the collection, without query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Replay {
    /// When set, the fixture is an update: this object is created (POST) first, and the body is a JSON merge
    /// patch (`application/merge-patch+json`) sent to the created object's URL.
    pub stored: Option<Value>,
    /// True when the stored object is deleted (DELETE) before the patch; it carries a finalizer, so it stays
    /// with `deletionTimestamp` set.
    pub delete_stored: bool,
    /// Query parameters of the request (e.g. `fieldValidation=Strict`).
    pub query: BTreeMap<String, String>,
}

const HTTP_PORT: fn() -> Value = || json!([{"name": "http", "port": 80, "protocol": "TCP"}]);

fn object(name: &str, subsets: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name}, "subsets": subsets})
}

fn with_ip(ip: &str) -> Value {
    object(
        "ep-1",
        json!([{"addresses": [{"ip": ip}], "ports": HTTP_PORT()}]),
    )
}

fn with_meta(meta: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": meta,
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": HTTP_PORT()}]})
}

fn valid(name: &str, body: Value, versions: VersionRange) -> CornerCase {
    CornerCase {
        name: name.to_owned(),
        valid: true,
        rules: Vec::new(),
        body: Body::Json(body),
        expected: vec![Expectation {
            versions,
            outcome: Outcome::created(),
        }],
        replay: Replay::default(),
    }
}

pub(crate) fn rules_of(expected: &[Expectation]) -> Vec<String> {
    let mut rules: Vec<String> = Vec::new();
    for e in expected {
        for c in &e.outcome.causes {
            if !rules.contains(&c.rule) {
                rules.push(c.rule.clone());
            }
        }
    }
    rules
}

pub(crate) fn invalid_by_version(
    name: &str,
    body: Value,
    per_version: impl FnMut(K8sVersion) -> Option<Outcome>,
) -> CornerCase {
    let expected = by_version(per_version);
    CornerCase {
        name: name.to_owned(),
        valid: false,
        rules: rules_of(&expected),
        body: Body::Json(body),
        expected,
        replay: Replay::default(),
    }
}

fn invalid(
    name: &str,
    body: Value,
    causes: impl Fn(K8sVersion) -> Vec<ExpectedCause>,
) -> CornerCase {
    invalid_by_version(name, body, |v| Some(Outcome::invalid(causes(v))))
}

fn bad_request(name: &str, rule: &str, body: Body, message: Option<String>) -> CornerCase {
    CornerCase {
        name: name.to_owned(),
        valid: false,
        rules: vec![rule.to_owned()],
        body,
        expected: by_version(|_| Some(Outcome::bad_request(message.clone()))),
        replay: Replay::default(),
    }
}

pub(crate) fn cause(rule: &str, field: &str, value: &str, detail: &str) -> ExpectedCause {
    ExpectedCause::invalid(rule, field, text::invalid_str(value, detail))
}

const IP0: &str = "subsets[0].addresses[0].ip";
const A1A: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const A1B: &str = "must be a valid IP address";
const LOOPBACK: &str = "may not be in the loopback range (127.0.0.0/8, ::1/128)";
const LINK_LOCAL: &str = "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
const LL_MULTICAST: &str = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";

pub(crate) fn before_1_36() -> VersionRange {
    VersionRange {
        from: K8sVersion::OLDEST,
        to: K8sVersion::new(35),
    }
}

fn decode_prefix() -> &'static str {
    "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: "
}

/// Every corner case, valid ones first, in a stable order.
pub fn corner_cases() -> Vec<CornerCase> {
    let all = VersionRange::ALL;
    let mut out = vec![
        valid(
            "headless-no-ports",
            object("ep-1", json!([{"addresses": [{"ip": "10.1.2.3"}]}])),
            all,
        ),
        valid("empty-subsets-list", object("ep-1", json!([])), all),
        valid(
            "no-subsets",
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ep-2"}}),
            all,
        ),
        valid(
            "leading-zero-ipv4",
            with_ip("010.010.001.001"),
            before_1_36(),
        ),
        valid(
            "ipv4-mapped-ipv6",
            with_ip("::ffff:10.10.3.3"),
            before_1_36(),
        ),
        valid("ipv6-uppercase", with_ip("2001:DB8::1"), all),
        valid("ipv6-zero-padded", with_ip("2001:0db8::1"), all),
        valid("global-multicast-ipv4", with_ip("239.1.1.1"), all),
        valid("global-multicast-ipv6", with_ip("ff05::1"), all),
        valid("broadcast", with_ip("255.255.255.255"), all),
        valid(
            "private-and-public",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}, {"ip": "172.16.0.1"}, {"ip": "192.168.1.1"}, {"ip": "8.8.8.8"}, {"ip": "2001:4860:4860::8888"}], "ports": HTTP_PORT()}]),
            ),
            all,
        ),
        valid(
            "duplicate-ips",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}, {"ip": "10.1.2.3"}], "notReadyAddresses": [{"ip": "10.1.2.3"}], "ports": HTTP_PORT()}]),
            ),
            all,
        ),
        valid(
            "hostname-empty",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3", "hostname": ""}], "ports": HTTP_PORT()}]),
            ),
            all,
        ),
        valid(
            "ip-looking-node-name",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3", "nodeName": "10.10.1.1"}], "ports": HTTP_PORT()}]),
            ),
            all,
        ),
        valid(
            "target-ref-unvalidated",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3", "targetRef": {"kind": "Pod", "namespace": "elsewhere", "name": "does-not-exist", "uid": "00000000-0000-4000-8000-000000000001", "fieldPath": "x"}}], "ports": HTTP_PORT()}]),
            ),
            all,
        ),
        valid(
            "duplicate-port-names",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}]}]),
            ),
            all,
        ),
        valid(
            "duplicate-port-numbers",
            object(
                "ep-2",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]}]),
            ),
            all,
        ),
        valid(
            "single-unnamed-port",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]),
            ),
            all,
        ),
        valid(
            "protocol-empty-string",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": ""}]}]),
            ),
            all,
        ),
        valid(
            "port-edge-values",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "a", "port": 1, "protocol": "UDP"}, {"name": "b", "port": 65535, "protocol": "SCTP", "appProtocol": "kubernetes.io/h2c"}]}]),
            ),
            all,
        ),
        valid(
            "app-protocol-examples",
            object(
                "ep-1",
                json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [
                {"name": "a", "port": 80, "appProtocol": "HTTP"}, {"name": "b", "port": 81, "appProtocol": "http"},
                {"name": "c", "port": 82, "appProtocol": "kubernetes.io/h2c"}, {"name": "d", "port": 83, "appProtocol": "mycompany.com/my-proto"}]}]),
            ),
            all,
        ),
        valid(
            "controller-annotations",
            with_meta(
                json!({"name": "ep-1", "annotations": {"endpoints.kubernetes.io/over-capacity": "truncated", "endpoints.kubernetes.io/last-change-trigger-time": "2026-11-27T13:00:00Z"}}),
            ),
            all,
        ),
        valid("name-with-dots", with_meta(json!({"name": "a.b.c"})), all),
        valid("name-all-digits", with_meta(json!({"name": "123"})), all),
        valid("name-253", with_meta(json!({"name": "n".repeat(253)})), all),
        valid(
            "generate-name",
            with_meta(json!({"generateName": "ep-gen-"})),
            all,
        ),
        valid(
            "no-kind-no-api-version",
            json!({"metadata": {"name": "ep-3"}, "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": HTTP_PORT()}]}),
            all,
        ),
    ];

    // §2.2 S1.
    let s1 = || {
        vec![ExpectedCause::new(
            "S1",
            "FieldValueRequired",
            "subsets[0]",
            Some("Required value: must specify `addresses` or `notReadyAddresses`".into()),
        )]
    };
    out.push(invalid(
        "S1-ports-only",
        object("ep-1", json!([{"ports": HTTP_PORT()}])),
        |_| s1(),
    ));
    out.push(invalid(
        "S1-empty-subset",
        object("ep-2", json!([{}])),
        |_| s1(),
    ));

    // §2.2 A1: two causes per unparseable IP.
    for (name, ip) in [
        ("empty", ""),
        ("foo", "foo"),
        ("cidr", "1.2.3.4/24"),
        ("brackets", "[::1]"),
        ("zone", "fe80::1%eth0"),
        ("short", "127.1"),
    ] {
        out.push(invalid(&format!("A1-{name}"), with_ip(ip), |_| {
            vec![cause("A1", IP0, ip, A1A), cause("A1-second", IP0, ip, A1B)]
        }));
    }
    let not_ready = |ip: &str| {
        object(
            "ep-1",
            json!([{"notReadyAddresses": [{"ip": ip}], "ports": HTTP_PORT()}]),
        )
    };
    const NR0: &str = "subsets[0].notReadyAddresses[0].ip";
    out.push(invalid("A1-not-ready", not_ready("foo"), |_| {
        vec![
            cause("A1", NR0, "foo", A1A),
            cause("A1-second", NR0, "foo", A1B),
        ]
    }));

    // §2.2 A2, A3: rejected from 1.36 only.
    for (name, rule, ip, detail) in [
        (
            "A2-leading-zeros",
            "A2",
            "010.010.001.001",
            "must not have leading 0s",
        ),
        (
            "A3-ipv4-mapped",
            "A3",
            "::ffff:10.10.3.3",
            "must not be an IPv4-mapped IPv6 address",
        ),
    ] {
        out.push(invalid_by_version(name, with_ip(ip), |v| {
            v.at_least(36)
                .then(|| Outcome::invalid(vec![cause(rule, IP0, ip, detail)]))
        }));
    }
    // Recorded: the mapped loopback address is range-checked as IPv4 in every version, and also rejected as mapped in 1.36.
    out.push(invalid(
        "A6-ipv4-mapped-loopback",
        with_ip("::ffff:127.0.0.1"),
        |v| {
            let mut causes = Vec::new();
            if v.at_least(36) {
                causes.push(cause(
                    "A3",
                    IP0,
                    "::ffff:127.0.0.1",
                    "must not be an IPv4-mapped IPv6 address",
                ));
            }
            causes.push(cause("A6", IP0, "::ffff:127.0.0.1", LOOPBACK));
            causes
        },
    ));

    // §2.2 A5–A8.
    for (name, rule, ip, detail) in [
        (
            "A5-ipv4",
            "A5",
            "0.0.0.0",
            "may not be unspecified (0.0.0.0)",
        ),
        ("A5-ipv6", "A5", "::", "may not be unspecified (::)"),
        ("A6-ipv4", "A6", "127.0.0.1", LOOPBACK),
        ("A6-ipv6", "A6", "::1", LOOPBACK),
        ("A7-ipv4", "A7", "169.254.169.254", LINK_LOCAL),
        ("A7-ipv6", "A7", "fe80::1", LINK_LOCAL),
        ("A8-ipv4", "A8", "224.0.0.1", LL_MULTICAST),
        ("A8-ipv6", "A8", "ff02::1", LL_MULTICAST),
        ("A8-ipv6-flags", "A8", "ff12::1", LL_MULTICAST),
    ] {
        out.push(invalid(name, with_ip(ip), |_| {
            vec![cause(rule, IP0, ip, detail)]
        }));
    }
    out.push(invalid("A6-not-ready", not_ready("127.0.0.1"), |_| {
        vec![cause("A6", NR0, "127.0.0.1", LOOPBACK)]
    }));

    // §2.2 H1, N1.
    let address = |extra: Value| {
        let mut a = json!({"ip": "10.1.2.3"});
        if let (Value::Object(a), Value::Object(e)) = (&mut a, extra) {
            a.extend(e);
        }
        object("ep-1", json!([{"addresses": [a], "ports": HTTP_PORT()}]))
    };
    const HOST: &str = "subsets[0].addresses[0].hostname";
    const NODE: &str = "subsets[0].addresses[0].nodeName";
    let h64 = "h".repeat(64);
    let n254 = "n".repeat(254);
    out.push(invalid(
        "H1-uppercase",
        address(json!({"hostname": "Host-A"})),
        |_| vec![cause("H1", HOST, "Host-A", text::DNS_LABEL_REGEX)],
    ));
    out.push(invalid(
        "H1-dots",
        address(json!({"hostname": "a.b"})),
        |_| vec![cause("H1-dots", HOST, "a.b", "must not contain dots")],
    ));
    out.push(invalid(
        "H1-long",
        address(json!({"hostname": h64})),
        |_| vec![cause("H1-long", HOST, &h64, &text::max_len_characters(63))],
    ));
    out.push(invalid(
        "N1-underscore",
        address(json!({"nodeName": "Node_1"})),
        |_| vec![cause("N1", NODE, "Node_1", text::DNS_SUBDOMAIN_REGEX)],
    ));
    out.push(invalid(
        "N1-empty",
        address(json!({"nodeName": ""})),
        |_| vec![cause("N1", NODE, "", text::DNS_SUBDOMAIN_REGEX)],
    ));
    out.push(invalid(
        "N1-long",
        address(json!({"nodeName": n254})),
        |_| {
            vec![cause(
                "N1-long",
                NODE,
                &n254,
                &text::max_len_characters(253),
            )]
        },
    ));

    // §2.2 P1–P7.
    let ports = |ports: Value| {
        object(
            "ep-1",
            json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": ports}]),
        )
    };
    out.push(invalid(
        "P1-second-port-unnamed",
        ports(json!([{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 81}])),
        |_| {
            vec![ExpectedCause::new(
                "P1",
                "FieldValueRequired",
                "subsets[0].ports[1].name",
                Some("Required value".into()),
            )]
        },
    ));
    for (name, value) in [("P2-underscore", "HTTP_Port"), ("P2-leading-dash", "-http")] {
        out.push(invalid(
            name,
            ports(json!([{"name": value, "port": 80}])),
            |_| {
                vec![cause(
                    "P2",
                    "subsets[0].ports[0].name",
                    value,
                    text::DNS_LABEL_REGEX,
                )]
            },
        ));
    }
    const PORT: &str = "subsets[0].ports[0].port";
    for (name, number) in [
        ("P4-zero", 0i64),
        ("P4-65536", 65536),
        ("P4-66000", 66000),
        ("P4-minus-one", -1),
    ] {
        out.push(invalid(
            name,
            ports(json!([{"name": "http", "port": number}])),
            |_| {
                vec![ExpectedCause::invalid(
                    "P4-range",
                    PORT,
                    text::invalid_int(number, "must be between 1 and 65535, inclusive"),
                )]
            },
        ));
    }
    out.push(invalid(
        "P4-omitted",
        ports(json!([{"name": "http"}])),
        |_| {
            vec![ExpectedCause::invalid(
                "P4-range",
                PORT,
                text::invalid_int(0, "must be between 1 and 65535, inclusive"),
            )]
        },
    ));
    out.push(bad_request(
        "P4-int32-overflow",
        "P4-int32",
        Body::Json(ports(json!([{"name": "http", "port": 4_294_967_296u64}]))),
        Some("Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number 4294967296 into Go struct field EndpointPort.subsets.ports.port of type int32".into()),
    ));
    for (name, protocol) in [("P6-lowercase", "tcp"), ("P6-http", "HTTP")] {
        out.push(invalid(name, ports(json!([{"name": "http", "port": 80, "protocol": protocol}])), |_| {
            vec![ExpectedCause::new(
                "P6",
                "FieldValueNotSupported",
                "subsets[0].ports[0].protocol",
                Some(format!("Unsupported value: \"{protocol}\": supported values: \"SCTP\", \"TCP\", \"UDP\"")),
            )]
        }));
    }
    const APP: &str = "subsets[0].ports[0].appProtocol";
    let app = |value: &str| ports(json!([{"name": "http", "port": 80, "appProtocol": value}]));
    out.push(invalid(
        "P7-bad-characters",
        app("lots-of[invalid]-{chars}"),
        |_| {
            vec![cause(
                "P7",
                APP,
                "lots-of[invalid]-{chars}",
                text::NAME_PART_REGEX,
            )]
        },
    ));
    out.push(invalid("P7-empty", app(""), |_| {
        vec![
            cause("P7-empty", APP, "", "name part must be non-empty"),
            cause("P7", APP, "", text::NAME_PART_REGEX),
        ]
    }));
    out.push(invalid("P7-slashes", app("a/b/c"), |v| {
        vec![cause(
            "P7-slashes",
            APP,
            "a/b/c",
            &text::qualified_name_slashes(v),
        )]
    }));
    let p64 = "p".repeat(64);
    out.push(invalid("P7-long", app(&p64), |v| {
        vec![cause(
            "P7-long",
            APP,
            &p64,
            &format!("name part {}", text::max_len_qualified(63, v)),
        )]
    }));
    out.push(invalid("P7-empty-prefix", app("/foo"), |_| {
        vec![cause(
            "P7-prefix",
            APP,
            "/foo",
            "prefix part must be non-empty",
        )]
    }));
    out.push(invalid("P7-bad-prefix", app("Bad_Prefix/x"), |_| {
        vec![cause(
            "P7-prefix",
            APP,
            "Bad_Prefix/x",
            &format!("prefix part {}", text::DNS_SUBDOMAIN_REGEX),
        )]
    }));

    // §2.3 metadata.
    out.push(invalid("M1-no-name", with_meta(json!({})), |_| {
        vec![ExpectedCause::new(
            "M1",
            "FieldValueRequired",
            "metadata.name",
            Some("Required value: name or generateName is required".into()),
        )]
    }));
    for (name, value) in [
        ("M2-uppercase-underscore", "EP_1"),
        ("M2-leading-dash", "-ep"),
    ] {
        out.push(invalid(name, with_meta(json!({"name": value})), |_| {
            vec![cause(
                "M2",
                "metadata.name",
                value,
                text::DNS_SUBDOMAIN_REGEX,
            )]
        }));
    }
    out.push(invalid("M2-long", with_meta(json!({"name": n254})), |_| {
        vec![cause(
            "M2-long",
            "metadata.name",
            &n254,
            &text::max_len_characters(253),
        )]
    }));
    out.push(invalid(
        "M3-uppercase",
        with_meta(json!({"name": "ep-1", "generateName": "Ep-"})),
        |_| {
            vec![cause(
                "M3",
                "metadata.generateName",
                "Ep-",
                text::DNS_SUBDOMAIN_REGEX,
            )]
        },
    ));
    out.push(invalid(
        "M4-generation-negative",
        with_meta(json!({"name": "ep-1", "generation": -1})),
        |_| {
            vec![ExpectedCause::invalid(
                "M4",
                "metadata.generation",
                text::invalid_int(-1, "must be greater than or equal to 0"),
            )]
        },
    ));
    out.push(invalid(
        "M5-label-key-space",
        with_meta(json!({"name": "ep-1", "labels": {"bad key": "v"}})),
        |_| {
            vec![cause(
                "M5",
                "metadata.labels",
                "bad key",
                text::NAME_PART_REGEX,
            )]
        },
    ));
    out.push(invalid(
        "M6-label-value",
        with_meta(json!({"name": "ep-2", "labels": {"k": "bad value!"}})),
        |_| {
            vec![cause(
                "M6",
                "metadata.labels",
                "bad value!",
                text::LABEL_VALUE_REGEX,
            )]
        },
    ));
    let v64 = "v".repeat(64);
    out.push(invalid(
        "M6-label-value-long",
        with_meta(json!({"name": "ep-3", "labels": {"k": v64}})),
        |v| {
            vec![cause(
                "M6-long",
                "metadata.labels",
                &v64,
                &text::max_len_qualified(63, v),
            )]
        },
    ));
    out.push(invalid(
        "M7-annotation-key",
        with_meta(json!({"name": "ep-1", "annotations": {"bad!key": "v"}})),
        |_| {
            vec![cause(
                "M7",
                "metadata.annotations",
                "bad!key",
                text::NAME_PART_REGEX,
            )]
        },
    ));
    out.push(invalid(
        "M8-annotations-too-large",
        with_meta(json!({"name": "ep-2", "annotations": {"big": "x".repeat(262_142)}})),
        |v| {
            vec![ExpectedCause::new(
                "M8",
                "FieldValueTooLong",
                "metadata.annotations",
                Some(text::too_long_bytes(262_144, v)),
            )]
        },
    ));
    out.push(invalid(
        "M9-all-empty",
        with_meta(json!({"name": "ep-1", "ownerReferences": [{"apiVersion": "", "kind": "", "name": "", "uid": ""}]})),
        |v| {
            let empty = |field: &str| if v.at_least(31) { "must not be empty".to_owned() } else { format!("{field} must not be empty") };
            vec![
                cause("M9", "metadata.ownerReferences.apiVersion", "", "version must not be empty"),
                cause("M9-kind", "metadata.ownerReferences.kind", "", &empty("kind")),
                cause("M9-name", "metadata.ownerReferences.name", "", &empty("name")),
                cause("M9-uid", "metadata.ownerReferences.uid", "", &empty("uid")),
            ]
        },
    ));
    let refs = json!([
        {"apiVersion": "v1", "kind": "Service", "name": "a", "uid": "00000000-0000-4000-8000-00000000000a", "controller": true},
        {"apiVersion": "v1", "kind": "Service", "name": "b", "uid": "00000000-0000-4000-8000-00000000000b", "controller": true}
    ]);
    let rendered = refs.to_string();
    out.push(invalid("M9-two-controllers", with_meta(json!({"name": "ep-2", "ownerReferences": refs})), |v| {
        let message = v.at_least(34).then(|| {
            format!("Invalid value: {rendered}: Only one reference can have Controller set to true. Found \"true\" in references for Service/a and Service/b")
        });
        vec![ExpectedCause::new("M9-controllers", "FieldValueInvalid", "metadata.ownerReferences", message)]
    }));
    out.push(invalid(
        "M10-finalizer-bad-name",
        with_meta(json!({"name": "ep-2", "finalizers": ["example.com/bad name"]})),
        |_| {
            vec![cause(
                "M10",
                "metadata.finalizers",
                "example.com/bad name",
                text::NAME_PART_REGEX,
            )]
        },
    ));
    out.push(invalid(
        "M11-finalizer-foo",
        with_meta(json!({"name": "ep-1", "finalizers": ["foo"]})),
        |_| {
            vec![cause(
                "M11",
                "metadata.finalizers[0]",
                "foo",
                "name is neither a standard finalizer name nor is it fully qualified",
            )]
        },
    ));
    out.push(invalid(
        "M12-orphan-and-foreground",
        with_meta(json!({"name": "ep-3", "finalizers": ["orphan", "foregroundDeletion"]})),
        |v| {
            vec![ExpectedCause::invalid(
                "M12",
                "metadata.finalizers",
                format!(
                    "Invalid value: {}: finalizer orphan and foregroundDeletion cannot be both set",
                    text::string_list(&["orphan", "foregroundDeletion"], v)
                ),
            )]
        },
    ));

    // Recorded: several errors in one object, metadata first.
    out.push(invalid(
        "multiple-errors",
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ep-1", "labels": {"k": "bad value!"}},
            "subsets": [{"addresses": [{"ip": "foo"}], "ports": [{"name": "http", "port": 0}]}]}),
        |_| {
            vec![
                cause("M6", "metadata.labels", "bad value!", text::LABEL_VALUE_REGEX),
                cause("A1", IP0, "foo", A1A),
                cause("A1-second", IP0, "foo", A1B),
                ExpectedCause::invalid("P4-range", PORT, text::invalid_int(0, "must be between 1 and 65535, inclusive")),
            ]
        },
    ));

    // 400s, with the recorded messages.
    out.push(bad_request(
        "D1-garbage",
        "D1",
        Body::Raw(b"this is not json".to_vec()),
        Some(format!("{}invalid character 'h' in literal true (expecting 'r') (74686973206973206e6f74206a736f6e)", decode_prefix())),
    ));
    out.push(bad_request(
        "D1-empty",
        "D1",
        Body::Raw(Vec::new()),
        Some(format!(
            "{}unexpected end of JSON input (<empty>)",
            decode_prefix()
        )),
    ));
    out.push(bad_request(
        "D1-truncated",
        "D1",
        Body::Raw(br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"#.to_vec()),
        Some(format!(
            "{}unexpected end of JSON input ({{\"apiVersion\":\"v1\",\"kind\":\"End ...)",
            decode_prefix()
        )),
    ));
    let mut v2 = with_ip("10.1.2.3");
    v2["apiVersion"] = json!("v2");
    out.push(CornerCase {
        name: "D5-api-version-v2".to_owned(),
        valid: false,
        rules: vec!["D5".to_owned()],
        body: Body::Json(v2),
        expected: by_version(|v| {
            Some(Outcome::bad_request(crate::invalid::no_kind_message(
                "v2", v,
            )))
        }),
        replay: Replay::default(),
    });
    let mut service = with_ip("10.1.2.3");
    service["kind"] = json!("Service");
    out.push(bad_request(
        "D6-kind-service",
        "D6",
        Body::Json(service),
        Some("Service in version \"v1\" cannot be handled as a Endpoints: converting (v1.Service) to (core.Endpoints): unknown conversion".into()),
    ));
    out.extend(request_cases());
    out
}

/// The bodies of the recorded `fieldValidation=Strict` requests (create/field-validation-strict), byte for byte
/// where the field order matters: unknown fields are listed in document order.
const STRICT_UNKNOWN: &str = r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ep-1"},"subsets":[{"addresses":[{"ip":"10.1.2.3","bar":1}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}],"foo":"bar"}"#;
const STRICT_DUPLICATE: &str = r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ep-2","name":"ep-2"},"subsets":[{"addresses":[{"ip":"10.1.2.3"}],"ports":[{"port":80}]}]}"#;
const STRICT_PREFIX: &str =
    "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: ";

/// Cases that need more than a POST of the body: a query parameter, or an update of a stored object.
///
/// Update rules are reached through a JSON merge patch, as recorded: a PUT whose body changes name or
/// namespace is a 400 and one with another uid a 409 (uid precondition), so only a patch gives their 422.
/// On update kube-apiserver runs the generic and the core metadata update checks, so every metadata cause
/// appears twice (recorded in patch/change-uid and delete/finalizer-hold, 1.28 and 1.36).
fn request_cases() -> Vec<CornerCase> {
    let strict = || BTreeMap::from([("fieldValidation".to_owned(), "Strict".to_owned())]);
    let mut out = Vec::new();
    out.push(CornerCase {
        name: "D4-strict-unknown-fields".to_owned(),
        valid: false,
        rules: vec!["D4".to_owned()],
        body: Body::Raw(STRICT_UNKNOWN.as_bytes().to_vec()),
        expected: by_version(|_| {
            Some(Outcome::bad_request(Some(format!(
                "{STRICT_PREFIX}unknown field \"subsets[0].addresses[0].bar\", unknown field \"foo\""
            ))))
        }),
        replay: Replay {
            query: strict(),
            ..Replay::default()
        },
    });
    out.push(CornerCase {
        name: "D4-strict-duplicate-field".to_owned(),
        valid: false,
        rules: vec!["D4".to_owned()],
        body: Body::Raw(STRICT_DUPLICATE.as_bytes().to_vec()),
        expected: by_version(|_| {
            Some(Outcome::bad_request(Some(format!(
                "{STRICT_PREFIX}duplicate field \"metadata.name\""
            ))))
        }),
        replay: Replay {
            query: strict(),
            ..Replay::default()
        },
    });
    let uid = "00000000-0000-4000-8000-000000000001";
    let immutable = text::invalid_str(uid, "field is immutable");
    out.push(CornerCase {
        name: "M14-patch-uid".to_owned(),
        valid: false,
        rules: vec!["M14".to_owned()],
        body: Body::Json(json!({"metadata": {"uid": uid}})),
        expected: by_version(|_| {
            let cause = ExpectedCause::invalid("M14", "metadata.uid", immutable.clone());
            Some(Outcome::invalid(vec![cause.clone(), cause]))
        }),
        replay: Replay {
            stored: Some(with_meta(json!({"name": "ep-m14"}))),
            ..Replay::default()
        },
    });
    let forbidden = "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/more\"}";
    out.push(CornerCase {
        name: "M15-patch-finalizer-while-deleting".to_owned(),
        valid: false,
        rules: vec!["M15".to_owned()],
        body: Body::Json(
            json!({"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}}),
        ),
        expected: by_version(|_| {
            let cause = ExpectedCause::new(
                "M15",
                "FieldValueForbidden",
                "metadata.finalizers",
                Some(forbidden.to_owned()),
            );
            Some(Outcome::invalid(vec![cause.clone(), cause]))
        }),
        replay: Replay {
            stored: Some(with_meta(
                json!({"name": "ep-m15", "finalizers": ["example.com/hold"]}),
            )),
            delete_stored: true,
            ..Replay::default()
        },
    });
    out
}
