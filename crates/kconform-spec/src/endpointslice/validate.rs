//! EndpointSlice validation with kube-apiserver's exact causes per version
//! (`ValidateEndpointSlice`, `ValidateEndpointSliceUpdate`), tagged with the ids of [`super::rules`].
//!
//! The metadata rules are the ones every namespaced core object has ([`crate::validate`]); what is
//! particular to EndpointSlice is here. What the recordings show is not checked is not checked: the
//! endpoint's `zone`, port numbers (0, 65536 and -1 are accepted) and the number of ports.

use serde_json::{Map, Value};

use super::defaults::default_endpoint_slice;
use crate::cause::{Cause, reason};
use crate::gotext::go_quote;
use crate::ip::{parse_ip_sloppy, strict_parse_accepts};
use crate::names;
use crate::validate::{
    Errs, Finding, GoValue, before_update, label_rule_id, validate_core_object_meta,
    validate_kube_finalizer_names, validate_object_meta, validate_object_meta_update,
};
use crate::version::K8sVersion;

/// The address types a slice may be created with (sorted, as the message lists them).
const ADDRESS_TYPES: [&str; 3] = ["FQDN", "IPv4", "IPv6"];
const MAX_ENDPOINTS: usize = 1000;
const MAX_ADDRESSES: usize = 100;
const MAX_HINTS: usize = 8;

fn str_at<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or("")
}

fn array_at<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A set pointer field (`nodeName`, `hostname`, `appProtocol`): present and not null.
fn pointer<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get(key)
        .filter(|value| !value.is_null())
        .map(|value| value.as_str().unwrap_or(""))
}

fn too_many(errs: &mut Errs, rule: &'static str, field: &str, count: usize, max: usize) {
    errs.push(
        rule,
        reason::TOO_MANY,
        format!("Too many: {count}: must have at most {max} items"),
        field,
    );
}

fn duplicate(errs: &mut Errs, rule: &'static str, field: &str, value: &str) {
    errs.push(
        rule,
        reason::DUPLICATE,
        format!("Duplicate value: {}", go_quote(value)),
        field,
    );
}

fn validate_address_type(obj: &Value, old: Option<&Value>, errs: &mut Errs) {
    let address_type = str_at(obj, "addressType");
    // The deprecated `IP` type stays valid on a slice that already has it.
    let kept_ip = address_type == "IP" && old.is_some_and(|old| str_at(old, "addressType") == "IP");
    if address_type.is_empty() {
        errs.required("ES-T1", "addressType", "");
    } else if !ADDRESS_TYPES.contains(&address_type) && !kept_ip {
        errs.not_supported("ES-T2", "addressType", address_type, &ADDRESS_TYPES);
    }
}

/// The special-IP checks every IP address gets (`ValidateEndpointIP`).
fn special_ip(ip: &crate::ip::GoIp, address: &str, path: &str, errs: &mut Errs) {
    let value = GoValue::Str(address);
    if ip.is_unspecified() {
        errs.invalid(
            "ES-I5",
            path,
            &value,
            &format!("may not be unspecified ({address})"),
        );
    }
    if ip.is_loopback() {
        errs.invalid(
            "ES-I6",
            path,
            &value,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        );
    }
    if ip.is_link_local_unicast() {
        errs.invalid(
            "ES-I7",
            path,
            &value,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        );
    }
    if ip.is_link_local_multicast() {
        errs.invalid(
            "ES-I8",
            path,
            &value,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        );
    }
}

/// An IP address up to 1.32: the family check (`IsValidIPv4Address` / `IsValidIPv6Address`) on the
/// item, then the special-IP check, which repeats an unparseable address.
fn ip_address_old(address: &str, ipv6: bool, path: &str, errs: &mut Errs) {
    let parsed = parse_ip_sloppy(address);
    let is_v4 = parsed.as_ref().is_some_and(|ip| ip.to4().is_some());
    let value = GoValue::Str(address);
    match (ipv6, parsed.is_some(), is_v4) {
        (false, _, false) => {
            errs.invalid("ES-I1-old4", path, &value, "must be a valid IPv4 address")
        }
        (true, false, _) | (true, _, true) => {
            errs.invalid("ES-I1-old6", path, &value, "must be a valid IPv6 address");
        }
        _ => {}
    }
    match parsed {
        None => errs.invalid("ES-I1-old", path, &value, "must be a valid IP address"),
        Some(ip) => special_ip(&ip, address, path, errs),
    }
}

