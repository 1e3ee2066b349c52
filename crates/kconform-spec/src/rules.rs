//! The rule registry: every validation and decode rule kube-apiserver applies to an Endpoints body,
//! with a stable id, the field it reports, the cause reason and the versions where it holds.
//!
//! Ids follow the behaviour document: §2.2 rows keep the document's own ids (`S1`, `A1`, …), with a
//! suffix where one row has several distinct messages (`H1-dots`); §2.3 metadata rules are `M1`…`M15`
//! in table order (with suffixes for distinct messages), and 400 decode failures are `D1`… . An id,
//! once published, never changes meaning and is never reused. This table is authoritative: the
//! validator tags every cause it produces with one of these ids ([`crate::validate::validate_findings`]).

use crate::version::K8sVersion;

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `P4-range`.
    pub id: &'static str,
    /// Where the behaviour document describes it, by name (e.g. `§2.2 rule table`).
    pub section: &'static str,
    /// The `details.causes[].field` pattern, e.g. `subsets[i].addresses[j].ip`; empty for 400 decode rules.
    pub field: &'static str,
    /// The cause reason (`FieldValueInvalid` …) or, for decode rules, the Status reason `BadRequest`.
    pub reason: &'static str,
    /// What the rule checks, in one sentence.
    pub summary: &'static str,
    /// An example of the exact message (newest wording; see `summary` for version differences).
    pub example: &'static str,
    /// The first version where the rule holds; `None` means every modelled version.
    pub since: Option<K8sVersion>,
    /// The last version where the rule holds; `None` means it still holds in the newest modelled version.
    pub until: Option<K8sVersion>,
}

impl Rule {
    /// True when the rule is enforced by kube-apiserver 1.`v`.
    pub fn holds_in(&self, v: K8sVersion) -> bool {
        self.since.is_none_or(|s| v >= s) && self.until.is_none_or(|u| v <= u)
    }
}

const fn v(minor: u32) -> Option<K8sVersion> {
    Some(K8sVersion::new(minor))
}

const S22: &str = "§2.2 rule table";
const S23: &str = "§2.3 metadata rules";
const S3: &str = "§3.1 catalogue";
const INV: &str = "FieldValueInvalid";
const REQ: &str = "FieldValueRequired";
const BAD: &str = "BadRequest";

macro_rules! rule_entry {
    ($id:expr, $section:expr, $field:expr, $reason:expr, $summary:expr, $example:expr, $since:expr, $until:expr) => {
        Rule {
            id: $id,
            section: $section,
            field: $field,
            reason: $reason,
            summary: $summary,
            example: $example,
            since: $since,
            until: $until,
        }
    };
}

pub(crate) use rule_entry;

