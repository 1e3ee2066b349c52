//! The EndpointSlice rule registry: every validation rule kube-apiserver applies to an EndpointSlice
//! body beyond the metadata rules it shares with every namespaced object (those keep their ids from
//! [`crate::rules`], `M1`…), with a stable id, the field, the cause reason and the versions.
//!
//! Ids are `ES-<letter><n>`: `T` the address type, `E` the endpoint list, `A` addresses, `I` IP
//! addresses, `F` FQDN addresses, `N` node names, `H` hostnames, `Z` zone hints, `Y` node hints,
//! `P` ports. The recordings pin 1.28 and 1.36; where a wording or layout changed in between, the
//! boundary is the Kubernetes release that made the change for Endpoints too (1.33 for the IP
//! validation rewrite, 1.36 for strict IP parsing, 1.35 for the label-key wording). An id, once
//! published, never changes meaning and is never reused.

use crate::rules::{Rule, rule_entry};
use crate::version::K8sVersion;

const fn v(minor: u32) -> Option<K8sVersion> {
    Some(K8sVersion::new(minor))
}

const SEC: &str = "transcripts/endpointslice README";
const INV: &str = "FieldValueInvalid";
const REQ: &str = "FieldValueRequired";
const MANY: &str = "FieldValueTooMany";
const DUP: &str = "FieldValueDuplicate";
const NSUP: &str = "FieldValueNotSupported";