/// An IP address from 1.33: one cause for an unparseable address, the strict checks from 1.36, the
/// family on the list's path, then the special-IP check.
fn ip_address(address: &str, ipv6: bool, list_path: &str, path: &str, errs: &mut Errs) {
    let value = GoValue::Str(address);
    let Some(ip) = parse_ip_sloppy(address) else {
        errs.invalid(
            "ES-I1",
            path,
            &value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        );
        return;
    };
    if errs.v.at_least(36) {
        if !strict_parse_accepts(address) {
            errs.invalid("ES-I2", path, &value, "must not have leading 0s");
            return;
        }
        if ip.is_4in6() {
            errs.invalid(
                "ES-I3",
                path,
                &value,
                "must not be an IPv4-mapped IPv6 address",
            );
            return;
        }
    }
    let is_v4 = ip.to4().is_some();
    if ipv6 == is_v4 {
        let family = if ipv6 { "IPv6" } else { "IPv4" };
        errs.invalid(
            "ES-I4",
            list_path,
            &value,
            &format!("must be an {family} address"),
        );
        return;
    }
    special_ip(&ip, address, path, errs);
}

/// `IsFullyQualifiedDomainName`: a DNS subdomain (a trailing dot aside) with at least two labels.
fn fqdn_address(address: &str, path: &str, errs: &mut Errs) {
    let name = address.strip_suffix('.').unwrap_or(address);
    let value = GoValue::Str(name);
    for msg in names::dns1123_subdomain(name) {
        errs.invalid("ES-F1", path, &value, &msg);
    }
    if name.split('.').count() < 2 {
        errs.invalid(
            "ES-F2",
            path,
            &value,
            "should be a domain with at least two segments separated by dots",
        );
    }
}

/// The rule ids of one hint list and the check of one name.
struct HintRules {
    too_many: &'static str,
    name: &'static str,
    duplicate: &'static str,
    check: fn(&str, K8sVersion) -> Vec<String>,
}

/// One hint list (`forZones`, `forNodes`): at most 8 entries, each name checked once and not repeated.
fn validate_hint_list(hints: &Value, list: &str, path: &str, rules: &HintRules, errs: &mut Errs) {
    let items = array_at(hints, list);
    let list_path = format!("{path}.{list}");
    if items.len() > MAX_HINTS {
        too_many(errs, rules.too_many, &list_path, items.len(), MAX_HINTS);
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let name = str_at(item, "name");
        let name_path = format!("{list_path}[{k}].name");
        if seen.contains(&name) {
            duplicate(errs, rules.duplicate, &name_path, name);
            continue;
        }
        seen.push(name);
        for msg in (rules.check)(name, errs.v) {
            errs.invalid(rules.name, &name_path, &GoValue::Str(name), &msg);
        }
    }
}

fn validate_hints(hints: &Value, path: &str, errs: &mut Errs) {
    let zones = HintRules {
        too_many: "ES-Z1",
        name: "ES-Z2",
        duplicate: "ES-Z3",
        check: names::label_value,
    };
    validate_hint_list(hints, "forZones", path, &zones, errs);
    if errs.v.at_least(33) {
        let nodes = HintRules {
            too_many: "ES-Y1",
            name: "ES-Y2",
            duplicate: "ES-Y3",
            check: |name, _| names::dns1123_subdomain(name),
        };
        validate_hint_list(hints, "forNodes", path, &nodes, errs);
    }
}

fn validate_endpoints(obj: &Value, errs: &mut Errs) {
    let endpoints = array_at(obj, "endpoints");
    if endpoints.len() > MAX_ENDPOINTS {
        too_many(errs, "ES-E1", "endpoints", endpoints.len(), MAX_ENDPOINTS);
        return;
    }
    let address_type = str_at(obj, "addressType");
    for (i, endpoint) in endpoints.iter().enumerate() {
        let path = format!("endpoints[{i}]");
        let list_path = format!("{path}.addresses");
        let addresses = array_at(endpoint, "addresses");
        if addresses.is_empty() {
            errs.required("ES-A1", &list_path, "must contain at least 1 address");
        } else if addresses.len() > MAX_ADDRESSES {
            too_many(errs, "ES-A2", &list_path, addresses.len(), MAX_ADDRESSES);
        }
        for (j, address) in addresses.iter().enumerate() {
            let address = address.as_str().unwrap_or("");
            let item_path = format!("{list_path}[{j}]");
            match address_type {
                "IPv4" | "IPv6" if errs.v.at_least(33) => {
                    ip_address(
                        address,
                        address_type == "IPv6",
                        &list_path,
                        &item_path,
                        errs,
                    );
                }
                "IPv4" | "IPv6" => {
                    ip_address_old(address, address_type == "IPv6", &item_path, errs)
                }
                "FQDN" => fqdn_address(address, &item_path, errs),
                _ => {}
            }
        }
        if let Some(node_name) = pointer(endpoint, "nodeName") {
            for msg in names::dns1123_subdomain(node_name) {
                errs.invalid(
                    "ES-N1",
                    &format!("{path}.nodeName"),
                    &GoValue::Str(node_name),
                    &msg,
                );
            }
        }
        if let Some(hostname) = pointer(endpoint, "hostname") {
            for msg in names::dns1123_label(hostname) {
                errs.invalid(
                    "ES-H1",
                    &format!("{path}.hostname"),
                    &GoValue::Str(hostname),
                    &msg,
                );
            }
        }
        if let Some(hints) = endpoint.get("hints").filter(|h| h.is_object()) {
            validate_hints(hints, &format!("{path}.hints"), errs);
        }
    }
}

