//! Strategies for the strings Kubernetes validates: DNS-1123 labels and subdomains, qualified names,
//! label values, and free-form annotation values.
//!
//! Most draws pick from short realistic words (cheap, readable fixtures); a smaller share builds
//! strings character by character up to the maximum length, so the whole valid space is reachable.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

pub(crate) const WORDS: &[&str] = &[
    "web", "api", "db", "cache", "frontend", "backend", "svc", "app", "node", "worker", "http",
    "grpc", "metrics", "admin", "edge", "auth", "queue", "store", "mysql", "redis", "kafka",
    "nginx", "pod", "zone", "east", "west", "blue", "green", "canary", "v1", "v2", "a", "x1", "0",
    "42",
];

pub(crate) const LABEL_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
pub(crate) const NAME_PART_ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

/// Builds a DNS-1123 label from alphabet indices: first and last characters are forced alphanumeric.
pub(crate) fn label_from(indices: &[u8]) -> String {
    let last = indices.len().saturating_sub(1);
    indices
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let c = LABEL_ALPHABET[usize::from(k) % LABEL_ALPHABET.len()];
            if c == b'-' && (i == 0 || i == last) {
                'a'
            } else {
                char::from(c)
            }
        })
        .collect()
}

/// A qualified-name name part from alphabet indices (`[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`).
pub(crate) fn name_part_from(indices: &[u8]) -> String {
    let last = indices.len().saturating_sub(1);
    indices
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let c = NAME_PART_ALPHABET[usize::from(k) % NAME_PART_ALPHABET.len()];
            if !c.is_ascii_alphanumeric() && (i == 0 || i == last) {
                'a'
            } else {
                char::from(c)
            }
        })
        .collect()
}

/// A valid DNS-1123 label (1 to 63 characters).
pub(crate) fn dns_label() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (select(WORDS), option::weighted(0.3, select(WORDS)), option::weighted(0.4, 0u16..1000)).prop_map(
            |(a, b, n)| {
                let mut s = String::from(a);
                if let Some(b) = b {
                    s.push('-');
                    s.push_str(b);
                }
                if let Some(n) = n {
                    s.push('-');
                    s.push_str(&n.to_string());
                }
                s
            }
        ),
        1 => vec(0u8..37, 1..=63).prop_map(|v| label_from(&v)),
    ]
    .boxed()
}

/// A valid DNS-1123 subdomain (1 to 253 characters, dot-separated labels).
pub(crate) fn dns_subdomain() -> BoxedStrategy<String> {
    prop_oneof![
        8 => vec(dns_label(), 1..=3).prop_map(|labels| labels.join(".")),
        1 => vec(vec(0u8..37, 1..=63), 1..=5).prop_map(|labels| {
            let joined: Vec<String> = labels.iter().map(|l| label_from(l)).collect();
            truncate_subdomain(joined.join("."), 253)
        }),
    ]
    .boxed()
}

/// Cuts a subdomain to `max` bytes, keeping its last character alphanumeric.
pub(crate) fn truncate_subdomain(mut s: String, max: usize) -> String {
    s.truncate(max);
    if s.ends_with(['.', '-']) {
        s.pop();
        s.push('a');
    }
    s
}

/// A valid qualified-name name part (1 to 63 characters).
pub(crate) fn name_part() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(&[
            "app", "name", "version", "tier", "component", "part-of", "managed-by", "MyName", "my.name", "123-abc",
            "h2c", "ws", "wss", "http", "HTTP", "grpc", "team_a", "Release.Stage", "x",
        ][..]).prop_map(str::to_owned),
        1 => vec(0u8..65, 1..=63).prop_map(|v| name_part_from(&v)),
    ]
    .boxed()
}

/// A valid label value: empty, or a name part of up to 63 characters.
pub(crate) fn label_value() -> BoxedStrategy<String> {
    prop_oneof![1 => Just(String::new()), 6 => name_part()].boxed()
}

pub(crate) const ANNOTATION_CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Z', '0', '9', ' ', '-', '_', '.', '/', ':', ',', '{', '}', '"', '\\',
    '\n', '\t', '=', 'é', '✓', '日', '🙂',
];

/// Any annotation value: annotation values are free text.
pub(crate) fn annotation_value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(&[
            "true", "", "2026-11-27T13:00:00Z", "{\"replicas\":3}", "line one\nline two", "ünïcødé ✓", "https://example.com/x?y=1",
        ][..]).prop_map(str::to_owned),
        2 => vec(select(ANNOTATION_CHARS), 0..48).prop_map(|chars| chars.into_iter().collect()),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_force_alphanumeric_ends() {
        assert_eq!(label_from(&[36, 0, 36]), "aaa");
        assert_eq!(name_part_from(&[64, 62]), "aa");
        assert_eq!(truncate_subdomain("ab.cd".into(), 3), "aba");
    }
}