static RULES: &[Rule] = &[
    rule_entry!(
        "S1",
        S22,
        "subsets[i]",
        REQ,
        "A subset needs at least one of addresses or notReadyAddresses.",
        "Required value: must specify `addresses` or `notReadyAddresses`",
        None,
        None
    ),
    rule_entry!(
        "A1",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "An address IP must parse as an IP; an unparseable IP gives two causes on the same field, ip(a) first and ip(b) after the hostname and nodeName causes.",
        "Invalid value: \"foo\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        None,
        None
    ),
    rule_entry!(
        "A1-second",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "The second cause for an unparseable IP (ValidateNonSpecialIP up to 1.32, ValidateEndpointIP from 1.33).",
        "Invalid value: \"foo\": must be a valid IP address",
        None,
        None
    ),
    rule_entry!(
        "A2",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "IPv4 with leading zeros is rejected from 1.36 (StrictIPCIDRValidation beta); accepted, with warning W1 from 1.33, before.",
        "Invalid value: \"010.1.1.1\": must not have leading 0s",
        v(36),
        None
    ),
    rule_entry!(
        "A3",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "IPv4-mapped IPv6 is rejected from 1.36; before, it is accepted and range-checked as the embedded IPv4.",
        "Invalid value: \"::ffff:10.1.1.1\": must not be an IPv4-mapped IPv6 address",
        v(36),
        None
    ),
    rule_entry!(
        "A5",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "The unspecified address (0.0.0.0, ::) is rejected; the parenthesis repeats the input.",
        "Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)",
        None,
        None
    ),
    rule_entry!(
        "A6",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "Loopback addresses (127.0.0.0/8, ::1) are rejected.",
        "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
        None,
        None
    ),
    rule_entry!(
        "A7",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "Link-local unicast addresses (169.254.0.0/16, fe80::/10) are rejected.",
        "Invalid value: \"169.254.169.254\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        None,
        None
    ),
    rule_entry!(
        "A8",
        S22,
        "subsets[i].addresses[j].ip",
        INV,
        "Link-local multicast addresses (224.0.0.0/24, ffX2::/16) are rejected.",
        "Invalid value: \"224.0.0.1\": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        None,
        None
    ),
    rule_entry!(
        "H1",
        S22,
        "subsets[i].addresses[j].hostname",
        INV,
        "A non-empty hostname must be a DNS-1123 label.",
        "Invalid value: \"Host-A\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        None,
        None
    ),
    rule_entry!(
        "H1-dots",
        S22,
        "subsets[i].addresses[j].hostname",
        INV,
        "A hostname that is a valid subdomain but not a label contains dots.",
        "Invalid value: \"a.b\": must not contain dots",
        None,
        None
    ),
    rule_entry!(
        "H1-long",
        S22,
        "subsets[i].addresses[j].hostname",
        INV,
        "A hostname longer than 63 characters (wording 'characters' in every version).",
        "Invalid value: \"hhh…\": must be no more than 63 characters",
        None,
        None
    ),
    rule_entry!(
        "N1",
        S22,
        "subsets[i].addresses[j].nodeName",
        INV,
        "A present nodeName (even \"\") must be a DNS-1123 subdomain.",
        "Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        None,
        None
    ),
    rule_entry!(
        "N1-long",
        S22,
        "subsets[i].addresses[j].nodeName",
        INV,
        "A nodeName longer than 253 characters.",
        "Invalid value: \"nnn…\": must be no more than 253 characters",
        None,
        None
    ),
    rule_entry!(
        "P1",
        S22,
        "subsets[i].ports[k].name",
        REQ,
        "With more than one port in a subset, every port needs a name.",
        "Required value",
        None,
        None
    ),
    rule_entry!(
        "P2",
        S22,
        "subsets[i].ports[k].name",
        INV,
        "A non-empty port name must be a DNS-1123 label.",
        "Invalid value: \"HTTP_Port\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        None,
        None
    ),
    rule_entry!(
        "P2-dots",
        S22,
        "subsets[i].ports[k].name",
        INV,
        "A port name with dots.",
        "Invalid value: \"a.b\": must not contain dots",
        None,
        None
    ),
    rule_entry!(
        "P2-long",
        S22,
        "subsets[i].ports[k].name",
        INV,
        "A port name longer than 63 characters.",
        "Invalid value: \"ppp…\": must be no more than 63 characters",
        None,
        None
    ),
    rule_entry!(
        "P4-range",
        S22,
        "subsets[i].ports[k].port",
        INV,
        "The port must be 1..65535 (0 or omitted included); the number is unquoted.",
        "Invalid value: 0: must be between 1 and 65535, inclusive",
        None,
        None
    ),
    rule_entry!(
        "P4-int32",
        S22,
        "subsets[i].ports[k].port",
        BAD,
        "A port outside int32 fails decoding with 400 (see D3).",
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number 4294967296 into Go struct field EndpointPort.subsets.ports.port of type int32",
        None,
        None
    ),
    rule_entry!(
        "P5",
        S22,
        "subsets[i].ports[k].protocol",
        REQ,
        "An empty protocol; unreachable over REST because decoding defaults it to TCP.",
        "Required value",
        None,
        None
    ),
    rule_entry!(
        "P6",
        S22,
        "subsets[i].ports[k].protocol",
        "FieldValueNotSupported",
        "The protocol must be exactly TCP, UDP or SCTP.",
        "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
        None,
        None
    ),
    rule_entry!(
        "P7",
        S22,
        "subsets[i].ports[k].appProtocol",
        INV,
        "The name part of an appProtocol must match the qualified-name regex.",
        "Invalid value: \"lots-of[invalid]-{chars}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        None,
        None
    ),
    rule_entry!(
        "P7-empty",
        S22,
        "subsets[i].ports[k].appProtocol",
        INV,
        "An empty name part (appProtocol \"\" also fails P7).",
        "Invalid value: \"\": name part must be non-empty",
        None,
        None
    ),
    rule_entry!(
        "P7-prefix",
        S22,
        "subsets[i].ports[k].appProtocol",
        INV,
        "The prefix before '/' must be a non-empty DNS-1123 subdomain.",
        "Invalid value: \"/x\": prefix part must be non-empty",
        None,
        None
    ),
    rule_entry!(
        "P7-slashes",
        S22,
        "subsets[i].ports[k].appProtocol",
        INV,
        "More than one '/'; 'a qualified name must …' up to 1.34, 'a valid label key must …' from 1.35.",
        "Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        None,
        None
    ),
    rule_entry!(
        "P7-long",
        S22,
        "subsets[i].ports[k].appProtocol",
        INV,
        "A name part longer than 63; 'characters' up to 1.34, 'bytes' from 1.35.",
        "Invalid value: \"ppp…\": name part must be no more than 63 bytes",
        None,
        None
    ),
    rule_entry!(
        "M1",
        S23,
        "metadata.name",
        REQ,
        "A name is required unless generateName is set.",
        "Required value: name or generateName is required",
        None,
        None
    ),
    rule_entry!(
        "M2",
        S23,
        "metadata.name",
        INV,
        "The name must be a DNS-1123 subdomain (≤253 characters).",
        "Invalid value: \"EP_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        None,
        None
    ),
    rule_entry!(
        "M2-long",
        S23,
        "metadata.name",
        INV,
        "A name longer than 253 characters.",
        "Invalid value: \"nnn…\": must be no more than 253 characters",
        None,
        None
    ),
    rule_entry!(
        "M2-namespace",
        S23,
        "metadata.namespace",
        INV,
        "A body namespace must be a DNS-1123 label; unreachable over REST, because a differing body namespace is a 400 and an invalid URL namespace does not exist (404).",
        "Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of …",
        None,
        None
    ),
    rule_entry!(
        "M3",
        S23,
        "metadata.generateName",
        INV,
        "generateName (with a trailing '-' masked) must be a DNS-1123 subdomain prefix.",
        "Invalid value: \"-x\": a lowercase RFC 1123 subdomain must consist of …",
        None,
        None
    ),
    rule_entry!(
        "M4",
        S23,
        "metadata.generation",
        INV,
        "generation must not be negative.",
        "Invalid value: -1: must be greater than or equal to 0",
        None,
        None
    ),
    rule_entry!(
        "M5",
        S23,
        "metadata.labels",
        INV,
        "Label keys must be qualified names (same sub-rules and wording as P7*).",
        "Invalid value: \"bad key\": name part must consist of …",
        None,
        None
    ),
    rule_entry!(
        "M6",
        S23,
        "metadata.labels",
        INV,
        "Label values must be empty or match the label-value regex.",
        "Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        None,
        None
    ),
    rule_entry!(
        "M6-long",
        S23,
        "metadata.labels",
        INV,
        "A label value longer than 63; 'characters' up to 1.34, 'bytes' from 1.35.",
        "Invalid value: \"vvv…\": must be no more than 63 bytes",
        None,
        None
    ),
    rule_entry!(
        "M7",
        S23,
        "metadata.annotations",
        INV,
        "Annotation keys (lower-cased) must be qualified names.",
        "Invalid value: \"bad!key\": name part must consist of …",
        None,
        None
    ),
    rule_entry!(
        "M8",
        S23,
        "metadata.annotations",
        "FieldValueTooLong",
        "The total size of annotation keys and values must not exceed 262144 bytes; 'must have at most' up to 1.31, 'may not be more than' from 1.32.",
        "Too long: may not be more than 262144 bytes",
        None,
        None
    ),
    rule_entry!(
        "M9",
        S23,
        "metadata.ownerReferences.apiVersion",
        INV,
        "An owner reference needs apiVersion, kind, name and uid ('version must not be empty'; kind 'kind must not be empty' up to 1.30, then 'must not be empty').",
        "Invalid value: \"\": version must not be empty",
        None,
        None
    ),
    rule_entry!(
        "M9-kind",
        S23,
        "metadata.ownerReferences.kind",
        INV,
        "An owner reference needs a kind.",
        "Invalid value: \"\": must not be empty",
        None,
        None
    ),
    rule_entry!(
        "M9-name",
        S23,
        "metadata.ownerReferences.name",
        INV,
        "An owner reference needs a name.",
        "Invalid value: \"\": must not be empty",
        None,
        None
    ),
    rule_entry!(
        "M9-uid",
        S23,
        "metadata.ownerReferences.uid",
        INV,
        "An owner reference needs a uid.",
        "Invalid value: \"\": must not be empty",
        None,
        None
    ),
    rule_entry!(
        "M9-event",
        S23,
        "metadata.ownerReferences",
        INV,
        "An owner reference may not point to a v1 Event.",
        "Invalid value: \"v1/Event\": is disallowed from being an owner",
        None,
        None
    ),
    rule_entry!(
        "M9-controllers",
        S23,
        "metadata.ownerReferences",
        INV,
        "At most one owner reference may be the controller; the value is the whole list (Go %#v up to 1.33, JSON from 1.34).",
        "Invalid value: [{…}]: Only one reference can have Controller set to true. Found \"true\" in references for Service/a and Service/b",
        None,
        None
    ),
    rule_entry!(
        "M10",
        S23,
        "metadata.finalizers",
        INV,
        "Finalizers must be qualified names (field not indexed).",
        "Invalid value: \"example.com/bad name\": name part must consist of …",
        None,
        None
    ),
    rule_entry!(
        "M11",
        S23,
        "metadata.finalizers[i]",
        INV,
        "A finalizer without '/' must be kubernetes, orphan or foregroundDeletion.",
        "Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified",
        None,
        None
    ),
    rule_entry!(
        "M12",
        S23,
        "metadata.finalizers",
        INV,
        "orphan and foregroundDeletion cannot both be set; the value is the list (Go %#v up to 1.33, JSON from 1.34).",
        "Invalid value: [\"orphan\",\"foregroundDeletion\"]: finalizer orphan and foregroundDeletion cannot be both set",
        None,
        None
    ),
    rule_entry!(
        "M13",
        S23,
        "metadata.managedFields[i].operation",
        INV,
        "managedFields entries need operation Apply or Update, fieldsType FieldsV1, and a manager of at most 128 bytes.",
        "Invalid value: \"X\": must be `Apply` or `Update`",
        None,
        None
    ),
    rule_entry!(
        "M13-fieldsType",
        S23,
        "metadata.managedFields[i].fieldsType",
        INV,
        "managedFields fieldsType must be FieldsV1.",
        "Invalid value: \"X\": must be `FieldsV1`",
        None,
        None
    ),
    rule_entry!(
        "M13-manager",
        S23,
        "metadata.managedFields[i].manager",
        "FieldValueTooLong",
        "managedFields manager at most 128 bytes.",
        "Too long: may not be more than 128 bytes",
        None,
        None
    ),
    rule_entry!(
        "M13-manager-char",
        S23,
        "metadata.managedFields[i].manager",
        INV,
        "managedFields manager must be printable; one cause per non-printable rune.",
        "Invalid value: \"a\\tb\": invalid character U+0009 (at position 1)",
        None,
        None
    ),
    rule_entry!(
        "M14",
        S23,
        "metadata.name",
        INV,
        "On update, name, namespace and uid are immutable (field is the changed one); creationTimestamp and friends are reset from the stored object before validation.",
        "Invalid value: \"00000000-0000-4000-8000-000000000001\": field is immutable",
        None,
        None
    ),
    rule_entry!(
        "M15",
        S23,
        "metadata.finalizers",
        "FieldValueForbidden",
        "On update, no finalizer may be added once deletionTimestamp is set.",
        "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"x\"}",
        None,
        None
    ),
    rule_entry!(
        "D1",
        S3,
        "",
        BAD,
        "The body is not JSON (or YAML) at all: 'the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: …'.",
        "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
        None,
        None
    ),
    rule_entry!(
        "D2",
        S3,
        "",
        BAD,
        "A field has the wrong JSON type: 'json: cannot unmarshal <type> into Go struct field <Struct>.<path> of type <go type>'.",
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal string into Go struct field EndpointPort.subsets.ports.port of type int32",
        None,
        None
    ),
    rule_entry!(
        "D3",
        S3,
        "",
        BAD,
        "An integer does not fit its Go type (int32 port, int64 generation).",
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number 4294967296 into Go struct field EndpointPort.subsets.ports.port of type int32",
        None,
        None
    ),
    rule_entry!(
        "D4",
        S3,
        "",
        BAD,
        "fieldValidation=Strict and an unknown or duplicate field (POST/PUT); problems are listed in document order, each once (sigs.k8s.io/json); the recordings (unknown field last in the body) agree.",
        "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: unknown field \"subsets[0].addresses[0].bar\", unknown field \"foo\"",
        None,
        None
    ),
    rule_entry!(
        "D5",
        S3,
        "",
        BAD,
        "The body's apiVersion is not v1: 'no kind \"Endpoints\" is registered for version …'.",
        "Endpoints in version \"v2\" cannot be handled as a Endpoints: no kind \"Endpoints\" is registered for version \"v2\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"",
        None,
        None
    ),
    rule_entry!(
        "D6",
        S3,
        "",
        BAD,
        "The body's kind is another registered v1 kind: 'converting (v1.<Kind>) to (core.Endpoints): unknown conversion'.",
        "Service in version \"v1\" cannot be handled as a Endpoints: converting (v1.Service) to (core.Endpoints): unknown conversion",
        None,
        None
    ),
];

/// Every rule, in table order.
pub fn all_rules() -> &'static [Rule] {
    RULES
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    find(RULES, id)
}

/// The rule with this id in a registry.
pub(crate) fn find(rules: &'static [Rule], id: &str) -> Option<&'static Rule> {
    rules.iter().find(|r| r.id == id)
}

/// The ids a registry holds more than once (none, for every registry).
#[cfg(test)]
pub(crate) fn repeated_ids(rules: &[Rule]) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = rules.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    let mut repeated: Vec<&'static str> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    repeated.dedup();
    repeated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_lookups_work() {
        assert!(repeated_ids(all_rules()).is_empty(), "duplicate rule id");
        assert_eq!(rule("P4-range").unwrap().field, "subsets[i].ports[k].port");
        assert!(rule("nope").is_none());
    }

    #[test]
    fn version_ranges() {
        let a2 = rule("A2").unwrap();
        assert!(!a2.holds_in(K8sVersion::new(35)));
        assert!(a2.holds_in(K8sVersion::new(36)));
        assert!(rule("S1").unwrap().holds_in(K8sVersion::OLDEST));
    }
}