static RULES: &[Rule] = &[
    rule_entry!(
        "ES-T1",
        SEC,
        "addressType",
        REQ,
        "addressType is required.",
        "Required value",
        None,
        None
    ),
    rule_entry!(
        "ES-T2",
        SEC,
        "addressType",
        NSUP,
        "addressType is IPv4, IPv6 or FQDN; the deprecated IP is refused on create.",
        "Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"",
        None,
        None
    ),
    rule_entry!(
        "ES-T3",
        SEC,
        "addressType",
        INV,
        "addressType cannot change on update.",
        "Invalid value: \"IPv6\": field is immutable",
        None,
        None
    ),
    rule_entry!(
        "ES-E1",
        SEC,
        "endpoints",
        MANY,
        "A slice holds at most 1000 endpoints.",
        "Too many: 1001: must have at most 1000 items",
        None,
        None
    ),
    rule_entry!(
        "ES-A1",
        SEC,
        "endpoints[i].addresses",
        REQ,
        "An endpoint has at least one address.",
        "Required value: must contain at least 1 address",
        None,
        None
    ),
    rule_entry!(
        "ES-A2",
        SEC,
        "endpoints[i].addresses",
        MANY,
        "An endpoint has at most 100 addresses.",
        "Too many: 101: must have at most 100 items",
        None,
        None
    ),
    rule_entry!(
        "ES-I1-old4",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "Up to 1.32, an IPv4 slice's address must parse as an IPv4 address (an IPv4-mapped IPv6 address does).",
        "Invalid value: \"2001:db8::1\": must be a valid IPv4 address",
        None,
        v(32)
    ),
    rule_entry!(
        "ES-I1-old6",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "Up to 1.32, an IPv6 slice's address must parse as an IP that is not IPv4 (nor IPv4-mapped).",
        "Invalid value: \"10.1.2.3\": must be a valid IPv6 address",
        None,
        v(32)
    ),
    rule_entry!(
        "ES-I1-old",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "Up to 1.32, an unparseable address gets a second cause from the special-IP check.",
        "Invalid value: \"foo\": must be a valid IP address",
        None,
        v(32)
    ),
    rule_entry!(
        "ES-I1",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "From 1.33, an unparseable address gets one cause and no other check.",
        "Invalid value: \"foo\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        v(33),
        None
    ),
    rule_entry!(
        "ES-I2",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "From 1.36 (strict IP parsing), an IPv4 address has no leading zeros.",
        "Invalid value: \"010.1.1.1\": must not have leading 0s",
        v(36),
        None
    ),
    rule_entry!(
        "ES-I3",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "From 1.36, no address is an IPv4-mapped IPv6 address, whatever the slice's type.",
        "Invalid value: \"::ffff:10.1.1.1\": must not be an IPv4-mapped IPv6 address",
        v(36),
        None
    ),
    rule_entry!(
        "ES-I4",
        SEC,
        "endpoints[i].addresses",
        INV,
        "From 1.33, an address of the wrong family is reported on the list, not the item.",
        "Invalid value: \"2001:db8::1\": must be an IPv4 address",
        v(33),
        None
    ),
    rule_entry!(
        "ES-I5",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An address is not unspecified.",
        "Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)",
        None,
        None
    ),
    rule_entry!(
        "ES-I6",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An address is not loopback.",
        "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
        None,
        None
    ),
    rule_entry!(
        "ES-I7",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An address is not link-local.",
        "Invalid value: \"fe80::1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        None,
        None
    ),
    rule_entry!(
        "ES-I8",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An address is not link-local multicast.",
        "Invalid value: \"224.0.0.1\": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        None,
        None
    ),
    rule_entry!(
        "ES-F1",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An FQDN address is a lowercase DNS subdomain (an IP such as 10.1.2.3 is one).",
        "Invalid value: \"Example.COM\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        None,
        None
    ),
    rule_entry!(
        "ES-F2",
        SEC,
        "endpoints[i].addresses[j]",
        INV,
        "An FQDN address has at least two labels.",
        "Invalid value: \"localhost\": should be a domain with at least two segments separated by dots",
        None,
        None
    ),
    rule_entry!(
        "ES-N1",
        SEC,
        "endpoints[i].nodeName",
        INV,
        "nodeName, when set (also to \"\"), is a DNS subdomain of at most 253 characters.",
        "Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        None,
        None
    ),
    rule_entry!(
        "ES-H1",
        SEC,
        "endpoints[i].hostname",
        INV,
        "hostname, when set, is a DNS label: at most 63 characters, no dots.",
        "Invalid value: \"a.b\": must not contain dots",
        None,
        None
    ),
    rule_entry!(
        "ES-Z1",
        SEC,
        "endpoints[i].hints.forZones",
        MANY,
        "At most 8 zone hints.",
        "Too many: 9: must have at most 8 items",
        None,
        None
    ),
    rule_entry!(
        "ES-Z2",
        SEC,
        "endpoints[i].hints.forZones[k].name",
        INV,
        "A zone hint's name is a label value (the endpoint's own zone is not checked).",
        "Invalid value: \"zone a!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        None,
        None
    ),
    rule_entry!(
        "ES-Z3",
        SEC,
        "endpoints[i].hints.forZones[k].name",
        DUP,
        "Zone hints do not repeat a name.",
        "Duplicate value: \"zone-a\"",
        None,
        None
    ),
    rule_entry!(
        "ES-Y1",
        SEC,
        "endpoints[i].hints.forNodes",
        MANY,
        "From 1.33 (before it, hints.forNodes is an unknown field), at most 8 node hints.",
        "Too many: 9: must have at most 8 items",
        v(33),
        None
    ),
    rule_entry!(
        "ES-Y2",
        SEC,
        "endpoints[i].hints.forNodes[k].name",
        INV,
        "From 1.33, a node hint's name is a DNS subdomain.",
        "Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        v(33),
        None
    ),
    rule_entry!(
        "ES-Y3",
        SEC,
        "endpoints[i].hints.forNodes[k].name",
        DUP,
        "From 1.33, node hints do not repeat a name.",
        "Duplicate value: \"node-1\"",
        v(33),
        None
    ),
    rule_entry!(
        "ES-P1",
        SEC,
        "ports[k].name",
        INV,
        "A port name, when not empty, is a DNS label (no port number range, no limit of 100 ports).",
        "Invalid value: \"HTTP_Port\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        None,
        None
    ),
    rule_entry!(
        "ES-P2",
        SEC,
        "ports[k].name",
        DUP,
        "Port names are unique, the empty name included.",
        "Duplicate value: \"\"",
        None,
        None
    ),
    rule_entry!(
        "ES-P3",
        SEC,
        "ports[k].protocol",
        NSUP,
        "A port protocol is TCP, UDP or SCTP (an absent one is defaulted to TCP).",
        "Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
        None,
        None
    ),
    rule_entry!(
        "ES-P4",
        SEC,
        "ports[k].appProtocol",
        INV,
        "appProtocol, when set, is a qualified name (\"a qualified name\" up to 1.34, \"a valid label key\" from 1.35).",
        "Invalid value: \"\": name part must be non-empty",
        None,
        None
    ),
];

/// Every EndpointSlice rule, in table order.
pub fn all_rules() -> &'static [Rule] {
    RULES
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    crate::rules::find(RULES, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_distinct_from_the_endpoints_registry() {
        assert!(
            crate::rules::repeated_ids(all_rules()).is_empty(),
            "duplicate rule id"
        );
        for rule in all_rules() {
            assert!(
                crate::rules::rule(rule.id).is_none(),
                "{} is an Endpoints id",
                rule.id
            );
        }
        assert!(!rule("ES-I2").unwrap().holds_in(K8sVersion::new(28)));
    }
}
