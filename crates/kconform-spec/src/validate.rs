//! Object validation exactly as kube-apiserver runs it for Endpoints (behaviour document §2).
//!
//! [`validate`] is the create path (`ValidateEndpointsCreate`), [`validate_update`] the update path
//! (generic common-field checks, `ValidateEndpointsUpdate`, and 1.33+ ratcheting). Causes come out in
//! kube-apiserver's order, duplicates included. Every cause is tagged with its rule id in
//! [`validate_findings`] so the registry in [`crate::rules`] and the validator cannot drift apart.
//!
//! The object is read leniently: a member with the wrong JSON type counts as its Go zero value, because
//! such bodies never reach validation on a real server ([`crate::decode`] rejects them first).

use serde_json::{Map, Value};

use crate::cause::{Cause, reason};
use crate::defaults::default_endpoints;
pub use crate::gotext::{go_quote, go_rune_u, is_go_printable};
use crate::ip::{parse_ip_sloppy, strict_parse_accepts};
use crate::names;
use crate::status::GroupKind;
use crate::version::K8sVersion;

/// One cause with the id of the rule that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id from [`crate::rules`].
    pub rule: &'static str,
    /// The cause kube-apiserver reports.
    pub cause: Cause,
}

/// A field-error value, rendered like apimachinery's `field.Error.ErrorBody`.
#[derive(Debug, Clone)]
pub(crate) enum GoValue<'a> {
    Str(&'a str),
    Int(i64),
    /// A non-scalar value: (Go `%#v` text, JSON text); the version picks one.
    Composite(String, String),
}

impl GoValue<'_> {
    fn render(&self, v: K8sVersion) -> String {
        match self {
            GoValue::Str(s) => go_quote(s),
            GoValue::Int(n) => n.to_string(),
            GoValue::Composite(go, json) => {
                if v.at_least(34) {
                    json.clone()
                } else {
                    go.clone()
                }
            }
        }
    }
}

/// Collects findings with the version for rendering.
pub(crate) struct Errs {
    pub(crate) v: K8sVersion,
    pub(crate) out: Vec<Finding>,
}

impl Errs {
    pub(crate) fn new(v: K8sVersion) -> Errs {
        Errs { v, out: Vec::new() }
    }

    pub(crate) fn push(
        &mut self,
        rule: &'static str,
        reason_text: &str,
        message: String,
        field: &str,
    ) {
        self.out.push(Finding {
            rule,
            cause: Cause::new(reason_text, message, field),
        });
    }

    pub(crate) fn invalid(
        &mut self,
        rule: &'static str,
        field: &str,
        value: &GoValue<'_>,
        detail: &str,
    ) {
        let mut message = format!("Invalid value: {}", value.render(self.v));
        if !detail.is_empty() {
            message.push_str(": ");
            message.push_str(detail);
        }
        self.push(rule, reason::INVALID, message, field);
    }

    pub(crate) fn required(&mut self, rule: &'static str, field: &str, detail: &str) {
        let message = if detail.is_empty() {
            "Required value".to_owned()
        } else {
            format!("Required value: {detail}")
        };
        self.push(rule, reason::REQUIRED, message, field);
    }

    fn forbidden(&mut self, rule: &'static str, field: &str, detail: &str) {
        self.push(
            rule,
            reason::FORBIDDEN,
            format!("Forbidden: {detail}"),
            field,
        );
    }

    fn too_long(&mut self, rule: &'static str, field: &str, max: usize) {
        self.push(
            rule,
            reason::TOO_LONG,
            format!("Too long: {}", too_long_detail(max, self.v)),
            field,
        );
    }

    pub(crate) fn not_supported(
        &mut self,
        rule: &'static str,
        field: &str,
        value: &str,
        supported: &[&str],
    ) {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        self.push(
            rule,
            reason::NOT_SUPPORTED,
            format!(
                "Unsupported value: {}: supported values: {}",
                go_quote(value),
                list.join(", ")
            ),
            field,
        );
    }
}

/// The `TooLong` detail: "must have at most N bytes" up to 1.31, "may not be more than N bytes" from 1.32.
pub fn too_long_detail(max: usize, v: K8sVersion) -> String {
    if v.at_least(32) {
        format!("may not be more than {max} bytes")
    } else {
        format!("must have at most {max} bytes")
    }
}

fn str_at<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or("")
}

