//! Strategies for invalid strings, each built so that exactly the intended messages apply.

use kconform_spec::K8sVersion;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use crate::names::{self, truncate_subdomain};
use crate::text;

/// Characters outside every DNS and qualified-name alphabet, whatever the letter case.
const FOREIGN: &[char] = &['_', ' ', '!', '@', '*', '#', '[', '{', ':', '%', '"', '\\'];
/// Characters outside the qualified-name alphabet (which allows `_` and uppercase).
const NAME_PART_FOREIGN: &[char] = &[' ', '!', '@', '*', '#', '[', '{', ':', '%', '"', '\\', ','];

fn inject(mut s: String, at: &Index, ch: char) -> String {
    let pos = at.index(s.len() + 1);
    // Generated bases are ASCII, so every byte offset is a char boundary.
    s.insert(pos, ch);
    s
}

fn cut(mut s: String, max: usize) -> String {
    s.truncate(max);
    s
}

/// Not a DNS-1123 label and not a subdomain either, at most 63 characters: only the regex message applies.
pub(crate) fn label_regex() -> BoxedStrategy<String> {
    let upper = (b'A'..=b'Z').map(char::from).collect::<Vec<_>>();
    prop_oneof![
        3 => (names::dns_label(), any::<Index>(), select(FOREIGN)).prop_map(|(s, at, ch)| inject(cut(s, 62), &at, ch)),
        2 => (names::dns_label(), any::<Index>(), select(upper)).prop_map(|(s, at, ch)| inject(cut(s, 62), &at, ch)),
        1 => names::dns_label().prop_map(|s| format!("-{}", cut(s, 62))),
    ]
    .boxed()
}

/// A valid subdomain with at least one dot, at most 63 characters: only "must not contain dots" applies.
pub(crate) fn dotted_label() -> BoxedStrategy<String> {
    vec(names::dns_label(), 2..=3)
        .prop_map(|labels| {
            labels
                .into_iter()
                .map(|l| truncate_subdomain(l, 20))
                .collect::<Vec<_>>()
                .join(".")
        })
        .boxed()
}

fn long_of(alphabet: &'static [u8], len: std::ops::RangeInclusive<usize>) -> BoxedStrategy<String> {
    vec(0usize..alphabet.len(), len)
        .prop_map(move |idx| {
            let last = idx.len() - 1;
            idx.iter()
                .enumerate()
                .map(|(i, &k)| {
                    let c = alphabet[k];
                    if !c.is_ascii_alphanumeric() && (i == 0 || i == last) {
                        'a'
                    } else {
                        char::from(c)
                    }
                })
                .collect()
        })
        .boxed()
}

/// 64 to 100 characters that match the label regex: only the length message applies.
pub(crate) fn long_label() -> BoxedStrategy<String> {
    long_of(b"abcdefghijklmnopqrstuvwxyz0123456789-", 64..=100)
}

/// 254 to 300 characters that match the subdomain regex: only the length message applies.
pub(crate) fn long_subdomain() -> BoxedStrategy<String> {
    (names::dns_label(), 254usize..=300)
        .prop_map(|(label, len)| {
            let mut s = String::with_capacity(len + 64);
            while s.len() < len {
                s.push_str(&label);
                s.push('.');
            }
            truncate_subdomain(s, len)
        })
        .boxed()
}

/// Not a DNS-1123 subdomain, at most 253 characters and not empty: only the regex message applies.
pub(crate) fn subdomain_regex() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (names::dns_subdomain(), any::<Index>(), select(FOREIGN)).prop_map(|(s, at, ch)| inject(cut(s, 252), &at, ch)),
        1 => names::dns_subdomain().prop_map(|s| format!("{}.", cut(s, 252))),
        1 => names::dns_subdomain().prop_map(|s| format!("-{}", cut(s, 252))),
    ]
    .boxed()
}

/// Like [`subdomain_regex`], but bad in a way lower-casing cannot fix and without `/`.
fn prefix_regex() -> BoxedStrategy<String> {
    (
        names::dns_subdomain(),
        any::<Index>(),
        select(&['_', '!', '@', '*', ' ', '#'][..]),
    )
        .prop_map(|(s, at, ch)| inject(cut(s, 100), &at, ch))
        .boxed()
}

/// A name part with a character outside `[-A-Za-z0-9_.]`, or starting or ending with a symbol.
fn name_part_regex() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (names::name_part(), any::<Index>(), select(NAME_PART_FOREIGN)).prop_map(|(s, at, ch)| inject(cut(s, 62), &at, ch)),
        1 => (names::name_part(), select(&['-', '_', '.'][..]), any::<bool>()).prop_map(|(s, ch, front)| {
            let s = cut(s, 62);
            if front { format!("{ch}{s}") } else { format!("{s}{ch}") }
        }),
        1 => Just("lots-of[invalid]-{chars}".to_owned()),
    ]
    .boxed()
}