fn validate_ports(obj: &Value, errs: &mut Errs) {
    let mut names_seen: Vec<&str> = Vec::new();
    for (k, port) in array_at(obj, "ports").iter().enumerate() {
        let path = format!("ports[{k}]");
        let name = str_at(port, "name");
        let name_path = format!("{path}.name");
        if !name.is_empty() {
            for msg in names::dns1123_label(name) {
                let rule = label_rule_id(&msg, "ES-P1", "ES-P1", "ES-P1");
                errs.invalid(rule, &name_path, &GoValue::Str(name), &msg);
            }
        }
        if names_seen.contains(&name) {
            duplicate(errs, "ES-P2", &name_path, name);
        } else {
            names_seen.push(name);
        }
        let protocol = str_at(port, "protocol");
        if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
            errs.not_supported(
                "ES-P3",
                &format!("{path}.protocol"),
                protocol,
                &["SCTP", "TCP", "UDP"],
            );
        }
        if let Some(app_protocol) = pointer(port, "appProtocol") {
            for msg in names::qualified_name(app_protocol, errs.v) {
                errs.invalid(
                    "ES-P4",
                    &format!("{path}.appProtocol"),
                    &GoValue::Str(app_protocol),
                    &msg,
                );
            }
        }
    }
}

/// `ValidateEndpointSlice(new, old)`: the metadata, the address type, then the endpoints and the
/// ports (up to 1.32), or the ports and the endpoints (1.36 reports them in that order; 1.33 is
/// where the endpoint validation was rewritten).
fn validate_slice(obj: &Value, old: Option<&Value>, errs: &mut Errs) {
    let empty = Value::Object(Map::new());
    validate_core_object_meta(obj.get("metadata").unwrap_or(&empty), errs);
    validate_address_type(obj, old, errs);
    if errs.v.at_least(33) {
        validate_ports(obj, errs);
        validate_endpoints(obj, errs);
    } else {
        validate_endpoints(obj, errs);
        validate_ports(obj, errs);
    }
}

/// Create-path findings for a decoded and defaulted object.
pub fn validate_findings(obj: &Value, v: K8sVersion) -> Vec<Finding> {
    let mut errs = Errs::new(v);
    validate_slice(obj, None, &mut errs);
    errs.out
}

/// Validates a create body exactly as kube-apiserver does (defaulting the ports first, as decoding
/// does on a real server).
pub fn validate(obj: &Value, v: K8sVersion) -> Vec<Cause> {
    let mut defaulted = obj.clone();
    default_endpoint_slice(&mut defaulted);
    validate_findings(&defaulted, v)
        .into_iter()
        .map(|f| f.cause)
        .collect()
}

/// Update-path findings (no defaulting): the generic metadata checks, the slice's own checks, the
/// core metadata update checks, then the immutable address type.
pub fn validate_update_findings(new: &Value, old: &Value, v: K8sVersion) -> Vec<Finding> {
    let empty = Value::Object(Map::new());
    let old_meta = old.get("metadata").unwrap_or(&empty);
    let new_obj = before_update(new, old);
    let new_meta = new_obj.get("metadata").cloned().unwrap_or_default();
    let mut errs = Errs::new(v);
    validate_object_meta(&new_meta, &mut errs);
    validate_object_meta_update(&new_meta, old_meta, &mut errs);
    validate_slice(&new_obj, Some(old), &mut errs);
    validate_object_meta_update(&new_meta, old_meta, &mut errs);
    validate_kube_finalizer_names(&new_meta, &mut errs);
    let address_type = str_at(&new_obj, "addressType");
    if address_type != str_at(old, "addressType") {
        errs.invalid(
            "ES-T3",
            "addressType",
            &GoValue::Str(address_type),
            "field is immutable",
        );
    }
    errs.out
}