fn opt_str<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn array_at<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn map_at<'a>(obj: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    obj.get(key).and_then(Value::as_object)
}

fn int_at(obj: &Value, key: &str) -> i64 {
    obj.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn go_string_slice(items: &[&str]) -> GoValue<'static> {
    let go: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    let json = serde_json::to_string(items).unwrap_or_default();
    GoValue::Composite(format!("[]string{{{}}}", go.join(", ")), json)
}

/// A Go heap address (`0xc000…`, 8-byte aligned) for the field `key` of an owner reference.
fn go_heap_address(reference: &Value, key: &str) -> String {
    // FNV-1a over the reference's uid and the field name: stable, cheap, and different per field.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in str_at(reference, "uid").bytes().chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("0xc000{:06x}", (hash & 0x00ff_fff8) | 0x0040_0000)
}

/// Renders an owner reference in Go `%#v` form and JSON form (1.34+).
fn owner_reference_forms(reference: &Value) -> (String, String) {
    // Go's %#v prints the address of a non-nil *bool. Clients can only match it as "some hex
    // address", so any stable heap-looking address is as faithful as the real, random one; it is
    // derived from the reference so that the same request always gets the same text.
    let bool_ptr = |key: &str| match reference.get(key) {
        Some(Value::Bool(_)) => format!("(*bool)({})", go_heap_address(reference, key)),
        _ => "(*bool)(nil)".to_owned(),
    };
    let go = format!(
        "v1.OwnerReference{{APIVersion:{}, Kind:{}, Name:{}, UID:{}, Controller:{}, BlockOwnerDeletion:{}}}",
        go_quote(str_at(reference, "apiVersion")),
        go_quote(str_at(reference, "kind")),
        go_quote(str_at(reference, "name")),
        go_quote(str_at(reference, "uid")),
        bool_ptr("controller"),
        bool_ptr("blockOwnerDeletion"),
    );
    let mut json = Map::new();
    for key in ["apiVersion", "kind", "name", "uid"] {
        json.insert(
            key.to_owned(),
            Value::String(str_at(reference, key).to_owned()),
        );
    }
    for key in ["controller", "blockOwnerDeletion"] {
        if let Some(Value::Bool(b)) = reference.get(key) {
            json.insert(key.to_owned(), Value::Bool(*b));
        }
    }
    (go, Value::Object(json).to_string())
}

/// apimachinery `ValidateObjectMetaAccessor` for a namespaced object with the DNS-subdomain name rule.
pub(crate) fn validate_object_meta(meta: &Value, errs: &mut Errs) {
    let v = errs.v;
    let generate_name = str_at(meta, "generateName");
    if !generate_name.is_empty() {
        // NameIsDNSSubdomain with prefix=true runs `maskTrailingDash`, which (as written in Go) replaces the
        // last two bytes of a name ending in '-' with "a".
        let bytes = generate_name.as_bytes();
        let masked = if bytes.len() > 1 && generate_name.ends_with('-') {
            format!("{}a", String::from_utf8_lossy(&bytes[..bytes.len() - 2]))
        } else {
            generate_name.to_owned()
        };
        for msg in names::dns1123_subdomain(&masked) {
            errs.invalid(
                "M3",
                "metadata.generateName",
                &GoValue::Str(generate_name),
                &msg,
            );
        }
    }
    let name = str_at(meta, "name");
    if name.is_empty() {
        // The create handler fills the name from generateName before validation, so an empty name with a
        // generateName never reaches this check on a real server.
        if generate_name.is_empty() {
            errs.required("M1", "metadata.name", "name or generateName is required");
        }
    } else {
        for msg in names::dns1123_subdomain(name) {
            let rule = if msg.starts_with("must be no more") {
                "M2-long"
            } else {
                "M2"
            };
            errs.invalid(rule, "metadata.name", &GoValue::Str(name), &msg);
        }
    }
    // The namespace comes from the URL; the handler rejects a differing body namespace with a 400 first.
    if let Some(namespace) = opt_str(meta, "namespace").filter(|ns| !ns.is_empty()) {
        for msg in names::dns1123_label(namespace) {
            errs.invalid(
                "M2-namespace",
                "metadata.namespace",
                &GoValue::Str(namespace),
                &msg,
            );
        }
    }
    let generation = int_at(meta, "generation");
    if generation < 0 {
        errs.invalid(
            "M4",
            "metadata.generation",
            &GoValue::Int(generation),
            "must be greater than or equal to 0",
        );
    }
    validate_labels(meta, errs);
    validate_annotations(meta, errs);
    validate_owner_references(meta, errs);
    let finalizers: Vec<&str> = array_at(meta, "finalizers")
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    for finalizer in &finalizers {
        for msg in names::qualified_name(finalizer, v) {
            errs.invalid("M10", "metadata.finalizers", &GoValue::Str(finalizer), &msg);
        }
    }
    if finalizers.contains(&"orphan") && finalizers.contains(&"foregroundDeletion") {
        errs.invalid(
            "M12",
            "metadata.finalizers",
            &go_string_slice(&finalizers),
            "finalizer orphan and foregroundDeletion cannot be both set",
        );
    }
    validate_managed_fields(meta, errs);
}

