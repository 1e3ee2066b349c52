//! Invalid fixtures: the spec reports exactly the declared causes (or the declared 400).

use kconform_fixtures::invalid::{MUTATED_RULES, invalid_for_rule};
use kconform_fixtures::invalid_endpoints;
use kconform_spec::K8sVersion;
use proptest::prelude::*;

use crate::check::{check_fixture, check_replayed};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn invalid_fixtures_yield_exactly_their_declared_causes(fixture in invalid_endpoints(K8sVersion::NEWEST)) {
        prop_assert!(!fixture.expected.is_empty());
        check_fixture(&fixture.body, fixture.rule, &fixture.expected).map_err(|m| TestCaseError::fail(format!("{}: {m}", fixture.rule)))?;
    }

    #[test]
    fn invalid_fixtures_for_1_28_yield_exactly_their_declared_causes(fixture in invalid_endpoints(K8sVersion::OLDEST)) {
        check_fixture(&fixture.body, fixture.rule, &fixture.expected).map_err(|m| TestCaseError::fail(format!("{}: {m}", fixture.rule)))?;
    }
}

/// Every mutator, a few hundred draws each, so rare rules are exercised as much as common ones.
#[test]
fn every_mutator_agrees_with_the_spec() {
    let mut failures = Vec::new();
    for rule in MUTATED_RULES {
        let strategy = invalid_for_rule(rule).unwrap_or_else(|| panic!("{rule} has no mutator"));
        let mut runner = kconform_fixtures::corpus::seeded_runner(
            kconform_fixtures::corpus::stream_seed(99, rule),
        );
        let draws = if *rule == "M8" { 5 } else { 100 };
        for _ in 0..draws {
            let fixture =
                proptest::strategy::ValueTree::current(&strategy.new_tree(&mut runner).unwrap());
            assert_eq!(fixture.rule, *rule);
            if let Err(m) = check_fixture(&fixture.body, fixture.rule, &fixture.expected) {
                failures.push(format!("{rule}: {m}"));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rules disagree:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corner_cases_agree_with_the_spec() {
    let mut failures = Vec::new();
    for case in kconform_fixtures::corner::corner_cases() {
        let rule = case.rules.first().map(String::as_str).unwrap_or("");
        if let Err(m) = check_replayed(&case.body, rule, &case.expected, &case.replay) {
            failures.push(format!("corner-{}: {m}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corner cases disagree:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
