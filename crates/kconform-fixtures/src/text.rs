//! The exact texts kube-apiserver puts into `details.causes[].message`, written from the behaviour
//! document (§2.2, §2.3, §11) and the real-server recordings in `transcripts/`.
//!
//! These are deliberately written here, independently of `kconform-spec`, so that the tests which
//! compare the generator's declared expectations with `kconform_spec::validate` check both sides.

use kconform_spec::K8sVersion;

/// The DNS-1123 label regex message (hostname, port name).
pub(crate) const DNS_LABEL_REGEX: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// The DNS-1123 subdomain regex message (metadata.name, nodeName, prefixes).
pub(crate) const DNS_SUBDOMAIN_REGEX: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// The qualified-name name-part regex message (appProtocol, label and annotation keys, finalizers).
pub(crate) const NAME_PART_REGEX: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// The label-value regex message.
pub(crate) const LABEL_VALUE_REGEX: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// Message for a qualified name with more than one `/`; its first words changed in 1.35.
pub(crate) fn qualified_name_slashes(v: K8sVersion) -> String {
    let head = if v.at_least(35) {
        "a valid label key"
    } else {
        "a qualified name"
    };
    format!(
        "{head} must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )
}

/// DNS label and subdomain length errors always say "characters".
pub(crate) fn max_len_characters(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// Qualified-name parts and label values say "bytes" from 1.35 on (§11).
pub(crate) fn max_len_qualified(n: usize, v: K8sVersion) -> String {
    let unit = if v.at_least(35) {
        "bytes"
    } else {
        "characters"
    };
    format!("must be no more than {n} {unit}")
}

/// The annotation-size detail: "must have at most" up to 1.31, "may not be more than" from 1.32.
pub(crate) fn too_long_bytes(n: usize, v: K8sVersion) -> String {
    if v.at_least(32) {
        format!("Too long: may not be more than {n} bytes")
    } else {
        format!("Too long: must have at most {n} bytes")
    }
}

/// `Invalid value: "<value>": <detail>` for a string value (Go `%q`).
pub(crate) fn invalid_str(value: &str, detail: &str) -> String {
    format!("Invalid value: {}: {detail}", go_quote(value))
}

/// `Invalid value: <n>: <detail>` for a number (Go `%v`).
pub(crate) fn invalid_int(value: i64, detail: &str) -> String {
    format!("Invalid value: {value}: {detail}")
}

/// Renders a string the way Go's `%q` verb does, for the characters the generator puts into bad values.
pub(crate) fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%#v` of a `[]string` (≤1.33) or its JSON form (1.34+), used for list-valued causes.
pub(crate) fn string_list(values: &[&str], v: K8sVersion) -> String {
    if v.at_least(34) {
        let quoted: Vec<String> = values.iter().map(|s| go_quote(s)).collect();
        format!("[{}]", quoted.join(","))
    } else {
        let quoted: Vec<String> = values.iter().map(|s| go_quote(s)).collect();
        format!("[]string{{{}}}", quoted.join(", "))
    }
}

/// The warning kube-apiserver sends for an EndpointSlice of addressType FQDN (recorded on 1.28 and 1.36).
pub(crate) const FQDN_DEPRECATED: &str = "spec.addressType: FQDN endpoints are deprecated";

/// The warning of an unknown field that decoding dropped (`unknown field "<path>"`).
pub(crate) fn unknown_field(path: &str) -> String {
    format!("unknown field {}", go_quote(path))
}

/// The DNS-1123 label regex message, whatever the version.
pub(crate) fn dns_label_regex(_: K8sVersion) -> String {
    DNS_LABEL_REGEX.to_owned()
}

/// The DNS-1123 subdomain regex message, whatever the version.
pub(crate) fn dns_subdomain_regex(_: K8sVersion) -> String {
    DNS_SUBDOMAIN_REGEX.to_owned()
}

/// A DNS-1123 label with dots.
pub(crate) fn dots(_: K8sVersion) -> String {
    "must not contain dots".to_owned()
}

/// A DNS-1123 label longer than 63.
pub(crate) fn max63(_: K8sVersion) -> String {
    max_len_characters(63)
}

/// A DNS-1123 subdomain longer than 253.
pub(crate) fn max253(_: K8sVersion) -> String {
    max_len_characters(253)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote(""), r#""""#);
    }

    #[test]
    fn wording_changes_follow_the_version_matrix() {
        assert_eq!(
            max_len_qualified(63, K8sVersion::new(34)),
            "must be no more than 63 characters"
        );
        assert_eq!(
            max_len_qualified(63, K8sVersion::new(35)),
            "must be no more than 63 bytes"
        );
        assert_eq!(
            too_long_bytes(262144, K8sVersion::new(31)),
            "Too long: must have at most 262144 bytes"
        );
        assert_eq!(
            too_long_bytes(262144, K8sVersion::new(32)),
            "Too long: may not be more than 262144 bytes"
        );
        assert_eq!(
            string_list(&["orphan", "foregroundDeletion"], K8sVersion::new(28)),
            r#"[]string{"orphan", "foregroundDeletion"}"#
        );
        assert_eq!(
            string_list(&["orphan", "foregroundDeletion"], K8sVersion::new(36)),
            r#"["orphan","foregroundDeletion"]"#
        );
    }
}