fn validate_labels(meta: &Value, errs: &mut Errs) {
    let v = errs.v;
    // Go iterates the map in random order; the body's order is used here, which matches for one bad label.
    for (key, value) in map_at(meta, "labels").into_iter().flatten() {
        for msg in names::qualified_name(key, v) {
            errs.invalid("M5", "metadata.labels", &GoValue::Str(key), &msg);
        }
        let value = value.as_str().unwrap_or("");
        for msg in names::label_value(value, v) {
            let rule = if msg.starts_with("must be no more") {
                "M6-long"
            } else {
                "M6"
            };
            errs.invalid(rule, "metadata.labels", &GoValue::Str(value), &msg);
        }
    }
}

fn validate_annotations(meta: &Value, errs: &mut Errs) {
    let v = errs.v;
    let Some(annotations) = map_at(meta, "annotations") else {
        return;
    };
    let mut total = 0usize;
    for (key, value) in annotations {
        for msg in names::qualified_name(&key.to_lowercase(), v) {
            errs.invalid("M7", "metadata.annotations", &GoValue::Str(key), &msg);
        }
        total += key.len() + value.as_str().map_or(0, str::len);
    }
    if total > 262_144 {
        errs.too_long("M8", "metadata.annotations", 262_144);
    }
}

fn validate_owner_references(meta: &Value, errs: &mut Errs) {
    let v = errs.v;
    let references = array_at(meta, "ownerReferences");
    let mut first_controller: Option<String> = None;
    for reference in references {
        let api_version = str_at(reference, "apiVersion");
        let kind = str_at(reference, "kind");
        // schema.FromAPIVersionAndKind: "v1" → version v1; "g/v" → group g; more slashes → nothing parsed.
        let (group, version) = match api_version.split('/').collect::<Vec<_>>().as_slice() {
            [version] => ("", *version),
            [group, version] => (*group, *version),
            _ => ("", ""),
        };
        if version.is_empty() {
            errs.invalid(
                "M9",
                "metadata.ownerReferences.apiVersion",
                &GoValue::Str(api_version),
                "version must not be empty",
            );
        }
        let old_wording = !v.at_least(31);
        if kind.is_empty() {
            let detail = if old_wording {
                "kind must not be empty"
            } else {
                "must not be empty"
            };
            errs.invalid(
                "M9-kind",
                "metadata.ownerReferences.kind",
                &GoValue::Str(kind),
                detail,
            );
        }
        let name = str_at(reference, "name");
        if name.is_empty() {
            let detail = if old_wording {
                "name must not be empty"
            } else {
                "must not be empty"
            };
            errs.invalid(
                "M9-name",
                "metadata.ownerReferences.name",
                &GoValue::Str(name),
                detail,
            );
        }
        let uid = str_at(reference, "uid");
        if uid.is_empty() {
            let detail = if old_wording {
                "uid must not be empty"
            } else {
                "must not be empty"
            };
            errs.invalid(
                "M9-uid",
                "metadata.ownerReferences.uid",
                &GoValue::Str(uid),
                detail,
            );
        }
        if group.is_empty() && version == "v1" && kind == "Event" {
            let (go, json) = owner_reference_forms(reference);
            errs.invalid(
                "M9-event",
                "metadata.ownerReferences",
                &GoValue::Composite(go, json),
                "/v1, Kind=Event is disallowed from being an owner",
            );
        }
        if reference.get("controller").and_then(Value::as_bool) == Some(true) {
            let current = format!("{kind}/{name}");
            match &first_controller {
                Some(first) => {
                    let forms: Vec<(String, String)> =
                        references.iter().map(owner_reference_forms).collect();
                    let go = format!(
                        "[]v1.OwnerReference{{{}}}",
                        forms
                            .iter()
                            .map(|(g, _)| g.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let json = format!(
                        "[{}]",
                        forms
                            .iter()
                            .map(|(_, j)| j.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                    errs.invalid(
                        "M9-controllers",
                        "metadata.ownerReferences",
                        &GoValue::Composite(go, json),
                        &format!(
                            "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                        ),
                    );
                }
                None => first_controller = Some(current),
            }
        }
    }
}

fn validate_managed_fields(meta: &Value, errs: &mut Errs) {
    for (i, entry) in array_at(meta, "managedFields").iter().enumerate() {
        let base = format!("metadata.managedFields[{i}]");
        let operation = str_at(entry, "operation");
        if operation != "Apply" && operation != "Update" {
            errs.invalid(
                "M13",
                &format!("{base}.operation"),
                &GoValue::Str(operation),
                "must be `Apply` or `Update`",
            );
        }
        let fields_type = str_at(entry, "fieldsType");
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.invalid(
                "M13-fieldsType",
                &format!("{base}.fieldsType"),
                &GoValue::Str(fields_type),
                "must be `FieldsV1`",
            );
        }
        let manager = str_at(entry, "manager");
        if manager.len() > 128 {
            errs.too_long("M13-manager", &format!("{base}.manager"), 128);
        }
        for (position, ch) in manager.char_indices() {
            if !is_go_printable(ch) || (ch != ' ' && ch.is_whitespace()) {
                errs.invalid(
                    "M13-manager-char",
                    &format!("{base}.manager"),
                    &GoValue::Str(manager),
                    &format!(
                        "invalid character {} (at position {position})",
                        go_rune_u(ch)
                    ),
                );
            }
        }
    }
}

/// k/k `ValidateObjectMeta`: the apimachinery checks plus the standard-finalizer-name check per index.
pub(crate) fn validate_core_object_meta(meta: &Value, errs: &mut Errs) {
    validate_object_meta(meta, errs);
    validate_kube_finalizer_names(meta, errs);
}

pub(crate) fn validate_kube_finalizer_names(meta: &Value, errs: &mut Errs) {
    for (i, finalizer) in array_at(meta, "finalizers").iter().enumerate() {
        let finalizer = finalizer.as_str().unwrap_or("");
        if !finalizer.contains('/')
            && !matches!(finalizer, "kubernetes" | "orphan" | "foregroundDeletion")
        {
            errs.invalid(
                "M11",
                &format!("metadata.finalizers[{i}]"),
                &GoValue::Str(finalizer),
                "name is neither a standard finalizer name nor is it fully qualified",
            );
        }
    }
}

fn validate_subsets(obj: &Value, errs: &mut Errs) {
    for (i, subset) in array_at(obj, "subsets").iter().enumerate() {
        let path = format!("subsets[{i}]");
        let addresses = array_at(subset, "addresses");
        let not_ready = array_at(subset, "notReadyAddresses");
        if addresses.is_empty() && not_ready.is_empty() {
            errs.required(
                "S1",
                &path,
                "must specify `addresses` or `notReadyAddresses`",
            );
        }
        for (j, address) in addresses.iter().enumerate() {
            validate_address(address, &format!("{path}.addresses[{j}]"), errs);
        }
        for (j, address) in not_ready.iter().enumerate() {
            validate_address(address, &format!("{path}.notReadyAddresses[{j}]"), errs);
        }
        let ports = array_at(subset, "ports");
        for (k, port) in ports.iter().enumerate() {
            validate_port(port, ports.len() > 1, &format!("{path}.ports[{k}]"), errs);
        }
    }
}

fn validate_address(address: &Value, path: &str, errs: &mut Errs) {
    let v = errs.v;
    let ip = str_at(address, "ip");
    let ip_path = format!("{path}.ip");
    let parsed = parse_ip_sloppy(ip);
    // ip(a): IsValidIP (≤1.32) / IsValidIPForLegacyField (1.33+); strict from 1.36 (StrictIPCIDRValidation beta).
    match parsed {
        None => errs.invalid(
            "A1",
            &ip_path,
            &GoValue::Str(ip),
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ),
        Some(parsed) if v.at_least(36) => {
            // netip.ParseAddr failing leaves a zero address, whose Is4In6 is false: one cause at most.
            let strict_ok = strict_parse_accepts(ip);
            if !strict_ok {
                errs.invalid(
                    "A2",
                    &ip_path,
                    &GoValue::Str(ip),
                    "must not have leading 0s",
                );
            }
            if strict_ok && parsed.is_4in6() {
                errs.invalid(
                    "A3",
                    &ip_path,
                    &GoValue::Str(ip),
                    "must not be an IPv4-mapped IPv6 address",
                );
            }
        }
        Some(_) => {}
    }
    let hostname = str_at(address, "hostname");
    if !hostname.is_empty() {
        for msg in names::dns1123_label(hostname) {
            let rule = label_rule_id(&msg, "H1", "H1-dots", "H1-long");
            errs.invalid(
                rule,
                &format!("{path}.hostname"),
                &GoValue::Str(hostname),
                &msg,
            );
        }
    }
    if let Some(node_name) = address.get("nodeName").filter(|n| !n.is_null()) {
        let node_name = node_name.as_str().unwrap_or("");
        for msg in names::dns1123_subdomain(node_name) {
            let rule = if msg.starts_with("must be no more") {
                "N1-long"
            } else {
                "N1"
            };
            errs.invalid(
                rule,
                &format!("{path}.nodeName"),
                &GoValue::Str(node_name),
                &msg,
            );
        }
    }
    // ip(b): ValidateNonSpecialIP (≤1.32) / ValidateEndpointIP (1.33+), always on the sloppy parse.
    match parsed {
        None => errs.invalid(
            "A1-second",
            &ip_path,
            &GoValue::Str(ip),
            "must be a valid IP address",
        ),
        Some(parsed) => {
            if parsed.is_unspecified() {
                errs.invalid(
                    "A5",
                    &ip_path,
                    &GoValue::Str(ip),
                    &format!("may not be unspecified ({ip})"),
                );
            }
            if parsed.is_loopback() {
                errs.invalid(
                    "A6",
                    &ip_path,
                    &GoValue::Str(ip),
                    "may not be in the loopback range (127.0.0.0/8, ::1/128)",
                );
            }
            if parsed.is_link_local_unicast() {
                errs.invalid(
                    "A7",
                    &ip_path,
                    &GoValue::Str(ip),
                    "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
                );
            }
            if parsed.is_link_local_multicast() {
                errs.invalid(
                    "A8",
                    &ip_path,
                    &GoValue::Str(ip),
                    "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
                );
            }
        }
    }
}

pub(crate) fn label_rule_id(
    msg: &str,
    regex: &'static str,
    dots: &'static str,
    long: &'static str,
) -> &'static str {
    if msg == "must not contain dots" {
        dots
    } else if msg.starts_with("must be no more") {
        long
    } else {
        regex
    }
}

fn validate_port(port: &Value, require_name: bool, path: &str, errs: &mut Errs) {
    let v = errs.v;
    let name = str_at(port, "name");
    if require_name && name.is_empty() {
        errs.required("P1", &format!("{path}.name"), "");
    } else if !name.is_empty() {
        for msg in names::dns1123_label(name) {
            let rule = label_rule_id(&msg, "P2", "P2-dots", "P2-long");
            errs.invalid(rule, &format!("{path}.name"), &GoValue::Str(name), &msg);
        }
    }
    let number = int_at(port, "port");
    if !(1..=65535).contains(&number) {
        errs.invalid(
            "P4-range",
            &format!("{path}.port"),
            &GoValue::Int(number),
            "must be between 1 and 65535, inclusive",
        );
    }
    let protocol = str_at(port, "protocol");
    if protocol.is_empty() {
        errs.required("P5", &format!("{path}.protocol"), "");
    } else if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
        errs.not_supported(
            "P6",
            &format!("{path}.protocol"),
            protocol,
            &["SCTP", "TCP", "UDP"],
        );
    }
    if let Some(app_protocol) = port.get("appProtocol").filter(|a| !a.is_null()) {
        let app_protocol = app_protocol.as_str().unwrap_or("");
        for msg in names::qualified_name(app_protocol, v) {
            let rule = if msg == "name part must be non-empty" {
                "P7-empty"
            } else if msg.starts_with("prefix part") {
                "P7-prefix"
            } else if msg.starts_with("a qualified name") || msg.starts_with("a valid label key") {
                "P7-slashes"
            } else if msg.starts_with("name part must be no more") {
                "P7-long"
            } else {
                "P7"
            };
            errs.invalid(
                rule,
                &format!("{path}.appProtocol"),
                &GoValue::Str(app_protocol),
                &msg,
            );
        }
    }
}

/// `ValidateEndpoints(new, old)`: core metadata, then subsets unless ratcheting (1.33+) skips them.
fn validate_endpoints(obj: &Value, old: Option<&Value>, errs: &mut Errs) {
    let empty = Value::Object(Map::new());
    validate_core_object_meta(obj.get("metadata").unwrap_or(&empty), errs);
    let ratchet =
        errs.v.at_least(33) && old.is_some_and(|old| subsets_semantically_equal(obj, old));
    if !ratchet {
        validate_subsets(obj, errs);
    }
}

/// `apiequality.Semantic.DeepEqual(old.Subsets, new.Subsets)` on the decoded (and defaulted) Go structs:
/// nil and empty slices are equal, absent strings equal "", but nil and "" pointers differ.
pub fn subsets_semantically_equal(new: &Value, old: &Value) -> bool {
    normalize_subsets(new) == normalize_subsets(old)
}

fn normalize_subsets(obj: &Value) -> Value {
    let norm_address = |a: &Value| {
        serde_json::json!({
            "ip": str_at(a, "ip"),
            "hostname": str_at(a, "hostname"),
            "nodeName": opt_str(a, "nodeName"),
            "targetRef": a.get("targetRef").filter(|t| !t.is_null()).map(normalize_object_reference),
        })
    };
    let subsets: Vec<Value> = array_at(obj, "subsets")
        .iter()
        .map(|s| {
            serde_json::json!({
                "addresses": array_at(s, "addresses").iter().map(norm_address).collect::<Vec<_>>(),
                "notReadyAddresses": array_at(s, "notReadyAddresses").iter().map(norm_address).collect::<Vec<_>>(),
                "ports": array_at(s, "ports").iter().map(|p| serde_json::json!({
                    "name": str_at(p, "name"),
                    "port": int_at(p, "port"),
                    "protocol": match str_at(p, "protocol") { "" => "TCP", other => other },
                    "appProtocol": opt_str(p, "appProtocol"),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(subsets)
}

fn normalize_object_reference(reference: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
        "resourceVersion",
        "fieldPath",
    ] {
        out.insert(
            key.to_owned(),
            Value::String(str_at(reference, key).to_owned()),
        );
    }
    Value::Object(out)
}

/// Create-path findings for an object as kube-apiserver sees it after decoding and defaulting.
///
/// Unlike [`validate`], this does not default first, so the unreachable `P5` rule can be exercised.
pub fn validate_findings(obj: &Value, v: K8sVersion) -> Vec<Finding> {
    let mut errs = Errs::new(v);
    validate_endpoints(obj, None, &mut errs);
    if errs.out.is_empty() {
        // The generic `ValidateObjectMetaAccessor` with ValidatePathSegmentName runs only when the strategy
        // passed; for a DNS-subdomain name it never adds anything, but it is kept for completeness.
        let name = obj.get("metadata").map(|m| str_at(m, "name")).unwrap_or("");
        for msg in names::path_segment_name(name, false) {
            errs.invalid("M2", "metadata.name", &GoValue::Str(name), &msg);
        }
    }
    errs.out
}

/// Validates a create body (POST, or PUT/apply that creates) exactly as kube-apiserver does:
/// the causes in order, an unparseable IP giving two causes (ip(a), hostname, nodeName, ip(b)).
///
/// The object is defaulted first (protocol → TCP), as decoding does on a real server. An empty
/// `metadata.name` with a `generateName` is accepted here: the handler generates the name before validating.
pub fn validate(obj: &Value, v: K8sVersion) -> Vec<Cause> {
    let mut defaulted = obj.clone();
    default_endpoints(&mut defaulted);
    validate_findings(&defaulted, v)
        .into_iter()
        .map(|f| f.cause)
        .collect()
}

/// `rest.BeforeUpdate`'s metadata, before validation: generation, creationTimestamp,
/// deletionTimestamp and deletionGracePeriodSeconds come from the old object, and an empty namespace
/// (the handler's, from the URL) and uid are copied from it.
pub(crate) fn before_update(new: &Value, old: &Value) -> Value {
    let empty = Value::Object(Map::new());
    let new_meta_raw = new.get("metadata").unwrap_or(&empty);
    let old_meta = old.get("metadata").unwrap_or(&empty);
    let mut new_meta = new_meta_raw.clone();
    if let Some(meta) = new_meta.as_object_mut() {
        for key in [
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match old_meta.get(key) {
                Some(value) => meta.insert(key.to_owned(), value.clone()),
                None => meta.remove(key),
            };
        }
        if str_at(new_meta_raw, "namespace").is_empty()
            && let Some(namespace) = old_meta.get("namespace")
        {
            meta.insert("namespace".to_owned(), namespace.clone());
        }
        if str_at(new_meta_raw, "uid").is_empty()
            && let Some(uid) = old_meta.get("uid")
        {
            meta.insert("uid".to_owned(), uid.clone());
        }
    }
    let mut new_obj = new.clone();
    if let Some(obj) = new_obj.as_object_mut() {
        obj.insert("metadata".to_owned(), new_meta);
    }
    new_obj
}

/// Update-path findings (no defaulting), see [`validate_update`].
pub fn validate_update_findings(new: &Value, old: &Value, v: K8sVersion) -> Vec<Finding> {
    let empty = Value::Object(Map::new());
    let old_meta = old.get("metadata").unwrap_or(&empty);
    let new_obj = before_update(new, old);
    let new_meta = new_obj.get("metadata").cloned().unwrap_or_default();
    let mut errs = Errs::new(v);
    // validateCommonFields: generic accessor checks, then generic update checks.
    validate_object_meta(&new_meta, &mut errs);
    validate_object_meta_update(&new_meta, old_meta, &mut errs);
    // ValidateEndpointsUpdate: core ValidateObjectMetaUpdate (generic update + kube finalizer names) ...
    validate_object_meta_update(&new_meta, old_meta, &mut errs);
    validate_kube_finalizer_names(&new_meta, &mut errs);
    // ... then ValidateEndpoints(new, old).
    validate_endpoints(&new_obj, Some(old), &mut errs);
    errs.out
}

/// apimachinery `ValidateObjectMetaAccessorUpdate`.
pub(crate) fn validate_object_meta_update(new_meta: &Value, old_meta: &Value, errs: &mut Errs) {
    if old_meta
        .get("deletionTimestamp")
        .is_some_and(|d| !d.is_null())
    {
        let old: Vec<&str> = array_at(old_meta, "finalizers")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut extra: Vec<&str> = array_at(new_meta, "finalizers")
            .iter()
            .filter_map(Value::as_str)
            .filter(|f| !old.contains(f))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            let list: Vec<String> = extra.iter().map(|s| go_quote(s)).collect();
            errs.forbidden(
                "M15",
                "metadata.finalizers",
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    list.join(", ")
                ),
            );
        }
    }
    for key in ["name", "namespace", "uid"] {
        let new_value = str_at(new_meta, key);
        if new_value != str_at(old_meta, key) {
            errs.invalid(
                "M14",
                &format!("metadata.{key}"),
                &GoValue::Str(new_value),
                "field is immutable",
            );
        }
    }
    let mut labels_only = Errs::new(errs.v);
    validate_labels(new_meta, &mut labels_only);
    validate_annotations(new_meta, &mut labels_only);
    validate_owner_references(new_meta, &mut labels_only);
    validate_managed_fields(new_meta, &mut labels_only);
    errs.out.extend(labels_only.out);
}

/// Validates an update (PUT, PATCH) of `old` into `new` as kube-apiserver does: metadata causes appear
/// several times (generic accessor, generic update, core update, core create-style), subset causes once,
/// and from 1.33 subset causes are dropped when `subsets` is semantically unchanged (ratcheting).
pub fn validate_update(new: &Value, old: &Value, v: K8sVersion) -> Vec<Cause> {
    let mut defaulted = new.clone();
    default_endpoints(&mut defaulted);
    validate_update_findings(&defaulted, old, v)
        .into_iter()
        .map(|f| f.cause)
        .collect()
}

/// The 422 message for Endpoints causes: `Endpoints "x" is invalid: ...`.
pub fn invalid_message(name: &str, causes: &[Cause]) -> String {
    crate::status::invalid_message(&GroupKind::ENDPOINTS.qualified(), name, causes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const V28: K8sVersion = K8sVersion::new(28);
    const V36: K8sVersion = K8sVersion::new(36);

    fn ep(subsets: Value) -> Value {
        json!({"metadata": {"name": "ep-1"}, "subsets": subsets})
    }

    fn fields(causes: &[Cause]) -> Vec<(&str, &str)> {
        causes
            .iter()
            .map(|c| (c.field.as_str(), c.message.as_str()))
            .collect()
    }

    #[test]
    fn bad_ip_gives_two_causes_around_hostname_and_node_name() {
        let obj = ep(json!([{"addresses": [{"ip": "foo", "hostname": "A", "nodeName": "B"}]}]));
        let causes = validate(&obj, V28);
        let f: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            f,
            vec![
                "subsets[0].addresses[0].ip",
                "subsets[0].addresses[0].hostname",
                "subsets[0].addresses[0].nodeName",
                "subsets[0].addresses[0].ip"
            ]
        );
        assert_eq!(
            causes[3].message,
            "Invalid value: \"foo\": must be a valid IP address"
        );
    }

    #[test]
    fn strict_ips_only_from_1_36() {
        let obj = ep(json!([{"addresses": [{"ip": "::ffff:127.0.0.1"}]}]));
        assert_eq!(validate(&obj, K8sVersion::new(35)).len(), 1);
        let causes = validate(&obj, V36);
        assert_eq!(
            fields(&causes),
            vec![
                (
                    "subsets[0].addresses[0].ip",
                    "Invalid value: \"::ffff:127.0.0.1\": must not be an IPv4-mapped IPv6 address"
                ),
                (
                    "subsets[0].addresses[0].ip",
                    "Invalid value: \"::ffff:127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
                ),
            ]
        );
        assert!(
            validate(
                &ep(json!([{"addresses": [{"ip": "010.1.1.1"}]}])),
                K8sVersion::new(35)
            )
            .is_empty()
        );
        let mapped_leading_zero = validate(
            &ep(json!([{"addresses": [{"ip": "::ffff:010.1.1.1"}]}])),
            V36,
        );
        assert_eq!(mapped_leading_zero.len(), 1);
        assert!(
            mapped_leading_zero[0]
                .message
                .ends_with("must not have leading 0s")
        );
    }

    #[test]
    fn protocol_is_defaulted_before_validation_and_p5_needs_raw_findings() {
        let obj = ep(json!([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]));
        assert!(validate(&obj, V28).is_empty());
        let raw = validate_findings(&obj, V28);
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0].rule, "P5");
        assert_eq!(raw[0].cause.message, "Required value");
    }

    #[test]
    fn ratcheting_keeps_unchanged_bad_subsets_from_1_33() {
        let old = json!({"metadata": {"name": "ep-1", "uid": "u"}, "subsets": [{"addresses": [{"ip": "127.0.0.1"}]}]});
        let mut new = old.clone();
        new["metadata"]["labels"] = json!({"a": "b"});
        assert!(validate_update(&new, &old, K8sVersion::new(33)).is_empty());
        assert_eq!(validate_update(&new, &old, K8sVersion::new(32)).len(), 1);
    }

    #[test]
    fn metadata_causes_are_quadrupled_on_update() {
        let old = json!({"metadata": {"name": "ep-1", "uid": "u"}});
        let new = json!({"metadata": {"name": "ep-1", "labels": {"k": "bad value!"}}});
        let causes = validate_update(&new, &old, V36);
        assert_eq!(causes.len(), 4);
        assert!(causes.iter().all(|c| c.field == "metadata.labels"));
    }

    #[test]
    fn generate_name_allows_a_trailing_dash() {
        let named = |g: &str| json!({"metadata": {"generateName": g}});
        assert!(validate(&named("ep-"), V36).is_empty());
        assert!(validate(&named("e-"), V36).is_empty());
        assert_eq!(validate(&named("-"), V36).len(), 1);
        assert_eq!(
            validate(&named("Bad_"), V36)[0].field,
            "metadata.generateName"
        );
    }

    #[test]
    fn go_quote_escapes_like_strconv() {
        assert_eq!(go_quote("a\"b\\c\td\u{0}"), "\"a\\\"b\\\\c\\td\\x00\"");
        assert_eq!(go_quote("é\u{a0}"), "\"é\\u00a0\"");
        assert_eq!(go_rune_u('\t'), "U+0009");
    }
}