/// Validates an update (PUT, PATCH) of `old` into `new` as kube-apiserver does.
pub fn validate_update(new: &Value, old: &Value, v: K8sVersion) -> Vec<Cause> {
    let mut defaulted = new.clone();
    default_endpoint_slice(&mut defaulted);
    validate_update_findings(&defaulted, old, v)
        .into_iter()
        .map(|f| f.cause)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slice(address_type: &str, addresses: &[&str]) -> Value {
        json!({"metadata": {"name": "es-1", "namespace": "ns"}, "addressType": address_type,
            "endpoints": [{"addresses": addresses}], "ports": [{"name": "http", "port": 80}]})
    }

    fn texts(causes: &[Cause]) -> Vec<String> {
        causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    #[test]
    fn unparseable_addresses_give_two_causes_up_to_1_32_and_one_after() {
        let obj = slice("IPv4", &["foo"]);
        assert_eq!(
            texts(&validate(&obj, K8sVersion::new(28))),
            [
                "endpoints[0].addresses[0]: Invalid value: \"foo\": must be a valid IPv4 address",
                "endpoints[0].addresses[0]: Invalid value: \"foo\": must be a valid IP address"
            ]
        );
        assert_eq!(
            texts(&validate(&obj, K8sVersion::new(36))),
            [
                "endpoints[0].addresses[0]: Invalid value: \"foo\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            ]
        );
    }

    #[test]
    fn the_wrong_family_is_reported_on_the_list_from_1_33() {
        let obj = slice("IPv6", &["10.1.2.3"]);
        assert_eq!(
            texts(&validate(&obj, K8sVersion::new(36))),
            ["endpoints[0].addresses: Invalid value: \"10.1.2.3\": must be an IPv6 address"]
        );
        assert_eq!(
            texts(&validate(&obj, K8sVersion::new(28))),
            [
                "endpoints[0].addresses[0]: Invalid value: \"10.1.2.3\": must be a valid IPv6 address"
            ]
        );
    }

    #[test]
    fn strict_ips_from_1_36_only() {
        let zeros = slice("IPv4", &["010.1.1.1"]);
        assert!(validate(&zeros, K8sVersion::new(28)).is_empty());
        assert_eq!(validate(&zeros, K8sVersion::new(36)).len(), 1);
        let mapped = slice("IPv4", &["::ffff:10.1.1.1"]);
        assert!(validate(&mapped, K8sVersion::new(28)).is_empty());
        assert_eq!(
            texts(&validate(&mapped, K8sVersion::new(36))),
            [
                "endpoints[0].addresses[0]: Invalid value: \"::ffff:10.1.1.1\": must not be an IPv4-mapped IPv6 address"
            ]
        );
    }

    #[test]
    fn what_kube_apiserver_accepts_is_accepted() {
        let mut obj = slice("FQDN", &["10.1.2.3"]);
        obj["endpoints"][0]["zone"] = json!("zone!");
        obj["ports"] = json!([{"name": "a", "port": 0}, {"name": "b", "port": 65536}, {"name": "c", "port": -1}]);
        assert!(validate(&obj, K8sVersion::new(36)).is_empty());
    }

    #[test]
    fn ports_come_before_endpoints_from_1_33() {
        let mut obj = slice("IPv4", &["foo"]);
        obj["ports"] = json!([{"name": "Bad_Name", "port": 80, "protocol": "HTTP"}]);
        let fields = |v| {
            validate(&obj, K8sVersion::new(v))
                .into_iter()
                .map(|c| c.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(36),
            [
                "ports[0].name",
                "ports[0].protocol",
                "endpoints[0].addresses[0]"
            ]
        );
        assert_eq!(
            fields(28),
            [
                "endpoints[0].addresses[0]",
                "endpoints[0].addresses[0]",
                "ports[0].name",
                "ports[0].protocol"
            ]
        );
    }

    #[test]
    fn the_address_type_is_immutable() {
        let old = slice("IPv4", &["10.1.2.3"]);
        let new = slice("IPv6", &["2001:db8::1"]);
        assert_eq!(
            texts(&validate_update(&new, &old, K8sVersion::new(36))),
            ["addressType: Invalid value: \"IPv6\": field is immutable"]
        );
    }

    #[test]
    fn every_finding_names_a_registered_rule() {
        let mut obj = slice("IPv4", &["foo", "127.0.0.1"]);
        obj["endpoints"][0]["hostname"] = json!("a.b");
        obj["endpoints"][0]["nodeName"] = json!("");
        obj["endpoints"][0]["hints"] =
            json!({"forZones": [{"name": "a!"}, {"name": "a!"}], "forNodes": [{"name": "N"}]});
        for v in [28, 36] {
            for finding in validate_findings(&obj, K8sVersion::new(v)) {
                assert!(
                    super::super::rules::rule(finding.rule).is_some()
                        || crate::rules::rule(finding.rule).is_some(),
                    "{}",
                    finding.rule
                );
            }
        }
    }
}
