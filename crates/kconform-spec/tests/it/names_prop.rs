//! Property tests: the hand-written DNS checks agree with the Kubernetes regexes' semantics.

use kconform_spec::names::{dns1123_label, matches_dns1123_label, matches_dns1123_subdomain};
use proptest::prelude::*;

/// A direct transcription of `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` as a tiny automaton, independent of the
/// implementation under test (which checks first/last/all characters).
fn regex_label(s: &str) -> bool {
    // States: 0 start, 1 after an alphanumeric (accepting), 2 after a '-' (not accepting).
    let mut state = 0;
    for c in s.chars() {
        let alnum = c.is_ascii_lowercase() || c.is_ascii_digit();
        state = match (state, alnum, c == '-') {
            (0, true, _) => 1,
            (1 | 2, true, _) => 1,
            (1 | 2, false, true) => 2,
            _ => return false,
        };
    }
    state == 1
}

proptest! {
    #[test]
    fn dns_label_agrees_with_the_regex(s in "[a-z0-9.A-Z_-]{0,70}") {
        prop_assert_eq!(matches_dns1123_label(&s), regex_label(&s));
        let valid = regex_label(&s) && s.len() <= 63;
        prop_assert_eq!(dns1123_label(&s).is_empty(), valid);
    }

    #[test]
    fn subdomain_is_dot_joined_labels(parts in proptest::collection::vec("[a-z0-9-]{0,5}", 1..5)) {
        let s = parts.join(".");
        prop_assert_eq!(matches_dns1123_subdomain(&s), parts.iter().all(|p| regex_label(p)));
    }
}
