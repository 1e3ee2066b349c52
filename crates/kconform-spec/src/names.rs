//! Name checks from apimachinery `pkg/util/validation/validation.go`, with their exact messages.
//!
//! Each function returns the list of messages Go returns (empty when valid); callers wrap them in
//! field errors. Lengths are in bytes, as Go's `len(string)`.

use crate::version::K8sVersion;

/// The DNS-1123 label regex as quoted in messages.
pub const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
/// The DNS-1123 subdomain regex as quoted in messages.
pub const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
/// The qualified-name (name part) regex as quoted in messages.
pub const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
/// The label-value regex as quoted in messages.
pub const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// Go's `RegexError(msg, fmt, examples...)`; note the two spaces produced by `"', " + " or "`.
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut text = msg.to_owned();
    if examples.is_empty() {
        text.push_str(&format!(" (regex used for validation is '{fmt}')"));
        return text;
    }
    text.push_str(" (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            text.push_str(" or ");
        }
        text.push_str(&format!("'{example}', "));
    }
    text.push_str(&format!("regex used for validation is '{fmt}')"));
    text
}

/// Go's `MaxLenError`, which always says "characters" for DNS names.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// The length message of qualified names and label values: "characters" up to 1.34, "bytes" from 1.35.
fn max_len_error_versioned(length: usize, v: K8sVersion) -> String {
    if v.at_least(35) {
        format!("must be no more than {length} bytes")
    } else {
        max_len_error(length)
    }
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// True when `s` matches `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
pub fn matches_dns1123_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && bytes.iter().all(|&b| is_lower_alnum(b) || b == b'-')
        }
        _ => false,
    }
}

/// True when `s` matches the DNS-1123 subdomain regex (dot-separated labels).
pub fn matches_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(matches_dns1123_label)
}

fn matches_qualified_name_part(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `IsDNS1123Label`: ≤63 bytes, label regex; a valid subdomain that is not a label "must not contain dots".
pub fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`: ≤253 bytes and the subdomain regex.
pub fn dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsQualifiedName` (label keys, annotation keys, finalizers, appProtocol), with the 1.35 wording changes.
pub fn qualified_name(value: &str, v: K8sVersion) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            let head = if v.at_least(35) {
                "a valid label key "
            } else {
                "a qualified name "
            };
            errs.push(format!(
                "{head}{} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error_versioned(63, v)));
    }
    if !matches_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `IsValidLabelValue`: empty, or ≤63 bytes matching the label-value regex.
pub fn label_value(value: &str, v: K8sVersion) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error_versioned(63, v));
    }
    if !value.is_empty() && !matches_qualified_name_part(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `path.ValidatePathSegmentName` (generic store check; a subset of the subdomain rule for Endpoints).
pub fn path_segment_name(name: &str, prefix: bool) -> Vec<String> {
    if !prefix && (name == "." || name == "..") {
        return vec![format!("may not be '{name}'")];
    }
    let mut errs = Vec::new();
    for illegal in ["/", "%"] {
        if name.contains(illegal) {
            errs.push(format!("may not contain '{illegal}'"));
        }
    }
    errs
}

/// The characters of a generated name's random suffix (`apiserver pkg/storage/names/generate.go`).
pub const GENERATE_NAME_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// The generated name for `generateName`: the prefix cut to 58 bytes, then the 5-character `suffix`
/// (drawn from [`GENERATE_NAME_ALPHABET`] by the caller, which owns the randomness).
pub fn generated_name(generate_name: &str, suffix: &str) -> String {
    let mut cut = generate_name.len().min(58);
    while !generate_name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &generate_name[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    const V30: K8sVersion = K8sVersion::new(30);
    const V36: K8sVersion = K8sVersion::new(36);

    #[test]
    fn label_messages() {
        assert!(dns1123_label("my-name").is_empty());
        assert_eq!(dns1123_label("a.b"), vec!["must not contain dots"]);
        let upper = dns1123_label("Host-A");
        assert_eq!(upper.len(), 1);
        assert!(upper[0].contains("(e.g. 'my-name',  or '123-abc', regex used"));
        assert_eq!(
            dns1123_label(&"h".repeat(64)),
            vec!["must be no more than 63 characters"]
        );
        assert_eq!(dns1123_label(&"H".repeat(64)).len(), 2);
    }

    #[test]
    fn subdomain_messages() {
        assert!(dns1123_subdomain("a.b.c").is_empty());
        assert!(dns1123_subdomain("123").is_empty());
        assert_eq!(dns1123_subdomain("").len(), 1);
        assert_eq!(
            dns1123_subdomain(&"n".repeat(254)),
            vec!["must be no more than 253 characters"]
        );
        assert!(!dns1123_subdomain("a..b").is_empty());
    }

    #[test]
    fn qualified_name_messages_per_version() {
        assert!(qualified_name("kubernetes.io/h2c", V30).is_empty());
        assert!(qualified_name("HTTP", V30).is_empty());
        assert_eq!(qualified_name("", V30).len(), 2);
        assert_eq!(qualified_name("", V30)[0], "name part must be non-empty");
        assert!(qualified_name("a/b/c", V30)[0].starts_with("a qualified name must consist"));
        assert!(qualified_name("a/b/c", V36)[0].starts_with("a valid label key must consist"));
        assert_eq!(
            qualified_name(&"p".repeat(64), V30),
            vec!["name part must be no more than 63 characters"]
        );
        assert_eq!(
            qualified_name(&"p".repeat(64), V36),
            vec!["name part must be no more than 63 bytes"]
        );
        assert_eq!(
            qualified_name("/x", V30),
            vec!["prefix part must be non-empty"]
        );
        assert!(
            qualified_name("Bad_/x", V30)[0]
                .starts_with("prefix part a lowercase RFC 1123 subdomain")
        );
    }

    #[test]
    fn generated_names() {
        assert_eq!(generated_name("ep-", "x2b4z"), "ep-x2b4z");
        assert_eq!(generated_name(&"a".repeat(70), "bcdfg").len(), 63);
        assert_eq!(GENERATE_NAME_ALPHABET.len(), 27);
    }

    #[test]
    fn label_value_messages() {
        assert!(label_value("", V30).is_empty());
        assert!(label_value("my_value", V30).is_empty());
        assert!(
            label_value("bad value!", V30)[0].starts_with("a valid label must be an empty string")
        );
        assert_eq!(
            label_value(&"v".repeat(64), V36),
            vec!["must be no more than 63 bytes"]
        );
        assert_eq!(path_segment_name("..", false), vec!["may not be '..'"]);
    }
}