/// Which sub-rule of the qualified-name check a [`BadQualifiedName`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QualifiedFault {
    /// The name part fails the regex.
    Regex,
    /// The name part is empty (two causes: non-empty and regex).
    Empty,
    /// `/name`: the prefix is empty.
    EmptyPrefix,
    /// The prefix is not a DNS subdomain.
    BadPrefix,
    /// More than one `/`.
    Slashes,
    /// The name part is longer than 63.
    Long,
}

/// An invalid qualified name (appProtocol, label key, annotation key, finalizer) and what is wrong with it.
#[derive(Debug, Clone)]
pub(crate) struct BadQualifiedName {
    pub(crate) value: String,
    pub(crate) fault: QualifiedFault,
}

impl BadQualifiedName {
    /// The cause messages kube-apiserver gives, in order, each with its P7 sub-rule id.
    pub(crate) fn messages(&self, v: K8sVersion) -> Vec<(&'static str, String)> {
        let inv = |d: &str| text::invalid_str(&self.value, d);
        match self.fault {
            QualifiedFault::Regex => vec![("P7", inv(text::NAME_PART_REGEX))],
            QualifiedFault::Empty => vec![
                ("P7-empty", inv("name part must be non-empty")),
                ("P7", inv(text::NAME_PART_REGEX)),
            ],
            QualifiedFault::EmptyPrefix => {
                vec![("P7-prefix", inv("prefix part must be non-empty"))]
            }
            QualifiedFault::BadPrefix => vec![(
                "P7-prefix",
                inv(&format!("prefix part {}", text::DNS_SUBDOMAIN_REGEX)),
            )],
            QualifiedFault::Slashes => vec![("P7-slashes", inv(&text::qualified_name_slashes(v)))],
            QualifiedFault::Long => vec![(
                "P7-long",
                inv(&format!("name part {}", text::max_len_qualified(63, v))),
            )],
        }
    }
}

fn prefixed(prefix: Option<String>, name: String) -> String {
    match prefix {
        Some(p) => format!("{p}/{name}"),
        None => name,
    }
}

/// An invalid qualified name with the given fault.
pub(crate) fn qualified(fault: QualifiedFault) -> BoxedStrategy<BadQualifiedName> {
    let prefix = || {
        option::weighted(
            0.3,
            names::dns_subdomain()
                .prop_map(|p| cut(p, 100))
                .prop_map(|p| truncate_subdomain(p, 100)),
        )
    };
    let value: BoxedStrategy<String> = match fault {
        QualifiedFault::Regex => (prefix(), name_part_regex())
            .prop_map(|(p, n)| prefixed(p, n))
            .boxed(),
        QualifiedFault::Empty => prefix().prop_map(|p| prefixed(p, String::new())).boxed(),
        QualifiedFault::EmptyPrefix => names::name_part().prop_map(|n| format!("/{n}")).boxed(),
        QualifiedFault::BadPrefix => (prefix_regex(), names::name_part())
            .prop_map(|(p, n)| format!("{p}/{n}"))
            .boxed(),
        QualifiedFault::Slashes => vec(names::name_part(), 3..=4)
            .prop_map(|parts| parts.join("/"))
            .boxed(),
        QualifiedFault::Long => (
            prefix(),
            long_of(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
                64..=100,
            ),
        )
            .prop_map(|(p, n)| prefixed(p, n))
            .boxed(),
    };
    value
        .prop_map(move |value| BadQualifiedName { value, fault })
        .boxed()
}

/// An invalid qualified name with any fault.
pub(crate) fn any_qualified() -> BoxedStrategy<BadQualifiedName> {
    prop_oneof![
        4 => qualified(QualifiedFault::Regex),
        1 => qualified(QualifiedFault::Empty),
        1 => qualified(QualifiedFault::EmptyPrefix),
        1 => qualified(QualifiedFault::BadPrefix),
        1 => qualified(QualifiedFault::Slashes),
        1 => qualified(QualifiedFault::Long),
    ]
    .boxed()
}

/// A label value that fails the label-value regex, at most 63 characters.
pub(crate) fn label_value_regex() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (names::name_part(), any::<Index>(), select(&[' ', '!', '@', '/', ':', '#', '%'][..])).prop_map(|(s, at, ch)| inject(cut(s, 62), &at, ch)),
        1 => (names::name_part(), select(&['-', '_', '.'][..])).prop_map(|(s, ch)| format!("{ch}{}", cut(s, 62))),
        1 => Just("bad value!".to_owned()),
    ]
    .boxed()
}

/// 64 to 100 characters matching the label-value regex: only the length message applies.
pub(crate) fn long_label_value() -> BoxedStrategy<String> {
    long_of(
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
        64..=100,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn injection_lands_inside_the_string() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..100 {
            let at = any::<Index>().new_tree(&mut runner).unwrap().current();
            let s = inject("ab".into(), &at, '_');
            assert_eq!(s.len(), 3);
            assert!(s.contains('_'));
        }
    }
}
