//! The quickcheck `Arbitrary` implementations agree with the spec, and their shrinking keeps them so.

use kconform_fixtures::quickcheck::{ArbitraryInvalidEndpoints, ArbitraryValidEndpoints};
use kconform_fixtures::{Body, Expectation, Outcome};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

use crate::check::check_fixture;

fn valid_is_accepted(v: ArbitraryValidEndpoints) -> TestResult {
    let expected = vec![Expectation {
        versions: v.versions,
        outcome: Outcome::created(),
    }];
    match check_fixture(&Body::Json(v.object), "", &expected) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(m),
    }
}

fn invalid_is_rejected(v: ArbitraryInvalidEndpoints) -> TestResult {
    match check_fixture(&v.body, v.rule, &v.expected) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(format!("{}: {m}", v.rule)),
    }
}

#[test]
fn arbitrary_valid_endpoints_are_accepted() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(valid_is_accepted as fn(ArbitraryValidEndpoints) -> TestResult);
}

#[test]
fn arbitrary_invalid_endpoints_are_rejected_as_declared() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(invalid_is_rejected as fn(ArbitraryInvalidEndpoints) -> TestResult);
}

#[test]
fn shrinking_keeps_values_valid_or_invalid() {
    let mut g = Gen::new(100);
    for _ in 0..20 {
        let v = ArbitraryValidEndpoints::arbitrary(&mut g);
        for smaller in v.shrink().take(10) {
            assert!(!valid_is_accepted(smaller).is_failure());
        }
        let v = ArbitraryInvalidEndpoints::arbitrary(&mut g);
        let rule = v.rule;
        for smaller in v.shrink().take(10) {
            assert_eq!(smaller.rule, rule);
            assert!(!invalid_is_rejected(smaller).is_failure());
        }
    }
}
